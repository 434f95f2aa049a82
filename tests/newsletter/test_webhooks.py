import base64
import json

import pytest

from newsletter.models import Delivery, Subscriber

pytestmark = pytest.mark.django_db

URL = "/newsletters/webhooks/postmark/tracking/"
WEBHOOK_SECRET = "anymail:s3cret-for-tests"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_SECRET}


def post_event(client, payload, secret=WEBHOOK_SECRET):
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        URL,
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def bounce(email, kind="HardBounce"):
    return {
        "RecordType": "Bounce",
        "Type": kind,
        "ID": 42,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Email": email,
        "BouncedAt": "2026-01-05T16:33:54Z",
        "Description": "The server was unable to deliver your message",
        "Details": "smtp;550 5.1.1 The email account does not exist.",
        "Metadata": {},
    }


def test_a_hard_bounce_stops_all_mail_to_the_address(client, make_subscriber, daily):
    from newsletter.models import Edition

    subscriber = make_subscriber("Gone@Example.org")
    edition = Edition.objects.create(newsletter=daily, subject="Today", status="sending")
    Delivery.objects.create(edition=edition, subscriber=subscriber)

    response = post_event(client, bounce("gone@example.org"))

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.suppressed_at is not None
    assert "bounced" in subscriber.suppression_reason
    assert not Delivery.objects.exists(), "A queued delivery to the address is dropped"


def test_a_spam_complaint_stops_all_mail(client, make_subscriber):
    make_subscriber("annoyed@example.org")
    complaint = {**bounce("annoyed@example.org", "SpamComplaint"), "RecordType": "SpamComplaint"}
    assert post_event(client, complaint).status_code == 200
    assert Subscriber.objects.get().suppressed_at is not None


def test_a_webhook_without_the_right_secret_changes_nothing(client, make_subscriber):
    make_subscriber("reader@example.org")
    response = post_event(client, bounce("reader@example.org"), secret="anymail:wrong")
    assert response.status_code in (400, 401, 403)
    assert Subscriber.objects.get().suppressed_at is None


@pytest.mark.parametrize("unset", [None, ""])
def test_without_a_secret_the_webhooks_are_closed(client, make_subscriber, settings, unset):
    settings.ANYMAIL = {"WEBHOOK_SECRET": unset}
    make_subscriber("reader@example.org")
    complaint = {**bounce("reader@example.org", "SpamComplaint"), "RecordType": "SpamComplaint"}

    for payload in (bounce("reader@example.org"), complaint):
        response = client.post(URL, json.dumps(payload), content_type="application/json")
        assert response.status_code == 404
    assert client.head(URL).status_code == 404
    assert Subscriber.objects.get().suppressed_at is None


@pytest.mark.parametrize("body", ["not json", b"\xff\xfe{}", "[]", '"text"', "[1, 2]"])
def test_a_malformed_body_is_a_bad_request(client, make_subscriber, body):
    make_subscriber("reader@example.org")
    auth = base64.b64encode(WEBHOOK_SECRET.encode()).decode()

    response = client.post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {auth}"
    )

    assert response.status_code == 400
    assert Subscriber.objects.get().suppressed_at is None


def test_the_deploy_check_reports_a_missing_webhook_secret(settings):
    from django.core.checks import run_checks

    def warnings():
        return {
            message.id for message in run_checks(include_deployment_checks=True, tags=["security"])
        }

    assert "newsletter.W001" not in warnings()
    settings.ANYMAIL = {"WEBHOOK_SECRET": None}
    assert "newsletter.W001" in warnings()
    assert "newsletter.W001" not in {message.id for message in run_checks(tags=["security"])}
