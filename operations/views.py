"""/healthz and /readyz, for load balancers and orchestrators.

/healthz says the process answers: no I/O, always 200. /readyz runs the checks below
concurrently (django-health-check) and answers 503 when one fails. Both answer JSON and
are never cached; operations.middleware.HealthCheckMiddleware serves them ahead of the
SSL redirect, ALLOWED_HOSTS and the page cache (a probe comes over plain HTTP, to the
machine's address)."""

import asyncio

from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from health_check.exceptions import ServiceWarning
from health_check.views import HealthCheckView


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


class ReadinessView(HealthCheckView):
    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        # Writes, reads and deletes a small probe file in the media storage.
        "health_check.checks.Storage",
        "operations.checks.TaskQueue",
        # Warn after 3 minutes without a heartbeat, fail after 10.
        "operations.checks.SchedulerHeartbeat",
        "operations.checks.WorkerHeartbeat",
    )

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        failed = [r for r in self.results if r.error and not isinstance(r.error, ServiceWarning)]
        warned = [r for r in self.results if isinstance(r.error, ServiceWarning)]
        status = "unavailable" if failed else "warning" if warned else "ok"
        response = JsonResponse(
            {
                "status": status,
                "checks": {
                    type(result.check).__name__: {
                        "status": "ok" if not result.error else str(result.error),
                        "duration_ms": round(result.time_taken * 1000, 1),
                    }
                    for result in self.results
                },
            },
            status=503 if failed else 200,
        )
        add_never_cache_headers(response)
        return response


readyz = ReadinessView.as_view()
