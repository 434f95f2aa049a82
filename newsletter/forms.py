import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from mailboxes.addresses import normalise_email
from newsletter.models import Newsletter

CONSENT_TEXT = (
    "Email me {names} from {site}. I can unsubscribe at any time with one click; "
    "my address is used for nothing else."
)


def consent_text_for(newsletters) -> str:
    names = " and ".join(f'"{newsletter.name}"' for newsletter in newsletters)
    return CONSENT_TEXT.format(names=names, site=settings.SITE_NAME)


class MailboxField(forms.EmailField):
    """An address we can compare and mail. It is kept in NFKC form: a Kelvin sign, a
    long s or full-width letters become the plain letters every mail server takes,
    and that is the address stored and mailed. Case and quoting stay as typed."""

    def to_python(self, value):
        return unicodedata.normalize("NFKC", super().to_python(value))

    def run_validators(self, value):
        super().run_validators(value)
        if value:
            try:
                normalise_email(value)
            except ValidationError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class SignupForm(forms.Form):
    email = MailboxField(
        label="Your email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address in the form name@example.org.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.public(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Newsletters",
    )
    source = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    # Honeypot: hidden from people (and screen readers); bots fill in every field.
    website = forms.CharField(required=False, max_length=200, label="Leave this empty")

    def clean_newsletters(self):
        # The form on article pages names no newsletter: it signs up to the daily one.
        chosen = list(self.cleaned_data["newsletters"])
        if not chosen:
            default = Newsletter.objects.filter(slug=settings.NEWSLETTER_DEFAULT_SLUG).first()
            if default is None:
                raise forms.ValidationError("Choose a newsletter.", code="required")
            chosen = [default]
        return chosen

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class PreferencesForm(forms.Form):
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.public(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Send me",
    )
