import datetime
import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from issues import services
from issues.models import PrintPdf
from newsletter.models import Delivery, Edition, Newsletter, Subscriber
from newsroom.tasks import send_staff_password_reset
from tests.donations.conftest import make_donation
from tests.factories import ArticleFactory, IssueFactory

STRANGER = {"REMOTE_ADDR": "203.0.113.9"}
# What a monitoring server sends: plain HTTP to the machine's own address.
SCRAPER = {"REMOTE_ADDR": "10.0.0.2", "HTTP_HOST": "10.0.0.5:8000"}


@pytest.fixture(autouse=True)
def _production_guards(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["news.example.org"]
    settings.METRICS_TOKEN = ""
    settings.TRUSTED_PROXY_COUNT = 0


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **{**SCRAPER, **extra})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]
    return parse(response.content.decode())


def parse(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def get_as_reader(client, **extra):
    """/metrics the way a reader would ask for it: over HTTPS, by the site's name."""
    return client.get("/metrics", **{"HTTP_HOST": "news.example.org", "secure": True, **extra})


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_an_internal_address_may_scrape(client):
    for address in ("127.0.0.1", "10.0.0.2", "192.168.1.20", "::1"):
        assert client.get("/metrics", **{**SCRAPER, "REMOTE_ADDR": address}).status_code == 200


@pytest.mark.django_db
def test_a_stranger_gets_the_sites_404(client):
    # Over HTTPS, like any reader; what they find is a page that does not exist.
    response = get_as_reader(client, **STRANGER)
    assert response.status_code == 404
    assert b"newsroom_" not in response.content


@pytest.mark.django_db
def test_the_token_lets_anyone_scrape(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    headers = {"HTTP_AUTHORIZATION": "Bearer s3cret-metrics-token"}
    assert scrape(client, **STRANGER, **headers)
    wrong = {"HTTP_AUTHORIZATION": "Bearer guess"}
    response = get_as_reader(client, **STRANGER, **wrong)
    assert response.status_code == 404


@pytest.mark.django_db
def test_no_token_is_not_an_empty_token(client):
    headers = {"HTTP_AUTHORIZATION": "Bearer "}
    response = get_as_reader(client, **STRANGER, **headers)
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_proxy_on_this_machine_does_not_make_everyone_internal(client, settings):
    # nginx on loopback forwards every reader; without TRUSTED_PROXY_COUNT nobody knows who.
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    response = get_as_reader(client, **forwarded)
    assert response.status_code == 404
    settings.TRUSTED_PROXY_COUNT = 1
    response = get_as_reader(client, **forwarded)
    assert response.status_code == 404
    assert scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.7")


@pytest.mark.django_db
def test_the_allowed_networks_are_configurable(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["198.51.100.0/24"]
    assert scrape(client, REMOTE_ADDR="198.51.100.7")
    response = get_as_reader(client, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 404


@pytest.mark.django_db
def test_request_latency_is_recorded_by_url_name(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    host = {"HTTP_HOST": "news.example.org", "secure": True}
    before = scrape(client)
    client.get("/robots.txt", **host)
    client.get("/robots.txt", **host)
    client.get("/no-such-page/at-all", **host)
    client.get("/healthz", **host)
    after = scrape(client)
    count = "newsroom_request_duration_seconds_count"
    for view, requests in (("robots", 2), ("unmatched", 1), ("operations:healthz", 1)):
        assert value(after, count, view=view) - value(before, count, view=view) == requests
    bucket = "newsroom_request_duration_seconds_bucket"
    assert value(after, bucket, view="robots", le="+Inf") >= 2
    # The raw path is never a label: one series per URL name, however many articles.
    assert not any("/" in dict(labels).get("view", "") for _, labels in after)


@pytest.mark.django_db
def test_a_page_cache_hit_is_counted_and_timed_under_its_view(client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    host = {"HTTP_HOST": "news.example.org", "secure": True}
    before = scrape(client)
    client.get("/robots.txt", **host)
    client.get("/robots.txt", **host)
    after = scrape(client)
    name = "newsroom_page_cache_requests_total"
    assert value(after, name, result="miss") - value(before, name, result="miss") == 1
    assert value(after, name, result="hit") - value(before, name, result="hit") == 1
    count = "newsroom_request_duration_seconds_count"
    assert value(after, count, view="robots") - value(before, count, view="robots") == 2


@pytest.mark.django_db
def test_the_database_figures_count_the_rows(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = send_staff_password_reset.enqueue("editor@example.org")
    send_staff_password_reset.enqueue("editor@example.org")
    DBTaskResult.objects.filter(id=result.id).update(
        enqueued_at=timezone.now() - datetime.timedelta(minutes=7)
    )
    edition = Edition.objects.create(newsletter=Newsletter.objects.get(), subject="Today")
    for number, status in enumerate(["sent", "sent", "sent", "failed", "ambiguous"]):
        subscriber = Subscriber.objects.create(email=f"reader{number}@example.org")
        Delivery.objects.create(edition=edition, subscriber=subscriber, status=status)
    make_donation(status="paid", provider_reference="cs_1")
    make_donation(status="paid", provider_reference="cs_2")
    make_donation(status="failed", provider_reference="cs_3")

    samples = scrape(client)

    assert value(samples, "newsroom_task_queue_depth") == 2
    assert 7 * 60 <= value(samples, "newsroom_task_queue_oldest_age_seconds") < 8 * 60
    deliveries = {
        status: value(samples, "newsroom_email_deliveries", status=status)
        for status in Delivery.Status.values
    }
    assert deliveries == {"queued": 0, "sending": 0, "sent": 3, "failed": 1, "ambiguous": 1}
    donations = {
        status: value(samples, "newsroom_donations", status=status)
        for status in ("pending", "paid", "failed", "refunded", "cancelled")
    }
    assert donations == {"pending": 0, "paid": 2, "failed": 1, "refunded": 0, "cancelled": 0}
    assert value(samples, "newsroom_print_pdfs", status="ready") == 0


@pytest.mark.django_db
def test_an_empty_queue_has_no_age(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    samples = scrape(client)
    assert value(samples, "newsroom_task_queue_depth") == 0
    assert value(samples, "newsroom_task_queue_oldest_age_seconds") == 0


@pytest.mark.django_db
def test_a_scrape_is_never_stored_by_the_page_cache(client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    first = client.get("/metrics", **SCRAPER)
    client.get("/robots.txt", HTTP_HOST="news.example.org", secure=True)
    second = client.get("/metrics", **SCRAPER)
    assert first.content != second.content


@pytest.mark.django_db
def test_a_rendered_pdf_is_counted(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    issue = IssueFactory(number=2787)
    ArticleFactory(issue=issue, print_page=1, headline="Revolt in Kazakhstan")
    pdf = services.request_pdf(services.issue_pdf_job(issue))
    before = scrape(client)

    services.render_print_pdf(pdf.pk)

    cache.clear()  # The database figures are kept DATABASE_FIGURES_SECONDS.
    after = scrape(client)
    assert PrintPdf.objects.get().status == PrintPdf.Status.READY
    rendered = "newsroom_pdfs_rendered_total"
    assert value(after, rendered) - value(before, rendered) == 1
    assert value(after, "newsroom_print_pdfs", status="ready") == 1


def test_with_a_multiprocess_directory_a_scrape_adds_up_every_process(tmp_path):
    # Each granian worker (and the task worker) writes its counts to the directory; any
    # one of them answers the scrape with the sum.
    code = (
        "import sys, django; django.setup();"
        "from prometheus_client import generate_latest;"
        "from operations import metrics;"
        "metrics.page_cache_hit(); metrics.REQUEST_LATENCY.labels('robots').observe(0.01);"
        "sys.stdout.write(generate_latest(metrics.process_registry()).decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    env.setdefault("DEBUG", "on")
    for _ in range(2):
        output = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout
    samples = parse(output)
    assert value(samples, "newsroom_page_cache_requests_total", result="hit") == 2
    assert value(samples, "newsroom_request_duration_seconds_count", view="robots") == 2


def test_a_network_that_does_not_parse_stops_start_up():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,intranet",
    }
    env.setdefault("DEBUG", "on")
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "METRICS_ALLOWED_NETWORKS: 'intranet' is not a network" in run.stderr
