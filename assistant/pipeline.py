"""The stages wired over one opened generation of the index: retrieve passages, decide which assets fit and which
level, compose the answer. The engine (assistant.engine) opens one and hands questions to it; nothing else does.
"""

import logging
import time
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from assistant.catalogue import read_record
from assistant.compose import CitationList, compose_information, compose_need
from assistant.decide import (
    AssetMatch,
    Calibration,
    ScoredAsset,
    choose_level,
    conversation_context,
    is_need,
    load_calibration,
    mentions,
    rank_assets,
    record_features,
    score_assets,
    topic_of,
)
from assistant.errors import AskError, EmbedderError, IndexStoreError, LoadError, RecordError
from assistant.index import indexed_sources
from assistant.labels import Language
from assistant.lexical import analyze
from assistant.load import page_text
from assistant.models import Answer, CatalogueRecord, Filters, IndexedSource, SourceRef
from assistant.retrieve import Mode, Passage, RecordFacets, Retriever, passes
from assistant.settings import Settings
from assistant.text import detect_language, quote_on_page, sentences

log = logging.getLogger("assistant.pipeline")

PASSAGES_PER_NEED = 20
PASSAGES_PER_QUESTION = 8
ASSETS_SHOWN = 5
EVIDENCE_SENTENCES = 3


@dataclass
class Candidates:
    """What the fit decision reads for one need: the records in play, their passages and facet similarities."""

    records: dict[str, CatalogueRecord]
    matches: list[AssetMatch]
    facets: dict[str, tuple[float, float]]


@dataclass
class Pipeline:
    settings: Settings
    retriever: Retriever
    facets: RecordFacets
    calibration: Calibration | None  # None only while `assistant calibrate` fits one
    sources: dict[str, IndexedSource]

    @classmethod
    def open(cls, settings: Settings, mode: Mode = "hybrid", calibrated: bool = True) -> "Pipeline":
        try:
            retriever = Retriever.open(settings, mode)
        except (IndexStoreError, EmbedderError) as error:
            raise AskError(str(error)) from error
        sources = indexed_sources(retriever.collection)
        calibration = load_calibration(retriever.embedder.name, settings.calibration_path) if calibrated else None
        if calibrated and calibration is None:
            raise AskError(f"aucune calibration pour l’encodeur {retriever.embedder.name} : "
                           "lancez assistant calibrate")
        records: dict[str, CatalogueRecord] = {}
        for source in sources.values():
            if source.record_id:
                try:
                    records[source.record_id] = read_record(settings.home / source.source, settings.home)
                except RecordError as error:  # changed on disk since it was indexed and now invalid
                    log.warning("fiche écartée des réponses : %s", error)
        facets = RecordFacets.build(records, retriever.embedder,
                                    settings.path(settings.index_dir) / f"facets-{settings.collection}.npz")
        return cls(settings, retriever, facets, calibration, sources)

    @property
    def titles(self) -> dict[str, str]:
        return {source.source: source.title for source in self.sources.values()}

    def answer(self, question: str, history: list[str], filters: Filters | None) -> Answer:
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise AskError("la question est vide")
        context = conversation_context(question, history)
        language = detect_language(question, default=detect_language(" ".join(context)) if context else "fr")
        citations = CitationList(self.titles, partial(verify_quote, self.settings.home))
        if is_need(question) or (context and is_need(context[0])):
            answer = self._answer_need(question, context, filters, language, citations)
        else:
            answer = self._answer_question(question, context, filters, language, citations)
        answer.seconds = round(time.perf_counter() - started, 3)
        return answer

    def evidence_for(self, question: str, history: list[str]) -> dict[str, list[float]]:
        """Each candidate record's features (decide.FEATURES) for this need, read with the conversation as an
        answer reads it: what calibration learns from."""
        found = self._candidates(" ".join([*conversation_context(question, history), question]), None)
        by_id = {match.record.id: match for match in found.matches}
        return {rid: record_features(by_id.get(rid), found.facets.get(rid, (0.0, 0.0))) for rid in found.records}

    def _candidates(self, need: str, filters: Filters | None) -> Candidates:
        topic = topic_of(need) or need  # what is needed, without how it would be shared
        vector = self.retriever.embed(topic)
        passages = self.retriever.search(topic, PASSAGES_PER_NEED, filters, query_vector=vector)
        records = {rid: record for rid, record in self.facets.records.items()
                   if passes(_record_metadata(record), filters)}
        return Candidates(records, rank_assets(passages, records), self.facets.similarities(vector))

    def _answer_need(self, question: str, context: list[str], filters: Filters | None, language: Language,
                     citations: CitationList) -> Answer:
        if self.calibration is None:
            raise AskError("l’assistant n’est pas calibré : lancez assistant calibrate")
        found = self._candidates(" ".join([*context, question]), filters)
        scored = score_assets(found.records, found.matches, found.facets, self.calibration)
        threshold = self.calibration.threshold
        fitting = [asset for asset in scored if asset.probability >= threshold]
        shown = [asset for asset in scored[:ASSETS_SHOWN] if asset.probability >= threshold / 2]
        # Step 1 of the process looks for an asset already in service; a project or program that fits
        # better is still listed first, but the verdict, the level and the contact follow the asset.
        best = next((asset.record for asset in fitting if asset.record.kind == "asset"),
                    fitting[0].record if fitting else None)
        choice = choose_level(question, context, best)
        return compose_need(question, language, shown if best else [], best, choice, citations)

    def _answer_question(self, question: str, context: list[str], filters: Filters | None, language: Language,
                         citations: CitationList) -> Answer:
        query = " ".join([*context, question])
        vector = self.retriever.embed(query)
        passages = self.retriever.search(query, PASSAGES_PER_QUESTION, filters, query_vector=vector)
        evidence = self._evidence(query, vector, [p for p in passages if not p.record_id])
        named = [ScoredAsset(record, 1.0, None) for record in self.facets.records.values()
                 if mentions(query, record)]
        return compose_information(question, language, evidence, named, citations)

    def _evidence(self, query: str, vector: np.ndarray, passages: list[Passage]) -> list[SourceRef]:
        """The sentences of the passages that best answer the question: meaning and shared words together."""
        candidates = [(passage, sentence) for passage in passages for sentence in sentences(passage.text)]
        if not candidates:
            return []
        embedded = np.asarray(self.retriever.embedder.embed_documents([s for _, s in candidates]))
        similarity = embedded @ vector / (np.linalg.norm(embedded, axis=1) * np.linalg.norm(vector) + 1e-12)
        terms = set(analyze(query))
        overlap = np.array([len(terms & set(analyze(s))) / (len(terms) or 1) for _, s in candidates])
        order = np.argsort(-(similarity + overlap))
        chosen: list[SourceRef] = []
        for index in order:
            passage, sentence = candidates[index]
            ref = SourceRef(document=passage.source, page=passage.page, quote=sentence)
            if ref not in chosen:
                chosen.append(ref)
            if len(chosen) == EVIDENCE_SENTENCES:
                break
        return chosen


def _record_metadata(record: CatalogueRecord) -> dict:
    return {"record_id": record.id, "kind": record.kind, "level": record.level, "owner": record.owner}


@lru_cache(maxsize=256)
def _page(path: Path, page: int | None, mtime: float) -> str:
    return page_text(path, page)


def verify_quote(home: Path, ref: SourceRef) -> bool:
    """Whether the quote is word for word on that page of that source under `home` (page texts cached per file
    version)."""
    path = home / ref.document
    try:
        return quote_on_page(ref.quote, _page(path, ref.page, path.stat().st_mtime))
    except (OSError, LoadError):
        return False
