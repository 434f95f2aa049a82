"""What the fault tests share: counting an edition's deliveries against what the SMTP
server received, and the signups a database holds."""

import json
import os
import signal
import time
from dataclasses import dataclass

from newsletter.loadtest import edition_status, manage, query, start_worker, wait_for


@dataclass
class DeliveryCount:
    recipients: int
    lost: int  # no email, and not marked ambiguous for an editor to check
    duplicated: int
    ambiguous: int
    not_sent: int  # rows left in any status but sent or ambiguous


def count_deliveries(statuses: dict[str, str], received) -> DeliveryCount:
    ambiguous = {address for address, status in statuses.items() if status == "ambiguous"}
    return DeliveryCount(
        recipients=len(statuses),
        lost=len(set(statuses) - set(received) - ambiguous),
        duplicated=sum(1 for copies in received.values() if copies > 1),
        ambiguous=len(ambiguous),
        not_sent=sum(1 for status in statuses.values() if status not in ("sent", "ambiguous")),
    )


def recorded_signups(database_url: str) -> set[str]:
    """Addresses the database holds a signup for: a subscriber, or a `sign_up` task the
    worker has yet to run. A signup is committed once its task row is."""
    subscribers = query(database_url, "SELECT email FROM newsletter_subscriber")
    queued = query(
        database_url,
        "SELECT args_kwargs FROM django_tasks_database_dbtaskresult WHERE task_path = %s",
        ("newsletter.tasks.sign_up",),
    )
    tasks = [json.loads(row) if isinstance(row, str) else row for (row,) in queued]
    return {email for (email,) in subscribers} | {task["kwargs"]["email"] for task in tasks}


def claim_holders(database_url: str) -> set[int]:
    """Process ids of the workers holding claims on queued deliveries (a claim is named
    `<pid>-<random>`)."""
    claims = query(
        database_url,
        "SELECT DISTINCT claimed_by FROM newsletter_delivery "
        "WHERE status = 'queued' AND claimed_by <> ''",
    )
    return {int(claim.split("-", 1)[0]) for (claim,) in claims}


def claimed_addresses(database_url: str, pid: int) -> set[str]:
    rows = query(
        database_url,
        "SELECT s.email FROM newsletter_delivery d "
        "JOIN newsletter_subscriber s ON s.id = d.subscriber_id "
        "WHERE d.status = 'queued' AND d.claimed_by LIKE %s",
        (f"{pid}-%",),
    )
    return {email for (email,) in rows}


def claiming_worker(database_url: str, workers, *, timeout: float = 60):
    """A live worker from `workers` that holds a claimed batch."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        live = {worker.pid: worker for worker in workers if worker.poll() is None}
        if holders := claim_holders(database_url) & set(live):
            return live[min(holders)]
        time.sleep(0.02)
    raise TimeoutError("No worker holds a claim")


def send_killing_one_of_two_workers(
    env: dict, database_url: str, edition_id: int, sink, *, kills: int, recipients: int, log
) -> list[float]:
    """Two workers send the edition, as a deployment with two chains runs them. `kills`
    times, SIGKILL one that holds a claimed batch, time how long until the other sends to
    someone in that batch, then start a replacement as a deployment does (`resume_sending`,
    then `db_worker`). Returns the seconds from each kill to the batch's resumption."""
    workers = []
    resumed_after = []
    try:
        for _ in range(2):
            manage(env, "resume_sending")
            workers.append(start_worker(env, log=log))
        for n in range(kills):
            target = (n + 1) * recipients // (kills + 2)
            wait_for(lambda target=target: sink.total >= target, timeout=60 + recipients / 20)
            victim = claiming_worker(database_url, workers)
            os.kill(victim.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            victim.wait()
            batch = claimed_addresses(database_url, victim.pid)
            if batch:
                wait_for(lambda batch=batch: batch & set(sink.received), timeout=120)
                resumed_after.append(time.monotonic() - killed_at)
            manage(env, "resume_sending")
            workers.append(start_worker(env, log=log))
        wait_for(
            lambda: edition_status(database_url, edition_id) == "sent",
            timeout=120 + recipients / 20,
            interval=0.2,
        )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
    return resumed_after
