from django.urls import include, path

from newsletter import views
from newsletter.webhooks import webhook_urlpatterns

app_name = "newsletter"

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("check-your-inbox/", views.check_inbox, name="check-inbox"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("webhooks/", include((webhook_urlpatterns(), "anymail"))),
    path("<slug:slug>/", views.EditionArchiveView.as_view(), name="archive"),
    path("<slug:slug>/<int:pk>/", views.EditionDetailView.as_view(), name="edition"),
]
