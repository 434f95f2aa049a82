"""The media storage fills up (a 1 MB tmpfs as MEDIA_ROOT): a photo upload and a PDF
render fail with a clear message, and leave no orphan file or row behind."""

import io
import os
import subprocess
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Photo
from issues import services
from issues.models import PrintPdf
from tests.figures import record
from tests.issues.test_pdf import make_pdf, reference_article

pytestmark = [pytest.mark.faults, pytest.mark.django_db]
ROOM_LEFT = 16 * 1024


@pytest.fixture
def small_media(settings, tmp_path):
    """A 1 MB tmpfs as MEDIA_ROOT; `fill()` leaves ROOM_LEFT bytes free."""
    folder = tmp_path / "small-media"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode:
        reason = f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (needed in CI, which runs as root)")
        pytest.skip(reason)
    settings.MEDIA_ROOT = folder

    def fill():
        free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
        (folder / "filler").write_bytes(b"\0" * (free - ROOM_LEFT))

    yield fill
    subprocess.run(["umount", str(folder)], check=True)


def files_in(folder) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


def noisy_jpeg(size=(400, 300)) -> bytes:
    # Random pixels do not compress: the file is far bigger than the room left.
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def test_photo_upload_to_full_storage_is_refused_with_a_clear_error(
    admin_client, settings, small_media
):
    small_media()
    before = files_in(settings.MEDIA_ROOT)
    upload = SimpleUploadedFile("strike.jpg", noisy_jpeg(), "image/jpeg")

    response = admin_client.post(
        reverse("admin:articles_photo_add"),
        {"image": upload, "alt_text": "Pickets at the gate", "credit": "Ours", "tags": ""},
    )

    assert response.status_code == 200
    assert "no room left in the media storage" in response.text
    assert 'value="Pickets at the gate"' in response.text, "What was typed is kept"
    assert not Photo.objects.exists()
    assert files_in(settings.MEDIA_ROOT) == before


def test_a_write_that_runs_out_of_space_leaves_no_partial_file(settings, small_media):
    small_media()
    name = f"photos/{uuid.uuid4().hex}.jpg"

    with pytest.raises(OSError, match="No space left"):
        default_storage.save(name, ContentFile(os.urandom(200_000)))

    assert not (settings.MEDIA_ROOT / name).exists()
    assert files_in(settings.MEDIA_ROOT) == {"filler"}


def test_pdf_render_to_full_storage_fails_clearly_and_stores_nothing(
    settings, small_media, django_capture_on_commit_callbacks
):
    article = reference_article()
    small_media()
    before = files_in(settings.MEDIA_ROOT)

    pdf = make_pdf(services.issue_pdf_job(article.issue), django_capture_on_commit_callbacks)

    orphans = files_in(settings.MEDIA_ROOT) - before
    record("media_full_orphans", len(orphans) + Photo.objects.filter(image="").count())
    assert pdf.status == PrintPdf.Status.FAILED
    assert "storage is full" in pdf.error
    assert not pdf.file
    assert not orphans
