import importlib

import pytest
from django.apps import apps

# The real SMTP server (aiosmtpd) the newsletter tests use, for the signup flow here.
from tests.newsletter.conftest import smtp_server  # noqa: F401


@pytest.fixture(autouse=True)
def _default_newsletter(transactional_db):
    """Browser tests commit for real, and each transactional test ends by emptying the
    tables, the data migrations' rows included: put the daily newsletter back."""
    migration = importlib.import_module("newsletter.migrations.0002_default_newsletter")
    migration.create_default_newsletter(apps, None)
