"""/readyz watches the scheduler's and the task worker's heartbeats: a warning (still 200)
after 3 minutes without one, a failure (503) after 10."""

from datetime import timedelta

import pytest
from django.utils import timezone

from schedules.models import Heartbeat

pytestmark = pytest.mark.django_db

PROBE = {"HTTP_HOST": "10.0.0.5:8000"}


@pytest.fixture(autouse=True)
def _database_queue(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["news.example.org"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def beat(kind, *, minutes_ago):
    Heartbeat.objects.beat(kind, now=timezone.now() - timedelta(minutes=minutes_ago))


def readyz(client):
    response = client.get("/readyz", **PROBE)
    checks = response.json()["checks"]
    return response, checks["SchedulerHeartbeat"]["status"], checks["WorkerHeartbeat"]["status"]


def test_fresh_heartbeats_are_ok(client):
    beat(Heartbeat.Kind.SCHEDULER, minutes_ago=0)
    beat(Heartbeat.Kind.WORKER, minutes_ago=1)
    response, scheduler, worker = readyz(client)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert (scheduler, worker) == ("ok", "ok")


def test_a_heartbeat_older_than_three_minutes_warns(client):
    beat(Heartbeat.Kind.SCHEDULER, minutes_ago=0)
    beat(Heartbeat.Kind.WORKER, minutes_ago=4)
    response, scheduler, worker = readyz(client)
    assert response.status_code == 200
    assert response.json()["status"] == "warning"
    assert scheduler == "ok"
    assert worker.startswith("Warning: last seen 4 min ago")
    assert "manage.py db_worker" in worker


def test_a_heartbeat_older_than_ten_minutes_fails(client):
    beat(Heartbeat.Kind.SCHEDULER, minutes_ago=11)
    beat(Heartbeat.Kind.WORKER, minutes_ago=0)
    response, scheduler, worker = readyz(client)
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "last seen 11 min ago" in scheduler
    assert "manage.py scheduler" in scheduler
    assert worker == "ok"


def test_the_newest_heartbeat_of_a_kind_counts(client):
    beat(Heartbeat.Kind.SCHEDULER, minutes_ago=0)
    beat(Heartbeat.Kind.WORKER, minutes_ago=0)
    Heartbeat.objects.create(
        kind=Heartbeat.Kind.WORKER,
        host="old-box",
        pid=1,
        last_seen_at=timezone.now() - timedelta(hours=2),
    )
    assert readyz(client)[0].status_code == 200


def test_a_process_never_seen_is_a_warning(client):
    response, scheduler, worker = readyz(client)
    assert response.status_code == 200
    assert scheduler.startswith("Warning: never seen")
    assert worker.startswith("Warning: never seen")


def test_without_the_database_queue_there_is_no_worker_to_watch(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    beat(Heartbeat.Kind.SCHEDULER, minutes_ago=0)
    response, _, worker = readyz(client)
    assert response.status_code == 200
    assert worker == "ok"
