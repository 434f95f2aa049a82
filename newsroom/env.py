"""The environment, read strictly. settings.py reads every variable through `env`, so a
value that does not parse stops start-up with one line naming the variable, what is
wrong and a value that would work:

    PAGE_SIZE: 'abc' is not a whole number (example: PAGE_SIZE=20)

django-environ does the parsing of URLs; this wrapper adds what it lacks: booleans that
accept only on/off words (environ reads "maybe", or a typo of "on", as off), lists
without stray spaces, and errors that name the variable instead of a traceback deep in
urllib."""

import re
import warnings

import environ
from django.core.exceptions import ImproperlyConfigured

NOTSET = environ.Env.NOTSET
TRUE_WORDS = frozenset({"on", "true", "1", "yes"})
FALSE_WORDS = frozenset({"off", "false", "0", "no"})
# The password in scheme://user:password@host is never printed.
URL_PASSWORD = re.compile(r"(?<=://)([^:/@]*):[^@/]*@")


class Invalid(ValueError):
    """A parser's own words for what is wrong ("has an empty item between commas")."""


def without_password(url: str) -> str:
    return URL_PASSWORD.sub(r"\1:***@", url)


class Env(environ.Env):
    """django-environ's Env with strict parsers. Each reader takes the variable, a
    default, and an optional `example` for the error line (the default when omitted)."""

    def str(self, var, default=NOTSET, *, choices=None, example=None, **kwargs):
        def parse(raw):
            if choices is not None and raw not in choices:
                raise Invalid(f"is not one of {', '.join(choices)}")
            return raw

        return self._read(var, default, parse, "is not valid", example)

    def bool(self, var, default=NOTSET, *, example="on"):
        def parse(raw):
            word = raw.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValueError

        return self._read(var, default, parse, "is not on or off", example)

    def int(self, var, default=NOTSET, *, example=None):
        return self._read(var, default, int, "is not a whole number", example)

    def float(self, var, default=NOTSET, *, example=None):
        return self._read(var, default, float, "is not a number", example)

    def list(self, var, cast=None, default=NOTSET, *, example=None):
        def parse(raw):
            if not raw.strip():
                return []
            items = [item.strip() for item in raw.split(",")]
            if not all(items):
                raise Invalid("has an empty item between commas")
            return items

        if example is None and isinstance(default, list | tuple):
            example = ",".join(default)
        return self._read(var, default, parse, "is not valid", example)

    def db_url(self, var="DATABASE_URL", default=NOTSET, engine=None, *, example=None):
        def parse(raw):
            # environ takes an unknown scheme for a backend's module path (or warns,
            # printing the password, when there is none): refuse it here instead.
            if engine is None and raw.partition("://")[0] not in self.DB_SCHEMES:
                raise ValueError
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                config = self.db_url_config(raw, engine=engine)
            if not config.get("ENGINE"):
                raise ValueError
            return config

        example = example or "postgres://user:password@localhost:5432/newsroom"
        return self._read(var, default, parse, "is not a database URL", example, url=True)

    def cache_url(self, var="CACHE_URL", default=NOTSET, backend=None, *, example=None):
        example = example or "redis://localhost:6379/1"
        parse = lambda raw: self.cache_url_config(raw, backend=backend)  # noqa: E731
        return self._read(var, default, parse, "is not a cache URL", example, url=True)

    def email_url(self, var="EMAIL_URL", default=NOTSET, backend=None, *, example=None):
        example = example or "smtp://user:password@mail.example.org:587"
        parse = lambda raw: self.email_url_config(raw, backend=backend)  # noqa: E731
        return self._read(var, default, parse, "is not a mail URL", example, url=True)

    def _read(self, var, default, parse, problem, example, *, url=False):
        raw = self.ENVIRON.get(var)
        if raw is None:
            if default is NOTSET:
                raise ImproperlyConfigured(f"{var}: not set (example: {var}={example})")
            # URL defaults are written as URLs, like the variables they stand in for.
            return parse(default) if url else default
        try:
            return parse(raw)
        except Invalid as error:
            detail = str(error)
        except (ValueError, ImproperlyConfigured):
            detail = problem
        shown = without_password(raw) if url else raw
        example = default if example is None else example
        raise ImproperlyConfigured(f"{var}: {shown!r} {detail} (example: {var}={example})")
