"""The PDF renderer reads the project's media and static files and nothing else."""

import base64
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from issues import pdf, services
from issues.models import PrintPdf
from tests.factories import ArticleFactory, SidebarFactory, jpeg_bytes
from tests.issues.pdf_helpers import page_texts, pdf_reader

PNG_PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class WatchedServer:
    """A real HTTP server on a loopback port that records every request it gets."""

    def __init__(self):
        requests = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", "/secret.png")
                    self.end_headers()
                    return
                css = self.path.endswith(".css")
                body = b"body::after { content: 'LEAKED FROM SERVER' }" if css else PNG_PIXEL
                self.send_response(200)
                self.send_header("Content-Type", "text/css" if css else "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def watched_server():
    with WatchedServer() as server:
        # The server answers when asked: the test would notice a fetch if one happened.
        urllib.request.urlopen(f"{server.url}/probe.css").read()
        server.requests.clear()
        yield server


def hostile_html(server_url: str) -> str:
    return f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{server_url}/linked.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      <link rel="attachment" href="file:///etc/passwd" title="passwd">
      <link rel="attachment" href="{server_url}/attachment.css">
      <link rel="attachment" href="inside-media.txt">
      <style>
        @import url("{server_url}/imported.css");
        @import url("file:///etc/passwd");
        p {{ background: url("{server_url}/background.png"); }}
      </style>
    </head><body>
      <p>Visible text survives</p>
      <img src="file:///etc/passwd" alt="">
      <img src="file:///etc/hostname" alt="">
      <img src="{server_url}/secret.png" alt="">
      <img src="{server_url}/redirect" alt="">
      <img src="https://example.com/remote.png" alt="">
      <img src="../../../../etc/passwd" alt="">
      <img src="data:image/png;base64,{"A" * (pdf.MAX_DATA_URL_CHARS + 10)}" alt="">
      <object data="file:///etc/passwd"></object>
      <embed src="{server_url}/embedded.png">
      <iframe src="{server_url}/frame.html"></iframe>
      <a rel="attachment" href="inside-media.txt">attached link</a>
      <svg><image href="{server_url}/svg-image.png" width="10" height="10"/></svg>
    </body></html>"""


def assert_nothing_leaked(data: bytes, server):
    reader = pdf_reader(data)
    text = " ".join(page_texts(data))
    assert "root:" not in text
    assert "LEAKED" not in text
    assert "private note" not in text
    assert reader.attachments == {}
    annotations = [
        annotation.get_object() for page in reader.pages for annotation in page.get("/Annots") or []
    ]
    assert all(a.get("/Subtype") != "/FileAttachment" for a in annotations)
    assert server.requests == []


def test_renderer_fetches_nothing_outside_media_and_static(watched_server, tmp_path, caplog):
    media = tmp_path / "media"
    media.mkdir()
    (media / "inside-media.txt").write_text("private note")
    target = tmp_path / "out" / "document.pdf"
    target.parent.mkdir()

    result = pdf.render_pdf(
        hostile_html(watched_server.url),
        target,
        roots=[media],
        base_url=media.as_uri() + "/",
        time_limit=60,
    )

    data = target.read_bytes()
    assert "Visible text survives" in " ".join(page_texts(data))
    assert_nothing_leaked(data, watched_server)
    assert result.warnings, "refused fetches are logged"
    assert any("/etc/passwd" in warning for warning in result.warnings)


def test_article_with_hostile_markup_prints_none_of_it(
    watched_server, django_capture_on_commit_callbacks, db
):
    article = ArticleFactory(body=hostile_html(watched_server.url).split("<body>")[1])
    SidebarFactory(article=article, body=f'<img src="{watched_server.url}/sidebar.png"><p>Box</p>')
    # Bodies stored before sanitising existed (or written around it) are cleaned again.
    type(article).objects.filter(pk=article.pk).update(body=hostile_html(watched_server.url))

    with django_capture_on_commit_callbacks(execute=True):
        services.request_pdf(services.article_pdf_job(article))

    rendered = PrintPdf.objects.get()
    assert rendered.status == PrintPdf.Status.READY
    with rendered.file.open("rb") as file:
        data = file.read()
    assert "Visible text survives" in " ".join(page_texts(data))
    assert_nothing_leaked(data, watched_server)


def test_fetcher_reads_files_inside_its_roots_only(tmp_path):
    media, elsewhere = tmp_path / "media", tmp_path / "elsewhere"
    media.mkdir()
    elsewhere.mkdir()
    (media / "photo.jpg").write_bytes(jpeg_bytes(20, 20))
    (elsewhere / "secret.txt").write_text("secret")
    (media / "link.txt").symlink_to(elsewhere / "secret.txt")
    fetcher = pdf.ProjectFileFetcher([media])

    response = fetcher.fetch((media / "photo.jpg").as_uri())
    assert response.content_type == "image/jpeg"
    assert response.read().startswith(b"\xff\xd8")

    refused = [
        (elsewhere / "secret.txt").as_uri(),
        (media / "link.txt").as_uri(),
        media.as_uri() + "/../elsewhere/secret.txt",
        media.as_uri() + "/%2e%2e/elsewhere/secret.txt",
        "file://otherhost" + str(media / "photo.jpg"),
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.com/x.png",
        "ftp://example.com/x.png",
        "data:text/plain," + "a" * (pdf.MAX_DATA_URL_CHARS + 1),
    ]
    for url in refused:
        with pytest.raises((ValueError, OSError)):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,small").read() == b"small"


def test_render_reads_from_media_and_static_only():
    roots = [str(root) for root in services.readable_roots()]
    assert str(Path(settings.MEDIA_ROOT)) in roots
    assert all(str(folder) in roots for folder in settings.STATICFILES_DIRS)
    assert "/" not in roots


def test_a_killed_render_leaves_no_file(tmp_path):
    target = tmp_path / "document.pdf"
    slow = "<p>x</p>" * 20000

    with pytest.raises(pdf.RenderError, match="longer than"):
        pdf.render_pdf(slow, target, roots=[tmp_path], base_url=None, time_limit=0.05)

    assert list(tmp_path.iterdir()) == []
