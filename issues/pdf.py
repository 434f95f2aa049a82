"""WeasyPrint, behind one small module: HTML in, a PDF file out.

The HTML comes from our own templates and sanitised fields, but WeasyPrint would still
follow any URL it meets (images, stylesheets, `@import`, `<link rel=attachment>`), so
every fetch goes through `ProjectFileFetcher`, which reads files from the media and
static folders and nothing else: no network, no redirects, no other files.

A render runs in a child process so that it can be stopped: a document that takes
longer than the time limit is killed, and its half-written file is thrown away. The
children are forked from a `forkserver` that has already imported WeasyPrint, so a
render does not pay the second it takes to import.
"""

import logging
import mimetypes
import multiprocessing
import os
import resource
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

# WeasyPrint reports every step of every render at INFO; only its warnings matter here.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

import weasyprint  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

logger = logging.getLogger(__name__)

# Embedded images are small (a few hundred KB); a bigger `data:` URL is refused unread.
MAX_DATA_URL_CHARS = 256 * 1024
# A photo larger than this is not a newspaper photo; it is left out.
MAX_FILE_BYTES = 25 * 1024 * 1024
# Address space for a render child: enough for a long issue, not enough to take the host.
MEMORY_LIMIT_BYTES = 2 * 1024**3


class RenderError(Exception):
    """The PDF could not be made (time limit, crash); no file was left behind."""


class ProjectFileFetcher(URLFetcher):
    """Fetch `file:` URLs inside `roots` and small `data:` URLs; refuse everything else.

    WeasyPrint logs a refused fetch and leaves that resource out of the document."""

    def __init__(self, roots, **kwargs):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, **kwargs)
        self.roots = [Path(root).resolve() for root in roots]

    def fetch(self, url, headers=None):
        scheme = urlsplit(url[:16]).scheme.lower()
        if scheme == "data":
            if len(url) > MAX_DATA_URL_CHARS:
                raise ValueError(f"data: URL longer than {MAX_DATA_URL_CHARS} characters")
            return super().fetch(url, headers)
        if scheme != "file":
            raise ValueError(f"Refused to fetch {url[:200]!r}: only media and static files")
        path = self.allowed_path(url)
        with path.open("rb") as file:
            body = file.read(MAX_FILE_BYTES + 1)
        if len(body) > MAX_FILE_BYTES:
            raise ValueError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def allowed_path(self, url) -> Path:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"Refused file URL on another host: {url[:200]!r}")
        # resolve() follows symlinks, so a link inside media cannot point outside it.
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"Refused file outside media and static: {url[:200]!r}")
        if not path.is_file():
            raise FileNotFoundError(f"No such file: {path}")
        return path


@dataclass
class RenderResult:
    page_count: int
    cpu_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def render_pdf(html: str, target: Path, *, roots, base_url: str, time_limit: float) -> RenderResult:
    """Write the PDF of `html` to `target`, or raise `RenderError` and leave no file there.

    `roots` are the folders the document may read from; `base_url` resolves relative
    URLs. The render is killed after `time_limit` seconds."""
    target = Path(target)
    context = _render_context()
    receiver, sender = context.Pipe(duplex=False)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".render-") as scratch:
        partial = Path(scratch) / "document.pdf"
        child = context.Process(
            target=_render_in_child,
            args=(html, str(partial), [str(root) for root in roots], base_url, sender),
            daemon=True,
        )
        child.start()
        sender.close()
        try:
            if not receiver.poll(time_limit):
                raise RenderError(f"The render took longer than {time_limit:g} seconds")
            try:
                outcome = receiver.recv()
            except EOFError:
                raise RenderError("The render process died without a result") from None
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            receiver.close()
        if "error" in outcome:
            raise RenderError(outcome["error"])
        # Same folder, so the rename is atomic: the target is whole or absent.
        os.replace(partial, target)
    for warning in outcome["warnings"]:
        logger.warning("PDF render: %s", warning)
    return RenderResult(
        page_count=outcome["page_count"],
        cpu_seconds=outcome["cpu_seconds"],
        warnings=outcome["warnings"],
    )


def _render_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class _CollectWarnings(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _render_in_child(html, partial_path, roots, base_url, sender):
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    collected = _CollectWarnings()
    weasyprint.LOGGER.addHandler(collected)
    weasyprint.LOGGER.propagate = False
    try:
        fetcher = ProjectFileFetcher(roots)
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
        # No file of any kind travels inside the PDF: neither <link rel=attachment>
        # nor <a rel=attachment> is embedded.
        document.metadata.attachments = []
        for page in document.pages:
            page.links = [link for link in page.links if link[0] != "attachment"]
        document.write_pdf(partial_path)
        sender.send(
            {
                "page_count": len(document.pages),
                "cpu_seconds": time.process_time(),
                "warnings": collected.messages,
            }
        )
    except BaseException as error:  # the parent needs a message, whatever went wrong
        sender.send({"error": f"{type(error).__name__}: {error}"})
    finally:
        sender.close()
