"""The scheduler's tick: enqueue every job whose time has come, once, however many
schedulers are running."""

import logging
import os
import socket
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from schedules.jobs import Job, scheduled_jobs
from schedules.models import Heartbeat, JobRun

logger = logging.getLogger(__name__)

# Job runs are kept this long: long enough to show each daily job's last run.
KEEP_RUNS = timedelta(days=3)


def tick(*, now=None, jobs: list[Job] | None = None) -> list[str]:
    """Record the scheduler's heartbeat and enqueue the jobs that are due at `now`.
    Returns the names of the jobs this scheduler enqueued."""
    now = now or timezone.now()
    Heartbeat.objects.beat(Heartbeat.Kind.SCHEDULER, now=now)
    enqueued = []
    for job in scheduled_jobs() if jobs is None else jobs:
        try:
            if run_if_due(job, now=now):
                enqueued.append(job.name)
        except Exception:
            # One broken job must not stop the others; it is tried again next tick.
            logger.exception("Could not enqueue %s", job.name)
    JobRun.objects.filter(due_at__lt=now - KEEP_RUNS).delete()
    return enqueued


def run_if_due(job: Job, *, now) -> bool:
    """Enqueue `job` for its latest time at or before `now`, unless that time is further
    back than its grace or some scheduler already enqueued it."""
    due_at = job.schedule.last_due(now)
    if now - due_at > job.schedule.grace:
        return False
    if JobRun.objects.filter(job=job.name, due_at=due_at).exists():
        return False  # The common case, answered without a failed insert.
    try:
        # The task is enqueued inside the transaction: with the database queue its row
        # commits together with the claim, so a crash between the two loses neither.
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job.name,
                due_at=due_at,
                enqueued_at=now,
                host=socket.gethostname()[:255],
                pid=os.getpid(),
            )
            result = job.task.enqueue()
            JobRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
    except IntegrityError:
        return False  # Another scheduler claimed it first.
    logger.info("Enqueued %s (due %s)", job.name, timezone.localtime(due_at))
    return True
