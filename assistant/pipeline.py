"""The stages wired over one opened generation of the index. A need: the records' signals, their fit, the verdict,
the level, the composed answer. A question about the documents: the passages retrieved, the sentences that answer
it. The engine (assistant.engine) opens one and hands questions to it; nothing else does.
"""

import logging
import time
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from pathlib import Path

import numpy as np

from assistant.catalogue import read_record
from assistant.compose import CitationList, compose_information, compose_need
from assistant.decide import NameIndex, ScoredAsset, decide, mentioned, mentions, speaking_of, with_earlier_evidence
from assistant.errors import AskError, EmbedderError, IndexStoreError, LoadError, RecordError
from assistant.fit import Calibration, exemplar_vectors_file, features, load_calibration, probabilities
from assistant.index import document_terms_path, last_good, last_good_folder
from assistant.intent import (
    IntentModel,
    asks_for_several,
    asks_when,
    conversation_context,
    is_need,
    meant,
    need_text,
    new_terms,
    puts_in_place,
)
from assistant.labels import Language
from assistant.layout import PageUnits, marked_by, notes_for
from assistant.levels import choose_level, levels_named, steps_named, topic_of
from assistant.lexical import analyze
from assistant.load import PDF_SUFFIXES, document_blocks, page_text, pdf_page_text
from assistant.mcn import McnReference, mcn_reference
from assistant.models import Answer, CatalogueRecord, Filters, IndexedSource, SourceRef
from assistant.profiles import Exemplars, RecordProfiles, TermCounts
from assistant.retrieve import Mode, Passage, Retriever
from assistant.settings import Settings
from assistant.text import detect_language, has_date, note_mark, quote_on_page

log = logging.getLogger("assistant.pipeline")

PASSAGES_PER_QUESTION = 8
EVIDENCE_SENTENCES = 3
DATE_BONUS = 0.5  # added to a unit's score when the question asks «when» and the unit carries a date
LIST_CANDIDATES = 5  # best units whose lists compete to answer a question asking for several things


@dataclass
class Pipeline:
    settings: Settings
    retriever: Retriever
    profiles: RecordProfiles
    calibration: Calibration | None  # None only while `assistant calibrate` fits one
    sources: dict[str, IndexedSource]
    mcn: McnReference
    exemplars: Exemplars  # the labelled needs the calibration was fitted with (none while it is being fitted)
    problems: dict[str, str]  # indexed sources the answers read otherwise than from their file: why, and how
    names: NameIndex  # the records by the names a question may mention them by
    catalogue: np.ndarray  # the records (profiles' order) as an array: a filter picks them without a Python loop
    read: dict[str, "ReadRecord"]  # the records read from their files, by source: what the next generation reuses
    intent: IntentModel | None  # tells a need from a question: the calibration's (while one is fitted, its own)

    @classmethod
    def open(cls, settings: Settings, mode: Mode = "hybrid", calibrated: bool = True,
             previous: "Pipeline | None" = None, intent: IntentModel | None = None) -> "Pipeline":
        """The stages over the index's current generation. With `previous` (the pipeline of the generation before),
        what has not changed is taken from it: the records whose file is as it was, their vectors, terms and names,
        the documents' term counts when the documents are the same."""
        try:
            retriever = Retriever.open(settings, mode)
        except (IndexStoreError, EmbedderError) as error:
            raise AskError(str(error)) from error
        sources = retriever.sources
        calibration = load_calibration(retriever.embedder.name, settings.calibration_path) if calibrated else None
        if calibrated and calibration is None:
            raise AskError(f"aucune calibration pour l’encodeur {retriever.embedder.name} : "
                           "lancez assistant calibrate")
        records, problems, read = indexed_records(settings, sources, previous.read if previous else None)
        if settings.deck_source not in sources:
            log.warning("le document d’orientation du MCN (%s) n’est pas dans l’index : les critères des niveaux et "
                        "les étapes du processus ne seront pas cités", settings.deck_source)
        index = settings.path(settings.index_dir)
        documents = retriever.documents_stamp()
        before = previous.profiles.documents if previous else None
        terms = (before if before and before.stamp == documents else TermCounts.load(document_terms_path(settings),
                 documents) or TermCounts.of_texts(retriever.document_texts(), documents))
        profiles = RecordProfiles.build(records, retriever.embedder, terms,
                                        index / f"profiles-{settings.collection}.npz",
                                        previous.profiles if previous else None)
        labelled = calibration.exemplars if calibration else []
        exemplars = Exemplars.embed([e.text for e in labelled], [e.records for e in labelled],
                                    [record.id for record in profiles.records], retriever.embedder,
                                    index / f"exemplars-{settings.collection}.npz",
                                    exemplar_vectors_file(settings.calibration_path))
        catalogue = np.empty(len(profiles.records), dtype=object)
        catalogue[:] = profiles.records
        return cls(settings, retriever, profiles, calibration, sources, mcn_reference(settings.deck_source), exemplars,
                   problems, NameIndex.of(profiles.records, previous.names if previous else None), catalogue, read,
                   calibration.intent if calibration else intent)

    @cached_property
    def titles(self) -> dict[str, str]:
        """Each source's title, built once per opened generation (not per question: it has a source per record)."""
        return {source.source: source.title for source in self.sources.values()}

    @cached_property
    def record_words(self) -> dict[str, set[str]]:
        """Each record's terms, as its profile analysed them (not analysed again per question)."""
        return {part.record.id: part.words for part in self.profiles.parts}

    def answer(self, question: str, history: list[str], filters: Filters | None) -> Answer:
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise AskError("la question est vide")
        context = self._context(question, history)
        language = detect_language(question, default=detect_language(" ".join(context)) if context else "fr")
        citations = CitationList(self.titles, partial(verify_quote, self.settings))
        if self._is_need(question) or (context and self._is_need(context[0])):
            answer = self._answer_need(question, context, filters, language, citations)
        else:
            answer = self._answer_question(question, context, filters, language, citations)
        answer.seconds = round(time.perf_counter() - started, 3)
        return answer

    def evidence_for(self, question: str, history: list[str],
                     exemplars: Exemplars | None = None) -> tuple[list[str], np.ndarray]:
        """The ids of the records worth comparing and their features (fit.FEATURES) for this need, read with the
        conversation as an answer reads it, with these labelled needs as exemplars (calibration's own, before it
        has saved them)."""
        need = self._need_text(question, self._context(question, history))
        records, rows = self._features(need, None, exemplars)
        return [record.id for record in records], rows

    def matched_text(self, question: str, history: list[str]) -> str:
        """What a need is matched on (the words of sharing out): how an exemplar is stored."""
        return matched_form(self._need_text(question, self._context(question, history)))

    def _context(self, question: str, history: list[str]) -> list[str]:
        return conversation_context(question, history, self._added_terms, self._is_need)

    def _is_need(self, text: str) -> bool:
        """A need for the catalogue, or a question about the documents: by the fitted model when there is one."""
        return self.intent.need_probability(self.retriever.embed(text)) >= 0.5 if self.intent else is_need(text)

    def _added_terms(self, turn: str, context: list[str]) -> int:
        return len(self._new_terms(turn, context))

    def _new_terms(self, turn: str, context: list[str]) -> set[str]:
        """The uncommon terms a turn adds to the conversation, its words of sharing out."""
        return new_terms(self.profiles.weights.distinctive(set(analyze(topic_of(meant(turn))))), context)

    def _need_text(self, question: str, context: list[str]) -> str:
        return need_text(meant(question), context, self._added_terms(question, context) if context else 0)

    def _features(self, need: str, filters: Filters | None,
                  exemplars: Exemplars | None = None) -> tuple[list[CatalogueRecord], np.ndarray]:
        """The records worth comparing with this need that the filters keep, and their features, read against all
        the records worth comparing (`RecordProfiles.compared`: the whole catalogue up to `profiles.SHORTLIST`;
        a filter narrows what is listed, never how well a record stands out). A labelled need's own exemplar is left
        out, always: the model was fitted that way, and a development case is measured as a need nobody labelled."""
        topic = matched_form(need)
        vector, terms = self.retriever.embed(topic), analyze(topic)
        by_exemplars, like_no_match = (exemplars or self.exemplars).signals(vector, leave_out=topic)
        keep = self.profiles.kept(filters)
        rows, signals = self.profiles.compared(vector, terms, by_exemplars, keep)
        listed = keep[rows]
        return list(self.catalogue[rows[listed]]), features(signals, np.array([like_no_match]))[listed]

    def _answer_need(self, question: str, context: list[str], filters: Filters | None, language: Language,
                     citations: CitationList) -> Answer:
        if self.calibration is None:
            raise AskError("l’assistant n’est pas calibré : lancez assistant calibrate")
        need = self._need_text(question, context)
        records, rows = self._features(need, filters)
        fit = probabilities(rows, self.calibration)
        if context and puts_in_place(question):
            words = [self.record_words[record.id] for record in records]
            fit = speaking_of(words, fit, self._new_terms(question, context), self.calibration.threshold / 2)
        elif context and need != " ".join(context):
            earlier, earlier_rows = self._features(" ".join(context), filters)
            records, fit = with_earlier_evidence(records, fit, earlier, probabilities(earlier_rows, self.calibration))
        decision = decide(records, fit, self.calibration)
        model = self.calibration.levels  # read by choose_level only when nothing meets the need
        shares = model.shares(self.retriever.embed(question)) if model else None  # the embedding is remembered
        choice = choose_level(question, context, decision.named, self.mcn, shares)
        refines = context[0] if context and need != question else None  # the need the conversation started from
        return compose_need(question, need, language, decision, choice, citations, self.calibration, self.mcn,
                            self.profiles.weights, refines)

    def _answer_question(self, question: str, context: list[str], filters: Filters | None, language: Language,
                         citations: CitationList) -> Answer:
        query = " ".join([*context, question])
        vector = self.retriever.embed(query)
        passages = self.retriever.search(query, PASSAGES_PER_QUESTION, filters, query_vector=vector)
        groups = self._evidence(query, vector, [p for p in passages if not p.record_id],
                                asks_for_several(question), asks_when(question))
        named_levels, named_steps = levels_named(question), steps_named(question)
        named = [ScoredAsset(record, 1.0, "fits") for record in mentioned(query, self.names)]
        described = not named and self.calibration is not None
        if not named and self.calibration:  # an asset described rather than named: the one that fits the question
            records, rows = self._features(question, filters)
            decision = decide(records, probabilities(rows, self.calibration), self.calibration)
            named = [asset for asset in decision.listed if asset.record == decision.named][:1]
        # A question about levels or steps gets them as the deck sets them out: every criterion of one level it
        # names and the assets the deck gives as its examples (the four headings when it asks about the levels as
        # such), every line of a step it names (the process's heading first when it asks about the process);
        # an asset the deck gives as an example, its level's heading and the example. Then the passages found
        # best: only the first after what the question named, all of them before what it only described (a
        # description is a guess; the passages found stay first).
        boxes = ([ref for level in named_levels for ref in [*self.mcn.level_box(level), *self.mcn.examples.get(
            level, [])]] if len(named_levels) < 4 else list(self.mcn.headings.values()))
        boxes += ([self.mcn.process_heading] if len(named_steps) == 2 else []) + [
            ref for step in named_steps for ref in self.mcn.step_boxes[step]]
        example_boxes = [ref for asset in named for level, refs in self.mcn.examples.items() for example in refs
                         if mentions(example.quote, asset.record) for ref in (self.mcn.headings[level], example)]
        if not described:
            boxes, example_boxes = [*boxes, *example_boxes], []
        groups = [group for group in groups if any(ref not in boxes for ref in group)]
        found = [ref for group in groups[:1 if boxes else None] for ref in group]
        evidence = [*boxes, *found, *example_boxes]
        evidence = [ref for i, ref in enumerate(evidence) if ref not in evidence[:i]]
        examples = [ref for refs in self.mcn.examples.values() for ref in refs]
        return compose_information(question, language, evidence, named, citations, self.profiles.weights, examples)

    def _units(self, passage: Passage) -> tuple[list[PageUnits], PageUnits, list[int]]:
        """A passage's document (its pages' units, when it has pages), its page's units and those it holds, whole
        on the page (a record's, or a page that cannot be read: its own)."""
        own = PageUnits.of_text(passage.source, passage.page, passage.text)
        if passage.page is None:
            return [own], own, list(range(len(own.texts)))
        path = self.settings.home / passage.source
        try:
            document = _document_units(path, passage.source, file_stamp(path), self.settings.bounds.document_pages)
            page = document[passage.page - 1]
        except (OSError, LoadError, IndexError):
            return [own], own, list(range(len(own.texts)))
        held = page.held(passage.text)
        return (document, page, held) if held else ([own], own, list(range(len(own.texts))))

    def _evidence(self, query: str, vector: np.ndarray, passages: list[Passage],
                  several: bool = False, when: bool = False) -> list[list[SourceRef]]:
        """The units of the passages that best answer the question (meaning and shared words together), each
        with what is quoted beside it (`PageUnits.related`: the bullets it announces, a heading's body, its table
        row) and the footnotes its marks point to, best first. When the answer is a list (`several`), the list that
        best covers the question comes first, whole (a table's column, the items marked by a footnote, a run of
        short units); when it is a date (`when`), the units that carry one are preferred."""
        candidates: dict[tuple[int, int], tuple[list[PageUnits], PageUnits, int]] = {}  # overlapping chunks: once
        for passage in passages:
            document, page, held = self._units(passage)
            for index in held:
                candidates.setdefault((id(page), index), (document, page, index))
        if not candidates:
            return []
        found = list(candidates.values())
        texts = [page.texts[index] for _, page, index in found]
        embedded = np.asarray(self.retriever.embedder.embed_documents(texts))
        similarity = embedded @ vector / (np.linalg.norm(embedded, axis=1) * np.linalg.norm(vector) + 1e-12)
        terms = set(analyze(query))
        overlap = np.array([len(terms & set(analyze(text))) / (len(terms) or 1) for text in texts])
        dated = np.array([when and has_date(text) for text in texts], dtype=float)
        order = [int(index) for index in np.argsort(-(similarity + overlap + DATE_BONUS * dated))]
        Quoted = tuple[PageUnits, int]
        picks: list[list[Quoted]] = [[(found[index][1], found[index][2])] for index in order[:EVIDENCE_SENTENCES]]
        if several:
            def list_of(index: int) -> list[Quoted]:
                document, page, at = found[index]
                note = page.blocks[page.block_of[at]].text
                marked = marked_by(document, note) if note_mark(note) else []
                return [(page, at), *marked] if marked else [(page, item) for item in page.list_of(at)]

            position = {(page, at): index for index, (_, page, at) in enumerate(found)}

            def coverage(items: list[Quoted]) -> float:
                covered = set().union(*(analyze(page.texts[at]) for page, at in items))
                return len(terms & covered) / (len(terms) or 1) + max(
                    (similarity[position[item]] for item in items if item in position), default=0.0)

            picks.insert(0, max((list_of(index) for index in order[:LIST_CANDIDATES]), key=coverage))
        documents = {id(page): document for document, page, _ in found}
        chosen: list[list[SourceRef]] = []
        for pick in picks:
            page, at = pick[-1]
            pick += [(page, index) for index in page.related(at)]
            document = documents.get(id(page), [page])
            notes = [note for quoted, index in pick for note in notes_for(document, quoted, index)]
            pick += [quoted for note, at in notes for quoted in [(note, at), *((note, i) for i in note.related(at))]]
            pick = list(dict.fromkeys(pick))
            chosen.append([SourceRef(document=quoted.source, page=quoted.page, quote=quoted.texts[index])
                           for quoted, index in pick])
        return chosen


Stamp = tuple[int, int, int, int]  # a file's inode, size, modification and change times in ns: its version


def file_stamp(path: Path) -> Stamp | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


@dataclass(frozen=True)
class ReadRecord:
    """A record as read from its file, and the file's stamp then: while the stamp holds, the file is not read
    again."""

    stamp: Stamp
    record: CatalogueRecord


def indexed_records(settings: Settings, sources: dict[str, IndexedSource], known: dict[str, ReadRecord] | None = None,
                    ) -> tuple[dict[str, CatalogueRecord], dict[str, str], dict[str, ReadRecord]]:
    """The catalogue records the index holds, read from their files (those in `known` whose file is as it was then
    are not read again); a file broken on disk since it was indexed gives the version kept when it was (said in the
    log and in `problems`, which the Documents tab shows); with no kept version, the record leaves the answers, said
    the same way. Also what was read, by source, with the file's stamp."""
    records: dict[str, CatalogueRecord] = {}
    problems: dict[str, str] = {}
    read: dict[str, ReadRecord] = {}
    for source in (entry.source for entry in sources.values() if entry.record_id):
        path = settings.home / source
        stamp = file_stamp(path)
        if stamp and (seen := (known or {}).get(source)) and seen.stamp == stamp:
            records[source], read[source] = seen.record, seen
            continue
        try:
            records[source] = read_record(path, settings.home, settings.bounds)
            if stamp:
                read[source] = ReadRecord(stamp, records[source])
            continue
        except RecordError as error:
            broken = error.reason if not error.field else f"{error.field} : {error.reason}"
        try:
            records[source] = read_record(last_good(settings, source), last_good_folder(settings), settings.bounds)
            problems[source] = f"fiche invalide sur disque ({broken}) : la dernière version indexée reste en usage"
        except RecordError:
            problems[source] = f"fiche invalide sur disque ({broken}) : écartée des réponses"
        log.warning("%s : %s", source, problems[source])
    return records, problems, read


def matched_form(need: str) -> str:
    """What a need is matched on: what is needed, not how it would be shared («offert à tous les ministères» must
    not pull toward every government-wide asset); the need itself when nothing else is left."""
    return topic_of(need) or need


@lru_cache(maxsize=64)
def _document_units(path: Path, source: str, stamp: Stamp | None, max_pages: int) -> list[PageUnits]:
    """Each page's units of a PDF, read once per file version (`stamp`)."""
    return [PageUnits.of_blocks(source, number, blocks)
            for number, blocks in enumerate(document_blocks(path, max_pages), start=1)]


@lru_cache(maxsize=256)
def _page(path: Path, source: str, page: int | None, stamp: Stamp | None, max_pages: int) -> str:
    """The text a citation is verified on, read once per file version: a PDF's page from its blocks."""
    if page is None or path.suffix.lower() not in PDF_SUFFIXES:
        return page_text(path, page)
    document = _document_units(path, source, stamp, max_pages)
    if not 1 <= page <= len(document):
        raise LoadError(source, f"page {page} absente (le document a {len(document)} pages)")
    return pdf_page_text(document[page - 1].blocks)


def verify_quote(settings: Settings, ref: SourceRef) -> bool:
    """Whether the quote is word for word on that page of that source (page texts cached per file version)."""
    path = settings.home / ref.document
    stamp = file_stamp(path)
    try:
        return stamp is not None and quote_on_page(ref.quote, _page(path, ref.document, ref.page, stamp,
                                                                    settings.bounds.document_pages))
    except (OSError, LoadError):
        return False
