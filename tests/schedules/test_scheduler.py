import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from schedules.jobs import Daily, Every, Job, scheduled_jobs
from schedules.models import Heartbeat, JobRun
from schedules.services import tick

pytestmark = pytest.mark.django_db

HEARTBEAT_TASK = "schedules.tasks.record_worker_heartbeat"
DAILY_AT_SIX = Job("test.daily", Daily(datetime.time(6, 0)), HEARTBEAT_TASK)


def local(hour, minute=0, second=0, *, day=2):
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour, minute, second))


def test_a_daily_job_runs_once_at_its_time():
    assert tick(now=local(5, 59), jobs=[DAILY_AT_SIX]) == []
    assert tick(now=local(6, 0), jobs=[DAILY_AT_SIX]) == ["test.daily"]
    assert tick(now=local(6, 0), jobs=[DAILY_AT_SIX]) == []
    assert tick(now=local(6, 1), jobs=[DAILY_AT_SIX]) == []
    assert tick(now=local(6, 0, day=3), jobs=[DAILY_AT_SIX]) == ["test.daily"]
    assert list(JobRun.objects.values_list("job", "due_at")) == [
        ("test.daily", local(6, 0, day=3)),
        ("test.daily", local(6, 0)),
    ]


def test_times_of_day_are_in_the_newsrooms_time_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    summer = datetime.datetime(2026, 7, 1, 5, 30, tzinfo=datetime.UTC)  # 06:30 in London
    assert Daily(datetime.time(6, 0)).last_due(summer) == summer.replace(hour=5, minute=0)


def test_a_restart_after_a_missed_time_runs_the_job_once(settings):
    settings.SCHEDULER_GRACE_MINUTES = 60
    # The scheduler was stopped from 05:50 to 06:40.
    assert tick(now=local(5, 50), jobs=[DAILY_AT_SIX]) == []
    assert tick(now=local(6, 40), jobs=[DAILY_AT_SIX]) == ["test.daily"]
    assert tick(now=local(6, 41), jobs=[DAILY_AT_SIX]) == []
    assert JobRun.objects.count() == 1


def test_a_run_missed_by_more_than_the_grace_waits_for_the_next_day(settings):
    settings.SCHEDULER_GRACE_MINUTES = 60
    assert tick(now=local(7, 1), jobs=[DAILY_AT_SIX]) == []
    assert not JobRun.objects.exists()


def test_a_job_every_five_minutes_runs_on_the_clock_and_makes_up_one_missed_slot():
    job = Job("test.often", Every(5), HEARTBEAT_TASK)
    ran = [tick(now=local(10, minute), jobs=[job]) for minute in (0, 2, 5, 6, 23)]
    assert ran == [["test.often"], [], ["test.often"], [], ["test.often"]]
    assert [
        timezone.localtime(d).minute for d in JobRun.objects.values_list("due_at", flat=True)
    ] == [
        20,
        5,
        0,
    ]


def test_the_scheduler_records_its_heartbeat_on_each_tick():
    tick(now=local(6, 0), jobs=[])
    tick(now=local(6, 1), jobs=[])
    heartbeat = Heartbeat.objects.get()
    assert heartbeat.kind == Heartbeat.Kind.SCHEDULER
    assert heartbeat.last_seen_at == local(6, 1)


def test_the_worker_records_its_heartbeat_when_it_runs_the_heartbeat_job():
    tick(now=local(6, 0), jobs=[Job("test.heartbeat", Every(1), HEARTBEAT_TASK)])
    assert Heartbeat.objects.last_seen_at(Heartbeat.Kind.WORKER) is not None


def test_the_table_follows_the_draft_time(settings):
    settings.NEWSLETTER_DRAFT_AT = datetime.time(5, 15)
    jobs = {job.name: job for job in scheduled_jobs()}
    assert jobs["newsletter.draft_daily_editions"].schedule == Daily(datetime.time(5, 15))
    assert set(jobs) == {
        "newsletter.resume_sending",
        "newsletter.draft_daily_editions",
        "newsletter.purge_unconfirmed_signups",
        "schedules.worker_heartbeat",
        "newsletter.recover_stalled_sends",
    }


def test_one_tick_from_the_command(capsys):
    call_command("scheduler", "--once")
    assert "newsletter.resume_sending: every 5 min" in capsys.readouterr().out
    assert JobRun.objects.filter(job="schedules.worker_heartbeat").exists()


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_enqueue_a_job_once():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    barrier = threading.Barrier(4)
    results = []

    def scheduler():
        try:
            barrier.wait()
            results.append(tick(now=local(6, 0), jobs=[DAILY_AT_SIX]))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [[], [], [], ["test.daily"]]
    assert JobRun.objects.count() == 1


def test_stalled_sends_are_looked_for_every_half_minute():
    (job,) = [job for job in scheduled_jobs() if job.name == "newsletter.recover_stalled_sends"]
    assert job.schedule.last_due(local(6, 0, 29)) == local(6, 0, 0)
    assert job.schedule.last_due(local(6, 0, 31)) == local(6, 0, 30)
