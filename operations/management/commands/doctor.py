from django.core.management.base import BaseCommand, CommandError

from operations.doctor import FAIL, OK, run_checks


class Command(BaseCommand):
    help = (
        "Check every configured service (database, cache, mail, storage, Stripe, webhooks, "
        "SITE_URL): one line each, with a fix for each failure. Exits 1 if any fails."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        results = run_checks()
        width = max(len(result.name) for result in results)
        for result in results:
            detail = f"{result.detail} -> fix: {result.fix}" if result.fix else result.detail
            style = {OK: self.style.SUCCESS, FAIL: self.style.ERROR}.get(result.status, str)
            self.stdout.write(f"{result.name:<{width}}  {style(f'{result.status:<4}')}  {detail}")
        failed = sum(result.status == FAIL for result in results)
        if failed:
            raise CommandError(f"{failed} check{'s' if failed > 1 else ''} failed.")
