from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"

    def ready(self):
        from newsletter import checks, webhooks  # noqa: F401  (registers them)
