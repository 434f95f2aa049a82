import hashlib
import hmac
import json
import re
import time

import pytest
import stripe
from django.core.cache import cache
from django.urls import reverse

from donations import services
from donations.models import Donation
from tests.donations.stripe_stub import RecordingHTTPClient, recorded

WEBHOOK_SECRET = "whsec_test_secret_for_signing"


@pytest.fixture(autouse=True)
def stripe_http(monkeypatch):
    """Every Stripe call in these tests goes to the recording stub, never the network."""
    client = RecordingHTTPClient()
    monkeypatch.setattr(stripe, "default_http_client", client)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and the cached appeal live in the cache; each test starts clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_stub"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


def stripe_signature(payload: str, *, secret=WEBHOOK_SECRET, timestamp=None) -> str:
    """The Stripe-Signature header, computed as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{payload}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_event(client, event: dict, **signature_options):
    payload = json.dumps(event)
    return client.post(
        reverse("donations:stripe-webhook"),
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(payload, **signature_options)},
    )


def make_donation(**overrides) -> Donation:
    values = {
        "amount_pence": 1000,
        "donor_name": "Ada Lovelace",
        "donor_email": "ada@example.org",
        "provider": Donation.Provider.STRIPE,
        "provider_reference": "cs_test_a1PaymentSession0001",
        "status": Donation.Status.PENDING,
    }
    values.update(overrides)
    return Donation.objects.create(**values)


def event(name: str, **object_overrides) -> dict:
    data = recorded(name)
    data["data"]["object"].update(object_overrides)
    return data


def request_link(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("donations:manage-request"), {"email": email})


def link_from(mail) -> str:
    return re.search(r"http://\S+", mail.body).group(0).removeprefix("http://127.0.0.1:8000")


def open_link(client, link):
    """Use an emailed link as a donor does: open it, then press the button on the page."""
    page = client.get(link)
    button = re.search(r'name="token" value="([^"]+)"', page.text)
    if page.status_code != 200 or not button:
        return page
    return client.post(link.partition("?")[0], {"token": button.group(1)})


def sign_in(client, email_key="ada@example.org"):
    """Open a fresh link to the gifts of `email_key`, as if from the email."""
    token = services.manage_token(email_key)
    return client.post(reverse("donations:manage-open"), {"token": token})
