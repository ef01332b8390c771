"""What a generation of the index holds, source by source (`models.IndexedSource`): read from the list its ingest
published beside its manifest, or, for an index that has none, back from the chunks' metadata in Chroma.

The writer (`index.py`) publishes the list; readers (`retrieve.py`, the engine) read it: a start or a new
generation costs one small file, not a read of every chunk's metadata.
"""

from collections import defaultdict
from itertools import count

from chromadb.api.models.Collection import Collection
from chromadb.api.types import Include
from pydantic import BaseModel, ValidationError

from assistant.lexical import corpus_stamp
from assistant.lock import Generations
from assistant.models import IndexedSource
from assistant.settings import Settings

READ_BATCH = 5000  # chunks read from the store at once (Chroma caps one read)


class Published(BaseModel):
    """What an ingest publishes beside its generation's manifest: the sources it holds, and the versions of the
    generation before that it stopped naming (their chunks stay for that generation's readers, and go at the next
    ingest)."""

    sources: list[IndexedSource]
    retired: list[IndexedSource] = []


def generations(settings: Settings) -> Generations:
    return Generations(settings.path(settings.index_dir), settings.collection)


def published(settings: Settings) -> Published | None:
    """The current generation's published list, when it has one that matches its manifest exactly."""
    found = generations(settings)
    generation = found.current()  # read once: a publication in between must not pair two generations
    text, manifest = found.detail(generation), found.manifest(generation)
    if text is None or manifest is None:
        return None
    try:
        listed = Published.model_validate_json(text)
    except ValidationError:
        return None
    return listed if {entry.source: entry.source_hash for entry in listed.sources} == manifest else None


def documents_stamp(sources: dict[str, IndexedSource]) -> str:
    """Which passages the documents (not the records) have: the same stamp, the same texts."""
    return corpus_stamp([chunk_id for source in sources.values() if not source.record_id
                         for chunk_id in source.chunk_ids])


def read_all(collection: Collection, include: Include, page_size: int = READ_BATCH) -> dict[str, list]:
    """Every chunk's id and the asked fields, read page by page (Chroma caps one read)."""
    everything: dict[str, list] = {"ids": [], **{field: [] for field in include}}
    for offset in count(0, page_size):
        batch = collection.get(include=include, limit=page_size, offset=offset)
        if not batch["ids"]:
            return everything
        for name, values in everything.items():
            values += batch[name] or []  # type: ignore[literal-required]  # field is "ids" or one of `include`
    return everything


def indexed_sources(collection: Collection, manifest: dict[str, str] | None) -> dict[str, IndexedSource]:
    """What a generation of the collection holds, read back from the chunks' metadata: the sources its manifest
    names, at the hash it names (`Generations.manifest`); with no manifest (an index built before generations had
    them), each source's latest complete version."""
    everything = read_all(collection, ["metadatas"])
    return sources_of(list(zip(everything["ids"], everything["metadatas"], strict=True)), manifest)


def current_sources(collection: Collection, settings: Settings) -> dict[str, IndexedSource]:
    """What the index's current generation holds: its published list; read back from the store for an index whose
    generation has none (published by an earlier version: its next ingest publishes one)."""
    if (listed := published(settings)) is not None:
        return {entry.source: entry for entry in listed.sources}
    return indexed_sources(collection, generations(settings).manifest())


def sources_of(entries: list[tuple[str, dict]], manifest: dict[str, str] | None) -> dict[str, IndexedSource]:
    by_version: dict[tuple[str, str], list[tuple[str, dict]]] = defaultdict(list)
    for chunk_id, metadata in entries:
        by_version[metadata["source"], metadata["source_hash"]].append((chunk_id, metadata))
    versions = [IndexedSource(
        source=source,
        title=chunks[0][1]["title"],
        source_hash=digest,
        pages=len({m.get("page") for _, m in chunks if m.get("page")}),
        chunk_ids=[chunk_id for chunk_id, _ in chunks],
        # Chunks written by an earlier version lack these two: the source then counts as incomplete
        # and is indexed again, instead of failing.
        chunks_expected=chunks[0][1].get("source_chunks", 0),
        record_id=chunks[0][1].get("record_id"),
        indexed_at=chunks[0][1].get("indexed_at", ""),
    ) for (source, digest), chunks in by_version.items()]
    if manifest is not None:
        return {version.source: version for version in versions if manifest.get(version.source) == version.source_hash}
    latest: dict[str, IndexedSource] = {}
    for version in sorted(versions, key=lambda version: (version.complete, version.indexed_at)):
        latest[version.source] = version
    return latest
