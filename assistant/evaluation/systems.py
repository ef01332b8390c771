"""The systems an evaluation compares, all over the same sources, and running a labelled set through one.

The assistant as shipped (hybrid retrieval, USE v3), its ablations (dense only, BM25 only, MiniLM instead of
USE v3), and the plain LangChain recipe (evaluation/baseline.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel
from tqdm import tqdm

from assistant.engine import Engine
from assistant.evaluation.dataset import DevSet
from assistant.evaluation.metrics import (
    NeedResult,
    QuestionResult,
    all_figures,
    level_confusion,
    score_need,
    score_question,
)
from assistant.models import Answer, Citation
from assistant.retrieve import Mode

SYSTEM_NAMES = ("assistant", "dense", "bm25", "minilm", "baseline")
RETRIEVAL_MODES: dict[str, Mode] = {"assistant": "hybrid", "dense": "dense", "bm25": "lexical"}
DESCRIPTIONS = {
    "assistant": "l’assistant tel que livré : Chroma + BM25 fusionnés (RRF), USE v3",
    "dense": "ablation : recherche dense seule (Chroma, USE v3)",
    "bm25": "ablation : BM25 seul (USE v3 pour les facettes des fiches)",
    "minilm": "ablation : hybride avec all-MiniLM-L6-v2 au lieu de USE v3",
    "baseline": "LangChain de base : découpage 1000/200, Chroma, all-MiniLM-L6-v2, 4 passages les plus proches; "
                "ni niveau ni « aucun actif »",
}


@dataclass
class System:
    """Something that answers: our assistant in one configuration, or the baseline."""

    name: str
    ask: Callable[[str, list[str]], Answer]
    description: str
    decides_level: bool = True
    decides_no_match: bool = True


class SystemResult(BaseModel):
    name: str
    description: str
    decides_level: bool
    decides_no_match: bool
    figures: dict
    level_confusion: list[list[int]]
    needs: list[NeedResult]
    questions: list[QuestionResult]


def extractive(engine: Engine) -> Callable[[str, list[str]], Answer]:
    """The engine's own answers, whatever generator the settings name: what the evaluation scores."""
    return lambda question, history: engine.ask(question, history, generator="extractive")


def build_systems(engine: Engine, names: list[str], progress: bool = False) -> list[System]:
    """The requested systems, each over the engine's sources (the MiniLM and baseline stores are built beside its
    index when missing; ingestion is incremental, so a second run embeds nothing)."""
    settings = engine.settings
    systems = []
    for name in names:
        if name in RETRIEVAL_MODES:
            variant = engine if name == "assistant" else Engine(settings, RETRIEVAL_MODES[name])
            systems.append(System(name, extractive(variant), DESCRIPTIONS[name]))
        elif name == "minilm":
            minilm = Engine(settings.model_copy(update={"collection": f"{settings.collection}-minilm",
                                                        "embedder": "minilm"}))
            minilm.ingest(progress=progress)
            systems.append(System(name, extractive(minilm), DESCRIPTIONS[name]))
        elif name == "baseline":
            from assistant.evaluation.baseline import Baseline

            baseline = Baseline(settings, settings.path(settings.index_dir) / "baseline")
            systems.append(System(name, baseline.ask, DESCRIPTIONS[name], decides_level=False,
                                  decides_no_match=False))
        else:
            raise ValueError(f"système inconnu « {name} » : choisissez parmi {', '.join(SYSTEM_NAMES)}")
    return systems


def run_dev_set(dev: DevSet, ask: Callable[[str, list[str]], Answer], verified: Callable[[Citation], bool],
                progress: bool = False, label: str = "") -> tuple[list[NeedResult], list[QuestionResult]]:
    """Every case of the set through `ask` (a need with its history), scored; one progress bar."""
    with tqdm(total=len(dev.needs) + len(dev.questions), desc=label or "Évaluation", disable=not progress,
              leave=False) as bar:
        needs, questions = [], []
        for need in dev.needs:
            needs.append(score_need(need, ask(need.question, need.history), verified))
            bar.update()
        for question in dev.questions:
            questions.append(score_question(question, ask(question.question, []), verified))
            bar.update()
    return needs, questions


def evaluate_system(dev: DevSet, system: System, verified: Callable[[Citation], bool],
                    progress: bool = False) -> SystemResult:
    needs, questions = run_dev_set(dev, system.ask, verified, progress, system.name)
    return SystemResult(name=system.name, description=system.description, decides_level=system.decides_level,
                        decides_no_match=system.decides_no_match,
                        figures=all_figures(needs, questions, system.decides_level, system.decides_no_match),
                        level_confusion=level_confusion(needs) if system.decides_level else [],
                        needs=needs, questions=questions)
