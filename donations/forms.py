import re
import unicodedata
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from donations.models import (
    GIFT_AID_DECLARATION_VERSION,
    MAX_AMOUNT_PENCE,
    MIN_AMOUNT_PENCE,
    Donation,
    gift_aid_declaration,
)
from mailboxes.addresses import normalise_email

PRESET_AMOUNTS = ["5", "10", "25", "50"]
OTHER = "other"
UK_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$")


AMOUNT = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+", re.ASCII)


def parse_amount_pence(text: str) -> int:
    """Pounds as typed ("12", "12.50", "£1,000") to pence, with Decimal: never a float.
    Only ASCII digits and a point: Decimal would also take signs, exponents, underscores
    and other scripts' digits, none of which a donor means in an amount."""
    cleaned = (text or "").strip().replace("£", "").replace(",", "").strip()
    if not cleaned:
        raise ValidationError("Enter an amount.", code="required")
    if not AMOUNT.fullmatch(cleaned):
        raise ValidationError("Enter the amount in pounds, like 12 or 12.50.", code="invalid")
    pounds = Decimal(cleaned)
    if pounds * 100 > MAX_AMOUNT_PENCE:
        raise ValidationError(
            "The largest gift we can take online is £10,000: please contact us for more.",
            code="max_value",
        )
    if pounds != pounds.quantize(Decimal("0.01")):
        raise ValidationError("Use at most two decimal places (pence).", code="too_precise")
    pence = int(pounds * 100)
    if pence < MIN_AMOUNT_PENCE:
        raise ValidationError("The smallest gift we can take is £1.", code="min_value")
    return pence


class AddressField(forms.EmailField):
    """An email address in Unicode NFKC, so that full-width letters or a letter and a
    combining accent are read as the address they spell, and one that has a comparison
    key (`mailboxes.addresses.normalise_email`) to find the donor's gifts by."""

    def to_python(self, value):
        return unicodedata.normalize("NFKC", super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value:
            normalise_email(value)


class SourceField(forms.CharField):
    """The article a donor came from, carried in a hidden field: anything that is not a
    plausible slug or id is dropped, since the donor can neither see nor correct it."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=200, **kwargs)

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError:
            return ""


def normalise_postcode(text: str) -> str:
    compact = re.sub(r"\s+", "", text or "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


class DonationForm(forms.ModelForm):
    amount = forms.ChoiceField(
        label="Amount",
        choices=[(value, f"£{value}") for value in PRESET_AMOUNTS] + [(OTHER, "Other")],
        widget=forms.RadioSelect,
        initial="10",
    )
    other_amount = forms.CharField(
        label="Other amount (£)",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    source = SourceField()

    class Meta:
        model = Donation
        fields = [
            "frequency",
            "donor_name",
            "donor_email",
            "is_gift_aid",
            "home_address",
            "postcode",
            "message",
        ]
        labels = {
            "donor_name": "Your full name",
            "donor_email": "Your email address",
            "is_gift_aid": "Yes, I want to Gift Aid my donation",
            "home_address": "Home address (house name or number and street)",
            "message": "A message for us (optional)",
        }
        widgets = {
            "frequency": forms.RadioSelect,
            "message": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"donor_email": AddressField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_gift_aid"].help_text = gift_aid_declaration()
        self.fields["donor_name"].widget.attrs["autocomplete"] = "name"
        self.fields["donor_email"].widget.attrs["autocomplete"] = "email"
        self.fields["home_address"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("amount")
        if choice == OTHER:
            try:
                self.instance.amount_pence = parse_amount_pence(cleaned.get("other_amount", ""))
            except ValidationError as error:
                self.add_error("other_amount", error)
        elif choice:
            self.instance.amount_pence = int(choice) * 100

        if cleaned.get("is_gift_aid"):
            if not cleaned.get("home_address", "").strip():
                self.add_error(
                    "home_address",
                    ValidationError(
                        "Gift Aid needs your home address: HMRC asks for it.", code="required"
                    ),
                )
            postcode = normalise_postcode(cleaned.get("postcode", ""))
            if not UK_POSTCODE.match(postcode):
                self.add_error(
                    "postcode",
                    ValidationError(
                        "Enter a valid UK postcode, like SW1A 1AA: Gift Aid needs one.",
                        code="invalid",
                    ),
                )
            else:
                cleaned["postcode"] = postcode
            self.instance.gift_aid_declaration_version = GIFT_AID_DECLARATION_VERSION
        else:
            # No Gift Aid, no need to keep an address.
            cleaned["home_address"] = ""
            cleaned["postcode"] = ""
        return cleaned


class ManageLinkForm(forms.Form):
    email = AddressField(label="The email address you gave with your donation")


class ChangeAmountForm(forms.Form):
    amount = forms.CharField(
        label="New amount (£)",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def clean_amount(self):
        return parse_amount_pence(self.cleaned_data["amount"])
