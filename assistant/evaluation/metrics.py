"""Scores of one answer against its label (pure), and figures over many.

What is scored first is what a user reads and acts on: the verdict (the record the first sentence names, or
«nothing fits»), the suggested level, the fit figure shown beside each asset, and the facts of an answer to a
question about the documents. Ranking measures (hit@k, MRR) come beside them. A system that takes no decision
of a kind (the LangChain baseline decides no level and never says that nothing fits) gets None for it: not
applicable, never zero.
"""

import math
import re
import statistics
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from assistant.evaluation.dataset import Fact, Split
from assistant.generate import MARKER, claims
from assistant.labels import ANSWER_TEXT
from assistant.lexical import analyze
from assistant.models import Answer
from assistant.text import quote_form, shown_quote

CaseKind = Literal["need", "follow_up", "grown", "document"]
BINS = 10

# --- Per-case scores (pure) -----------------------------------------------------------------------------


def hit_at(k: int, found: list[str], expected: list[str]) -> bool:
    return any(asset in expected for asset in found[:k])


def reciprocal_rank(found: list[str], expected: list[str]) -> float:
    """1/rank of the first expected asset among those found; 0 when none is."""
    return next((1 / rank for rank, asset in enumerate(found, start=1) if asset in expected), 0.0)


def ndcg_at(k: int, found: list[str], expected: list[str]) -> float:
    """Normalised discounted cumulative gain over the first k assets, each expected asset counting as relevant."""
    gain = sum(1 / math.log2(rank + 1) for rank, asset in enumerate(found[:k], start=1) if asset in expected)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(k, len(expected)) + 1))
    return gain / ideal if ideal else 0.0


def verdict_correct(named: str | None, acceptable: list[str]) -> bool:
    """The verdict is right when it names an acceptable record, or says that nothing fits when none is."""
    return named in acceptable if acceptable else named is None


def first_sentence(answer: Answer) -> str:
    """The answer's verdict line, without its Markdown emphasis: the sentence a user acts on (after the line that
    says how a follow-up was understood, when there is one)."""
    lines = [line for line in answer.answer.splitlines() if line.strip()]
    understood = tuple(text["understood"].split("{")[0] for text in ANSWER_TEXT.values())
    line = next((line for line in lines if not line.startswith(understood)), "")
    return re.sub(r"\*\*|__|^#+\s*", "", line).strip()


def _letters(text: str) -> str:
    return re.sub(r"\s+", "", quote_form(text))


def fact_stated(answer: Answer, fact: Fact) -> bool:
    """The fact's words are in the answer (spacing, case, accents and typography aside, and the footnote marks that
    answers do not show: `text.shown_quote`) and the answer cites its page of its document."""
    cited = any(citation.source == fact.source and citation.page == fact.page for citation in answer.citations)
    return cited and _letters(shown_quote(fact.text)) in _letters(answer.answer)


SUPPORT_OVERLAP = 0.5


def citation_support(answer: Answer) -> tuple[int, int]:
    """(supported, claims) over the answer's sentences.

    A claim is a sentence of the answer (Markdown marks and headings left out) with at least three content
    terms (stems, stop words out): `generate.claims`. It is supported when it carries a marker [n] whose quote
    shares its key content: the terms they share are at least half of the smaller of the two term sets. A
    claim without a marker, or whose quotes say something else, is unsupported.
    """
    quotes = {citation.n: set(analyze(citation.quote)) for citation in answer.citations}
    stated = claims(answer.answer)
    supported = sum(any(shares_key_content(set(analyze(MARKER.sub(" ", sentence))), quotes.get(int(n), set()))
                        for n in MARKER.findall(sentence)) for sentence in stated)
    return supported, len(stated)


def shares_key_content(claim: set[str], quote: set[str]) -> bool:
    return bool(quote) and len(claim & quote) >= SUPPORT_OVERLAP * min(len(claim), len(quote))


# --- Calibration of the displayed fit (pure) ------------------------------------------------------------

Outcome = tuple[float, bool]  # a displayed fit, and whether that record is acceptable


def brier_score(outcomes: Sequence[Outcome]) -> float | None:
    """Mean squared gap between the fit shown and what happened (0 is perfect, 0.25 is a coin)."""
    return round(statistics.fmean((fit - hit) ** 2 for fit, hit in outcomes), 4) if outcomes else None


def _deciles(outcomes: Sequence[Outcome], bins: int) -> list[list[Outcome]]:
    groups: list[list[Outcome]] = [[] for _ in range(bins)]
    for fit, hit in outcomes:
        groups[min(max(int(fit * bins), 0), bins - 1)].append((fit, hit))
    return groups


def reliability_table(outcomes: Sequence[Outcome], bins: int = BINS) -> list[dict[str, float | int | None]]:
    """Per decile of the fit shown: how many, their mean fit, and the share of them that are acceptable."""
    return [{"from": index / bins, "to": (index + 1) / bins, "count": len(group),
             "mean_fit": round(statistics.fmean(fit for fit, _ in group), 3) if group else None,
             "observed": round(statistics.fmean(hit for _, hit in group), 3) if group else None}
            for index, group in enumerate(_deciles(outcomes, bins))]


def expected_calibration_error(outcomes: Sequence[Outcome], bins: int = BINS) -> float | None:
    """The gap between mean fit and observed share, averaged over deciles weighted by their counts."""
    if not outcomes:
        return None
    gaps = [len(group) * abs(statistics.fmean(fit for fit, _ in group) - statistics.fmean(hit for _, hit in group))
            for group in _deciles(outcomes, bins) if group]
    return round(sum(gaps) / len(outcomes), 4)


# --- Results and figures --------------------------------------------------------------------------------

class CaseResult(BaseModel):
    """One case as a system answered it, with what a reader needs to see what went wrong."""

    id: str
    kind: CaseKind
    split: Split | None
    style: str
    question: str
    first_sentence: str
    intent: Literal["need", "question"] = Field(description="How the system read the case: a need for the "
                                                "catalogue, or a question about the documents.")
    acceptable: list[str]
    named: str | None
    listed: list[str]
    fits: list[float]
    offered: list[bool] = Field(default_factory=list, description="Which listed records the answer offers as "
                                "fitting (the others are the closest, shown as such).")
    expected_level: int | None
    found_level: int | None
    verdict_ok: bool | None
    facts_ok: bool | None
    language_ok: bool
    citations_ok: bool
    supported_claims: int
    claims: int
    seconds: float

    def outcomes(self) -> list[Outcome]:
        return [(fit, record in self.acceptable) for record, fit in zip(self.listed, self.fits, strict=True)]


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def need_figures(results: list[CaseResult], decides_level: bool = True, decides_no_match: bool = True,
                 shows_fit: bool = True) -> dict[str, float | int | None]:
    """Figures over needs (or follow-ups); None where there is nothing to measure or no such decision."""
    matches = [r for r in results if r.acceptable]
    offered = [record in r.acceptable for r in results
               for record, fitting in zip(r.listed, r.offered, strict=True) if fitting]
    outcomes = [outcome for r in results for outcome in r.outcomes()] if shows_fit else []
    said_none = [r for r in results if r.named is None]
    return {
        "cases": len(results),
        "verdict_accuracy": _share([bool(r.verdict_ok) for r in results]),
        "fitting_precision": _share(offered) if shows_fit else None,
        "no_match_precision": _share([not r.acceptable for r in said_none]) if decides_no_match else None,
        "no_match_recall": _share([r.named is None for r in results if not r.acceptable])
        if decides_no_match else None,
        "no_match_accuracy": _share([(r.named is None) == (not r.acceptable) for r in results])
        if decides_no_match else None,
        "level_accuracy": _share([r.found_level == r.expected_level for r in results if r.expected_level])
        if decides_level else None,
        "no_match_level_accuracy": _share([r.found_level == r.expected_level for r in results
                                           if r.expected_level and not r.acceptable]) if decides_level else None,
        "brier": brier_score(outcomes), "ece": expected_calibration_error(outcomes),
        "hit@1": _share([hit_at(1, r.listed, r.acceptable) for r in matches]),
        "hit@3": _share([hit_at(3, r.listed, r.acceptable) for r in matches]),
        "mrr": _mean([reciprocal_rank(r.listed, r.acceptable) for r in matches]),
        "citation_validity": _share([r.citations_ok for r in results]),
        "language_match": _share([r.language_ok for r in results]),
    }


def document_figures(results: list[CaseResult]) -> dict[str, float | int | None]:
    claims_made = sum(r.claims for r in results)
    return {
        "cases": len(results),
        "document_accuracy": _share([bool(r.facts_ok) for r in results]),
        "citation_validity": _share([r.citations_ok for r in results]),
        "citation_support": round(sum(r.supported_claims for r in results) / claims_made, 3) if claims_made else None,
        "language_match": _share([r.language_ok for r in results]),
    }


LEVELS = (1, 2, 3, 4)


def level_confusion(results: list[CaseResult]) -> list[list[int]]:
    """Rows: expected level 1-4; columns: suggested level 1-4, then «no level suggested»."""
    matrix = [[0] * (len(LEVELS) + 1) for _ in LEVELS]
    for r in results:
        if r.expected_level in LEVELS:
            column = LEVELS.index(r.found_level) if r.found_level in LEVELS else len(LEVELS)
            matrix[LEVELS.index(r.expected_level)][column] += 1
    return matrix


def latency_figures(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {}
    ordered = sorted(seconds)
    at = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(1000 * statistics.median(ordered), 1), "p95_ms": round(1000 * at, 1),
            "max_ms": round(1000 * ordered[-1], 1)}
