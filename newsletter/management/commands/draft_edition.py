from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsletter.models import Newsletter
from newsletter.services import draft_edition


class Command(BaseCommand):
    help = (
        "Draft the next edition from the articles published since the last one (the "
        "scheduler drafts the daily one at NEWSLETTER_DRAFT_AT)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--newsletter", default=settings.NEWSLETTER_DEFAULT_SLUG)
        parser.add_argument(
            "--allow-empty", action="store_true", help="Draft even with no new articles."
        )

    def handle(self, *args, newsletter, allow_empty, **options):
        try:
            newsletter = Newsletter.objects.get(slug=newsletter)
        except Newsletter.DoesNotExist:
            raise CommandError(f"No newsletter with the slug {newsletter!r}.") from None
        edition = draft_edition(newsletter, allow_empty=allow_empty)
        if edition is None:
            self.stdout.write("Nothing new since the last edition: no draft made.")
        else:
            self.stdout.write(f"Drafted edition {edition.pk}: {edition.subject}")
