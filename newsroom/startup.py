"""What manage.py, wsgi.py and asgi.py do before Django runs: a bad environment or an
unreachable database stops the process with one line that says what to fix, not a
traceback that buries it."""

import os
import sys
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured

from newsroom.env import without_password


def load_settings() -> None:
    """Read the settings now. Django would otherwise read them lazily, inside code that
    turns an ImproperlyConfigured into a long traceback (or, for manage.py, into an
    unrelated "Unknown command")."""
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as error:
        sys.exit(str(error))


@contextmanager
def database_errors_in_one_line():
    """A command that cannot reach the database at all ends with one line naming
    DATABASE_URL. An error from a database that was reached still gets its traceback."""
    from django.db import OperationalError, connections

    try:
        yield
    except OperationalError as error:
        if connections["default"].connection is not None:
            raise
        url = without_password(os.environ.get("DATABASE_URL", "sqlite:///var/db.sqlite3"))
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        sys.exit(f"DATABASE_URL: cannot connect to {url!r}: {reason} (is the database running?)")
