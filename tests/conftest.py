import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads into its own folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # The manifest storage needs collectstatic; tests serve static files as they are.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
