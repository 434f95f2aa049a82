"""A task the worker tests enqueue: it records each run in `fault_task_run`, a table the
test creates, so a task that runs twice shows up as two rows."""

import os

from django.db import connection
from django.tasks import task

RUNS_TABLE = "fault_task_run"


@task
def record_run(key: str):
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RUNS_TABLE} (run_key, pid) VALUES (%s, %s)",  # noqa: S608
            [key, os.getpid()],
        )


def enqueue(count: int) -> None:
    """Inside Django (`manage.py shell -c`): queue `count` tasks with distinct keys."""
    for n in range(count):
        record_run.enqueue(f"task-{n}")
