from django.tasks import task

from schedules.models import Heartbeat


@task
def record_worker_heartbeat():
    """Enqueued by the scheduler every minute: that a worker ran it, and when, is the
    worker's heartbeat (db_worker has no hook of its own for one)."""
    Heartbeat.objects.beat(Heartbeat.Kind.WORKER)
