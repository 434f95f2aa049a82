from django.core.management.base import BaseCommand

from newsletter.tasks import resume_sending_now


class Command(BaseCommand):
    help = (
        "Send scheduled editions that are due, mark deliveries a dead worker left in "
        "'sending' as ambiguous, restart editions that still have recipients left, and "
        "send confirmation emails held back by the per-domain hourly cap. "
        "Run it when the task worker starts; the scheduler enqueues it every five minutes."
    )

    def handle(self, *args, **options):
        result = resume_sending_now()
        self.stdout.write(
            "Scheduled editions started: {scheduled}; deliveries marked ambiguous: "
            "{ambiguous}; editions resumed: {resumed}; held confirmations sent: "
            "{confirmations}".format(**result)
        )
