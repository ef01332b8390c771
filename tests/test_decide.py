"""The verdict over fit probabilities (decide.py) and the fit model's pure parts (fit.py)."""

import json

import numpy as np
import pytest

from assistant.decide import (
    COMPARABLE,
    LISTED,
    best_first,
    decide,
    mentions,
    speaking_of,
    why_it_fits,
    with_earlier_evidence,
)
from assistant.fit import FEATURES, Calibration, band_of, features, load_calibration, probabilities
from assistant.labels import fit_label
from assistant.lexical import analyze
from assistant.models import CatalogueRecord, SourceRef
from assistant.profiles import TermWeights, record_terms


def record(record_id: str, name: str, kind: str = "asset", acronym: str | None = None,
           quotes: tuple[str, ...] = (), description: str = "a test record") -> CatalogueRecord:
    return CatalogueRecord(id=record_id, name=name, acronym=acronym, kind=kind, description=f"{name}: {description}.",
                           sources=[SourceRef(document="corpus/catalogue/t.yaml", quote=q) for q in (name, *quotes)])


def calibration(threshold: float = 0.5, **changes) -> Calibration:
    values = dict(embedder="e", features=list(FEATURES), mean=[0.0] * len(FEATURES), scale=[1.0] * len(FEATURES),
                  weights=[0.0] * len(FEATURES), bias=0.0, threshold=threshold, fitted_on="test")
    return Calibration(**{**values, **changes})


# --- The verdict ----------------------------------------------------------------------------------------

def test_the_verdict_names_the_record_listed_first():
    records = [record("a", "Alpha"), record("b", "Bravo"), record("c", "Charlie")]
    decision = decide(records, np.array([0.2, 0.9, 0.6]), calibration())
    assert decision.named is records[1] and decision.listed[0].record is records[1]
    assert [asset.record.id for asset in decision.listed] == ["b", "c", "a"]
    assert [asset.band for asset in decision.listed] == ["fits", "fits", "unlikely"]
    assert decision.also is None


def test_nothing_fits_names_nothing_but_lists_the_closest():
    records = [record(f"r{i}", f"Record {i}") for i in range(8)]
    decision = decide(records, np.linspace(0.05, 0.45, 8), calibration())
    assert decision.named is None
    assert [asset.record.id for asset in decision.listed] == ["r7", "r6", "r5", "r4", "r3"]
    assert len(decision.listed) == LISTED and decision.listed[0].band == "may_fit"


def test_an_asset_in_service_is_named_before_a_project_that_fits_comparably():
    project, asset = record("p", "Projet", kind="project"), record("s", "Service")
    decision = decide([project, asset], np.array([0.9, 0.9 - COMPARABLE / 2]), calibration())
    assert decision.named is asset and decision.also is project
    assert [a.record.id for a in decision.listed] == ["s", "p"]


def test_a_project_that_fits_clearly_better_is_named():
    project, asset = record("p", "Projet", kind="project"), record("s", "Service")
    decision = decide([project, asset], np.array([0.9, 0.9 - 2 * COMPARABLE]), calibration())
    assert decision.named is project and decision.also is None


def test_an_asset_below_the_threshold_is_never_preferred():
    project, asset = record("p", "Projet", kind="program"), record("s", "Service")
    decision = decide([project, asset], np.array([0.55, 0.48]), calibration(threshold=0.5))
    assert decision.named is project


def test_a_turn_that_puts_something_in_place_is_met_only_by_a_record_speaking_of_it():
    cegeps = record("campus", "Campus numérique", description="cours à distance des cégeps et des universités")
    schools = record("ecoles", "Réseau des écoles", description="cours à distance des écoles secondaires")
    words = [record_terms(cegeps), record_terms(schools)]
    put_in_place = set(analyze("écoles secondaires"))
    fit = speaking_of(words, np.array([0.95, 0.3]), put_in_place, floor=0.1)
    assert fit.tolist() == [0.0, 0.3]  # the cégeps' record spoke of what was said before, not of what replaced it
    assert speaking_of(words[:1], np.array([0.95]), set(analyze("universités")), 0.1).tolist() == [0.95]
    assert speaking_of(words[:1], np.array([0.05]), put_in_place, 0.1).tolist() == [0.05]  # could not be named
    assert speaking_of(words[:1], np.array([0.95]), set(), 0.1).tolist() == [0.95]  # nothing put in place


def test_a_turn_that_goes_on_with_the_need_keeps_the_evidence_the_need_had():
    mail, archive, signing = record("sdm", "Suivi du courrier"), record("dnf", "Archives"), record("icpg", "Signature")
    records, fit = with_earlier_evidence([mail, archive], np.array([0.01, 0.4]), [signing, mail],
                                         np.array([0.2, 0.84]))
    assert [r.id for r in records] == ["sdm", "dnf", "icpg"] and fit.tolist() == [0.84, 0.4, 0.2]
    assert decide(records, fit, calibration()).named is mail


def test_an_empty_catalogue_names_nothing():
    decision = decide([], np.zeros(0), calibration())
    assert decision.named is None and decision.listed == []


# --- Why it fits ----------------------------------------------------------------------------------------

# Twenty texts in which «document» is common and the words of a signature are rare.
WEIGHTS = TermWeights.count([set(analyze(f"Le document numéro {n} du ministère")) for n in range(18)]
                            + [set(analyze("La signature électronique")), set(analyze("Une clé publique"))])


def test_why_it_fits_gives_the_needs_words_and_the_quote_that_covers_most_of_them():
    icpg = record("icpg", "Infrastructure à clés publiques gouvernementale", description="la signature électronique",
                  quotes=("Signature électronique des formulaires",
                          "Permettre la signature électronique et l’authentification"))
    words, quote = why_it_fits("Signer électroniquement nos formulaires : une signature électronique", icpg, WEIGHTS)
    assert quote is not None and quote.quote == "Signature électronique des formulaires"
    assert words == ["électroniquement", "formulaires", "signature", "électronique"]


def test_common_words_and_quotes_not_about_the_record_explain_nothing():
    icpg = record("icpg", "Infrastructure à clés publiques", quotes=(
        "Vous trouverez ci-joint le document demandé au ministère",  # a cover letter: not about the record
        "Des clés publiques pour les documents"))
    words, quote = why_it_fits("Nous voulons des clés pour signer nos documents", icpg, WEIGHTS)
    assert words == ["clés"] and quote is not None and quote.quote == "Infrastructure à clés publiques"
    assert why_it_fits("Le document du ministère", icpg, WEIGHTS) == ([], None)  # «document» is common here


def test_why_it_fits_is_empty_when_no_quote_shares_a_word():
    words, quote = why_it_fits("We need an e-signature", record("icpg", "Infrastructure à clés publiques"), WEIGHTS)
    assert (words, quote) == ([], None)


@pytest.mark.parametrize("text, found", [
    ("Le service d'authentification gouvernementale est requis", True),  # name, case and accents ignored
    ("On passe par le sag.", True),  # acronym
    ("Le SAGE du ministère", False),  # inside another word
    ("Service d'authentification gouvernementales", False),
])
def test_mentions(text, found):
    assert mentions(text, record("sag", "Service d’authentification gouvernementale", acronym="SAG")) is found


@pytest.mark.parametrize("text, found", [
    ("Who owns the Horizon program?", True),  # its short name: no «Programme», no explanation in parentheses
    ("Le programme Horizon, c’est à qui?", True),
    ("Modernisation du système de mission des Services correctionnels", False),  # the explanation alone
    ("Quels programmes sont terminés?", False),
])
def test_a_program_is_mentioned_by_its_short_name(text, found):
    horizon = record("horizon", "Programme Horizon (Modernisation du système de mission des Services correctionnels)",
                     kind="program")
    assert mentions(text, horizon) is found


def test_a_short_acronym_is_not_a_name():
    assert not mentions("Le QC et le reste", record("qc", "Québec numérique", acronym="QC"))


# --- The fit model --------------------------------------------------------------------------------------

def test_features_read_each_signal_as_value_margin_and_standard_score():
    signals = np.array([[0.9, 0.1, 0.0, 0.0, 0.3, 0.6], [0.5, 0.1, 0.0, 0.0, 0.2, 0.3], [0.1, 0.1, 0.0, 0.0, 0.1, 0.1]])
    rows = features(signals, np.array([0.7]))
    assert rows.shape == (3, len(FEATURES)) and FEATURES[:3] == ("profile_value", "profile_margin", "profile_z")
    assert rows[:, 0] == pytest.approx([0.9, 0.5, 0.1])
    assert rows[:, 1] == pytest.approx([0.4, -0.4, -0.8])  # the best against the runner-up, others against the best
    assert rows[:, 2] == pytest.approx((signals[:, 0] - 0.5) / signals[:, 0].std())
    assert rows[:, 3:6] == pytest.approx(np.array([[0.1, 0.0, 0.0]] * 3))  # all alike: no margin, no standing out
    assert FEATURES[-1] == "like_no_match" and rows[:, -1] == pytest.approx([0.7] * 3)  # the need's own signal


def test_features_of_a_single_record_and_of_none():
    assert features(np.array([[0.7, 0.2, 0.1, 1.0, 0.0, 0.0]]), np.zeros(1))[0, :3] == pytest.approx([0.7, 0.7, 0.0])
    assert features(np.zeros((0, 6)), np.zeros(1)).shape == (0, len(FEATURES))


def test_probabilities_follow_the_weights():
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("profile_margin")] = 2.0
    model = calibration(weights=weights, bias=-1.0)
    rows = features(np.array([[0.9, 0, 0, 0, 0, 0], [0.5, 0, 0, 0, 0, 0]]), np.zeros(1))
    fit = probabilities(rows, model)
    assert fit[0] > fit[1] and fit[0] == pytest.approx(1 / (1 + np.exp(-(2.0 * 0.4 - 1.0))))


@pytest.mark.parametrize("probability, band", [(0.5, "fits"), (0.49, "may_fit"), (0.25, "may_fit"), (0.24, "unlikely")])
def test_bands(probability, band):
    assert band_of(probability, 0.5) == band


def test_a_fit_is_shown_as_a_percentage_only_when_its_calibration_error_is_small():
    assert not calibration().shows_percent  # never measured
    assert calibration(held_out_ece=0.05).shows_percent and not calibration(held_out_ece=0.051).shows_percent
    assert fit_label(0.834, "fits", True, "fr") == "83 %" and fit_label(0.834, "fits", True, "en") == "83%"
    assert fit_label(0.3, "may_fit", False, "fr") == "pourrait correspondre"
    assert fit_label(0.1, "unlikely", False, "en") == "unlikely"


def test_load_calibration(tmp_path):
    path = tmp_path / "calibration.json"
    assert load_calibration("e", path) is None  # no file
    path.write_text(json.dumps({"e": calibration().model_dump()}), encoding="utf-8")
    assert load_calibration("e", path) == calibration()
    assert load_calibration("unknown", path) is None
    path.write_text(json.dumps({"e": calibration(features=["passage_score"]).model_dump()}), encoding="utf-8")
    assert load_calibration("e", path) is None  # fitted on other features: its weights would mean nothing
    path.write_text("{broken", encoding="utf-8")
    assert load_calibration("e", path) is None


@pytest.mark.parametrize("seed", range(5))
def test_best_first_is_a_stable_sorts_first_k(seed):
    values = np.random.default_rng(seed).integers(0, 6, size=200).astype(float)  # many ties
    for k in (1, 5, 10, 300):
        assert list(best_first(values, k)) == list(np.argsort(-values, kind="stable")[:k])
