"""Error reports to Sentry, when SENTRY_DSN is set, with readers' and donors' personal data
taken out before anything leaves the machine.

The reports are for finding bugs, never for finding people: what someone typed into a
form (request bodies go entirely), email addresses wherever they appear, the fields that
name a donor or subscriber, cookies and the headers that carry a session or a secret, the
query string, and the tokens in confirmation and unsubscribe links. Local variables are
not sent at all: a frame's `donation` or `form` would carry a donor's name in its repr,
which no pattern can recognise."""

import re

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

FILTERED = "[Filtered]"
EMAIL_ADDRESS = re.compile(r"[^\s@<>()\[\]\"',;:]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Form fields and model fields that hold who someone is or where they live, wherever they
# turn up as a key (extra, contexts, breadcrumb data).
PERSONAL_FIELDS = frozenset(
    {
        "donor_name",
        "donor_email",
        "email",
        "email_key",
        "donor_email_key",
        "home_address",
        "postcode",
        "address",
        "first_name",
        "last_name",
        "full_name",
        "phone",
        "username",
        "ip_address",
        "stripe_customer_id",
    }
)
# Header names (lower case) that say who is asking or prove it.
SECRET_HEADER = re.compile(r"cookie|session|auth|token|csrf|signature|forwarded|real-ip", re.I)
# Signed tokens in a path (/newsletters/unsubscribe/<token>/) open someone's subscription.
PATH_TOKEN = re.compile(r"(?<=/)[A-Za-z0-9_:.-]{20,}(?=/|$)")


def init_sentry(dsn: str, *, environment: str, traces_sample_rate: float = 0.0, **options):
    """Called from settings.py only when SENTRY_DSN is set."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        # send_default_pii is left at its default, off: sentry-sdk 2.75 deprecates naming
        # it, and data_collection, its successor, would turn off the SDK's own scrubber.
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        **options,
    )


def scrub_event(event, hint):
    request = event.get("request")
    if isinstance(request, dict):
        scrub_request(request)
    event.pop("user", None)
    return scrub(event)


def scrub_breadcrumb(crumb, hint):
    return scrub(crumb)


def scrub_request(request: dict) -> None:
    # Whatever was posted (a donation form, a sign-in) goes, however it was encoded.
    for key in ("data", "cookies", "query_string", "env"):
        request.pop(key, None)
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            name: value for name, value in headers.items() if not SECRET_HEADER.search(name)
        }
    if isinstance(request.get("url"), str):
        request["url"] = PATH_TOKEN.sub("[token]", request["url"])


def scrub(value):
    """Every string in the event without its email addresses, and every personal field's
    value filtered, however deep."""
    if isinstance(value, str):
        return EMAIL_ADDRESS.sub(FILTERED, value)
    if isinstance(value, dict):
        return {
            key: FILTERED
            if isinstance(key, str) and key.lower() in PERSONAL_FIELDS
            else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value
