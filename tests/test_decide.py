"""The decide stage's pure functions: level criteria and cues, need/question intent, asset ranking, fit model."""

import json
from pathlib import Path

import pytest

from assistant.decide import (
    Calibration,
    choose_level,
    find_cues,
    fit_probability,
    is_follow_up,
    is_need,
    level_from_cues,
    load_calibration,
    mentions,
    rank_assets,
    topic_of,
)
from assistant.load import page_text
from assistant.mcn import CRITERIA, DECK, LEVEL_HEADINGS, STEP_1, STEP_1_CONTACT, STEP_2, STEP_2_LEVEL
from assistant.models import CatalogueRecord, SourceRef
from assistant.retrieve import Passage
from assistant.text import match_form, quote_on_page

REPO = Path(__file__).resolve().parents[1]
DECK_REFS = [*(c.source for c in CRITERIA), *LEVEL_HEADINGS.values(), STEP_1, STEP_1_CONTACT, STEP_2, STEP_2_LEVEL]


def record(record_id: str, name: str, acronym: str | None = None, level: int | None = None) -> CatalogueRecord:
    return CatalogueRecord(
        id=record_id, name=name, acronym=acronym, kind="asset", level=level,
        level_sources=[LEVEL_HEADINGS[level]] if level else [],
        description=f"{name}: a test record.", sources=[SourceRef(document="corpus/catalogue/t.yaml", quote=name)])


def passage(pid: str, text: str, score: float, similarity: float, record_id: str | None = None) -> Passage:
    return Passage(id=pid, text=text, source="s", title="t", record_id=record_id, score=score, similarity=similarity)


# --- Quotes of the deck ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", DECK_REFS, ids=lambda ref: f"p{ref.page}:{ref.quote[:30]}")
def test_every_criterion_heading_and_step_is_quoted_word_for_word(ref):
    assert ref.document == DECK
    assert quote_on_page(ref.quote, page_text(REPO / ref.document, ref.page))


def test_a_quote_off_its_page_would_be_caught():
    heading_3 = LEVEL_HEADINGS[3]
    assert not quote_on_page(heading_3.quote, page_text(REPO / DECK, 4))


# --- Level from the need's wording ----------------------------------------------------------------------

@pytest.mark.parametrize("need, level", [
    ("Chaque direction régionale installe sa propre copie et paie ses frais", 1),
    ("each agency would run its own copy and each of them pays for it", 1),
    ("chacun l'heberge et le fait evoluer a sa guise", 1),
    ("deux ministères partageraient une instance opérée par l'un d'eux avec une entente", 2),
    ("two agencies would share a single instance run by one of them under an agreement", 2),
    ("Nous voulons un composant réutilisable, offert à tous les ministères", 3),
    ("We need a reusable building block that all ministries could plug in", 3),
    ("a complete turnkey business solution for every department run by a designated provider", 4),
    ("une solution cle en main complete pour l'ensemble des ministeres", 4),
])
def test_need_wording_gives_its_level(need, level):
    assert level_from_cues(find_cues(need)) == level


def test_conditional_wording_of_a_level_1_need():
    need = "chaque direction régionale installerait sa propre copie et paierait ses frais"
    assert level_from_cues(find_cues(need)) == 1


@pytest.mark.parametrize("need", [
    "Il nous faudrait une entente",  # one weak cue only
    "each agency would run its own copy, two agencies under an agreement",  # levels 1 and 2 tie at two
    "offert a tous les ministeres par un fournisseur designe",  # levels 3 and 4 tie
    "Nous cherchons un outil de gestion des plaintes",  # no cue at all
])
def test_too_little_or_tied_evidence_gives_no_level(need):
    assert level_from_cues(find_cues(need)) is None


def test_cues_quote_the_phrases_that_evoke_each_criterion():
    cues = find_cues("Deux   ministères,\navec une entente")
    assert [(cue.criterion.levels, cue.phrases) for cue in cues] == [((2,), ["deux ministeres"]), ((2,), ["entente"])]


def test_choose_level_prefers_a_fitting_records_level():
    fitting = record("sag", "Service d'authentification gouvernementale", "SAG", level=3)
    choice = choose_level("each agency would run its own copy and pay its own costs", [], fitting)
    assert (choice.level, choice.basis, choice.record) == (3, "asset", fitting)


def test_choose_level_reads_the_question_when_the_record_has_no_level():
    choice = choose_level("deux ministères, avec une entente", ["chacun installe sa propre copie"],
                          record("x", "Outil X"))
    assert (choice.level, choice.basis) == (2, "need")
    assert all(2 in cue.criterion.levels for cue in choice.cues) and choice.cues


def test_choose_level_falls_back_to_the_latest_earlier_turn():
    context = ["each agency would run its own copy", "two agencies would share one instance under an agreement"]
    choice = choose_level("et pour la paie?", context, None)
    assert (choice.level, choice.basis) == (2, "need")


def test_choose_level_without_evidence_says_none():
    choice = choose_level("Nous cherchons un outil de paie", ["Bonjour"], None)
    assert (choice.level, choice.basis, choice.cues) == (None, "none", [])


# --- Topic, folding ------------------------------------------------------------------------------------

def test_topic_drops_the_sharing_words_and_keeps_the_subject():
    topic = topic_of("Un système de paie réutilisable offert à tous les ministères avec une entente")
    assert "système de paie" in topic
    assert "offert à tous les ministères" not in topic
    assert not {"ministères", "réutilisable", "entente"} & set(topic.split())


def test_topic_of_a_need_without_cues_is_the_need_in_display_form():
    assert topic_of("  Gestion   des\nplaintes ") == "Gestion des plaintes"


@pytest.mark.parametrize("text, folded", [
    ("L’Été À Montréal", "l'ete a montreal"),
    ("ÇA DÉPEND", "ca depend"),
    ("ﬁn œuvre", "fn œuvre"),  # a ligature keeps one character
])
def test_match_form_is_character_for_character(text, folded):
    assert match_form(text) == folded
    assert len(match_form(text)) == len(text)


# --- Need or question, follow-up ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Nous cherchons un outil de gestion des plaintes",
    "Y a-t-il une solution de paie partagée?",
    "Is there a shared payroll service?",
    "I need a way to sign documents electronically",
    "Un outil de gestion documentaire pour les archives",
])
def test_needs(text):
    assert is_need(text)


@pytest.mark.parametrize("text", [
    "Combien de projets sont inscrits au plan?",
    "Who signed the access response?",
    "Dans quel délai peut-on obtenir une réponse?",
    "Quel est le niveau du SEAO?",
])
def test_questions_about_the_documents(text):
    assert not is_need(text)


@pytest.mark.parametrize("text, follow_up", [
    ("et pour les entreprises?", True),
    ("What if two agencies shared it?", True),
    ("And for the regional offices, would the same apply to them as well?", True),
    ("Notre ministère cherche une plateforme de gestion des subventions pour ses programmes régionaux", False),
])
def test_follow_ups(text, follow_up):
    assert is_follow_up(text) is follow_up


# --- Assets --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, found", [
    ("Le service d'authentification gouvernementale est requis", True),  # name, case and accents ignored
    ("On passe par le sag.", True),  # acronym
    ("Le SAGE du ministère", False),  # inside another word
    ("Service d'authentification gouvernementales", False),
])
def test_mentions(text, found):
    assert mentions(text, record("sag", "Service d’authentification gouvernementale", "SAG")) is found


def test_a_short_acronym_is_not_a_name():
    assert not mentions("Le QC et le reste", record("qc", "Québec numérique", "QC"))
    assert mentions("québec NUMERIQUE", record("qc", "Québec numérique", "QC"))


def test_rank_assets_weighs_own_chunks_and_mentions():
    records = {"sag": record("sag", "Service d'authentification", "SAG"), "seao": record("seao", "Appels", "SEAO")}
    passages = [
        passage("p1", "SEAO en bref", 0.10, 0.40, record_id="seao"),
        passage("p2", "Le SAG et le SEAO sont cités", 0.08, 0.90),  # a document passage naming both
        passage("p3", "Le SAG", 0.03, 0.30, record_id="sag"),
        passage("p4", "Le SEAO", 0.05, 0.95, record_id="other"),  # a record not in the catalogue given
    ]
    ranked = rank_assets(passages, records, mention_weight=0.5)
    assert [match.record.id for match in ranked] == ["seao", "sag"]
    seao, sag = ranked
    assert seao.score == pytest.approx(0.10 + 0.5 * 0.08) and sag.score == pytest.approx(0.03 + 0.5 * 0.08)
    assert (seao.similarity, sag.similarity) == (0.40, 0.30)  # never the document passage's 0.90
    assert [p.id for p in seao.passages] == ["p1", "p2"]


def test_mentions_can_outrank_a_weak_own_chunk():
    records = {"a": record("a", "Alpha"), "b": record("b", "Bravo")}
    ranked = rank_assets([passage("1", "x", 0.01, 0.5, "a"), passage("2", "Bravo", 0.04, 0.1)], records, 0.5)
    assert [(m.record.id, m.similarity) for m in ranked] == [("b", 0.0), ("a", 0.5)]


# --- Fit model ------------------------------------------------------------------------------------------

def calibration(**changes) -> Calibration:
    values = dict(embedder="e", features=["a", "b"], mean=[1.0, 2.0], scale=[0.5, 1.0], weights=[2.0, -1.0],
                  bias=0.0, threshold=0.5, fitted_on="test")
    return Calibration(**{**values, **changes})


def test_fit_probability_is_one_half_at_the_mean_and_rises_with_a_positive_weight():
    model = calibration()
    assert fit_probability([1.0, 2.0], model) == pytest.approx(0.5)
    first = [fit_probability([x, 2.0], model) for x in (0.0, 0.5, 1.0, 1.5, 3.0)]
    assert first == sorted(first) and len(set(first)) == len(first)
    second = [fit_probability([1.0, y], model) for y in (0.0, 2.0, 4.0)]
    assert second == sorted(second, reverse=True)
    assert fit_probability([1.0, 2.0], calibration(bias=1.0)) > 0.5


def test_load_calibration(tmp_path):
    path = tmp_path / "calibration.json"
    assert load_calibration("e", path) is None  # no file
    path.write_text(json.dumps({"e": calibration().model_dump()}), encoding="utf-8")
    assert load_calibration("e", path) == calibration()
    assert load_calibration("unknown", path) is None
    path.write_text("{broken", encoding="utf-8")
    assert load_calibration("e", path) is None
