import json
import logging
import os
import subprocess
import sys
from io import BytesIO
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from sentry_sdk.transport import Transport

from operations.sentry import init_sentry

DSN = "https://public@sentry.example.org/1"
logger = logging.getLogger("donations.checkout")


@csrf_exempt
def failing_checkout(request):
    email = request.POST["donor_email"]
    logger.warning("Checkout started for %s", email)
    sentry_sdk.set_extra("donation", {"donor_name": request.POST["donor_name"], "for": email})
    raise ValueError(f"Stripe refused the session for {email}")


urlpatterns = [
    path("donate/", failing_checkout),
    path("newsletters/unsubscribe/<str:token>/", failing_checkout),
]


class RecordingTransport(Transport):
    """sentry-sdk's own extension point for where envelopes go: this one keeps them."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        return [e.get_event() for e in self.envelopes if e.get_event() is not None]


@pytest.fixture
def sentry():
    transport = RecordingTransport()
    init_sentry(DSN, environment="test", transport=transport)
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def post(path: str, data: dict, **environ) -> str:
    """A POST through Django's WSGI handler, as granian makes it: Sentry's Django
    integration reads the request from the WSGI environ there, which the test client
    bypasses."""
    path, _, query = path.partition("?")
    body = urlencode(data).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": BytesIO(body),
        "HTTP_HOST": "localhost",
        **environ,
    }
    setup_testing_defaults(environ)
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    # As the test client does: the request must not close the test's database connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        WSGIHandler()(environ, start_response).close()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    return statuses[0]


DONATION = {
    "donor_name": "Ada Lovelace",
    "donor_email": "ada.lovelace@example.org",
    "home_address": "12 Analytical Row",
    "postcode": "N1 9GU",
    "amount": "25",
}


@pytest.mark.urls(__name__)
def test_an_error_is_reported_without_the_donors_personal_data(sentry):
    status = post(
        "/donate/?email=ada.lovelace@example.org",
        DONATION,
        HTTP_COOKIE="sessionid=session-secret; csrftoken=csrf-secret",
        HTTP_AUTHORIZATION="Bearer api-secret",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    assert status.startswith("500")

    [event] = sentry.events()
    sent = json.dumps(event)
    # Still a useful report: the error, where it happened, the log line before it.
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == "Stripe refused the session for [Filtered]"
    assert exception["stacktrace"]["frames"][-1]["function"] == "failing_checkout"
    crumbs = [crumb.get("message") for crumb in event["breadcrumbs"]["values"]]
    assert "Checkout started for [Filtered]" in crumbs
    assert event["request"]["method"] == "POST"
    # Nobody in it.
    for personal in ("ada.lovelace", "Ada Lovelace", "Lovelace", "Analytical Row", "N1 9GU"):
        assert personal not in sent
    assert "@example.org" not in sent
    assert "data" not in event["request"]
    assert "cookies" not in event["request"]
    for secret in ("session-secret", "csrf-secret", "api-secret", "198.51.100.23"):
        assert secret not in sent
    assert event["extra"]["donation"]["donor_name"] == "[Filtered]"
    assert "vars" not in exception["stacktrace"]["frames"][-1]


@pytest.mark.urls(__name__)
def test_link_tokens_in_the_address_are_not_reported(sentry):
    token = "MTIz:1vQb7c:Zm9vYmFyYmF6cXV4cXV1eA"
    post(f"/newsletters/unsubscribe/{token}/", DONATION)
    [event] = sentry.events()
    assert token not in json.dumps(event)
    assert event["request"]["url"].endswith("/newsletters/unsubscribe/[token]/")


def test_sentry_is_off_without_a_dsn():
    assert django_settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.parametrize("dsn, active", [("", False), (DSN, True)])
def test_the_dsn_setting_turns_reporting_on(dsn, active):
    # A fresh process: settings.py is where the SDK is set up, once.
    code = (
        "import django, sentry_sdk; from sentry_sdk.scope import should_send_default_pii;"
        "django.setup(); c = sentry_sdk.get_client(); active = c.is_active();"
        "print(active, active and should_send_default_pii(),"
        " active and c.options['before_send'].__name__)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "SENTRY_DSN": dsn}
    env.setdefault("DEBUG", "on")
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert output == (["True", "False", "scrub_event"] if active else ["False"] * 3)
