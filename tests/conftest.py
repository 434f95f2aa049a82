import importlib
import os

import pytest
from django.core.cache import cache

from tests.browser.support import CHROMIUM

# Rows that data migrations create, which other code relies on.
DATA_MIGRATIONS = [
    ("newsletter.migrations.0002_default_newsletter", "create_default_newsletter"),
    ("articles.migrations.0005_editorial_roles", "create_roles"),
]


@pytest.fixture(scope="session")
def _migrated_apps(django_db_setup, django_db_blocker):
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    with django_db_blocker.unblock():
        return MigrationLoader(connection).project_state().apps


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    return transactional or {"transactional_db", "live_server"} & set(request.fixturenames)


@pytest.fixture(autouse=True)
def _data_migration_rows(request):
    """A transactional test ends by emptying every table, the rows made by data
    migrations included: put those back for the transactional tests that follow."""
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    apps = request.getfixturevalue("_migrated_apps")
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached navigation, latest news and rate-limit counters never leak between tests."""
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads into its own folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # The manifest storage needs collectstatic; tests serve static files as they are.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
# between page actions are still synchronous, so Django's async guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, settings):
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def pytest_sessionfinish(session):
    from tests.figures import Tally

    for tally in Tally.all:
        tally.record()
