"""What counts as a payload that survived as markup, and a browser-like reading of admin
forms (their inputs and default values) so tests can post them as a person would."""

import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

PAYLOADS_PATH = Path(__file__).parent / "data" / "xss-payloads.txt"

# Elements no page of ours has and no payload may add (the admin draws its icons in <svg>,
# so an <svg> is caught by what it holds: handlers, scripts, links, animations).
FORBIDDEN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "math",
    "template", "xmp", "plaintext", "listing", "noembed", "noframes", "isindex", "keygen",
    "marquee", "bgsound", "layer", "portal", "video", "audio", "source", "dialog",
    "xss", "handler", "animate", "set", "foreignobject", "image",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "xlink:href",
    "srcset", "ping", "lowsrc", "dynsrc", "codebase", "cite", "longdesc", "srcdoc",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "livescript:", "mocha:", "data:")
# Scripts of ours: files from this site, and JSON data blocks (schema.org, json_script).
SAFE_SCRIPT_TYPES = {"application/ld+json", "application/json"}


def load_payloads() -> list[str]:
    lines = PAYLOADS_PATH.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line and not line.startswith("#")]


def _squash(value: str) -> str:
    # Browsers ignore ASCII whitespace and control characters inside a URL's scheme.
    return re.sub(r"[\x00-\x20]+", "", value).lower()


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        attributes = dict(attrs)
        where = self.getpos()
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> at {where}")
        if tag == "script":
            src = attributes.get("src") or ""
            kind = (attributes.get("type") or "").lower()
            same_site = src.startswith("/") and not src.startswith("//")
            if not (same_site or (not src and kind in SAFE_SCRIPT_TYPES)):
                self.problems.append(f"<script {attributes}> at {where}")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.problems.append(f"<meta refresh> at {where}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> at {where}")
            url = _squash(value)
            if name in URL_ATTRIBUTES and url.startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value[:40]!r}> at {where}")
            if name == "style" and re.search(r"url\(|expression\(|javascript:|binding", url):
                self.problems.append(f"<{tag} style={value[:40]!r}> at {where}")


def markup_problems(html: str) -> list[str]:
    """Every piece of markup in `html` that could run script or load something."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def feed_problems(xml: bytes) -> list[str]:
    """Feed readers render an item's description/summary/content as HTML."""
    problems = []
    for element in ElementTree.fromstring(xml).iter():  # noqa: S314 (our own feed)
        name = element.tag.rsplit("}", 1)[-1]
        if name in {"description", "summary", "content"} and element.text:
            problems += [f"{name}: {p}" for p in markup_problems(element.text)]
    return problems


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file", "image"):
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
            self.data[name] = ""
        elif tag == "option" and self._select:
            if "selected" in a:
                self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def form_defaults(html: str, form_id: str) -> dict:
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.data
