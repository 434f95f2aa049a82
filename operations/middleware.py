from asgiref.sync import async_to_sync

from operations.views import healthz, readyz

HEALTH_VIEWS = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """Answers /healthz and /readyz before the middleware that would stop a load
    balancer's probe: it comes over plain HTTP (SECURE_SSL_REDIRECT), to the machine's
    own address (ALLOWED_HOSTS), and must never meet the page cache or a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = HEALTH_VIEWS.get(request.path_info)
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if view is readyz:
            # The readiness view is async (its checks run concurrently).
            return async_to_sync(readyz)(request)
        return view(request)
