"""Helpers for browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium).

The fixtures (`chromium`, `page`) live in tests/conftest.py so that any test folder can
use them; browser tests run whenever Chromium is installed and are required when CI=true.
Screenshots go to test-artifacts/screenshots/.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, *, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")):
    """Run axe-core in the page and return its violations at the given WCAG levels."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make install-dev does)")
    # Evaluated through the DevTools protocol, so the page's CSP (no inline scripts)
    # does not block the audit itself.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(tags)
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
