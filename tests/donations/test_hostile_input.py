"""Whatever a browser sends to a donations page, the answer is a page or a form error,
never a server error, and nothing is stored unless the form was valid."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donations.forms import ChangeAmountForm, DonationForm, parse_amount_pence
from donations.models import Donation, ManageLink
from tests.donations.conftest import make_donation, sign_in
from tests.donations.test_donate_page import VALID, make_appeal

pytestmark = pytest.mark.django_db

NASTY = [
    "\u00b2",  # superscript two: isdigit() says yes, int() says no
    "\u0663",  # Arabic-Indic three
    "\uff11\uff10",  # full-width 10
    "9" * 40,
    "9e99",
    "1e999999",
    "-5",
    "-0",
    "NaN",
    "",
    " ",
    "\x00",
    "1\x000",
    "x" * 10_000,
    "\u202e01",  # right-to-left override
    "\ufffd",  # what a browser's bytes that are not UTF-8 decode to
]
DONATE_FIELDS = [
    "amount", "other_amount", "frequency", "donor_name", "donor_email", "is_gift_aid",
    "home_address", "postcode", "message", "source",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.DONATIONS_RATELIMIT = "100000/m"


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


def donate_data(field, value) -> dict:
    data = {**VALID, "is_gift_aid": "on", "home_address": "1 Commune Road", "postcode": "E8 1DY"}
    if field == "other_amount":
        data["amount"] = "other"
    return {**data, field: value}


def answered_without_error(response) -> bool:
    return response.status_code < 500


@pytest.mark.parametrize("field", DONATE_FIELDS)
@pytest.mark.parametrize("url", ["/donate/", "/donate/fund-the-resistance/"])
def test_any_value_of_a_donate_field_is_answered_and_stores_only_a_valid_gift(browser, url, field):
    make_appeal()
    failures = []
    for value in NASTY:
        data = donate_data(field, value)
        before = Donation.objects.count()
        response = browser.post(url, data)
        stored = Donation.objects.count() - before
        valid = DonationForm(data).is_valid()
        if not answered_without_error(response) or stored != (response.status_code in (302, 303)):
            failures.append((value[:20], response.status_code, stored))
        elif stored and not valid:
            failures.append((value[:20], "stored an invalid gift"))
    assert failures == []


@pytest.mark.parametrize("url", ["/donate/", "/donate/fund-the-resistance/", "/donate/thank-you/"])
@pytest.mark.parametrize("parameter", ["from", "cancelled", "gift"])
def test_any_query_parameter_is_answered(browser, url, parameter):
    make_appeal()
    statuses = {value[:20]: browser.get(url, {parameter: value}).status_code for value in NASTY}
    assert {value: s for value, s in statuses.items() if s >= 500} == {}


def test_any_address_asking_for_a_link_is_answered_and_mails_nobody(browser, mailoutbox):
    make_donation()
    statuses = {
        value[:20]: browser.post(reverse("donations:manage-request"), {"email": value}).status_code
        for value in NASTY
    }
    assert {value: s for value, s in statuses.items() if s >= 500} == {}
    assert mailoutbox == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_any_token_is_answered_and_opens_nothing(browser, method):
    statuses = {
        value[:20]: getattr(browser, method)(reverse("donations:manage-open"), {"token": value})
        for value in NASTY
    }
    assert {value: r.status_code for value, r in statuses.items() if r.status_code >= 500} == {}
    assert browser.get(reverse("donations:manage"))["Location"] == reverse(
        "donations:manage-request"
    )


def test_any_new_amount_is_answered_and_changes_only_to_a_valid_amount(browser):
    pledge = make_donation(provider="offline", provider_reference="GIFT-1")
    sign_in(browser)
    failures = []
    for value in NASTY:
        field = f"gift-{pledge.pk}-amount"
        form = ChangeAmountForm({field: value}, prefix=f"gift-{pledge.pk}")
        expected = form.cleaned_data["amount"] if form.is_valid() else 1000
        response = browser.post(
            reverse("donations:manage-change-amount", args=[pledge.pk]), {field: value}
        )
        pledge.refresh_from_db()
        status = 302 if form.is_valid() else 400
        if (response.status_code, pledge.amount_pence) != (status, expected):
            failures.append((value[:20], response.status_code, pledge.amount_pence))
        pledge.amount_pence = 1000
        pledge.save()
    assert failures == []


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("12", 1200), ("£1,000.50", 100050), ("\uff11\uff10", None), (" 5. ", 500), (".5", None),
     ("\u0663", None), ("\u00b2", None), ("9e99", None), ("1e2", None), ("1_000", None),
     ("-5", None), ("+5", None), ("NaN", None), ("9" * 40, None), ("0.001", None)],
)  # fmt: skip
def test_an_amount_is_read_from_plain_digits_only(typed, pence):
    if pence is None:
        with pytest.raises(ValidationError):
            parse_amount_pence(typed)
    else:
        assert parse_amount_pence(typed) == pence


@pytest.mark.parametrize("action", ["change-amount", "cancel", "card"])
@pytest.mark.parametrize("pk", ["0", "9" * 30, "٣"])
def test_any_gift_number_in_a_manage_address_is_answered(browser, action, pk):
    make_donation(provider="offline", provider_reference="GIFT-1")
    sign_in(browser)

    response = browser.post(f"/donate/manage/{pk}/{action.replace('change-', '')}/")

    assert response.status_code == 404


# -- Any text at all, from hypothesis -------------------------------------------------------

ANY_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(categories=["Nd", "No", "Nl", "Zs", "Cc", "Mn"]), max_size=30),
    st.sampled_from(NASTY),
)
AT_RANDOM = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("field", DONATE_FIELDS)
@pytest.mark.parametrize("url", ["/donate/", "/donate/fund-the-resistance/"])
def test_random_text_in_a_donate_field_stores_a_gift_only_if_the_form_is_valid(browser, url, field):
    make_appeal()

    @AT_RANDOM
    @given(value=ANY_TEXT)
    def post(value):
        data = donate_data(field, value)
        before = Donation.objects.count()
        response = browser.post(url, data)
        stored = Donation.objects.count() - before
        assert response.status_code < 500
        assert stored == (response.status_code in (302, 303)) == DonationForm(data).is_valid()

    post()


def test_random_text_asking_for_a_link_makes_and_mails_no_link(browser, mailoutbox):
    make_donation()

    @AT_RANDOM
    @given(value=ANY_TEXT)
    def post(value):
        response = browser.post(reverse("donations:manage-request"), {"email": value})
        assert response.status_code < 500

    post()
    assert (ManageLink.objects.count(), mailoutbox) == (0, [])


def test_random_text_as_a_new_amount_changes_it_only_to_a_valid_amount(browser):
    pledge = make_donation(provider="offline", provider_reference="GIFT-1")
    sign_in(browser)
    field = f"gift-{pledge.pk}-amount"

    @AT_RANDOM
    @given(value=ANY_TEXT)
    def post(value):
        Donation.objects.filter(pk=pledge.pk).update(amount_pence=1000)
        form = ChangeAmountForm({field: value}, prefix=f"gift-{pledge.pk}")
        url = reverse("donations:manage-change-amount", args=[pledge.pk])
        response = browser.post(url, {field: value})
        pledge.refresh_from_db()
        if form.is_valid():
            assert (response.status_code, pledge.amount_pence) == (302, form.cleaned_data["amount"])
        else:
            assert (response.status_code, pledge.amount_pence) == (400, 1000)

    post()


@pytest.mark.parametrize("method", ["get", "post"])
def test_random_text_as_a_link_token_opens_nothing(browser, method):
    make_donation(provider="offline", provider_reference="GIFT-1")

    @AT_RANDOM
    @given(value=ANY_TEXT)
    def use(value):
        response = getattr(browser, method)(reverse("donations:manage-open"), {"token": value})
        assert response.status_code < 500

    use()
    assert browser.get(reverse("donations:manage")).status_code == 302
