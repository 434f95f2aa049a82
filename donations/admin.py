import csv

from django.contrib import admin, messages
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.utils import timezone

from donations import services
from donations.models import Appeal, Donation, WebhookEvent
from donations.templatetags.donation_tags import pounds

TITLES = {"mr", "mrs", "miss", "ms", "mx", "dr", "prof", "rev", "sir", "dame", "lord", "lady"}


def split_name(full_name: str) -> tuple[str, str, str]:
    """A donor's name as HMRC's schedule wants it: title, first name, last name.
    "Dr Jane Ann Smith" -> ("Dr", "Jane", "Smith"); middle names are dropped."""
    words = full_name.split()
    title = ""
    if len(words) > 2 and words[0].rstrip(".").lower() in TITLES:
        title, words = words[0].rstrip("."), words[1:]
    if not words:
        return title, "", ""
    if len(words) == 1:
        return title, words[0], ""
    return title, words[0], words[-1]


def house_name_or_number(address: str) -> str:
    """The part of the address HMRC asks for: the number or house name before the street."""
    first_line = address.replace("\n", ",").split(",")[0].strip()
    words = first_line.split()
    if words and any(ch.isdigit() for ch in words[0]):
        return words[0]
    return first_line


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["title", "raised", "target", "starts_at", "ends_at", "is_active"]
    list_filter = ["is_active"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_paid_total()

    @admin.display(description="Raised (paid)", ordering="paid_total_pence")
    def raised(self, appeal):
        return pounds(appeal.paid_total_pence)

    @admin.display(description="Target", ordering="target_pence")
    def target(self, appeal):
        return pounds(appeal.target_pence)


@admin.register(Donation)
class DonationAdmin(admin.ModelAdmin):
    change_list_template = "admin/donations/donation/change_list.html"
    list_display = [
        "created_at",
        "donor_name",
        "amount",
        "frequency",
        "status",
        "is_gift_aid",
        "provider",
        "appeal",
        "source_article",
    ]
    list_filter = [
        "status",
        "frequency",
        "is_gift_aid",
        "provider",
        "appeal",
        ("created_at", admin.DateFieldListFilter),
        ("source_article", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["donor_name", "donor_email", "provider_reference", "postcode"]
    date_hierarchy = "created_at"
    list_select_related = ["appeal", "source_article"]
    raw_id_fields = ["source_article", "first_donation"]
    readonly_fields = ["created_at", "paid_at", "receipt_sent_at", "gift_aid_declared_at"]
    actions = [
        "mark_as_paid",
        "record_standing_order_payment",
        "export_csv",
        "export_gift_aid_claim",
    ]

    @admin.display(description="Amount", ordering="amount_pence")
    def amount(self, donation):
        return pounds(donation.amount_pence)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            rows = changelist.queryset.order_by()
            totals = rows.aggregate(count=Count("id"), total=Sum("amount_pence"))
            paid = rows.filter(status=Donation.Status.PAID).aggregate(
                count=Count("id"), total=Sum("amount_pence")
            )
            response.context_data["donation_totals"] = {
                "count": totals["count"],
                "total": pounds(totals["total"] or 0),
                "paid_count": paid["count"],
                "paid_total": pounds(paid["total"] or 0),
            }
        return response

    def has_export_permission(self, request):
        # A CSV takes donors' names, emails and home addresses out of the admin, where no
        # permission follows them: only those who handle the donations take one, not
        # everyone who may look at them on screen.
        return self.has_change_permission(request)

    @admin.action(
        description="Mark as paid (money received) and send the receipt", permissions=["change"]
    )
    def mark_as_paid(self, request, queryset):
        marked = 0
        for donation in queryset.filter(status=Donation.Status.PENDING):
            marked += services.mark_paid(donation)
        self.message_user(request, f"{marked} donation(s) marked paid.", messages.SUCCESS)

    @admin.action(
        description="Record this month's standing order payment (offline monthly gifts)",
        permissions=["change"],
    )
    def record_standing_order_payment(self, request, queryset):
        month = timezone.localdate().strftime("%Y-%m")
        gifts = queryset.filter(
            provider=Donation.Provider.OFFLINE,
            frequency=Donation.Frequency.MONTHLY,
            first_donation__isnull=True,
            status=Donation.Status.PAID,
            cancelled_at__isnull=True,
        )
        recorded = 0
        for gift in gifts:
            # One reference per gift per month, so a second click records nothing.
            reference = f"{gift.provider_reference}-{month}"
            recorded += bool(
                services.record_instalment(
                    gift, reference=reference, amount_pence=gift.amount_pence
                )
            )
        self.message_user(request, f"{recorded} monthly payment(s) recorded.", messages.SUCCESS)

    @admin.action(description="Export selected as CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="donations.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "ID",
                "Created",
                "Paid",
                "Amount (GBP)",
                "Currency",
                "Frequency",
                "Status",
                "Donor name",
                "Donor email",
                "Gift Aid",
                "Home address",
                "Postcode",
                "Appeal",
                "Source article",
                "Provider",
                "Provider reference",
                "First donation ID",
            ]
        )
        for d in queryset.select_related("appeal", "source_article").order_by("created_at", "id"):
            writer.writerow(
                [
                    d.pk,
                    _iso(d.created_at),
                    _iso(d.paid_at),
                    f"{d.amount_pence // 100}.{d.amount_pence % 100:02d}",
                    d.currency,
                    d.frequency,
                    d.status,
                    _csv_safe(d.donor_name),
                    _csv_safe(d.donor_email),
                    "yes" if d.is_gift_aid else "no",
                    _csv_safe(d.home_address),
                    d.postcode,
                    _csv_safe(d.appeal.title if d.appeal else ""),
                    d.source_article.slug if d.source_article else "",
                    d.provider,
                    d.provider_reference,
                    d.first_donation_id or "",
                ]
            )
        return response

    @admin.action(
        description="Export Gift Aid claim (HMRC schedule) for selected paid gifts",
        permissions=["export"],
    )
    def export_gift_aid_claim(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="gift-aid-claim.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "Title",
                "First name",
                "Last name",
                "House name or number",
                "Postcode",
                "Aggregated donations",
                "Sponsored event",
                "Donation date",
                "Amount",
            ]
        )
        claimable = queryset.filter(is_gift_aid=True, status=Donation.Status.PAID)
        for d in claimable.order_by("paid_at", "id"):
            title, first, last = split_name(d.donor_name)
            writer.writerow(
                [
                    _csv_safe(title),
                    _csv_safe(first),
                    _csv_safe(last),
                    _csv_safe(house_name_or_number(d.home_address)),
                    d.postcode,
                    "",
                    "",
                    timezone.localtime(d.paid_at).strftime("%d/%m/%y"),
                    f"{d.amount_pence // 100}.{d.amount_pence % 100:02d}",
                ]
            )
        return response


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _csv_safe(value: str) -> str:
    """Text a donor typed, made safe to open in a spreadsheet (no formula injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "received_at"]
    search_fields = ["event_id"]
    list_filter = ["type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
