"""Check a labelled set (or a part of one) against eval/LABELLING.md, without running the assistant:

    .venv/bin/python eval/check_set.py eval/labelled-set.yaml [--grown FOLDER]

Prints each problem on one line (unknown record, a record's own phrase reused, a fact not on its page, …) and the
counts by kind and style; exits 1 when there is a problem. FOLDER holds the imported records the `grown` cases
may name (by default, the ones imported from ../shared/samples into a temporary folder).
"""

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

from assistant import read_catalogue
from assistant.evaluation.dataset import labelling_problems, load_labelled_set
from assistant.evaluation.variants import import_shared_samples
from assistant.load import page_text

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--grown", type=Path, default=None)
    arguments = parser.parse_args()
    labelled = load_labelled_set(arguments.path)
    records = {record.id: record for record in read_catalogue(REPO / "corpus" / "catalogue", REPO)[0]}
    with tempfile.TemporaryDirectory() as scratch:
        grown = arguments.grown or import_shared_samples(REPO.parent / "shared" / "samples", Path(scratch), REPO)
        records |= {record.id: record for record in read_catalogue(grown, REPO)[0]}
        problems = labelling_problems(labelled, records, lambda source, page: page_text(REPO / source, page))
    for problem in problems:
        print(problem)
    styles = Counter(need.style for need in labelled.needs)
    print(f"{len(labelled.needs)} needs {dict(styles)}, {len(labelled.documents)} document questions, "
          f"{len(labelled.follow_ups)} follow-ups, {len(labelled.grown)} grown-catalogue needs; "
          f"{len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
