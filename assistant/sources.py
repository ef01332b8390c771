"""What the index holds, for the interfaces (web app, CLI) without reaching into the index stage."""

from assistant.embed import get_embedder
from assistant.index import IndexedSource, indexed_sources, open_client, open_collection
from assistant.settings import get_settings


def indexed_documents() -> list[IndexedSource]:
    """Every indexed source with its pages, chunks and indexing time, sorted by path."""
    settings = get_settings()
    collection = open_collection(open_client(settings), settings, get_embedder(settings.embedder))
    return sorted(indexed_sources(collection).values(), key=lambda source: source.source)
