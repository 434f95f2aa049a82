from django.urls import path

from operations import metrics, views

app_name = "operations"

# Normally answered by operations.middleware.HealthCheckMiddleware before any URL is
# resolved; named here so that they resolve and reverse like any other page.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # An allowed scrape is answered by operations.metrics.MetricsMiddleware; this view
    # answers the rest (404) and serves scrapes when the middleware is left out.
    path("metrics", metrics.metrics, name="metrics"),
]
