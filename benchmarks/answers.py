"""Answer quality and latency on the dev set: the figures behind the README's table.

    .venv/bin/python benchmarks/answers.py [--json]

Runs every need and document question of eval/dev-set.yaml through `ask` with the project's index and
settings (build it first: `make index`), after one warm-up question, and prints hit@k, level accuracy,
no-match accuracy, citation verification and latency p50/p95 per question, overall and per half.
"""

import json
import sys

from assistant.evaluate import load_dev_set, report, run_dev_set
from assistant.service import default_assistant
from assistant.settings import get_settings


def main() -> None:
    settings = get_settings()
    assistant = default_assistant()
    assistant.ask("Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail")  # warm-up
    dev = load_dev_set(settings.home / "eval" / "dev-set.yaml")
    needs, questions = run_dev_set(dev, assistant.ask, assistant.verify_citation, progress=sys.stderr.isatty())
    figures = report(needs, questions)
    if "--json" in sys.argv:
        print(json.dumps(figures, indent=2))
        return
    print(f"Embedder: {assistant.retriever.embedder.name}; threshold {assistant.calibration.threshold:.3f}")
    for part in ("needs", "needs_tune", "needs_held_out", "questions", "latency"):
        print(f"{part:15} " + "  ".join(f"{key} {value}" for key, value in figures[part].items()))
    for result in needs:
        wrong = ["no-match decision"] if result.found_none != result.no_match else []
        if not result.no_match and set(result.found_assets[:3]).isdisjoint(result.expected_assets):
            wrong.append(f"assets {result.found_assets[:3]} ≠ {result.expected_assets}")
        if result.expected_level is not None and result.found_level != result.expected_level:
            wrong.append(f"level {result.found_level} ≠ {result.expected_level}")
        if wrong:
            print(f"  {result.id} ({result.half}): " + "; ".join(wrong))
    for result in questions:
        if not (result.source_ok and result.contains_ok):
            print(f"  {result.id}: source {'ok' if result.source_ok else 'missed'}, "
                  f"contains {'ok' if result.contains_ok else 'missed'}")


if __name__ == "__main__":
    main()
