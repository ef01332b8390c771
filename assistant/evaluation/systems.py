"""The systems an evaluation compares, all over the same sources, and running labelled cases through one.

By default: the assistant as shipped (its extractive answer), the plain LangChain recipe (evaluation/baseline.py),
and the profile-cosine baseline (evaluation/profile.py). On request, the assistant's ablations: dense retrieval
only, BM25 only, MiniLM instead of USE v3.
"""

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel
from tqdm import tqdm

from assistant.engine import Engine
from assistant.evaluation.dataset import DocumentQuestion, LabelledNeed, LabelledSet
from assistant.evaluation.metrics import (
    CaseKind,
    CaseResult,
    citation_support,
    fact_stated,
    first_sentence,
    verdict_correct,
)
from assistant.models import Answer, Citation
from assistant.retrieve import Mode

SYSTEM_NAMES = ("assistant", "baseline", "profile", "dense", "bm25", "minilm")
DEFAULT_SYSTEMS = ("assistant", "baseline", "profile")
RETRIEVAL_MODES: dict[str, Mode] = {"assistant": "hybrid", "dense": "dense", "bm25": "lexical"}
DESCRIPTIONS = {
    "assistant": "l’assistant tel que livré : signaux des fiches (USE v3, lexique, exemples étiquetés) et décision "
                 "calibrée pour les besoins; Chroma + BM25 fusionnés (RRF) pour les questions sur les documents",
    "baseline": "LangChain de base : découpage 1000/200, Chroma, all-MiniLM-L6-v2, 4 passages les plus proches; "
                "ni niveau ni « aucun actif »",
    "profile": "cosinus besoin–profil de chaque fiche (USE v3), la première si elle atteint un seuil choisi sur la "
               "moitié de développement",
    "dense": "ablation : recherche dense seule (Chroma, USE v3) pour les questions sur les documents; les besoins, "
             "qui ne passent pas par la recherche, sont ceux de l’assistant",
    "bm25": "ablation : BM25 seul pour les questions sur les documents; les besoins sont ceux de l’assistant",
    "minilm": "ablation : hybride avec all-MiniLM-L6-v2 au lieu de USE v3",
}


@dataclass
class System:
    """Something that answers: our assistant in one configuration, or a baseline."""

    name: str
    ask: Callable[[str, list[str]], Answer]
    description: str
    decides_level: bool = True
    decides_no_match: bool = True
    shows_fit: bool = True
    answers_documents: bool = True


class SystemResult(BaseModel):
    name: str
    variant: str
    description: str
    decides_level: bool
    decides_no_match: bool
    shows_fit: bool
    answers_documents: bool
    figures: dict
    cases: list[CaseResult]


def extractive(engine: Engine) -> Callable[[str, list[str]], Answer]:
    """The engine's own answers, whatever generator the settings name: what the evaluation scores."""
    return lambda question, history: engine.ask(question, history, generator="extractive")


def build_system(name: str, engine: Engine, tuning: list[LabelledNeed], progress: bool = False) -> System:
    """One system over the engine's sources; `tuning` holds the development needs a baseline's threshold is
    chosen on."""
    settings = engine.settings
    if name in RETRIEVAL_MODES:
        variant = engine if name == "assistant" else Engine(settings, RETRIEVAL_MODES[name])
        return System(name, extractive(variant), DESCRIPTIONS[name])
    if name == "minilm":
        minilm = Engine(settings.model_copy(update={"collection": f"{settings.collection}-minilm",
                                                    "embedder": "minilm"}))
        minilm.ingest(progress=progress)
        return System(name, extractive(minilm), DESCRIPTIONS[name])
    if name == "baseline":
        from assistant.evaluation.baseline import Baseline

        baseline = Baseline(settings, settings.path(settings.index_dir) / f"baseline-{settings.collection}")
        return System(name, baseline.ask, DESCRIPTIONS[name], decides_level=False, decides_no_match=False,
                      shows_fit=False)
    if name == "profile":
        from assistant.evaluation.profile import ProfileBaseline

        profile = ProfileBaseline(engine)
        profile.fit(tuning)
        return System(name, profile.ask, DESCRIPTIONS[name] + f" ({profile.threshold:.3f})", answers_documents=False)
    raise ValueError(f"système inconnu « {name} » : choisissez parmi {', '.join(SYSTEM_NAMES)}")


def named_record(answer: Answer, system: System) -> str | None:
    """The record the answer's verdict names; for a system that never says «nothing fits», its first record."""
    if system.decides_no_match:
        return answer.verdict_record
    return answer.assets[0].id if answer.assets else None


def score(case: LabelledNeed | DocumentQuestion, kind: CaseKind, answer: Answer, system: System,
          verified: Callable[[Citation], bool]) -> CaseResult:
    supported, claims = citation_support(answer)
    need = case if isinstance(case, LabelledNeed) else None
    named = named_record(answer, system)
    return CaseResult(
        id=case.id, kind=kind, split=case.split, style=need.style if need else "document", question=case.question,
        first_sentence=first_sentence(answer), intent=answer.intent, acceptable=need.acceptable if need else [],
        named=named,
        listed=[asset.id for asset in answer.assets], fits=[asset.score for asset in answer.assets],
        offered=[asset.fits for asset in answer.assets],
        expected_level=need.expected_level if need else None, found_level=answer.suggested_level.level,
        verdict_ok=verdict_correct(named, need.acceptable) if need else None,
        facts_ok=all(fact_stated(answer, fact) for fact in case.facts) if isinstance(case, DocumentQuestion)
        else None,
        language_ok=answer.language == case.language, citations_ok=all(verified(c) for c in answer.citations),
        supported_claims=supported, claims=claims, seconds=answer.seconds)


def run_cases(labelled: LabelledSet, kinds: tuple[CaseKind, ...], system: System,
              verified: Callable[[Citation], bool], progress: bool = False,
              label: str = "") -> list[CaseResult]:
    """Every case of the asked kinds through the system (a need with its history), scored."""
    groups: list[tuple[CaseKind, list[LabelledNeed] | list[DocumentQuestion]]] = [
        ("need", labelled.needs), ("follow_up", labelled.follow_ups), ("grown", labelled.grown),
        ("document", labelled.documents if system.answers_documents else [])]
    todo = [(kind, case) for kind, cases in groups if kind in kinds for case in cases]
    results = []
    for kind, case in tqdm(todo, desc=label or system.name, disable=not progress, leave=False):
        history = case.history if isinstance(case, LabelledNeed) else []
        results.append(score(case, kind, system.ask(case.question, history), system, verified))
    return results
