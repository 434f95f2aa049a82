"""Signing in to the admin: lockout after repeated failures (django-axes), the client's
address taken only from trusted proxies, two-factor sign-in, and the staff password reset."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.figures import LOOKALIKE_CASES
from tests.lookalikes import lookalikes
from tests.security.conftest import EDITOR_PASSWORD
from tests.timing import interleaved_times, mann_whitney_z

LOGIN = "/admin/login/?next=/admin/"

pytestmark = pytest.mark.django_db


def attempt(client, password, *, username="editor", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail_until_locked(settings, client, **extra):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "wrong", **extra)
        assert response.status_code == 200  # the form again, with its error
        assert "Please enter the correct username and password" in response.text
    assert attempt(client, "wrong", **extra).status_code == 429


def test_repeated_failures_lock_out_even_the_right_password(settings, editor):
    client = Client()
    fail_until_locked(settings, client)
    response = attempt(client, EDITOR_PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "forged", ["203.0.113.9", "203.0.113.9, 198.51.100.1", "10.0.0.1, 127.0.0.1", "unknown"]
)
def test_a_forged_forwarded_for_does_not_reset_the_count(settings, editor, forged):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", HTTP_X_FORWARDED_FOR=f"{forged}, 192.0.2.{n}")
    assert attempt(client, EDITOR_PASSWORD, HTTP_X_FORWARDED_FOR=forged).status_code == 429


def test_a_stranger_cannot_lock_an_editor_out_from_elsewhere(settings, editor):
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    fail_until_locked(settings, attacker)
    assert attempt(Client(REMOTE_ADDR="198.51.100.8"), EDITOR_PASSWORD).status_code == 302
    # The guessing address stays locked, for this username and every other one.
    assert attempt(attacker, EDITOR_PASSWORD).status_code == 429
    assert attempt(attacker, "wrong", username="writer").status_code == 429


def test_an_address_is_locked_for_every_username(settings, editor):
    client = Client(REMOTE_ADDR="198.51.100.9")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", username=f"guess{n}")
    assert attempt(client, EDITOR_PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_counts(settings, editor):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(settings.AXES_FAILURE_LIMIT):
        # What the client claims comes first; the proxy appends the address it saw.
        attempt(
            proxy, "wrong", username=f"guess{n}", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.5"
        )
    locked = attempt(proxy, EDITOR_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert locked.status_code == 429
    # Another reader behind the same proxy is not locked out by them.
    other = attempt(proxy, EDITOR_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other.status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(settings, editor):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, EDITOR_PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, EDITOR_PASSWORD).status_code == 302


# -- Two-factor sign-in ------------------------------------------------------------------


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def turn_on_two_factor(client) -> TOTPDevice:
    page = client.get(reverse("admin:two-factor"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.text
    device = TOTPDevice.objects.get(user__username="editor")
    wrong = client.post(reverse("admin:two-factor"), {"token": "000000"})
    assert "That code does not match" in wrong.text
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # a failure makes the device wait a moment before the next try
    done = client.post(reverse("admin:two-factor"), {"token": current_code(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_staff_turn_on_two_factor_and_then_need_the_code(editor):
    client = Client()
    assert attempt(client, EDITOR_PASSWORD).status_code == 302
    device = turn_on_two_factor(client)
    assert client.get("/admin/").status_code == 200  # this session was verified by it
    client.logout()

    fresh = Client()
    without = attempt(fresh, EDITOR_PASSWORD)
    assert without.status_code == 200
    assert "Enter the current code from your authenticator app" in without.text
    assert fresh.get("/admin/").status_code == 302
    wrong = fresh.post(
        LOGIN, {"username": "editor", "password": EDITOR_PASSWORD, "otp_token": "123456"}
    )
    assert "Enter the current code" in wrong.text
    device.refresh_from_db()
    device.throttle_reset()
    # A code works once: the one that confirmed the device is spent until the next step.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    right = fresh.post(
        LOGIN,
        {"username": "editor", "password": EDITOR_PASSWORD, "otp_token": current_code(device)},
    )
    assert right.status_code == 302
    assert fresh.get("/admin/").status_code == 200


def test_a_session_without_the_second_factor_does_not_open_the_admin(editor):
    TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    client = Client()
    client.force_login(editor)  # a password-only session, e.g. from before 2FA was on
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_a_device_sign_in_with_the_password_alone(editor):
    client = Client()
    assert attempt(client, EDITOR_PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


# -- Password reset ----------------------------------------------------------------------


RESET = "/accounts/password-reset/"


def test_the_admin_login_offers_a_password_reset(editor):
    assert RESET in Client().get("/admin/login/").text


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(editor, mailoutbox):
    User.objects.create_user("reader", "reader@example.org", "x" * 12)  # not staff
    answers = []
    for email in ["editor@example.org", "nobody@example.org", "reader@example.org"]:
        response = Client().post(RESET, {"email": email}, follow=True)
        # Byte for byte, but for the CSP nonce, which is new in every response.
        content = re.sub(rb'nonce="[^"]+"', b"", response.content)
        answers.append((response.status_code, response.redirect_chain, content))
    assert answers[0] == answers[1] == answers[2]
    assert [m.to for m in mailoutbox] == [["editor@example.org"]]


def test_reset_link_uses_the_site_address_never_the_host_header(settings, editor, mailoutbox):
    settings.SITE_URL = "https://news.example.org"
    settings.ALLOWED_HOSTS = ["news.example.org", "testserver"]
    forged = Client().post(RESET, {"email": "editor@example.org"}, HTTP_HOST="evil.example")
    assert forged.status_code == 400
    assert mailoutbox == []
    Client().post(RESET, {"email": "editor@example.org"})
    (message,) = mailoutbox
    links = re.findall(r"https?://[^\s/]+", message.body)
    assert links and set(links) == {"https://news.example.org"}


def test_the_reset_link_sets_a_new_password(editor, mailoutbox):
    Client().post(RESET, {"email": "editor@example.org"})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new = "another-long-password-42"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert done.status_code == 200
    editor.refresh_from_db()
    assert editor.check_password(new)


def test_look_alike_addresses_never_get_a_staff_reset_link(settings, mailoutbox):
    settings.PASSWORD_RESET_RATELIMIT = "1000/h"
    User.objects.create_user("kristin", "kristin@gmail.com", "x" * 12, is_staff=True)
    for lookalike in lookalikes("kristin@gmail.com"):
        mailoutbox.clear()
        response = Client().post(RESET, {"email": lookalike.address})
        # Accepted, or refused as not an address at all (Django's EmailField takes only
        # ASCII before the @): either way, mail goes to the stored address or nowhere.
        assert response.status_code in (200, 302)
        expected = [["kristin@gmail.com"]] if lookalike.same_mailbox else []
        sent = [message.to for message in mailoutbox]
        assert LOOKALIKE_CASES.count(ok=sent in (expected, [])), (lookalike, sent)


def test_a_changed_address_is_the_one_reset_links_go_to(mailoutbox):
    user = User.objects.create_user("kristin", "kristin@gmail.com", "x" * 12, is_staff=True)
    user.email = "Kristin@Example.org"
    user.save()
    Client().post(RESET, {"email": "kristin@gmail.com"})
    Client().post(RESET, {"email": "KRISTIN@example.ORG"})
    assert [message.to for message in mailoutbox] == [["Kristin@Example.org"]]


@pytest.mark.django_db(transaction=True)
def test_password_reset_takes_as_long_for_known_and_unknown_addresses(settings):
    # The real queue, not the inline one the tests use: the request only hands it over.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PASSWORD_RESET_RATELIMIT = "1000/h"
    for n in range(-1, 30):
        User.objects.create_user(f"staff{n}", f"staff{n}@example.org", "x" * 12, is_staff=True)
    client = Client()
    known, unknown = interleaved_times(
        lambda n: client.post(RESET, {"email": f"staff{n}@example.org"}),
        lambda n: client.post(RESET, {"email": f"nobody{n}@example.org"}),
    )
    assert abs(mann_whitney_z(known, unknown)) < 3


def test_password_reset_is_rate_limited(settings, editor):
    settings.PASSWORD_RESET_RATELIMIT = "2/h"
    client = Client()
    codes = [client.post(RESET, {"email": f"x{n}@example.org"}).status_code for n in range(3)]
    assert codes == [302, 302, 429]
