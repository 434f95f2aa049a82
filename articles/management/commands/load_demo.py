from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from articles.demo import load_demo
from articles.models import Article
from donations.demo import load_demo_donations
from issues.models import Issue

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "changeme"  # noqa: S105 - the demo's documented first login, only on an empty site


class Command(BaseCommand):
    help = (
        "Load demo issues, articles, authors and photos into an empty site, and create an "
        f"'{ADMIN_USERNAME}' superuser when there are no users at all. Safe to run again."
    )

    def handle(self, *args, **options):
        if load_demo(stdout=self.stdout):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded demo content: {Issue.objects.count()} issues, "
                    f"{Article.objects.published().count()} published articles and a draft."
                )
            )
        else:
            self.stdout.write("Skipped demo content: the site already has articles.")
        appeal = load_demo_donations()
        self.stdout.write(f"Demo appeal: {appeal.title}.")

        User = get_user_model()
        if not User.objects.exists():
            User.objects.create_superuser(ADMIN_USERNAME, password=ADMIN_PASSWORD)
            self.stdout.write(
                self.style.WARNING(
                    f"Created superuser '{ADMIN_USERNAME}' with password '{ADMIN_PASSWORD}'. "
                    "Change it before this site is reachable by anyone else."
                )
            )
