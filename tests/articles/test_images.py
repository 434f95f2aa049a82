import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import ExifTags, Image

from articles.images import make_renditions, rendition_widths_for
from articles.tasks import make_photo_renditions
from tests.factories import PhotoFactory, jpeg_bytes

pytestmark = pytest.mark.django_db

ROTATE_90_CLOCKWISE = 6


def jpeg_with_gps(width, height, *, orientation=1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Camera Co"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 40.0)
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def open_rendition(photo, width):
    with default_storage.open(photo.rendition_name(width)) as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
        return image


def test_renditions_are_made_at_standard_widths_never_wider_than_the_original():
    photo = PhotoFactory(image=ContentFile(jpeg_bytes(1400, 700), name="wide.jpg"))

    assert make_renditions(photo) == [480, 800, 1200, 1400]

    photo.refresh_from_db()
    assert photo.rendition_widths == [480, 800, 1200, 1400]
    for width in photo.rendition_widths:
        rendition = open_rendition(photo, width)
        assert rendition.format == "JPEG"
        assert rendition.size == (width, width // 2)


def test_rendition_widths_for_small_and_huge_originals():
    assert rendition_widths_for(300) == [300]
    assert rendition_widths_for(800) == [480, 800]
    assert rendition_widths_for(4000) == [480, 800, 1200, 1600]


def test_renditions_carry_no_exif_or_gps_position():
    original = jpeg_with_gps(1000, 600)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    photo = PhotoFactory(image=ContentFile(original, name="source.jpg"))

    make_renditions(photo)

    for width in photo.rendition_widths:
        rendition = open_rendition(photo, width)
        assert "exif" not in rendition.info
        assert not rendition.getexif()
        assert not rendition.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_renditions_are_turned_the_way_the_camera_says():
    photo = PhotoFactory(
        image=ContentFile(jpeg_with_gps(1200, 800, orientation=ROTATE_90_CLOCKWISE), "r.jpg")
    )

    assert make_renditions(photo) == [480, 800]

    assert open_rendition(photo, 480).size == (480, 720)
    assert open_rendition(photo, 800).size == (800, 1200)


def test_making_renditions_twice_overwrites_the_same_files():
    photo = PhotoFactory(image=ContentFile(jpeg_bytes(900, 600), name="p.jpg"))
    make_renditions(photo)
    make_renditions(photo)
    names = default_storage.listdir("photos/renditions")[1]
    assert sorted(names) == sorted(
        f"{photo.pk}-{w}.{ext}" for w in (480, 800, 900) for ext in photo.rendition_formats
    )


def test_srcset_and_thumbnail_use_renditions_once_made():
    photo = PhotoFactory(image=ContentFile(jpeg_bytes(1000, 500), name="p.jpg"))
    assert photo.srcset == f"{photo.image.url} 1000w"
    assert photo.thumbnail_url == photo.image.url

    make_photo_renditions.enqueue(photo.pk)

    photo.refresh_from_db()
    assert photo.srcset == (
        f"/media/photos/renditions/{photo.pk}-480.jpg 480w, "
        f"/media/photos/renditions/{photo.pk}-800.jpg 800w, "
        f"/media/photos/renditions/{photo.pk}-1000.jpg 1000w"
    )
    assert photo.thumbnail_url == f"/media/photos/renditions/{photo.pk}-480.jpg"
    assert photo.src == f"/media/photos/renditions/{photo.pk}-800.jpg"


def test_a_corrupt_original_makes_no_renditions_and_breaks_nothing():
    photo = PhotoFactory()
    with default_storage.open(photo.image.name, "wb") as file:
        file.write(b"\xff\xd8\xff\xe0 this is not the rest of a JPEG")

    result = make_photo_renditions.enqueue(photo.pk)

    assert result.return_value == []
    photo.refresh_from_db()
    assert photo.rendition_widths == []
    assert photo.srcset.startswith(photo.image.url)
    assert photo.thumbnail_url == photo.image.url


def test_task_for_a_deleted_photo_does_nothing():
    assert make_photo_renditions.enqueue(987654).return_value == []
