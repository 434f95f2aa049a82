"""PostgreSQL restarts (`pg_ctl restart -m fast`) while readers load pages and
subscribers sign up through the app server: no committed signup is lost (a signup is
committed with its task row, which the worker turns into a subscriber), readers get 503
with Retry-After rather than 500 in the gap, and the site answers again within 10 s."""

import os
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from tests.faults.site import seed_site, site_environment, start_app_server, stop
from tests.faults.support import recorded_signups
from tests.figures import record

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not os.environ.get("PG_DATA"), reason="needs the cluster of bin/with-postgres to restart"
    ),
]


def restart_postgres() -> None:
    as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    data = os.environ["PG_DATA"]
    # The server's output goes to its log: a pipe would stay open as long as it runs.
    subprocess.run(
        [
            *as_owner,
            *(f"{os.environ['PG_BIN']}/pg_ctl", "-D", data, "-l", f"{data}/../server.log"),
            *("restart", "-m", "fast", "-w", "-t", "60"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class Traffic:
    """Reader and signup threads; every answer is recorded with its time."""

    def __init__(self, url: str, paths: list[str]):
        self.url, self.paths = url, paths
        self.stopping = threading.Event()
        self.answers: list[tuple[float, str, int, str]] = []  # time, kind, status, Retry-After
        self.committed_signups: list[str] = []
        self.lock = threading.Lock()

    def request(self, kind, path, data=None):
        request = urllib.request.Request(self.url + path, data=data)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, retry_after = response.status, response.headers.get("Retry-After", "")
                response.read()
        except urllib.error.HTTPError as error:
            status, retry_after = error.code, error.headers.get("Retry-After", "")
        except (urllib.error.URLError, ConnectionError) as error:
            status, retry_after = 0, str(error)
        with self.lock:
            self.answers.append((time.monotonic(), kind, status, retry_after))
        return status

    def read(self):
        n = 0
        while not self.stopping.is_set():
            self.request("read", self.paths[n % len(self.paths)])
            n += 1

    def sign_up(self, who: int):
        n = 0
        while not self.stopping.is_set():
            address = f"reader-{who}-{n}@example.org"
            data = urllib.parse.urlencode({"email": address}).encode()
            # urllib follows the redirect to the check-your-inbox page.
            if self.request("signup", "/newsletters/", data) == 200:
                with self.lock:
                    self.committed_signups.append(address)
            n += 1
            time.sleep(0.02)

    def run(self, readers=4, signers=2):
        threads = [threading.Thread(target=self.read) for _ in range(readers)]
        threads += [threading.Thread(target=self.sign_up, args=[n]) for n in range(signers)]
        for thread in threads:
            thread.start()
        return threads


def test_readers_get_503_and_signups_survive_a_postgres_restart(tmp_path, database_url):
    env = site_environment(database_url, 1, tmp_path, PAGE_CACHE_SECONDS=0)
    paths = seed_site(env, database_url)
    log = (tmp_path / "app-server.log").open("w")
    server, url = start_app_server(env, log, workers=2)
    traffic = Traffic(url, paths)
    try:
        threads = traffic.run()
        time.sleep(2)
        restart_started = time.monotonic()
        restart_postgres()
        restarted = time.monotonic()
        time.sleep(8)
        traffic.stopping.set()
        for thread in threads:
            thread.join()
    finally:
        stop(server)
        log.close()

    statuses = Counter(status for _, _, status, _ in traffic.answers)
    during_or_after = [a for a in traffic.answers if a[0] >= restart_started]
    unavailable = [a for a in during_or_after if a[2] == 503]
    answered_after = [m for m, _, status, _ in traffic.answers if m > restarted and status == 200]
    first_good_after = min(answered_after, default=None)
    stored = recorded_signups(database_url)
    lost = set(traffic.committed_signups) - stored
    recovery = None if first_good_after is None else round(first_good_after - restarted, 2)
    record(
        "pg_restart_signups_committed",
        len(traffic.committed_signups),
        pg_restart_signups_lost=len(lost),
        pg_restart_unavailable_answers=len(unavailable),
        pg_restart_server_errors=sum(n for code, n in statuses.items() if code >= 500)
        - statuses[503],
        pg_restart_recovery_seconds=recovery,
    )
    assert statuses[200] > 100, statuses
    assert set(statuses) <= {200, 503}, f"Only pages or 503s, never a 500: {statuses}"
    assert unavailable, "Some requests fell in the gap"
    assert all(retry_after == "10" for *_, retry_after in unavailable)
    assert traffic.committed_signups and not lost, f"Committed signups lost: {sorted(lost)[:5]}"
    assert recovery is not None and recovery < 10
    # Once back, it stays back: the last seconds are all answered.
    assert all(status == 200 for moment, _, status, _ in traffic.answers if moment > restarted + 5)
