"""Small pure helpers on text, shared by loading, chunking and citation checks."""

import hashlib
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")


def clean_page_text(text: str) -> str:
    """Text as extracted from a page, made safe to store: NFC, no control characters, lines stripped,
    paragraphs kept apart by one blank line."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    lines = "\n".join(line.strip() for line in text.splitlines())
    return _BLANK_RUNS.sub("\n\n", lines).strip()


def squash(text: str) -> str:
    """One canonical spacing: what a quote and a page are compared on (line wraps do not count)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def quote_on_page(quote: str, page_text: str) -> bool:
    """True when the quote appears word for word on the page, whatever the line breaks."""
    needle = squash(quote)
    return bool(needle) and needle in squash(page_text)


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()
