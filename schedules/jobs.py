"""What the scheduler enqueues, and when. Times of day are in TIME_ZONE.

This app sits above the apps whose tasks it names, like the demo content: it refers to
their tasks by path, and none of them imports it.

The table is `scheduled_jobs()` at the end.
"""

import dataclasses
import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

# How often the scheduler wakes; every schedule is a multiple of it.
TICK_SECONDS = 30


@dataclasses.dataclass(frozen=True)
class Every:
    """Every `minutes` minutes (or `seconds` seconds, a multiple of the tick), on the
    clock: every 5 minutes is :00, :05, :10…"""

    minutes: int = 0
    seconds: int = 0

    @property
    def step(self) -> int:
        return self.minutes * 60 + self.seconds

    def last_due(self, now: datetime.datetime) -> datetime.datetime:
        seconds = int(now.timestamp()) // self.step * self.step
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)

    @property
    def grace(self) -> datetime.timedelta:
        # A missed slot is made up by the next one; only the latest ever runs.
        return datetime.timedelta(seconds=self.step)

    def __str__(self):
        return f"every {self.minutes} min" if not self.seconds else f"every {self.step} s"


@dataclasses.dataclass(frozen=True)
class Daily:
    """Once a day at a time of day in TIME_ZONE."""

    at: datetime.time
    grace_minutes: int | None = None  # SCHEDULER_GRACE_MINUTES when None

    def last_due(self, now: datetime.datetime) -> datetime.datetime:
        today = timezone.localtime(now).date()
        for day in (today, today - datetime.timedelta(days=1)):
            due = timezone.make_aware(datetime.datetime.combine(day, self.at))
            if due <= now:
                return due
        raise AssertionError("a time of day is always reached within two days")

    @property
    def grace(self) -> datetime.timedelta:
        minutes = self.grace_minutes
        if minutes is None:
            minutes = settings.SCHEDULER_GRACE_MINUTES
        return datetime.timedelta(minutes=minutes)

    def __str__(self):
        return f"daily at {self.at:%H:%M}"


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    schedule: Every | Daily
    task_path: str

    @property
    def task(self):
        return import_string(self.task_path)


def scheduled_jobs() -> list[Job]:
    """Read at each tick, so the times follow settings (and tests that change them)."""
    return [
        Job("newsletter.resume_sending", Every(5), "newsletter.tasks.resume_sending"),
        Job(
            "newsletter.draft_daily_editions",
            Daily(settings.NEWSLETTER_DRAFT_AT),
            "newsletter.tasks.draft_daily_editions",
        ),
        # Any time of the day will do for a purge: a missed one runs when the scheduler starts.
        Job(
            "newsletter.purge_unconfirmed_signups",
            Daily(datetime.time(3, 30), grace_minutes=24 * 60),
            "newsletter.tasks.purge_unconfirmed_signups",
        ),
        Job("schedules.worker_heartbeat", Every(1), "schedules.tasks.record_worker_heartbeat"),
        # A dead worker's batch is taken up again within a minute of its claim running out.
        Job(
            "newsletter.recover_stalled_sends",
            Every(seconds=TICK_SECONDS),
            "newsletter.tasks.recover_stalled_sends",
        ),
    ]
