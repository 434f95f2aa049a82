from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

from mailboxes.addresses import MAX_LENGTH as EMAIL_KEY_MAX_LENGTH
from mailboxes.models import email_key_or_blank
from newsroom.links import page_url

MIN_AMOUNT_PENCE = 100
MAX_AMOUNT_PENCE = 1_000_000


class AppealQuerySet(models.QuerySet):
    def running(self, *, at=None):
        """Appeals a reader can give to now: switched on, started and not yet ended."""
        at = at or timezone.now()
        return self.filter(is_active=True, starts_at__lte=at).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at)
        )

    def with_paid_total(self):
        return self.annotate(
            paid_total_pence=models.functions.Coalesce(
                Sum("donations__amount_pence", filter=Q(donations__status=Donation.Status.PAID)),
                0,
            )
        )

    def current(self, *, at=None):
        """The appeal the call to action promotes: the most recently started running one."""
        return self.running(at=at).with_paid_total().order_by("-starts_at", "-id").first()


class Appeal(models.Model):
    title = models.CharField(
        max_length=150, help_text='The slogan, e.g. "Help fund the resistance".'
    )
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    target_pence = models.PositiveIntegerField(
        default=0, help_text="The target in pence (£5,000 is 500000). 0 shows no progress bar."
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return page_url("donations:appeal", slug=self.slug)


class DonationQuerySet(models.QuerySet):
    def paid(self):
        return self.filter(status=Donation.Status.PAID)

    def total_pence(self) -> int:
        return self.aggregate(total=Sum("amount_pence"))["total"] or 0

    def manageable_by(self, email_key: str):
        """Gifts a donor can change or cancel from the emailed link: monthly gifts still
        running and pledges not yet paid. Instalments are managed through their first gift.
        `email_key` is the normalised address (`mailboxes.addresses.normalise_email`):
        never compare the typed address, whose case folding differs from one database to
        another."""
        if not email_key:
            return self.none()
        running_monthly = Q(
            frequency=Donation.Frequency.MONTHLY,
            cancelled_at__isnull=True,
            status=Donation.Status.PAID,
        )
        unpaid_pledge = Q(provider=Donation.Provider.OFFLINE, status=Donation.Status.PENDING)
        return self.filter(donor_email_key=email_key, first_donation__isnull=True).filter(
            running_monthly | unpaid_pledge
        )


class Donation(models.Model):
    class Frequency(models.TextChoices):
        ONE_OFF = "one-off", "One-off"
        MONTHLY = "monthly", "Monthly"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"
        CANCELLED = "cancelled", "Cancelled"

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        OFFLINE = "offline", "Bank transfer / standing order"

    appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.PROTECT, related_name="donations"
    )
    amount_pence = models.PositiveIntegerField(help_text="In pence: £10 is 1000.")
    currency = models.CharField(max_length=3, default="GBP")
    frequency = models.CharField(max_length=10, choices=Frequency, default=Frequency.ONE_OFF)
    donor_name = models.CharField(max_length=150)
    donor_email = models.EmailField()
    donor_email_key = models.CharField(
        max_length=EMAIL_KEY_MAX_LENGTH,
        db_index=True,
        blank=True,
        editable=False,
        help_text="The address in its one normalised form, to find a donor's gifts by.",
    )
    is_gift_aid = models.BooleanField("Gift Aid", default=False)
    gift_aid_declaration_version = models.CharField(
        max_length=20, blank=True, help_text="Which wording of the declaration the donor agreed to."
    )
    gift_aid_declared_at = models.DateTimeField(null=True, blank=True)
    home_address = models.CharField(max_length=255, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    message = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    provider = models.CharField(max_length=10, choices=Provider)
    provider_reference = models.CharField(
        max_length=255,
        blank=True,
        help_text="Stripe Checkout Session or invoice id; the bank reference for offline gifts.",
    )
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    first_donation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instalments",
        help_text="For a later monthly payment: the gift it continues.",
    )
    source_article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="donations",
        help_text="The article whose call to action the donor followed.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(
        null=True, blank=True, help_text="When a monthly gift was stopped."
    )
    receipt_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = DonationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gte=MIN_AMOUNT_PENCE, amount_pence__lte=MAX_AMOUNT_PENCE),
                name="donation_amount_in_range",
            ),
            # One row per Checkout Session or invoice, however often Stripe tells us.
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="donation_unique_provider_reference",
            ),
            models.CheckConstraint(
                condition=Q(is_gift_aid=False) | ~Q(postcode=""),
                name="donation_gift_aid_has_postcode",
            ),
        ]

    def __str__(self):
        pounds, pence = divmod(self.amount_pence, 100)
        return f"£{pounds:,}.{pence:02d} from {self.donor_name} ({self.get_status_display()})"

    def save(self, *args, update_fields=None, **kwargs):
        self.donor_email_key = email_key_or_blank(self.donor_email)
        if update_fields is not None and "donor_email" in update_fields:
            update_fields = {*update_fields, "donor_email_key"}
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def is_paid(self):
        return self.status == self.Status.PAID

    @property
    def is_monthly(self):
        return self.frequency == self.Frequency.MONTHLY


class WebhookEvent(models.Model):
    """A provider event already handled. The unique id makes a replay a no-op."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class ManageLink(models.Model):
    """A link emailed to a donor, which opens their gifts once. Its id goes in the signed
    token; the first use claims the row, so a second use, from any browser, finds it
    used. A row that is gone (expired and cleared away) opens nothing either."""

    link_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Link {self.link_id[:8]}… ({'used' if self.used_at else 'unused'})"


GIFT_AID_DECLARATION_VERSION = "2024-1"
GIFT_AID_DECLARATION = (
    "I want to Gift Aid my donation and any donations I make in the future or have made in "
    "the past 4 years to {name}. I am a UK taxpayer and understand that if I pay less Income "
    "Tax and/or Capital Gains Tax than the amount of Gift Aid claimed on all my donations in "
    "that tax year it is my responsibility to pay any difference."
)


def gift_aid_declaration() -> str:
    return GIFT_AID_DECLARATION.format(name=settings.DONATIONS_CHARITY_NAME)
