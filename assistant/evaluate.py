"""Evaluation: the labelled dev set (eval/dev-set.yaml), run through `ask`, scored.

The needs are split in two halves by the parity of their number: thresholds are fitted on the odd half
(`tune`) and every figure is also reported on the even half (`held_out`), which fitting never sees.
"""

import re
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from assistant.models import Answer, Citation, Language
from assistant.text import squash

Half = Literal["tune", "held_out"]


class DevNeed(BaseModel):
    id: str
    history: list[str] = Field(default_factory=list)
    question: str
    language: Language
    expected_assets: list[str]
    expected_level: int | None
    no_match: bool
    note: str = ""

    @property
    def half(self) -> Half:
        return "tune" if int(re.sub(r"\D", "", self.id) or 0) % 2 else "held_out"


class DevQuestion(BaseModel):
    id: str
    question: str
    language: Language
    expected_source: str
    expected_pages: list[int]
    expected_answer_contains: list[str]


class DevSet(BaseModel):
    needs: list[DevNeed]
    questions: list[DevQuestion] = Field(default_factory=list)


def load_dev_set(path: Path) -> DevSet:
    return DevSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


# --- Per-case scores (pure) -----------------------------------------------------------------------------

def hit_at(k: int, found: list[str], expected: list[str]) -> bool:
    return any(asset in expected for asset in found[:k])


def contains_loosely(text: str, expected: str) -> bool:
    """Whitespace-insensitive containment, as the dev set's README asks."""
    return re.sub(r"\s+", "", expected) in re.sub(r"\s+", "", text)


class NeedResult(BaseModel):
    id: str
    half: Half
    expected_assets: list[str]
    found_assets: list[str]
    expected_level: int | None
    found_level: int | None
    no_match: bool
    found_none: bool
    language_ok: bool
    citations_ok: bool
    seconds: float


class QuestionResult(BaseModel):
    id: str
    source_ok: bool = Field(description="A citation names the expected document on an expected page.")
    contains_ok: bool = Field(description="The answer holds every expected string.")
    language_ok: bool
    citations_ok: bool
    seconds: float


def score_need(need: DevNeed, answer: Answer, verified: Callable[[Citation], bool]) -> NeedResult:
    return NeedResult(
        id=need.id, half=need.half, expected_assets=need.expected_assets,
        found_assets=[asset.id for asset in answer.assets], expected_level=need.expected_level,
        found_level=answer.suggested_level.level, no_match=need.no_match,
        found_none=not answer.existing_asset_found, language_ok=answer.language == need.language,
        citations_ok=all(verified(c) for c in answer.citations), seconds=answer.seconds,
    )


def score_question(question: DevQuestion, answer: Answer, verified: Callable[[Citation], bool]) -> QuestionResult:
    return QuestionResult(
        id=question.id,
        source_ok=any(c.source == question.expected_source and c.page in question.expected_pages
                      for c in answer.citations),
        contains_ok=all(contains_loosely(squash(answer.answer), expected)
                        for expected in question.expected_answer_contains),
        language_ok=answer.language == question.language,
        citations_ok=all(verified(c) for c in answer.citations), seconds=answer.seconds,
    )


# --- Aggregates -----------------------------------------------------------------------------------------

def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def need_figures(results: list[NeedResult]) -> dict[str, float | int | None]:
    matches = [r for r in results if not r.no_match]
    levelled = [r for r in results if r.expected_level is not None]
    return {
        "cases": len(results),
        "hit@1": _share([hit_at(1, r.found_assets, r.expected_assets) for r in matches]),
        "hit@3": _share([hit_at(3, r.found_assets, r.expected_assets) for r in matches]),
        "level_accuracy": _share([r.found_level == r.expected_level for r in levelled]),
        "no_match_accuracy": _share([r.found_none == r.no_match for r in results]),
        "no_match_precision": _share([r.no_match for r in results if r.found_none]),
        "no_match_recall": _share([r.found_none for r in results if r.no_match]),
        "language_match": _share([r.language_ok for r in results]),
        "citations_verified": _share([r.citations_ok for r in results]),
    }


def question_figures(results: list[QuestionResult]) -> dict[str, float | int | None]:
    return {
        "cases": len(results),
        "source_on_expected_page": _share([r.source_ok for r in results]),
        "answer_contains_expected": _share([r.contains_ok for r in results]),
        "language_match": _share([r.language_ok for r in results]),
        "citations_verified": _share([r.citations_ok for r in results]),
    }


def latency_figures(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    percentile = lambda p: ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]  # noqa: E731
    return {"p50_ms": round(1000 * statistics.median(ordered), 1), "p95_ms": round(1000 * percentile(0.95), 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def run_dev_set(dev: DevSet, ask: Callable[..., Answer], verified: Callable[[Citation], bool],
                progress: bool = False) -> tuple[list[NeedResult], list[QuestionResult]]:
    """Every case of the set through `ask` (a need with its history), scored."""
    from tqdm import tqdm

    needs = [score_need(need, ask(need.question, need.history), verified)
             for need in tqdm(dev.needs, desc="Besoins", disable=not progress, leave=False)]
    questions = [score_question(question, ask(question.question), verified)
                 for question in tqdm(dev.questions, desc="Questions", disable=not progress, leave=False)]
    return needs, questions


def report(needs: list[NeedResult], questions: list[QuestionResult]) -> dict:
    """Every figure: needs overall and per half, document questions, latency over all cases."""
    return {
        "needs": need_figures(needs),
        "needs_tune": need_figures([r for r in needs if r.half == "tune"]),
        "needs_held_out": need_figures([r for r in needs if r.half == "held_out"]),
        "questions": question_figures(questions),
        "latency": latency_figures([r.seconds for r in [*needs, *questions]]),
    }
