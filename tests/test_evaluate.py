"""The evaluation's measures on hand-made cases: each can be computed by hand from the definition."""

import math

import pytest

from assistant.evaluation.dataset import Fact, LabelledNeed, LabelledSet, labelling_problems, shared_runs
from assistant.evaluation.metrics import (
    CaseResult,
    brier_score,
    citation_support,
    expected_calibration_error,
    fact_stated,
    first_sentence,
    level_confusion,
    ndcg_at,
    need_figures,
    reciprocal_rank,
    reliability_table,
    verdict_correct,
)
from assistant.evaluation.report import markdown_report
from assistant.evaluation.systems import SystemResult
from assistant.models import Answer, AssetResult, CatalogueRecord, Citation, SourceRef, SuggestedLevel

DOC = "corpus/documents/a.pdf"


def case(**fields) -> CaseResult:
    base = dict(id="n002", kind="need", split="held_out", style="short", question="q",
                first_sentence="Un actif existant répond probablement à votre besoin : SAG.", intent="need",
                acceptable=["sag"],
                named="sag", listed=["sag"], fits=[0.9], expected_level=3, found_level=3, verdict_ok=True,
                facts_ok=None, language_ok=True, citations_ok=True, supported_claims=1, claims=2, seconds=0.1)
    merged = base | fields
    merged.setdefault("offered", [fit >= 0.5 for fit in merged["fits"]])  # offered as fitting, as an answer says
    return CaseResult(**merged)


def test_a_verdict_is_right_only_when_it_names_an_acceptable_record_or_nothing_when_none_is():
    assert verdict_correct("sag", ["sag", "sqin"]) and verdict_correct(None, [])
    assert not verdict_correct("seao", ["sag"])  # a wrong asset named first
    assert not verdict_correct(None, ["sag"])  # «nothing fits» when something does
    assert not verdict_correct("sag", [])  # an asset named when nothing fits


def test_verdict_and_ranking_figures_are_apart():
    right, wrong_first = case(), case(id="n004", named="seao", listed=["seao", "sag"], fits=[0.8, 0.7],
                                      verdict_ok=False)
    figures = need_figures([right, wrong_first])
    assert figures["verdict_accuracy"] == 0.5 and figures["hit@3"] == 1.0 and figures["mrr"] == 0.75
    assert figures["fitting_precision"] == 0.667  # seao offered at 0.8 is not acceptable (rounded to 3 places)


def test_no_match_precision_and_recall():
    said_none_rightly = case(id="n1", acceptable=[], named=None, listed=[], fits=[], verdict_ok=True)
    said_none_wrongly = case(id="n2", named=None, listed=[], fits=[], verdict_ok=False)
    named_wrongly = case(id="n3", acceptable=[], named="sag", verdict_ok=False)
    figures = need_figures([said_none_rightly, said_none_wrongly, named_wrongly, case()])
    assert figures["no_match_precision"] == 0.5 and figures["no_match_recall"] == 0.5
    assert figures["no_match_accuracy"] == 0.5


def test_level_accuracy_for_needs_nothing_meets_counts_only_those_with_a_level_labelled():
    settled_right = case(id="n1", acceptable=[], named=None, expected_level=2, found_level=2)
    settled_left_open = case(id="n2", acceptable=[], named=None, expected_level=4, found_level=None)
    unsettled = case(id="n3", acceptable=[], named=None, expected_level=None, found_level=None)
    met = case(id="n4", expected_level=3, found_level=1)  # a record meets it: the record's level, not counted here
    figures = need_figures([settled_right, settled_left_open, unsettled, met])
    assert figures["no_match_level_accuracy"] == 0.5 and figures["level_accuracy"] == 0.333


def test_a_system_that_takes_no_decision_gets_not_applicable_rather_than_zero():
    figures = need_figures([case()], decides_level=False, decides_no_match=False, shows_fit=False)
    assert figures["level_accuracy"] is None and figures["no_match_recall"] is None
    assert figures["no_match_level_accuracy"] is None
    assert figures["brier"] is None and figures["ece"] is None and figures["fitting_precision"] is None
    assert figures["verdict_accuracy"] == 1.0


def test_a_perfectly_calibrated_fit_has_an_ece_near_zero_and_an_overconfident_one_does_not():
    calibrated = [(0.15, i < 15) for i in range(100)] + [(0.85, i < 85) for i in range(100)]
    assert expected_calibration_error(calibrated) == pytest.approx(0.0, abs=1e-9)
    overconfident = [(0.95, i < 30) for i in range(100)]  # 95 % shown, 30 % right
    assert expected_calibration_error(overconfident) == pytest.approx(0.65)
    assert brier_score([(1.0, True), (0.0, False)]) == 0.0 and brier_score([(0.5, True)]) == 0.25
    table = reliability_table(calibrated)
    assert [row["count"] for row in table] == [0, 100, 0, 0, 0, 0, 0, 0, 100, 0]
    assert table[8]["mean_fit"] == 0.85 and table[8]["observed"] == 0.85


def test_rank_measures():
    assert reciprocal_rank(["seao", "sqin", "sag"], ["sag", "sqin"]) == pytest.approx(1 / 2)
    assert ndcg_at(5, ["seao", "sag"], ["sag"]) == pytest.approx(1 / math.log2(3))


def test_level_confusion_counts_expected_against_suggested_with_a_no_level_column():
    matrix = level_confusion([case(), case(found_level=None), case(expected_level=4, found_level=3),
                              case(expected_level=None, found_level=2)])
    assert matrix[2] == [0, 0, 1, 0, 1] and matrix[3] == [0, 0, 1, 0, 0] and sum(map(sum, matrix)) == 3


def answer_with(text: str, quotes: list[str], page: int = 1) -> Answer:
    citations = [Citation(n=n, source=DOC, title="A", page=page, quote=quote)
                 for n, quote in enumerate(quotes, start=1)]
    return Answer(question="q", language="fr", intent="need", verdict="existing_asset", answer=text,
                  existing_asset_found=True, suggested_level=SuggestedLevel(basis="none", rationale=""),
                  citations=citations, assets=[AssetResult(id="sag", name="SAG", kind="asset", score=0.9)])


def test_a_fact_counts_when_its_words_are_in_the_answer_and_its_page_is_cited():
    answer = answer_with("D’après les sources :\n- « L’actif est utilisé par un certain\nnombre d’organismes » [1]",
                         ["L’actif est utilisé par un certain nombre d’organismes"], page=4)
    fact = Fact(text="utilisé par un certain nombre d'organismes", source=DOC, page=4)
    assert fact_stated(answer, fact)
    assert not fact_stated(answer, fact.model_copy(update={"page": 5}))  # right words, page not cited
    assert not fact_stated(answer, fact.model_copy(update={"text": "utilisé par tous"}))
    assert first_sentence(answer_with("**Un actif existant répond : SAG.**\n\nSuite", [])) == \
        "Un actif existant répond : SAG."
    understood = "_Compris : « Un besoin », précisé par « et pour les entreprises? »._\n\n**Aucun actif.**"
    assert first_sentence(answer_with(understood, [])) == "Aucun actif."  # the verdict, after the «Compris» line


def test_citation_support_counts_claims_whose_marker_quotes_their_content():
    answer = answer_with(
        "### Prochaines étapes\n"
        "Le service d’authentification gouvernementale est offert à tous les ministères [1]. "
        "Le registre foncier est tenu par le ministère des Ressources naturelles [2]. "
        "Les organismes publics doivent consulter le catalogue avant tout projet.",
        ["Le service d’authentification gouvernementale est offert à tous les ministères et organismes",
         "Le portefeuille compte 37 projets prioritaires"])
    assert citation_support(answer) == (1, 3)  # heading skipped; wrong quote and no marker are unsupported


def test_the_report_lists_each_wrong_verdict_with_the_sentence_read_and_the_fits_shown():
    wrong = case(id="n007", question="Gérer l'inventaire de nos licences logicielles", named="cartes",
                 first_sentence="Un actif existant répond probablement à votre besoin : Production des cartes.",
                 acceptable=[], listed=["cartes"], fits=[0.93], verdict_ok=False)
    figures = {"needs": {split: need_figures([case(), wrong]) for split in ("dev", "held_out", "all")},
               "follow_ups": {split: need_figures([]) for split in ("dev", "held_out", "all")},
               "documents": {split: {"cases": 0} for split in ("dev", "held_out", "all")},
               "reliability": reliability_table([(0.9, True), (0.93, False)]), "latency": {"p50_ms": 1, "p95_ms": 2}}
    result = SystemResult(name="assistant", variant="quebec", description="d", decides_level=True,
                          decides_no_match=True, shows_fit=True, answers_documents=False, figures=figures,
                          cases=[case(), wrong])
    from datetime import UTC, datetime

    report = markdown_report([result], "set.yaml", "assistant eval", datetime(2026, 12, 1, tzinfo=UTC))
    assert "### Verdicts erronés — assistant · quebec" in report
    line = next(line for line in report.splitlines() if line.startswith("- n007"))
    assert "Production des cartes" in line and "acceptables : aucune" in line and "cartes 0.93" in line
    assert "| assistant | held_out | 2 | 0.500 |" in report


def record(**fields) -> CatalogueRecord:
    base = dict(id="sag", name="Service d’authentification gouvernementale", kind="asset",
                description="Permet aux citoyens de s’authentifier une seule fois pour accéder aux services",
                sources=[SourceRef(document=DOC, page=1, quote="Service d’authentification")])
    return CatalogueRecord(**(base | fields))


def test_the_labelling_checker_names_reused_phrases_unknown_records_and_misplaced_facts():
    labelled = LabelledSet(
        needs=[LabelledNeed(id="n1", question="nos citoyens doivent s'authentifier une seule fois",
                            language="fr", acceptable=["sag"]),
               LabelledNeed(id="n2", question="un outil de paie", language="fr", acceptable=["paie"]),
               LabelledNeed(id="n3", question="des cartes-cadeaux", language="fr", style="negative",
                            acceptable=["sag"])],
        documents=[])
    problems = labelling_problems(labelled, {"sag": record()}, lambda source, page: "")
    assert "n1: reprend « authentifier une seule fois » de la fiche sag" in problems
    assert "n2: fiche inconnue « paie »" in problems
    assert "n3: un cas négatif n’a aucune fiche acceptable" in problems
    assert shared_runs("accéder aux services en ligne", "pour accéder aux services en ligne") == [
        "acceder aux services en", "aux services en ligne"]
