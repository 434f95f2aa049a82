"""What the fault tests share: counting an edition's deliveries against what the SMTP
server received."""

from dataclasses import dataclass


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
