"""Index stage: chunks -> vectors in a Chroma collection, kept in step with the corpus incrementally.

Every chunk carries its source path and the source's content hash, so what is indexed can always be read back
from Chroma, in the embedded store or a server; which of those versions readers see is the current generation's
manifest (assistant.lock: a changed source's new chunks go in beside the old ones, and only the manifest,
published last, makes them visible). The BM25 index beside it (assistant.lexical) is built again from a
generation's chunks whenever the two differ, from the saved terms of the chunks it already had.
"""

import json
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from tqdm import tqdm

from assistant.chunk import chunk_source
from assistant.embed import Embedder
from assistant.errors import IndexStoreError, LoadError
from assistant.generation import READ_BATCH, Published, documents_stamp, generations, published, read_all, sources_of
from assistant.lexical import LexicalIndex, analyze, corpus_stamp
from assistant.load import discover, file_hash, load_source
from assistant.lock import FileLock
from assistant.models import Chunk, IndexedSource, IngestReport, LoadedSource
from assistant.profiles import TermCounts
from assistant.settings import Settings
from assistant.text import sha256_hex


def open_client(settings: Settings) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        except Exception as error:
            raise IndexStoreError(f"le serveur Chroma {settings.chroma_host}:{settings.chroma_port} ne répond pas "
                                  f"({error})") from error
    index_dir = settings.path(settings.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir), settings=chroma_settings)


def describe_store(settings: Settings) -> str:
    if settings.chroma_host:
        return f"serveur Chroma {settings.chroma_host}:{settings.chroma_port}"
    return str(settings.path(settings.index_dir))


def open_collection(client: ClientAPI, settings: Settings, embedder: Embedder) -> Collection:
    """The collection, created for this embedder if new; refused if it was built with another embedder."""
    # embedding_function=None: Chroma must never embed by itself (its default downloads a model).
    collection = client.get_or_create_collection(
        settings.collection,
        embedding_function=None,
        metadata={"embedder": embedder.name, "dimension": embedder.dimension},
        configuration={"hnsw": {"space": "cosine"}},
    )
    built_with = (collection.metadata or {}).get("embedder"), (collection.metadata or {}).get("dimension")
    if built_with != (embedder.name, embedder.dimension):
        raise IndexStoreError(
            f"l’index ({describe_store(settings)}) a été construit avec l’encodeur {built_with[0]} "
            f"({built_with[1]} dimensions), mais les réglages demandent {embedder.name} ({embedder.dimension}). "
            "Reconstruisez-le : assistant ingest --rebuild"
        )
    return collection


def last_good_folder(settings: Settings) -> Path:
    return settings.path(settings.index_dir) / "last-good"


def last_good(settings: Settings, source: str) -> Path:
    """Where a record's file is kept as it was when indexed (its path mirrored under the index, an absolute one
    too): the version answers keep using if the file is later broken on disk."""
    return last_good_folder(settings) / source.lstrip("/")


def _keep_last_good(settings: Settings, source: str, path: Path | None, indexed_hash: str = "") -> None:
    """Keep the record file just indexed, if it is still the version indexed (`indexed_hash`); or, `path` None,
    forget the one of a source that left the index."""
    kept = last_good(settings, source)
    if path is None:
        kept.unlink(missing_ok=True)
        return
    data = path.read_bytes()
    if sha256_hex(data) != indexed_hash:  # edited again while it was being indexed: the next ingest keeps it
        return
    kept.parent.mkdir(parents=True, exist_ok=True)
    staging = kept.with_name(kept.name + ".new")
    staging.write_bytes(data)
    staging.replace(kept)


def _unchanged(settings: Settings, previous: IndexedSource | None, source: str, path: Path) -> bool:
    """Whether the source is indexed whole as it is on disk (a record's kept version made if it lacks one: an
    index built before versions were kept)."""
    if not (previous and previous.complete and previous.source_hash == file_hash(path, source)):
        return False
    if previous.record_id and not last_good(settings, source).exists():
        _keep_last_good(settings, source, path, previous.source_hash)
    return True


def _refusals_changed(settings: Settings, report: IngestReport) -> bool:
    """Whether the sources refused differ from the last ingest's (a record broken, or mended, on disk changes what
    readers show even when no chunk changes); remembers this ingest's."""
    remembered = settings.path(settings.index_dir) / f".refused-{settings.collection}.json"
    refused = sorted(report.failed)
    try:
        before = json.loads(remembered.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        before = []
    if refused == before:
        return False
    remembered.write_text(json.dumps(refused), encoding="utf-8")
    return True


def lexical_folder(settings: Settings) -> Path:
    return settings.path(settings.index_dir) / f"bm25-{settings.collection}"


def sync_lexical(collection: Collection, settings: Settings, chunk_ids: list[str], save: bool = False) -> LexicalIndex:
    """The BM25 index of exactly these chunks (a generation's): the saved one if it matches, else built (and saved
    when `save`: only the writer saves, under its lock)."""
    folder = lexical_folder(settings)
    saved = LexicalIndex.load(folder)
    if saved and saved.stamp == corpus_stamp(chunk_ids):
        return saved
    terms = LexicalIndex.saved_terms(folder)  # the chunks the saved index has: only the others are read and analysed
    missing = [chunk_id for chunk_id in chunk_ids if chunk_id not in terms]
    for start in range(0, len(missing), READ_BATCH):
        part = missing[start:start + READ_BATCH]
        found = collection.get(ids=part, include=["documents"])
        by_id = dict(zip(found["ids"], found["documents"] or [], strict=True))
        terms |= {chunk_id: analyze(by_id.get(chunk_id, "")) for chunk_id in part}
    built = LexicalIndex.build(chunk_ids, [terms[chunk_id] for chunk_id in chunk_ids])
    if not save:  # a reader's: the terms are kept only to be saved with the index
        return replace(built, terms=None)
    built.save(folder)
    return built


def _add_chunks(collection: Collection, chunks: list[Chunk], vectors: list[list[float]], batch_size: int,
                indexed_at: str) -> None:
    """Chunks of one or more sources, each marked with how many its source has (a source cut short by a crash
    shows: `IndexedSource.complete`)."""
    per_source = Counter(chunk.source for chunk in chunks)
    for start in range(0, len(chunks), batch_size):
        part = chunks[start:start + batch_size]
        collection.upsert(
            ids=[chunk.id for chunk in part],
            documents=[chunk.text for chunk in part],
            embeddings=np.asarray(vectors[start:start + batch_size], dtype=np.float32),
            metadatas=[chunk.metadata() | {"indexed_at": indexed_at, "source_chunks": per_source[chunk.source]}
                       for chunk in part],
        )


def _delete_ids(collection: Collection, ids: list[str], batch_size: int) -> None:
    for start in range(0, len(ids), batch_size):
        collection.delete(ids=ids[start:start + batch_size])


EMBED_BATCH = 256  # texts embedded at once across sources: one record alone is a batch of one


@dataclass
class _Pending:
    source: str
    path: Path
    replaces: bool
    loaded: LoadedSource
    chunks: list[Chunk]


@dataclass
class _BatchWriter:
    """Sources loaded and chunked, embedded together by EMBED_BATCH texts, then written source by source: a store
    failing on one source fails that source alone, a model failing fails the batch's sources; none is half
    written (their old chunks stay what readers see)."""

    settings: Settings
    collection: Collection
    embedder: Embedder
    batch_size: int
    report: IngestReport
    visible: dict[str, list[str]]
    after: dict[str, str]
    pending: list[_Pending] = field(default_factory=list)
    indexed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    written: dict[str, IndexedSource] = field(default_factory=dict)  # the sources written, as readers will see them
    abandoned: list[IndexedSource] = field(default_factory=list)  # versions a failed write may have left in part

    def add(self, item: _Pending) -> None:
        self.pending.append(item)
        if sum(len(pending.chunks) for pending in self.pending) >= EMBED_BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        try:
            vectors = self.embedder.embed_documents([chunk.text for item in batch for chunk in item.chunks])
        except Exception as error:  # the model failing must not stop the other batches
            for item in batch:
                self.report.failed[item.source] = f"échec de l’indexation ({type(error).__name__} : {error})"
            return
        # Beside the old chunks (their ids carry the old hash): readers see the new ones once published. One write
        # for the batch; if the store refuses it, source by source, so that one failing source fails alone.
        refused = self._refusal([chunk for item in batch for chunk in item.chunks], vectors)
        offset = 0
        for item in batch:
            own, offset = vectors[offset:offset + len(item.chunks)], offset + len(item.chunks)
            if refused and (problem := self._refusal(item.chunks, own)):
                self.report.failed[item.source] = problem
                self.abandoned.append(self._version(item))
                continue
            self.visible[item.source] = [chunk.id for chunk in item.chunks]
            self.after[item.source] = item.loaded.source_hash
            self.written[item.source] = self._version(item)
            if item.loaded.record:
                _keep_last_good(self.settings, item.source, item.path, item.loaded.source_hash)
            (self.report.updated if item.replaces else self.report.added).append(item.source)
            self.report.chunks_embedded += len(item.chunks)

    def _version(self, item: _Pending) -> IndexedSource:
        return IndexedSource(source=item.source, title=item.loaded.title, source_hash=item.loaded.source_hash,
                             pages=len({chunk.page for chunk in item.chunks if chunk.page}),
                             chunk_ids=[chunk.id for chunk in item.chunks], chunks_expected=len(item.chunks),
                             record_id=item.loaded.record.id if item.loaded.record else None,
                             indexed_at=self.indexed_at)

    def _refusal(self, chunks: list[Chunk], vectors: list[list[float]]) -> str | None:
        """Write the chunks: None when the store took them, else why it did not."""
        try:
            _add_chunks(self.collection, chunks, vectors, self.batch_size, self.indexed_at)
        except Exception as error:
            return f"échec de l’indexation ({type(error).__name__} : {error})"
        return None


OUTSIDE = "lien symbolique vers un fichier hors des dossiers du corpus : refusé"


def _files_under(roots: list[Path], settings: Settings, report: IngestReport) -> dict[str, Path]:
    """The files to index, by source name (overlapping arguments are read once); missing roots are reported, and
    so are links that lead out of the corpus's folders (a link inside them is read)."""
    folders = [folder.resolve() for folder in settings.source_dirs]
    real_dirs: dict[Path, Path] = {}  # each folder resolved once: a file that is not a link is where its folder is
    files: dict[str, Path] = {}
    for root in roots:
        if not root.exists():
            report.failed[settings.relative(root)] = "fichier ou dossier introuvable"
        allowed = [root.resolve(), *folders]
        for path in discover(root) if root.exists() else []:
            source = settings.relative(path)
            if path.parent not in real_dirs:
                real_dirs[path.parent] = path.parent.resolve()
            real = path.resolve() if path.is_symlink() else real_dirs[path.parent] / path.name
            if not any(real.is_relative_to(folder) for folder in allowed):
                report.failed[source] = OUTSIDE
                continue
            files.setdefault(source, path)
    return files


def _gone(indexed: dict[str, IndexedSource], roots: list[Path], settings: Settings, found: dict[str, Path],
          ) -> list[str]:
    """The indexed sources whose file is gone from a scanned folder (`found`: the files the scan found)."""
    scanned_dirs = [root.resolve() for root in roots if root.is_dir()]
    gone = []
    for source in (source for source in indexed if source not in found):
        path = (settings.home / source).resolve()
        if not path.exists() and any(path.is_relative_to(folder) for folder in scanned_dirs):
            gone.append(source)
    return gone


def ingest(
    settings: Settings,
    embedder: Embedder,
    paths: list[Path] | None = None,
    rebuild: bool = False,
    progress: bool | None = None,
    lock_held: bool = False,
) -> IngestReport:
    """Bring the index in step with the given files and folders (the corpus by default), holding the index's
    writer lock throughout (IndexBusy at once when another ingest holds it). `lock_held`: the caller took it
    already (`Engine.ingest` does, before the store and the models load, so that a refusal comes at once).

    Unchanged sources are skipped; a changed source is embedded and added beside its old chunks; a source gone
    from a scanned folder leaves; then a new generation is published (`lock.Generations.publish`) and the chunks
    no reader can need any more are deleted. A source that fails is reported and keeps its indexed version.
    """
    with nullcontext() if lock_held else FileLock(settings.path(settings.index_dir)).held():
        return _ingest(settings, embedder, paths, rebuild, progress)


def _ingest(settings: Settings, embedder: Embedder, paths: list[Path] | None, rebuild: bool,
            progress: bool | None) -> IngestReport:
    started = time.perf_counter()
    client = open_client(settings)
    if rebuild and settings.collection in [c.name for c in client.list_collections()]:
        client.delete_collection(settings.collection)
    collection = open_collection(client, settings, embedder)
    batch_size = client.get_max_batch_size()

    report = IngestReport()
    roots = paths or settings.source_dirs
    files = _files_under(roots, settings, report)
    before = None if rebuild else generations(settings).manifest()
    unfinished = _unfinished_marker(settings)
    listed = None if rebuild or unfinished.exists() else published(settings)
    unfinished.touch()  # until this ingest has finished: the next one reads the whole store back if it remains
    # The current generation's sources: from its published list; read back from the store when there is none (an
    # index published before lists were) or an ingest was cut short (its leftovers are found that way only).
    entries = None if listed else [*zip(*read_all(collection, ["metadatas"]).values(), strict=True)]
    indexed = {entry.source: entry for entry in listed.sources} if listed else sources_of(entries or [], before)
    current = dict(indexed)
    # Removals first, so that a record moved to another file does not clash with its former self. A source now
    # refused (a link that leads out of the corpus) leaves with what is gone. Nothing is deleted yet: the next
    # generation's manifest leaves them out, and they go once no reader can still need them.
    refused = [source for source, reason in report.failed.items() if reason == OUTSIDE and source in indexed]
    for source in [*_gone(indexed, roots, settings, files), *refused]:
        indexed.pop(source)
        _keep_last_good(settings, source, None)
        report.removed.append(source)
    record_sources = {entry.record_id: source for source, entry in indexed.items() if entry.record_id}
    visible = {source: entry.chunk_ids for source, entry in indexed.items()}
    after = {source: entry.source_hash for source, entry in indexed.items()}

    writer = _BatchWriter(settings, collection, embedder, batch_size, report, visible, after)
    bar_disabled = None if progress is None else not progress  # None: shown only on a terminal
    for source, path in tqdm(files.items(), desc="Indexation", unit="source", disable=bar_disabled, leave=False):
        previous = indexed.get(source)
        try:
            if _unchanged(settings, previous, source, path):
                report.skipped.append(source)
                continue
            loaded = load_source(path, settings)
            record_id = loaded.record.id if loaded.record else None
            if record_id and record_sources.setdefault(record_id, source) != source:
                raise LoadError(source, f"id: « {record_id} » est déjà la fiche de {record_sources[record_id]}")
            chunks = chunk_source(loaded)
            if not chunks:
                raise LoadError(source, "aucun texte à indexer")
        except LoadError as error:
            report.failed[source] = error.reason
            continue
        writer.add(_Pending(source, path, previous is not None, loaded, chunks))
    writer.flush()

    now = {source: writer.written.get(source) or indexed[source] for source in after}
    lexical = sync_lexical(collection, settings, sorted(chunk_id for ids in visible.values() for chunk_id in ids),
                           save=True)
    _count_document_terms(settings, now, lexical)
    refusals_changed = _refusals_changed(settings, report)  # remembered at every ingest, whatever else changed
    retired = [entry for source, entry in current.items() if after.get(source) != entry.source_hash]
    if after != before or refusals_changed or listed is None:  # (an index without a list gets one)
        generations(settings).publish(after, Published(sources=list(now.values()), retired=retired).model_dump_json())
    # What neither this generation nor the one before names: versions the one before retired, what a failed write
    # may have left (no manifest ever named it); with the whole store read back, also a killed ingest's leftovers.
    kept = {*after.items(), *(before or {}).items()}
    doomed = [chunk_id for chunk_id, metadata in entries or []
              if (metadata["source"], metadata["source_hash"]) not in kept]
    doomed += [chunk_id for entry in [*(listed.retired if listed else []), *writer.abandoned]
               if (entry.source, entry.source_hash) not in kept for chunk_id in entry.chunk_ids]
    _delete_ids(collection, list(dict.fromkeys(doomed)), batch_size)
    unfinished.unlink(missing_ok=True)
    report.chunks_total = sum(len(ids) for ids in visible.values())
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _unfinished_marker(settings: Settings) -> Path:
    return settings.path(settings.index_dir) / f".ingest-unfinished-{settings.collection}"


def document_terms_path(settings: Settings) -> Path:
    return settings.path(settings.index_dir) / f"document-terms-{settings.collection}.json"


def _count_document_terms(settings: Settings, sources: dict[str, IndexedSource], lexical: LexicalIndex) -> None:
    """The documents' term counts a reader weighs terms with, from the terms BM25 was just built over (kept under
    the documents' stamp: a reader whose documents are the same reads them instead of every passage)."""
    stamp = documents_stamp(sources)
    if TermCounts.load(document_terms_path(settings), stamp):
        return
    terms = (dict(zip(lexical.chunk_ids, lexical.terms, strict=True)) if lexical.terms is not None
             else LexicalIndex.saved_terms(lexical_folder(settings)))
    if not all(chunk_id in terms for source in sources.values() if not source.record_id
               for chunk_id in source.chunk_ids):
        return  # the readers count them from the passages

    TermCounts.of((set(terms[chunk_id]) for source in sources.values() if not source.record_id
                   for chunk_id in source.chunk_ids), stamp).save(document_terms_path(settings))
