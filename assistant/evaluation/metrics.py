"""Scores of one answer against its label (pure), and figures over many.

A system that takes no decision on the level or on «nothing fits» (the LangChain baseline) gets None for
those figures: not applicable, never zero.
"""

import math
import re
import statistics
from collections.abc import Callable

from pydantic import BaseModel, Field

from assistant.evaluation.dataset import DevNeed, DevQuestion, Half
from assistant.generate import MARKER, claims
from assistant.lexical import analyze
from assistant.models import Answer, Citation
from assistant.text import display_form

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


def contains_loosely(text: str, expected: str) -> bool:
    """Whitespace-insensitive containment, as the dev set's README asks."""
    return re.sub(r"\s+", "", expected) in re.sub(r"\s+", "", text)


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


class NeedResult(BaseModel):
    id: str
    half: Half
    question: str
    expected_assets: list[str]
    found_assets: list[str]
    expected_level: int | None
    found_level: int | None
    no_match: bool
    found_none: bool
    language_ok: bool
    citations_ok: bool
    supported_claims: int
    claims: int
    seconds: float


class QuestionResult(BaseModel):
    id: str
    question: str
    source_ok: bool = Field(description="A citation names the expected document on an expected page.")
    contains_ok: bool = Field(description="The answer holds every expected string.")
    language_ok: bool
    citations_ok: bool
    supported_claims: int
    claims: int
    seconds: float


def score_need(need: DevNeed, answer: Answer, verified: Callable[[Citation], bool]) -> NeedResult:
    supported, claims = citation_support(answer)
    return NeedResult(
        id=need.id, half=need.half, question=need.question, expected_assets=need.expected_assets,
        found_assets=[asset.id for asset in answer.assets], expected_level=need.expected_level,
        found_level=answer.suggested_level.level, no_match=need.no_match,
        found_none=not answer.existing_asset_found, language_ok=answer.language == need.language,
        citations_ok=all(verified(c) for c in answer.citations), supported_claims=supported, claims=claims,
        seconds=answer.seconds,
    )


def score_question(question: DevQuestion, answer: Answer, verified: Callable[[Citation], bool]) -> QuestionResult:
    supported, claims = citation_support(answer)
    return QuestionResult(
        id=question.id, question=question.question,
        source_ok=any(c.source == question.expected_source and c.page in question.expected_pages
                      for c in answer.citations),
        contains_ok=all(contains_loosely(display_form(answer.answer), expected)
                        for expected in question.expected_answer_contains),
        language_ok=answer.language == question.language,
        citations_ok=all(verified(c) for c in answer.citations), supported_claims=supported, claims=claims,
        seconds=answer.seconds,
    )


# --- Aggregates -----------------------------------------------------------------------------------------

def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _support(results: list[NeedResult] | list[QuestionResult]) -> float | None:
    claims = sum(r.claims for r in results)
    return round(sum(r.supported_claims for r in results) / claims, 3) if claims else None


def need_figures(results: list[NeedResult], decides_level: bool = True,
                 decides_no_match: bool = True) -> dict[str, float | int | None]:
    """Figures over needs; None where there is nothing to measure or the system takes no such decision."""
    matches = [r for r in results if not r.no_match]
    levelled = [r for r in results if r.expected_level is not None]
    return {
        "cases": len(results),
        "hit@1": _share([hit_at(1, r.found_assets, r.expected_assets) for r in matches]),
        "hit@3": _share([hit_at(3, r.found_assets, r.expected_assets) for r in matches]),
        "hit@5": _share([hit_at(5, r.found_assets, r.expected_assets) for r in matches]),
        "mrr": _mean([reciprocal_rank(r.found_assets, r.expected_assets) for r in matches]),
        "ndcg@5": _mean([ndcg_at(5, r.found_assets, r.expected_assets) for r in matches]),
        "level_accuracy": _share([r.found_level == r.expected_level for r in levelled]) if decides_level else None,
        "no_match_accuracy": _share([r.found_none == r.no_match for r in results]) if decides_no_match else None,
        "no_match_precision": _share([r.no_match for r in results if r.found_none]) if decides_no_match else None,
        "no_match_recall": _share([r.found_none for r in results if r.no_match]) if decides_no_match else None,
        "language_match": _share([r.language_ok for r in results]),
        "citation_validity": _share([r.citations_ok for r in results]),
        "citation_support": _support(results),
    }


def question_figures(results: list[QuestionResult]) -> dict[str, float | int | None]:
    return {
        "cases": len(results),
        "source_on_expected_page": _share([r.source_ok for r in results]),
        "answer_contains_expected": _share([r.contains_ok for r in results]),
        "language_match": _share([r.language_ok for r in results]),
        "citation_validity": _share([r.citations_ok for r in results]),
        "citation_support": _support(results),
    }


LEVELS = (1, 2, 3, 4)


def level_confusion(results: list[NeedResult]) -> list[list[int]]:
    """Rows: expected level 1-4; columns: suggested level 1-4, then «no level suggested»."""
    matrix = [[0] * (len(LEVELS) + 1) for _ in LEVELS]
    for r in results:
        if r.expected_level in LEVELS:
            column = LEVELS.index(r.found_level) if r.found_level in LEVELS else len(LEVELS)
            matrix[LEVELS.index(r.expected_level)][column] += 1
    return matrix


def latency_figures(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    percentile = lambda p: ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]  # noqa: E731
    return {"p50_ms": round(1000 * statistics.median(ordered), 1), "p95_ms": round(1000 * percentile(0.95), 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def all_figures(needs: list[NeedResult], questions: list[QuestionResult], decides_level: bool = True,
           decides_no_match: bool = True) -> dict:
    """Every figure: needs overall and per half, document questions, latency over all cases."""
    halves = {f"needs_{half}": need_figures([r for r in needs if r.half == half], decides_level, decides_no_match)
              for half in ("tune", "held_out")}
    return {
        "needs": need_figures(needs, decides_level, decides_no_match),
        **halves,
        "questions": question_figures(questions),
        "latency": latency_figures([r.seconds for r in needs] + [r.seconds for r in questions]),
    }
