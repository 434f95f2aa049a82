"""Image files made on the fly for the tests."""

import io
import struct
import zlib

from PIL import Image


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decoder that trusts
    it would allocate gigabytes."""
    buffer = io.BytesIO()
    Image.new("1", (8, 8)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    return bytes(data)
