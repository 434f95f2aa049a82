from django.conf import settings
from django.core.management.base import BaseCommand

from newsletter.services import purge_unconfirmed


class Command(BaseCommand):
    help = (
        "Delete signups never confirmed within NEWSLETTER_UNCONFIRMED_DAYS (the scheduler "
        "does it daily at 03:30)."
    )

    def handle(self, *args, **options):
        deleted = purge_unconfirmed()
        self.stdout.write(
            f"Deleted {deleted} signups unconfirmed after "
            f"{settings.NEWSLETTER_UNCONFIRMED_DAYS} days."
        )
