import io
import json
import logging
import re

import pytest
from django.contrib.auth import get_user_model

from tests.newsroom.test_settings import run_manage


@pytest.fixture
def log_lines():
    """What the console handler writes, as configured by LOGGING (JSON: DEBUG is off)."""
    (console,) = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    stream = io.StringIO()
    previous = console.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    console.setStream(previous)


def access_lines(lines):
    return [line for line in lines if line["logger"] == "operations.access"]


@pytest.mark.django_db
def test_a_request_logs_one_json_access_line(client, log_lines):
    response = client.get("/robots.txt")

    (line,) = access_lines(log_lines())
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/robots.txt"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["request_id"] == response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert "user_id" not in line
    assert line["time"]


@pytest.mark.django_db
def test_a_page_cache_hit_is_logged_too(client, log_lines, settings):
    settings.PAGE_CACHE_SECONDS = 600
    client.get("/robots.txt")
    client.get("/robots.txt")
    assert [line["status"] for line in access_lines(log_lines())] == [200, 200]


@pytest.mark.django_db
def test_a_safe_incoming_request_id_is_kept_and_echoed(client, log_lines):
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response["X-Request-ID"] == "lb-7f3a.42"
    assert access_lines(log_lines())[0]["request_id"] == "lb-7f3a.42"


@pytest.mark.parametrize("hostile", ["a b", "x\nforged line", "<script>", "x" * 200, ""])
@pytest.mark.django_db
def test_an_unsafe_incoming_request_id_is_replaced(client, hostile):
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID=hostile)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_staff_requests_carry_the_user_id(client, log_lines):
    editor = get_user_model().objects.create_user("editor", is_staff=True, password="x" * 12)
    client.force_login(editor)
    client.get("/admin/")
    (line,) = access_lines(log_lines())
    assert line["user_id"] == editor.pk


@pytest.mark.django_db
def test_a_task_enqueued_by_a_request_is_logged_with_both_ids(client, log_lines):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    lines = log_lines()

    (enqueued,) = [line for line in lines if line["message"].endswith(" enqueued")]
    assert enqueued["request_id"] == response["X-Request-ID"]
    task_id = enqueued["task_id"]
    # The task ran at once (the test queue): it started and finished once each.
    task_lines = [line for line in lines if line["logger"] == "django.tasks"]
    assert [line["message"].rsplit("state=")[1] for line in task_lines] == [
        "RUNNING",
        "SUCCESSFUL",
    ]
    assert all(task_id in line["message"] for line in task_lines)


def test_production_logs_are_json_lines():
    result = run_manage(
        "shell", "-c", "import logging; logging.getLogger('newsroom').warning('hello')"
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line | {"time": None} == {
        "time": None,
        "level": "WARNING",
        "logger": "newsroom",
        "message": "hello",
    }


def test_debug_logs_are_readable_lines_with_time_and_level():
    result = run_manage(
        "shell", "-c", "import logging; logging.getLogger('newsroom').warning('hello')", DEBUG="on"
    )
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING newsroom: hello",
        result.stderr.strip().splitlines()[-1],
    ), result.stderr


@pytest.mark.django_db
def test_health_probes_are_logged_only_when_they_fail(client, log_lines, settings):
    client.get("/healthz")
    client.get("/readyz")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.operations.test_health.BrokenStorage"},
    }
    client.get("/readyz")
    assert [(line["path"], line["status"]) for line in access_lines(log_lines())] == [
        ("/readyz", 503)
    ]
