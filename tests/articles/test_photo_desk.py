"""The photo desk: what an upload may be, the renditions the worker makes, <picture>
on the page, and the searchable photo library."""

import io
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, features

from articles.models import Photo
from articles.tasks import make_photo_renditions
from tests.articles.roles import client_for, make_user
from tests.articles.test_images import jpeg_with_gps
from tests.factories import ArticleFactory, PhotoFactory, jpeg_bytes

pytestmark = pytest.mark.django_db


def real_png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of `width` x `height` blank pixels: every row really is in the
    file, compressed a thousandfold, so it is small on disk and enormous when decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the bits
    compressor, idat = zlib.compressobj(9), bytearray()
    for _ in range(height):
        idat += compressor.compress(row)
    idat += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", bytes(idat))
        + chunk(b"IEND", b"")
    )  # fmt: skip


def image_bytes(format_name: str, size=(640, 400)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=format_name)
    return buffer.getvalue()


def upload(client, name, content, content_type="application/octet-stream"):
    return client.post(
        reverse("admin:articles_photo_add"),
        {
            "image": SimpleUploadedFile(name, content, content_type=content_type),
            "alt_text": "Pickets at the gate",
            "credit": "Staff photographer",
            "caption": "",
            "tags": "",
        },
    )


def test_a_real_decompression_bomb_is_refused_with_a_clear_error():
    bomb = real_png_bomb(20_000, 20_000)
    assert len(bomb) < 200_000  # 400 million pixels in a small file
    response = upload(client_for(make_user("editor")), "bomb.png", bomb, "image/png")
    assert response.status_code == 200
    assert "This picture is too large" in response.text
    assert not Photo.objects.exists()


@pytest.mark.parametrize(
    ("name", "format_name", "stored_as"),
    [("holiday.png", "JPEG", ".jpg"), ("chart.jpg", "PNG", ".png"), ("x.gif", "WEBP", ".webp")],
)
def test_the_content_not_the_extension_decides_the_type(name, format_name, stored_as):
    response = upload(client_for(make_user("editor")), name, image_bytes(format_name))
    assert response.status_code == 302
    assert Photo.objects.get().image.name.endswith(stored_as)


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow cannot read AVIF")
def test_avif_uploads_are_accepted():
    response = upload(client_for(make_user("editor")), "a.avif", image_bytes("AVIF"))
    assert response.status_code == 302
    assert Photo.objects.get().image.name.endswith(".avif")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("innocent.jpg", b"<html><script>alert(1)</script></html>"),
        ("animation.jpg", image_bytes("GIF")),
        ("page.png", b"%PDF-1.4 not a picture"),
    ],
)
def test_a_file_with_a_lying_extension_is_refused(name, content):
    response = upload(client_for(make_user("editor")), name, content, "image/jpeg")
    assert response.status_code == 200
    assert "This file is not a picture we can read" in response.text
    assert 'value="Pickets at the gate"' in response.text
    assert not Photo.objects.exists()


def test_the_worker_makes_webp_and_avif_renditions_beside_jpeg_without_exif():
    photo = PhotoFactory(image=ContentFile(jpeg_with_gps(1000, 600), name="gps.jpg"))

    make_photo_renditions.enqueue(photo.pk)

    photo.refresh_from_db()
    expected = (["avif"] if features.check("avif") else []) + ["webp", "jpg"]
    assert photo.rendition_formats == expected
    for width in photo.rendition_widths:
        for extension in expected:
            with default_storage.open(photo.rendition_name(width, extension)) as file:
                image = Image.open(io.BytesIO(file.read()))
                image.load()
            assert image.format == {"jpg": "JPEG", "webp": "WEBP", "avif": "AVIF"}[extension]
            assert image.width == width
            assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
            assert ExifTags.Base.Make not in image.getexif()


def test_page_serves_a_picture_with_sources_width_height(client):
    photo = PhotoFactory(image=ContentFile(jpeg_bytes(1000, 500), name="p.jpg"))
    make_photo_renditions.enqueue(photo.pk)
    article = ArticleFactory(lead_photo=photo)

    html = client.get(article.get_absolute_url()).text

    figure = html[html.index("<picture>") : html.index("</picture>")]
    assert (
        f'<source type="image/webp" srcset="/media/photos/renditions/{photo.pk}-480.webp 480w'
        in figure
    )
    if features.check("avif"):
        assert figure.index('type="image/avif"') < figure.index('type="image/webp"')
    assert f'src="/media/photos/renditions/{photo.pk}-800.jpg"' in figure
    assert 'width="1000" height="500"' in figure
    # The lead photo is at the top of the page: it loads at once.
    assert 'loading="lazy"' not in figure


def test_photos_before_renditions_are_served_as_the_original_without_sources(client):
    photo = PhotoFactory()
    article = ArticleFactory(lead_photo=photo)
    html = client.get(article.get_absolute_url()).text
    assert "<source" not in html[html.index("<picture>") : html.index("</picture>")]
    assert f'src="{photo.image.url}"' in html


def test_library_search_by_caption_credit_and_tag():
    by_caption = PhotoFactory(caption="Miners march on parliament", credit="Staff")
    by_credit = PhotoFactory(caption="A rally", credit="Guy Smallman")
    by_tag = PhotoFactory(caption="Picket line", credit="Staff")
    by_tag.tags.add("Kazakhstan")
    PhotoFactory(caption="Something else", credit="Staff")
    client = client_for(make_user("writer"))

    def search(term):
        response = client.get(reverse("admin:articles_photo_changelist"), {"q": term})
        return set(response.context["cl"].result_list)

    assert search("miners") == {by_caption}
    assert search("smallman") == {by_credit}
    assert search("kazakh") == {by_tag}


def test_one_photo_serves_several_articles_and_the_library_counts_them(
    django_assert_max_num_queries,
):
    photo = PhotoFactory()
    for _ in range(3):
        ArticleFactory(lead_photo=photo)
    for n in range(10):
        PhotoFactory().tags.add(f"tag {n}")
    client = client_for(make_user("editor"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:articles_photo_changelist"))
    row = next(p for p in response.context["cl"].result_list if p == photo)
    assert row.article_count == 3


# Committed for real: the worker manages its own database connections, which it may not
# do inside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_renditions_are_made_by_the_task_worker_not_the_upload_request(settings):
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = client_for(make_user("editor"))
    response = upload(client, "wide.jpg", jpeg_bytes(900, 500))
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.rendition_widths == []  # queued, not made in the request

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    photo.refresh_from_db()
    assert photo.rendition_widths == [480, 800, 900]
    assert "webp" in photo.rendition_formats
