"""The answer engine end to end: a real index of the shipped corpus, real models, `ask` and the CLI contract."""

import json
import os
import random
import re
import subprocess

import pytest
import yaml
from conftest import REPO, SHARED
from test_cli import run

from assistant import AskError, Engine, Filters, Settings
from assistant.evaluation import load_labelled_set, run_evaluation

# Floors on the held-out half of eval/labelled-set.yaml (never fitted on), a little under today's figures (README):
# a regression guard, not the issues' targets, which these decisions do not all reach yet.
HELD_OUT_FLOORS = {
    "quebec": {"verdict_accuracy": 0.85, "no_match_accuracy": 0.85, "level_accuracy": 0.85,
               "no_match_level_accuracy": 0.85, "hit@3": 0.9, "ece_at_most": 0.05},
    "grown": {"verdict_accuracy": 0.7, "no_match_accuracy": 0.82, "hit@3": 0.9, "ece_at_most": 0.08},
}
DOCUMENTS_FLOOR = 0.85  # document questions: every labelled fact quoted with its page (issue 15)
FOLLOW_UPS_FLOOR = 0.75  # the verdict after a refining turn (162 held-out cases: one case is 0.006)


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


@pytest.fixture(scope="module")
def evaluation(indexed, tmp_path_factory) -> dict:
    """The whole labelled set through the assistant and both baselines, on the shipped and the grown catalogue."""
    out = tmp_path_factory.mktemp("eval")
    labelled = load_labelled_set(REPO / "eval" / "labelled-set.yaml")
    run_evaluation(Engine(indexed), labelled, "eval/labelled-set.yaml", out, ["assistant", "baseline", "profile"],
                   ["quebec", "grown"], "pytest", SHARED / "samples")
    systems = json.loads((out / "results.json").read_text())["systems"]
    return {(system["name"], system["variant"]): system for system in systems}


@pytest.mark.parametrize("variant", ["quebec", "grown"])
def test_held_out_floors_and_both_baselines_beaten(evaluation, variant):
    figures = evaluation[("assistant", variant)]["figures"]["needs"]["held_out"]
    print(variant, json.dumps(figures))
    for metric, bound in HELD_OUT_FLOORS[variant].items():
        if metric.endswith("_at_most"):
            assert figures[metric.removesuffix("_at_most")] <= bound, (metric, figures[metric.removesuffix("_at_most")])
        else:
            assert figures[metric] >= bound, (metric, figures[metric])
    assert figures["citation_validity"] == 1.0
    if variant == "quebec":
        documents = evaluation[("assistant", variant)]["figures"]["documents"]["held_out"]
        assert documents["document_accuracy"] >= DOCUMENTS_FLOOR and documents["citation_validity"] == 1.0
        follow_ups = evaluation[("assistant", variant)]["figures"]["follow_ups"]["held_out"]
        assert follow_ups["verdict_accuracy"] >= FOLLOW_UPS_FLOOR
    for baseline in ("baseline", "profile"):
        theirs = evaluation[(baseline, variant)]["figures"]["needs"]["held_out"]["verdict_accuracy"]
        assert figures["verdict_accuracy"] > theirs, (baseline, theirs)


def test_the_verdict_names_the_first_record_listed_and_never_an_unlisted_one(evaluation):
    for variant in ("quebec", "grown"):
        for case in evaluation[("assistant", variant)]["cases"]:
            if case["named"]:
                assert case["listed"][0] == case["named"], case["id"]
            if case["intent"] == "need":
                assert case["listed"], case["id"]  # never an empty hand


def write_set(path, **sections) -> None:
    path.write_text(yaml.safe_dump(sections, allow_unicode=True), encoding="utf-8")


LOGIN = {"id": "n001", "question": "Nos citoyens doivent se connecter à notre portail de façon sécurisée",
         "language": "fr", "acceptable": ["sag", "sqin"], "expected_level": 3, "split": "dev"}
CAFETERIA = {"id": "n002", "question": "Un logiciel pour les menus et les commandes de la cafétéria des employés",
             "language": "fr", "style": "negative", "acceptable": [], "split": "held_out"}


def test_eval_writes_verdicts_calibration_and_wrong_verdicts_for_three_systems(indexed, tmp_path):
    cases = tmp_path / "cases.yaml"
    write_set(cases, needs=[LOGIN, CAFETERIA], follow_ups=[
        {"id": "f001", "history": [LOGIN["question"]], "question": "et pour les entreprises?", "language": "fr",
         "acceptable": ["sag", "sqin"], "expected_level": 3, "split": "dev"}], documents=[
        {"id": "d001", "question": "Combien de projets compte le portefeuille?", "language": "fr", "split": "dev",
         "facts": [{"text": "37", "source": "corpus/documents/mcn-portefeuille-projets-prioritaires-2025-2026.pdf",
                    "page": 1}]}])
    out = tmp_path / "results"
    result = run("eval", "--set", str(cases), "--out", str(out), "--variants", "quebec", settings=indexed)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "results.json").read_text())
    assistant, baseline, profile = data["systems"]
    assert [assistant["name"], baseline["name"], profile["name"]] == ["assistant", "baseline", "profile"]
    assert {case["kind"] for case in assistant["cases"]} == {"need", "follow_up", "document"}
    needs = assistant["figures"]["needs"]
    assert needs["all"]["cases"] == 2 and needs["dev"]["cases"] == 1 and needs["held_out"]["cases"] == 1
    assert needs["dev"]["verdict_accuracy"] == 1.0 and needs["all"]["brier"] is not None
    assert baseline["figures"]["needs"]["all"]["level_accuracy"] is None
    assert baseline["figures"]["needs"]["all"]["brier"] is None
    assert profile["figures"]["documents"]["all"]["cases"] == 0
    report = (out / "report.md").read_text()
    assert "### Verdicts erronés — baseline · quebec" in report and "| n/a |" in report
    for chart in ("reliability.png", "verdicts.png"):
        assert (out / chart).read_bytes().startswith(b"\x89PNG")


def test_eval_runs_the_grown_catalogue_with_the_shared_samples_imported(indexed, tmp_path):
    cases = tmp_path / "cases.yaml"
    write_set(cases, needs=[LOGIN], grown=[
        {"id": "g001", "question": "We need to schedule, run and monitor our data pipelines as workflows",
         "language": "en", "acceptable": ["airflow"], "split": "held_out"}, {**LOGIN, "id": "g002"}])
    out = tmp_path / "results"
    result = run("eval", "--set", str(cases), "--out", str(out), "--systems", "assistant,profile",
                 settings=indexed)
    assert result.returncode == 0, result.stderr
    systems = json.loads((out / "results.json").read_text())["systems"]
    assert [(s["name"], s["variant"]) for s in systems] == [("assistant", "quebec"), ("profile", "quebec"),
                                                            ("assistant", "grown"), ("profile", "grown")]
    grown = systems[2]
    assert [case["id"] for case in grown["cases"]] == ["g001", "g002"]
    assert "airflow" in grown["cases"][0]["listed"] + [grown["cases"][0]["named"]]
    assert "## Catalogue agrandi" in (out / "report.md").read_text()


def test_eval_names_a_bad_set_in_one_line(indexed, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("needs: [{id: n001}]")
    result = run("eval", "--set", str(bad), "--out", str(tmp_path / "out"), settings=indexed)
    assert result.returncode == 1 and result.stderr.startswith(f"Erreur : {bad} : jeu étiqueté illisible")
    assert len(result.stderr.strip().splitlines()) == 1


def test_calibrate_fits_on_the_dev_half_and_cross_validation_beats_shuffled_labels(indexed, tmp_path):
    """`assistant calibrate` writes a calibration an engine then serves; `--folds` saves nothing and scores far
    better than the same needs with their records shuffled (the decision reads the labels, not their count)."""
    saved = tmp_path / "calibration.json"
    environment = {"ASSISTANT_CALIBRATION_FILE": str(saved)}
    real = run("calibrate", "--variants", "quebec", "--folds", "3", settings=indexed, **environment)
    assert real.returncode == 0, real.stderr
    assert not saved.exists()

    labelled = yaml.safe_load((REPO / "eval" / "labelled-set.yaml").read_text(encoding="utf-8"))
    records = [need["acceptable"] for need in labelled["needs"]]
    for need, shuffled in zip(labelled["needs"], random.Random(7).sample(records, len(records)), strict=True):
        need["acceptable"] = shuffled
    shuffled_set = tmp_path / "shuffled.yaml"
    shuffled_set.write_text(yaml.safe_dump(labelled, allow_unicode=True), encoding="utf-8")
    shuffled = run("calibrate", "--set", str(shuffled_set), "--variants", "quebec", "--folds", "3",
                   settings=indexed, **environment)
    assert shuffled.returncode == 0, shuffled.stderr

    def score(result) -> float:
        return float(re.search(r"quebec (\d\.\d+)", result.stdout).group(1))

    assert score(real) > score(shuffled) + 0.2

    fitted = run("calibrate", "--variants", "quebec", settings=indexed, **environment)
    assert fitted.returncode == 0 and "seuil" in fitted.stdout, fitted.stderr
    calibration = json.loads(saved.read_text(encoding="utf-8"))[Engine(indexed).embedder_name]
    dev = [need for need in labelled["needs"] + labelled["follow_ups"] if need["split"] == "dev"]
    assert 0 < calibration["threshold"] < 1 and len(calibration["exemplars"]) == len(dev)
    answer = Engine(indexed.model_copy(update={"calibration_file": saved})).ask(
        "Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail")
    assert answer.assets and answer.assets[0].fits


def test_a_login_need_finds_the_authentication_service(engine):
    answer = engine.ask("Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail")
    assert answer.language == "fr" and answer.intent == "need"
    assert answer.existing_asset_found and answer.verdict == "existing_asset"
    assert "sag" in [asset.id for asset in answer.assets[:3]]
    named = answer.assets[0]
    assert answer.verdict_record == named.id and named.fits and named.display_name in answer.answer.splitlines()[0]
    assert answer.suggested_level.level == 3 and answer.suggested_level.basis == "asset"
    assert "il est utilisé pour construire une solution d’affaires" in answer.suggested_level.rationale
    assert any("entrer en contact avec l’OP responsable" in c.quote for c in answer.citations)
    # What a record does is said from a quote about it, never from the cover letter that names its ministry.
    assert "vous trouverez, ci-joint" not in answer.answer
    assert_well_cited(answer, engine)


def test_each_record_listed_says_which_words_of_the_need_it_covers_with_the_quote(engine):
    answer = engine.ask("Il nous faut un service d'authentification gouvernementale pour nos citoyens")
    sag = next(asset for asset in answer.assets if asset.id == "sag")
    assert "authentification" in sag.covered
    line = next(line for line in answer.answer.splitlines()
                if line.strip().startswith("> Couvre") and "« authentification »" in line)
    marker = int(line.rsplit("[", 1)[1].rstrip("]"))
    assert "authentification" in answer.citations[marker - 1].quote.lower() and marker in sag.citations
    assert_well_cited(answer, engine)


def test_an_english_need_is_answered_in_english_from_the_french_corpus(engine):
    answer = engine.ask("We need a platform where suppliers download our tender documents and submit bids online")
    assert answer.language == "en"
    assert "seao" in [asset.id for asset in answer.assets[:3]]
    assert "Next steps" in answer.answer and "Prochaines étapes" not in answer.answer
    assert_well_cited(answer, engine)


def test_a_need_nothing_fits_says_so_shows_the_closest_and_moves_to_step_two(engine):
    answer = engine.ask("Nous cherchons un logiciel pour gérer les menus et les commandes de la cafétéria "
                        "de nos employés")
    assert not answer.existing_asset_found and answer.verdict == "no_match" and answer.verdict_record is None
    assert answer.answer.startswith("**Aucun actif du catalogue")
    assert "## Les plus proches, sans correspondance sûre" in answer.answer
    assert answer.assets and not any(asset.fits for asset in answer.assets)
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


def test_a_need_asked_as_a_question_is_read_as_a_need(engine):
    answer = engine.ask("Where do Québec public bodies post their public tenders so suppliers can download the "
                        "documents and submit bids online?")
    assert answer.intent == "need" and answer.assets and answer.assets[0].id == "seao"


def test_a_question_about_a_levels_criteria_lists_them_from_the_deck(engine):
    answer = engine.ask("Qu’exige-t-on d’un actif pour qu’il soit classé au niveau 1?")
    assert answer.intent == "question"
    for criterion in ("L’actif répond aux besoins de plus d’un organisme", "Chaque organisme opère sa propre version "
                      "de l’actif", "Chaque organisme gère les coûts reliés à son instance de l’actif"):
        assert criterion in answer.answer
        assert any(c.quote == criterion and c.page == 4 for c in answer.citations)
    assert_well_cited(answer, engine)


def test_a_question_about_a_levels_examples_gets_the_assets_the_deck_gives(engine):
    answer = engine.ask("Quel actif le MCN cite-t-il en exemple de fondation numérique gouvernementale?")
    assert ("Exemple d’actif de ce niveau donné par le MCN : « Service d’authentification gouvernementale (SAG) »"
            in answer.answer)
    assert any(c.quote == "Service d’authentification gouvernementale (SAG)" and c.page == 5 for c in answer.citations)
    assert_well_cited(answer, engine)


def test_an_asset_described_not_named_gets_the_level_the_deck_gives_it_as_an_example(engine):
    answer = engine.ask("Which level does the deck give the government authentication service as an example of?")
    quotes = [c.quote for c in answer.citations]
    assert "Niveau 3 - Fondations numériques gouvernementales" in quotes
    assert "Service d’authentification gouvernementale (SAG)" in quotes
    assert [asset.id for asset in answer.assets] == ["sag"]
    assert_well_cited(answer, engine)


def test_footnote_marks_are_not_shown_but_the_citations_keep_the_pages_text(engine):
    answer = engine.ask("Qui est responsable du Programme Service bureautique gouvernemental?")
    assert any("gouvernemental*" in c.quote for c in answer.citations)  # as on the page, where it is verified
    assert not re.search(r"gouvernemental\*(?!\*)", answer.answer)  # (** is Markdown bold)
    assert "« Programme Service bureautique gouvernemental »" in answer.answer  # its table cell, whole and alone
    assert_well_cited(answer, engine)


def test_a_question_naming_a_program_gets_its_row_of_the_portfolio(engine):
    answer = engine.ask("Le programme Campus numérique relève de quel ministère et combien de projets compte-t-il?")
    assert answer.intent == "question" and [asset.id for asset in answer.assets] == ["campus-numerique"]
    for cell in ("Ministère de l’Enseignement supérieur", "Programme de quatre projets."):
        assert cell in answer.answer and any(cell in c.quote and c.page == 2 for c in answer.citations)
    assert answer.assets[0].fit_label == "" and "pertinence" not in answer.answer  # named, not fitted
    assert_well_cited(answer, engine)


def test_a_follow_up_uses_the_conversation(engine):
    first = "Notre organisme doit publier un appel d'offres et recevoir les soumissions des fournisseurs en ligne"
    alone = engine.ask("c'est quel niveau, ça?")
    follow_up = engine.ask("c'est quel niveau, ça?", history=[first])
    assert alone.intent == "question"
    assert follow_up.intent == "need" and "seao" in [asset.id for asset in follow_up.assets[:3]]
    assert follow_up.answer.startswith("_Compris : « Notre organisme doit publier un appel d'offres")
    assert "précisé par « c'est quel niveau, ça? »" in follow_up.answer.splitlines()[0]
    new_need = engine.ask("Nous cherchons un logiciel pour gérer les menus et les commandes de la cafétéria de nos "
                          "employés", history=[first])
    assert not new_need.answer.startswith("_Compris")  # a new need starts afresh


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


def test_a_batch_mixing_good_and_bad_lines_answers_or_refuses_each_in_order(indexed):
    lines = [b"Y a-t-il un service pour signer electroniquement des documents?",
             b'{"question": "Diffuser nos appels d\'offres", "history": "pas une liste"}',
             b'{"question": 42}',
             b"{pas du JSON",
             b"\xed\xa0\x80 un substitut isole",
             b'{"question": "\\ud800"}',
             b'{"question": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
             b"x" * 3000,
             b'{"question": "Combien de projets compte le portefeuille?", "autre": 1}',
             b"How many projects make up the 2025-2026 portfolio?"]
    result = subprocess.run([str(REPO / ".venv" / "bin" / "assistant"), "ask", "--json", "-"],
                            input=b"\n".join(lines) + b"\n", capture_output=True, timeout=300,
                            env=os.environ | {"ASSISTANT_HOME": str(indexed.home),
                                              "ASSISTANT_INDEX_DIR": str(indexed.index_dir)})
    assert b"Traceback" not in result.stderr and result.returncode == 1
    out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(out) == len(lines)
    assert "error" not in out[0] and out[0]["assets"] and "error" not in out[9] and out[9]["language"] == "en"
    errors = {item["line"]: item["error"] for item in out if "error" in item}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "history" in errors[2] and "liste" in errors[2]
    assert "question" in errors[3] and "texte attendu" in errors[3]
    assert "JSON invalide" in errors[4] and "non UTF-8" in errors[5] and "substitut" in errors[6]
    assert "imbriqué trop profondément" in errors[7] and "trop longue (3 000 caractères" in errors[8]
    assert "autre" in errors[9] and "champ inconnu" in errors[9]


def test_an_oversized_question_or_history_is_refused_before_the_index_opens(tmp_path):
    engine = Engine(Settings(_env_file=None, home=tmp_path, index_dir=tmp_path / "nothing-here"))
    with pytest.raises(AskError, match=r"trop longue \(1 000 000 caractères; au plus 2 000\)"):
        engine.ask("x" * 1_000_000)
    with pytest.raises(AskError, match=r"too many turns \(21; at most 20\)"):
        engine.ask("And for businesses?", ["We need e-signatures"] * 21)
    with pytest.raises(AskError, match="tour précédent"):
        engine.ask("Et pour les entreprises?", ["x" * 2001])
    assert not (tmp_path / "nothing-here").exists(), "refused before any store was opened"
