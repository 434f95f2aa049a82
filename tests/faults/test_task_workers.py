"""Two real task workers (`manage.py db_worker`) on one queue: every task runs exactly
once. On SQLite, with a third process holding the write lock again and again, a worker
waits for "database is locked" to clear and loses nothing."""

import sqlite3
import threading
import time

import pytest

from newsletter.loadtest import environment, manage, query, start_worker
from tests.faults.tasks import RUNS_TABLE
from tests.figures import record

pytestmark = pytest.mark.faults
TASKS = 200


class SQLiteLockHolder(threading.Thread):
    """Another writer on the same file: takes the write lock for 50 ms at a time."""

    def __init__(self, path: str):
        super().__init__(daemon=True)
        self.path, self.stopping, self.writes = path, threading.Event(), 0

    def run(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("CREATE TABLE IF NOT EXISTS lock_holder (n INTEGER)")
        while not self.stopping.is_set():
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO lock_holder VALUES (1)")
            time.sleep(0.05)
            db.execute("COMMIT")
            self.writes += 1
            time.sleep(0.01)
        db.close()


@pytest.fixture(params=["sqlite", "server"])
def tasks_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tasks.sqlite3'}"
    url = request.getfixturevalue("database_url")
    if not url.startswith("postgres"):
        pytest.skip("the server-database case runs on PostgreSQL (make test-faults)")
    return url


def test_two_workers_run_each_task_once(tmp_path, tasks_database_url):
    env = environment(tasks_database_url, 1)
    manage(env, "migrate", "--verbosity", "0")
    query(tasks_database_url, f"CREATE TABLE {RUNS_TABLE} (run_key VARCHAR(50), pid INTEGER)")
    manage(env, "shell", "-c", f"from tests.faults.tasks import enqueue; enqueue({TASKS})")
    lock_holder = None
    if tasks_database_url.startswith("sqlite"):
        lock_holder = SQLiteLockHolder(tasks_database_url.removeprefix("sqlite:///"))
        lock_holder.start()
    with (tmp_path / "workers.log").open("w") as log:
        workers = [start_worker(env, "--batch", log=log) for _ in range(2)]
        exit_codes = [worker.wait(timeout=300) for worker in workers]
    if lock_holder:
        lock_holder.stopping.set()
        lock_holder.join()

    runs = query(tasks_database_url, f"SELECT run_key, pid FROM {RUNS_TABLE}")  # noqa: S608
    statuses = dict(
        query(
            tasks_database_url,
            "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status",
        )
    )
    keys = [key for key, _ in runs]
    duplicated = len(keys) - len(set(keys))
    lost = TASKS - len(set(keys))
    if lock_holder:
        record("sqlite_lock_writes_lost", lost)
    else:
        record("double_run_tasks", duplicated)
    assert exit_codes == [0, 0], (tmp_path / "workers.log").read_text()[-3000:]
    assert statuses == {"SUCCESSFUL": TASKS}
    assert duplicated == 0, "No task ran twice"
    assert lost == 0, "Every task ran"
    assert len({pid for _, pid in runs}) == 2, "Both workers took tasks from the queue"
    if lock_holder:
        assert lock_holder.writes > 10, "The other writer really held the lock meanwhile"
