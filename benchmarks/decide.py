"""How long a need takes to decide, on the shipped corpus and on catalogues of thousands of records.

    .venv/bin/python benchmarks/decide.py [RECORDS ...]   (default: 1000 10000)

First, every need of the labelled set through `Engine.ask` on the project's index (the whole answer: signals,
fit, verdict, level, composed and cited answer): p50, p95, max. Then the decision alone (the records' signals,
features, probabilities, verdict: what grows with the catalogue) on synthetic catalogues: the shipped records
copied under new ids to the size asked, their profile and facet vectors random unit vectors of the embedder's
dimension (embedding 10,000 records would take minutes and measure the embedder, not the decision), and the
exemplars of the shipped calibration; the needs' own vectors are the real embedder's.
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np

import assistant  # noqa: F401  (offline environment before any model library is imported)
from assistant.decide import decide
from assistant.engine import Engine
from assistant.evaluation import load_labelled_set
from assistant.fit import features, probabilities
from assistant.levels import topic_of
from assistant.lexical import analyze
from assistant.pipeline import Pipeline
from assistant.profiles import Exemplars, RecordProfiles
from assistant.settings import Settings


class RandomVectors:
    """Stands in for the embedder when building a large synthetic catalogue: random unit vectors."""

    def __init__(self, name: str, dimension: int):
        self.name, self.dimension = f"random-{name}", dimension
        self.generator = np.random.default_rng(7)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.generator.normal(size=(len(texts), self.dimension)).tolist()


def milliseconds(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"p50 {1000 * statistics.median(ordered):.1f} ms, p95 {1000 * p95:.1f} ms, "
            f"max {1000 * ordered[-1]:.1f} ms")


def whole_answers(engine: Engine, needs: list[str]) -> None:
    engine.ask(needs[0])  # models and index loaded
    seconds = []
    for need in needs:
        started = time.perf_counter()
        engine.ask(need)
        seconds.append(time.perf_counter() - started)
    print(f"Shipped corpus, {len(needs)} needs through Engine.ask: {milliseconds(seconds)}")


def grown_catalogue(pipeline: Pipeline, size: int) -> tuple[RecordProfiles, Exemplars]:
    shipped = pipeline.profiles.records
    copies = {f"synthetic/{n}.yaml": shipped[n % len(shipped)].model_copy(update={"id": f"r{n:06d}"})
              for n in range(size)}
    fake = RandomVectors(pipeline.retriever.embedder.name, pipeline.retriever.embedder.dimension)
    cache = Path(f"/tmp/benchmark-decide-{size}.npz")
    profiles = RecordProfiles.build(copies, fake, pipeline.profiles.documents, cache)  # type: ignore[arg-type]
    labelled = pipeline.calibration.exemplars if pipeline.calibration else []
    by_shipped_id = {record.id: [f"r{n:06d}" for n in range(size) if shipped[n % len(shipped)].id == record.id]
                     for record in shipped}
    exemplars = Exemplars.embed([e.text for e in labelled],
                                [[copy for rid in e.records for copy in by_shipped_id.get(rid, [])] for e in labelled],
                                [record.id for record in profiles.records], pipeline.retriever.embedder,
                                Path(f"/tmp/benchmark-exemplars-{size}.npz"))
    return profiles, exemplars


def decision_alone(pipeline: Pipeline, needs: list[str], size: int) -> None:
    started = time.perf_counter()
    profiles, exemplars = grown_catalogue(pipeline, size)
    built = time.perf_counter() - started
    calibration = pipeline.calibration
    assert calibration is not None
    topics = [topic_of(need) or need for need in needs]
    vectors = [pipeline.retriever.embed(topic) for topic in topics]
    seconds = []
    for topic, vector in zip(topics, vectors, strict=True):
        began = time.perf_counter()
        by_exemplars, like_no_match = exemplars.signals(vector, topic)
        rows, signals = profiles.compared(vector, analyze(topic), by_exemplars,
                                          np.ones(len(profiles.records), dtype=bool))
        decide([profiles.records[row] for row in rows],
               probabilities(features(signals, np.array([like_no_match])), calibration), calibration)
        seconds.append(time.perf_counter() - began)
    print(f"{size:>6} records (built in {built:.1f} s): decision alone {milliseconds(seconds)}")


def main(sizes: list[int]) -> None:
    settings = Settings()
    engine = Engine(settings)
    needs = [need.question for need in load_labelled_set(settings.path(settings.labelled_set)).needs]
    whole_answers(engine, needs)
    pipeline = engine.pipeline()
    started = time.perf_counter()
    for need in needs:
        pipeline.retriever.embed(need)
    print(f"Embedding one need (USE v3): {1000 * (time.perf_counter() - started) / len(needs):.1f} ms on average")
    for size in sizes:
        decision_alone(pipeline, needs, size)


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]] or [1000, 10000])
