"""The whole site in one archive, and back.

An archive is a tar file (gzipped when its name ends in .gz or .tgz) holding:

    database.dump       PostgreSQL: `pg_dump --format=custom`
    database.sqlite3    SQLite: a copy made with SQLite's online backup API
    media/<name>        every file in the default storage, local folder or S3
    manifest.json       database vendor, latest applied migration per app, creation
                        time, and the SHA-256 and size of every other member

The database is dumped first, as one snapshot, and the media files are copied after it,
so every file a row refers to is in the archive. Files uploaded while the backup runs
may be included too, unreferenced: harmless.

A restore checks every member against the manifest before it touches anything, and goes
only into an empty database and an empty storage unless forced.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient as PostgresClient
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

MANIFEST = "manifest.json"
FORMAT = 1
DATABASE_MEMBERS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA = "media/"
# Members are copied through a temporary file that stays in memory up to this size.
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 1024 * 1024


class BackupError(Exception):
    pass


def default_archive_name() -> str:
    return f"newsroom-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"


def create_backup(
    path: Path | str,
    *,
    using: str = "default",
    storage: Storage = default_storage,
    progress: Callable[[Iterator, int], Iterator] = lambda items, total: items,
) -> dict:
    """Write the database and every media file to the archive at `path`; return the
    manifest. The archive appears at `path` only once it is complete."""
    path = Path(path)
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {"vendor": vendor, "member": DATABASE_MEMBERS[vendor]},
        "migrations": latest_migrations(connection),
        "members": {},
    }
    partial = path.with_name(f".{path.name}.partial")
    try:
        with tempfile.TemporaryDirectory() as tmp, tarfile.open(partial, _write_mode(path)) as tar:
            dump = Path(tmp) / DATABASE_MEMBERS[vendor]
            if vendor == "postgresql":
                _pg_dump(connection.settings_dict, dump)
            else:
                _sqlite_backup(connection, dump)
            with dump.open("rb") as source:
                manifest["members"][dump.name] = _add(tar, dump.name, source)
            dump.unlink()
            # After the dump: every file a row refers to already exists.
            names = sorted(storage_files(storage))
            for name in progress(names, len(names)):
                try:
                    source = storage.open(name, "rb")
                except FileNotFoundError:
                    continue  # deleted since it was listed, so after the dump
                with source:
                    manifest["members"][MEDIA + name] = _add(tar, MEDIA + name, source)
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), time.time(), 0o644
            tar.addfile(info, io.BytesIO(data))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def verify_archive(path: Path | str) -> dict:
    """The archive's manifest, once every member has been read and matches it."""
    path = Path(path)
    try:
        tar = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by the `with` below)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path}: cannot read the archive: {error}") from error
    with tar:
        manifest = _read_manifest(tar, path)
        expected = manifest["members"]
        seen = set()
        member = None
        try:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                _check_name(member, manifest)
                if member.name not in expected:
                    raise BackupError(f"{path}: {member.name} is not in the manifest.")
                digest, size = _digest(tar.extractfile(member))
                want = expected[member.name]
                if (digest, size) != (want["sha256"], want["size"]):
                    raise BackupError(
                        f"{path}: {member.name} is corrupt (its checksum or size does not "
                        "match the manifest)."
                    )
                seen.add(member.name)
        except (OSError, EOFError, tarfile.TarError) as error:
            where = f"reading {member.name}" if member is not None else "reading it"
            raise BackupError(f"{path}: the archive is damaged ({where}): {error}") from error
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{path}: {missing[0]} is in the manifest but not in the archive.")
    return manifest


def restore_backup(
    path: Path | str,
    *,
    using: str = "default",
    storage: Storage = default_storage,
    force: bool = False,
    progress: Callable[[Iterator, int], Iterator] = lambda items, total: items,
) -> dict:
    """Rebuild the database and the media files from the archive at `path`; return its
    manifest. Refuses a damaged archive, one from another database vendor or from newer
    code, and, unless `force`, a database or storage that is not empty."""
    path = Path(path)
    manifest = verify_archive(path)
    connection = connections[using]
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"{path} holds a {vendor} database; this site is configured for {connection.vendor}."
        )
    unknown = _unknown_migrations(manifest["migrations"], connection)
    if unknown:
        raise BackupError(
            f"{path} was made by newer code (migration {unknown[0]} is not in this "
            "checkout): deploy that code first."
        )
    if not force:
        tables = connection.introspection.table_names()
        if tables:
            raise BackupError(
                f"The database is not empty ({len(tables)} tables, such as {tables[0]}): "
                "restore into a new, empty database, or pass --force to replace its contents."
            )
        existing = next(storage_files(storage), None)
        if existing is not None:
            raise BackupError(
                f"Media storage is not empty (it holds {existing}): restore into an empty "
                "storage, or pass --force to replace the files the archive holds."
            )
    with tarfile.open(path, "r:*") as tar:
        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / manifest["database"]["member"]
            with tar.extractfile(manifest["database"]["member"]) as source, dump.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
            if vendor == "postgresql":
                connection.close()
                _pg_restore(connection.settings_dict, dump)
            else:
                _sqlite_restore(connection, dump)
        media = [m for m in tar.getmembers() if m.name.startswith(MEDIA)]
        for member in progress(media, len(media)):
            name = member.name.removeprefix(MEDIA)
            if force and storage.exists(name):
                storage.delete(name)
            with tar.extractfile(member) as source:
                saved = storage.save(name, File(source, name=name))
            if saved != name:
                raise BackupError(f"Media storage saved {name} as {saved}.")
    return manifest


def storage_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name in `storage`, through its listdir, so S3 works as a folder does."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return  # a local media folder nothing has been uploaded to yet
    for name in files:
        yield f"{folder}{name}"
    for name in folders:
        yield from storage_files(storage, f"{folder}{name}/")


def latest_migrations(connection) -> dict[str, str]:
    """The last migration applied to each app, by the order they were applied in."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    latest = {}
    for app, name in recorder.migration_qs.order_by("applied", "id").values_list("app", "name"):
        latest[app] = name
    return dict(sorted(latest.items()))


def find_pg_program(name: str) -> str:
    """`name` (pg_dump, pg_restore) from PG_BIN when it is set, or else from PATH."""
    pg_bin = os.environ.get("PG_BIN")
    candidates = [Path(pg_bin) / name] if pg_bin else []
    candidates = [str(c) for c in candidates if c.is_file() and os.access(c, os.X_OK)]
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found in PG_BIN ({pg_bin or 'not set'}) or on PATH: install "
            "PostgreSQL's client programs, at the server's major version or newer "
            "(apt install postgresql-client), or set PG_BIN to the folder holding them."
        )
    return found


def _pg_command(program: str, settings_dict: dict, options: list[str]) -> tuple[list, dict]:
    """The command line and environment to run a PostgreSQL client program against the
    configured database, built the way `manage.py dbshell` builds psql's."""
    args, env = PostgresClient.settings_to_cmd_args_env(settings_dict, [])
    args = [find_pg_program(program), *options, *args[1:]]
    if settings_dict.get("NAME"):
        args[-1] = f"--dbname={args[-1]}"
    return args, {**os.environ, **(env or {})}


def _run(args: list, env: dict, what: str) -> None:
    # The program comes from PG_BIN or PATH, its arguments from the settings.
    result = subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")


def _pg_dump(settings_dict: dict, out: Path) -> None:
    args, env = _pg_command("pg_dump", settings_dict, ["--format=custom", f"--file={out}"])
    _run(args, env, "pg_dump")


def _pg_restore(settings_dict: dict, dump: Path) -> None:
    # One transaction: a restore that fails part-way leaves the database as it was.
    options = ["--no-owner", "--clean", "--if-exists", "--single-transaction", "--exit-on-error"]
    args, env = _pg_command("pg_restore", settings_dict, options)
    _run([*args, str(dump)], env, "pg_restore")


def _sqlite_backup(connection, out: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(out)
    try:
        # One step (pages=-1), so the copy is one snapshot of the database.
        connection.connection.backup(target)
    finally:
        target.close()


def _sqlite_restore(connection, dump: Path) -> None:
    if connection.is_in_memory_db():
        raise BackupError("Cannot restore into an in-memory SQLite database.")
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(dump, staged)
    # The old database's write-ahead log would otherwise be replayed over the new file.
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)


def _unknown_migrations(migrations: dict[str, str], connection) -> list[str]:
    on_disk = MigrationLoader(connection, ignore_no_migrations=True).disk_migrations
    return [f"{app}.{name}" for app, name in migrations.items() if (app, name) not in on_disk]


def _read_manifest(tar: tarfile.TarFile, path: Path) -> dict:
    try:
        data = tar.extractfile(MANIFEST).read()
        manifest = json.loads(data)
    except KeyError:
        raise BackupError(f"{path} has no {MANIFEST}: it is not a Newsroom backup.") from None
    except (OSError, EOFError, tarfile.TarError, ValueError) as error:
        raise BackupError(f"{path}: {MANIFEST} is damaged: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format')!r}.")
    return manifest


def _check_name(member: tarfile.TarInfo, manifest: dict) -> None:
    name = PurePosixPath(member.name)
    media = member.name.startswith(MEDIA) and ".." not in name.parts and not name.is_absolute()
    if not member.isfile() or not (media or member.name == manifest["database"]["member"]):
        raise BackupError(f"{member.name} is not a member a backup holds.")


def _add(tar: tarfile.TarFile, name: str, source) -> dict:
    """Add `source` to the archive as `name`; its size and checksum for the manifest."""
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as copy:
        digest = hashlib.sha256()
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            copy.write(chunk)
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = copy.tell(), time.time(), 0o644
        copy.seek(0)
        tar.addfile(info, copy)
    return {"sha256": digest.hexdigest(), "size": info.size}


def _digest(stream) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _write_mode(path: Path) -> str:
    return "w:gz" if path.name.endswith((".gz", ".tgz")) else "w"
