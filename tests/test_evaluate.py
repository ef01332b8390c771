"""The evaluation's measures on hand-made cases: each can be computed by hand from the definition."""

import math

import pytest

from assistant.evaluation.metrics import (
    NeedResult,
    citation_support,
    level_confusion,
    ndcg_at,
    need_figures,
    reciprocal_rank,
)
from assistant.models import Answer, Citation, SuggestedLevel


def need(**fields) -> NeedResult:
    base = dict(id="need-002", half="held_out", question="q", expected_assets=["sag"], found_assets=["sag"],
                expected_level=3, found_level=3, no_match=False, found_none=False, language_ok=True,
                citations_ok=True, supported_claims=1, claims=2, seconds=0.1)
    return NeedResult(**(base | fields))


def test_reciprocal_rank_is_one_over_the_rank_of_the_first_expected_asset():
    assert reciprocal_rank(["seao", "sqin", "sag"], ["sag", "sqin"]) == pytest.approx(1 / 2)
    assert reciprocal_rank(["seao"], ["sag"]) == 0.0


def test_ndcg_discounts_by_rank_and_normalises_by_the_ideal_order():
    assert ndcg_at(5, ["sag", "sqin"], ["sag", "sqin"]) == pytest.approx(1.0)
    assert ndcg_at(5, ["seao", "sag"], ["sag"]) == pytest.approx(1 / math.log2(3))
    assert ndcg_at(1, ["seao", "sag"], ["sag"]) == 0.0


def test_level_confusion_counts_expected_against_suggested_with_a_no_level_column():
    matrix = level_confusion([need(), need(found_level=None), need(expected_level=4, found_level=3),
                              need(expected_level=None, found_level=2)])
    assert matrix[2] == [0, 0, 1, 0, 1] and matrix[3] == [0, 0, 1, 0, 0] and sum(map(sum, matrix)) == 3


def test_figures_of_a_system_that_takes_no_decision_are_not_applicable_rather_than_zero():
    results = [need(), need(no_match=True, expected_assets=[], found_none=False, expected_level=None)]
    figures = need_figures(results, decides_level=False, decides_no_match=False)
    assert figures["level_accuracy"] is None and figures["no_match_recall"] is None
    assert figures["hit@1"] == 1.0 and figures["citation_support"] == 0.5
    assert need_figures(results)["no_match_recall"] == 0.0


def answer_with(text: str, quotes: list[str]) -> Answer:
    citations = [Citation(n=n, source="corpus/documents/a.pdf", title="A", page=1, quote=quote)
                 for n, quote in enumerate(quotes, start=1)]
    return Answer(question="q", language="fr", intent="need", verdict="existing_asset", answer=text,
                  existing_asset_found=True, suggested_level=SuggestedLevel(basis="none", rationale=""),
                  citations=citations)


def test_citation_support_counts_claims_whose_marker_quotes_their_content():
    answer = answer_with(
        "### Prochaines étapes\n"
        "Le service d’authentification gouvernementale est offert à tous les ministères [1]. "
        "Le registre foncier est tenu par le ministère des Ressources naturelles [2]. "
        "Les organismes publics doivent consulter le catalogue avant tout projet.",
        ["Le service d’authentification gouvernementale est offert à tous les ministères et organismes",
         "Le portefeuille compte 37 projets prioritaires"])
    assert citation_support(answer) == (1, 3)  # heading skipped; wrong quote and no marker are unsupported


def test_a_marker_naming_no_citation_supports_nothing():
    assert citation_support(answer_with("Le service d’authentification est offert partout [4].", [])) == (0, 1)
