"""Files for the upload tests, made in memory: a few honest pictures and many that lie."""

import io
import struct
import zlib

from PIL import ExifTags, Image


def png_bytes(width=40, height=30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side=30_000) -> bytes:
    """A 1-bit `side` x `side` PNG of zeros: about 100 kB that would decode to 900 million
    pixels. Compressed in slices, so making it never holds the raw image either."""
    row = b"\x00" * (1 + (side + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row * 1000) for _ in range(side // 1000)]
    parts.append(compressor.compress(row * (side % 1000)) + compressor.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )


def padded_png(megabytes: int) -> bytes:
    """A valid little PNG carrying `megabytes` of junk in a private chunk."""
    picture = png_bytes()
    junk = png_chunk(b"jnKy", b"\x00" * (megabytes * 1024 * 1024))
    return picture[:-12] + junk + picture[-12:]


def jpeg_with_exif(width=60, height=40, orientation=6) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Camera Co"
    exif[ExifTags.Base.BodySerialNumber] = "SN-12345"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 0.0)
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def encoded(format_name: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(buffer, format=format_name, **options)
    return buffer.getvalue()


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" '
    b'onload="window.__xss=1"><script>window.__xss=1</script><rect width="10" height="10"/></svg>'
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>window.__xss=1</script></body></html>"
EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    b"newpath 0 0 moveto 10 10 lineto stroke showpage\n%%EOF\n"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>"
    b">>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def fits() -> bytes:
    cards = [
        "SIMPLE  =                    T",
        "BITPIX  =                    8",
        "NAXIS   =                    2",
        "NAXIS1  =                   10",
        "NAXIS2  =                   10",
        "END",
    ]
    header = "".join(card.ljust(80) for card in cards).ljust(2880).encode()
    return header + b"\x00" * 2880


# name → (file name, content-type the browser claims, bytes)
BAD_FILES = {
    "svg with script": ("logo.svg", "image/svg+xml", lambda: SVG_WITH_SCRIPT),
    "svg renamed .png": ("logo.png", "image/png", lambda: SVG_WITH_SCRIPT),
    "html renamed .jpg": ("photo.jpg", "image/jpeg", lambda: HTML_PAGE),
    "html after a jpeg header": (
        "photo.jpg", "image/jpeg", lambda: b"\xff\xd8\xff\xe0" + HTML_PAGE
    ),
    "empty file": ("empty.jpg", "image/jpeg", lambda: b""),
    "50 MB file": ("huge.png", "image/png", lambda: padded_png(50)),
    "30,000 x 30,000 png bomb": ("bomb.png", "image/png", png_bomb),
    "eps": ("drawing.eps", "application/postscript", lambda: EPS),
    "eps renamed .jpg": ("drawing.jpg", "image/jpeg", lambda: EPS),
    "pdf with javascript": ("scan.pdf", "application/pdf", lambda: PDF),
    "pdf renamed .jpg": ("scan.jpg", "image/jpeg", lambda: PDF),
    "fits": ("sky.fits", "image/fits", fits),
    "fits renamed .png": ("sky.png", "image/png", fits),
    "gif": ("anim.gif", "image/gif", lambda: encoded("GIF")),
    "bmp": ("old.bmp", "image/bmp", lambda: encoded("BMP")),
    "tiff": ("scan.tiff", "image/tiff", lambda: encoded("TIFF")),
    "ico": ("favicon.ico", "image/x-icon", lambda: encoded("ICO")),
    "truncated jpeg": ("cut.jpg", "image/jpeg", lambda: jpeg_with_exif()[:200]),
}  # fmt: skip
