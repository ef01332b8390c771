"""Pure helpers: sentence cutting, language guess, rank fusion, filters, and the fit model's calibration."""

from pathlib import Path

import numpy as np
import pytest

from assistant.evaluation.calibrate import best_threshold, fit_logistic
from assistant.intent import asks_for_several, asks_when
from assistant.load import page_text
from assistant.retrieve import Filters, passes, reciprocal_rank_fusion
from assistant.settings import Settings
from assistant.text import (
    announced,
    detect_language,
    has_date,
    list_around,
    quote_on_page,
    sentences,
    shown_quote,
    units,
)

REPO = Path(__file__).resolve().parents[1]


# --- Sentences ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("quote, shown", [
    ("Programme Service bureautique gouvernemental*", "Programme Service bureautique gouvernemental"),
    ("Accessibilité et équité2 Vise l’offre", "Accessibilité et équité Vise l’offre"),
    ("intégré au Portefeuille*.", "intégré au Portefeuille."),
    ("Québec (Québec) G1R 3P7", "Québec (Québec) G1R 3P7"),  # a postal code keeps its digit
    ("N/Réf. : DA2425-39", "N/Réf. : DA2425-39"),
    ("Projet 1 : Accès bonifié", "Projet 1 : Accès bonifié"),
    ("le niveau 3.", "le niveau 3."),
])
def test_a_shown_quote_drops_the_footnote_marks_glued_to_its_words(quote, shown):
    assert shown_quote(quote) == shown


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
    page = page_text(REPO / Settings(_env_file=None, home=REPO).deck_source, 4)
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
    positives = rng.normal([2.0, 0.0], 0.5, size=(12, 2))
    negatives = rng.normal([-2.0, 0.0], 0.5, size=(60, 2))
    rows = np.vstack([positives, negatives])
    labels = np.array([1.0] * 12 + [0.0] * 60)
    mean, scale, weights, bias = fit_logistic(rows, labels)
    assert mean == pytest.approx(rows.mean(axis=0)) and scale == pytest.approx(rows.std(axis=0), rel=1e-6)
    assert weights[0] > 1.0 and abs(weights[1]) < weights[0] / 3
    predicted = 1 / (1 + np.exp(-(((rows - mean) / scale) @ weights + bias)))
    assert ((predicted >= 0.5) == (labels == 1)).all()


def test_fit_logistic_gives_probabilities_that_match_the_observed_shares():
    """Classes keep their shares: where one row in four is positive, the fitted probability is about 0.25."""
    rng = np.random.default_rng(11)
    signal = rng.uniform(-1, 1, size=4000)
    labels = (rng.uniform(size=4000) < 1 / (1 + np.exp(-(2.0 * signal - 1.0)))).astype(float)
    mean, scale, weights, bias = fit_logistic(signal[:, None], labels, l2=0.0)
    fitted = 1 / (1 + np.exp(-(((signal[:, None] - mean) / scale) @ weights + bias)))
    assert fitted.mean() == pytest.approx(labels.mean(), abs=0.005)
    assert weights[0] / scale[0] == pytest.approx(2.0, rel=0.15)  # the slope on the original scale


def test_best_threshold_gets_most_verdicts_right():
    tops = [
        ("x", 0.9, ["x"]),  # right from any cut up to 0.9
        ("y", 0.4, []),  # right only above 0.4
        ("z", 0.7, ["x"]),  # the wrong record: right only above 0.7 (then «nothing fits», which is wrong too)
        ("w", 0.55, ["w"]),  # right up to 0.55
    ]
    assert best_threshold(tops) == 0.55


def test_best_threshold_takes_the_middle_of_tied_cuts():
    tops = [("x", 0.9, ["x"]), ("a", 0.2, []), ("b", 0.3, []), ("c", 0.4, []), ("y", 0.8, ["y"])]
    assert best_threshold(tops) == 0.8  # the only cut seen that rejects every negative and keeps both matches
    # z and v are wrong at any cut (their first record is not acceptable, and «nothing fits» is wrong too):
    # 0.4, 0.6 and 0.9 each get x and n right; 0.2 misses n and 1.0 misses x.
    tied = [("x", 0.9, ["x"]), ("n", 0.2, []), ("z", 0.4, ["q"]), ("v", 0.6, ["q"])]
    assert best_threshold(tied) == 0.6


def test_best_threshold_weighs_each_case_as_told():
    # Three needs of one catalogue (two that nothing meets, one met at 0.9), one of the other met at 0.5.
    tops = [("a", 0.5, []), ("b", 0.5, []), ("c", 0.9, ["c"]), ("x", 0.5, ["x"])]
    assert best_threshold(tops) == 0.9  # by count: three right of four
    assert best_threshold(tops, [1 / 3, 1 / 3, 1 / 3, 1.0]) == 0.5  # each catalogue weighing as much as the other


def test_units_keep_each_box_of_a_slide_apart_and_join_a_wrapped_sentence():
    slide = ("Étape 1\nRepérer un actif existant qui comble\nle besoin\nSi oui, joindre l’organisme\nresponsable\n"
             "Étape 2\nVérifier si d’autres organismes ont :\n• Des besoins semblables\n• Une initiative semblable")
    assert units(slide) == ["Étape 1", "Repérer un actif existant qui comble le besoin",
                            "Si oui, joindre l’organisme responsable", "Étape 2",
                            "Vérifier si d’autres organismes ont :", "Des besoins semblables",
                            "Une initiative semblable"]


def test_units_of_a_letter_end_at_its_short_lines_but_a_signature_runs_on_after_a_comma():
    letter = ("Direction des communications\n1200, rue Saint-Jean\nMontréal, le 12 mai 2025\n"
              "Nous avons bien reçu votre demande et nous y donnons suite dans le délai prévu par la loi,\n"
              "avec les documents que nous détenons.\nLe directeur des communications,\nMarc Tremblay")
    assert units(letter) == [
        "Direction des communications", "1200, rue Saint-Jean", "Montréal, le 12 mai 2025",
        "Nous avons bien reçu votre demande et nous y donnons suite dans le délai prévu par la loi, avec les "
        "documents que nous détenons.", "Le directeur des communications, Marc Tremblay"]


def test_a_bullet_starts_a_unit_even_after_a_colon():
    text = "Le plan compte 12 chantiers, répartis ainsi :\n- 7 chantiers de services;\n- 5 chantiers techniques."
    parts = units(text)
    assert parts == ["Le plan compte 12 chantiers, répartis ainsi :", "- 7 chantiers de services;",
                     "- 5 chantiers techniques."]
    assert announced(parts, 0) == [1, 2] and announced(parts, 1) == []


def test_list_around_gives_the_run_of_short_units_and_leaves_a_long_one_alone():
    parts = ["Une longue phrase d’introduction qui dépasse nettement la longueur d’un élément de liste ordinaire.",
             "Collecte", "Analyse", "Conception", "Exploitation",
             "Une autre longue phrase qui ferme la liste et qui dépasse elle aussi la longueur d’un élément."]
    assert list_around(parts, 2) == [1, 2, 3, 4]
    assert list_around(parts, 0) == [0]


def test_dates_and_the_questions_that_ask_for_them_or_for_several_things():
    assert has_date("Québec, le 1er février 2023") and has_date("Ottawa, March 4, 2022") and has_date("2021-06-30")
    assert not has_date("Programme de 3 projets en 2024")
    assert asks_when("Quand le comité a-t-il été créé?") and asks_when("When was the plan adopted?")
    assert not asks_when("Qui mène le projet?")
    assert asks_for_several("Quelles sont les étapes du processus?") and asks_for_several("What are the phases?")
    assert not asks_for_several("Quel ministère mène ce projet?")
