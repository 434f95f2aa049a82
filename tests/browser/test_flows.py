"""The product's main flows, end to end, as people do them in a browser."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from playwright.sync_api import expect
from pypdf import PdfReader

from articles.models import Article
from donations.models import Appeal, Donation
from issues.models import PrintPdf
from issues.services import render_print_pdf
from newsletter.models import Newsletter, Subscriber, Subscription
from newsletter.services import draft_edition, send_edition
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    IssueFactory,
    SectionFactory,
    jpeg_bytes,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def log_in(page, username="editor", password="a-long-editor-password"):
    get_user_model().objects.create_superuser(username, password=password)
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def choose_autocomplete(page, field_id, text):
    """Pick `text` in one of the admin's select2 autocomplete widgets."""
    page.click(f"#{field_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:has-text('{text}')")


def test_journalist_publishes_an_article_that_readers_find(page, tmp_path):
    section = SectionFactory(name="International", slug="international")
    IssueFactory(number=2787)
    AuthorFactory(name="Simon Basketter")
    log_in(page)

    photo_file = tmp_path / "almaty.jpg"
    photo_file.write_bytes(jpeg_bytes())
    page.goto("/admin/articles/photo/add/")
    page.set_input_files("#id_image", str(photo_file))
    page.fill("#id_alt_text", "Protesters at night with linked arms")
    page.fill("#id_caption", "Protesters on the streets of Almaty")
    page.fill("#id_credit", "REUTERS/Pavel Mikheyev")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    page.goto("/admin/articles/article/add/")
    page.fill("#id_headline", "What is behind the revolt in Kazakhstan?")
    page.fill("#id_standfirst", "Russian troops are arriving by the planeload")
    page.locator(".ProseMirror:visible").first.click()
    page.keyboard.type("The president has ordered troops to shoot without warning.")
    page.select_option("#id_section", str(section.pk))
    page.fill("#id_tags", "Kazakhstan, Russia")
    choose_autocomplete(page, "id_issue", "2787")
    page.fill("#id_print_page", "12")
    choose_autocomplete(page, "id_lead_photo", "Protesters on the streets")
    choose_autocomplete(page, "id_articleauthor_set-0-author", "Simon Basketter")
    page.click("text=Add another Sidebar")
    page.fill("#id_sidebars-0-heading", "Friends in high places")
    page.locator(".ProseMirror:visible").last.click()
    page.keyboard.type("Oil money has bought many friends in London.")
    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    article = Article.objects.published().get()
    assert article.sidebars.get().heading == "Friends in high places"

    page.goto("/")
    page.click(f"text={article.headline}")
    page.wait_for_url(f"**{article.get_absolute_url()}")
    text = page.locator("main").inner_text()
    anatomy = [
        "By Simon Basketter",
        "Issue 2787",
        "What is behind the revolt in Kazakhstan?",
        "Russian troops are arriving by the planeload",
        "Protesters on the streets of Almaty",
        "(Picture: REUTERS/Pavel Mikheyev)",
        "The president has ordered troops to shoot",
        "Friends in high places",
        "Oil money has bought many friends",
        "Sign up for our daily email update",
        "Latest News",
        "Make a donation",
    ]
    positions = [text.find(part) for part in anatomy]
    assert -1 not in positions, dict(zip(anatomy, positions, strict=True))
    assert positions == sorted(positions)
    alt = page.locator("main figure img").first.get_attribute("alt")
    assert alt == "Protesters at night with linked arms"

    page.goto(section.get_absolute_url())
    assert page.locator(f"text={article.headline}").count() >= 1
    page.goto("/issues/2787/")
    assert page.locator(f"text={article.headline}").count() >= 1


def test_reader_signs_up_confirms_and_leaves_with_one_click(page, smtp_server):
    article = ArticleFactory()
    page.goto(article.get_absolute_url())
    page.fill("#newsletter-cta-email", "reader@example.org")
    page.click(".cta-newsletter button[type=submit]")
    expect(page).to_have_url(re.compile(r"/newsletters/check-your-inbox/$"))
    assert "Check your inbox" in page.locator("main").inner_text()

    [confirmation] = smtp_server.to("reader@example.org")
    body = confirmation.get_body(preferencelist=("plain",)).get_content()
    confirm_url = re.search(r"https?://\S+/newsletters/confirm/\S+/", body).group(0)
    page.goto(confirm_url)
    assert not Subscriber.objects.get(email="reader@example.org").confirmed_at
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert Subscriber.objects.get(email="reader@example.org").confirmed_at

    edition = draft_edition(Newsletter.objects.get(slug="breakfast-in-red"))
    send_edition(edition)
    [message] = [m for m in smtp_server.to("reader@example.org") if m is not confirmation]
    unsubscribe_url = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # What a mail client's unsubscribe button does (RFC 8058): one POST, nothing else.
    response = page.request.post(
        unsubscribe_url.replace(re.match(r"https?://[^/]+", unsubscribe_url).group(0), ""),
        form={"List-Unsubscribe": "One-Click"},
    )
    assert response.ok
    subscription = Subscription.objects.get(subscriber__email="reader@example.org")
    assert subscription.status == Subscription.Status.UNSUBSCRIBED


def test_supporter_donates_and_the_appeal_moves(page, chromium, live_server):
    appeal = Appeal.objects.create(
        title="Help fund the resistance", slug="resistance", target_pence=1_000_00, is_active=True
    )
    article = ArticleFactory()
    page.goto(article.get_absolute_url())
    before = page.locator(".cta-donate progress").get_attribute("value")
    page.click(".cta-donate a")
    page.check("input[name=amount][value='25']")
    page.fill("#id_donor_name", "Rosa Reader")
    page.fill("#id_donor_email", "rosa@example.org")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/donate/thank-you/**")
    assert "Thank you" in page.locator("main").inner_text()

    donation = Donation.objects.get()
    assert (donation.amount_pence, donation.source_article) == (25_00, article)
    log_in(page)
    page.goto("/admin/donations/donation/")
    page.check(f"input[name=_selected_action][value='{donation.pk}']")
    page.select_option("select[name=action]", "mark_as_paid")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")
    donation.refresh_from_db()
    assert donation.status == Donation.Status.PAID

    # The appeal's total and the pages showing it are cached for minutes; a reader who
    # comes later, in a browser of their own, sees the new total.
    cache.clear()
    later_reader = chromium.new_context(base_url=live_server.url).new_page()
    later_reader.goto(article.get_absolute_url())
    after = later_reader.locator(".cta-donate progress").get_attribute("value")
    assert float(after) > float(before or 0)
    later_reader.context.close()
    assert Appeal.objects.with_paid_total().get(pk=appeal.pk).paid_total_pence == 25_00


def test_reader_waits_for_the_issue_pdf_and_gets_its_headlines(page, settings):
    # The worker is played by this test: requests only queue the render.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    issue = IssueFactory(number=2790)
    for page_number, headline in enumerate(["Dockers walk out", "Rents frozen"], start=2):
        ArticleFactory(headline=headline, issue=issue, print_page=page_number)

    page.goto("/issues/2790/pdf/")
    assert "Preparing PDF, please wait" in page.locator("main").inner_text()
    with page.expect_download(timeout=30_000) as download:
        for pdf in PrintPdf.objects.filter(status=PrintPdf.Status.PENDING):
            render_print_pdf(pdf.pk)
    path = download.value.path()
    assert download.value.suggested_filename == "issue-2790.pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Dockers walk out" in text and "Rents frozen" in text
