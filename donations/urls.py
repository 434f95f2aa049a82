from django.urls import path

from donations import views, webhooks

app_name = "donations"

urlpatterns = [
    path("", views.donate, name="donate"),
    path("thank-you/", views.thank_you, name="thank-you"),
    path("manage/", views.manage, name="manage"),
    path("manage/open/", views.manage_open, name="manage-open"),
    path("manage/link/", views.manage_request, name="manage-request"),
    path("manage/link/sent/", views.manage_sent, name="manage-sent"),
    path("manage/<int:pk>/amount/", views.manage_change_amount, name="manage-change-amount"),
    path("manage/<int:pk>/cancel/", views.manage_cancel, name="manage-cancel"),
    path("manage/<int:pk>/card/", views.manage_card, name="manage-card"),
    path("webhooks/stripe/", webhooks.stripe_webhook, name="stripe-webhook"),
    # Last, so an appeal's slug never hides the pages above.
    path("<slug:slug>/", views.donate, name="appeal"),
]
