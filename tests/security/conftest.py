import pytest
from django.contrib.auth.models import User

EDITOR_PASSWORD = "a-long-editor-password"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Sign-in tests hash many passwords; the real hasher's cost is not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor():
    """A signed-up editor (superuser) whose password the sign-in tests type."""
    return User.objects.create_user(
        "editor", "editor@example.org", EDITOR_PASSWORD, is_staff=True, is_superuser=True
    )
