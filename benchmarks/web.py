"""The web app as a user meets it: start-up, answer and citation latency over HTTP, the server's memory.

    .venv/bin/python benchmarks/web.py

Starts `python app.py` on a free port with the project's index (build it first: `make index`), then, through
gradio_client: the first answer (models loading), 20 needs of the dev set (each a new session), every citation of
the last answer (page rendered and highlighted), then 1, 8 and 20 clients asking distinct needs at once (answers
per second and each answer's time). Prints seconds and the server's peak memory.
"""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gradio_client import Client
from measure import free_port, peak_memory_mib, percentiles

from assistant import Settings
from assistant.evaluation import load_labelled_set

REPO = Path(__file__).resolve().parents[1]


def throughput(url: str, needs: list[str], clients: int, each: int = 5) -> tuple[float, list[float]]:
    """Answers per second with `clients` sessions asking at once (`each` distinct needs apiece), and each time."""
    from concurrent.futures import ThreadPoolExecutor

    sessions = [Client(url, verbose=False) for _ in range(clients)]

    def ask_all(index: int) -> list[float]:
        times = []
        for need in needs[index * each:(index + 1) * each]:
            began = time.perf_counter()
            sessions[index].predict(need, [], "", "", "", api_name="/chat")
            times.append(time.perf_counter() - began)
        return times

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = [t for result in pool.map(ask_all, range(clients)) for t in result]
    return len(times) / (time.perf_counter() - began), times


def main() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, str(REPO / "app.py")], cwd=REPO, stdout=subprocess.DEVNULL,
                              env=os.environ | {"ASSISTANT_WEB_PORT": str(port),
                                                "ASSISTANT_FEEDBACK_DB": "/tmp/benchmark-feedback.sqlite3"})
    try:
        while True:
            try:
                urllib.request.urlopen(url + "gradio_api/startup-events", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    sys.exit("the web app stopped")
                time.sleep(0.2)
        print(f"Start-up until the server answers: {time.perf_counter() - started:.1f} s")

        settings = Settings()
        needs = [need.question for need in load_labelled_set(settings.path(settings.labelled_set)).needs][:20]
        first = time.perf_counter()
        Client(url, verbose=False).predict(needs[0], [], "", "", "", api_name="/chat")
        print(f"First answer (models load): {time.perf_counter() - first:.1f} s")

        answers = []
        for need in needs:
            client = Client(url, verbose=False)
            began = time.perf_counter()
            chat = client.predict(need, [], "", "", "", api_name="/chat")[0]
            answers.append(time.perf_counter() - began)
        print(f"Answer over HTTP, warm: {percentiles(answers)}")

        content = chat[-1]["content"]
        reply = content[0]["text"] if isinstance(content, list) else content
        markers = {int(n) for n in re.findall(r"\\?\[(\d+)\\?\]", reply)}  # [n], or \[n\] once linked
        views = []
        for n in sorted(markers):
            began = time.perf_counter()
            client.predict(n, api_name="/citation")
            views.append(time.perf_counter() - began)
        print(f"Citation view (page rendered, quote highlighted): {percentiles(views)}")

        all_needs = [need.question for need in load_labelled_set(settings.path(settings.labelled_set)).needs]
        for clients in (1, 8, 20):
            per_second, times = throughput(url, all_needs, clients)
            print(f"{clients:2d} clients at once, distinct needs: {per_second:.1f} answers/s, {percentiles(times)}")
        print(f"Server peak memory: {peak_memory_mib(server.pid):.0f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
