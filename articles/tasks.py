import logging

from django.tasks import task

from articles.images import make_renditions
from articles.models import Photo

logger = logging.getLogger(__name__)


@task
def make_photo_renditions(photo_id: int) -> list[int]:
    """Make the srcset renditions of one photo. Safe to run again: it overwrites them."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or not photo.image:
        return []
    try:
        return make_renditions(photo)
    except Exception:
        # A corrupt or oversized original keeps being served as it is; retrying won't fix it.
        logger.exception("Could not make renditions of photo %s", photo_id)
        return []
