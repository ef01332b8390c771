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
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from assistant.lexical import fold_accents
from assistant.models import LEVEL_LABELS_FR, CatalogueRecord, SourceRef
from assistant.retrieve import Passage
from assistant.text import squash

DECK = "corpus/documents/mcn-reponse-acces-DA2425-39-mutualisation.pdf"

LEVEL_LABELS_EN = {
    1: "Duplicated asset",
    2: "Shared asset",
    3: "Government digital foundation",
    4: "Government business solution",
}


@dataclass(frozen=True)
class Criterion:
    """One bullet of the MCN's definition of a level, and the phrasings of a need that evoke it."""

    levels: tuple[int, ...]
    source: SourceRef
    cues: tuple[str, ...] = ()  # regular expressions over lower-case text without accents

    def matches(self, folded_text: str) -> list[str]:
        return [m.group(0) for cue in self.cues if (m := re.search(cue, folded_text))]


def _deck(page: int, quote: str) -> SourceRef:
    return SourceRef(document=DECK, page=page, quote=quote)


_FEW = r"(?:deux|trois|quatre|cinq|quelques|2|3|4|5)"
_FEW_EN = r"(?:two|three|four|five|a few|a handful of|2|3|4|5)"
_BODIES = r"(?:organismes?|ministeres?|ops?|bodies|agencies|ministries|departments|organi[sz]ations)"

LEVEL_HEADINGS = {
    1: _deck(4, "Niveau 1 - Actif dupliqué dans certains organismes"),
    2: _deck(4, "Niveau 2 - Actif partagé entre organismes"),
    3: _deck(5, "Niveau 3 - Fondations numériques gouvernementales"),
    4: _deck(5, "Niveau 4 - Solution d’affaires gouvernementale"),
}

CRITERIA: tuple[Criterion, ...] = (
    Criterion((1,), _deck(4, "L’actif est dupliqué entre les organismes et chacune des instances évoluent selon les "
                             "besoins de chacun"),
              (r"dupliqu\w*", r"duplicat\w*", r"(?:sa|leur|son) propre (?:copie|version|instance|exemplaire)",
               r"(?:its|their) own (?:copy|version|instance)", r"custom\w* (?:it )?separately",
               r"fai\w+ evoluer a (?:sa|leur) (?:guise|facon)", r"chacun (?:a|de) (?:sa|son) (?:guise|cote)")),
    Criterion((1,), _deck(4, "Chaque organisme opère sa propre version de l’actif"),
              (r"(?:heberg|oper|install|ger)\w* (?:sa|leur|son) propre", r"chacun (?:l')?(?:heberg|oper|install)\w*",
               r"each (?:of them )?(?:runs|operates|hosts|installs)", r"(?:installed|hosted|run) (?:\w+ )?separately",
               r"(?:host|run|operate|install) (?:its|their) own")),
    Criterion((1,), _deck(4, "Chaque organisme gère les coûts reliés à son instance de l’actif"),
              (r"chacun (?:la |le |les )?(?:pai|pay|financ|assum)\w*",
               r"(?:pai|pay|financ|assum)\w* (?:en )?(?:sa|son|ses|leurs?|les) (?:propres? )?"
               r"(?:copie|instance|couts|frais)",
               r"paid for\W+(?:\w+\W+){0,4}separately",
               r"each (?:of them )?pays")),
    Criterion((2,), _deck(4, "L’actif est utilisé par un certain nombre d’organismes"),
              (rf"\b{_FEW} (?:autres )?{_BODIES}", rf"\b{_FEW_EN} (?:other )?{_BODIES}",
               r"(?:partager|share) (?:une|la|one|a single|the same) (?:meme |seule )?(?:instance|solution|copy)")),
    Criterion((2,), _deck(4, "L’opération et l’évolution de l’actif sont assurées par l’organisme qui en est le "
                             "fournisseur"),
              (r"l'un d'(?:eux|entre eux) (?:l')?(?:opererait|opere|hebergerait)", r"pour les (?:\w+ )?autres",
               r"run by one of them", r"(?:for|on behalf of) the (?:\w+ )?others?\b",
               r"one (?:of them|body|ministry|agency|department) (?:would )?(?:runs?|operates?|hosts?)")),
    Criterion((2,), _deck(4, "Une entente est établie entre l’organisme détenteur et les organismes utilisateurs "
                             "afin d’établir l’ensemble des modalités et le contrat de services"),
              (r"\bentente\b", r"\bagreement\b", r"contrat de services?")),
    Criterion((3,), _deck(5, "L’actif est une fondation numérique gouvernementale car il est utilisé pour "
                             "construire une solution d’affaires"),
              (r"\bcomposant", r"\bbrique", r"reutilisable", r"\bintegrer\b", r"\bbranch\w+ (?:a|sur)",
               r"(?:construire|batir) (?:leurs|des|nos) (?:solutions|services|systemes)",
               r"\bcomponent", r"building block", r"reusable", r"plug (?:it )?in", r"\bintegrate",
               r"used to build")),
    Criterion((3, 4), _deck(5, "L’actif est un service offert et devrait être utilisé par l’ensemble de la "
                               "communauté gouvernementale"),
              (r"tous les ministeres", r"toutes? les (?:solutions|organismes|ministeres)",
               r"l'ensemble (?:du gouvernement|des ministeres|des organismes|de la communaute)",
               r"(?:whole|entire) government", r"government-wide", r"\bevery (?:department|ministry|agency|body)",
               r"\ball (?:departments|ministries|agencies|public bodies)", r"any ministry")),
    Criterion((3, 4), _deck(5, "La réalisation, l’opération et l’évolution de l’actif sont assurées par l’organisme "
                               "désigné comme étant le fournisseur"),
              (r"fournisseur designe", r"designated (?:provider|supplier|body)")),
    Criterion((4,), _deck(5, "L’actif est une solution d’affaires complète"),
              (r"\bcomplete\b", r"cle en main", r"turnkey", r"de bout en bout", r"end-to-end")),
)

STEP_1 = _deck(7, "Évaluer si le besoin pourrait être comblé, en tout ou en partie par un actif existant")
STEP_1_CONTACT = _deck(7, "Si oui, entrer en contact avec l’OP responsable de l’actif")
STEP_2 = _deck(7, "Vérifier si d’autres OP ont, en tout ou en partie")
STEP_2_LEVEL = _deck(7, "Si oui, identifier le niveau de mutualisation applicable. L’équipe de l’AEG accompagne "
                        "l’OP dans ses démarches")


def fold(text: str) -> str:
    """Lower case, no accents, straight apostrophes: what cues are matched against. Character for
    character, so that a match's span is also the span of the phrase in the text (spaced by squash)."""
    return "".join((fold_accents(char).lower() or char)[:1] for char in text.replace("’", "'"))


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
    folded = fold(squash(text))
    return [CueMatch(criterion, phrases) for criterion in CRITERIA if (phrases := criterion.matches(folded))]


MIN_CRITERIA = 2  # one phrase («entente», «agreement») is too little to classify a need


def level_from_cues(cues: list[CueMatch]) -> int | None:
    """The level whose criteria the need evokes most, if at least two of them; None when fewer are evoked
    or two levels tie."""
    votes = {level: 0 for level in LEVEL_LABELS_FR}
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
    text = squash(text)
    folded = fold(text)
    for cue in (cue for criterion in CRITERIA for cue in criterion.cues):
        for found in re.finditer(cue, folded):
            start, end = found.span()
            text = text[:start] + " " * (end - start) + text[end:]
    return squash(text)


# --- Assets ---------------------------------------------------------------------------------------------

@dataclass
class AssetMatch:
    record: CatalogueRecord
    score: float
    similarity: float
    passages: list[Passage]


def names_of(record: CatalogueRecord) -> list[str]:
    """The folded names by which a passage may mention a record."""
    names = [fold(record.name)]
    if record.acronym and len(record.acronym) >= 3:
        names.append(fold(record.acronym))
    return names


def mentions(passage_text: str, record: CatalogueRecord) -> bool:
    folded = fold(passage_text)
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
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


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


def load_calibration(embedder: str, path: Path = CALIBRATION_FILE) -> Calibration | None:
    """The calibration for this embedder, or None when there is none (the figures would mean nothing)."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
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
    folded = fold(squash(question))
    return bool(_NEED_MARKERS.search(folded)) or not _QUESTION_START.search(folded)


def is_follow_up(question: str) -> bool:
    """A turn that only makes sense with the one before: short, or opening on «et», «et si», «what if»…"""
    folded = fold(squash(question))
    return len(folded.split()) <= 6 or bool(_FOLLOW_UP_START.search(folded))
