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
