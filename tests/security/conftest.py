import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Sign-in tests hash many passwords; the real hasher's cost is not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
