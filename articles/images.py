"""Photo uploads: checking them, and the renditions that pages show instead (AVIF
where Pillow can write it, WebP, and JPEG for every browser).

Readers never get the uploaded file itself when renditions exist: each rendition is
re-encoded from the pixels alone, turned the right way up, so no EXIF block (camera
serial, GPS position of a source's home) travels with it. The original is stored the
same way, since its address under /media/ is public too.
"""

import io
import logging
import warnings

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps, features

from newsroom.storage import has_room_for

logger = logging.getLogger(__name__)

RENDITION_WIDTHS = (480, 800, 1200, 1600)
JPEG_QUALITY = 82

# What the upload's content (never its name) may be, and the extension it is stored with.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
if features.check("avif"):
    ACCEPTED_FORMATS["AVIF"] = "avif"
ACCEPTED_NAMES = "JPEG, PNG, WebP or AVIF" if "AVIF" in ACCEPTED_FORMATS else "JPEG, PNG or WebP"


def rendition_encoders() -> dict:
    """File extension → Pillow save() arguments, best compression first."""
    encoders = {}
    if features.check("avif"):
        encoders["avif"] = {"format": "AVIF", "quality": 60, "speed": 8}
    if features.check("webp"):
        encoders["webp"] = {"format": "WEBP", "quality": 80, "method": 4}
    encoders["jpg"] = {
        "format": "JPEG", "quality": JPEG_QUALITY, "optimize": True, "progressive": True,
    }  # fmt: skip
    return encoders


def rendition_widths_for(original_width: int) -> list[int]:
    """The standard widths narrower than the original, plus the original width itself
    (capped at the largest standard one), so no rendition is ever upscaled."""
    widths = [w for w in RENDITION_WIDTHS if w < original_width]
    return sorted({*widths, min(original_width, RENDITION_WIDTHS[-1])})


def make_renditions(photo) -> list[int]:
    """Write the renditions of `photo` to the default storage, in every format this
    Pillow can write, and record their widths and formats on it. Running it twice
    overwrites the same files."""
    with photo.image.open("rb") as file, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        original = Image.open(file)
        if original.width * original.height > settings.MAX_IMAGE_PIXELS:
            raise ValueError(f"Photo {photo.pk} is larger than MAX_IMAGE_PIXELS")
        upright = ImageOps.exif_transpose(original).convert("RGB")

    widths = rendition_widths_for(upright.width)
    encoders = rendition_encoders()
    for width in widths:
        height = max(1, round(upright.height * width / upright.width))
        resized = upright.resize((width, height), Image.Resampling.LANCZOS)
        for extension, options in encoders.items():
            buffer = io.BytesIO()
            # No exif= argument: the rendition carries pixels only.
            resized.save(buffer, **options)
            name = photo.rendition_name(width, extension)
            default_storage.delete(name)
            default_storage.save(name, ContentFile(buffer.getvalue()))

    photo.rendition_widths = widths
    photo.rendition_formats = list(encoders)
    photo.save(update_fields=["rendition_widths", "rendition_formats"])
    return widths


# How the stored original is re-encoded: close to the upload's quality, without metadata.
ORIGINAL_ENCODERS = {
    "JPEG": {"quality": 92},
    "PNG": {},
    "WEBP": {"quality": 90},
    "AVIF": {"quality": 85},
}


def without_metadata(upload, image_format: str):
    """The upload re-encoded from its pixels, turned upright: no EXIF, XMP or comments.
    The colour profile stays, so colours do not shift."""
    upload.seek(0)
    with Image.open(upload) as image:
        icc_profile = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        buffer = io.BytesIO()
        options = ORIGINAL_ENCODERS[image_format] | (
            {"icc_profile": icc_profile} if icc_profile else {}
        )
        upright.save(buffer, format=image_format, **options)
    clean = SimpleUploadedFile(upload.name, buffer.getvalue(), upload.content_type)
    clean.image = upload.image
    return clean


class PhotoImageField(forms.ImageField):
    """An ImageField that tells a person why a picture was refused: not a picture at
    all, one in a format we do not publish, or one with more pixels than the server
    will decode. The file's content decides its type, and its stored extension."""

    default_error_messages = {
        "invalid_image": f"This file is not a picture we can read. Upload a {ACCEPTED_NAMES} "
        "image.",
        "too_many_pixels": "This picture is too large (%(size)s): the limit is "
        "%(limit)s million pixels. Make it smaller and upload it again.",
        "too_many_bytes": "This file is %(size)s MB: the limit is %(limit)s MB. Export a "
        "smaller copy and upload that.",
        "storage_full": "There is no room left in the media storage, so the picture was not "
        "saved. Ask whoever runs the site to free some space, then upload it again.",
    }

    def to_python(self, data):
        limit = settings.MAX_IMAGE_UPLOAD_MB
        if data and getattr(data, "size", 0) > limit * 1024 * 1024:
            raise forms.ValidationError(
                self.error_messages["too_many_bytes"],
                code="too_many_bytes",
                params={"size": f"{data.size / 1024 / 1024:.0f}", "limit": limit},
            )
        with warnings.catch_warnings():
            # Pillow warns before it refuses; MAX_IMAGE_PIXELS decides instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                upload = super().to_python(data)
            except forms.ValidationError as error:
                if isinstance(error.__cause__, Image.DecompressionBombError):
                    raise self._too_many_pixels("far beyond any photograph") from error
                raise
        if upload is not None:
            width, height = upload.image.size
            if width * height > settings.MAX_IMAGE_PIXELS:
                raise self._too_many_pixels(f"{width} x {height} pixels")
            extension = ACCEPTED_FORMATS.get(upload.image.format)
            if extension is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_image"], code="invalid_image"
                )
            if not has_room_for(upload.size):
                raise forms.ValidationError(
                    self.error_messages["storage_full"], code="storage_full"
                )
            stem = upload.name.rsplit(".", 1)[0] if "." in upload.name else upload.name
            upload.name = f"{stem or 'photo'}.{extension}"
            upload = without_metadata(upload, upload.image.format)
        return upload

    def _too_many_pixels(self, size: str) -> forms.ValidationError:
        limit = f"{settings.MAX_IMAGE_PIXELS / 1_000_000:g}"
        return forms.ValidationError(
            self.error_messages["too_many_pixels"],
            code="too_many_pixels",
            params={"size": size, "limit": limit},
        )
