"""Assign each case of the labelled set to the development half or the held-out half, once, with a fixed seed:

    .venv/bin/python eval/split.py eval/labelled-set.yaml

Cases are shuffled within each section and style (so that both halves hold hard negatives, long requests,
English…) and alternate between the halves. A case that already has a split keeps it: adding cases later never
moves the old ones. Thresholds and rules are tuned on `dev` only.
"""

import random
import sys
from collections import defaultdict
from pathlib import Path

import yaml

SEED = 20261201
SECTIONS = ("needs", "documents", "follow_ups", "grown")


def assign(data: dict, seed: int = SEED) -> int:
    """Give every case without a split one; returns how many were assigned."""
    generator = random.Random(seed)
    assigned = 0
    for section in SECTIONS:
        strata: dict[str, list[dict]] = defaultdict(list)
        for case in data.get(section) or []:
            strata[case.get("style", "document")].append(case)
        for style in sorted(strata):
            cases = sorted(strata[style], key=lambda case: case["id"])
            generator.shuffle(cases)
            taken = sum(case.get("split") == "dev" for case in cases) - sum(
                case.get("split") == "held_out" for case in cases)
            for case in cases:
                if case.get("split") is None:
                    case["split"] = "dev" if taken <= 0 else "held_out"
                    taken += 1 if case["split"] == "dev" else -1
                    assigned += 1
    return assigned


def main() -> int:
    path = Path(sys.argv[1])
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    count = assign(data)
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))  # the file's notes
    path.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110), encoding="utf-8")
    print(f"{count} cases assigned a half in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
