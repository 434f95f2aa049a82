from django.conf import settings


def site(request):
    """The paper's name and address, for the header, footer and social metadata."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "NEWSLETTER_NAME": settings.NEWSLETTER_NAME,
    }
