"""The SMTP server goes away for a while in the middle of a send, and greylists: a third
of first deliveries get `451 try again later`. The real worker backs off and resumes, and
every recipient gets exactly one copy."""

import asyncio
import threading
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller

from newsletter.loadtest import (
    delivery_statuses,
    edition_status,
    environment,
    free_port,
    prepare,
    start_worker,
    wait_for,
)
from tests.faults.support import count_deliveries
from tests.figures import record

pytestmark = pytest.mark.faults

RECIPIENTS = 600
RETRY_BASE_SECONDS = 1


class GreylistingSink:
    """Refuses every third recipient it has not seen before with a 451, like a greylisting
    server; accepts everything else after a small delay."""

    def __init__(self):
        self.received = Counter()
        self.refused_at: dict[str, float] = {}
        self.accepted_at: dict[str, float] = {}
        self.new_recipients = 0
        self.lock = threading.Lock()

    @property
    def total(self):
        return sum(self.received.values())

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.002)
        (recipient,) = envelope.rcpt_tos
        with self.lock:
            if recipient not in self.refused_at and recipient not in self.received:
                self.new_recipients += 1
                if self.new_recipients % 3 == 0:
                    self.refused_at[recipient] = time.monotonic()
                    return "451 4.7.1 Greylisted, try again later"
            self.received[recipient] += 1
            self.accepted_at.setdefault(recipient, time.monotonic())
        return "250 Message accepted for delivery"


def test_sending_backs_off_while_smtp_is_down_or_greylisting_and_loses_nothing(
    tmp_path, database_url
):
    sink, port = GreylistingSink(), free_port()
    server = Controller(sink, hostname="127.0.0.1", port=port)
    server.start()
    worker = None
    log = (tmp_path / "worker.log").open("w")
    try:
        env = environment(
            database_url,
            port,
            NEWSLETTER_BATCH_SIZE=100,
            NEWSLETTER_RETRY_BASE_SECONDS=RETRY_BASE_SECONDS,
            NEWSLETTER_MAX_ATTEMPTS=10,
            NEWSLETTER_SENDING_LEASE_SECONDS=2,
            EMAIL_TIMEOUT=3,
        )
        edition_id = prepare(env, RECIPIENTS)
        worker = start_worker(env, log=log)
        wait_for(lambda: sink.total >= RECIPIENTS // 3, timeout=120)

        server.stop()
        time.sleep(4)
        delivered_while_down = sink.total
        server = Controller(sink, hostname="127.0.0.1", port=port)
        server.start()

        wait_for(lambda: edition_status(database_url, edition_id) == "sent", timeout=180)
    finally:
        if worker and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
        server.stop()
        log.close()

    statuses = delivery_statuses(database_url)
    count = count_deliveries(statuses, sink.received)
    record(
        "smtp_fault_recipients",
        count.recipients,
        smtp_fault_emails_lost=count.lost,
        smtp_fault_emails_duplicated=count.duplicated,
    )
    assert count.recipients == RECIPIENTS
    assert sink.total > delivered_while_down, "Sending resumed once the server was back"
    assert count.duplicated == 0
    assert count.lost == 0
    assert count.not_sent == 0
    # The connection cut mid-message is the only one nobody can vouch for.
    assert count.ambiguous <= 1
    greylisted = set(sink.refused_at)
    assert len(greylisted) >= RECIPIENTS // 4
    # The cut may fall on a greylisted recipient's retry: that one is not sent again.
    cut = {address for address, status in statuses.items() if status == "ambiguous"}
    assert greylisted - cut <= set(sink.received), "Every greylisted recipient got it in the end"
    assert all(
        sink.accepted_at[address] - sink.refused_at[address] >= RETRY_BASE_SECONDS * 0.9
        for address in greylisted - cut
    ), "A refused message is retried after a back-off, not at once"
