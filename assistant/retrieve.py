"""Retrieve stage: a question about the documents -> the passages that best match it, dense (Chroma) and BM25
fused by rank. (A need is matched against the records' own signals: profiles.py.)

Dense search carries meaning across languages (an English question over the French corpus); BM25 carries
the exact words staff type (acronyms, program names, rare terms). Reciprocal rank fusion needs no score
calibration between the two.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from chromadb.api.models.Collection import Collection
from pydantic import BaseModel, Field

from assistant.embed import Embedder, get_embedder
from assistant.errors import IndexStoreError
from assistant.generation import READ_BATCH, current_sources, documents_stamp
from assistant.index import describe_store, open_client, open_collection, sync_lexical
from assistant.labels import Kind
from assistant.lexical import LexicalIndex
from assistant.models import Filters, IndexedSource
from assistant.settings import Settings
from assistant.text import contains_form

Mode = Literal["hybrid", "dense", "lexical"]
RRF_K = 60  # the constant of Cormack et al. (2009); it damps the weight of the very first ranks


class Passage(BaseModel):
    """A chunk returned by a search, with how it was found."""

    id: str
    text: str
    source: str
    title: str
    page: int | None = None
    record_id: str | None = None
    kind: Kind | None = None
    level: int | None = None
    owner: str | None = None
    score: float = Field(description="Fused rank score (higher is better).")


def passes(metadata: Mapping[str, Any], filters: Filters | None) -> bool:
    """Whether a chunk is kept under the filters. Document passages (no record) are never excluded by kind,
    owner or level: they hold the criteria and the context the answer cites."""
    if not filters:
        return True
    if filters.source and metadata.get("source") != filters.source:
        return False
    if not metadata.get("record_id"):
        return True
    if filters.kind and metadata.get("kind") != filters.kind:
        return False
    if filters.level and metadata.get("level") != filters.level:
        return False
    return not filters.owner or contains_form(filters.owner) in contains_form(str(metadata.get("owner") or ""))


@lru_cache(maxsize=512)
def _embedded(embedder: Embedder, query: str) -> np.ndarray:
    vector = np.asarray(embedder.embed_query(query), dtype=np.float32)
    vector.setflags(write=False)
    return vector


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    """Each id's summed 1/(k + rank) over the rankings it appears in (ranks from 1)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


@dataclass
class Retriever:
    """Search over one generation of the index: only the chunks its manifest names (`sources`) are ever returned,
    whatever an ingest under way has added beside them."""

    collection: Collection
    embedder: Embedder
    lexical: LexicalIndex
    sources: dict[str, IndexedSource]
    mode: Mode = "hybrid"

    def __post_init__(self) -> None:
        self.visible = frozenset(chunk_id for source in self.sources.values() for chunk_id in source.chunk_ids)

    @classmethod
    def open(cls, settings: Settings, mode: Mode = "hybrid") -> "Retriever":
        embedder = get_embedder(settings.embedder)
        collection = open_collection(open_client(settings), settings, embedder)
        sources = current_sources(collection, settings)
        if not sources:
            raise IndexStoreError(f"l’index ({describe_store(settings)}) est vide : lancez d’abord assistant ingest")
        chunk_ids = sorted(chunk_id for source in sources.values() for chunk_id in source.chunk_ids)
        return cls(collection, embedder, sync_lexical(collection, settings, chunk_ids), sources, mode)

    def documents_stamp(self) -> str:
        """Which passages the documents have in this generation: the same stamp, the same texts."""
        return documents_stamp(self.sources)

    def document_texts(self) -> list[str]:
        """The text of every passage of a document (not of a catalogue record)."""
        ids = sorted(chunk_id for source in self.sources.values() if not source.record_id
                     for chunk_id in source.chunk_ids)
        texts: list[str] = []
        for start in range(0, len(ids), READ_BATCH):
            texts += self.collection.get(ids=ids[start:start + READ_BATCH], include=["documents"])["documents"] or []
        return texts

    def embed(self, query: str) -> np.ndarray:
        """The query's vector, read-only. Remembered for the last texts asked: one question embeds its text for
        the intent, then again to match it, and a follow-up's earlier turn comes back with each turn."""
        return _embedded(self.embedder, query)

    def search(self, query: str, k: int = 20, filters: Filters | None = None,
               query_vector: np.ndarray | None = None) -> list[Passage]:
        """The k best passages for the query, best first."""
        total = self.collection.count()  # with chunks of other generations, which are dropped below
        if not self.visible or not query.strip():
            return []
        vector = self.embed(query) if query_vector is None else query_vector
        # A wider pool than k, so that fusion and filters still leave k; all chunks when filtering.
        filtering = bool(filters and filters.active())
        pool = total if filtering else min(total, max(50, 3 * k) + total - len(self.visible))
        rankings = []
        if self.mode in ("hybrid", "dense"):
            found = self.collection.query(query_embeddings=[vector.tolist()], n_results=pool, include=[])
            rankings.append([chunk_id for chunk_id in found["ids"][0] if chunk_id in self.visible])
        if self.mode in ("hybrid", "lexical"):
            rankings.append([chunk_id for chunk_id, _ in self.lexical.search(query, pool)])
        fused = reciprocal_rank_fusion(rankings)
        candidates = sorted(fused, key=fused.__getitem__, reverse=True)
        chunks = self.collection.get(ids=candidates if filtering else candidates[: 2 * k],
                                     include=["documents", "metadatas"])
        passages = []
        for chunk_id, text, metadata in zip(chunks["ids"], chunks["documents"] or [], chunks["metadatas"] or [],
                                            strict=True):
            if not passes(metadata, filters):
                continue
            passages.append(Passage(
                id=chunk_id, text=text, score=fused[chunk_id],
                **{key: metadata.get(key) for key in ("source", "title", "page", "record_id", "kind", "level",
                                                       "owner")},
            ))
        passages.sort(key=lambda passage: passage.score, reverse=True)
        return passages[:k]
