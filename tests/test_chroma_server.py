"""The same ingestion code against a real Chroma server (`chroma run` on 127.0.0.1)."""

import sys
from pathlib import Path

import pytest
from conftest import free_port, running

from assistant.index import IndexStoreError, ingest, open_client, open_collection

CHROMA = Path(sys.executable).with_name("chroma")


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    command = [str(CHROMA), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port",
               str(port)]
    with running(command, f"http://127.0.0.1:{port}/api/v2/heartbeat", tmp_path / "chroma.log", timeout=60):
        yield port


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
