"""The same ingestion code against a real Chroma server (`chroma run` on 127.0.0.1)."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.index import IndexStoreError, ingest, open_client, open_collection

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"chroma run did not start: {(tmp_path / 'chroma.log').read_text()}")
            time.sleep(0.3)
    yield port
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.mark.slow
def test_ingest_and_query_through_a_chroma_server(chroma_server, corpus_settings, embedder):
    settings = corpus_settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": chroma_server})

    first = ingest(settings, embedder, progress=False)
    assert first.ok and first.chunks_total > 0
    assert not (settings.path(settings.index_dir) / "chroma.sqlite3").exists(), "the embedded store must not be used"
    assert ingest(settings, embedder, progress=False).chunks_embedded == 0

    collection = open_collection(open_client(settings), settings, embedder)
    hits = collection.query(
        query_embeddings=[embedder.embed_query("système électronique pour publier nos appels d’offres")],
        n_results=3,
        where={"kind": "asset"},
    )
    assert "seao" in [meta["record_id"] for meta in hits["metadatas"][0]]

    record = settings.path(settings.catalogue_dir) / "seao.yaml"
    record.unlink()
    assert ingest(settings, embedder, progress=False).removed == ["corpus/catalogue/seao.yaml"]


def test_an_unreachable_server_is_one_clear_error(corpus_settings, embedder):
    settings = corpus_settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": free_port()})
    with pytest.raises(IndexStoreError, match="ne répond pas"):
        ingest(settings, embedder, progress=False)
