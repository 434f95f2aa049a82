"""The site as production runs it, for the fault and load tests: the app server
(deploy/app-server) on a loopback port against a throwaway database seeded by
`seed_bench`, and the task worker beside it."""

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from newsletter.loadtest import BASE_DIR, environment, free_port, manage, query

APP_SERVER = BASE_DIR / "deploy" / "app-server"


def site_environment(database_url: str, smtp_port: int, tmp_path: Path, **overrides) -> dict:
    return environment(
        database_url,
        smtp_port,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="off",
        SECURE_COOKIES="off",
        SECURE_HSTS_SECONDS=0,
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        STATIC_ROOT=tmp_path / "static",
        MEDIA_ROOT=tmp_path / "media",
        # One reader address sends everything here: the limits are for the real world.
        NEWSLETTER_SIGNUP_RATE_IP="1000000/h",
        NEWSLETTER_CONFIRMATIONS_PER_DOMAIN_HOUR=1_000_000,
        **overrides,
    )


def seed_site(env: dict, database_url: str, *, articles: int = 200) -> list[str]:
    """Migrate and seed; the paths readers load: front page, an article, the feed."""
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "seed_bench", "--articles", str(articles))
    [(slug,)] = query(
        database_url,
        "SELECT slug FROM articles_article WHERE status = 'published' "
        "ORDER BY published_at DESC LIMIT 1",
    )
    return ["/", f"/articles/{slug}/", "/feeds/latest/rss/"]


def start_app_server(env: dict, log, *, workers: int = 2) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [str(APP_SERVER)],
        env={**env, "GRANIAN_PORT": str(port), "GRANIAN_WORKERS": str(workers)},
        cwd=BASE_DIR,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=5):
                return server, url
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("the app server did not start") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen | None) -> None:
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_redis(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    """A Redis for the page cache that every app server process shares, as in production."""
    port = free_port()
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return redis, f"redis://127.0.0.1:{port}/0"
        except OSError:
            if redis.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.1)
