"""An open-loop load generator, run in its own process by the load test:

    python -m tests.faults.loadgen URL --rate 300 --signup-rate 50 --seconds 60 \
        --paths / /articles/x/ /feeds/latest/rss/ --out result.json

Requests go out on a fixed schedule whatever the server's speed, and each latency is
counted from the moment its request was due, so a slow server cannot hide its queue."""

import argparse
import http.client
import json
import queue
import threading
import time
from urllib.parse import urlencode, urlsplit


def schedule(args) -> list[tuple[float, str, str]]:
    """(due second, kind, path or address), in order."""
    reads = [
        (n / args.rate, "read", args.paths[n % len(args.paths)])
        for n in range(int(args.rate * args.seconds))
    ]
    signups = [
        (n / args.signup_rate, "signup", f"load-{n}@example.org")
        for n in range(int(args.signup_rate * args.seconds))
    ]
    return sorted(reads + signups)


def client(host, port, jobs, started, results, lock):
    connection = http.client.HTTPConnection(host, port, timeout=30)
    while (job := jobs.get()) is not None:
        due, kind, target = job
        try:
            if kind == "read":
                connection.request("GET", target)
            else:
                body = urlencode({"email": target})
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                connection.request("POST", "/newsletters/", body, headers)
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException):
            connection.close()
            status = 0
        latency_ms = (time.monotonic() - started - due) * 1000
        with lock:
            results.append((round(due, 3), kind, target, status, round(latency_ms, 1)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--signup-rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--paths", nargs="+", required=True)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    parts = urlsplit(args.url)
    jobs, results, lock = queue.Queue(), [], threading.Lock()
    started = time.monotonic()
    clients = [
        threading.Thread(
            target=client, args=(parts.hostname, parts.port, jobs, started, results, lock)
        )
        for _ in range(args.clients)
    ]
    for thread in clients:
        thread.start()
    for job in schedule(args):
        delay = started + job[0] - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        jobs.put(job)
    for _ in clients:
        jobs.put(None)
    for thread in clients:
        thread.join()
    with open(args.out, "w") as out:
        json.dump({"seconds": time.monotonic() - started, "results": results}, out)


if __name__ == "__main__":
    main()
