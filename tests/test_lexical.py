"""BM25 with French analysis, persisted beside the Chroma store and kept in step by ingestion."""

import pytest

import assistant.lexical as lexical_module
from assistant.generation import current_sources
from assistant.index import ingest, lexical_folder, open_client, open_collection
from assistant.lexical import LexicalIndex, analyze, corpus_stamp


def generation_ids(collection, settings) -> list[str]:
    """The chunk ids of the index's current generation: what its BM25 twin must be built from."""
    return [chunk_id for source in current_sources(collection, settings).values() for chunk_id in source.chunk_ids]


@pytest.mark.parametrize("one, other", [
    ("l’authentification sécurisée", "Authentifications securisees"),  # elision, plural, accents typed or not
    ("d’appel d’offres", "appels d offres"),
    ("Système électronique", "systemes electroniques"),
])
def test_forms_of_a_word_meet_on_one_term(one, other):
    assert analyze(one) == analyze(other) != []


def test_stop_words_and_elided_articles_leave_no_term():
    assert analyze("qu’il l’a fait pour les organismes et des citoyens") == ["fait", "organ", "citoyen"]


def test_search_finds_by_shared_terms_only():
    index = LexicalIndex.build(["a", "b", "c"], [analyze(text) for text in [
        "Système électronique d’appel d’offres",
        "Service d’authentification gouvernementale",
        "Dépôt numérique fiable pour la conservation des documents",
    ]])
    assert [chunk_id for chunk_id, _ in index.search("publier des appels d'offres", k=3)] == ["a"]
    assert index.search("bonjour", k=3) == []


def test_ingestion_keeps_the_saved_index_in_step_with_chroma(corpus_settings, embedder):
    ingest(corpus_settings, embedder, progress=False)
    folder = lexical_folder(corpus_settings)
    collection = open_collection(open_client(corpus_settings), corpus_settings, embedder)
    saved = LexicalIndex.load(folder)
    assert saved.stamp == corpus_stamp(generation_ids(collection, corpus_settings))
    built_at = (folder / "stamp.json").stat().st_mtime_ns

    ingest(corpus_settings, embedder, progress=False)
    assert (folder / "stamp.json").stat().st_mtime_ns == built_at, "an unchanged corpus must not rebuild BM25"

    record = corpus_settings.path(corpus_settings.catalogue_dir) / "seao.yaml"
    record.unlink()
    ingest(corpus_settings, embedder, progress=False)
    updated = LexicalIndex.load(folder)
    assert updated.stamp == corpus_stamp(generation_ids(collection, corpus_settings)) != saved.stamp
    hits = collection.get(ids=[chunk_id for chunk_id, _ in updated.search("appel d’offres électronique", k=10)],
                          include=["metadatas"])
    assert all(meta.get("record_id") != "seao" for meta in hits["metadatas"])


def test_a_damaged_saved_index_is_rebuilt(corpus_settings, embedder):
    ingest(corpus_settings, embedder, progress=False)
    folder = lexical_folder(corpus_settings)
    (folder / "stamp.json").write_text("{not json", encoding="utf-8")
    assert LexicalIndex.load(folder) is None
    ingest(corpus_settings, embedder, progress=False)
    assert LexicalIndex.load(folder) is not None


def test_a_changed_source_is_the_only_text_read_and_analysed_again(corpus_settings, embedder, monkeypatch):
    ingest(corpus_settings, embedder, progress=False)
    record = corpus_settings.path(corpus_settings.catalogue_dir) / "seao.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("description: >-\n  ",
                                                                 "description: >-\n  Portail révisé. ", 1),
                      encoding="utf-8")
    analysed: list[str] = []
    real = lexical_module.analyze
    monkeypatch.setattr("assistant.index.analyze", lambda text: analysed.append(text) or real(text))
    ingest(corpus_settings, embedder, progress=False)
    collection = open_collection(open_client(corpus_settings), corpus_settings, embedder)
    changed = current_sources(collection, corpus_settings)["corpus/catalogue/seao.yaml"].chunk_ids
    assert len(analysed) == len(changed) and "Portail révisé" in " ".join(analysed)  # its chunks, not the corpus
    ids = sorted(generation_ids(collection, corpus_settings))  # as ingestion orders them
    texts = collection.get(ids=ids, include=["documents"])
    by_id = dict(zip(texts["ids"], texts["documents"], strict=True))
    fresh = LexicalIndex.build(ids, [analyze(by_id[chunk_id]) for chunk_id in ids])
    saved = LexicalIndex.load(lexical_folder(corpus_settings))
    for query in ("appel d’offres électronique portail révisé", "signature électronique", "dossier santé"):
        assert saved.search(query, 10) == fresh.search(query, 10)
