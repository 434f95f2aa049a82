"""Kill the real task worker (`manage.py db_worker`) with SIGKILL in the middle of sending
an edition, start it again, and count what the SMTP server received."""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from newsletter.loadtest import (
    delivery_statuses,
    environment,
    prepare,
    query,
    send_killing_the_worker,
    start_sink,
)

RECIPIENTS = 500
KILLS = 3


@pytest.fixture
def database_url(tmp_path):
    """A fresh database the worker subprocesses share: a file SQLite database, or one in
    the PostgreSQL cluster when the suite runs against PostgreSQL (SKIP LOCKED)."""
    main_url = os.environ.get("DATABASE_URL", "")
    if not main_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"
        return
    name = f"newsletter_crash_{uuid.uuid4().hex[:12]}"
    query(main_url, f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(main_url)._replace(path=f"/{name}"))
    query(main_url, f'DROP DATABASE "{name}" WITH (FORCE)')


def test_killing_the_worker_mid_send_loses_and_duplicates_nothing(tmp_path, database_url):
    controller, sink = start_sink(delay=0.003)
    try:
        env = environment(
            database_url,
            controller.port,
            NEWSLETTER_BATCH_SIZE=50,
            NEWSLETTER_CLAIM_SECONDS=1,
            NEWSLETTER_SENDING_LEASE_SECONDS=1,
        )
        edition_id = prepare(env, RECIPIENTS)
        with (tmp_path / "worker.log").open("w") as log:
            send_killing_the_worker(
                env, database_url, edition_id, sink, kills=KILLS, recipients=RECIPIENTS, log=log
            )
    finally:
        controller.stop()

    statuses = delivery_statuses(database_url)
    received = sink.received
    assert len(statuses) == RECIPIENTS
    assert max(received.values()) == 1, "Nobody gets the edition twice"
    missing = set(statuses) - set(received)
    ambiguous = {address for address, status in statuses.items() if status == "ambiguous"}
    assert missing <= ambiguous, "Everyone without the email is marked ambiguous"
    assert len(ambiguous) <= KILLS, "At most one ambiguous message per kill"
    assert {status for address, status in statuses.items() if address not in ambiguous} == {"sent"}


# A dead worker's batch, without killing anything: claims it "left" behind.


@pytest.fixture
def sending_edition(daily):
    from newsletter.models import Edition
    from newsletter.services import draft_edition
    from tests.factories import ArticleFactory

    ArticleFactory(headline="Strikers win pay rise")
    edition = draft_edition(daily)
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.SENDING)
    return edition


@pytest.fixture
def claimed_by(make_subscriber, sending_edition):
    """Queued deliveries under `worker`'s claim, which its heartbeat last renewed so
    that the claim ends `expires_in` seconds from now (negative: already expired)."""
    from datetime import timedelta

    from django.utils import timezone

    from newsletter.models import Delivery

    def claim(worker, *, expires_in, count=3):
        return [
            Delivery.objects.create(
                edition=sending_edition,
                subscriber=make_subscriber(f"{worker}-{n}@example.org"),
                claimed_by=worker,
                claim_expires_at=timezone.now() + timedelta(seconds=expires_in),
            ).pk
            for n in range(count)
        ]

    return claim


def claimed_ids(rows):
    return sorted(row[0] for row in rows)


@pytest.mark.django_db
def test_an_expired_claim_is_taken_over_by_exactly_one_of_two_workers(claimed_by, sending_edition):
    from django.utils import timezone

    from newsletter.models import Delivery
    from newsletter.sending import claim_batch, renew_claim

    dead = claimed_by("dead", expires_in=-1)
    now = timezone.now()

    first = claim_batch(sending_edition.pk, "first", 500, now)
    second = claim_batch(sending_edition.pk, "second", 500, now)
    adopted = renew_claim(sending_edition.pk, "third", adopt=500)

    assert claimed_ids(first) == dead
    assert second == [] and adopted == []
    assert set(Delivery.objects.values_list("claimed_by", flat=True)) == {"first"}


@pytest.mark.django_db
def test_a_claim_whose_heartbeat_is_fresh_is_never_taken(claimed_by, sending_edition, smtp_server):
    from django.utils import timezone

    from newsletter.models import Delivery
    from newsletter.sending import claim_batch, deliver_batch, renew_claim
    from newsletter.tasks import recover_stalled_sends_now

    alive = claimed_by("alive", expires_in=20)

    assert claim_batch(sending_edition.pk, "other", 500, timezone.now()) == []
    assert renew_claim(sending_edition.pk, "other", adopt=500) == []
    assert deliver_batch(sending_edition.pk).sent == 0
    assert recover_stalled_sends_now() == {"ambiguous": 0, "resumed": 0}

    assert smtp_server.recipients == []
    rows = Delivery.objects.filter(pk__in=alive)
    assert set(rows.values_list("claimed_by", "status")) == {("alive", "queued")}


@pytest.mark.django_db
def test_the_heartbeat_renews_only_the_workers_own_claim(claimed_by, sending_edition):
    from datetime import timedelta

    from django.utils import timezone

    from newsletter.models import Delivery
    from newsletter.sending import renew_claim

    ours = claimed_by("ours", expires_in=5)
    theirs = claimed_by("theirs", expires_in=5)

    renew_claim(sending_edition.pk, "ours", adopt=500)

    renewed = timezone.now() + timedelta(seconds=25)
    assert all(d.claim_expires_at > renewed for d in Delivery.objects.filter(pk__in=ours))
    assert all(d.claim_expires_at < renewed for d in Delivery.objects.filter(pk__in=theirs))


@pytest.mark.django_db
def test_a_sending_worker_adopts_a_claim_that_expires_mid_batch(
    claimed_by, sending_edition, smtp_server, monkeypatch
):
    from newsletter import sending
    from newsletter.models import Delivery

    claimed_by("free", expires_in=-1)  # Claimed at the start of the batch.
    dying = claimed_by("dying", expires_in=20)  # Still alive then.
    original_send_one = sending.send_one

    def send_one_and_let_a_worker_die(*args, **kwargs):
        Delivery.objects.filter(pk__in=dying).update(claim_expires_at=sending.timezone.now())
        return original_send_one(*args, **kwargs)

    monkeypatch.setattr(sending, "send_one", send_one_and_let_a_worker_die)
    monkeypatch.setattr(sending, "HEARTBEATS_PER_CLAIM", 10**9)  # A heartbeat per message.

    outcome = sending.deliver_batch(sending_edition.pk)

    assert outcome.sent == 6
    # The dead worker's rows have waited longest: they go next, then the rest of the batch.
    assert smtp_server.recipients == [
        "free-0@example.org",
        *[f"dying-{n}@example.org" for n in range(3)],
        "free-1@example.org",
        "free-2@example.org",
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_recover_stalled_sends_finishes_a_dead_workers_batch_without_resending(
    claimed_by, sending_edition, smtp_server, make_subscriber
):
    from datetime import timedelta

    from django.utils import timezone

    from newsletter.models import Delivery, Edition
    from newsletter.tasks import recover_stalled_sends_now

    claimed_by("dead", expires_in=-1)
    Delivery.objects.create(
        edition=sending_edition,
        subscriber=make_subscriber("in-flight@example.org"),
        status=Delivery.Status.SENDING,
        claimed_by="dead",
        claim_expires_at=timezone.now() - timedelta(seconds=1),
    )

    assert recover_stalled_sends_now() == {"ambiguous": 1, "resumed": 1}

    assert sorted(smtp_server.recipients) == [f"dead-{n}@example.org" for n in range(3)]
    statuses = dict(Delivery.objects.values_list("subscriber__email", "status"))
    assert statuses.pop("in-flight@example.org") == "ambiguous"
    assert set(statuses.values()) == {"sent"}
    sending_edition.refresh_from_db()
    assert sending_edition.status == Edition.Status.SENT


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="Two connections racing for the same rows need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_an_expired_claim_on_separate_connections_split_it(claimed_by):
    import threading

    from django.db import connection
    from django.utils import timezone

    from newsletter.models import Delivery
    from newsletter.sending import claim_batch

    dead = claimed_by("dead", expires_in=-1, count=40)
    edition_id = Delivery.objects.get(pk=dead[0]).edition_id
    start = threading.Barrier(2)
    taken = {}

    def worker(name):
        try:
            start.wait()
            taken[name] = claimed_ids(claim_batch(edition_id, name, 500, timezone.now()))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(taken["one"] + taken["two"]) == dead
    assert not set(taken["one"]) & set(taken["two"])
    assert Delivery.objects.filter(claimed_by__in=["one", "two"]).count() == len(dead)
