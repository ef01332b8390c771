"""What each catalogue record is about, as matrices: a need is compared with every record in a few vectorised
operations (matrix products, postings of its terms), never by a Python pass over the records.

Four signals per record (`SIGNALS`), the fit model's raw material (`fit.py`):
- profile: cosine between the need and one embedded profile of the record (name, description, sub-projects,
  keywords);
- facet: the best cosine between the need and one of the record's facets (its name, each sentence of its
  description, each keyword, each sub-project): a need meets the one facet it is about, not a blurred average;
- coverage: how much of the need's salient content the record's words cover, each need term weighted by its
  inverse document frequency over the catalogue and the documents (a word every record uses weighs little);
- phrase: the largest share of one of the record's key phrases (keyword, name, sub-project, acronym) found in
  the need («signature électronique» whole, not «signature» alone).
"""

import json
import math
import os
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.embed import Embedder
from assistant.lexical import analyze
from assistant.models import CatalogueRecord, Filters
from assistant.text import contains_form, sha256_hex

# Records kept by each signal before a need's features are computed: the facets of a 10,000-record catalogue
# (60,000 vectors) are compared with the need for a few hundred records, not all; up to this size, every record.
SHORTLIST = 200
SIGNALS = ("profile", "facet", "coverage", "phrase")  # what RecordProfiles.signals gives, in its column order
EXEMPLAR_SIGNALS = ("exemplar", "neighbours")  # what Exemplars.signals gives per record, in its column order
NEIGHBOURS = 5  # exemplars that vote for the records that met them (chosen by cross-validation on the dev half)
VOTE_TEMPERATURE = 0.1  # how much a closer exemplar's vote outweighs a farther one's (idem)
# The cosine of a voter that stands for «no exemplar is near»: it votes for no record, so that the nearest of
# exemplars that are all far (a cafeteria's menus beside workstation requests) carry little vote: 0.5 and 0.6 tie
# under 5-fold cross-validation on dev (verdicts 0.888, 0.885); 0.6 keeps that hard negative right.
NOBODY_NEAR = 0.6


def profile_text(record: CatalogueRecord) -> str:
    return "\n".join([record.display_name, record.description, *(p.name for p in record.sub_projects),
                      ", ".join(record.keywords.fr + record.keywords.en)])


def facets_of(record: CatalogueRecord) -> list[str]:
    """The short texts that each say what a record is for."""
    sentences = [part.strip() for part in record.description.replace("; ", ". ").split(". ") if len(part.strip()) > 15]
    return [record.display_name, *sentences, *record.keywords.fr, *record.keywords.en,
            *(p.name for p in record.sub_projects)]


def phrases_of(record: CatalogueRecord) -> list[set[str]]:
    """The record's key phrases as sets of terms; its name always first."""
    texts = [record.name, *record.keywords.fr, *record.keywords.en, *(p.name for p in record.sub_projects)]
    if record.searchable_acronym:
        texts.append(record.searchable_acronym)
    return [set(analyze(text)) for text in texts]


def record_terms(record: CatalogueRecord) -> set[str]:
    return set(analyze(profile_text(record) + "\n" + "\n".join(ref.quote for ref in record.sources)))


COMMON_SHARE = 0.1  # a term found in more than this share of the texts is too common to explain a fit


@dataclass(frozen=True)
class TermCounts:
    """In how many texts each term occurs, over how many texts; `stamp` says which texts (the documents' chunk ids),
    so that a new generation whose documents did not change reuses them instead of reading every passage again."""

    frequency: Counter[str]
    texts: int
    stamp: str = ""

    @classmethod
    def of(cls, term_sets: Iterable[set[str]], stamp: str = "") -> "TermCounts":
        frequency: Counter[str] = Counter()
        texts = 0
        for terms in term_sets:
            frequency.update(terms)
            texts += 1
        return cls(frequency, texts, stamp)

    @classmethod
    def of_texts(cls, texts: Iterable[str], stamp: str = "") -> "TermCounts":
        return cls.of((set(analyze(text)) for text in texts), stamp)

    def save(self, path: Path) -> None:
        """Written beside, then renamed: a reader never sees half of it."""
        staging = path.with_name(f"{path.name}.{os.getpid()}")
        staging.write_text(json.dumps({"stamp": self.stamp, "texts": self.texts, "frequency": self.frequency},
                                      ensure_ascii=False), encoding="utf-8")
        staging.replace(path)

    @classmethod
    def load(cls, path: Path, stamp: str) -> "TermCounts | None":
        """The counts saved there, if they are of these texts (`stamp`)."""
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved["stamp"] == stamp:
                return cls(Counter(saved["frequency"]), int(saved["texts"]), stamp)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None


@dataclass(frozen=True)
class RecordParts:
    """What a record contributes to the matrices, kept from one generation to the next while the record is the same
    object (its file unchanged): a changed record costs its own texts, not the catalogue's."""

    record: CatalogueRecord
    profile: np.ndarray  # its profile's unit vector
    facets: np.ndarray  # its facets' unit vectors
    phrases: list[set[str]]
    words: set[str]
    owner: str  # its owner's name folded, for the owner filter


@dataclass
class TermWeights:
    """Inverse document frequencies over the records and the document passages; a term never seen weighs most."""

    idf: dict[str, float]
    unseen: float
    common_below: float  # the weight under which a term is common (COMMON_SHARE)

    @classmethod
    def count(cls, term_sets: Iterable[set[str]], also: "TermCounts | None" = None) -> "TermWeights":
        """Over the term sets, and the texts already counted in `also` (the documents' passages)."""
        counts = TermCounts.of(term_sets)
        frequency, total = counts.frequency, counts.texts
        if also:
            frequency, total = frequency + also.frequency, total + also.texts
        return cls({term: math.log((total + 1) / (n + 0.5)) for term, n in frequency.items()},
                   math.log((total + 1) / 0.5), math.log((total + 1) / (COMMON_SHARE * total + 0.5)))

    def of(self, term: str) -> float:
        return self.idf.get(term, self.unseen)

    def distinctive(self, terms: set[str]) -> set[str]:
        """The terms that are not common («document», «service», «gouvernement» in this corpus)."""
        return {term for term in terms if self.of(term) >= self.common_below}


def best_rows(columns: np.ndarray, size: int) -> np.ndarray:
    """The rows among the `size` largest positive values of any column (rows × signals), in row order; every row
    when there are no more than `size`. A partition per column, no sort of the whole catalogue."""
    if len(columns) <= size:
        return np.arange(len(columns))
    best = np.argpartition(-columns, size - 1, axis=0)[:size]
    return np.unique(best[np.take_along_axis(columns, best, axis=0) > 0])


def _postings(rows: list[set[str]]) -> dict[str, np.ndarray]:
    found: dict[str, list[int]] = {}
    for row, terms in enumerate(rows):
        for term in terms:
            found.setdefault(term, []).append(row)
    return {term: np.asarray(rows_of, dtype=np.int64) for term, rows_of in found.items()}


def _starts(counts: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if counts else np.zeros(0, np.int64)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@dataclass
class RecordProfiles:
    """The indexed records (row order) and their signals' matrices; vectors cached beside the index by stamp."""

    records: list[CatalogueRecord]
    sources: np.ndarray  # the file each record was read from
    profiles: np.ndarray  # one unit vector per record
    facets: np.ndarray  # unit vectors, each record's facets together, in record order
    facet_starts: np.ndarray  # row of each record's first facet
    term_records: dict[str, np.ndarray]  # term -> the records whose words hold it
    term_phrases: dict[str, np.ndarray]  # term -> the key phrases that hold it
    phrase_sizes: np.ndarray
    phrase_starts: np.ndarray  # row of each record's first key phrase
    weights: TermWeights
    kinds: np.ndarray
    levels: np.ndarray  # 0 where a record states no level
    owners: np.ndarray  # folded owner names, for the owner filter
    parts: list[RecordParts]  # each record's own parts, in row order (what the next generation reuses)
    documents: TermCounts  # the documents' terms the weights counted

    @classmethod
    def build(cls, records: dict[str, CatalogueRecord], embedder: Embedder, documents: TermCounts, cache: Path,
              previous: "RecordProfiles | None" = None) -> "RecordProfiles":
        """`records` by the source (file) each was read from; `documents` the terms of the documents' passages.
        With `previous` (the generation before), a record that is the same object keeps its parts; only the others
        are embedded (from the cache where their texts are in it) and analysed."""
        paths = sorted(records, key=lambda source: records[source].id)
        kept = {id(parts.record): parts for parts in (previous.parts if previous else [])}
        new = [records[source] for source in paths if id(records[source]) not in kept]
        facets = [facets_of(record) for record in new]
        texts = [*(profile_text(record) for record in new), *(text for own in facets for text in own)]
        if texts or previous is None:
            # A first build reads the cache (and prunes it to this catalogue); the next generations embed their few
            # changed texts directly (the cache, read again at the next start, learns them then).
            vectors = cached_vectors(embedder, texts, cache) if previous is None else _unit(
                np.asarray(embedder.embed_documents(texts), dtype=np.float32).reshape(len(texts), embedder.dimension))
            starts = len(new) + _starts([len(own) for own in facets])
            for row, (record, own) in enumerate(zip(new, facets, strict=True)):
                kept[id(record)] = RecordParts(record, vectors[row], vectors[starts[row]:starts[row] + len(own)],
                                               phrases_of(record), record_terms(record),
                                               contains_form(record.owner or ""))
        parts = [kept[id(records[source])] for source in paths]
        records_of = [part.record for part in parts]
        flat_phrases = [phrase for part in parts for phrase in part.phrases]
        empty = np.zeros((0, embedder.dimension), np.float32)
        profiles = np.stack([part.profile for part in parts]) if parts else empty
        facet_vectors = np.concatenate([part.facets for part in parts]) if parts else empty
        facet_starts = _starts([len(part.facets) for part in parts])
        # The parts then point into these matrices, so that the arrays they came from can be freed.
        parts = [RecordParts(part.record, profiles[row], facet_vectors[start:start + len(part.facets)], part.phrases,
                             part.words, part.owner)
                 for row, (part, start) in enumerate(zip(parts, facet_starts, strict=True))]
        return cls(
            records=records_of, sources=np.asarray(paths, dtype=object), profiles=profiles, facets=facet_vectors,
            facet_starts=facet_starts,
            term_records=_postings([part.words for part in parts]), term_phrases=_postings(flat_phrases),
            phrase_sizes=np.asarray([max(len(phrase), 1) for phrase in flat_phrases], dtype=np.float64),
            phrase_starts=_starts([len(part.phrases) for part in parts]),
            weights=TermWeights.count([part.words for part in parts], documents),
            kinds=np.asarray([record.kind for record in records_of], dtype=object),
            levels=np.asarray([record.level or 0 for record in records_of]),
            owners=np.asarray([part.owner for part in parts], dtype=str),
            parts=parts, documents=documents,
        )

    def compared(self, query_vector: np.ndarray, terms: Iterable[str], beside: np.ndarray, keep: np.ndarray,
                 size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The records worth comparing with a need (row numbers, in order) and their signals: SIGNALS, then the
        columns of `beside` (each record's exemplar signals). Worth comparing: the `size` (`SHORTLIST`) best by
        profile, by coverage, by each column of `beside`, and by profile among the records `keep` allows (a filter
        still lists its best); the whole catalogue up to that size. Only their facets are compared with the need."""
        query = query_vector / (np.linalg.norm(query_vector) or 1.0)
        profile = self.profiles @ query
        coverage, phrase = self._lexical(set(terms))
        # 1 + cosine: every record may come in by its profile; by another signal, only where it has one.
        rows = best_rows(np.column_stack([1.0 + profile, coverage, beside, np.where(keep, 1.0 + profile, 0.0)]),
                         SHORTLIST if size is None else size)
        if not len(rows):
            return rows, np.zeros((0, len(SIGNALS) + beside.shape[1]))
        return rows, np.column_stack([profile[rows], self._facets(query, rows), coverage[rows], phrase[rows],
                                      beside[rows]])

    def signals(self, query_vector: np.ndarray, terms: Iterable[str]) -> np.ndarray:
        """Every record's signals, one row each in catalogue order, one column per signal (SIGNALS order)."""
        count = len(self.records)
        return self.compared(query_vector, terms, np.zeros((count, 0)), np.ones(count, dtype=bool), size=count)[1]

    def _facets(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The facet signal of these records: only their facets are compared with the need, unless they hold over a
        third of all facets (gathering a row costs about twice what comparing it does: one product over every
        facet is then cheaper)."""
        counts = np.diff(np.append(self.facet_starts, len(self.facets)))[rows]
        ends = np.cumsum(counts)
        if 3 * ends[-1] > len(self.facets):
            return np.maximum.reduceat(self.facets @ query, self.facet_starts)[rows]
        starts = ends - counts
        index = np.arange(ends[-1]) - np.repeat(starts - self.facet_starts[rows], counts)
        return np.maximum.reduceat(self.facets[index] @ query, starts)

    def _lexical(self, unique: set[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every record's coverage and phrase signals, from the postings of the need's terms."""
        coverage, hits = np.zeros(len(self.records)), np.zeros(len(self.phrase_sizes))
        for term in unique:
            if (rows := self.term_records.get(term)) is not None:
                coverage[rows] += self.weights.of(term)
            if (rows := self.term_phrases.get(term)) is not None:
                hits[rows] += 1
        total = sum(self.weights.of(term) for term in unique)
        return coverage / total if total else coverage, np.maximum.reduceat(hits / self.phrase_sizes,
                                                                           self.phrase_starts)

    def kept(self, filters: Filters | None) -> np.ndarray:
        """Which records the filters keep (kind, level, part of the owner's name); all when there are none."""
        keep = np.ones(len(self.records), dtype=bool)
        if filters and filters.source:
            keep &= self.sources == filters.source
        if filters and filters.kind:
            keep &= self.kinds == filters.kind
        if filters and filters.level:
            keep &= self.levels == filters.level
        if filters and filters.owner:
            needle = contains_form(filters.owner)
            keep &= np.char.find(self.owners, needle) >= 0
        return keep


def _saved_vectors(path: Path | None) -> dict[str, np.ndarray]:
    if path is None:
        return {}
    try:
        with np.load(path) as saved:
            return dict(zip(saved["hashes"].tolist(), saved["vectors"], strict=True))
    except (OSError, KeyError, ValueError):
        return {}


def cached_vectors(embedder: Embedder, texts: list[str], cache: Path, seed: Path | None = None) -> np.ndarray:
    """The texts' unit vectors: those of texts already in the cache or in `seed` (a read-only cache shipped
    beside it: the labelled needs' vectors) read back by content hash, for this embedder, only the others
    embedded (one changed record costs its own few texts, not the catalogue's). The cache is replaced whole
    (written beside, then renamed), so a reader never sees half of one."""
    hashes = [sha256_hex(f"{embedder.name}\n{text}") for text in texts]
    cached = _saved_vectors(cache)
    known = _saved_vectors(seed) | cached
    missing = dict(pair for pair in zip(hashes, texts, strict=True) if pair[0] not in known)
    if missing:
        embedded = np.asarray(embedder.embed_documents(list(missing.values())), dtype=np.float32)
        known |= dict(zip(missing, _unit(embedded.reshape(len(missing), embedder.dimension)), strict=True))
    vectors = (np.stack([known[digest] for digest in hashes]) if hashes
               else np.zeros((0, embedder.dimension), dtype=np.float32))
    if missing or set(cached) - set(hashes):  # new texts, or texts no longer asked for: rewritten
        cache.parent.mkdir(parents=True, exist_ok=True)
        staging = cache.with_name(f"{cache.name}.{os.getpid()}-{threading.get_ident()}.npz")  # one per writer
        np.savez(staging, hashes=np.asarray(hashes, dtype=str), vectors=vectors)
        staging.replace(cache)
    return vectors


@dataclass
class Exemplars:
    """Needs labelled with the records that meet them (none for a need nothing meets): the development half of the
    labelled set, shipped with the calibration. A need close to one that a record met is likely met by it too; a
    need close to one that nothing met is likely met by nothing. Bound to one catalogue's record order, so that a
    need is compared with every record at once."""

    texts: list[str]
    vectors: np.ndarray  # one unit vector per exemplar
    pair_rows: np.ndarray  # for each (exemplar, record it met): the record's row in the catalogue's order
    pair_exemplars: np.ndarray  # ... and the exemplar's
    met_nothing: np.ndarray  # the exemplars no record met
    rows: int  # records in the catalogue

    @classmethod
    def embed(cls, texts: list[str], records: list[list[str]], catalogue: list[str], embedder: Embedder,
              cache: Path, seed: Path | None = None) -> "Exemplars":
        """`records[i]`: the ids that met `texts[i]`; `catalogue`: the record ids in row order (ids it lacks are
        skipped)."""
        row = {record_id: i for i, record_id in enumerate(catalogue)}
        pairs = [(row[rid], i) for i, ids in enumerate(records) for rid in ids if rid in row]
        vectors = cached_vectors(embedder, texts, cache, seed) if texts else np.zeros((0, embedder.dimension))
        pair_rows, pair_exemplars = (np.asarray(pairs, dtype=np.int64).T if pairs
                                     else (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        return cls(list(texts), vectors, pair_rows, pair_exemplars,
                   np.asarray([i for i, ids in enumerate(records) if not ids], dtype=np.int64), len(catalogue))

    def signals(self, query_vector: np.ndarray, leave_out: str | None = None) -> tuple[np.ndarray, float]:
        """Per record (`EXEMPLAR_SIGNALS`): the best cosine between the need and an exemplar that record met, and
        the record's share of the vote of the need's nearest exemplars (`NEIGHBOURS`, each weighing
        exp(cosine / `VOTE_TEMPERATURE`), beside a voter for nobody at `NOBODY_NEAR`; an exemplar nothing met
        votes for no record). Then the best cosine with an
        exemplar nothing met. `leave_out`: the text of an exemplar not to count (the need's own: a labelled need
        never vouches for itself)."""
        met, vote = np.zeros(self.rows), np.zeros(self.rows)
        if not self.texts:
            return np.column_stack([met, vote]), 0.0
        cosines = self.vectors @ (query_vector / (np.linalg.norm(query_vector) or 1.0))
        counted = np.asarray(self.texts, dtype=object) != leave_out if leave_out is not None \
            else np.ones(len(self.texts), dtype=bool)
        cosines = np.where(counted, np.maximum(cosines, 0.0), 0.0)
        np.maximum.at(met, self.pair_rows, cosines[self.pair_exemplars])
        nearest = np.argsort(-np.where(counted, cosines, -np.inf), kind="stable")[:min(NEIGHBOURS, counted.sum())]
        weights = np.zeros(len(cosines))
        weights[nearest] = np.exp((cosines[nearest] - cosines[nearest].max(initial=0.0)) / VOTE_TEMPERATURE)
        np.add.at(vote, self.pair_rows, weights[self.pair_exemplars])
        nobody = np.exp((NOBODY_NEAR - cosines[nearest].max(initial=0.0)) / VOTE_TEMPERATURE)
        vote /= weights.sum() + nobody
        nothing = float(cosines[self.met_nothing].max()) if len(self.met_nothing) else 0.0
        return np.column_stack([met, vote]), nothing
