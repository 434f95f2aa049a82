"""Against the running cluster of deploy/local-cluster.sh (`make test-cluster`): an
editor publishes through one app server, and readers see it through nginx and through
the other app server within a second. Skipped outside the cluster."""

import os
import re
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

import pytest

CLUSTER_URL = os.environ.get("CLUSTER_URL", "")
APP_URLS = os.environ.get("CLUSTER_APP_URLS", "").split()

pytestmark = pytest.mark.skipif(
    not CLUSTER_URL, reason="runs inside deploy/local-cluster.sh (make test-cluster)"
)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def publish_through_admin(app_url: str, username: str, password: str, article_pk: int):
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def csrf_token(html):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def post(path, fields, token):
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        with browser.open(app_url + path, data=data, timeout=10) as response:
            return response.read().decode()

    with browser.open(app_url + "/admin/login/", timeout=10) as response:
        token = csrf_token(response.read().decode())
    html = post("/admin/login/?next=/admin/", {"username": username, "password": password}, token)
    changelist = "/admin/articles/article/"
    with browser.open(app_url + changelist, timeout=10) as response:
        token = csrf_token(response.read().decode())
    post(changelist, {"action": "publish_selected", "_selected_action": article_pk}, token)
    return html


def test_a_publish_is_visible_through_nginx_and_the_other_app_server_within_a_second(
    django_db_blocker,
):
    from django.contrib.auth import get_user_model

    from articles.models import Article, Section

    headline = f"Cluster scoop {uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        password = uuid.uuid4().hex
        get_user_model().objects.create_superuser(f"ed-{uuid.uuid4().hex[:6]}", None, password)
        editor = get_user_model().objects.order_by("-pk").first()
        section = Section.objects.order_by("position").first()
        draft = Article.objects.create(headline=headline, section=section, body="<p>News.</p>")
    first_app, other_app = APP_URLS
    section_path = section.get_absolute_url()
    watched = [base + path for base in (CLUSTER_URL, other_app) for path in ("/", section_path)]
    for url in watched * 3:  # every cache warm with the page before the publish
        assert headline not in fetch(url)

    publish_through_admin(first_app, editor.username, password, draft.pk)
    published_at = time.monotonic()
    with django_db_blocker.unblock():
        article = Article.objects.get(pk=draft.pk)
    assert article.is_published
    article_path = article.get_absolute_url()
    watched += [CLUSTER_URL + article_path, other_app + article_path]

    def seconds_until_shown(url):
        # Each address is watched by its own thread, so a slow answer from one does not
        # delay noticing another.
        while (after := time.monotonic() - published_at) < 5:
            try:
                if headline in fetch(url):
                    return after
            except urllib.error.HTTPError:
                pass
            time.sleep(0.02)
        return None

    with ThreadPoolExecutor(max_workers=len(watched)) as pool:
        seen_after = dict(zip(watched, pool.map(seconds_until_shown, watched), strict=True))
    print({url: after and round(after, 3) for url, after in seen_after.items()})
    assert all(after is not None and after <= 1.0 for after in seen_after.values()), seen_after
