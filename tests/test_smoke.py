from django.conf import settings


def test_settings_come_from_the_test_environment():
    assert settings.SECURE_SSL_REDIRECT is False
