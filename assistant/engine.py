"""The engine: the one object every interface holds (CLI commands, web app, evaluation), built from a Settings value.

Interfaces call its public methods and nothing below it. It opens the index on first use, once, under a lock, so
that threads answering at the same time share one opened pipeline; it opens it again when an ingest (here or in
another process) has published a new generation, and `reload()` swaps in a newly opened one; each question keeps
the pipeline it started with. Importing this module is cheap: the models and the index are
loaded when the pipeline is first opened.
"""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import AskError, MissingExtra
from assistant.labels import GENERATOR_NOTICES, Generator, refusal
from assistant.lock import Generations
from assistant.models import Answer, CatalogueRecord, Filters, IndexedSource, IngestReport, PageImage, Restart
from assistant.settings import Settings
from assistant.text import detect_language

if TYPE_CHECKING:
    import numpy as np

    from assistant.intent import IntentModel
    from assistant.models import SourceRef
    from assistant.pipeline import Pipeline
    from assistant.profiles import Exemplars
    from assistant.retrieve import Mode


def refuse_oversized(question: str, history: list[str], settings: Settings) -> None:
    """AskError, in the question's language, when the question, the number of earlier turns or one of them is over
    its bound (`Bounds.question_chars`, `history_turns`): checked before anything is embedded."""
    bounds = settings.bounds
    language = detect_language(question[:bounds.question_chars])
    longest = max((len(turn) for turn in history), default=0)
    for key, size, limit in (("question", len(question), bounds.question_chars),
                             ("history", len(history), bounds.history_turns),
                             ("turn", longest, bounds.question_chars)):
        if size > limit:
            raise AskError(refusal(key, size, limit, language))


class Engine:
    def __init__(self, settings: Settings, mode: "Mode" = "hybrid", calibrated: bool = True,
                 intent: "IntentModel | None" = None):
        """`mode` chooses the retrieval (hybrid, dense, lexical: the evaluation's ablations); `calibrated=False`
        opens the index without a fit decision, for `assistant calibrate` to fit one, telling needs from questions
        with `intent` (the model that calibration will carry), so that its cases read conversations as answers will."""
        self.settings = settings
        self.mode = mode
        self.calibrated = calibrated
        self.intent = intent
        self._lock = threading.Lock()  # opening or swapping the pipeline
        self._writing = threading.Lock()  # one ingest at a time through this engine
        self._pipeline: Pipeline | None = None
        self._generation: str | None = None  # the index's generation the pipeline was opened at (None: open anew)
        self._generations = Generations(settings.path(settings.index_dir), settings.collection)

    def pipeline(self) -> "Pipeline":
        """The opened pipeline (opened now if it is not yet, or again when an ingest, in this process or another,
        has published a new generation of the index since). AskError when the index cannot be opened."""
        generation = self._generations.current()
        pipeline = self._pipeline
        if pipeline is None or generation != self._generation:
            with self._lock:
                if self._pipeline is None or generation != self._generation:
                    from assistant.pipeline import Pipeline  # the models and the index load here

                    self._pipeline = Pipeline.open(self.settings, self.mode, self.calibrated, self._pipeline,
                                                   self.intent)
                    self._generation = generation
                pipeline = self._pipeline
        return pipeline

    def reload(self) -> None:
        """Open the index again (after an ingest by another process, say) and answer the next questions from it;
        a question already under way finishes with the pipeline it started with."""
        from assistant.pipeline import Pipeline

        with self._lock:
            self._generation = self._generations.current()
            self._pipeline = Pipeline.open(self.settings, self.mode, self.calibrated, intent=self.intent)

    # --- Questions -----------------------------------------------------------------------------------------

    def check(self, question: str, history: list[str] | None = None) -> None:
        """AskError when the question or its history is over the settings' bounds: what `ask` refuses at once."""
        refuse_oversized(question, history or [], self.settings)

    def ask(self, question: str, history: list[str] | None = None, filters: Filters | None = None,
            generator: Generator | None = None) -> Answer:
        """The answer to a need or a question. With a language model as generator (the settings', or
        `generator`), its checked prose, or the extractive answer with a notice saying why not. AskError, before
        any work, when the question or its history is over the settings' bounds."""
        self.check(question, history)
        if (generator or self.settings.generator) == "extractive":
            return self.pipeline().answer(question, history or [], filters)
        return next(piece for piece in self.stream(question, history, filters, generator)
                    if isinstance(piece, Answer))

    def stream(self, question: str, history: list[str] | None = None, filters: Filters | None = None,
               generator: Generator | None = None) -> Iterator[str | Restart | Answer]:
        """The answer as it is written: pieces of Markdown in order (a Restart withdraws what came before it and
        says why), then the whole Answer.

        The extractive composer writes an answer at once, so its pieces are its paragraphs; a language model's
        pieces are its tokens, checked once complete (assistant/generate.py).
        """
        from assistant.generate import chat_model, paragraphs, write

        self.check(question, history)
        answer = self.pipeline().answer(question, history or [], filters)
        settings = self.settings if generator is None else self.settings.model_copy(update={"generator": generator})
        try:
            model = chat_model(settings)
        except MissingExtra as missing:  # the extractive answer, saying which extra the model needs
            notice = GENERATOR_NOTICES[answer.language]["missing_extra"].format(
                generator=settings.generator, extra=missing.extra, install=missing.install)
            yield Restart(notice=notice)
            yield from paragraphs(answer.answer)
            yield answer.model_copy(update={"notice": notice})
            return
        if model is None:
            yield from paragraphs(answer.answer)
            yield answer
            return
        yield from write(answer, model, f"{settings.generator}:{settings.llm_model or 'défaut'}", settings.llm_timeout)

    def evidence_for(self, question: str, history: list[str] | None = None,
                     exemplars: "Exemplars | None" = None) -> "tuple[list[str], np.ndarray]":
        """The record ids and their fit features (one row each) for this need, read exactly as `ask` reads it,
        with these labelled needs as exemplars (calibration)."""
        return self.pipeline().evidence_for(question, history or [], exemplars)

    def matched_text(self, question: str, history: list[str] | None = None) -> str:
        """What this need is matched on, as an exemplar of it is stored (calibration)."""
        return self.pipeline().matched_text(question, history or [])

    def exemplars(self, texts: list[str], records: list[list[str]]) -> "Exemplars":
        """Labelled needs embedded as the engine reads them, bound to its catalogue (calibration)."""
        from assistant.profiles import Exemplars

        pipeline = self.pipeline()
        cache = self.settings.path(self.settings.index_dir) / f"exemplars-{self.settings.collection}-fitting.npz"
        return Exemplars.embed(texts, records, [record.id for record in pipeline.profiles.records],
                               pipeline.retriever.embedder, cache)

    # --- What the index holds ------------------------------------------------------------------------------

    @property
    def embedder_name(self) -> str:
        return self.pipeline().retriever.embedder.name

    def records(self) -> list[CatalogueRecord]:
        """The catalogue records the answers draw on (those in the index), sorted by name."""
        return sorted(self.pipeline().profiles.records, key=lambda record: record.name.casefold())

    def document_titles(self) -> dict[str, str]:
        """Each indexed source's title, by path (a copy: the pipeline's own is shared by every question)."""
        return dict(self.pipeline().titles)

    def indexed_documents(self) -> list[IndexedSource]:
        """Every indexed source with its pages, chunks and indexing time, sorted by path: read from the index now,
        so that it shows what an ingest since the pipeline opened has written."""
        from assistant.generation import current_sources

        return sorted(current_sources(self.pipeline().retriever.collection, self.settings).values(),
                      key=lambda source: source.source)

    def source_problems(self) -> dict[str, str]:
        """Indexed sources the answers read otherwise than from their file (a record broken on disk since it was
        indexed), by path: why, and which version is in use."""
        return dict(self.pipeline().problems)

    def source_path(self, source: str) -> Path:
        """The file of an indexed source (sources are named relative to the project root)."""
        return self.settings.home / source

    def verify(self, ref: "SourceRef") -> bool:
        """Whether the quote is word for word on that page of that source (a Citation gives its `.ref`)."""
        from assistant.pipeline import verify_quote

        return verify_quote(self.settings, ref)

    def page_image(self, source: str, page: int, quote: str | None = None) -> PageImage:
        """A page of a PDF source as an image, the quote highlighted; LoadError when it cannot be rendered."""
        from assistant.pages import render_page

        return render_page(self.source_path(source), page, quote)

    # --- Writing the index ---------------------------------------------------------------------------------

    def ingest(self, paths: list[Path] | None = None, rebuild: bool = False,
               progress: bool | None = None) -> IngestReport:
        """Bring the index in step with the corpus (or the given paths); the next question opens it anew."""
        from assistant.lock import FileLock  # taken before the store and the models load: a refusal is at once

        with self._writing, FileLock(self.settings.path(self.settings.index_dir)).held():
            from assistant.embed import get_embedder
            from assistant.index import ingest

            try:
                return ingest(self.settings, get_embedder(self.settings.embedder), paths, rebuild=rebuild,
                              progress=progress, lock_held=True)
            finally:  # even after a failure part-way: the next question opens the index anew (reusing what is
                with self._lock:  # unchanged from the pipeline it had)
                    self._generation = None
