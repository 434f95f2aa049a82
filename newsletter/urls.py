from django.urls import path
from django.views.generic import TemplateView

app_name = "newsletter"

# Placeholder until the newsletter issue lands: the article page's call to action
# links here.
urlpatterns = [
    path("", TemplateView.as_view(template_name="newsletter/placeholder.html"), name="subscribe"),
]
