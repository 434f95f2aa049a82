import datetime
import socket

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.tasks import send_staff_password_reset
from schedules.models import Heartbeat

# What a load balancer sends: plain HTTP to the machine's own address.
PROBE = {"HTTP_HOST": "10.0.0.5:8000"}


@pytest.fixture(autouse=True)
def _production_guards(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["news.example.org"]


@pytest.fixture(autouse=True)
def _live_processes(request):
    """The scheduler and a worker have just beaten (tests/operations/test_heartbeats.py
    checks what happens when they have not)."""
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        Heartbeat.objects.beat(Heartbeat.Kind.SCHEDULER)
        Heartbeat.objects.beat(Heartbeat.Kind.WORKER)


def test_healthz_answers_ok_without_touching_anything(client):
    # No database mark: a query here would fail the test.
    response = client.get("/healthz", **PROBE)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_ok_when_every_service_is(client):
    response = client.get("/readyz", **PROBE)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "Database": "ok",
        "Cache": "ok",
        "Storage": "ok",
        "TaskQueue": "ok",
        "SchedulerHeartbeat": "ok",
        "WorkerHeartbeat": "ok",
    }
    assert "no-store" in response["Cache-Control"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def failing(response, check: str) -> str:
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["status"] == "unavailable"
    failed = {name for name, result in body["checks"].items() if result["status"] != "ok"}
    assert failed == {check}
    return body["checks"][check]["status"]


@pytest.mark.django_db
def test_readyz_fails_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/1",
        }
    }
    failing(client.get("/readyz", **PROBE), "Cache")


class BrokenStorage(FileSystemStorage):
    def _save(self, name, content):
        raise OSError(28, "No space left on device")


@pytest.mark.django_db
def test_readyz_fails_when_media_storage_cannot_be_written(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.operations.test_health.BrokenStorage"},
    }
    failing(client.get("/readyz", **PROBE), "Storage")


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def waiting_task(minutes: int) -> None:
    result = send_staff_password_reset.enqueue("editor@example.org")
    enqueued_at = timezone.now() - datetime.timedelta(minutes=minutes)
    DBTaskResult.objects.filter(id=result.id).update(enqueued_at=enqueued_at)


@pytest.mark.django_db
def test_readyz_fails_when_a_task_has_waited_too_long(client, database_queue):
    waiting_task(minutes=45)
    assert "waited 45 min" in failing(client.get("/readyz", **PROBE), "TaskQueue")


@pytest.mark.django_db
def test_readyz_warns_when_the_queue_is_behind_but_stays_ready(client, database_queue):
    waiting_task(minutes=10)
    response = client.get("/readyz", **PROBE)
    assert response.status_code == 200
    assert response.json()["status"] == "warning"
    assert "waited 10 min" in response.json()["checks"]["TaskQueue"]["status"]


@pytest.mark.django_db
def test_a_task_scheduled_for_later_is_not_waiting(client, database_queue):
    later = timezone.now() + datetime.timedelta(hours=1)
    result = send_staff_password_reset.using(run_after=later).enqueue("editor@example.org")
    DBTaskResult.objects.filter(id=result.id).update(
        enqueued_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert client.get("/readyz", **PROBE).json()["status"] == "ok"


def test_other_pages_still_refuse_unknown_hosts_and_plain_http(client):
    assert client.get("/robots.txt", **PROBE).status_code == 400
    assert client.get("/robots.txt", HTTP_HOST="news.example.org").status_code == 301
