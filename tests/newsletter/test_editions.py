from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from newsletter.models import Delivery, Edition, EditionArticle
from newsletter.services import draft_edition, schedule_edition
from newsletter.tasks import resume_sending_now
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_draft_takes_the_articles_published_since_the_last_edition(daily):
    now = timezone.now()
    ArticleFactory(headline="Yesterday's news", published_at=now - timedelta(days=2))
    older = ArticleFactory(headline="Morning strike", published_at=now - timedelta(hours=5))
    newer = ArticleFactory(headline="Evening rally", published_at=now - timedelta(hours=1))
    ArticleFactory(headline="Still a draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(headline="Scheduled", published_at=now + timedelta(hours=2))

    edition = draft_edition(daily, now=now)

    assert [item.article for item in edition.items.all()] == [newer, older]
    assert edition.status == Edition.Status.DRAFT
    assert "Evening rally" in edition.subject

    assert draft_edition(daily, now=now + timedelta(minutes=5)) is None
    later = ArticleFactory(headline="Night shift", published_at=now + timedelta(minutes=10))
    next_edition = draft_edition(daily, now=now + timedelta(minutes=20))
    assert [item.article for item in next_edition.items.all()] == [later]


def test_the_draft_command_makes_an_edition_for_cron(daily, capsys):
    ArticleFactory(headline="Strikers win")
    call_command("draft_edition")
    assert Edition.objects.get().items.count() == 1
    call_command("draft_edition")
    assert Edition.objects.count() == 1
    assert "no draft made" in capsys.readouterr().out


@pytest.fixture
def edition(daily):
    ArticleFactory(headline="Strikers win pay rise")
    return draft_edition(daily)


def test_editors_preview_the_email_in_the_browser(admin_client, edition):
    response = admin_client.get(reverse("admin:newsletter_edition_preview", args=[edition.pk]))

    assert response.status_code == 200
    assert b"Strikers win pay rise" in response.content
    assert b'style="' in response.content
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_preview_is_for_staff_only(client, edition):
    response = client.get(reverse("admin:newsletter_edition_preview", args=[edition.pk]))
    assert response.status_code == 302


def test_editors_edit_subject_intro_and_order_in_the_admin(admin_client, edition):
    second = ArticleFactory(headline="Second story")
    EditionArticle.objects.create(edition=edition, article=second, position=5)
    first_item, second_item = edition.items.order_by("position")
    url = reverse("admin:newsletter_edition_change", args=[edition.pk])
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url,
        {
            "newsletter": edition.newsletter.pk,
            "subject": "Victory at the depot",
            "intro": "A good day.",
            "send_at": "",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "2",
            "items-0-id": first_item.pk,
            "items-0-edition": edition.pk,
            "items-0-article": first_item.article.pk,
            "items-0-position": "2",
            "items-1-id": second_item.pk,
            "items-1-edition": edition.pk,
            "items-1-article": second.pk,
            "items-1-position": "1",
        },
    )

    assert response.status_code == 302, response.content
    edition.refresh_from_db()
    assert edition.subject == "Victory at the depot"
    assert [item.article for item in edition.items.all()] == [second, first_item.article]


def test_send_a_test_to_yourself_then_send_now_from_the_admin(
    admin_client,
    admin_user,
    edition,
    make_subscriber,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    make_subscriber("reader@example.org")
    changelist = reverse("admin:newsletter_edition_changelist")

    admin_client.post(changelist, {"action": "send_test_to_me", "_selected_action": [edition.pk]})
    [test] = smtp_server.to(admin_user.email)
    assert test["Subject"].startswith("[Test] ")
    assert not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(changelist, {"action": "send_now", "_selected_action": [edition.pk]})
    assert smtp_server.to("reader@example.org")
    page = admin_client.get(changelist)
    assert page.status_code == 200
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT


def test_a_scheduled_edition_goes_out_when_its_time_comes(
    edition, make_subscriber, smtp_server, django_capture_on_commit_callbacks
):
    make_subscriber("reader@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        schedule_edition(edition, timezone.now() + timedelta(hours=1))
    assert not smtp_server.messages

    Edition.objects.filter(pk=edition.pk).update(send_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        resume_sending_now()
    assert smtp_server.recipients == ["reader@example.org"]


def test_the_archive_shows_sent_editions_only(client, daily, django_assert_max_num_queries):
    sent = Edition.objects.create(
        newsletter=daily, subject="Sent one", status="sent", sent_at=timezone.now()
    )
    article = ArticleFactory(headline="In the archive")
    EditionArticle.objects.create(edition=sent, article=article)
    draft = Edition.objects.create(newsletter=daily, subject="Not yet", status="draft")

    with django_assert_max_num_queries(6):
        archive = client.get(daily.get_absolute_url())
    assert b"Sent one" in archive.content
    assert b"Not yet" not in archive.content

    with django_assert_max_num_queries(8):
        page = client.get(sent.get_absolute_url())
    assert page.status_code == 200
    assert b"In the archive" in page.content
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_daily_task_drafts_every_daily_newsletter(daily):
    from newsletter.tasks import draft_daily_editions

    ArticleFactory(headline="Morning news")
    result = draft_daily_editions.enqueue()
    assert len(result.return_value) == 1
    assert Edition.objects.get().newsletter == daily


def test_editors_see_subscribers_and_deliveries_with_ambiguous_ones_flagged(
    admin_client, edition, make_subscriber
):
    subscriber = make_subscriber("reader@example.org")
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.SENT)
    Delivery.objects.create(edition=edition, subscriber=subscriber, status="ambiguous")

    assert admin_client.get(reverse("admin:newsletter_subscriber_changelist")).status_code == 200
    deliveries = admin_client.get(
        reverse("admin:newsletter_delivery_changelist") + "?status__exact=ambiguous"
    )
    assert b"reader@example.org" in deliveries.content
    changelist = admin_client.get(reverse("admin:newsletter_edition_changelist"))
    assert b"status__exact=ambiguous" in changelist.content
    change = admin_client.get(reverse("admin:newsletter_edition_change", args=[edition.pk]))
    assert b"may or may not have arrived" in change.content
