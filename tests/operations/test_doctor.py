import io
import socket

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from tests.newsletter.conftest import smtp_server  # noqa: F401  (a real SMTP server)
from tests.newsroom.test_settings import run_manage
from tests.operations.test_health import BrokenStorage  # noqa: F401


def doctor() -> tuple[dict[str, str], bool]:
    """Each check's line by name, and whether the command failed."""
    out = io.StringIO()
    try:
        call_command("doctor", stdout=out, no_color=True)
        failed = False
    except CommandError:
        failed = True
    lines = {line.split("  ")[0]: line for line in out.getvalue().splitlines()}
    return lines, failed


def check(name: str) -> tuple[str, bool]:
    lines, failed = doctor()
    return lines[name], failed


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _healthy(settings):
    settings.SITE_URL = "https://news.example.org"
    settings.ALLOWED_HOSTS = ["news.example.org"]


@pytest.mark.django_db
def test_a_healthy_laptop_passes_every_check():
    lines, failed = doctor()
    assert not failed, lines
    assert " OK " in lines["database"]
    assert " OK " in lines["migrations"]
    assert " OK " in lines["cache"]
    assert "OK    not SMTP: mail is kept in memory" in lines["mail"]  # pytest-django's
    assert " OK " in lines["storage"]
    assert " SKIP " in lines["stripe key"]
    assert " OK " in lines["site url"]


def test_an_unreachable_database_fails_with_a_fix():
    url = f"postgres://newsroom:secret@127.0.0.1:{closed_port()}/newsroom"
    result = run_manage("doctor", DATABASE_URL=url, DATABASE_CONNECT_TIMEOUT="1")
    assert result.returncode == 1
    (database,) = [line for line in result.stdout.splitlines() if line.startswith("database")]
    assert " FAIL " in database
    assert "fix: check DATABASE_URL" in database
    assert "secret" not in result.stdout
    (migrations,) = [line for line in result.stdout.splitlines() if line.startswith("migra")]
    assert " SKIP " in migrations
    assert "CommandError: 1 check failed." in result.stderr


@pytest.mark.django_db
def test_an_unapplied_migration_fails_with_a_fix():
    latest = MigrationLoader(connection).graph.leaf_nodes("donations")[0]
    MigrationRecorder(connection).record_unapplied(*latest)
    line, failed = check("migrations")
    assert failed
    assert " FAIL " in line
    assert f"donations.{latest[1]}" in line
    assert "fix: manage.py migrate" in line


@pytest.mark.django_db
def test_a_cache_that_is_down_fails(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/1",
        }
    }
    line, failed = check("cache")
    assert failed
    assert " FAIL " in line
    assert "fix: check CACHE_URL" in line


@pytest.mark.django_db
def test_smtp_that_answers_passes(smtp_server):  # noqa: F811
    line, failed = check("mail")
    assert not failed
    assert f"OK    SMTP 127.0.0.1:{smtp_server.port} (no TLS): EHLO 250" in line
    assert smtp_server.messages == []  # nothing was sent


@pytest.mark.django_db
def test_smtp_that_does_not_answer_fails(settings):
    port = closed_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    line, failed = check("mail")
    assert failed
    assert " FAIL " in line
    assert f"fix: check EMAIL_URL; can this machine reach 127.0.0.1:{port}?" in line


@pytest.mark.django_db
def test_mail_kept_in_memory_is_not_smtp(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    line, _ = check("mail")
    assert "OK    not SMTP: mail is kept in memory" in line


@pytest.mark.django_db
def test_storage_that_cannot_be_written_fails(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.operations.test_health.BrokenStorage"},
    }
    line, failed = check("storage")
    assert failed
    assert "No space left on device" in line
    assert "fix: check MEDIA_ROOT" in line


@pytest.mark.parametrize("key", ["sk_live_51abcDEF", "sk_test_51abcDEF", "rk_live_51abcDEF"])
@pytest.mark.django_db
def test_stripe_keys_of_the_right_shape_pass(settings, key):
    settings.STRIPE_SECRET_KEY = key
    settings.STRIPE_WEBHOOK_SECRET = "whsec_abc123"
    lines, failed = doctor()
    assert not failed, lines
    assert " OK " in lines["stripe key"]
    assert key not in lines["stripe key"]
    assert " OK " in lines["stripe webhook"]


@pytest.mark.parametrize(
    ("key", "secret", "failing"),
    [
        ("pk_live_51abcDEF", "whsec_abc123", "stripe key"),
        ("sk_live_51abcDEF", "", "stripe webhook"),
        ("sk_live_51abcDEF", "sk_live_oops", "stripe webhook"),
    ],
)
@pytest.mark.django_db
def test_stripe_keys_of_the_wrong_shape_fail(settings, key, secret, failing):
    settings.STRIPE_SECRET_KEY = key
    settings.STRIPE_WEBHOOK_SECRET = secret
    line, failed = check(failing)
    assert failed
    assert " FAIL " in line
    assert "fix: set STRIPE_" in line


@pytest.mark.parametrize(
    ("secret", "expected"), [("hooks:s3cret", " OK "), ("s3cret", " FAIL "), (None, " SKIP ")]
)
@pytest.mark.django_db
def test_the_mail_webhook_secret_is_user_colon_password(settings, secret, expected):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": secret}
    line, _ = check("mail webhooks")
    assert expected in line
    assert "s3cret" not in line


@pytest.mark.django_db
def test_a_site_url_the_site_does_not_answer_to_fails(settings):
    settings.SITE_URL = "https://www.example.org"
    line, failed = check("site url")
    assert failed
    assert "fix: add www.example.org to ALLOWED_HOSTS" in line
