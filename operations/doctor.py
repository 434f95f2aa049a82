"""The checks `manage.py doctor` runs against every configured service. Each returns a
Result; a failure says how to fix it. Unlike /readyz, which is public and says little,
these show the real error: they run in an operator's terminal."""

import dataclasses
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.mail import mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.http.request import split_domain_port, validate_host

OK, FAIL, SKIP = "OK", "FAIL", "SKIP"
# Mail is printed, kept or written by these backends: nothing to connect to.
LOCAL_MAIL = {
    "django.core.mail.backends.console.EmailBackend": "mail is printed to the console",
    "django.core.mail.backends.locmem.EmailBackend": "mail is kept in memory",
    "django.core.mail.backends.filebased.EmailBackend": "mail is written to files",
    "django.core.mail.backends.dummy.EmailBackend": "mail is thrown away",
}
# An operator's patience with one SMTP server that does not answer.
SMTP_TIMEOUT = 10
STRIPE_SECRET_KEY = re.compile(r"(sk|rk)_(live|test)_[A-Za-z0-9]+")
STRIPE_WEBHOOK_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


@dataclasses.dataclass
class Result:
    name: str
    status: str
    detail: str
    fix: str = ""


def failure(name: str, error: BaseException | str, fix: str) -> Result:
    detail = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return Result(name, FAIL, " ".join(str(detail).split()), fix)


def run_checks() -> list[Result]:
    results = []
    for check in CHECKS:
        results.extend(check())
    return results


def check_database() -> list[Result]:
    connection = connections["default"]
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        fix = "check DATABASE_URL (host, port, name, user, password); is the server running?"
        return [
            failure("database", error, fix),
            Result("migrations", SKIP, "the database cannot be reached"),
        ]
    where = connection.settings_dict["HOST"] or connection.settings_dict["NAME"]
    elapsed = (time.perf_counter() - started) * 1000
    detail = f"{connection.vendor} at {where}: SELECT 1 in {elapsed:.0f} ms"
    results = [Result("database", OK, detail)]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:3])
        more = f" and {len(plan) - 3} more" if len(plan) > 3 else ""
        results.append(
            failure("migrations", f"{len(plan)} not applied: {names}{more}", "manage.py migrate")
        )
    else:
        results.append(Result("migrations", OK, "all applied"))
    return results


def check_caches() -> list[Result]:
    results = []
    for alias in settings.CACHES:
        name = "cache" if alias == "default" else f"cache {alias}"
        key, value = f"doctor:{uuid.uuid4().hex}", uuid.uuid4().hex
        cache = caches[alias]
        try:
            cache.set(key, value, timeout=30)
            read = cache.get(key)
            cache.delete(key)
        except Exception as error:
            results.append(failure(name, error, "check CACHE_URL; is the cache server running?"))
            continue
        if read != value:
            results.append(failure(name, "a value set was not read back", "check CACHE_URL"))
        else:
            backend = settings.CACHES[alias]["BACKEND"].rsplit(".", 1)[-1]
            results.append(Result(name, OK, f"{backend}: set, get and delete"))
    return results


def check_mailers() -> list[Result]:
    return [check_mailer(alias) for alias in settings.MAILERS]


def check_mailer(alias: str) -> Result:
    name = "mail" if alias == "default" else f"mail {alias}"
    backend_path = settings.MAILERS[alias]["BACKEND"]
    if backend_path in LOCAL_MAIL:
        return Result(name, OK, f"not SMTP: {LOCAL_MAIL[backend_path]}")
    backend = mailers[alias]
    if not isinstance(backend, SMTPBackend):
        return Result(name, SKIP, f"{backend_path} sends through an API: not checked")
    backend.timeout = min(backend.timeout or SMTP_TIMEOUT, SMTP_TIMEOUT)
    try:
        backend.open()
        code, _ = backend.connection.ehlo()
    except Exception as error:
        return failure(
            name,
            error,
            f"check EMAIL_URL; can this machine reach {backend.host}:{backend.port}?",
        )
    finally:
        backend.close()
    secured = "SSL" if backend.use_ssl else "STARTTLS" if backend.use_tls else "no TLS"
    signed_in = ", signed in" if backend.username else ""
    detail = f"SMTP {backend.host}:{backend.port} ({secured}{signed_in}): EHLO {code}"
    return Result(name, OK, detail)


def check_storage() -> list[Result]:
    storage = storages["default"]
    name = f"doctor-probe-{uuid.uuid4().hex}.txt"
    content = b"written by manage.py doctor"
    saved = None
    try:
        saved = storage.save(name, ContentFile(content))
        with storage.open(saved) as probe:
            read = probe.read()
        storage.delete(saved)
        saved = None
    except Exception as error:
        fix = "check MEDIA_ROOT (or the S3 bucket and its credentials): space and permissions"
        return [failure("storage", error, fix)]
    finally:
        if saved:
            storage.delete(saved)
    if read != content:
        return [failure("storage", "the probe read back differs", "check the media storage")]
    return [Result("storage", OK, f"{type(storage).__name__}: write, read and delete")]


def check_stripe() -> list[Result]:
    key, secret = settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET
    if not key:
        return [
            Result("stripe key", SKIP, "no STRIPE_SECRET_KEY: offline pledges only"),
            Result("stripe webhook", SKIP, "no STRIPE_SECRET_KEY"),
        ]
    results = []
    if STRIPE_SECRET_KEY.fullmatch(key):
        mode = "test mode" if "_test_" in key else "live"
        results.append(Result("stripe key", OK, f"{key[:3]}… ({mode})"))
    else:
        fix = "set STRIPE_SECRET_KEY to the sk_live_… (or restricted rk_live_…) key"
        results.append(failure("stripe key", f"{key[:3]!r}… is not a Stripe secret key", fix))
    fix = "set STRIPE_WEBHOOK_SECRET to the endpoint's whsec_… signing secret"
    if not secret:
        results.append(failure("stripe webhook", "no secret: webhooks answer 400", fix))
    elif not STRIPE_WEBHOOK_SECRET.fullmatch(secret):
        results.append(failure("stripe webhook", f"{secret[:6]!r}… is not whsec_…", fix))
    else:
        results.append(Result("stripe webhook", OK, "whsec_… signing secret"))
    return results


def check_anymail_webhook() -> list[Result]:
    secret = (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET")
    if not secret:
        return [Result("mail webhooks", SKIP, "no ANYMAIL_WEBHOOK_SECRET: bounces are refused")]
    user, colon, password = secret.partition(":")
    if not (user and colon and password):
        fix = "set ANYMAIL_WEBHOOK_SECRET=user:password, the same in the provider's webhook URL"
        return [failure("mail webhooks", "ANYMAIL_WEBHOOK_SECRET is not user:password", fix)]
    return [Result("mail webhooks", OK, "user:password set")]


def check_site_url() -> list[Result]:
    netloc = urlsplit(settings.SITE_URL).netloc.rpartition("@")[2]
    domain, _ = split_domain_port(netloc)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS):
        return [Result("site url", OK, f"{domain} is in ALLOWED_HOSTS")]
    fix = f"add {domain or netloc} to ALLOWED_HOSTS (or correct SITE_URL)"
    return [failure("site url", f"SITE_URL's host {netloc!r} is not in ALLOWED_HOSTS", fix)]


CHECKS: list[Callable[[], list[Result]]] = [
    check_database,
    check_caches,
    check_mailers,
    check_storage,
    check_stripe,
    check_anymail_webhook,
    check_site_url,
]
