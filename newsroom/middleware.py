from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

# How long a reader's browser is asked to wait: a database restart or failover.
RETRY_AFTER_SECONDS = 10


class DatabaseUnavailableMiddleware:
    """While the database restarts or fails over, answer 503 with Retry-After rather than
    500: the reader (and a crawler, and a CDN) learns to come back, and nothing is cached.
    The page is rendered without context processors, which would query the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
