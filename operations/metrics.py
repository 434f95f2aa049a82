"""Prometheus metrics at /metrics, for the monitoring system and nobody else.

Two kinds of figure. Those a process counts as it goes (request latency by view, page-cache
hits and misses, PDFs rendered) live in prometheus_client's metrics: with several granian
workers each process holds only its own share, so set PROMETHEUS_MULTIPROC_DIR (the same
empty directory for the web processes and the task worker) and every scrape adds up all of
them. Those the database knows (the task queue, emails by delivery status, donations and
PDFs by status) are counted when scraped, so any one process answers them whole.

The page answers an address in METRICS_ALLOWED_NETWORKS (as newsroom.security.client_ip
sees it) or a request bearing METRICS_TOKEN; anyone else gets the site's 404."""

import functools
import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import add_never_cache_headers
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from newsroom.security import client_ip

METRICS_PATH = "/metrics"
# A page-cache hit takes well under a millisecond; a PDF page or a search, a second.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# Counting a large deliveries table takes a moment: two monitoring servers scraping every
# few seconds share one count.
DATABASE_FIGURES_SECONDS = 15
DATABASE_FIGURES_KEY = "operations:metrics:database"

REQUEST_LATENCY = Histogram(
    "newsroom_request_duration_seconds",
    "Time from the request reaching Django to its response, by URL name.",
    ["view"],
    buckets=LATENCY_BUCKETS,
)
PAGE_CACHE_REQUESTS = Counter(
    "newsroom_page_cache_requests",
    "Cacheable requests for readers' pages, by whether the page cache held the page.",
    ["result"],
)
PDFS_RENDERED = Counter("newsroom_pdfs_rendered", "Print PDFs rendered and stored.")


def page_cache_hit() -> None:
    PAGE_CACHE_REQUESTS.labels("hit").inc()


def page_cache_miss() -> None:
    PAGE_CACHE_REQUESTS.labels("miss").inc()


def pdf_rendered() -> None:
    PDFS_RENDERED.inc()


class MetricsMiddleware:
    """Second in MIDDLEWARE, after the request log: times every request, page-cache hits
    and health probes included, and answers an allowed scrape of /metrics before the SSL
    redirect and ALLOWED_HOSTS (a monitoring server scrapes the machine's own address over
    plain HTTP). A scrape that is not allowed goes on to the URL, and its 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == METRICS_PATH:
            if request.method in ("GET", "HEAD") and is_allowed(request):
                return metrics_response()
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_LATENCY.labels(view_name(request)).observe(time.perf_counter() - started)
        return response


def view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    # Page-cache hits and health probes are answered before the URL is resolved.
    return resolved_view_name(get_urlconf(), request.path_info)


@functools.lru_cache(maxsize=2048)
def resolved_view_name(urlconf, path: str) -> str:
    # Bounded: a stranger requesting endless made-up paths only pushes others out.
    try:
        return resolve(path, urlconf).view_name
    except Resolver404:
        return "unmatched"


def is_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            offered.strip().encode(), token.encode()
        ):
            return True
    if "HTTP_X_FORWARDED_FOR" in request.META and settings.TRUSTED_PROXY_COUNT <= 0:
        # A proxy we were not told about (nginx on this machine, say) forwarded this: its
        # own loopback address says nothing about who is asking.
        return False
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in allowed_networks())


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS]


def metrics_response() -> HttpResponse:
    body = generate_latest(process_registry()) + generate_latest(DatabaseCollector())
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response


def process_registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def metrics(request):
    """Reached only by a scrape MetricsMiddleware did not answer (or with the middleware
    left out of MIDDLEWARE)."""
    if not is_allowed(request):
        raise Http404
    return metrics_response()


class DatabaseCollector:
    """Gauges counted from the database at scrape time."""

    def collect(self):
        figures = cache.get(DATABASE_FIGURES_KEY)
        if figures is None:
            figures = database_figures()
            cache.set(DATABASE_FIGURES_KEY, figures, DATABASE_FIGURES_SECONDS)
        depth = GaugeMetricFamily(
            "newsroom_task_queue_depth", "Tasks waiting for a worker that could run now."
        )
        depth.add_metric([], figures["task_queue_depth"])
        yield depth
        age = GaugeMetricFamily(
            "newsroom_task_queue_oldest_age_seconds",
            "How long the oldest task that could run has waited for a worker (0: none).",
        )
        age.add_metric([], figures["task_queue_oldest_age_seconds"])
        yield age
        for name, documentation, key in (
            ("newsroom_email_deliveries", "Newsletter emails by delivery status.", "deliveries"),
            ("newsroom_donations", "Donations by status.", "donations"),
            ("newsroom_print_pdfs", "Print PDFs by status.", "print_pdfs"),
        ):
            family = GaugeMetricFamily(name, documentation, labels=["status"])
            for status, count in figures[key].items():
                family.add_metric([status], count)
            yield family


def database_figures() -> dict:
    from django.tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from donations.models import Donation
    from issues.models import PrintPdf
    from newsletter.models import Delivery
    from operations.checks import oldest_wait

    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        depth = DBTaskResult.objects.ready().filter(backend_name=backend.alias).count()
    else:
        depth = 0  # Tasks run elsewhere (or at once): no queue here to watch.
    waited = oldest_wait()
    return {
        "task_queue_depth": depth,
        "task_queue_oldest_age_seconds": waited.total_seconds() if waited else 0.0,
        "deliveries": count_by_status(Delivery),
        "donations": count_by_status(Donation),
        "print_pdfs": count_by_status(PrintPdf),
    }


def count_by_status(model) -> dict[str, int]:
    # Every status appears, at 0 when no row has it, so a rate or an alert never sees a gap.
    counts = dict.fromkeys(model.Status.values, 0)
    rows = model._base_manager.order_by().values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts
