import os
import socket
from datetime import timedelta

from django.db import models
from django.utils import timezone


class JobRun(models.Model):
    """One run of a scheduled job, recorded by the scheduler that enqueued it. The unique
    (job, due_at) row is the lock: when two schedulers reach the same moment, one inserts
    it and enqueues the task, the other's insert fails and it moves on. The latest row of
    a job is its last run, which is how a restarted scheduler knows what it missed."""

    job = models.CharField(max_length=100)
    due_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(default=timezone.now)
    task_id = models.CharField(max_length=64, blank=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["-due_at", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "due_at"], name="unique_job_run")]
        indexes = [models.Index(fields=["due_at"], name="job_run_due_idx")]

    def __str__(self):
        return f"{self.job} at {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"


class HeartbeatQuerySet(models.QuerySet):
    def last_seen_at(self, kind) -> "timezone.datetime | None":
        """When any process of this kind last recorded a heartbeat."""
        return (
            self.filter(kind=kind)
            .order_by("-last_seen_at")
            .values_list("last_seen_at", flat=True)
            .first()
        )

    def beat(self, kind, *, now=None) -> "Heartbeat":
        """Record that this process is alive; rows of processes gone a day are dropped."""
        now = now or timezone.now()
        heartbeat, _ = self.update_or_create(
            kind=kind,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            defaults={"last_seen_at": now},
        )
        self.filter(kind=kind, last_seen_at__lt=now - timedelta(days=1)).delete()
        return heartbeat


class Heartbeat(models.Model):
    """The last sign of life of one scheduler or task worker process."""

    class Kind(models.TextChoices):
        SCHEDULER = "scheduler", "Scheduler"
        WORKER = "worker", "Task worker"

    kind = models.CharField(max_length=20, choices=Kind)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    last_seen_at = models.DateTimeField()

    objects = HeartbeatQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "host", "pid"], name="unique_heartbeat")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.host}:{self.pid}"
