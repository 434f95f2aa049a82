"""The morning edition without cron: drafted by the scheduler at NEWSLETTER_DRAFT_AT and,
with NEWSLETTER_AUTOSEND_AT set, sent at that time unless an editor holds it."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Delivery, Edition
from newsletter.services import (
    draft_daily_edition,
    hold_edition,
    release_edition,
    send_due_edition,
)
from newsletter.tasks import resume_sending_now
from schedules.jobs import scheduled_jobs
from schedules.services import tick
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def local(hour, minute=0):
    return timezone.make_aware(datetime.datetime(2026, 3, 2, hour, minute))


@pytest.fixture
def autosend(settings):
    settings.NEWSLETTER_DRAFT_AT = datetime.time(6, 0)
    settings.NEWSLETTER_AUTOSEND_AT = datetime.time(7, 0)


@pytest.fixture
def morning_edition(daily, autosend, make_subscriber):
    make_subscriber("reader@example.org")
    ArticleFactory(headline="Night shift walks out", published_at=local(5, 0))
    return draft_daily_edition(daily, now=local(6, 0))


def test_the_scheduler_drafts_the_edition_at_the_draft_time(daily, settings):
    settings.NEWSLETTER_DRAFT_AT = datetime.time(6, 30)
    [job] = [job for job in scheduled_jobs() if job.name == "newsletter.draft_daily_editions"]
    ArticleFactory(headline="Morning news")
    assert tick(now=local(6, 29), jobs=[job]) == []
    assert not Edition.objects.exists()
    assert tick(now=local(6, 30), jobs=[job]) == [job.name]
    assert Edition.objects.get().newsletter == daily
    assert tick(now=local(6, 31), jobs=[job]) == []
    assert Edition.objects.count() == 1


def test_without_an_autosend_time_the_draft_waits_for_an_editor(daily, settings):
    settings.NEWSLETTER_AUTOSEND_AT = None
    ArticleFactory(headline="Morning news", published_at=local(5, 0))
    edition = draft_daily_edition(daily, now=local(6, 0))
    assert (edition.status, edition.send_at) == (Edition.Status.DRAFT, None)


def test_the_draft_is_scheduled_for_the_autosend_time(morning_edition):
    morning_edition.refresh_from_db()
    assert morning_edition.status == Edition.Status.SCHEDULED
    assert morning_edition.send_at == local(7, 0)


def test_a_draft_made_after_the_autosend_time_is_left_to_an_editor(daily, autosend):
    ArticleFactory(headline="Morning news", published_at=local(5, 0))
    edition = draft_daily_edition(daily, now=local(7, 30))
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DRAFT


def test_the_edition_goes_out_at_the_autosend_time(
    morning_edition, smtp_server, django_capture_on_commit_callbacks
):
    assert send_due_edition(morning_edition, now=local(6, 59)) is None
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_edition(morning_edition, now=local(7, 0)) == 1
    assert smtp_server.recipients == ["reader@example.org"]
    morning_edition.refresh_from_db()
    assert morning_edition.status == Edition.Status.SENT


def test_a_held_edition_is_not_sent_until_released(
    morning_edition, smtp_server, django_capture_on_commit_callbacks
):
    assert hold_edition(morning_edition)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_edition(morning_edition, now=local(7, 0)) is None
        resume_sending_now()
    assert not Delivery.objects.exists()
    assert not smtp_server.messages

    # Released after its time, it goes out at once.
    with django_capture_on_commit_callbacks(execute=True):
        assert release_edition(morning_edition)
    assert smtp_server.recipients == ["reader@example.org"]


def test_an_edition_that_has_gone_out_cannot_be_held(morning_edition):
    Edition.objects.filter(pk=morning_edition.pk).update(status=Edition.Status.SENT)
    assert not hold_edition(morning_edition)


def test_editors_hold_and_release_from_the_edition_list(admin_client, morning_edition):
    changelist = reverse("admin:newsletter_edition_changelist")
    page = admin_client.get(changelist)
    assert "Scheduled for 02 Mar 07:00" in page.text

    admin_client.post(changelist, {"action": "hold", "_selected_action": [morning_edition.pk]})
    morning_edition.refresh_from_db()
    assert morning_edition.is_held
    page = admin_client.get(changelist)
    assert "<strong>Held</strong> (was to go out 02 Mar 07:00)" in page.text

    admin_client.post(changelist, {"action": "release", "_selected_action": [morning_edition.pk]})
    morning_edition.refresh_from_db()
    assert not morning_edition.is_held


def test_the_edition_list_shows_drafted_and_sent(admin_client, daily):
    Edition.objects.create(newsletter=daily, subject="A draft")
    Edition.objects.create(newsletter=daily, subject="Gone", status=Edition.Status.SENT)
    page = admin_client.get(reverse("admin:newsletter_edition_changelist"))
    assert 'class="field-state">Drafted<' in page.text
    assert 'class="field-state">Sent<' in page.text


def test_holding_needs_the_permission_to_change_editions(client, morning_edition):
    viewer = User.objects.create_user("viewer", is_staff=True, password="x")
    viewer.user_permissions.add(Permission.objects.get(codename="view_edition"))
    client.force_login(viewer)
    changelist = reverse("admin:newsletter_edition_changelist")
    client.post(changelist, {"action": "hold", "_selected_action": [morning_edition.pk]})
    morning_edition.refresh_from_db()
    assert not morning_edition.is_held
