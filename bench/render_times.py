"""In-process render time and query count of each uncached page type, for bench.py:
`python bench/render_times.py` with DATABASE_URL set; prints JSON."""

import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ["PAGE_CACHE_SECONDS"] = "0"

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.pages import page_urls  # noqa: E402

SAMPLES = 100
client = Client()
results = {}
for name, url in page_urls().items():
    for _ in range(5):
        client.get(url)  # warm the process: templates, the nav and Latest News caches
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    results[name] = {
        "url": url,
        "ms": round(statistics.median(times) * 1000, 2),
        "queries": len(queries),
        "bytes": len(response.content),
    }
print(json.dumps(results))
