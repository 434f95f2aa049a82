"""Key every subscriber by the normalised form of their address (mailboxes.addresses).

Addresses that the old case-insensitive constraint let through as different but that
are one mailbox under the key (`"bomb"@x` and `bomb@x`, a Kelvin sign for a k,
full-width letters, a long s) become one subscriber. The oldest row stays, with the
address it was first given, which is where mail keeps going; each newer one is merged
into it and deleted:

- a bounce or complaint on any of them suppresses the one kept (it is the same mailbox);
- the earliest confirmation counts (it proved the mailbox);
- per newsletter, the most recently changed subscription wins (the reader's last choice);
- delivery records move across unless the kept row has one for the same edition;
- a consent record or source page fills in a blank one.

Each merge is logged (ids only). Own migration, so that on PostgreSQL the deletes are committed
before 0005 builds the unique index."""

import logging

from django.db import migrations

logger = logging.getLogger("newsletter.migrations")

ACTIVE_OR_PENDING = ("active", "pending")


def key_subscribers(apps, schema_editor):
    from mailboxes.models import email_key_or_blank

    Subscriber = apps.get_model("newsletter", "Subscriber")
    kept, keyed, duplicates = {}, [], []
    rows = Subscriber.objects.order_by("created_at", "pk").values_list("pk", "email")
    for pk, email in rows.iterator(chunk_size=2000):
        key = email_key_or_blank(email)
        if key and key in kept:
            duplicates.append((kept[key], pk))
            continue
        if key:
            kept[key] = pk
        keyed.append(Subscriber(pk=pk, email_key=key))
    Subscriber.objects.bulk_update(keyed, ["email_key"], batch_size=1000)
    for keep_pk, duplicate_pk in duplicates:
        merge_subscriber(apps, keep_pk, duplicate_pk)


def merge_subscriber(apps, keep_pk: int, duplicate_pk: int) -> None:
    Subscriber = apps.get_model("newsletter", "Subscriber")
    Subscription = apps.get_model("newsletter", "Subscription")
    Delivery = apps.get_model("newsletter", "Delivery")
    keep = Subscriber.objects.get(pk=keep_pk)
    duplicate = Subscriber.objects.get(pk=duplicate_pk)

    if duplicate.suppressed_at and not keep.suppressed_at:
        keep.suppressed_at = duplicate.suppressed_at
        keep.suppression_reason = duplicate.suppression_reason
    if duplicate.confirmed_at and (
        keep.confirmed_at is None or duplicate.confirmed_at < keep.confirmed_at
    ):
        keep.confirmed_at = duplicate.confirmed_at
    keep.source_url = keep.source_url or duplicate.source_url
    keep.consent_text = keep.consent_text or duplicate.consent_text

    for subscription in Subscription.objects.filter(subscriber_id=duplicate_pk):
        own = Subscription.objects.filter(
            subscriber_id=keep_pk, newsletter_id=subscription.newsletter_id
        ).first()
        if own is None:
            Subscription.objects.filter(pk=subscription.pk).update(subscriber_id=keep_pk)
        elif subscription.updated_at > own.updated_at:
            Subscription.objects.filter(pk=own.pk).update(
                status=subscription.status, updated_at=subscription.updated_at
            )

    receiving = Subscription.objects.filter(
        subscriber_id=keep_pk, status__in=ACTIVE_OR_PENDING
    ).exists()
    if receiving:
        keep.unsubscribed_at = None
    else:
        left = [moment for moment in (keep.unsubscribed_at, duplicate.unsubscribed_at) if moment]
        keep.unsubscribed_at = max(left, default=None)

    editions = Delivery.objects.filter(subscriber_id=keep_pk).values("edition_id")
    Delivery.objects.filter(subscriber_id=duplicate_pk).exclude(edition_id__in=editions).update(
        subscriber_id=keep_pk
    )
    keep.save()
    duplicate.delete()
    logger.warning("Subscriber %s merged into %s: the same mailbox", duplicate_pk, keep_pk)


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0003_subscriber_email_key")]

    operations = [migrations.RunPython(key_subscribers, migrations.RunPython.noop)]
