"""The evaluation's charts (matplotlib, written as PNG): how reliable the displayed fit is, and how often the
verdict is right, per system, half and catalogue."""

from pathlib import Path

from assistant.evaluation.systems import SystemResult


def write_charts(results: list[SystemResult], out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    paths = []
    shown = [r for r in results if r.figures["reliability"]]
    if shown:
        figure, axes = plt.subplots(figsize=(6.5, 6))
        axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="parfaitement fiable")
        for result in shown:
            rows = [row for row in result.figures["reliability"] if row["count"]]
            axes.plot([row["mean_fit"] for row in rows], [row["observed"] for row in rows], marker="o",
                      label=f"{result.name} · {result.variant}")
        axes.set_xlabel("pertinence affichée (moyenne du décile)")
        axes.set_ylabel("part des fiches acceptables")
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1.02)
        axes.set_title("Fiabilité de la pertinence affichée")
        axes.legend(fontsize=8)
        figure.tight_layout()
        paths.append(out_dir / "reliability.png")
        figure.savefig(paths[-1], dpi=110)
        plt.close(figure)

    groups = [(r, split) for r in results for split in ("dev", "held_out") if r.figures["needs"][split]["cases"]]
    if groups:
        figure, axes = plt.subplots(figsize=(max(6, 0.9 * len(groups)), 4.5))
        values = [r.figures["needs"][split]["verdict_accuracy"] or 0 for r, split in groups]
        axes.bar(np.arange(len(groups)), values, color=["#1f6feb" if split == "dev" else "#b35900"
                                                        for _, split in groups])
        axes.set_xticks(np.arange(len(groups)), [f"{r.name}\n{r.variant}\n{split}" for r, split in groups],
                        fontsize=7)
        axes.set_ylim(0, 1)
        axes.set_ylabel("verdict juste")
        axes.set_title("Exactitude du verdict (la phrase que lit l’usager)")
        figure.tight_layout()
        paths.append(out_dir / "verdicts.png")
        figure.savefig(paths[-1], dpi=110)
        plt.close(figure)
    return paths
