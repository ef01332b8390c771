import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import assistant  # noqa: F401  (offline environment before any model library is imported)
from assistant.embed import Embedder, get_embedder
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder("use-v3")


@pytest.fixture
def repo_settings(tmp_path) -> Settings:
    """The shipped corpus, indexed into a fresh store of its own."""
    return Settings(_env_file=None, home=REPO, index_dir=tmp_path / "index")


@pytest.fixture
def corpus_settings(tmp_path) -> Settings:
    """A copy of the shipped corpus that a test may change, with its own store."""
    home = tmp_path / "project"
    shutil.copytree(REPO / "corpus" / "documents", home / "corpus" / "documents")
    shutil.copytree(REPO / "corpus" / "catalogue", home / "corpus" / "catalogue")
    return Settings(_env_file=None, home=home)


# ---- the web app, served by a real process on a free port

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(command: list[str], ready_url: str, log: Path, timeout: float = 180,
            **popen) -> Iterator[subprocess.Popen]:
    """A server process, yielded once `ready_url` answers (any HTTP status counts: a login may be required);
    stopped afterwards, killed if it does not stop."""
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **popen)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(ready_url, timeout=2)
                    break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"{' '.join(command[:3])} did not start: {log.read_text()[-3000:]}")
                    time.sleep(0.3)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def web_server(home: Path, log: Path, **env: str) -> Iterator[str]:
    """`python app.py` over the project at `home`; yields its URL once it answers, stops it afterwards."""
    port = free_port()
    environment = os.environ | {"ASSISTANT_HOME": str(home), "ASSISTANT_WEB_PORT": str(port),
                                "ASSISTANT_FEEDBACK_DB": str(home / "data" / "feedback.sqlite3")} | env
    url = f"http://127.0.0.1:{port}/"
    with running([sys.executable, str(REPO / "app.py")], url + "gradio_api/startup-events", log, env=environment,
                 cwd=home):
        yield url


@pytest.fixture(scope="session")
def web_home(tmp_path_factory, embedder) -> Path:
    """The shipped corpus plus a record full of HTML and script, indexed: what the web app serves in tests."""
    from assistant.index import ingest

    home = tmp_path_factory.mktemp("web") / "project"
    shutil.copytree(REPO / "corpus" / "documents", home / "corpus" / "documents")
    shutil.copytree(REPO / "corpus" / "catalogue", home / "corpus" / "catalogue")
    shutil.copy(REPO / "tests" / "data" / "web" / "fiche-piege.yaml", home / "corpus" / "catalogue")
    assert ingest(Settings(_env_file=None, home=home), embedder, progress=False).ok
    return home


@pytest.fixture(scope="session")
def web_app(web_home, tmp_path_factory) -> Iterator[str]:
    with web_server(web_home, tmp_path_factory.mktemp("logs") / "web.log") as url:
        yield url
