"""Load stage: source files on disk -> LoadedSource (PDFs page by page through pypdf, text, catalogue records)."""

import logging
import math
from io import BytesIO
from pathlib import Path

from pypdf import PageObject, PdfReader

from assistant.catalogue import read_record
from assistant.errors import LoadError, RecordError, too_big
from assistant.layout import Block, Fragment, blocks_of, lines_of
from assistant.layout import page_text as layout_text
from assistant.models import LoadedSource, Page
from assistant.settings import Bounds, Settings
from assistant.text import clean_page_text, sha256_hex

PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt", ".md"}
RECORD_SUFFIXES = {".yaml", ".yml"}
DOCUMENT_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES  # what the web app may serve: never HTML or SVG, which would run
SUPPORTED_SUFFIXES = DOCUMENT_SUFFIXES | RECORD_SUFFIXES

# pypdf logs every repair it attempts on a damaged file; the one-line LoadError is what the user needs.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def is_hidden(relative: Path) -> bool:
    """A path with a hidden file or folder in it: never indexed (nor, by the web app, served)."""
    return any(part.startswith(".") for part in relative.parts)


def discover(root: Path) -> list[Path]:
    """The supported files under a directory (or the file itself), sorted, hidden ones left out."""
    if root.is_file():
        return [root]
    return sorted(
        path for path in root.rglob("*")
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not is_hidden(path.relative_to(root))
    )


def read_bytes(path: Path, source: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise LoadError(source, f"lecture impossible ({error.strerror})") from error


# How a PDF is read into text; part of its indexed hash, so that an index built with an earlier reading (before
# pages were read as layout blocks) reads its PDFs again at the next ingest.
PDF_READING = "layout-blocks-1"


def content_hash(data: bytes, suffix: str) -> str:
    """What tells whether a source changed since it was indexed: its bytes (and, for a PDF, how it is read)."""
    return sha256_hex(PDF_READING.encode() + data if suffix.lower() in PDF_SUFFIXES else data)


def file_hash(path: Path, source: str) -> str:
    return content_hash(read_bytes(path, source), path.suffix)


def load_source(path: Path, settings: Settings) -> LoadedSource:
    source = settings.relative(path)
    suffix = path.suffix.lower()
    bounds = settings.bounds
    limit = bounds.record_bytes if suffix in RECORD_SUFFIXES else bounds.document_bytes
    try:
        size = path.stat().st_size
    except OSError as error:
        raise LoadError(source, f"lecture impossible ({error.strerror})") from error
    if size > limit:  # refused before it is read
        raise LoadError(source, too_big("fichier trop volumineux", size, limit, "octets"))
    data = read_bytes(path, source)
    if not data.strip():
        raise LoadError(source, "fichier vide")
    if suffix in PDF_SUFFIXES:
        title, pages = read_pdf(data, source, bounds.document_pages)
        return LoadedSource(path=source, title=title or path.stem, source_hash=content_hash(data, suffix), pages=pages)
    if suffix in TEXT_SUFFIXES:
        text = read_text(data, source)
        return LoadedSource(path=source, title=text_title(text) or path.stem, source_hash=content_hash(data, suffix),
                            pages=[Page(text=text)])
    if suffix in RECORD_SUFFIXES:
        try:
            record = read_record(path, settings.home, bounds)
        except RecordError as error:
            raise LoadError(source, ": ".join(part for part in (error.field, error.reason) if part)) from error
        return LoadedSource(path=source, title=record.name, source_hash=content_hash(data, suffix),
                            pages=[Page(text=record.text())], record=record)
    accepted = ", ".join(sorted(SUPPORTED_SUFFIXES))
    raise LoadError(source, f"type de fichier non pris en charge « {suffix} » (acceptés : {accepted})")


def read_pdf(data: bytes, source: str, max_pages: int = Bounds().document_pages) -> tuple[str | None, list[Page]]:
    """A PDF's title and its pages' text, one block of lines per paragraph, box or table cell (`layout`). Pages keep
    their 1-based numbers, empty pages included. Refused when it has more than `max_pages` pages, before any is
    read."""
    title, pages = read_pdf_blocks(data, source, max_pages)
    return title, [Page(number=n, text=pdf_page_text(blocks)) for n, blocks in enumerate(pages, 1)]


def pdf_page_text(blocks: list[Block]) -> str:
    """A PDF page's text as indexed and as citations are verified on: its blocks, one blank line apart."""
    return clean_page_text(layout_text(blocks))


def read_pdf_blocks(data: bytes, source: str,
                    max_pages: int = Bounds().document_pages) -> tuple[str | None, list[list[Block]]]:
    """A PDF's title and each page's blocks of lines, placed where pypdf reads them."""
    if b"%PDF-" not in data[:1024]:
        raise LoadError(source, "ce n’est pas un PDF (aucun en-tête %PDF-)")
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(source, "PDF chiffré : un mot de passe est requis")
        if len(reader.pages) > max_pages:
            raise LoadError(source, too_big("PDF trop long", len(reader.pages), max_pages, "pages"))
        pages = [_page_blocks(page) for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or None
    except LoadError:
        raise
    except Exception as error:  # pypdf raises many exception types on damaged files
        raise LoadError(source, f"PDF illisible ou endommagé ({type(error).__name__} : {error})") from error
    if not pages:
        raise LoadError(source, "PDF sans aucune page")
    if not any(block.text.strip() for blocks in pages for block in blocks):
        raise LoadError(source, "aucun texte extractible (PDF numérisé? passez-le d’abord à l’OCR)")
    return title, pages


def _page_blocks(page: PageObject) -> list[Block]:
    """pypdf's text of one page (its own lines, word spacing and reading order), with where each piece starts."""
    fragments: list[Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        across, up = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]  # where the text runs
        fragments.append(Fragment(text, x, y, size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]),
                                  upright=across > 0 and abs(up) <= 0.1 * across))

    page.extract_text(visitor_text=visit)
    return blocks_of(lines_of(fragments))


def read_text(data: bytes, source: str) -> str:
    if b"\x00" in data:
        raise LoadError(source, "ce n’est pas un fichier texte (contenu binaire)")
    try:
        text = clean_page_text(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise LoadError(source, f"texte non UTF-8 (octet {error.start})") from error
    if not text:
        raise LoadError(source, "fichier vide")
    return text


def text_title(text: str) -> str | None:
    """A Markdown document's first heading, if any."""
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
    return None


def page_text(path: Path, page: int | None) -> str:
    """The text a citation points to: one page of a PDF, or a whole text or record file."""
    source = path.as_posix()
    data = read_bytes(path, source)
    if path.suffix.lower() not in PDF_SUFFIXES:
        return read_text(data, source)
    _, pages = read_pdf(data, source)
    if page is None or not 1 <= page <= len(pages):
        raise LoadError(source, f"page {page} absente (le document a {len(pages)} pages)")
    return pages[page - 1].text


def document_blocks(path: Path, max_pages: int = Bounds().document_pages) -> list[list[Block]]:
    """Each page's blocks of lines of a PDF, as its layout places them."""
    source = path.as_posix()
    return read_pdf_blocks(read_bytes(path, source), source, max_pages)[1]
