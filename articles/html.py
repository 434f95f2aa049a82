"""Rich text that journalists type is sanitised here, once, before it is stored.

Only the markup a newspaper body needs survives: paragraphs, headings, quotes, lists,
emphasis and links. Scripts, event handlers, iframes, styles and `javascript:` or
`data:` links are removed, so nothing anyone types can run in a reader's browser, an
email client or the PDF renderer.
"""

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "ul",
    "ol",
    "li",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "a",
    "hr",
    "figure",
    "figcaption",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Return `html` with everything outside the newspaper allow-list removed."""
    cleaned = _cleaner.clean(html or "").strip()
    # The editor leaves an empty paragraph behind when a field is cleared.
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned
