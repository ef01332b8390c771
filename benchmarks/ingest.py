"""Index build figures for the shipped corpus: full build, no-op re-ingest, one changed source, peak memory.

    make benchmark        # or: .venv/bin/python benchmarks/ingest.py [embedder]

Each run uses a fresh store in a temporary folder, so the project's own index is left alone.
"""

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import assistant  # noqa: F401
from assistant.embed import get_embedder
from assistant.index import ingest
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def main(spec: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "project"
        shutil.copytree(REPO / "corpus", home / "corpus")
        settings = Settings(_env_file=None, home=home, embedder=spec)

        started = time.perf_counter()
        embedder = get_embedder(spec)
        load_seconds = time.perf_counter() - started
        full = ingest(settings, embedder, progress=False)
        noop = ingest(settings, embedder, progress=False)
        record = home / "corpus" / "catalogue" / "sag.yaml"
        record.write_text(record.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
        one = ingest(settings, embedder, progress=False)

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"embedder            {embedder.name} ({embedder.dimension} dimensions), loaded in {load_seconds:.2f} s")
    print(f"full build          {len(full.added)} sources, {full.chunks_total} chunks in {full.seconds:.2f} s")
    print(f"no-op re-ingest     {len(noop.skipped)} sources skipped, {noop.chunks_embedded} embedded "
          f"in {noop.seconds:.2f} s")
    print(f"one source changed  {len(one.updated)} updated, {one.chunks_embedded} embedded in {one.seconds:.2f} s")
    print(f"peak memory         {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "use-v3")
