from django.urls import path

from operations import views

app_name = "operations"

# Normally answered by operations.middleware.HealthCheckMiddleware before any URL is
# resolved; named here so that they resolve and reverse like any other page.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
