from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.progress import progress
from operations.backups import BackupError, create_backup, default_archive_name


class Command(BaseCommand):
    help = (
        "Write the database and every media file to one archive (.tar, or .tar.gz), with a "
        "manifest of checksums. `manage.py restore` rebuilds a site from it."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="Where to write the archive (default: newsroom-<date>-<time>.tar.gz here).",
        )

    def handle(self, *args, output=None, **options):
        path = output or Path(default_archive_name())
        try:
            manifest = create_backup(path, progress=self.progress)
        except BackupError as error:
            raise CommandError(str(error)) from error
        media = sum(name.startswith("media/") for name in manifest["members"])
        size = path.stat().st_size
        self.stdout.write(
            f"Wrote {path}: the {manifest['database']['vendor']} database and {media} media "
            f"file{'' if media == 1 else 's'}, {size / 1e6:.1f} MB."
        )

    def progress(self, names, total):
        return progress(names, total=total, desc="media files", stdout=self.stdout)
