from django.urls import path

from issues import views

app_name = "issues"

urlpatterns = [
    path("", views.IssueArchiveView.as_view(), name="archive"),
    path("<int:number>/", views.IssueDetailView.as_view(), name="detail"),
]
