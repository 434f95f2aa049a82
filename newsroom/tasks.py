from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def send_password_reset_email(subject: str, body: str, to: str, html: str = "") -> None:
    message = EmailMultiAlternatives(subject, body, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
