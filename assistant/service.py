"""The one entry point of the pipeline: `ask(question, history, filters) -> Answer`.

It wires the stages: retrieve passages, decide which assets fit and which level, compose the answer. The
models, the index and the catalogue are opened once per process.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.catalogue import RecordError, read_record
from assistant.compose import CitationList, compose_information, compose_need
from assistant.decide import (
    Calibration,
    ScoredAsset,
    choose_level,
    is_follow_up,
    is_need,
    load_calibration,
    mentions,
    rank_assets,
    record_features,
    score_assets,
    topic_of,
)
from assistant.embed import EmbedderError
from assistant.generate import Restart, chat_model, paragraphs, write
from assistant.index import IndexStoreError, indexed_sources
from assistant.lexical import analyze
from assistant.load import LoadError, page_text
from assistant.models import Answer, CatalogueRecord, Citation, SourceRef
from assistant.retrieve import Filters, Mode, Passage, RecordFacets, Retriever, passes
from assistant.settings import Settings, get_settings
from assistant.text import detect_language, quote_on_page, sentences


class AskError(Exception):
    """A question that cannot be answered as asked, or an assistant that cannot start; one line, in French."""


PASSAGES_PER_NEED = 20
PASSAGES_PER_QUESTION = 8
ASSETS_SHOWN = 5
EVIDENCE_SENTENCES = 3


@dataclass
class Assistant:
    settings: Settings
    retriever: Retriever
    facets: RecordFacets
    calibration: Calibration | None  # None only while `assistant calibrate` fits one
    titles: dict[str, str]

    @classmethod
    def open(cls, settings: Settings, mode: Mode = "hybrid", calibrated: bool = True) -> "Assistant":
        try:
            retriever = Retriever.open(settings, mode)
        except (IndexStoreError, EmbedderError) as error:
            raise AskError(str(error)) from error
        sources = indexed_sources(retriever.collection)
        calibration = load_calibration(retriever.embedder.name) if calibrated else None
        if calibrated and calibration is None:
            raise AskError(f"aucune calibration pour l’encodeur {retriever.embedder.name} : "
                           "lancez assistant calibrate")
        records: dict[str, CatalogueRecord] = {}
        for source in sources.values():
            if source.record_id:
                try:
                    records[source.record_id] = read_record(settings.home / source.source)
                except RecordError:
                    continue  # changed on disk since it was indexed and now invalid: ingest will say so
        facets = RecordFacets.build(records, retriever.embedder,
                                    settings.path(settings.index_dir) / f"facets-{settings.collection}.npz")
        return cls(settings, retriever, facets, calibration, {s.source: s.title for s in sources.values()})

    def verify(self, ref: SourceRef) -> bool:
        return _quote_is_on_page(self.settings.home / ref.document, ref.page, ref.quote)

    def verify_citation(self, citation: Citation) -> bool:
        return _quote_is_on_page(self.settings.home / citation.source, citation.page, citation.quote)

    def ask(self, question: str, history: list[str] | None = None, filters: Filters | None = None) -> Answer:
        if self.calibration is None:
            raise AskError("l’assistant n’est pas calibré : lancez assistant calibrate")
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise AskError("la question est vide")
        history = [turn for turn in (history or []) if turn.strip()]
        context = history[-1:] if history and is_follow_up(question) else []
        language = detect_language(question, default=detect_language(" ".join(context)) if context else "fr")
        citations = CitationList(self.titles, self.verify)
        if is_need(question) or (context and is_need(context[0])):
            answer = self._answer_need(question, context, filters, language, citations)
        else:
            answer = self._answer_question(question, context, filters, language, citations)
        answer.seconds = round(time.perf_counter() - started, 3)
        return answer

    def evidence_for(self, need: str, filters: Filters | None = None) -> dict[str, list[float]]:
        """Each candidate record's features (decide.FEATURES) for this need: what calibration learns from."""
        records, matches, facets = self._candidates(need, filters)
        by_id = {match.record.id: match for match in matches}
        return {rid: record_features(by_id.get(rid), facets.get(rid, (0.0, 0.0))) for rid in records}

    def assess(self, need: str, filters: Filters | None = None) -> list[ScoredAsset]:
        """Every candidate record with its probability of fitting the need, best first."""
        return score_assets(*self._candidates(need, filters), self.calibration)

    def _candidates(self, need: str, filters: Filters | None):
        topic = topic_of(need) or need  # what is needed, without how it would be shared
        vector = self.retriever.embed(topic)
        passages = self.retriever.search(topic, PASSAGES_PER_NEED, filters, query_vector=vector)
        records = {rid: record for rid, record in self.facets.records.items()
                   if passes(_record_metadata(record), filters)}
        return records, rank_assets(passages, records), self.facets.similarities(vector)

    def _answer_need(self, question, context, filters, language, citations) -> Answer:
        scored = self.assess(" ".join([*context, question]), filters)
        fitting = [asset for asset in scored if asset.probability >= self.calibration.threshold]
        shown = [asset for asset in scored[:ASSETS_SHOWN] if asset.probability >= self.calibration.threshold / 2]
        # Step 1 of the process looks for an asset already in service; a project or program that fits
        # better is still listed first, but the verdict, the level and the contact follow the asset.
        best = next((asset.record for asset in fitting if asset.record.kind == "asset"),
                    fitting[0].record if fitting else None)
        choice = choose_level(question, context, best)
        return compose_need(question, language, shown if best else [], best, choice, citations)

    def _answer_question(self, question, context, filters, language, citations) -> Answer:
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


def _quote_is_on_page(path: Path, page: int | None, quote: str) -> bool:
    """Whether the quote is word for word on that page of that file (page texts cached per file version)."""
    try:
        return quote_on_page(quote, _page(path, page, path.stat().st_mtime))
    except (OSError, LoadError):
        return False


@lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    return Assistant.open(get_settings())


def ask(question: str, history: list[str] | None = None, filters: Filters | None = None,
        generator: str | None = None) -> Answer:
    """Answer a need or a question from the index, with the project's settings; models load on first call.
    With a language model as generator (settings, or `generator`), its checked prose or the extractive answer."""
    if (generator or default_assistant().settings.generator) == "extractive":
        return default_assistant().ask(question, history, filters)
    return next(piece for piece in stream(question, history, filters, generator) if isinstance(piece, Answer))


def stream(question: str, history: list[str] | None = None, filters: Filters | None = None,
           generator: str | None = None) -> Iterator[str | Restart | Answer]:
    """The answer as it is written: pieces of Markdown in order (a Restart withdraws what came before it and
    says why), then the whole Answer. `generator` overrides the settings' ('extractive', 'openai', …).

    The extractive composer writes an answer at once, so its pieces are its paragraphs; a language model's
    pieces are its tokens, checked once complete (assistant/generate.py).
    """
    assistant = default_assistant()
    answer = assistant.ask(question, history, filters)
    settings = assistant.settings if generator is None else assistant.settings.model_copy(
        update={"generator": generator})
    model = chat_model(settings)
    if model is None:
        yield from paragraphs(answer.answer)
        yield answer
        return
    yield from write(answer, model, f"{settings.generator}:{settings.llm_model or 'défaut'}", settings.llm_timeout)


def document_titles() -> dict[str, str]:
    """Each indexed source's title, by path (read once with the index)."""
    return default_assistant().titles


def catalogue_records() -> list[CatalogueRecord]:
    """The catalogue records the answers draw on (those in the index), sorted by name."""
    return sorted(default_assistant().facets.records.values(), key=lambda record: record.name.casefold())
