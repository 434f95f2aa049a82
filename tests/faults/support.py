"""What the fault tests share: counting an edition's deliveries against what the SMTP
server received, and the signups a database holds."""

import json
from dataclasses import dataclass

from newsletter.loadtest import query


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
