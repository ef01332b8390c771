"""`assistant eval`: a labelled set through several systems, on the shipped catalogue and the grown one; writes
results.json (every figure and every case), report.md (the tables, then every wrong verdict with the sentence
the user read) and PNG charts (reliability of the displayed fit, verdict accuracy)."""

import json
from datetime import UTC, datetime
from pathlib import Path

from assistant.engine import Engine
from assistant.evaluation.dataset import LabelledSet
from assistant.evaluation.metrics import (
    CaseKind,
    CaseResult,
    document_figures,
    latency_figures,
    level_confusion,
    need_figures,
    reliability_table,
)
from assistant.evaluation.systems import System, SystemResult, build_system, run_cases
from assistant.evaluation.variants import grown_engine

VARIANTS = ("quebec", "grown")
VARIANT_TITLES = {"quebec": "Catalogue québécois (22 fiches)", "grown": "Catalogue agrandi (fiches québécoises et "
                  "échantillons partagés importés)"}
NEED_COLUMNS = [("verdict_accuracy", "verdict"), ("fitting_precision", "actifs proposés : précision"),
                ("no_match_precision", "aucun : précision"), ("no_match_recall", "aucun : rappel"),
                ("level_accuracy", "niveau"), ("no_match_level_accuracy", "niveau si aucun actif"),
                ("brier", "Brier"), ("ece", "ECE"), ("hit@1", "hit@1"), ("hit@3", "hit@3"), ("mrr", "MRR")]
DOCUMENT_COLUMNS = [("document_accuracy", "faits cités à la bonne page"), ("citation_validity", "citations valides"),
                    ("citation_support", "appui des citations")]
NOT_APPLICABLE = "n/a"


def by_split(results: list[CaseResult], figures, **decisions) -> dict[str, dict]:
    return {"all": figures(results, **decisions),
            **{split: figures([r for r in results if r.split == split], **decisions) for split in ("dev", "held_out")}}


def system_figures(system: System, cases: list[CaseResult]) -> dict:
    decisions = {"decides_level": system.decides_level, "decides_no_match": system.decides_no_match,
                 "shows_fit": system.shows_fit}
    kinds = {kind: [c for c in cases if c.kind == kind] for kind in ("need", "follow_up", "grown", "document")}
    needs = kinds["need"] or kinds["grown"]
    return {
        "needs": by_split(needs, need_figures, **decisions),
        "follow_ups": by_split(kinds["follow_up"], need_figures, **decisions),
        "documents": by_split(kinds["document"], document_figures),
        "reliability": reliability_table([o for c in needs for o in c.outcomes()]) if system.shows_fit else [],
        "level_confusion": level_confusion(needs) if system.decides_level else [],
        "latency": latency_figures([c.seconds for c in cases]),
    }


def evaluate_variant(engine: Engine, labelled: LabelledSet, variant: str, names: list[str],
                     progress: bool) -> list[SystemResult]:
    kinds: tuple[CaseKind, ...] = ("need", "follow_up", "document") if variant == "quebec" else ("grown",)
    tuning = [need for need in (labelled.needs if variant == "quebec" else labelled.grown) if need.split == "dev"]
    results = []
    for name in names:
        system = build_system(name, engine, tuning, progress)
        cases = run_cases(labelled, kinds, system, lambda citation: engine.verify(citation.ref), progress,
                          f"{name} · {variant}")
        results.append(SystemResult(name=name, variant=variant, description=system.description,
                                    decides_level=system.decides_level, decides_no_match=system.decides_no_match,
                                    shows_fit=system.shows_fit, answers_documents=system.answers_documents,
                                    figures=system_figures(system, cases), cases=cases))
    return results


def cell(value) -> str:
    return NOT_APPLICABLE if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def figure_table(results: list[SystemResult], section: str, columns: list[tuple[str, str]]) -> list[str]:
    lines = ["| système | moitié | cas | " + " | ".join(title for _, title in columns) + " |",
             "|---" * (len(columns) + 3) + "|"]
    for result in results:
        for split in ("dev", "held_out", "all"):
            figures = result.figures[section][split]
            if figures["cases"]:
                lines.append(f"| {result.name} | {split} | {figures['cases']} | "
                             + " | ".join(cell(figures[key]) for key, _ in columns) + " |")
    return lines


def wrong_verdicts(result: SystemResult) -> list[str]:
    """Each wrong verdict: the need, the sentence the user read, what was acceptable, the fits shown."""
    lines = [f"### Verdicts erronés — {result.name} · {result.variant}", ""]
    for case in result.cases:
        if case.verdict_ok is False:
            fits = ", ".join(f"{record} {fit:.2f}" for record, fit in zip(case.listed, case.fits, strict=True))
            lines.append(f"- {case.id} [{case.split}, {case.style}] « {case.question[:140]} » → « "
                         f"{case.first_sentence[:160]} » ; acceptables : {case.acceptable or 'aucune'} ; "
                         f"affiché : {fits or 'rien'}")
    return [*lines, ""] if len(lines) > 2 else [*lines, "Aucun.", ""]


def markdown_report(results: list[SystemResult], set_path: str, command: str, when: datetime) -> str:
    lines = [f"# Évaluation — {set_path}", "", f"{when.isoformat(timespec='minutes')} · `{command}`", ""]
    for variant in VARIANTS:
        shown = [r for r in results if r.variant == variant]
        if not shown:
            continue
        lines += [f"## {VARIANT_TITLES[variant]}", "", "### Besoins", "", *figure_table(shown, "needs", NEED_COLUMNS)]
        if variant == "quebec":
            lines += ["", "### Suivis (une précision après un besoin)", "",
                      *figure_table(shown, "follow_ups", NEED_COLUMNS[:1] + NEED_COLUMNS[4:5]),
                      "", "### Questions sur les documents", "",
                      *figure_table([r for r in shown if r.answers_documents], "documents", DOCUMENT_COLUMNS)]
        lines += ["", "### Latence", "", "| système | p50 ms | p95 ms |", "|---|---|---|"]
        lines += [f"| {r.name} | {r.figures['latency'].get('p50_ms')} | {r.figures['latency'].get('p95_ms')} |"
                  for r in shown]
        lines += ["", "### Fiabilité de la pertinence affichée (toutes moitiés)", "",
                  "| système | décile | nombre | pertinence moyenne | part acceptable |", "|---|---|---|---|---|"]
        lines += [f"| {r.name} | {row['from']:.1f}–{row['to']:.1f} | {row['count']} | {cell(row['mean_fit'])} | "
                  f"{cell(row['observed'])} |" for r in shown for row in r.figures["reliability"] if row["count"]]
        lines.append("")
    lines += ["## Systèmes", "", *(f"- **{r.name}** ({r.variant}) : {r.description}" for r in results), "",
              f"{NOT_APPLICABLE} : le système ne prend pas cette décision; rien n’est inventé à sa place.", ""]
    for result in results:
        lines += wrong_verdicts(result)
    return "\n".join(lines)


def run_evaluation(engine: Engine, labelled: LabelledSet, set_path: str, out_dir: Path, names: list[str],
                   variants: list[str], command: str, samples: Path, progress: bool = False) -> list[Path]:
    """Every system over the set on each variant; results.json, report.md and the charts in out_dir."""
    results = evaluate_variant(engine, labelled, "quebec", names, progress) if "quebec" in variants else []
    grown = grown_engine(engine, samples, progress) if "grown" in variants and labelled.grown else None
    if grown:
        results += evaluate_variant(grown, labelled, "grown", names, progress)
    when = datetime.now(UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {"set": set_path, "command": command, "when": when.isoformat(timespec="seconds"),
            "systems": [result.model_dump() for result in results]}
    written = [out_dir / "results.json", out_dir / "report.md"]
    written[0].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    written[1].write_text(markdown_report(results, set_path, command, when), encoding="utf-8")
    from assistant.evaluation.charts import write_charts

    return written + write_charts(results, out_dir)
