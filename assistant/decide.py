"""Decide stage: passages -> ranked catalogue assets, whether one fits, and the suggested mutualisation level.

Everything here is deterministic and transparent. The level follows the MCN's own criteria (orientation
deck, pp. 4-5) and two-step process (p. 7): each criterion is quoted word for word with its page, and the
phrases of a need that evoke it are listed beside it, so a rationale can say "your need says X, which is
criterion Y [n]".
"""

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from assistant.labels import LEVEL_LABELS
from assistant.mcn import CRITERIA, Criterion
from assistant.models import CatalogueRecord
from assistant.retrieve import Passage
from assistant.text import display_form, match_form

# --- Level ----------------------------------------------------------------------------------------------

@dataclass
class CueMatch:
    criterion: Criterion
    phrases: list[str]


@dataclass
class LevelChoice:
    level: int | None
    basis: Literal["asset", "need", "none"]
    cues: list[CueMatch] = field(default_factory=list)
    record: CatalogueRecord | None = None


def find_cues(text: str) -> list[CueMatch]:
    """The criteria a need's wording evokes, each with the phrases that evoke it."""
    folded = match_form(display_form(text))
    return [CueMatch(criterion, phrases) for criterion in CRITERIA if (phrases := criterion.matches(folded))]


MIN_CRITERIA = 2  # one phrase («entente», «agreement») is too little to classify a need


def level_from_cues(cues: list[CueMatch]) -> int | None:
    """The level whose criteria the need evokes most, if at least two of them; None when fewer are evoked
    or two levels tie."""
    votes = {level: 0 for level in LEVEL_LABELS["fr"]}
    for cue in cues:
        for level in cue.criterion.levels:
            votes[level] += 1
    best = max(votes.values())
    leaders = [level for level, count in votes.items() if count == best]
    return leaders[0] if best >= MIN_CRITERIA and len(leaders) == 1 else None


def choose_level(question: str, context: list[str], fitting: CatalogueRecord | None) -> LevelChoice:
    """The suggested level. A fitting record with a stated level gives it; otherwise the need's own wording
    (the question first, then the earlier turns of the conversation) is read against the criteria."""
    if fitting and fitting.level:
        return LevelChoice(fitting.level, "asset", record=fitting)
    for text in (question, *reversed(context)):
        cues = find_cues(text)
        level = level_from_cues(cues)
        if level:
            return LevelChoice(level, "need", [cue for cue in cues if level in cue.criterion.levels])
    return LevelChoice(None, "none")


def topic_of(text: str) -> str:
    """The need without the words that say how it would be shared: what is needed, not how it is pooled.
    Asset matching reads this, so that «offert à tous les ministères» does not pull toward any
    government-wide asset."""
    text = display_form(text)
    folded = match_form(text)
    for cue in (cue for criterion in CRITERIA for cue in criterion.cues):
        for found in re.finditer(cue, folded):
            start, end = found.span()
            text = text[:start] + " " * (end - start) + text[end:]
    return display_form(text)


# --- Assets ---------------------------------------------------------------------------------------------

@dataclass
class AssetMatch:
    record: CatalogueRecord
    score: float
    similarity: float
    passages: list[Passage]


def names_of(record: CatalogueRecord) -> list[str]:
    """The folded names by which a passage may mention a record."""
    names = [match_form(record.name)]
    if record.acronym and len(record.acronym) >= 3:
        names.append(match_form(record.acronym))
    return names


def mentions(passage_text: str, record: CatalogueRecord) -> bool:
    folded = match_form(passage_text)
    return any(re.search(rf"\b{re.escape(name)}\b", folded) for name in names_of(record))


def rank_assets(passages: list[Passage], records: dict[str, CatalogueRecord],
                mention_weight: float = 0.5) -> list[AssetMatch]:
    """Passages gathered to the records they belong to or name, best first.

    A record scores the fused scores of its own chunks plus a share of those of document passages that
    name it; its similarity is the best cosine of its own chunks (the calibrated signal for "it fits").
    """
    gathered: dict[str, AssetMatch] = {}
    for passage in passages:
        owners = [passage.record_id] if passage.record_id in records else \
            [rid for rid, record in records.items() if not passage.record_id and mentions(passage.text, record)]
        for record_id in owners:
            match = gathered.setdefault(record_id, AssetMatch(records[record_id], 0.0, 0.0, []))
            own = passage.record_id == record_id
            match.score += passage.score * (1.0 if own else mention_weight)
            if own:
                match.similarity = max(match.similarity, passage.similarity)
            match.passages.append(passage)
    return sorted(gathered.values(), key=lambda match: match.score, reverse=True)


# --- Does an asset fit? ---------------------------------------------------------------------------------

FEATURES = ("passage_score", "passage_similarity", "best_facet", "top_facets")
PACKAGED_CALIBRATION = "calibration.json"  # package data: ships in the wheel beside this module


class Calibration(BaseModel):
    """A logistic model of "this record fits the need", fitted by `assistant calibrate` on half the dev set."""

    embedder: str
    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    threshold: float = Field(description="Least probability at which a record counts as fitting.")
    fitted_on: str = Field(description="Which cases the model and threshold were fitted on.")


def calibration_text(path: Path | None) -> str:
    """The calibrations file: the one the settings name, else the one shipped in the package."""
    if path is not None:
        return path.read_text(encoding="utf-8")
    return resources.files("assistant").joinpath(PACKAGED_CALIBRATION).read_text(encoding="utf-8")


def load_calibration(embedder: str, path: Path | None = None) -> Calibration | None:
    """The calibration for this embedder, or None when there is none (the figures would mean nothing)."""
    try:
        saved = json.loads(calibration_text(path))
    except (OSError, ValueError):
        return None
    return Calibration.model_validate(saved[embedder]) if embedder in saved else None


def record_features(match: AssetMatch | None, facets: tuple[float, float]) -> list[float]:
    """What the fit decision looks at, in FEATURES order; a record no passage reached has zeros there."""
    return [match.score if match else 0.0, match.similarity if match else 0.0, *facets]


def fit_probability(features: list[float], calibration: Calibration) -> float:
    z = calibration.bias + sum(w * (x - m) / s for w, x, m, s in zip(
        calibration.weights, features, calibration.mean, calibration.scale, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


@dataclass
class ScoredAsset:
    record: CatalogueRecord
    probability: float
    match: AssetMatch | None


def score_assets(records: dict[str, CatalogueRecord], matches: list[AssetMatch],
                 facet_similarities: dict[str, tuple[float, float]], calibration: Calibration) -> list[ScoredAsset]:
    """Each record with its probability of fitting the need, best first."""
    by_id = {match.record.id: match for match in matches}
    scored = [
        ScoredAsset(record, fit_probability(record_features(by_id.get(record_id),
                                                            facet_similarities.get(record_id, (0.0, 0.0))),
                                            calibration), by_id.get(record_id))
        for record_id, record in records.items()
    ]
    return sorted(scored, key=lambda asset: asset.probability, reverse=True)


# --- What kind of question ------------------------------------------------------------------------------

_QUESTION_START = re.compile(
    r"^(?:combien|quel(?:le)?s?|qui|quand|comment|pourquoi|ou|que|qu'est-ce|c'est (?:quoi|quel\w*)|"
    r"dans quel\w*|de quand|vers quoi|au niveau|selon|d'apres|si aucun|"
    r"what|which|who|whom|when|how|why|where|according)\b")
# Someone asking for a solution: in the first person, or with the words of a request.
_NEED_MARKERS = re.compile(
    r"(?<!-)\b(?:on|nous|notre|nos|je|we|our|us|i)\b|\bj'|\bbesoin d|\bcherch\w*|\bfaudrait|existe-t-il|y a-t-il|"
    r"y a tu|ya tu|est-ce qu'il (?:y a|existe)|\bis there|\bare there|\bwhere can|\bou peut-on|\blooking for")
_FOLLOW_UP_START = re.compile(r"^(?:et|and|what if|et si|mais|but|ca|cela|this|that|it|c'est|et pour|and for)\b")


def is_need(question: str) -> bool:
    """A need to match against the catalogue, or a question about the documents ("combien…", "who…")."""
    folded = match_form(display_form(question))
    return bool(_NEED_MARKERS.search(folded)) or not _QUESTION_START.search(folded)


def is_follow_up(question: str) -> bool:
    """A turn that only makes sense with the one before: short, or opening on «et», «et si», «what if»…"""
    folded = match_form(display_form(question))
    return len(folded.split()) <= 6 or bool(_FOLLOW_UP_START.search(folded))


def conversation_context(question: str, history: list[str]) -> list[str]:
    """The earlier turns a question is read with: the last one, when the question follows it up."""
    turns = [turn for turn in history if turn.strip()]
    return turns[-1:] if turns and is_follow_up(question) else []
