# ruff: noqa: S603, S607, S310 - a driver of local tools on loopback URLs
"""`make bench`: seed PostgreSQL, then load each public page type with wrk (a separate
load-generator process on loopback) from Django with its page cache cold (off) and warm,
through nginx's front cache, and the same article's HTML as a static file served by
nginx, which is the limit. Django runs under the production app server (deploy/app-server,
granian); the article page is also loaded from gunicorn, gthread and sync with the same
workers, for comparison. Prints a Markdown table and writes it to var/bench.md.

Run inside bin/with-postgres (the Makefile does). Environment: BENCH_ARTICLES (200000),
BENCH_SUBSCRIBERS (100000), BENCH_SECONDS per wrk run (4), BENCH_CONNECTIONS (16);
GRANIAN_BLOCKING_THREADS (1, deploy/app-server's default) sets granian's threads and
GTHREAD_THREADS (4) gunicorn gthread's."""

import getpass
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python")
ARTICLES = int(os.environ.get("BENCH_ARTICLES", 200_000))
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", 100_000))
SECONDS = int(os.environ.get("BENCH_SECONDS", 4))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 16))
SMALL_ARTICLES = 1000
WORKERS = os.cpu_count() or 1
REPEATS = 3
WARM_UP_SECONDS = 1
THREADS = int(os.environ.get("GRANIAN_BLOCKING_THREADS", 1))
GTHREAD_THREADS = int(os.environ.get("GTHREAD_THREADS", 4))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, env, **kwargs):
    return subprocess.run(args, env=env, check=True, cwd=ROOT, **kwargs)


def wait_for(url):
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def wrk(url, seconds=SECONDS) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    if len(latency) < 2:
        raise SystemExit(f"wrk got no answers from {url}:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": to_ms(latency["50"]),
        "p99": to_ms(latency["99"]),
        "errors": int(errors.group(1)) if errors else 0,
    }


def median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


def main():
    work = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    processes = []
    try:
        env = {
            **os.environ,
            "SECRET_KEY": "bench-only-secret-key",
            "DEBUG": "off",
            "SECURE_SSL_REDIRECT": "off",
            "SECURE_COOKIES": "off",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "STATIC_ROOT": str(work / "static"),
            "MEDIA_ROOT": str(work / "media"),
            "LOG_LEVEL": "WARNING",
        }
        # Each app server process keeps its own page cache in memory (the default
        # CACHE_URL): the figures are one machine's, without a network hop to Redis.
        env["CACHE_URL"] = "locmemcache://bench"
        small = {**env, "DATABASE_URL": env["DATABASE_URL"].rsplit("/", 1)[0] + "/bench_small"}
        run("createdb", "bench_small", env=env)
        print(f"Seeding {SMALL_ARTICLES} and {ARTICLES} articles…", flush=True)
        for database, articles, subscribers in (
            (small, SMALL_ARTICLES, 0),
            (env, ARTICLES, SUBSCRIBERS),
        ):
            run(PYTHON, "manage.py", "migrate", "--no-input", "-v0", env=database)
            started = time.monotonic()
            run(
                PYTHON,
                "manage.py",
                "seed_bench",
                "--articles",
                str(articles),
                "--subscribers",
                str(subscribers),
                env=database,
                stdout=subprocess.DEVNULL,
            )
            print(
                f"  {articles} articles, {subscribers} subscribers:",
                f"{time.monotonic() - started:.0f} s",
            )
        run(PYTHON, "manage.py", "collectstatic", "--no-input", "-v0", env=env)

        print("Rendering in-process…", flush=True)
        renders = {}
        for label, database in (("small", small), ("large", env)):
            out = run(PYTHON, "bench/render_times.py", env=database, capture_output=True, text=True)
            renders[label] = json.loads(out.stdout.strip().splitlines()[-1])

        ports = {"warm": free_port(), "cold": free_port()}
        # What production ran before granian, for comparison: gunicorn's threaded and
        # plain (one request per process at a time, no keep-alive) workers.
        gunicorn_ports = {
            (worker_class, mode): free_port()
            for worker_class in ("gthread", "sync")
            for mode in ports
        }
        for mode in ports:
            app_env = {**env, "PAGE_CACHE_SECONDS": "600" if mode == "warm" else "0"}
            with open(work / f"{mode}.log", "w") as log:
                processes.append(
                    subprocess.Popen(
                        [str(ROOT / "deploy/app-server")],
                        cwd=ROOT,
                        env={
                            **app_env,
                            "GRANIAN_PORT": str(ports[mode]),
                            "GRANIAN_WORKERS": str(WORKERS),
                            "GRANIAN_BLOCKING_THREADS": str(THREADS),
                        },
                        stdout=log,
                        stderr=log,
                    )
                )
        for (worker_class, mode), port in gunicorn_ports.items():
            processes.append(
                subprocess.Popen(
                    [
                        str(ROOT / ".venv/bin/gunicorn"),
                        "newsroom.wsgi",
                        *("--bind", f"127.0.0.1:{port}"),
                        *("--workers", str(WORKERS)),
                        *("--worker-class", worker_class),
                        # More than one thread would turn a sync worker into gthread.
                        *("--threads", str(GTHREAD_THREADS if worker_class == "gthread" else 1)),
                        *("--keep-alive", "5"),
                        "--preload",
                        # Several gunicorns here: no shared control socket.
                        "--no-control-socket",
                        *("--error-logfile", str(work / f"gunicorn-{worker_class}-{mode}.log")),
                    ],
                    cwd=ROOT,
                    env={**env, "PAGE_CACHE_SECONDS": "600" if mode == "warm" else "0"},
                )
            )
        for port in (*ports.values(), *gunicorn_ports.values()):
            wait_for(f"http://127.0.0.1:{port}/")

        pages = renders["large"]
        article_html = urllib.request.urlopen(
            f"http://127.0.0.1:{ports['warm']}{pages['article']['url']}"
        ).read()
        (work / "www").mkdir()
        (work / "www" / "article.html").write_bytes(article_html)
        nginx_port = free_port()
        (work / "nginx").mkdir()
        config = (ROOT / "deploy/nginx.conf").read_text()
        for placeholder, value in {
            "@USER@": getpass.getuser(),
            "@PREFIX@": str(work / "nginx"),
            "@LISTEN@": f"127.0.0.1:{nginx_port}",
            "@STATIC_ROOT@": env["STATIC_ROOT"],
            "@MEDIA_ROOT@": env["MEDIA_ROOT"],
            "@UPSTREAMS@": f"server 127.0.0.1:{ports['warm']};",
        }.items():
            config = config.replace(placeholder, value)
        config = config.replace(
            "location /static/ {",
            f"location /bench/ {{ alias {work / 'www'}/; }}\n        location /static/ {{",
            1,
        )
        (work / "nginx" / "nginx.conf").write_text(config)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        processes.append(
            subprocess.Popen(
                [
                    nginx,
                    "-p",
                    str(work / "nginx"),
                    "-c",
                    str(work / "nginx" / "nginx.conf"),
                    "-e",
                    str(work / "nginx" / "error.log"),
                ]
            )
        )
        wait_for(f"http://127.0.0.1:{nginx_port}/bench/article.html")

        print(f"Loading with wrk: {CONNECTIONS} connections, {SECONDS} s each…", flush=True)
        # The goal is a ratio of these two, within a single run's noise here: each is
        # loaded REPEATS times, alternately, and its median run kept.
        static_runs, front_cache_runs = [], []
        article_through_nginx = f"http://127.0.0.1:{nginx_port}{pages['article']['url']}"
        urllib.request.urlopen(article_through_nginx).read()
        for _ in range(REPEATS):
            static_runs.append(wrk(f"http://127.0.0.1:{nginx_port}/bench/article.html"))
            front_cache_runs.append(wrk(article_through_nginx))
        static = median_run(static_runs)
        rows = [(f"article HTML as a static file (nginx), median of {REPEATS}", static)]
        servers = [
            ("Django, page cache off", f"http://127.0.0.1:{ports['cold']}"),
            ("Django, page cache warm", f"http://127.0.0.1:{ports['warm']}"),
            ("nginx front cache", f"http://127.0.0.1:{nginx_port}"),
        ]
        gunicorn = [
            (
                f"gunicorn {worker_class}, page cache {'warm' if mode == 'warm' else 'off'}",
                f"http://127.0.0.1:{port}",
            )
            for (worker_class, mode), port in gunicorn_ports.items()
        ]
        for name, page in pages.items():
            for label, base in servers + (gunicorn if name == "article" else []):
                if base + page["url"] == article_through_nginx:
                    rows.append(
                        (f"{name}: {label}, median of {REPEATS}", median_run(front_cache_runs))
                    )
                    continue
                # Every worker process and its database connection warmed up (templates
                # compiled, queries prepared) before the measured run, as in steady use.
                wrk(base + page["url"], seconds=WARM_UP_SECONDS)
                rows.append((f"{name}: {label}", wrk(base + page["url"])))
        print_table(rows, static, renders, work)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


def print_table(rows, static, renders, work):
    lines = [
        f"Benchmark: {ARTICLES:,} articles, {SUBSCRIBERS:,} subscribers, PostgreSQL, page cache "
        "in process memory, "
        f"DEBUG off, granian (WSGI, {WORKERS} workers, {THREADS} blocking thread"
        f"{'s' if THREADS > 1 else ''} each; the "
        f"gunicorn rows: {WORKERS} workers, gthread with {GTHREAD_THREADS} threads each or sync), "
        f"wrk {CONNECTIONS} connections {SECONDS} s per row after {WARM_UP_SECONDS} s unmeasured, "
        f"{os.cpu_count()} cores shared by everything.",
        "",
        "| Page | req/s | p50 ms | p99 ms | ratio to static |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        errors = f" ({r['errors']} errors)" if r["errors"] else ""
        lines.append(
            f"| {name}{errors} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
            f"{r['rps'] / static['rps']:.3f} |"
        )
    lines += [
        "",
        f"Uncached render in-process (median of 100; queries) at {SMALL_ARTICLES:,} and "
        f"{ARTICLES:,} articles:",
        "",
        f"| Page | ms at {SMALL_ARTICLES:,} | ms at {ARTICLES:,} | ratio | queries |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, large in renders["large"].items():
        small = renders["small"][name]
        lines.append(
            f"| {name} | {small['ms']:.2f} | {large['ms']:.2f} | "
            f"{large['ms'] / small['ms']:.2f} | {large['queries']} |"
        )
    table = "\n".join(lines)
    print(table)
    out = ROOT / "var" / "bench.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(table + "\n")
    write_into_readme(table)
    print(f"\nWritten to {out} and README.md")


def write_into_readme(table: str) -> None:
    """Replace the figures between the README's bench markers with this run's."""
    readme = ROOT / "README.md"
    start, end = "<!-- make bench: start -->", "<!-- make bench: end -->"
    text = readme.read_text()
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    dated = f"Measured {time.strftime('%Y-%m-%d')}. {table}"
    readme.write_text(f"{before}{start}\n{dated}\n{end}{after}")


if __name__ == "__main__":
    sys.exit(main())
