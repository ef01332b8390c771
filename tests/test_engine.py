"""The engine interfaces are handed: one per Settings value, opened once under a lock, swapped after an ingest,
and the one a command answers from. Real indexes of real corpora, real models."""

import json
import shutil
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

import assistant.pipeline as pipeline_module
from assistant import Engine, Settings
from assistant.cli import main
from assistant.pipeline import Pipeline
from assistant.profiles import TermCounts
from assistant.web.render import document_rows

NEED = "Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail"


def project(root: Path, records: list[str] | None) -> Settings:
    """The shipped documents and the named catalogue records (all of them for None), indexed."""
    shutil.copytree(REPO / "corpus" / "documents", root / "corpus" / "documents")
    catalogue = root / "corpus" / "catalogue"
    if records is None:
        shutil.copytree(REPO / "corpus" / "catalogue", catalogue)
    else:
        catalogue.mkdir(parents=True)
        for record in records:
            shutil.copy(REPO / "corpus" / "catalogue" / f"{record}.yaml", catalogue)
    settings = Settings(_env_file=None, home=root)
    assert Engine(settings).ingest(progress=False).ok
    return settings


@pytest.fixture(scope="module")
def whole(tmp_path_factory, embedder) -> Settings:
    return project(tmp_path_factory.mktemp("whole"), None)


@pytest.fixture(scope="module")
def tenders_only(tmp_path_factory, embedder) -> Settings:
    return project(tmp_path_factory.mktemp("tenders"), ["seao"])


def cli_answer(engine: Engine, question: str) -> dict:
    result = CliRunner().invoke(main, ["ask", "--json", question], obj=engine)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_two_engines_in_one_process_each_answer_from_their_own_index(whole, tenders_only):
    first, second = Engine(whole), Engine(tenders_only)
    assert len(first.records()) == 22 and [record.id for record in second.records()] == ["seao"]
    from_first, from_second = cli_answer(first, NEED), cli_answer(second, NEED)
    assert "sag" in [asset["id"] for asset in from_first["assets"]]
    assert {asset["id"] for asset in from_second["assets"]} <= {"seao"}
    assert from_second["verdict"] == "no_match"
    assert all(first.verify(citation.ref) for citation in first.ask(NEED).citations)


def test_threads_opening_an_engine_at_once_share_one_opened_pipeline(whole, monkeypatch):
    opened = []
    real_open = Pipeline.open.__func__

    def counting_open(cls, *args, **kwargs):
        opened.append(threading.current_thread().name)
        return real_open(cls, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "open", classmethod(counting_open))
    engine = Engine(whole)
    start = threading.Barrier(4)
    seen = []

    def first_question():
        start.wait()
        seen.append((engine.pipeline(), len(engine.records())))

    threads = [threading.Thread(target=first_question) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 1
    assert len({id(pipeline) for pipeline, _ in seen}) == 1 and {count for _, count in seen} == {22}


def test_an_ingest_through_the_engine_is_answered_from_at_once(tmp_path, embedder):
    settings = project(tmp_path, ["seao"])
    engine = Engine(settings)
    assert engine.ask(NEED).verdict == "no_match"
    shutil.copy(REPO / "corpus" / "catalogue" / "sag.yaml", tmp_path / "corpus" / "catalogue")
    assert engine.ingest(progress=False).added == ["corpus/catalogue/sag.yaml"]
    answer = engine.ask(NEED)
    assert answer.verdict == "existing_asset" and "sag" in [asset.id for asset in answer.assets]


def test_a_reader_follows_what_another_writer_ingested(tmp_path, embedder):
    settings = project(tmp_path, ["seao"])
    reader = Engine(settings)
    assert [record.id for record in reader.records()] == ["seao"]
    shutil.copy(REPO / "corpus" / "catalogue" / "sag.yaml", tmp_path / "corpus" / "catalogue")
    assert Engine(settings).ingest(progress=False).added == ["corpus/catalogue/sag.yaml"]
    assert sorted(record.id for record in reader.records()) == ["sag", "seao"]  # the new generation, no reload
    assert reader.ask(NEED).verdict == "existing_asset"
    reader.reload()  # still there for a caller that wants the index opened anew
    assert sorted(record.id for record in reader.records()) == ["sag", "seao"]


def test_the_next_generation_reuses_what_did_not_change_and_reads_what_did(tmp_path, embedder, monkeypatch):
    settings = project(tmp_path, ["sag", "seao", "sdm"])
    engine = Engine(settings)
    before = engine.pipeline()
    record = tmp_path / "corpus" / "catalogue" / "seao.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("description: >-\n  ",
                                                                 "description: >-\n  Portail des marchés révisé. ", 1),
                      encoding="utf-8")
    read: list[str] = []
    real = pipeline_module.read_record
    monkeypatch.setattr(pipeline_module, "read_record", lambda path, *rest: read.append(path.name) or real(path, *rest))
    assert engine.ingest(progress=False).updated == ["corpus/catalogue/seao.yaml"]
    after = engine.pipeline()
    assert after is not before and read == ["seao.yaml"]  # the other files are not read again
    kept = {r.id: r for r in before.profiles.records}
    assert all(r is kept[r.id] for r in after.profiles.records if r.id != "seao")
    assert "Portail des marchés révisé" in next(r for r in after.profiles.records if r.id == "seao").description
    assert after.sources.keys() == before.sources.keys()
    assert after.sources["corpus/catalogue/seao.yaml"] != before.sources["corpus/catalogue/seao.yaml"]
    fresh = Pipeline.open(settings)  # what a new process opens: the same generation, read whole
    assert after.sources == fresh.sources and after.profiles.documents == fresh.profiles.documents
    need = "publier nos appels d'offres sur le portail des marchés"
    assert [a.id for a in engine.ask(need).assets] == [a.id for a in fresh.answer(need, [], None).assets]


def test_a_start_reads_what_the_ingest_published_not_every_chunk(tmp_path, embedder, monkeypatch):
    settings = project(tmp_path, ["sag", "seao"])
    read = Pipeline.open(settings).profiles.documents  # what the documents' passages give, counted at the ingest
    texts = Engine(settings).pipeline().retriever.document_texts()
    assert read == TermCounts.of_texts(texts, read.stamp)

    def refuse(*args, **kwargs):
        raise AssertionError("every chunk read back")

    monkeypatch.setattr("assistant.retrieve.Retriever.document_texts", refuse)
    monkeypatch.setattr("assistant.generation.read_all", refuse)
    opened = Pipeline.open(settings)
    assert opened.profiles.documents == read and {r.id for r in opened.profiles.records} == {"sag", "seao"}


def test_a_generator_whose_extra_is_missing_gives_the_extractive_answer_naming_the_extra(whole, monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # what an install without the [llm] extra has
    engine = Engine(whole.model_copy(update={"generator": "openai", "llm_base_url": "http://127.0.0.1:9/v1"}))
    answer = engine.ask(NEED)
    assert answer.generator == "extractive" and "sag" in [asset.id for asset in answer.assets]
    assert "[llm]" in answer.notice and "pip install 'assistant[llm]'" in answer.notice
    result = CliRunner().invoke(main, ["ask", NEED], obj=engine)
    assert result.exit_code == 0 and "[llm]" in result.stdout and "Sources :" in result.stdout


def test_level_criteria_are_cited_from_the_deck_where_the_settings_put_it(tmp_path, embedder, caplog):
    settings = project(tmp_path, ["sag", "seao"])
    deck = settings.path(settings.documents_dir) / "orientation-mcn.pdf"
    shutil.move(settings.path(settings.documents_dir) / "mcn-reponse-acces-DA2425-39-mutualisation.pdf", deck)
    moved = settings.model_copy(update={"mcn_deck": deck})
    assert Engine(moved).ingest(progress=False).ok
    answer = Engine(moved).ask("Un logiciel de menus de cafétéria; deux ministères partageraient une instance "
                               "opérée par l'un d'eux avec une entente")
    assert answer.suggested_level.level == 2 and answer.suggested_level.basis == "need"
    criteria = [c for c in answer.citations if "Une entente est établie" in c.quote]
    assert criteria and all(c.source == "corpus/documents/orientation-mcn.pdf" for c in criteria)
    assert all(Engine(moved).verify(c.ref) for c in answer.citations)

    elsewhere = moved.model_copy(update={"mcn_deck": tmp_path / "absent.pdf"})
    with caplog.at_level("WARNING", logger="assistant.pipeline"):
        unquoted = Engine(elsewhere).ask(NEED)
    assert "absent.pdf" in caplog.text and "ne seront pas cités" in caplog.text  # said, not silent
    assert not any(c.source.endswith("absent.pdf") for c in unquoted.citations)


def test_a_record_broken_on_disk_keeps_its_last_indexed_version_and_says_so(tmp_path, embedder, caplog):
    settings = project(tmp_path, ["sag", "seao"])
    record = tmp_path / "corpus" / "catalogue" / "sag.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("kind: asset", "kind: [asset"), encoding="utf-8")
    engine = Engine(settings)
    with caplog.at_level("WARNING", logger="assistant.pipeline"):
        assert sorted(r.id for r in engine.records()) == ["sag", "seao"]  # still answered from
    assert "sag" in [asset.id for asset in engine.ask(NEED).assets]
    problem = engine.source_problems()["corpus/catalogue/sag.yaml"]
    assert problem.startswith("fiche invalide sur disque (YAML invalide") and "dernière version indexée" in problem
    assert "corpus/catalogue/sag.yaml" in caplog.text and "dernière version indexée" in caplog.text
    rows = {row[0]: row[-1] for row in document_rows(engine.indexed_documents(), engine.source_problems())}
    assert rows["corpus/catalogue/sag.yaml"] == problem and rows["corpus/catalogue/seao.yaml"] == "à jour"
    # The ingest keeps its chunks too and names the file; once fixed, the record is read from its file again.
    assert "corpus/catalogue/sag.yaml" in Engine(settings).ingest(progress=False).failed
    shutil.copy(REPO / "corpus" / "catalogue" / "sag.yaml", record)
    assert Engine(settings).ingest(progress=False).ok
    assert engine.source_problems() == {}


def test_the_documents_term_counts_follow_a_changed_document(tmp_path, embedder):
    settings = project(tmp_path, ["sag"])
    notes = tmp_path / "corpus" / "documents" / "notes.md"
    notes.write_text("Une note sur la cybersécurité des portails.\n", encoding="utf-8")
    Engine(settings).ingest(progress=False)
    opened = Pipeline.open(settings)
    assert opened.profiles.documents == TermCounts.of_texts(opened.retriever.document_texts(),
                                                            opened.profiles.documents.stamp)
    assert opened.profiles.documents.frequency["cybersecurit"] >= 1  # the new note counted
