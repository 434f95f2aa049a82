"""The readiness checks of our own. django-health-check provides the database, cache and
storage probes; what it cannot know is how long tasks wait in django_tasks_db's queue,
and whether the scheduler and the task worker are alive."""

import dataclasses
import datetime
from typing import ClassVar

from asgiref.sync import sync_to_async
from django.db.models import Case, F, When
from django.tasks import task_backends
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from schedules.models import Heartbeat

# A task waiting this long means the workers are behind (a newsletter send, a burst of
# PDF renders); this long, that none is working.
TASK_QUEUE_WARN_AFTER = datetime.timedelta(minutes=5)
TASK_QUEUE_FAIL_AFTER = datetime.timedelta(minutes=30)
# Both beat every minute: three missed beats are worth a look, ten mean the process is gone.
HEARTBEAT_WARN_AFTER = datetime.timedelta(minutes=3)
HEARTBEAT_FAIL_AFTER = datetime.timedelta(minutes=10)


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """How long the oldest task that could run has waited for a worker."""

    warn_after: datetime.timedelta = dataclasses.field(default=TASK_QUEUE_WARN_AFTER, repr=False)
    fail_after: datetime.timedelta = dataclasses.field(default=TASK_QUEUE_FAIL_AFTER, repr=False)

    async def run(self):
        # In the request's own thread, on the request's own database connection.
        waited = await sync_to_async(oldest_wait, thread_sensitive=True)()
        if waited is None:
            return
        minutes = int(waited.total_seconds() // 60)
        if waited > self.fail_after:
            raise ServiceUnavailable(f"oldest waiting task has waited {minutes} min")
        if waited > self.warn_after:
            raise ServiceWarning(f"oldest waiting task has waited {minutes} min")


@dataclasses.dataclass
class SchedulerHeartbeat(HealthCheck):
    """How long ago the scheduler (`manage.py scheduler`) last ticked."""

    warn_after: datetime.timedelta = dataclasses.field(default=HEARTBEAT_WARN_AFTER, repr=False)
    fail_after: datetime.timedelta = dataclasses.field(default=HEARTBEAT_FAIL_AFTER, repr=False)
    kind: ClassVar[str] = Heartbeat.Kind.SCHEDULER
    hint: ClassVar[str] = "is `manage.py scheduler` running?"

    async def run(self):
        last_seen_at = await sync_to_async(self.last_seen_at, thread_sensitive=True)()
        if last_seen_at is None:
            if self.expected():
                raise ServiceWarning(f"never seen: {self.hint}")
            return
        waited = timezone.now() - last_seen_at
        detail = (
            f"last seen {int(waited.total_seconds() // 60)} min ago "
            f"at {timezone.localtime(last_seen_at):%H:%M:%S}: {self.hint}"
        )
        if waited > self.fail_after:
            raise ServiceUnavailable(detail)
        if waited > self.warn_after:
            raise ServiceWarning(detail)

    def last_seen_at(self):
        return Heartbeat.objects.last_seen_at(self.kind) if self.expected() else None

    def expected(self) -> bool:
        return True


@dataclasses.dataclass
class WorkerHeartbeat(SchedulerHeartbeat):
    """How long ago a task worker last ran the heartbeat task the scheduler enqueues
    every minute (db_worker has no hook of its own)."""

    kind: ClassVar[str] = Heartbeat.Kind.WORKER
    hint: ClassVar[str] = (
        "is `manage.py db_worker` running? (its heartbeat task comes from the scheduler)"
    )

    def expected(self) -> bool:
        from django_tasks_db.backend import DatabaseBackend

        # Tasks that run elsewhere, or at once, have no worker here to watch.
        return isinstance(task_backends["default"], DatabaseBackend)


def oldest_wait() -> datetime.timedelta | None:
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend = task_backends["default"]
    if not isinstance(backend, DatabaseBackend):
        return None  # Tasks run elsewhere (or at once): no queue here to watch.
    # A task is due when it was enqueued, or at its run_after when it has one.
    due_at = (
        DBTaskResult.objects.ready()
        .filter(backend_name=backend.alias)
        .annotate(
            due_at=Case(When(run_after=get_date_max(), then=F("enqueued_at")), default="run_after")
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return None if due_at is None else timezone.now() - due_at
