"""A Stripe HTTP client that never leaves the process: it records each request and answers
with a recorded response from tests/data/stripe/. The one place tests touch `stripe`."""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from stripe import HTTPClient

STRIPE_DATA = Path(__file__).resolve().parent.parent / "data" / "stripe"


def recorded(name: str) -> dict:
    return json.loads((STRIPE_DATA / name).read_text())


@dataclass
class StubRequest:
    method: str
    path: str
    headers: dict
    params: dict  # the form-encoded body, flattened: {"line_items[0][quantity]": "1", ...}


class RecordingHTTPClient(HTTPClient):
    name = "recording-stub"

    def __init__(self):
        super().__init__()
        self.requests: list[StubRequest] = []
        self.routes: list[tuple[str, re.Pattern, str]] = []

    def answer(self, method: str, path_pattern: str, recorded_file: str):
        self.routes.append((method.upper(), re.compile(path_pattern), recorded_file))

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path = urlsplit(url).path
        body = post_data.decode() if isinstance(post_data, bytes) else post_data or ""
        self.requests.append(
            StubRequest(method.upper(), path, dict(headers or {}), dict(parse_qsl(body)))
        )
        for route_method, pattern, recorded_file in self.routes:
            if route_method == method.upper() and pattern.fullmatch(path):
                return (STRIPE_DATA / recorded_file).read_text(), 200, {"Request-Id": "req_stub"}
        error = {"error": {"type": "invalid_request_error", "message": f"No stub for {path}"}}
        return json.dumps(error), 404, {"Request-Id": "req_stub"}

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise AssertionError("The donations code never streams from Stripe")

    def close(self):
        pass
