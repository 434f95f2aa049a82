import json
import os
import subprocess
import tarfile
import threading
import uuid
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections

from donations.models import Donation
from newsletter.models import Subscriber
from tests.factories import ArticleFactory, PhotoFactory
from tests.newsroom.test_settings import run_manage

pytestmark = pytest.mark.django_db(transaction=True)


def build_site() -> None:
    for n in range(3):
        ArticleFactory(lead_photo=PhotoFactory(caption=f"Picket line {n}"))
    for n in range(5):
        Subscriber.objects.create(email=f"reader{n}@example.org")
    Donation.objects.create(
        amount_pence=25_00,
        donor_name="Rosa Reader",
        donor_email="rosa@example.org",
        provider=Donation.Provider.OFFLINE,
        provider_reference="CHEQUE-1",
        status=Donation.Status.PAID,
    )


class SignupsWhileBackingUp(threading.Thread):
    """Readers keep subscribing, through the ORM, until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.added = 0

    def run(self):
        try:
            while not self.stopping.is_set():
                try:
                    Subscriber.objects.create(email=f"late-{uuid.uuid4().hex[:12]}@example.org")
                    self.added += 1
                except OperationalError:
                    pass  # SQLite's in-memory test database: a table locked by the backup
        finally:
            connections.close_all()

    def __enter__(self):
        self.start()
        while self.added < 3:
            self.stopping.wait(0.01)
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.join(timeout=30)


def rows_by_model(dump: str) -> dict[str, list[dict]]:
    rows = defaultdict(list)
    for row in json.loads(dump):
        rows[row["model"]].append(row)
    return rows


def media_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def second_database(tmp_path):
    """The URL of a new, empty database of the same kind as the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"restored_{uuid.uuid4().hex[:8]}"
    pg = connection.settings_dict
    pg_bin = Path(os.environ.get("PG_BIN", "/usr/bin"))
    server = ["-h", pg["HOST"], "-p", str(pg["PORT"]), "-U", pg["USER"]]
    subprocess.run([pg_bin / "createdb", *server, name], check=True)
    yield f"postgres://{pg['USER']}@{pg['HOST']}:{pg['PORT']}/{name}"
    subprocess.run([pg_bin / "dropdb", *server, "--force", name], check=True)


def test_a_restored_site_has_every_row_and_file_of_the_backup(tmp_path, settings, second_database):
    build_site()
    archive = tmp_path / "site.tar.gz"
    before = Subscriber.objects.count()
    with SignupsWhileBackingUp() as signups:
        call_command("backup", output=archive, stdout=StringIO())
    assert signups.added > 3

    restored_media = tmp_path / "restored-media"
    env = {"DATABASE_URL": second_database, "MEDIA_ROOT": str(restored_media)}
    result = run_manage("restore", str(archive), **env)
    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stdout

    dumped = run_manage("dumpdata", "--indent=0", **env)
    assert dumped.returncode == 0, dumped.stderr
    restored = rows_by_model(dumped.stdout)
    source = StringIO()
    call_command("dumpdata", indent=0, stdout=source)
    source = rows_by_model(source.getvalue())

    # One snapshot: the subscribers who signed up before some moment, none after it.
    subscribers = restored.pop("newsletter.subscriber")
    last = max(row["pk"] for row in subscribers)
    assert len(subscribers) >= before
    assert subscribers == [row for row in source.pop("newsletter.subscriber") if row["pk"] <= last]
    assert restored == source
    assert {"articles.article", "articles.photo", "donations.donation"} <= restored.keys()

    files = media_files(Path(settings.MEDIA_ROOT))
    assert len([name for name in files if name.startswith("photos/")]) >= 3
    assert media_files(restored_media) == files


def test_a_corrupt_archive_is_refused_naming_the_member(tmp_path):
    ArticleFactory(lead_photo=PhotoFactory())
    archive = tmp_path / "site.tar"
    call_command("backup", output=archive, stdout=StringIO())
    with tarfile.open(archive) as tar:
        photo = next(m for m in tar if m.name.startswith("media/photos/"))
    with archive.open("r+b") as file:
        file.seek(photo.offset_data + 100)
        byte = file.read(1)
        file.seek(-1, os.SEEK_CUR)
        file.write(bytes([byte[0] ^ 0xFF]))

    with pytest.raises(CommandError, match=f"{photo.name} is corrupt"):
        call_command("restore", archive, force=True)


def test_restoring_into_a_database_that_is_not_empty_is_refused(tmp_path):
    archive = tmp_path / "site.tar.gz"
    call_command("backup", output=archive, stdout=StringIO())

    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", archive)


def test_the_archive_lists_every_member_with_its_checksum(tmp_path):
    ArticleFactory(lead_photo=PhotoFactory())
    archive = tmp_path / "site.tar.gz"
    call_command("backup", output=archive, stdout=StringIO())

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = {m.name for m in tar} - {"manifest.json"}
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"]["articles"].startswith("00")
    assert manifest["created_at"]
    assert set(manifest["members"]) == names
    assert all(len(m["sha256"]) == 64 and m["size"] > 0 for m in manifest["members"].values())


def test_a_missing_pg_dump_is_named_with_the_fix(monkeypatch):
    from operations.backups import BackupError, find_pg_program

    monkeypatch.setenv("PG_BIN", "/nonexistent")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BackupError, match="pg_dump was not found in PG_BIN"):
        find_pg_program("pg_dump")


def test_restoring_into_storage_that_is_not_empty_is_refused(tmp_path, settings):
    ArticleFactory(lead_photo=PhotoFactory())
    archive = tmp_path / "site.tar.gz"
    call_command("backup", output=archive, stdout=StringIO())
    empty_database = f"sqlite:///{tmp_path / 'empty.sqlite3'}"

    result = run_manage(
        "restore", str(archive), DATABASE_URL=empty_database, MEDIA_ROOT=str(settings.MEDIA_ROOT)
    )
    if connection.vendor == "sqlite":
        assert result.returncode == 1
        assert "Media storage is not empty (it holds photos/" in result.stderr
    else:
        assert "holds a postgresql database; this site is configured for sqlite" in result.stderr


def test_force_restores_over_a_site_replacing_its_contents(tmp_path, second_database):
    ArticleFactory(lead_photo=PhotoFactory())
    archive = tmp_path / "site.tar.gz"
    call_command("backup", output=archive, stdout=StringIO())
    env = {"DATABASE_URL": second_database, "MEDIA_ROOT": str(tmp_path / "restored-media")}
    assert run_manage("restore", str(archive), **env).returncode == 0
    first = run_manage("dumpdata", **env).stdout

    again = run_manage("restore", str(archive), **env)
    assert again.returncode == 1
    assert "The database is not empty" in again.stderr
    forced = run_manage("restore", str(archive), "--force", **env)
    assert forced.returncode == 0, forced.stderr
    assert json.loads(run_manage("dumpdata", **env).stdout) == json.loads(first)
