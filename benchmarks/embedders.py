"""Compare the bundled embedders on French needs: is the right catalogue record the first one found?

    .venv/bin/python benchmarks/embedders.py

Each embedder gets its own fresh index of the shipped corpus; a need's answer is the catalogue record whose
chunk comes first in a plain dense search. Prints top-1 and top-3 hits per embedder.
"""

import sys
import tempfile
import time
from pathlib import Path

import yaml

import assistant  # noqa: F401
from assistant.embed import get_embedder
from assistant.index import ingest, open_client, open_collection
from assistant.settings import Settings

NEEDS = Path(__file__).with_name("french_needs.yaml")


def ranked_records(collection, embedder, need: str, k: int = 3) -> list[str]:
    hits = collection.query(query_embeddings=[embedder.embed_query(need)], n_results=30,
                            where={"kind": {"$in": ["asset", "project", "program"]}})
    ranked: list[str] = []
    for meta in hits["metadatas"][0]:
        if meta["record_id"] not in ranked:
            ranked.append(meta["record_id"])
    return ranked[:k]


def main(specs: list[str]) -> None:
    needs = yaml.safe_load(NEEDS.read_text(encoding="utf-8"))
    for spec in specs:
        with tempfile.TemporaryDirectory() as index_dir:
            settings = Settings(_env_file=None, index_dir=Path(index_dir))
            embedder = get_embedder(spec)
            ingest(settings, embedder, progress=False)
            collection = open_collection(open_client(settings), settings, embedder)
            started = time.perf_counter()
            ranks = [ranked_records(collection, embedder, case["need"]) for case in needs]
            per_query_ms = (time.perf_counter() - started) / len(needs) * 1000
            top1 = sum(r[:1] == [case["expected"]] for r, case in zip(ranks, needs))
            top3 = sum(case["expected"] in r for r, case in zip(ranks, needs))
            print(f"{spec:8} {embedder.name}: top-1 {top1}/{len(needs)}, top-3 {top3}/{len(needs)}, "
                  f"{per_query_ms:.0f} ms per query")
            for r, case in zip(ranks, needs):
                if r[:1] != [case["expected"]]:
                    print(f"    missed {case['expected']:>6}: got {r}  <- {case['need']}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["use-v3", "minilm"])
