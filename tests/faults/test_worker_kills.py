"""`kill -9` the real task worker five times while an edition goes to 10,000 recipients
through a real SMTP server that takes a little time per message."""

import os

import pytest

from newsletter.loadtest import (
    delivery_statuses,
    environment,
    prepare,
    send_killing_the_worker,
    start_sink,
)
from tests.faults.support import count_deliveries
from tests.figures import record

pytestmark = pytest.mark.faults

# FAULTS_RECIPIENTS makes a quicker run on a slow machine; `make test-faults` uses 10,000.
RECIPIENTS = int(os.environ.get("FAULTS_RECIPIENTS", 10_000))
KILLS = 5


def test_five_kills_during_a_send_lose_and_duplicate_nothing(tmp_path, database_url):
    controller, sink = start_sink(delay=0.001)
    try:
        env = environment(
            database_url,
            controller.port,
            NEWSLETTER_BATCH_SIZE=500,
            NEWSLETTER_CLAIM_SECONDS=2,
            NEWSLETTER_SENDING_LEASE_SECONDS=2,
        )
        edition_id = prepare(env, RECIPIENTS)
        with (tmp_path / "worker.log").open("w") as log:
            send_killing_the_worker(
                env, database_url, edition_id, sink, kills=KILLS, recipients=RECIPIENTS, log=log
            )
    finally:
        controller.stop()

    count = count_deliveries(delivery_statuses(database_url), sink.received)
    record(
        "worker_kill_recipients",
        count.recipients,
        worker_kills=KILLS,
        emails_lost=count.lost,
        emails_duplicated=count.duplicated,
        emails_ambiguous=count.ambiguous,
    )
    assert count.recipients == RECIPIENTS
    assert count.duplicated == 0, "Nobody gets the edition twice"
    assert count.lost == 0, "Everyone without the email is marked ambiguous"
    assert count.ambiguous <= KILLS, "At most one ambiguous message per kill"
    assert count.not_sent == 0
