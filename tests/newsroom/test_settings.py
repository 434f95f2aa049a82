import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from articles.models import Article

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env_overrides):
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would itself be reported by the check.
    dropped = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped} | env_overrides
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_values():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k" * 20 + "production-secret-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="news.example.org",
        EMAIL_URL="smtp://mail.example.org:587",
        SECURE_SSL_REDIRECT="on",
        ANYMAIL_WEBHOOK_SECRET="provider:long-random-password",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_asks_for_the_webhook_secret():
    result = run_manage(
        "check",
        "--deploy",
        SECRET_KEY="k" * 20 + "production-secret-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="news.example.org",
        SECURE_SSL_REDIRECT="on",
    )
    assert "newsletter.W001" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_email_url_becomes_a_mailers_entry(settings):
    from newsroom.settings import _mailer_from_url

    mailer = _mailer_from_url("smtp://user:secret@mail.example.org:2525")
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] | {"timeout": None} == {
        "host": "mail.example.org",
        "port": 2525,
        "username": "user",
        "password": "secret",
        "use_tls": False,
        "use_ssl": False,
        "timeout": None,
    }
    assert _mailer_from_url("consolemail://") == {
        "BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


def test_database_is_the_one_database_url_names():
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected
    if expected == "postgresql":
        assert settings.DATABASES["default"]["OPTIONS"]["pool"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
@pytest.mark.django_db
def test_postgresql_prepares_the_queries_pages_repeat():
    """DATABASE_PREPARED_STATEMENTS (on by default): psycopg prepares a query once it
    has run five times, and PostgreSQL keeps its plan for the connection."""
    for _ in range(6):
        list(Article.objects.published().filter(slug="repeated"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [statement for (statement,) in cursor.fetchall()]
    assert any('"articles_article"."slug" = $' in statement for statement in statements)
