from django.core.management.base import BaseCommand

from newsletter.tasks import resume_sending_now


class Command(BaseCommand):
    help = (
        "Send scheduled editions that are due, mark deliveries a dead worker left in "
        "'sending' as ambiguous, and restart editions that still have recipients left. "
        "Run it when the task worker starts and from cron every few minutes."
    )

    def handle(self, *args, **options):
        result = resume_sending_now()
        self.stdout.write(
            "Scheduled editions started: {scheduled}; deliveries marked ambiguous: "
            "{ambiguous}; editions resumed: {resumed}".format(**result)
        )
