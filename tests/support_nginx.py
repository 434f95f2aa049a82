"""nginx with the project's deploy/nginx.conf in front of a test's server, its @…@
placeholders filled in as deploy/local-cluster.sh and bench/bench.py fill them. Tests
that need it skip when nginx is not installed, and fail with CI=true."""

import getpass
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsletter.loadtest import BASE_DIR, free_port

CONFIG = BASE_DIR / "deploy" / "nginx.conf"


def require_nginx() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if os.access(nginx, os.X_OK):
        return nginx
    if os.environ.get("CI") == "true":
        pytest.fail("nginx is required in CI (apt-get install nginx-light)")
    pytest.skip("nginx is not installed (apt-get install nginx-light)")


def nginx_config(prefix: Path, *, listen: str, upstream: str) -> str:
    config = CONFIG.read_text()
    for placeholder, value in {
        "@USER@": getpass.getuser(),
        "@PREFIX@": str(prefix),
        "@LISTEN@": listen,
        "@STATIC_ROOT@": str(prefix / "static"),
        "@MEDIA_ROOT@": str(prefix / "media"),
        "@UPSTREAMS@": f"server {upstream};",
    }.items():
        config = config.replace(placeholder, value)
    unfilled = re.search(r"@[A-Z_]+@", config)
    assert not unfilled, f"{unfilled.group()} of deploy/nginx.conf is not filled in here"
    return config


@contextmanager
def running_nginx(upstream_url: str, prefix: Path) -> Iterator[str]:
    """nginx in front of the server at `upstream_url` (a live server's) until the block
    ends; yields nginx's URL."""
    nginx = require_nginx()
    server = urlsplit(upstream_url)
    upstream = f"{socket.gethostbyname(server.hostname)}:{server.port}"
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config, log = prefix / "nginx.conf", prefix / "error.log"
    config.write_text(nginx_config(prefix, listen=f"127.0.0.1:{port}", upstream=upstream))
    process = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(config), "-e", str(log)])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "nginx did not start: " + (log.read_text() if log.exists() else "")
                    ) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch(base_url: str, path: str, headers: dict | None = None) -> tuple[int, str, bytes]:
    """GET `path` with exactly these headers (Host included): the status, nginx's
    X-Cache (HIT, MISS, …) and the body."""
    server = urlsplit(base_url)
    connection = http.client.HTTPConnection(server.hostname, server.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("X-Cache", ""), response.read()
    finally:
        connection.close()
