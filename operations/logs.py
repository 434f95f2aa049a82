"""Logging: the request id, the task id and the access line.

A request's id (from a safe X-Request-ID header, else a new one) and a task's id live in
context variables, and a filter on the console handler adds them to every record, so
each line a request or a task logs can be found by its id. Tasks keep their signatures:
the line that enqueues a task carries both the request id and the task id, and every
line the worker logs while running that task carries the task id."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("task_id", default=None)

# A proxy's or a client's id is reused only when it cannot smuggle anything into a log.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# Load balancers probe these every few seconds: only their failures are worth a line.
QUIET_PATHS = frozenset({"/healthz", "/readyz"})

access_logger = logging.getLogger("operations.access")
tasks_logger = logging.getLogger("operations.tasks")


class ContextFilter(logging.Filter):
    """Adds request_id and task_id to every record logged while they are set."""

    def filter(self, record):
        for name, variable in (("request_id", request_id), ("task_id", task_id)):
            value = variable.get()
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        return True


class RequestLogMiddleware:
    """First in MIDDLEWARE: gives the request its id, echoes it in X-Request-ID and
    logs one line per request, pages served from the page cache included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            if request.path not in QUIET_PATHS or response.status_code >= 500:
                log_request(request, response, duration_ms)
            return response
        finally:
            request_id.reset(token)


def log_request(request, response, duration_ms: float) -> None:
    fields = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": duration_ms,
    }
    if user_id := staff_user_id(request):
        fields["user_id"] = user_id
    access_logger.info(
        "%s %s %s %s ms",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        extra={"request_id": request.id, **fields},
    )


def staff_user_id(request) -> int | None:
    # Only a user the view has already loaded (django.contrib.auth caches it on the
    # request): looking one up here would add queries to every page with a session.
    user = getattr(request, "_cached_user", None)
    return user.pk if user is not None and user.is_authenticated and user.is_staff else None


def connect_task_signals() -> None:
    from django.tasks.signals import task_enqueued, task_finished, task_started

    task_enqueued.connect(log_task_enqueued, dispatch_uid="operations.log_task_enqueued")
    task_started.connect(set_task_id, dispatch_uid="operations.set_task_id")
    task_finished.connect(clear_task_id, dispatch_uid="operations.clear_task_id")


def log_task_enqueued(sender, task_result, **kwargs):
    """The link between a request and the tasks it enqueued: this line carries both
    ids (the request's from the context filter)."""
    tasks_logger.info(
        "Task id=%s path=%s enqueued",
        task_result.id,
        task_result.task.module_path,
        extra={"task_id": str(task_result.id), "task": task_result.task.module_path},
    )


_task_tokens: dict[str, object] = {}


def set_task_id(sender, task_result, **kwargs):
    _task_tokens[task_result.id] = task_id.set(str(task_result.id))


def clear_task_id(sender, task_result, **kwargs):
    token = _task_tokens.pop(task_result.id, None)
    if token is not None:
        task_id.reset(token)
