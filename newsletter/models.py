from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from mailboxes.addresses import MAX_LENGTH as EMAIL_KEY_LENGTH
from mailboxes.models import email_key_or_blank
from newsroom.links import page_url


class NewsletterQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)


class Newsletter(models.Model):
    class Cadence(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    cadence = models.CharField(max_length=10, choices=Cadence, default=Cadence.DAILY)
    from_email = models.CharField(
        max_length=200,
        blank=True,
        help_text="Sender, e.g. Paper <news@example.org>. "
        "Leave blank for the site's default sender.",
    )
    is_public = models.BooleanField(default=True, help_text="Listed on the signup page.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NewsletterQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return page_url("newsletter:archive", slug=self.slug)

    @property
    def sender(self):
        return self.from_email or settings.DEFAULT_FROM_EMAIL


class SubscriberQuerySet(models.QuerySet):
    def for_email(self, email: str):
        """The subscriber whose mailbox `email` names, in whatever form it was typed
        (mailboxes.addresses); nobody for an address that cannot be normalised."""
        key = email_key_or_blank(email)
        return self.filter(email_key=key) if key else self.none()

    def bulk_create(self, objs, *args, **kwargs):
        # bulk_create skips save(), which derives the key: demo and load-test data too
        # must be found by it.
        objs = list(objs)
        for subscriber in objs:
            subscriber.email_key = email_key_or_blank(subscriber.email)
        return super().bulk_create(objs, *args, **kwargs)

    def unconfirmed_before(self, moment):
        return self.filter(confirmed_at__isnull=True, created_at__lt=moment)


class Subscriber(models.Model):
    # Mail goes to `email`, as first typed; `email_key` is what addresses are compared by.
    email = models.EmailField(max_length=254)
    email_key = models.CharField(max_length=EMAIL_KEY_LENGTH, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the subscriber left every newsletter."
    )
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A confirmation email the hourly cap for the address's domain held back; the
    # periodic `resume_sending` sends it once the domain has room again.
    confirmation_held_at = models.DateTimeField(null=True, blank=True, editable=False)
    source_url = models.CharField(
        max_length=500, blank=True, help_text="The page where they signed up."
    )
    consent_text = models.TextField(blank=True, help_text="What they agreed to when signing up.")
    # The provider reported a hard bounce or a spam complaint: never mail this address again.
    suppressed_at = models.DateTimeField(null=True, blank=True)
    suppression_reason = models.CharField(max_length=40, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # An address that cannot be normalised has a blank key and matches nothing.
            models.UniqueConstraint(
                fields=["email_key"],
                condition=~Q(email_key=""),
                name="unique_subscriber_email_key",
            ),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email_key = email_key_or_blank(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)

    def clean(self):
        # The unique key is not a form field, so a form would not check it by itself.
        if Subscriber.objects.for_email(self.email).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"email": "Another subscriber has this address, perhaps spelled differently."},
                code="unique",
            )

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class ConfirmationCount(models.Model):
    """Confirmation emails sent to one mail domain in one clock hour, for the cap that
    keeps a flood of signups from making us a nuisance to (or blocked by) that domain."""

    domain = models.CharField(max_length=255)
    hour = models.DateTimeField()
    sent = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["domain", "hour"], name="unique_confirmation_count")
        ]

    def __str__(self):
        return f"{self.domain} {self.hour:%Y-%m-%d %H}:00: {self.sent}"


class SubscriptionQuerySet(models.QuerySet):
    def receiving(self, newsletter):
        """Who gets the next edition: confirmed, still subscribed, not bounced."""
        return self.filter(
            newsletter=newsletter,
            status=Subscription.Status.ACTIVE,
            subscriber__confirmed_at__isnull=False,
            subscriber__unsubscribed_at__isnull=True,
            subscriber__suppressed_at__isnull=True,
        )


class Subscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting confirmation"
        ACTIVE = "active", "Active"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "newsletter"], name="unique_subscription"
            ),
        ]
        indexes = [models.Index(fields=["newsletter", "status"], name="subscription_status_idx")]

    def __str__(self):
        return f"{self.subscriber} → {self.newsletter}"


class EditionQuerySet(models.QuerySet):
    def sent(self):
        return self.filter(status=Edition.Status.SENT)

    def due(self, now):
        """Scheduled editions whose time has come and that no editor holds."""
        return self.filter(status=Edition.Status.SCHEDULED, send_at__lte=now, is_held=False)

    def published(self):
        """What the web archive shows: editions that have started going out, so the
        "view in your browser" link works from the first message."""
        return self.filter(status__in=[Edition.Status.SENDING, Edition.Status.SENT])

    def with_progress(self):
        """Delivery counts per status, for the admin's progress columns."""
        counts = {
            f"{status}_count": Count("deliveries", filter=Q(deliveries__status=status))
            for status in Delivery.Status.values
        }
        return self.annotate(**counts)


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="editions")
    subject = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="The editor's note at the top of the email.")
    articles = models.ManyToManyField(
        "articles.Article", through="EditionArticle", related_name="editions", blank=True
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    # Articles published up to this moment are in this edition; the next one starts here.
    covers_until = models.DateTimeField(default=timezone.now)
    send_at = models.DateTimeField(
        null=True, blank=True, help_text="When a scheduled edition goes out."
    )
    # An editor stopped it going out at its send time; sending by hand still works.
    is_held = models.BooleanField(
        "held",
        default=False,
        help_text="Held editions are not sent at their send time until released.",
    )
    sending_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-covers_until", "-id"]
        get_latest_by = "covers_until"

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return page_url("newsletter:edition", slug=self.newsletter.slug, pk=self.pk)

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)


class EditionArticle(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "article"], name="unique_edition_article")
        ]

    def __str__(self):
        return f"{self.position}. {self.article}"


class Delivery(models.Model):
    """One edition to one subscriber. The row exists before the message is sent, so a
    crashed worker leaves a record of exactly where it stopped."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # The worker died while this message was with the SMTP server: it may or may
        # not have arrived, so it is never resent automatically.
        AMBIGUOUS = "ambiguous", "Ambiguous"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    message_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Which worker run holds the row, and until when; an expired claim is free again.
    claimed_by = models.CharField(max_length=64, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["edition", "subscriber"], name="unique_delivery"),
        ]
        indexes = [models.Index(fields=["edition", "status", "id"], name="delivery_status_idx")]

    def __str__(self):
        return f"{self.edition} → {self.subscriber}"
