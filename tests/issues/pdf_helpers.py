"""Shared by the PDF tests: turn a PDF into text the way a reader's tools would."""

import io
import re

from pypdf import PdfReader


def squeeze(text: str) -> str:
    """Text with all whitespace removed, so line breaks in the PDF do not matter."""
    return re.sub(r"\s+", "", text)


def pdf_reader(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-"), data[:40]
    return PdfReader(io.BytesIO(data))


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pdf_reader(data).pages]


def response_bytes(response) -> bytes:
    return b"".join(response.streaming_content)
