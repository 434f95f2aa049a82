from django.urls import path
from django.views.generic import TemplateView

app_name = "donations"

# Placeholder until the donations issue lands: the article page's call to action
# links here.
urlpatterns = [
    path("", TemplateView.as_view(template_name="donations/placeholder.html"), name="donate"),
]
