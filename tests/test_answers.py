"""The answer engine end to end: a real index of the shipped corpus, real models, `ask` and the CLI contract."""

import json
import re

import pytest
import yaml
from conftest import REPO
from test_cli import run

from assistant import AskError, Engine, Filters, Settings
from assistant.evaluation.dataset import load_dev_set
from assistant.evaluation.systems import System, evaluate_system

FLOORS = {"hit@3": 0.9, "level_accuracy": 0.85, "no_match_accuracy": 0.8}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, embedder) -> Settings:
    settings = Settings(_env_file=None, home=REPO, index_dir=tmp_path_factory.mktemp("index"))
    assert Engine(settings).ingest(progress=False).ok
    return settings


@pytest.fixture(scope="module")
def engine(indexed) -> Engine:
    return Engine(indexed)


def assert_well_cited(answer, engine):
    """Every [n] names a citation, every citation is used, and every quote is on its page."""
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", " ".join([answer.answer, *answer.next_steps]))}
    assert markers == {c.n for c in answer.citations}
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        assert engine.verify(citation.ref), citation


def test_dev_set_floors(engine):
    """The guard: the evaluation of the shipped assistant on the dev set stays above the floors."""
    result = evaluate_system(load_dev_set(REPO / "eval" / "dev-set.yaml"),
                             System("assistant", engine.ask, "as shipped"),
                             lambda citation: engine.verify(citation.ref))
    figures = result.figures["needs"]
    print(json.dumps(result.figures, indent=1))
    for metric, floor in FLOORS.items():
        assert figures[metric] >= floor, (metric, figures[metric])
    assert figures["citation_validity"] == 1.0
    assert result.figures["questions"]["citation_validity"] == 1.0


def test_eval_writes_figures_report_and_charts_with_the_baseline_side_by_side(indexed, tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text(yaml.safe_dump({
        "needs": [
            {"id": "need-001", "question": "Nos citoyens doivent se connecter à notre portail de façon sécurisée",
             "language": "fr", "expected_assets": ["sag", "sqin"], "expected_level": 3, "no_match": False},
            {"id": "need-002",
             "question": "Nous cherchons un logiciel pour gérer les menus et les commandes de la cafétéria de nos "
                         "employés",
             "language": "fr", "expected_assets": [], "expected_level": None, "no_match": True}],
        "questions": [
            {"id": "doc-001", "question": "Combien de projets compte le portefeuille?", "language": "fr",
             "expected_source": "corpus/documents/mcn-portefeuille-projets-prioritaires-2025-2026.pdf",
             "expected_pages": [1], "expected_answer_contains": ["37"]}]}, allow_unicode=True))
    out = tmp_path / "results"
    result = run("eval", "--set", str(cases), "--out", str(out), "--systems", "assistant,baseline",
                 settings=indexed)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "results.json").read_text())
    assistant, baseline = data["systems"]
    assert [assistant["name"], baseline["name"]] == ["assistant", "baseline"]
    assert len(assistant["needs"]) == 2 and len(assistant["questions"]) == 1
    assert assistant["figures"]["needs"]["hit@3"] == 1.0 and assistant["figures"]["needs"]["no_match_recall"] == 1.0
    assert sum(map(sum, assistant["level_confusion"])) == 1
    assert baseline["figures"]["needs"]["level_accuracy"] is None
    assert baseline["figures"]["needs"]["no_match_accuracy"] is None
    assert data["ragas"]["status"] == "non exécuté" and data["ragas"]["faithfulness"] is None
    report = (out / "report.md").read_text()
    assert "| baseline |" in report and "| n/a |" in report and "## Cas en échec — baseline" in report
    for chart in ("metrics-by-system.png", "level-confusion.png", "latency.png"):
        assert (out / chart).read_bytes().startswith(b"\x89PNG")


def test_eval_names_a_bad_set_in_one_line(indexed, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("needs: [{id: need-001}]")
    result = run("eval", "--set", str(bad), "--out", str(tmp_path / "out"), settings=indexed)
    assert result.returncode == 1 and result.stderr.startswith(f"Erreur : {bad} : jeu étiqueté illisible")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_login_need_finds_the_authentication_service(engine):
    answer = engine.ask("Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail")
    assert answer.language == "fr" and answer.intent == "need"
    assert answer.existing_asset_found and answer.verdict == "existing_asset"
    assert "sag" in [asset.id for asset in answer.assets[:3]]
    assert answer.suggested_level.level == 3 and answer.suggested_level.basis == "asset"
    assert "il est utilisé pour construire une solution d’affaires" in answer.suggested_level.rationale
    assert any("entrer en contact avec l’OP responsable" in c.quote for c in answer.citations)
    assert_well_cited(answer, engine)


def test_an_english_need_is_answered_in_english_from_the_french_corpus(engine):
    answer = engine.ask("We need a platform where suppliers download our tender documents and submit bids online")
    assert answer.language == "en"
    assert "seao" in [asset.id for asset in answer.assets[:3]]
    assert "Next steps" in answer.answer and "Prochaines étapes" not in answer.answer
    assert_well_cited(answer, engine)


def test_a_need_nothing_fits_says_so_and_moves_to_step_two(engine):
    answer = engine.ask("Nous cherchons un logiciel pour gérer les menus et les commandes de la cafétéria "
                        "de nos employés")
    assert not answer.existing_asset_found and answer.verdict == "no_match" and answer.assets == []
    assert "Aucun actif du catalogue" in answer.answer
    assert any(step.startswith("Étape 2") for step in answer.next_steps)
    assert_well_cited(answer, engine)


def test_a_level_is_suggested_from_the_wording_when_nothing_fits(engine):
    answer = engine.ask("Nous cherchons un logiciel pour les menus de cafétéria; chaque organisme hébergerait sa "
                        "propre copie et en paierait les coûts")
    assert answer.verdict == "no_match"
    assert answer.suggested_level.level == 1 and answer.suggested_level.basis == "need"
    assert "Chaque organisme opère sa propre version de l’actif" in answer.suggested_level.rationale
    assert_well_cited(answer, engine)


def test_a_question_about_the_documents_is_answered_from_its_page(engine):
    answer = engine.ask("Combien de projets compte le portefeuille 2025-2026?")
    assert answer.intent == "question" and answer.verdict == "information"
    assert "37 projets" in answer.answer
    assert any(c.source.endswith("portefeuille-projets-prioritaires-2025-2026.pdf") and c.page == 1
               for c in answer.citations)
    assert_well_cited(answer, engine)


def test_a_follow_up_uses_the_conversation(engine):
    first = "Notre organisme doit publier un appel d'offres et recevoir les soumissions des fournisseurs en ligne"
    alone = engine.ask("c'est quel niveau, ça?")
    follow_up = engine.ask("c'est quel niveau, ça?", history=[first])
    assert alone.intent == "question"
    assert follow_up.intent == "need" and "seao" in [asset.id for asset in follow_up.assets[:3]]


def test_filters_narrow_the_records(engine):
    need = "Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail"
    programs = engine.ask(need, filters=Filters(kind="program"))
    assert programs.assets and all(asset.kind == "program" for asset in programs.assets)
    level_two = engine.ask(need, filters=Filters(level=2))
    assert all(asset.level == 2 for asset in level_two.assets)
    owned = engine.ask(need, filters=Filters(owner="cybersecurite et du numerique"))
    assert owned.assets and all("Cybersécurité" in (asset.owner or "") for asset in owned.assets)


def test_an_empty_question_is_refused(engine):
    with pytest.raises(AskError, match="vide"):
        engine.ask("   ")


def test_cli_json_reads_standard_input_line_by_line(indexed):
    lines = ["Y a-t-il un service pour signer électroniquement des documents?", "",
             json.dumps({"question": "et pour les entreprises?",
                         "history": ["On veut que nos clients se connectent à notre portail"]}),
             "How many projects make up the 2025-2026 portfolio?"]
    result = run("ask", "--json", "-", settings=indexed, input="\n".join(lines) + "\n")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == [lines[0], "", "et pour les entreprises?", lines[3]]
    assert "error" in answers[1] and result.returncode == 1
    for answer in (answers[0], answers[2], answers[3]):
        assert {"question", "language", "answer", "existing_asset_found", "assets", "suggested_level",
                "next_steps", "citations"} <= answer.keys()
        for citation in answer["citations"]:
            assert {"n", "source", "title", "page", "record_id", "quote"} <= citation.keys()
            assert not citation["source"].startswith("/")
    assert answers[3]["language"] == "en" and "37 projets" in answers[3]["answer"]


def test_cli_prints_a_readable_answer_with_its_sources(indexed):
    result = run("ask", "Y a-t-il un service pour signer électroniquement des documents?", settings=indexed)
    assert result.returncode == 0, result.stderr
    assert "Sources :" in result.stdout
    assert re.search(r"^- \[1\] .+ \(corpus/documents/.+\.pdf, p\. \d+\) — « ", result.stdout, re.MULTILINE)


def test_cli_on_an_empty_index_says_what_to_do(tmp_path):
    settings = Settings(_env_file=None, home=REPO, index_dir=tmp_path / "empty")
    result = run("ask", "Un besoin", settings=settings)
    assert result.returncode == 2 and "assistant ingest" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
