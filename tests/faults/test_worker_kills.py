"""`kill -9` a real task worker five times while two of them send an edition to 10,000
recipients through a real SMTP server that takes a little time per message, and time
how soon the surviving worker resumes the killed one's batch."""

import os

import pytest

from newsletter.loadtest import delivery_statuses, environment, prepare, start_sink
from tests.faults.support import count_deliveries, send_killing_one_of_two_workers
from tests.figures import record

pytestmark = pytest.mark.faults

# FAULTS_RECIPIENTS makes a quicker run on a slow machine; `make test-faults` uses 10,000.
RECIPIENTS = int(os.environ.get("FAULTS_RECIPIENTS", 10_000))
KILLS = 5
# Each kill waits out the dead worker's claim (30 s by default) while the survivor keeps
# sending: slow the server down enough that the edition outlasts the five kills.
SMTP_DELAY = max(0.001, 50 * (KILLS + 1) / RECIPIENTS)


def test_five_kills_during_a_send_lose_and_duplicate_nothing(tmp_path, database_url):
    controller, sink = start_sink(delay=SMTP_DELAY)
    try:
        env = environment(
            database_url,
            controller.port,
            NEWSLETTER_BATCH_SIZE=500,
            NEWSLETTER_SEND_CHAINS=2,
            NEWSLETTER_SENDING_LEASE_SECONDS=2,
        )
        edition_id = prepare(env, RECIPIENTS)
        with (tmp_path / "worker.log").open("w") as log:
            resumed_after = send_killing_one_of_two_workers(
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
    record("worker_kill_resume_seconds", round(max(resumed_after), 1))
    assert count.recipients == RECIPIENTS
    assert count.duplicated == 0, "Nobody gets the edition twice"
    assert count.lost == 0, "Everyone without the email is marked ambiguous"
    assert count.ambiguous <= KILLS, "At most one ambiguous message per kill"
    assert count.not_sent == 0
    assert len(resumed_after) >= KILLS - 1, "Nearly every kill left a batch half sent"
    assert max(resumed_after) < 60, "The surviving worker resumes a dead one's batch within 60 s"
