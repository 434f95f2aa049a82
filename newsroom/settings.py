"""Newsroom settings: every value comes from the environment, with a default that works
on a laptop (SQLite, local-memory cache, mail printed to the console, the database task
queue). The README lists every variable."""

import ipaddress
import re
from datetime import time
from pathlib import Path

import environ
from django.utils.csp import CSP
from pythonjsonlogger.core import RESERVED_ATTRS as RESERVED_LOG_ATTRS

from newsroom.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent

# Every read goes through this strict wrapper of django-environ (newsroom/env.py): a value
# that does not parse stops start-up with one line naming the variable.
env = Env()

DEBUG = env.bool("DEBUG", default=False)
# A development key is only acceptable while DEBUG is on; production must set its own.
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "dev-only-insecure-key-do-not-use-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("Set SECRET_KEY (or DEBUG=on for development).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=[], example="https://news.example.org"
)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="The Red Weekly")
NEWSLETTER_NAME = env.str("NEWSLETTER_NAME", default="Breakfast in Red")

INSTALLED_APPS = [
    # Django's admin, asking for a one-time code from staff who turned on two-factor
    # sign-in (newsroom/admin_site.py).
    "newsroom.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_prose_editor",
    "django_tasks_db",
    "taggit",
    "reversion",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "mailboxes",
    "articles",
    "issues",
    "newsletter",
    "donations",
    "pagecache",
    "operations",
    "schedules",
]

MIDDLEWARE = [
    # The request id and the one access line per request, page-cache hits included.
    "operations.logs.RequestLogMiddleware",
    # Request latency by URL name, and /metrics for an allowed scraper (operations/metrics.py).
    "operations.metrics.MetricsMiddleware",
    # /healthz and /readyz, answered before the SSL redirect, host checks and page cache.
    "operations.middleware.HealthCheckMiddleware",
    # Next, so that a cached page is served before any other middleware runs.
    "pagecache.middleware.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # A database that is restarting answers 503 with Retry-After, not 500.
    "newsroom.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
                "donations.context_processors.donation_appeal",
                "newsroom.context_processors.reader",
            ],
            # The project's own tags; newsroom is not an installed app of its own.
            "libraries": {
                "links": "newsroom.templatetags.links",
                "times": "newsroom.templatetags.times",
            },
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR}/var/db.sqlite3")}
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3's pool, managed by Django: one pool per process, connections reused.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        # With one request thread per process a request waits for the pool only when the
        # database does not answer: give up, and answer 503, after one connection attempt.
        "timeout": DATABASE_CONNECT_TIMEOUT,
    }
    # An address that drops packets would otherwise hold a connection attempt for minutes.
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Parameters bound by the server let psycopg prepare a query once it has run five
        # times (its default): PostgreSQL then plans it once per connection instead of on
        # every request, about a quarter of a millisecond a query. Turn this off behind a
        # pooler in transaction mode (PgBouncer before 1.21), which loses prepared
        # statements between transactions.
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        # A fresh clone has no var/ yet; every command should work there.
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let the web process and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://newsroom")}

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}


def _mailer_from_url(url: str) -> dict:
    """Turn EMAIL_URL (console://, smtp://user:pass@host:port, smtp+tls://…) into one
    MAILERS entry, the Django 6.1 way of configuring mail."""
    return _mailer_from_config(environ.Env.email_url_config(url))


def _mailer_from_config(config: dict) -> dict:
    backend = config["EMAIL_BACKEND"]
    if backend != "django.core.mail.backends.smtp.EmailBackend":
        return {"BACKEND": backend}
    options = {
        "host": config["EMAIL_HOST"],
        "port": config["EMAIL_PORT"],
        "username": config["EMAIL_HOST_USER"] or None,
        "password": config["EMAIL_HOST_PASSWORD"] or None,
        "use_tls": config.get("EMAIL_USE_TLS", False),
        "use_ssl": config.get("EMAIL_USE_SSL", False),
        "timeout": env.int("EMAIL_TIMEOUT", default=30),
    }
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": _mailer_from_config(env.email_url("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="The Red Weekly <news@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    # Local media that fills up keeps no half-written files (newsroom/storage.py).
    "default": {"BACKEND": "newsroom.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Uploaded images beyond this many pixels are refused before decoding (decompression bombs).
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security. Production values are the defaults; DEBUG relaxes only what local HTTP needs.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe over plain HTTP (HealthCheckMiddleware answers first anyway).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [
        CSP.SELF,
        *env.list("CSP_FORM_ACTION", default=[], example="https://checkout.stripe.com"),
    ],
}

# One JSON object a line in production, for the log collector; readable lines with DEBUG.
# Every line logged during a request carries its request_id, during a task its task_id.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json", choices=["json", "text"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "operations.logs.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["asctime", "levelname", "name", "message"],
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            # Django's request loggers attach the request and socket objects themselves.
            "reserved_attrs": [*RESERVED_LOG_ATTRS, "request", "server_time"],
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env.str(
            "LOG_LEVEL", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
        ),
    },
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's logger has a console handler of its own while DEBUG is on, and also
        # passes its records to ours: every task's start and end was printed twice.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # The access line (operations.logs) replaces runserver's own.
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
        # The pool logs every failed reconnection attempt; a database that is down shows
        # once per request instead, as a 503 in the access line and in /readyz.
        "psycopg.pool": {"level": "ERROR"},
    },
}

TAGGIT_CASE_INSENSITIVE = True
LATEST_NEWS_COUNT = 10
PAGE_SIZE = env.int("PAGE_SIZE", default=20)

# --- donations ---
# With no Stripe secret key the offline provider is used: pledges by bank transfer or
# standing order, marked paid by an editor in the admin.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# The Gift Aid declaration names the body that claims it.
DONATIONS_CHARITY_NAME = env.str("DONATIONS_CHARITY_NAME", default=SITE_NAME)
DONATIONS_BANK_ACCOUNT_NAME = env.str("DONATIONS_BANK_ACCOUNT_NAME", default=SITE_NAME)
DONATIONS_BANK_SORT_CODE = env.str("DONATIONS_BANK_SORT_CODE", default="00-00-00")
DONATIONS_BANK_ACCOUNT_NUMBER = env.str("DONATIONS_BANK_ACCOUNT_NUMBER", default="00000000")
DONATIONS_MAGIC_LINK_MAX_AGE = env.int("DONATIONS_MAGIC_LINK_MAX_AGE", default=60 * 60)
DONATIONS_RATELIMIT = env.str("DONATIONS_RATELIMIT", default="10/m")

# --- newsletter ---
NEWSLETTER_DEFAULT_SLUG = env.str("NEWSLETTER_DEFAULT_SLUG", default="breakfast-in-red")
# How long a confirmation link works, and how old an unconfirmed signup gets before deletion.
NEWSLETTER_CONFIRM_MAX_AGE = env.int("NEWSLETTER_CONFIRM_MAX_AGE", default=3 * 24 * 3600)
NEWSLETTER_UNCONFIRMED_DAYS = env.int("NEWSLETTER_UNCONFIRMED_DAYS", default=7)
# How long the "change your newsletters" link in an email works (unsubscribe links never
# expire); an older one offers a fresh link by email.
NEWSLETTER_PREFERENCES_LINK_MAX_AGE = env.int(
    "NEWSLETTER_PREFERENCES_LINK_MAX_AGE", default=30 * 24 * 3600
)
NEWSLETTER_SIGNUP_RATE_IP = env.str("NEWSLETTER_SIGNUP_RATE_IP", default="10/h")
NEWSLETTER_SIGNUP_RATE_EMAIL = env.str("NEWSLETTER_SIGNUP_RATE_EMAIL", default="5/h")
# Confirmation emails to one mail domain in one clock hour; those over it are held and
# sent by `resume_sending` once the domain has room. High enough for a breaking-news
# spike of readers at one large provider, low enough that nobody floods a small domain.
NEWSLETTER_CONFIRMATIONS_PER_DOMAIN_HOUR = env.int(
    "NEWSLETTER_CONFIRMATIONS_PER_DOMAIN_HOUR", default=500
)
# Sending: recipients per task, parallel task chains, and how long a worker's claim on a
# batch outlives its last heartbeat (it renews the claim three times a period), which is
# how soon another worker resumes the batch of one that died.
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", default=500)
NEWSLETTER_SEND_CHAINS = env.int("NEWSLETTER_SEND_CHAINS", default=1)
NEWSLETTER_CLAIM_SECONDS = env.int("NEWSLETTER_CLAIM_SECONDS", default=30)
NEWSLETTER_SENDING_LEASE_SECONDS = env.int("NEWSLETTER_SENDING_LEASE_SECONDS", default=120)
NEWSLETTER_MAX_ATTEMPTS = env.int("NEWSLETTER_MAX_ATTEMPTS", default=8)
NEWSLETTER_RETRY_BASE_SECONDS = env.int("NEWSLETTER_RETRY_BASE_SECONDS", default=60)


def _clock_time(var: str, default: str) -> time | None:
    """A time of day, HH:MM on the 24-hour clock in TIME_ZONE; empty for none."""
    raw = env.str(var, default=default).strip()
    if not raw:
        return None
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", raw):
        raise environ.ImproperlyConfigured(
            f"{var}: {raw!r} is not a time of day (example: {var}=06:00)"
        )
    return time.fromisoformat(raw)


# The scheduler (`manage.py scheduler`) drafts each day's edition at this time; with
# NEWSLETTER_AUTOSEND_AT set, the draft goes out then unless an editor holds it.
NEWSLETTER_DRAFT_AT = _clock_time("NEWSLETTER_DRAFT_AT", "06:00")
NEWSLETTER_AUTOSEND_AT = _clock_time("NEWSLETTER_AUTOSEND_AT", "")
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="") or None}

# --- schedules: the scheduler process ---
# A daily job the scheduler missed (it was stopped at the time) still runs once when it
# starts within this many minutes of the time; later, it waits for the next day.
SCHEDULER_GRACE_MINUTES = env.int("SCHEDULER_GRACE_MINUTES", default=60)

# --- issues: print-edition PDFs ---
# A PDF render that takes longer than this many seconds is stopped and marked failed.
PDF_RENDER_TIME_LIMIT = env.int("PDF_RENDER_TIME_LIMIT", default=120)

# --- pagecache: cache headers and the page cache for readers' pages ---
# Browsers keep a public page this many seconds; shared caches (a CDN) this many.
CACHE_MAX_AGE = env.int("CACHE_MAX_AGE", default=60)
CACHE_S_MAXAGE = env.int("CACHE_S_MAXAGE", default=300)
# How long a rendered page stays in the page cache unless purged first; 0 turns it off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# How long nginx in front (deploy/nginx.conf) keeps a public page: it cannot be purged.
FRONT_CACHE_SECONDS = env.int("FRONT_CACHE_SECONDS", default=1)

# --- deploy: media on S3-compatible object storage ---
# Used when a bucket is named. Credentials come from boto3's usual environment variables
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); set AWS_S3_ENDPOINT_URL for non-AWS stores.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            # Photos are public: plain URLs, which pages can be cached with.
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }

# --- operations: metrics and error reports ---
# /metrics answers these networks (the client address as TRUSTED_PROXY_COUNT makes it) and
# any request with "Authorization: Bearer METRICS_TOKEN"; everyone else gets a 404.
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS",
    default=[
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
    ],
)
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network)
    except ValueError:
        raise environ.ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network (example: 10.0.0.0/8)"
        ) from None
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Errors are reported to Sentry when a DSN is set, with personal data scrubbed
# (operations/sentry.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from operations.sentry import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# --- security ---
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
OTP_TOTP_ISSUER = f"{SITE_NAME} newsroom"
# Nobody, not even an administrator, sees another person's TOTP secret in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# How many reverse proxies in front of the app add themselves to X-Forwarded-For. With 0
# the client is REMOTE_ADDR and the header is ignored, so nobody can claim another address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Sign-in attempts: after this many failures an address is locked out, whatever usernames
# it tries, for AXES_COOLOFF_HOURS. A username alone is never locked: a stranger could
# then lock an editor out of the newsroom on publication day. `manage.py axes_reset_ip
# ADDRESS` lets an address back in.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_ip"
AXES_USERNAME_CALLABLE = "newsroom.security.sign_in_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
RATELIMIT_IP_META_KEY = "newsroom.security.client_ip"
# Password reset for staff: links work this long (Django's setting, in seconds).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 3600)
PASSWORD_RESET_RATELIMIT = env.str("PASSWORD_RESET_RATELIMIT", default="5/h")
# Photo uploads bigger than this are refused before anything reads them.
MAX_IMAGE_UPLOAD_MB = env.int("MAX_IMAGE_UPLOAD_MB", default=25)
