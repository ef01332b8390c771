"""`assistant eval`: run a labelled set through several systems and write results.json (every figure and every
case), report.md and PNG charts."""

import json
from datetime import UTC, datetime
from pathlib import Path

from assistant.engine import Engine
from assistant.evaluation.dataset import DevSet
from assistant.evaluation.metrics import LEVELS, hit_at
from assistant.evaluation.systems import SystemResult, build_systems, evaluate_system

# (key in the figures, column title); None in the figures is shown as n/a.
COLUMNS = [("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("mrr", "MRR"), ("ndcg@5", "nDCG@5"),
           ("level_accuracy", "niveau"), ("no_match_accuracy", "aucun : exactitude"),
           ("no_match_precision", "aucun : précision"), ("no_match_recall", "aucun : rappel"),
           ("citation_validity", "citations valides"), ("citation_support", "appui des citations"),
           ("language_match", "langue")]
NOT_APPLICABLE = "n/a"
# ragas scores answers with a language model as judge; this version configures none, so they are not run
# (reported as such, never as a number).
RAGAS = {"status": "non exécuté", "reason": "aucun modèle de langue juge n’est configuré",
         "faithfulness": None, "answer_relevancy": None}


def cell(value) -> str:
    return NOT_APPLICABLE if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown_report(results: list[SystemResult], set_path: str, command: str, when: datetime, ragas: dict) -> str:
    lines = [f"# Évaluation — {set_path}", "", f"{when.isoformat(timespec='minutes')} · `{command}`", ""]
    lines += ["## Besoins (tous)", "", "| système | " + " | ".join(title for _, title in COLUMNS) +
              " | p50 ms | p95 ms |", "|---" * (len(COLUMNS) + 3) + "|"]
    for result in results:
        figures, latency = result.figures["needs"], result.figures["latency"]
        lines.append(f"| {result.name} | " + " | ".join(cell(figures[key]) for key, _ in COLUMNS) +
                     f" | {latency['p50_ms']:.0f} | {latency['p95_ms']:.0f} |")
    lines += ["", "## Besoins, moitié réservée (jamais vue par la calibration)", "",
              "| système | hit@3 | niveau | aucun : exactitude |", "|---|---|---|---|"]
    for result in results:
        held_out = result.figures["needs_held_out"]
        lines.append(f"| {result.name} | {cell(held_out['hit@3'])} | {cell(held_out['level_accuracy'])} | "
                     f"{cell(held_out['no_match_accuracy'])} |")
    lines += ["", "## Questions sur les documents", "",
              "| système | source à la bonne page | réponse contient l’attendu | langue | citations valides | "
              "appui des citations |", "|---|---|---|---|---|---|"]
    for result in results:
        q = result.figures["questions"]
        lines.append(f"| {result.name} | {cell(q['source_on_expected_page'])} | {cell(q['answer_contains_expected'])}"
                     f" | {cell(q['language_match'])} | {cell(q['citation_validity'])} | "
                     f"{cell(q['citation_support'])} |")
    lines += ["", "## Systèmes", ""] + [f"- **{r.name}** : {r.description}" for r in results]
    lines += ["", f"{NOT_APPLICABLE} : le système ne prend pas cette décision (la référence LangChain ne suggère pas "
              "de niveau et ne dit jamais qu’aucun actif ne convient); rien n’est inventé à sa place.",
              "", "Appui des citations : part des phrases de la réponse (au moins trois termes de contenu) qui portent "
              "un renvoi [n] dont la citation partage leur contenu clé — les termes communs (racines, mots vides "
              "exclus) font au moins la moitié du plus petit des deux ensembles.",
              "", f"ragas (fidélité, pertinence) : {ragas['status']} — {ragas['reason']}", ""]
    for result in results:
        lines += failures(result)
    return "\n".join(lines)


def failures(result: SystemResult) -> list[str]:
    """Each failed case with what was expected and what came."""
    lines = [f"## Cas en échec — {result.name}", ""]
    for r in result.needs:
        wrong = []
        if not r.no_match and not hit_at(3, r.found_assets, r.expected_assets):
            wrong.append(f"actifs attendus {r.expected_assets}, obtenus {r.found_assets[:3]}")
        if result.decides_no_match and r.found_none != r.no_match:
            wrong.append("« aucun actif » attendu" if r.no_match else f"« aucun actif » répondu, attendus "
                                                                      f"{r.expected_assets}")
        if result.decides_level and r.expected_level is not None and r.found_level != r.expected_level:
            wrong.append(f"niveau attendu {r.expected_level}, obtenu {r.found_level}")
        if not r.citations_ok:
            wrong.append("une citation introuvable sur sa page")
        if wrong:
            lines.append(f"- {r.id} « {r.question[:90]} » : " + "; ".join(wrong))
    for q in result.questions:
        if not (q.source_ok and q.contains_ok and q.citations_ok):
            lines.append(f"- {q.id} « {q.question[:90]} » : " + "; ".join(
                text for ok, text in [(q.source_ok, "pas de citation à la page attendue"),
                                      (q.contains_ok, "réponse sans le texte attendu"),
                                      (q.citations_ok, "une citation introuvable sur sa page")] if not ok))
    return [*lines, ""] if len(lines) > 2 else [*lines, "Aucun.", ""]


def write_charts(results: list[SystemResult], out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    paths = []
    keys = [(key, title) for key, title in COLUMNS]
    figure, axes = plt.subplots(figsize=(14, 5.5))
    width = 0.8 / len(results)
    for index, result in enumerate(results):
        values = [result.figures["needs"][key] for key, _ in keys]
        positions = np.arange(len(keys)) + index * width
        axes.bar(positions, [v or 0 for v in values], width, label=result.name)
        for position, value in zip(positions, values, strict=True):
            if value is None:
                axes.text(position, 0.02, NOT_APPLICABLE, rotation=90, ha="center", va="bottom", fontsize=7)
    axes.set_xticks(np.arange(len(keys)) + 0.4 - width / 2, [title for _, title in keys], rotation=30, ha="right")
    axes.set_ylim(0, 1.05)
    axes.set_title("Besoins : chaque mesure, chaque système")
    axes.legend(fontsize=8)
    figure.tight_layout()
    paths.append(out_dir / "metrics-by-system.png")
    figure.savefig(paths[-1], dpi=110)
    plt.close(figure)

    decided = [r for r in results if r.decides_level]
    if decided:
        figure, all_axes = plt.subplots(1, len(decided), figsize=(3.6 * len(decided), 3.6), squeeze=False)
        for axes, result in zip(all_axes[0], decided, strict=True):
            matrix = np.array(result.level_confusion)
            axes.imshow(matrix, cmap="Blues")
            for (row, column), count in np.ndenumerate(matrix):
                axes.text(column, row, str(count), ha="center", va="center", fontsize=8,
                          color="white" if count > matrix.max() / 2 else "black")
            axes.set_xticks(range(len(LEVELS) + 1), [*map(str, LEVELS), "aucun"])
            axes.set_yticks(range(len(LEVELS)), list(map(str, LEVELS)))
            axes.set_xlabel("niveau suggéré")
            axes.set_ylabel("niveau attendu")
            axes.set_title(result.name, fontsize=9)
        figure.tight_layout()
        paths.append(out_dir / "level-confusion.png")
        figure.savefig(paths[-1], dpi=110)
        plt.close(figure)

    figure, axes = plt.subplots(figsize=(8, 4))
    axes.boxplot([[1000 * case.seconds for case in r.needs] + [1000 * case.seconds for case in r.questions]
                  for r in results],
                 tick_labels=[r.name for r in results])
    axes.set_ylabel("ms par question")
    axes.set_title("Latence par question")
    figure.tight_layout()
    paths.append(out_dir / "latency.png")
    figure.savefig(paths[-1], dpi=110)
    plt.close(figure)
    return paths


def run_evaluation(engine: Engine, dev: DevSet, set_path: str, out_dir: Path, names: list[str], command: str,
                   progress: bool = False) -> list[Path]:
    """Every system over the set; results.json, report.md and the charts in out_dir. Returns what was written."""
    systems = build_systems(engine, names, progress)
    results = [evaluate_system(dev, system, lambda citation: engine.verify(citation.ref), progress)
               for system in systems]
    when = datetime.now(UTC)
    ragas = RAGAS
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {"set": set_path, "command": command, "when": when.isoformat(timespec="seconds"), "ragas": ragas,
            "systems": [result.model_dump() for result in results]}
    written = [out_dir / "results.json", out_dir / "report.md"]
    written[0].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    written[1].write_text(markdown_report(results, set_path, command, when, ragas), encoding="utf-8")
    return written + write_charts(results, out_dir)
