from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"

    def ready(self):
        from newsletter import webhooks  # noqa: F401  (connects the anymail receiver)
