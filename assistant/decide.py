"""Decide stage: the records' fit probabilities -> the verdict (the record an answer names, or none), the records
it lists, and why each was proposed.

The verdict follows the evidence: when a record fits, it is the one listed first. Step 1 of the MCN's process
looks for an asset already in service, so a fitting asset is named before a project or program that fits only
slightly better (`COMPARABLE`); the answer then names both. When nothing fits, the closest records are still
listed, as such.
"""

import re
from dataclasses import dataclass

import numpy as np

from assistant.fit import Calibration
from assistant.labels import Band
from assistant.lexical import analyze, loose_forms
from assistant.models import CatalogueRecord, SourceRef
from assistant.profiles import TermWeights
from assistant.text import match_form

LISTED = 5  # records an answer carries, ranked; how many a screen shows is the interface's business
COMPARABLE = 0.1  # probabilities this close count as fitting alike


@dataclass
class ScoredAsset:
    record: CatalogueRecord
    probability: float
    band: Band


@dataclass
class Decision:
    named: CatalogueRecord | None  # the record the verdict names; None when nothing fits
    listed: list[ScoredAsset]  # the named record first; the closest records when nothing fits
    also: CatalogueRecord | None = None  # a project or program that fits as well as the asset named


def best_first(values: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k largest values, largest first, ties in index order: a stable sort's first k, without
    sorting the whole catalogue."""
    if len(values) <= k:
        return np.argsort(-values, kind="stable")
    kth = np.partition(-values, k - 1)[k - 1]
    candidates = np.flatnonzero(-values <= kth)  # every value tied with the k-th comes in: the stable order decides
    return candidates[np.argsort(-values[candidates], kind="stable")][:k]


def speaking_of(words: list[set[str]], fit: np.ndarray, put_in_place: set[str], floor: float) -> np.ndarray:
    """The fit of records (`words`: each one's terms, `profiles.record_terms`) to a need whose turn puts something
    in place of what was said before («plutôt pour les écoles secondaires», «je parlais d'appels de candidatures»):
    a record whose words speak of none of the terms it puts in place (`put_in_place`) cannot fit the need as it
    now stands, however well it fit the words before; its fit is 0. Only records at `floor` or more are read: no
    other could be named."""
    if not put_in_place:
        return fit
    wanted = loose_forms(put_in_place)
    silent = [row for row in np.flatnonzero(fit >= floor) if not loose_forms(words[row]) & wanted]
    kept = fit.copy()
    kept[silent] = 0.0
    return kept


def with_earlier_evidence(records: list[CatalogueRecord], fit: np.ndarray, earlier: list[CatalogueRecord],
                          earlier_fit: np.ndarray) -> tuple[list[CatalogueRecord], np.ndarray]:
    """The fit of records to a need read with a turn that goes on with it («C'est déjà en service? Qui le porte?»,
    «Nos directions régionales pourraient-elles s'en servir?»): each record keeps the better of its fit to the need
    with the turn and to the need before it (`earlier`), since words that ask about an asset or add a detail take
    nothing away from what it fit; records only the earlier need compared come in."""
    row_of = {record.id: row for row, record in enumerate(records)}
    joined, best = list(records), fit.copy()
    for record, value in zip(earlier, earlier_fit, strict=True):
        if record.id in row_of:
            best[row_of[record.id]] = max(best[row_of[record.id]], value)
        else:
            joined.append(record)
            best = np.append(best, value)
    return joined, best


def decide(records: list[CatalogueRecord], fit: np.ndarray, calibration: Calibration) -> Decision:
    """The verdict over records and their fit probabilities (same order)."""
    top = best_first(fit, LISTED)
    listed = [ScoredAsset(records[i], float(fit[i]), calibration.band(float(fit[i]))) for i in top]
    if not listed or listed[0].probability < calibration.threshold:
        return Decision(None, listed)
    first = listed[0]
    if first.record.kind != "asset":
        asset = next((candidate for candidate in listed[1:] if candidate.record.kind == "asset"
                      and candidate.probability >= calibration.threshold
                      and first.probability - candidate.probability <= COMPARABLE), None)
        if asset:
            listed.remove(asset)
            return Decision(asset.record, [asset, *listed], also=first.record)
    return Decision(first.record, listed)


_SHORT_NAME = re.compile(r"^(?:programme|program)\s+")
_EXPLANATION = re.compile(r"\s*\([^)]*\)")


def names_of(record: CatalogueRecord) -> list[str]:
    """The folded names by which a text may mention a record: its name, its acronym, and its short name (without
    «Programme» in front or the explanation in parentheses: «Programme Horizon (Modernisation …)» is «Horizon»)."""
    names = [match_form(record.name)]
    short = _SHORT_NAME.sub("", _EXPLANATION.sub("", names[0])).strip()
    if short and short != names[0]:
        names.append(short)
    if record.searchable_acronym:
        names.append(match_form(record.searchable_acronym))
    return names


_TOKEN = re.compile(r"\w+|[^\w\s]")


def name_key(text: str) -> str:
    """A folded text as its words and signs one space apart: what a name and a passage are compared on."""
    return " ".join(_TOKEN.findall(match_form(text)))


def mentions(text: str, record: CatalogueRecord) -> bool:
    return bool(mentioned(text, NameIndex.of([record])))


@dataclass(frozen=True)
class NameIndex:
    """The records of a catalogue by each name a text may mention them by (`names_of`), for a lookup per question
    that costs the question's length, not the catalogue's."""

    records: dict[str, list[CatalogueRecord]]
    longest: int  # words in the longest name
    keys: dict[int, list[str]]  # each record's names as compared (by the record object: the next generation's reuse)

    @classmethod
    def of(cls, records: list[CatalogueRecord], previous: "NameIndex | None" = None) -> "NameIndex":
        """With `previous`, a record that is the same object keeps its folded names."""
        known = previous.keys if previous else {}
        keys = {id(record): known.get(id(record)) or list(dict.fromkeys(name_key(name) for name in names_of(record)))
                for record in records}
        by_name: dict[str, list[CatalogueRecord]] = {}
        for record in records:
            for name in keys[id(record)]:
                by_name.setdefault(name, []).append(record)
        return cls(by_name, max((name.count(" ") + 1 for name in by_name), default=0), keys)


def mentioned(text: str, index: NameIndex) -> list[CatalogueRecord]:
    """The records a text mentions by one of their names (whole words), in the index's order of first mention."""
    words = name_key(text).split(" ")
    found: dict[str, CatalogueRecord] = {}
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + index.longest) + 1):
            for record in index.records.get(" ".join(words[start:end]), []):
                found.setdefault(record.id, record)
    return list(found.values())


_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # apostrophes split: «d'authentification» gives «authentification»


def why_it_fits(need: str, record: CatalogueRecord, weights: TermWeights) -> tuple[list[str], SourceRef | None]:
    """The words of the need that the record covers, and the record's quote that covers most of them (the fact
    to cite beside them). Only quotes about the record count (sharing a distinctive term with its name or
    description: not the cover letter a record also cites), and only distinctive terms (a word most texts use,
    such as «service», explains nothing). No words when no such quote shares one with the need."""
    need_terms = weights.distinctive(set(analyze(need)))
    about = weights.distinctive(set(analyze(f"{record.display_name} {record.description}")))
    best, shared = None, set[str]()
    for ref in record.sources:
        quoted = set(analyze(ref.quote))
        common = need_terms & quoted if quoted & about else set()
        if len(common) > len(shared):
            best, shared = ref, common
    if best is None:
        return [], None
    words: list[str] = []
    for word in _WORD.findall(need):
        if set(analyze(word)) & shared and word.lower() not in (w.lower() for w in words):
            words.append(word)
    return words, best
