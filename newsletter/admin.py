from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.csp import csp_override

from newsletter import services
from newsletter.mail import PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER, render_edition
from newsletter.models import (
    Delivery,
    Edition,
    EditionArticle,
    Newsletter,
    Subscriber,
    Subscription,
)

# The preview is the email itself: its inlined style attributes and remote images need a
# looser policy than the site's, and `sandbox` keeps any script in it from running.
EMAIL_PREVIEW_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["*", "data:"],
    "sandbox": [""],
}


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "cadence", "is_public"]
    prepopulated_fields = {"slug": ["name"]}


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["newsletter", "status", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "created_at", "confirmed_at", "unsubscribed_at", "suppressed_at"]
    list_filter = [
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("unsubscribed_at", admin.EmptyFieldListFilter),
        ("suppressed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email"]
    readonly_fields = ["created_at", "confirmation_sent_at", "source_url", "consent_text"]
    inlines = [SubscriptionInline]


class EditionArticleInline(admin.TabularInline):
    model = EditionArticle
    extra = 0
    fields = ["position", "article"]
    raw_id_fields = ["article"]

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.is_editable)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_editable)


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "newsletter",
        "state",
        "sent_at",
        "queued",
        "sent",
        "failed",
        "ambiguous",
    ]
    list_filter = ["newsletter", "status", "is_held"]
    search_fields = ["subject"]
    fields = [
        "newsletter",
        "subject",
        "intro",
        "send_at",
        "covers_until",
        "status",
        "is_held",
        "preview",
    ]
    readonly_fields = ["status", "is_held", "covers_until", "preview"]
    inlines = [EditionArticleInline]
    actions = ["send_test_to_me", "send_now", "schedule", "hold", "release"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("newsletter").with_progress()

    def get_readonly_fields(self, request, obj=None):
        if obj and not obj.is_editable:
            return self.fields
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_editable)

    @admin.display(description="State", ordering="status")
    def state(self, edition):
        if edition.is_held and edition.is_editable:
            if edition.status == Edition.Status.SCHEDULED and edition.send_at:
                when = f"{timezone.localtime(edition.send_at):%d %b %H:%M}"
                return format_html("<strong>Held</strong> (was to go out {})", when)
            return format_html("<strong>Held</strong>")
        if edition.status == Edition.Status.SCHEDULED and edition.send_at:
            return f"Scheduled for {timezone.localtime(edition.send_at):%d %b %H:%M}"
        if edition.status == Edition.Status.DRAFT:
            return "Drafted"
        return edition.get_status_display()

    @admin.display(description="Queued")
    def queued(self, edition):
        return edition.queued_count + edition.sending_count

    @admin.display(description="Sent")
    def sent(self, edition):
        return edition.sent_count

    @admin.display(description="Failed")
    def failed(self, edition):
        return edition.failed_count

    @admin.display(description="Ambiguous")
    def ambiguous(self, edition):
        if not edition.ambiguous_count:
            return 0
        url = reverse("admin:newsletter_delivery_changelist")
        return format_html(
            '<a href="{}?edition__id__exact={}&status__exact=ambiguous">{}</a>',
            url,
            edition.pk,
            edition.ambiguous_count,
        )

    @admin.display(description="Preview")
    def preview(self, edition):
        if not edition.pk:
            return "Save the edition to preview it."
        url = reverse("admin:newsletter_edition_preview", args=[edition.pk])
        return format_html('<a href="{}" target="_blank">Open the email in a new tab</a>', url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        edition = self.get_queryset(request).filter(pk=object_id).first()
        if edition and edition.ambiguous_count:
            messages.warning(
                request,
                f"{edition.ambiguous_count} messages may or may not have arrived: a worker "
                "stopped while sending them. They were not resent; check the mail server's "
                "log for their Message-IDs before resending by hand.",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:pk>/preview/", preview, name="newsletter_edition_preview"),
            *super().get_urls(),
        ]

    @method_decorator(csp_override(EMAIL_PREVIEW_CSP))
    def preview_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        edition = get_object_or_404(Edition.objects.select_related("newsletter"), pk=pk)
        html = render_edition(edition).html
        html = html.replace(UNSUBSCRIBE_PLACEHOLDER, "#").replace(PREFERENCES_PLACEHOLDER, "#")
        return HttpResponse(html)

    # Sending, even a test to oneself, is for those who prepare editions: the site's mail
    # goes out under the newsletter's name.
    @admin.action(description="Send a test of the selected editions to me", permissions=["change"])
    def send_test_to_me(self, request, queryset):
        if not request.user.email:
            self.message_user(request, "Your account has no email address.", messages.ERROR)
            return
        for edition in queryset:
            services.send_test(edition, request.user.email)
        self.message_user(request, f"Sent {queryset.count()} test(s) to {request.user.email}.")

    @admin.action(description="Send the selected editions now", permissions=["change"])
    def send_now(self, request, queryset):
        for edition in queryset:
            try:
                count = services.send_edition(edition)
            except services.EditionNotSendable as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, f"Sending “{edition}” to {count} subscribers.")

    @admin.action(
        description="Schedule the selected editions for their send time", permissions=["change"]
    )
    def schedule(self, request, queryset):
        for edition in queryset:
            if not edition.send_at or edition.send_at <= timezone.now():
                self.message_user(
                    request, f"Set a future send time on “{edition}” first.", messages.ERROR
                )
                continue
            try:
                services.schedule_edition(edition, edition.send_at)
            except services.EditionNotSendable as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, f"“{edition}” will go out at {edition.send_at}.")

    @admin.action(
        description="Hold the selected editions (not sent at their send time)",
        permissions=["change"],
    )
    def hold(self, request, queryset):
        for edition in queryset:
            if services.hold_edition(edition):
                self.message_user(request, f"“{edition}” is held: it will not go out by itself.")
            else:
                self.message_user(
                    request, f"“{edition}” has already gone out: too late to hold.", messages.ERROR
                )

    @admin.action(
        description="Release the selected editions (sent at their send time)",
        permissions=["change"],
    )
    def release(self, request, queryset):
        for edition in queryset:
            if not services.release_edition(edition):
                self.message_user(request, f"“{edition}” was not held.", messages.WARNING)
            elif edition.status == Edition.Status.SCHEDULED and edition.send_at:
                when = timezone.localtime(edition.send_at)
                self.message_user(
                    request,
                    f"“{edition}” is released: it goes out at {when:%d %b %H:%M}, "
                    "or within five minutes if that has passed.",
                )
            else:
                self.message_user(request, f"“{edition}” is released; it is a draft to send.")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["edition", "subscriber", "status", "attempts", "message_id", "sent_at"]
    list_filter = ["status", "edition"]
    search_fields = ["subscriber__email", "message_id"]
    list_select_related = ["edition", "subscriber"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
