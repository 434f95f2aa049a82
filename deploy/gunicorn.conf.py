"""Gunicorn for the app servers: `gunicorn -c deploy/gunicorn.conf.py newsroom.wsgi`.
Every value can be set from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One process per core: a page is CPU work (templates) once the database has answered.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
# Threads keep connections alive (sync workers close each one) and overlap database
# waits; measured faster than sync workers by `make bench` on cached pages.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 4))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# Restart workers now and then so a slow leak never builds up; jittered so they never
# all restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 100_000))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
# Import the app before forking: workers share its memory and start at once.
preload_app = True
# Several app servers may run on one machine (deploy/local-cluster.sh): no shared socket.
control_socket_disable = True
