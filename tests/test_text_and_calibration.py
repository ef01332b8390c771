"""Pure helpers: sentence cutting, language guess, rank fusion, filters, and the fit model's calibration."""

from pathlib import Path

import numpy as np
import pytest

from assistant.evaluation.calibrate import best_threshold, fit_logistic
from assistant.load import page_text
from assistant.mcn import DECK
from assistant.retrieve import Filters, passes, reciprocal_rank_fusion
from assistant.text import detect_language, quote_on_page, sentences

REPO = Path(__file__).resolve().parents[1]


# --- Sentences ------------------------------------------------------------------------------------------

def test_sentences_split_on_ends_and_bullets_and_join_wrapped_lines():
    text = ("Première phrase. Deuxième\nphrase, sur deux lignes! • Un point\n  qui continue • ok • "
            "Autre point; Suite ici? fin")
    assert sentences(text) == [
        "Première phrase.", "Deuxième phrase, sur deux lignes!", "Un point qui continue", "Autre point;",
        "Suite ici? fin",  # a lower-case word after «?» does not start a sentence; «ok» is too short to keep
    ]


def test_sentences_do_not_split_inside_numbers_or_before_lower_case():
    assert sentences("Un budget de 3.5 M$. voir la suite p. 4") == ["Un budget de 3.5 M$. voir la suite p. 4"]


def test_each_sentence_of_a_deck_page_can_be_quoted_on_it():
    page = page_text(REPO / DECK, 4)
    found = sentences(page)
    assert "Chaque organisme opère sa propre version de l’actif" in found
    assert "L’actif est utilisé par un certain nombre d’organismes" in found
    assert len(found) >= 8 and all("•" not in sentence for sentence in found)
    assert all(quote_on_page(sentence, page) for sentence in found)


# --- Language -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, language", [
    ("Nous cherchons une solution pour la gestion des dossiers", "fr"),
    ("Y a-t-il un outil de signature?", "fr"),
    ("Réseau gouvernemental sécurisé", "fr"),  # accents alone tip it
    ("We need a tool for our staff", "en"),
    ("Is there a shared payroll service?", "en"),
])
def test_detect_language(text, language):
    assert detect_language(text) == language
    assert detect_language(text, default="en" if language == "fr" else "fr") == language


@pytest.mark.parametrize("text", ["SAG?", "", "SEAO 2024"])
def test_undecidable_language_is_the_default(text):
    assert detect_language(text) == "fr"
    assert detect_language(text, default="en") == "en"


# --- Fusion and filters ---------------------------------------------------------------------------------

def test_reciprocal_rank_fusion_sums_one_over_k_plus_rank():
    scores = reciprocal_rank_fusion([["a", "b"], ["b", "c"]])
    assert scores == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 62})
    assert max(scores, key=scores.get) == "b"
    assert reciprocal_rank_fusion([["x", "y", "z"]], k=1) == pytest.approx({"x": 1 / 2, "y": 1 / 3, "z": 1 / 4})
    assert reciprocal_rank_fusion([]) == {}


DOCUMENT = {"source": "corpus/documents/deck.pdf", "title": "Deck"}
RECORD = {"source": "corpus/catalogue/sag.yaml", "record_id": "sag", "kind": "asset", "level": 3,
          "owner": "Ministère de la Cybersécurité et du Numérique"}


@pytest.mark.parametrize("filters, document, record", [
    (None, True, True),
    (Filters(), True, True),
    (Filters(kind="program"), True, False),
    (Filters(kind="asset"), True, True),
    (Filters(level=2), True, False),
    (Filters(level=3), True, True),
    (Filters(owner="CYBERSECURITE"), True, True),  # case and accents ignored, part of the name
    (Filters(owner="ministère de la santé"), True, False),
    (Filters(source="corpus/catalogue/sag.yaml"), False, True),  # the source filter applies to all
    (Filters(source="corpus/documents/deck.pdf", kind="asset"), True, False),
])
def test_passes(filters, document, record):
    assert passes(DOCUMENT, filters) is document
    assert passes(RECORD, filters) is record


def test_an_owner_filter_excludes_a_record_with_no_owner():
    assert not passes({"source": "s", "record_id": "x", "kind": "asset"}, Filters(owner="cyber"))


# --- Calibration ----------------------------------------------------------------------------------------

def test_fit_logistic_separates_a_separable_set():
    rng = np.random.default_rng(7)
    positives = rng.normal([2.0, 0.0], 0.5, size=(12, 2))  # few positives: classes are balanced by weight
    negatives = rng.normal([-2.0, 0.0], 0.5, size=(60, 2))
    rows = np.vstack([positives, negatives])
    labels = np.array([1.0] * 12 + [0.0] * 60)
    mean, scale, weights, bias = fit_logistic(rows, labels)
    assert mean == pytest.approx(rows.mean(axis=0)) and scale == pytest.approx(rows.std(axis=0), rel=1e-6)
    assert weights[0] > 1.0 and abs(weights[1]) < weights[0] / 3
    predicted = 1 / (1 + np.exp(-(((rows - mean) / scale) @ weights + bias)))
    assert ((predicted >= 0.5) == (labels == 1)).all()
    assert predicted[:12].min() > 0.8 and predicted[12:].max() < 0.2


def test_best_threshold_gets_no_match_and_hit_at_3_right():
    cases = [
        (["x", "y"], [0.9, 0.1], ["x"]),  # a match, hit at 1
        (["y", "x"], [0.4, 0.2], []),  # nothing should match: its 0.4 must fall under the cut
        (["z", "w", "x"], [0.7, 0.3, 0.2], ["x"]),  # a match, hit at 3
        (["q"], [0.55], []),
    ]
    assert best_threshold(cases) == 0.7


def test_best_threshold_counts_a_found_miss_as_a_right_no_match_decision():
    cases = [(["x"], [0.8], ["x"]), (["a", "b", "c", "x"], [0.6, 0.5, 0.4, 0.3], ["x"]), (["y"], [0.2], [])]
    # 0.6 keeps both matches found (one a miss at 3) and rejects the no-match: no better cut exists.
    assert best_threshold(cases) == 0.6


def test_best_threshold_ties_go_to_the_lowest_cut():
    cases = [
        (["n"], [0.4], []),  # right only above 0.4 ...
        (["y", "z", "w", "x"], [0.4, 0.3, 0.2, 0.1], ["x"]),  # ... right only at 0.4 (no hit at 3 either way)
        (["x"], [0.9], ["x"]),
    ]
    assert best_threshold(cases) == 0.4


def test_a_cut_taken_from_a_case_keeps_that_case():
    cases = [(["x"], [0.6666], ["x"]), (["y"], [0.3], [])]  # perfectly separable: any cut in (0.3, 0.6666]
    cut = best_threshold(cases)
    assert 0.3 < cut <= 0.6666
