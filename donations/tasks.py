from django.tasks import task

from donations import services
from donations.models import Donation


@task
def send_donation_receipt(donation_id: int) -> bool:
    donation = Donation.objects.select_related("appeal").filter(pk=donation_id).first()
    return bool(donation) and services.send_receipt(donation)


@task
def send_donation_manage_link(email: str) -> bool:
    return services.send_manage_link(email)
