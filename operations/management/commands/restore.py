from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.progress import progress
from operations.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Rebuild the database and media files from an archive `manage.py backup` wrote. "
        "Checks every checksum first; goes only into an empty database and storage unless "
        "--force."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore over a database and storage that are not empty, replacing what "
            "the archive holds.",
        )

    def handle(self, *args, archive, force=False, **options):
        if not archive.is_file():
            raise CommandError(f"{archive}: no such file.")
        try:
            manifest = restore_backup(archive, force=force, progress=self.progress)
        except BackupError as error:
            raise CommandError(str(error)) from error
        media = sum(name.startswith("media/") for name in manifest["members"])
        self.stdout.write(
            f"Restored the {manifest['database']['vendor']} database and {media} media "
            f"file{'' if media == 1 else 's'} from {archive} (made {manifest['created_at']})."
        )

    def progress(self, members, total):
        return progress(members, total=total, desc="media files", stdout=self.stdout)
