"""Chunk stage: LoadedSource -> Chunks, page by page, each chunk carrying what is needed to cite it."""

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.models import Chunk, LoadedSource
from assistant.text import sha256_hex

# Sizes in characters, chosen for the embedders' limits. all-MiniLM-L6-v2 truncates at 256 word pieces
# (it was trained on 128); on this French corpus its English vocabulary yields 3.5 characters per piece on
# average, so 600 characters stay under the limit: the longest chunk of the shipped corpus is 199 pieces.
# USE v3 has no hard limit but averages its input: short, focused chunks keep a passage's meaning sharp.
# The overlap keeps a sentence cut at a boundary whole in one of the two chunks.
CHUNK_SIZE = 600
CHUNK_OVERLAP = 90

_splitter = RecursiveCharacterTextSplitter(
    chunk_size=CHUNK_SIZE,
    chunk_overlap=CHUNK_OVERLAP,
    separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
    keep_separator="end",
)


def chunk_source(source: LoadedSource) -> list[Chunk]:
    """Split each page on its own, so that every chunk names the one page its text is on."""
    record = source.record
    chunks: list[Chunk] = []
    for page in source.pages:
        for text in _splitter.split_text(page.text):
            number = len(chunks)
            chunks.append(Chunk(
                id=f"{sha256_hex(source.path)[:12]}-{source.source_hash[:12]}-{number:04d}",
                text=text,
                source=source.path,
                title=source.title,
                page=page.number,
                chunk=number,
                content_hash=sha256_hex(text),
                source_hash=source.source_hash,
                record_id=record.id if record else None,
                kind=record.kind if record else None,
                level=record.level if record else None,
                owner=record.owner if record else None,
            ))
    return chunks
