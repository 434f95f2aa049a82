from django.tasks import task

from issues import services


@task
def render_pdf(pdf_id: int) -> None:
    """Render one queued print-edition PDF (an issue's or an article's)."""
    services.render_print_pdf(pdf_id)
