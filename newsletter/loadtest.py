"""Run the real task worker against a throwaway database and a local SMTP sink: used by
the kill-and-restart test and by `make bench-newsletter`.

    python -m newsletter.loadtest --subscribers 100000

Everything Django runs in subprocesses (`manage.py migrate`, `shell`, `db_worker`) with
their own environment, so this works beside a test run and never touches var/db.sqlite3.
Needs aiosmtpd (a dev dependency)."""

import argparse
import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


class SinkHandler:
    """An SMTP server's DATA handler that counts messages per recipient."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.received = Counter()
        self.total = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.update(envelope.rcpt_tos)
            self.total += 1
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sink(delay: float = 0.0):
    from aiosmtpd.controller import Controller

    handler = SinkHandler(delay)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, handler


def environment(database_url: str, smtp_port: int, **overrides) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_TIMEOUT": "10",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "loadtest-only-secret-key",
        "DEBUG": "off",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "SITE_URL": "https://news.example.org",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [*MANAGE, *args], env=env, cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare(env: dict, subscribers: int) -> int:
    """Migrate, create the subscribers and an edition, and queue it. Returns its id."""
    manage(env, "migrate", "--verbosity", "0")
    out = manage(env, "shell", "-c", f"from newsletter.loadtest import seed; seed({subscribers})")
    return int(out.strip().splitlines()[-1])


def seed(count: int) -> None:
    """Inside Django: `count` confirmed subscribers of the default newsletter, a few
    articles, and a drafted edition handed to send_edition (which queues the task)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from articles.models import Article, Section
    from newsletter.models import Newsletter, Subscriber, Subscription
    from newsletter.services import draft_edition, send_edition

    newsletter = Newsletter.objects.get(slug=settings.NEWSLETTER_DEFAULT_SLUG)
    now = timezone.now()
    section, _ = Section.objects.get_or_create(slug="news", defaults={"name": "News"})
    for n in range(6):
        Article.objects.create(
            headline=f"Strike wave spreads to town {n}",
            standfirst="Workers walk out as the cost of living bites, and the bosses panic.",
            body="<p>Story.</p>",
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=10 + n),
        )
    chunk = 5000
    for start in range(0, count, chunk):
        subscribers = Subscriber.objects.bulk_create(
            Subscriber(email=f"reader{n}@example.test", confirmed_at=now)
            for n in range(start, min(start + chunk, count))
        )
        Subscription.objects.bulk_create(
            Subscription(
                subscriber=subscriber, newsletter=newsletter, status=Subscription.Status.ACTIVE
            )
            for subscriber in subscribers
        )
    edition = draft_edition(newsletter, now=now)
    send_edition(edition)
    print(edition.pk)


def start_worker(env: dict, *extra: str, log=None) -> subprocess.Popen:
    """`manage.py db_worker`; its log goes to the open file `log` (a pipe could fill up
    and stall it)."""
    return subprocess.Popen(  # noqa: S603
        [*MANAGE, "db_worker", "--interval", "0.05", "--no-startup-delay", "--no-reload", *extra],
        env=env,
        cwd=BASE_DIR,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )


def query(database_url: str, sql: str, params=()) -> list[tuple]:
    """Read the throwaway database directly, without configuring Django here."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        cursor = db.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def delivery_statuses(database_url: str) -> dict[str, str]:
    return dict(
        query(
            database_url,
            "SELECT s.email, d.status FROM newsletter_delivery d "
            "JOIN newsletter_subscriber s ON s.id = d.subscriber_id",
        )
    )


def edition_status(database_url: str, edition_id: int) -> str:
    return query(
        database_url, "SELECT status FROM newsletter_edition WHERE id = %s", (edition_id,)
    )[0][0]


def wait_for(condition, *, timeout: float, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("Gave up waiting")
        time.sleep(interval)


def send_killing_the_worker(
    env: dict, database_url: str, edition_id: int, sink, *, kills: int, recipients: int, log
) -> None:
    """Run the worker as a deployment does (`resume_sending`, then `db_worker`), SIGKILL it
    `kills` times at even points of the send, then let a last one finish the edition."""
    worker = None
    try:
        for _ in range(kills):
            manage(env, "resume_sending")
            worker = start_worker(env, log=log)
            target = sink.total + recipients // (kills + 2)
            wait_for(lambda target=target: sink.total >= target, timeout=60 + recipients / 50)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        manage(env, "resume_sending")
        worker = start_worker(env, log=log)
        wait_for(
            lambda: edition_status(database_url, edition_id) == "sent",
            timeout=90 + recipients / 50,
            interval=0.2,
        )
    finally:
        if worker and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)


def benchmark(subscribers: int, database_url: str | None = None) -> dict:
    """Send one edition to `subscribers` addresses with one worker; measure it."""
    with tempfile.TemporaryDirectory() as tmp:
        database_url = database_url or f"sqlite:///{tmp}/bench.sqlite3"
        controller, sink = start_sink()
        try:
            env = environment(database_url, controller.port)
            started = time.monotonic()
            prepare(env, subscribers)
            prepared = time.monotonic()
            log_path = Path(tmp) / "worker.log"
            with log_path.open("w") as log:
                worker = start_worker(env, "--batch", log=log)
                _, status, usage = os.wait4(worker.pid, 0)
            finished = time.monotonic()
            if os.waitstatus_to_exitcode(status):
                raise RuntimeError(log_path.read_text()[-3000:])
        finally:
            controller.stop()
    seconds = finished - prepared
    return {
        "subscribers": subscribers,
        "delivered": sink.total,
        "duplicates": sum(1 for n in sink.received.values() if n > 1),
        "prepare_seconds": round(prepared - started, 1),
        "send_seconds": round(seconds, 1),
        "messages_per_second": round(sink.total / seconds, 1),
        "worker_peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    print(f"CPUs: {os.cpu_count()}, load average: {os.getloadavg()}")
    for count in args.subscribers:
        result = benchmark(count, args.database_url)
        print(" ".join(f"{key}={value}" for key, value in result.items()), flush=True)
        if result["delivered"] != count or result["duplicates"]:
            sys.exit("Benchmark run lost or duplicated messages")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
