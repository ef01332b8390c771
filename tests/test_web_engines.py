"""Two web apps in one process, each over its own engine and index: each lists, answers and stores feedback from
its own project only (no module-level engine, no global settings). Served in-process by uvicorn on free ports,
behind the file guard as `serve` does, and driven through gradio_client."""

import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from conftest import REPO, free_port
from gradio_client import Client

from assistant import Engine, FeedbackStore, Settings, read_catalogue
from assistant.web import asgi_app

pytestmark = pytest.mark.slow

NEED = "Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail"
TENDERS = "Nous devons publier nos appels d’offres et recevoir les soumissions en ligne"
ONLY_RECORD = "seao"


def project(home: Path, records: list[str] | None = None) -> Engine:
    """A project at `home` with the shipped documents and the catalogue (or only the named records), ingested."""
    shutil.copytree(REPO / "corpus" / "documents", home / "corpus" / "documents")
    if records is None:
        shutil.copytree(REPO / "corpus" / "catalogue", home / "corpus" / "catalogue")
    else:
        (home / "corpus" / "catalogue").mkdir(parents=True)
        for record in records:
            shutil.copy(REPO / "corpus" / "catalogue" / f"{record}.yaml", home / "corpus" / "catalogue")
    engine = Engine(Settings(_env_file=None, home=home, web_port=free_port()))
    assert engine.ingest(progress=False).ok
    return engine


class Served:
    """One app over one engine, served by uvicorn in a thread of this process until `stop`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        settings = engine.settings
        self.server = uvicorn.Server(uvicorn.Config(asgi_app(engine), host="127.0.0.1",
                                                    port=settings.web_port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the app did not start"
            time.sleep(0.1)
        self.url = f"http://127.0.0.1:{settings.web_port}/"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def apps(tmp_path_factory) -> Iterator[tuple[Served, Served]]:
    whole = project(tmp_path_factory.mktemp("a") / "project")
    one = project(tmp_path_factory.mktemp("b") / "project", [ONLY_RECORD])
    served: list[Served] = []
    try:
        served += [Served(whole), Served(one)]
        yield served[0], served[1]
    finally:
        for app in served:
            app.stop()


def catalogue_ids(url: str) -> list[str]:
    table, count = Client(url, verbose=False).predict("", "", "", "", api_name="/catalogue")
    ids = [row[-1] for row in table["data"]]
    assert count == f"{len(ids)} fiche(s)"
    return ids


def asset_ids(url: str, need: str) -> list[str]:
    result = Client(url, verbose=False).predict(need, [], "", "", "", api_name="/chat")
    return re.findall(r"data-asset='([^']+)'", result[2])


def test_each_app_lists_its_own_engines_catalogue(apps):
    whole, one = apps
    records, _ = read_catalogue(whole.engine.settings.home / "corpus" / "catalogue", whole.engine.settings.home)
    assert sorted(catalogue_ids(whole.url)) == sorted(record.id for record in records)
    assert len(records) > 10
    assert catalogue_ids(one.url) == [ONLY_RECORD]


def test_each_app_answers_with_its_own_engines_assets(apps):
    whole, one = apps
    assert "sag" in asset_ids(whole.url, NEED)
    assert set(asset_ids(one.url, NEED)) <= {ONLY_RECORD}, "B's catalogue has no authentication service"
    assert asset_ids(one.url, TENDERS) == [ONLY_RECORD]


def test_each_app_stores_feedback_in_its_own_engines_database(apps):
    whole, one = apps
    client = Client(one.url, verbose=False)
    client.predict(NEED, [], "", "", "", api_name="/chat")
    status = client.predict(0, "up", "", "seulement dans B", api_name="/feedback")
    assert status.startswith("Merci : avis n°"), status

    def comments(app: Served) -> list[str]:
        settings = app.engine.settings
        database = settings.path(settings.feedback_db)
        return [item.comment for item in FeedbackStore(database).all()] if database.exists() else []

    assert "seulement dans B" in comments(one)
    assert "seulement dans B" not in comments(whole)
