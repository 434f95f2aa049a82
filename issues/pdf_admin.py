"""The print-edition PDF in the issue admin: its status, and a "Re-render PDF" action."""

from django.contrib import admin, messages
from django.utils.html import format_html

from issues import services
from issues.models import PrintPdf


def describe_pdf(pdf: PrintPdf | None, *, is_current: bool = True) -> str:
    if pdf is None:
        return "Not rendered yet"
    parts = [pdf.get_status_display()]
    if pdf.is_ready:
        parts.append(f"{pdf.page_count} pages, rendered in {pdf.render_seconds:.1f} s")
    if pdf.status == PrintPdf.Status.FAILED and pdf.error:
        parts.append(pdf.error.splitlines()[0][:200])
    if not is_current:
        parts.append("the content has changed since")
    return " · ".join(parts)


class PrintPdfAdminMixin:
    """Mix into the Issue admin: add "pdf_status" to list_display and "pdf_detail" to
    readonly_fields, and the re-render action to the change list."""

    actions = ["rerender_pdf"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("print_pdfs")

    @admin.display(description="PDF")
    def pdf_status(self, issue):
        pdfs = sorted(issue.print_pdfs.all(), key=lambda pdf: (pdf.created_at, pdf.pk))
        return describe_pdf(pdfs[-1] if pdfs else None)

    @admin.display(description="Print-edition PDF")
    def pdf_detail(self, issue):
        if issue.pk is None:
            return "Rendered once the issue is saved and published."
        current = services.issue_pdf_job(issue).fingerprint
        pdf = PrintPdf.objects.filter(fingerprint=current).first() or services.latest_pdf(issue)
        text = describe_pdf(pdf, is_current=pdf is None or pdf.fingerprint == current)
        if pdf and pdf.is_ready:
            return format_html('{} · <a href="{}">download</a>', text, pdf.file.url)
        return text

    # A render is a minute of the worker's time: for those who may change the issue.
    @admin.action(description="Re-render PDF", permissions=["change"])
    def rerender_pdf(self, request, queryset):
        for issue in queryset:
            services.rerender_pdf(services.issue_pdf_job(issue))
        self.message_user(
            request,
            f"Queued {len(queryset)} PDF render(s); refresh this page to see their status.",
            messages.SUCCESS,
        )
