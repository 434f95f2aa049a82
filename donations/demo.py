"""Demo donations for `make demo`: one running appeal, part-way to its target, with a few
paid gifts credited to published articles. Safe to run twice."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from articles.models import Article
from donations.models import Appeal, Donation

DEMO_GIFTS = [
    # (donor, pence, frequency, Gift Aid postcode or "")
    ("Maria Lopez", 2500, Donation.Frequency.ONE_OFF, "E8 1DY"),
    ("Kwame Mensah", 1000, Donation.Frequency.MONTHLY, ""),
    ("Joan Clarke", 5000, Donation.Frequency.ONE_OFF, "M14 5TQ"),
    ("Sam Patel", 500, Donation.Frequency.ONE_OFF, ""),
    ("Dr Eleanor Marx Aveling", 1_000_00, Donation.Frequency.ONE_OFF, "NW5 1TL"),
]


@transaction.atomic
def load_demo_donations() -> Appeal:
    now = timezone.now()
    appeal, _ = Appeal.objects.get_or_create(
        slug="fund-the-resistance",
        defaults={
            "title": "Help fund the resistance",
            "description": "Every strike, every protest, every story the billionaire press "
            "ignores: we report them because readers pay for it. Help us raise £25,000 "
            "for new presses and more reporters.",
            "target_pence": 25_000_00,
            "starts_at": now - timedelta(days=30),
        },
    )
    if appeal.donations.exists():
        return appeal
    articles = list(Article.objects.published().newest_first()[: len(DEMO_GIFTS)])
    for n, (name, pence, frequency, postcode) in enumerate(DEMO_GIFTS):
        Donation.objects.create(
            appeal=appeal,
            amount_pence=pence,
            frequency=frequency,
            donor_name=name,
            donor_email=f"demo-donor-{n}@example.org",
            is_gift_aid=bool(postcode),
            gift_aid_declaration_version="2024-1" if postcode else "",
            gift_aid_declared_at=now - timedelta(days=n + 1) if postcode else None,
            home_address=f"{n + 3} Commune Road" if postcode else "",
            postcode=postcode,
            status=Donation.Status.PAID,
            provider=Donation.Provider.OFFLINE,
            provider_reference=f"DEMO-{n + 1:04d}",
            source_article=articles[n] if n < len(articles) else None,
            created_at=now - timedelta(days=n + 1),
            paid_at=now - timedelta(days=n),
            # Demo gifts never send mail.
            receipt_sent_at=now,
        )
    return appeal
