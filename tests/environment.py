"""A pytest plugin (`-p tests.environment` in pyproject.toml), imported before Django's
settings so that the test environment can shape them."""

import os
import tempfile

# The test process is a developer's laptop: plain HTTP, a throwaway key.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("SECURE_SSL_REDIRECT", "off")
os.environ.setdefault("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="newsroom-static-"))
