"""Uploads through the admin's photo form: everything that is not a plain JPEG, PNG, WebP or
AVIF picture is refused with a form error, without the server decoding it; what is
accepted is stored re-encoded, upright and without its EXIF; /media/ says nosniff."""

import io
import resource
import tracemalloc
from pathlib import Path
from types import ModuleType

import pytest
from django.conf.urls.static import static
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import ExifTags, Image

from articles.models import Photo
from tests.figures import record
from tests.security.uploads import BAD_FILES, jpeg_with_exif

ROOT = Path(__file__).resolve().parents[2]
ADD_PHOTO = "/admin/articles/photo/add/"
# What one refused upload may cost the server beyond the file itself.
MEMORY_BUDGET_MB = 64

pytestmark = pytest.mark.django_db
accepted_bad_files = []


@pytest.fixture
def desk():
    client = Client()
    client.force_login(User.objects.create_superuser("desk", "desk@example.org", "pw"))
    return client


def upload(client, name, content_type, content):
    data = {"image": SimpleUploadedFile(name, content, content_type), "alt_text": "A picture",
            "credit": "Staff", "caption": ""}  # fmt: skip
    return client.post(ADD_PHOTO, data)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_files_are_refused_with_a_form_error(settings, desk, kind):
    name, content_type, make = BAD_FILES[kind]
    content = make()
    rss_before = max_rss_mb()
    tracemalloc.start()
    try:
        response = upload(desk, name, content_type, content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if Photo.objects.exists():
        accepted_bad_files.append(kind)
    assert response.status_code == 200
    assert 'class="errorlist' in response.text
    assert not Photo.objects.exists()
    stored = (
        list(Path(settings.MEDIA_ROOT).rglob("*")) if Path(settings.MEDIA_ROOT).exists() else []
    )
    assert [p for p in stored if p.is_file()] == []
    # Python's allocations beyond the upload itself, and the process's high-water mark
    # (which catches a decoder's C allocations: the bomb alone would be about 900 MB).
    assert peak / 1024 / 1024 < len(content) / 1024 / 1024 * 2 + MEMORY_BUDGET_MB
    assert max_rss_mb() - rss_before < MEMORY_BUDGET_MB + len(content) / 1024 / 1024 * 2


def test_figures_for_the_report():
    record("bad_files_tried", len(BAD_FILES), bad_files_accepted=len(accepted_bad_files))


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("50 MB file", "the limit is 25 MB"),
        ("30,000 x 30,000 png bomb", "This picture is too large"),
        ("svg with script", "This file is not a picture we can read"),
        ("empty file", "The submitted file is empty"),
    ],
)
def test_the_error_says_what_is_wrong(desk, kind, message):
    name, content_type, make = BAD_FILES[kind]
    response = upload(desk, name, content_type, make())
    assert message in response.text
    # What was typed is kept.
    assert 'value="A picture"' in response.text


def test_an_accepted_photo_is_stored_upright_without_exif(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(desk, "holiday.jpeg", "image/jpeg", jpeg_with_exif(60, 40, orientation=6))
    assert response.status_code == 302
    photo = Photo.objects.get()
    with photo.image.open("rb") as file:
        stored = file.read()
    original = Image.open(io.BytesIO(stored))
    assert original.size == (40, 60)  # turned upright: orientation 6 is a quarter turn
    assert not original.getexif()
    assert b"Camera Co" not in stored and b"SN-12345" not in stored
    assert (photo.width, photo.height) == (40, 60)
    assert photo.rendition_widths
    for width in photo.rendition_widths:
        with photo.image.storage.open(photo.rendition_name(width)) as file:
            rendition = Image.open(file)
            assert not rendition.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_media_is_served_with_nosniff(settings, desk):
    # In development Django serves /media/ (DEBUG); SecurityMiddleware adds the header.
    upload(desk, "p.jpeg", "image/jpeg", jpeg_with_exif())
    photo = Photo.objects.get()
    with override_settings(DEBUG=True):
        urls = ModuleType("media_urls")
        urls.urlpatterns = static("/media/", document_root=settings.MEDIA_ROOT)
        with override_settings(ROOT_URLCONF=urls):
            response = Client().get("/media/" + photo.image.name)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"


def test_nginx_serves_media_with_nosniff():
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    media = config[config.index("location /media/") :]
    media = media[: media.index("}")]
    assert "add_header X-Content-Type-Options nosniff" in media
