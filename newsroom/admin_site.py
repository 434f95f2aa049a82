"""The newsroom's admin site: a second factor for those who turn it on.

Anyone on the staff may add an authenticator app (a TOTP device, django-otp) from the
"Two-factor sign-in" page. From then on, signing in needs its current code as well as the
password, and a session signed in without one no longer opens the admin."""

import base64
import io

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image
from django_ratelimit.decorators import ratelimit

from newsroom.password_reset import StaffPasswordResetForm
from newsroom.tasks import send_staff_password_reset

TOKEN_WIDGET = forms.TextInput(
    attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
)


class AdminLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Code from your authenticator app (if you use one)",
        required=False,
        max_length=8,
        widget=TOKEN_WIDGET,
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True)) if user else []
        if devices:
            token = (cleaned.get("otp_token") or "").strip()
            device = next((d for d in devices if token and d.verify_token(token)), None)
            if device is None:
                raise forms.ValidationError(
                    "Enter the current code from your authenticator app.", code="invalid_token"
                )
            # django_otp's user_logged_in handler marks the session as verified by it.
            user.otp_device = device
        return cleaned


class ConfirmDeviceForm(forms.Form):
    token = forms.CharField(label="The code your app shows now", max_length=8, widget=TOKEN_WIDGET)

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not self.device.verify_token(token):
            raise forms.ValidationError(
                "That code does not match: check the time on your phone and try the newest code.",
                code="invalid_token",
            )
        return token


class NewsroomAdminSite(admin.AdminSite):
    login_form = AdminLoginForm
    login_template = "admin/newsroom_login.html"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        if request.user.is_verified():
            return True
        # Asked several times per admin page: look the devices up once.
        if not hasattr(request, "_has_otp_device"):
            request._has_otp_device = user_has_device(request.user, confirmed=True)
        return not request._has_otp_device

    def get_urls(self):
        return [
            path("two-factor/", self.admin_view(self.two_factor_view), name="two-factor"),
            *super().get_urls(),
        ]

    def two_factor_view(self, request):
        """Add an authenticator app: scan the code, type what the app shows to confirm."""
        confirmed = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).first()
        device = confirmed or TOTPDevice.objects.devices_for_user(request.user).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=request.user, name="Authenticator app", confirmed=False
            )
        form = None
        if not device.confirmed:
            form = ConfirmDeviceForm(request.POST or None, device=device)
            if request.method == "POST" and form.is_valid():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                messages.success(request, "Two-factor sign-in is on.")
                return redirect("admin:two-factor")
        qr = io.BytesIO()
        write_qrcode_image(device.config_url, qr)
        context = {
            **self.each_context(request),
            "title": "Two-factor sign-in",
            "device": device,
            "form": form,
            "secret": base64.b32encode(device.bin_key).decode(),
            "qr_data_url": "data:image/svg+xml;base64," + base64.b64encode(qr.getvalue()).decode(),
        }
        return TemplateResponse(request, "admin/two_factor.html", context)


@method_decorator(
    ratelimit(key="ip", rate=lambda group, request: settings.PASSWORD_RESET_RATELIMIT,
              method="POST", block=False),
    name="post",
)  # fmt: skip
class StaffPasswordResetView(auth_views.PasswordResetView):
    """Django's reset flow, with the sending handed to the task worker: the answer is the
    same, byte for byte and in time, for every address."""

    form_class = StaffPasswordResetForm

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return HttpResponse("Too many requests. Please wait and try again.", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Whether the address is known is found out by the task worker: the answer takes
        # the same time for every address, so its timing does not tell either.
        send_staff_password_reset.enqueue(form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())
