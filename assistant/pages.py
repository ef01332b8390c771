"""A cited PDF page as an advisor checks it: the page rendered as an image, the quoted passage highlighted.

pypdfium2 (Apache/BSD) renders the page and gives the boxes of its characters; the quote is found in the
page's text layer with `text.locate`, so line breaks and spacing do not hide it.
"""

import io
import threading
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw

from assistant.errors import LoadError
from assistant.models import Box, PageImage
from assistant.text import locate

PAGE_WIDTH_PX = 1100
HIGHLIGHT_FILL = (255, 214, 0, 96)
HIGHLIGHT_EDGE = (214, 120, 0, 255)

# PDFium is not thread-safe, and the web app serves requests from a thread pool.
_PDFIUM = threading.Lock()

def to_pixels(rect: Box, page_height: float, scale: float) -> Box:
    """A PDF rectangle (left, bottom, right, top; origin at the bottom left) as image pixels (origin top left)."""
    left, bottom, right, top = rect
    return left * scale, (page_height - top) * scale, right * scale, (page_height - bottom) * scale


def _page_characters(textpage: pdfium.PdfTextPage) -> str:
    """The page's characters, one per index of PDFium's character array (get_text_range may not align)."""
    return "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)) for i in range(textpage.count_chars()))


def _quote_rects(textpage: pdfium.PdfTextPage, quote: str) -> list[Box]:
    span = locate(quote, _page_characters(textpage))
    if span is None:
        return []
    start, end = span
    return [textpage.get_rect(i) for i in range(textpage.count_rects(start, end - start))]


@lru_cache(maxsize=64)
def _render(path: Path, mtime: float, page: int, quote: str | None) -> PageImage:
    source = path.as_posix()
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(path)
        except (pdfium.PdfiumError, OSError) as error:
            raise LoadError(source, f"PDF illisible ({error})") from error
        try:
            if not 1 <= page <= len(document):
                raise LoadError(source, f"page {page} absente (le document a {len(document)} pages)")
            pdf_page = document[page - 1]
            width, height = pdf_page.get_size()
            scale = PAGE_WIDTH_PX / width
            image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
            rects = _quote_rects(pdf_page.get_textpage(), quote) if quote else []
            pages = len(document)
        finally:
            document.close()
    boxes = [to_pixels(rect, height, scale) for rect in rects]
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for left, top, right, bottom in boxes:
        draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_EDGE, width=2)
    buffer = io.BytesIO()
    Image.alpha_composite(image, overlay).convert("RGB").save(buffer, format="PNG")
    return PageImage(png=buffer.getvalue(), page=page, pages=pages, width=image.width, height=image.height,
                     highlighted=bool(boxes), boxes=boxes)


def render_page(path: Path, page: int, quote: str | None = None) -> PageImage:
    """One page of a PDF as a PNG, the quote (if given and found on the page) highlighted; LoadError otherwise."""
    try:
        mtime = path.stat().st_mtime
    except OSError as error:
        raise LoadError(path.as_posix(), f"lecture impossible ({error.strerror})") from error
    return _render(path, mtime, page, quote)
