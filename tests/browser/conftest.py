# The real SMTP server (aiosmtpd) the newsletter tests use, for the signup flow here.
from tests.newsletter.conftest import smtp_server  # noqa: F401
