from django.tasks import task

from newsroom.password_reset import send_password_reset_for


@task
def send_staff_password_reset(email: str) -> None:
    send_password_reset_for(email)
