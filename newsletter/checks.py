from django.core.checks import Tags, Warning, register

from newsletter.webhooks import webhook_secret_is_set


@register(Tags.security, deploy=True)
def check_webhook_secret(app_configs, **kwargs):
    if webhook_secret_is_set():
        return []
    return [
        Warning(
            "ANYMAIL_WEBHOOK_SECRET is not set, so the mail provider's bounce and complaint "
            "webhooks (/newsletters/webhooks/<esp>/tracking/) answer 404: addresses that "
            "bounce or complain keep getting mail.",
            hint="Set ANYMAIL_WEBHOOK_SECRET to a long random 'user:password' and give the "
            "provider the webhook URL with it as basic auth. Silence newsletter.W001 only "
            "if the provider sends no webhooks.",
            id="newsletter.W001",
        )
    ]
