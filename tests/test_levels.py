"""The level stage's pure functions, the MCN's quotes (each on its page of the deck, wherever the settings put the
deck), and the need/question intent."""

import shutil

import numpy as np
import pytest
from conftest import REPO

from assistant.intent import (
    OWN_NEED_TERMS,
    IntentModel,
    conversation_context,
    is_need,
    meant,
    need_text,
    new_terms,
    puts_in_place,
)
from assistant.levels import (
    LevelModel,
    choose_level,
    find_cues,
    level_from_cues,
    levels_named,
    likely_level,
    steps_named,
    topic_of,
)
from assistant.lexical import analyze
from assistant.load import page_text
from assistant.mcn import DECK_FILE, mcn_reference
from assistant.models import CatalogueRecord, SourceRef
from assistant.settings import Settings
from assistant.text import match_form, quote_on_page

SETTINGS = Settings(_env_file=None, home=REPO)
MCN = mcn_reference(SETTINGS.deck_source)


def record(record_id: str, name: str, level: int | None = None) -> CatalogueRecord:
    return CatalogueRecord(
        id=record_id, name=name, kind="asset", level=level, level_sources=[MCN.headings[level]] if level else [],
        description=f"{name}: a test record.", sources=[SourceRef(document="corpus/catalogue/t.yaml", quote=name)])


# --- The deck's quotes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", MCN.quotes, ids=lambda ref: f"p{ref.page}:{ref.quote[:30]}")
def test_every_criterion_heading_and_step_is_quoted_word_for_word(ref):
    assert ref.document == f"corpus/documents/{DECK_FILE}"
    assert quote_on_page(ref.quote, page_text(REPO / ref.document, ref.page))


def test_a_quote_off_its_page_would_be_caught():
    assert not quote_on_page(MCN.headings[3].quote, page_text(REPO / MCN.deck, 4))


def test_the_deck_follows_the_documents_folder_and_its_own_setting(tmp_path):
    moved = Settings(_env_file=None, home=tmp_path, documents_dir=tmp_path / "sources" / "pdf")
    assert moved.deck_source == f"sources/pdf/{DECK_FILE}"
    renamed = Settings(_env_file=None, home=tmp_path, mcn_deck=tmp_path / "orientation.pdf")
    assert renamed.deck_source == "orientation.pdf"
    shutil.copy(REPO / MCN.deck, tmp_path / "orientation.pdf")
    for ref in mcn_reference(renamed.deck_source).quotes:
        assert quote_on_page(ref.quote, page_text(tmp_path / ref.document, ref.page))


# --- Level from the need's wording ----------------------------------------------------------------------

@pytest.mark.parametrize("need, level", [
    ("Chaque direction régionale installe sa propre copie et paie ses frais", 1),
    ("each agency would run its own copy and each of them pays for it", 1),
    ("chacun l'heberge et le fait evoluer a sa guise", 1),
    ("chaque direction régionale installerait sa propre copie et paierait ses frais", 1),
    ("deux ministères partageraient une instance opérée par l'un d'eux avec une entente", 2),
    ("two agencies would share a single instance run by one of them under an agreement", 2),
    ("Nous voulons un composant réutilisable, offert à tous les ministères", 3),
    ("We need a reusable building block that all ministries could plug in", 3),
    ("a complete turnkey business solution for every department run by a designated provider", 4),
    ("une solution cle en main complete pour l'ensemble des ministeres", 4),
    # the arrangement told in a manager's words rather than the deck's
    ("chaque direction l'hébergerait sur ses serveurs et paierait seule sa licence", 1),
    ("each office would host it on its own servers and cover its own costs", 1),
    ("Notre ministère l'exploiterait pour trois organismes qui s'y abonneraient par convention", 2),
    ("We would host the platform for two other agencies under a service contract", 2),
    ("Une API commune que les systèmes de tous les ministères appelleraient, offerte par un organisme désigné", 3),
    ("A complete system for the whole public service, run by a single body", 4),
    ("Le ministère resterait responsable de l'hébergement; deux organismes partenaires s'en serviraient aussi, "
     "moyennant une convention", 2),
    ("We'd keep running it and adapt it to their requirements; the partner agencies would sign a service agreement", 2),
    ("Une seule équipe maintiendrait un service de géocodage que les systèmes de tous les ministères interrogeraient",
     3),
    ("A shared engine on which any department could build its own online forms, offered to all by one agency", 3),
    ("Un système de gestion des plaintes complet, le même pour tout le gouv, opéré par un seul organisme", 4),
    ("Each regional office would pay for its licence out of its own budget and host it on its own servers", 1),
    # one cue that says who would run it and for whom is enough
    ("Il nous faudrait une entente avec le ministère qui l'héberge déjà", 2),
    ("each regional office would just keep its own copy", 1),
    # what the need rejects is not read as said
    ("Au lieu que chaque ministère ait sa propre copie, un seul système complet pour tous les ministères", 4),
    ("Personne ne l'exploiterait pour les autres : chaque organisme installe sa copie et en assume seul les frais", 1),
])
def test_need_wording_gives_its_level(need, level):
    assert level_from_cues(find_cues(need, MCN)) == level


@pytest.mark.parametrize("need", [
    "Plusieurs organismes ont le même besoin",  # one cue that does not say who would run it
    "each agency would run its own copy, two agencies under an agreement",  # levels 1 and 2 tie at two
    "offert a tous les ministeres par un fournisseur designe",  # levels 3 and 4 tie
    "Nous cherchons un outil de gestion des plaintes",  # no cue at all
])
def test_too_little_or_tied_evidence_gives_no_level(need):
    assert level_from_cues(find_cues(need, MCN)) is None


@pytest.mark.parametrize("need, still_open", [
    ("offert a tous les ministeres par un fournisseur designe", [3, 4]),  # government-wide: foundation or solution?
    ("each agency would run its own copy, two agencies under an agreement", [1, 2]),
    ("Plusieurs organismes ont le même besoin", [1, 2, 3, 4]),  # one weak cue: every level is still open
    ("Nous cherchons un outil de gestion des plaintes", [1, 2, 3, 4]),
])
def test_a_level_left_open_names_the_levels_still_in_play(need, still_open):
    choice = choose_level(need, [], None, MCN)
    assert (choice.level, choice.basis, choice.open_levels) == (None, "none", still_open)
    assert all(set(cue.criterion.levels) & set(still_open) for cue in choice.cues)


def test_cues_quote_the_phrases_that_evoke_each_criterion_as_the_need_writes_them():
    cues = find_cues("Deux   ministères,\navec une entente", MCN)
    assert [(cue.criterion.key, cue.phrases) for cue in cues] == [("several_bodies", ["Deux ministères"]),
                                                                  ("agreement", ["entente"])]


def test_a_level_the_wording_leaves_open_is_suggested_as_likely_only_when_clear_and_still_open():
    tied = "offert a tous les ministeres par un fournisseur designe"  # 3 or 4
    clear_4 = [0.05, 0.05, 0.05, 0.1, 0.75]
    assert choose_level(tied, [], None, MCN, clear_4).level == 4
    assert choose_level(tied, [], None, MCN, clear_4).basis == "likely"
    assert choose_level(tied, [], None, MCN, [0.05, 0.7, 0.05, 0.1, 0.1]).level is None  # 2 is not open any more
    assert choose_level(tied, [], None, MCN, [0.1, 0.1, 0.1, 0.2, 0.5]).level is None  # not clear enough
    assert choose_level(tied, [], None, MCN, [0.7, 0.1, 0.1, 0.05, 0.05]).level is None  # «settles none» leads
    assert choose_level(tied, [], record("x", "Outil X"), MCN, clear_4).level is None  # something meets the need
    settled = "each agency would run its own copy and pay its own costs"
    assert choose_level(settled, [], None, MCN, clear_4).level == 1  # the criteria's phrasings come first


def test_the_level_model_shares_sum_to_one_and_follow_its_weights():
    model = LevelModel(mean=[0.0, 0.0], scale=[1.0, 1.0], biases=[0.0] * 5,
                       weights=[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [5.0, 0.0], [-5.0, 0.0]])
    shares = model.shares(np.array([1.0, 0.0]))
    assert sum(shares) == pytest.approx(1.0) and int(np.argmax(shares)) == 3
    assert likely_level(shares, [3, 4]) is None and likely_level([0, 0, 0, 0.1, 0.9], [3, 4]) == 4


def test_the_named_records_level_comes_first():
    named = record("sag", "Service d'authentification gouvernementale", level=3)
    choice = choose_level("each agency would run its own copy and pay its own costs", [], named, MCN)
    assert (choice.level, choice.basis, choice.record) == (3, "asset", named)


def test_a_record_without_a_level_never_gets_one_invented():
    choice = choose_level("Nous cherchons un outil de paie", [], record("airflow", "Apache Airflow"), MCN)
    assert (choice.level, choice.basis) == (None, "none")


def test_the_question_is_read_when_the_record_has_no_level():
    choice = choose_level("deux ministères, avec une entente", ["chacun installe sa propre copie"],
                          record("x", "Outil X"), MCN)
    assert (choice.level, choice.basis) == (2, "need")
    assert choice.cues and all(2 in cue.criterion.levels for cue in choice.cues)


def test_the_latest_earlier_turn_is_read_next():
    context = ["each agency would run its own copy", "two agencies would share one instance under an agreement"]
    assert (choose_level("et pour la paie?", context, None, MCN).level) == 2


# --- Topic, folding ------------------------------------------------------------------------------------

def test_topic_drops_the_sharing_words_and_keeps_the_subject():
    topic = topic_of("Un système de paie réutilisable offert à tous les ministères avec une entente")
    assert "système de paie" in topic
    assert not {"ministères", "réutilisable", "entente"} & set(topic.split())


@pytest.mark.parametrize("text, folded", [
    ("L’Été À Montréal", "l'ete a montreal"),
    ("ÇA DÉPEND", "ca depend"),
    ("ﬁn œuvre", "fn œuvre"),  # a ligature keeps one character
])
def test_match_form_is_character_for_character(text, folded):
    assert match_form(text) == folded and len(match_form(text)) == len(text)


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


def adds(count: int):
    """A stand-in for the terms a turn adds to the conversation: the same count for every turn."""
    return lambda turn, context: count


def test_a_turn_that_says_it_changes_the_subject_is_read_alone():
    before = ["Nos citoyens doivent signer leurs demandes"]
    assert conversation_context("Et pour les entreprises?", before, adds(1)) == before
    assert conversation_context("Plutôt nos employés", before, adds(1)) == before
    for new in ("Autre chose : un outil de paie", "Unrelated, we need a payroll tool", "Also, a payroll tool"):
        assert conversation_context(new, before, adds(1)) == []


def test_a_turn_that_states_a_need_of_its_own_is_read_alone_unless_it_says_it_goes_on_with_the_same():
    before = ["We want people in a dispute with a merchant to settle it online"]
    assert conversation_context("Et pour grouper nos achats de papier?", before, adds(OWN_NEED_TERMS)) == []
    assert conversation_context("Same thing, but quick and cheap for folks who cannot afford a lawyer", before,
                                adds(OWN_NEED_TERMS)) == before


def test_a_turn_that_would_not_be_a_need_alone_is_read_with_the_need_before_it():
    before = ["Nos citoyens doivent signer leurs demandes en ligne"]
    question = "Et pour les entreprises, quand un employé signe au nom de sa compagnie?"
    a_need_alone = lambda turn: not turn.startswith("Et pour")  # noqa: E731
    assert conversation_context(question, before, adds(OWN_NEED_TERMS), a_need_alone) == before
    assert conversation_context(question, before, adds(OWN_NEED_TERMS)) == []  # a need alone: its own
    assert conversation_context("Autre chose : et pour les entreprises?", before, adds(1),
                                a_need_alone) == []


def test_a_turn_that_points_back_to_the_need_is_read_with_it_unless_it_puts_something_in_its_place():
    before = ["Nous devons publier nos appels d'offres et recevoir les soumissions"]
    for goes_on in ("It must keep our data in Québec, though.", "Nos directions régionales pourraient-elles s'en "
                    "servir aussi?", "pis ca supporte-tu les applis mobiles?", "What about our regional offices?",
                    "Par contre, chaque organisme voudrait sa propre chaîne. Ça change quelque chose?"):
        assert conversation_context(goes_on, before, adds(OWN_NEED_TERMS)) == before, goes_on
    for instead in ("Et si c'était plutôt des badges pour nos employés aussi?", "Actually, it's for our parking "
                    "garage", "What if it's only about paper records too?", "Sorry, I meant business cards too"):
        assert conversation_context(instead, before, adds(OWN_NEED_TERMS)) == [], instead
    assert conversation_context("Autre chose : ça existe, un outil de paie?", before, adds(1)) == []
    assert conversation_context("Il nous faut aussi un outil de sondage pour nos employés", before,
                                adds(OWN_NEED_TERMS)) == []  # «aussi»: a need of its own, besides


def test_a_turn_that_puts_something_in_place_of_the_need_is_told_from_one_that_keeps_it():
    for instead in ("plutôt pour les écoles secondaires, en fait", "Sorry, I meant business cards",
                    "Et si c'était pour les désaccords entre deux ministères?", "Actually, it's for our staff"):
        assert puts_in_place(instead), instead
    for same in ("Et pour les entreprises?", "Pareil, mais plutôt pour nos employés", "It must keep our data here"):
        assert not puts_in_place(same), same


def test_a_detail_between_a_need_and_its_refinement_keeps_the_need_in_the_conversation():
    history = ["Nos citoyens doivent signer leurs demandes en ligne", "Quelques milliers par année",
               "Et pour les entreprises?"]
    assert conversation_context("Et sur tablette?", history, adds(1)) == history
    a_need_of_its_own = lambda turn, context: OWN_NEED_TERMS if turn.startswith("Nos citoyens") else 1  # noqa: E731
    assert conversation_context("Et sur tablette?", ["Un outil de paie", *history], a_need_of_its_own) == history
    assert conversation_context("Et sur tablette?", ["Autre chose : la paie", "Et pour les cadres?"],
                                adds(1)) == ["Autre chose : la paie", "Et pour les cadres?"]


def test_a_correction_means_what_follows_its_marker():
    assert meant("oups, pas l'authentification : je parlais de la gestion des postes") == "la gestion des postes"
    assert meant("Sorry, I meant printing business cards") == "printing business cards"
    assert meant("Non, je voulais dire pour les entreprises") == "pour les entreprises"
    assert meant("Et pour les entreprises?") == "Et pour les entreprises?"


def test_a_refining_turn_is_matched_with_the_turns_it_refines():
    before = ["Nos citoyens doivent signer leurs demandes"]
    assert need_text("Et pour les entreprises?", before, 1) == "Nos citoyens doivent signer leurs demandes Et pour " \
                                                                 "les entreprises?"
    assert need_text("Un besoin", [], 0) == "Un besoin"  # no conversation: the turn itself
    # adding no term of its own, it says how the need would be shared: the need is the one before
    assert need_text("On ne veut pas notre propre copie", before, 0) == before[0]


def test_a_turn_adds_the_terms_the_conversation_did_not_have_without_its_words_of_conversation():
    before = ["Our developers want every change to our web apps built and released automatically"]
    turn = set(analyze("And for our mobile apps too, not just the web ones?"))
    assert new_terms(turn, before) == set(analyze("mobile"))
    assert new_terms(set(analyze("plutôt des badges")), []) == set(analyze("badges"))


def test_the_intent_model_reads_a_turn_from_its_embedding():
    model = IntentModel(mean=[0.0, 1.0], scale=[1.0, 2.0], weights=[3.0, 0.0], bias=-1.0)
    assert model.need_probability(np.array([1.0, 5.0])) == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert model.need_probability(np.array([0.0, -7.0])) < 0.5 < model.need_probability(np.array([2.0, 0.0]))


def test_a_level_box_is_its_heading_then_its_criteria_in_the_decks_order():
    box = [ref.quote for ref in MCN.level_box(2)]
    assert box == ["Niveau 2 - Actif partagé entre organismes", "L’actif répond aux besoins de plus d’un organisme",
                   "L’actif est utilisé par un certain nombre d’organismes",
                   "L’actif évolue en tenant compte des besoins de chacun",
                   "L’opération et l’évolution de l’actif sont assurées par l’organisme qui en est le fournisseur",
                   "Une entente est établie entre l’organisme détenteur et les organismes utilisateurs afin "
                   "d’établir l’ensemble des modalités et le contrat de services"]
    page = page_text(REPO / MCN.deck, 4)
    assert all(quote_on_page(ref.quote, page) for ref in MCN.level_box(2))


def test_level_fours_box_keeps_its_own_wording_and_order_and_each_level_its_examples():
    box = [ref.quote for ref in MCN.level_box(4)]
    assert box == ["Niveau 4 - Solution d’affaires gouvernementale",
                   "L’actif répond à des besoins d’affaires gouvernementaux communs",
                   "L’actif est une solution d’affaires complète",
                   "L’actif est un service offert et devrait être utilisé par l’ensemble de la communauté "
                   "gouvernementale",
                   "La réalisation, l’opération et l’évolution de l’actif sont assurés par l’organisme désigné comme "
                   "étant le fournisseur"]  # «assurés» here, «assurées» in level 3's box
    assert "assurées" in MCN.level_box(3)[-1].quote
    assert [ref.quote for ref in MCN.examples[3]] == ["Service d’authentification gouvernementale (SAG)"]
    assert sorted(MCN.examples) == [2, 3, 4] and all(ref.page == 4 for ref in MCN.examples[2])


@pytest.mark.parametrize("question, levels", [
    ("Qu’exige-t-on d’un actif pour qu’il soit classé au niveau 1?", [1]),
    ("C’est quoi au juste un actif dupliqué?", [1]),
    ("Is a level 3 digital foundation meant for a few bodies?", [3]),
    ("Quelle différence entre le niveau 2 et une solution d'affaires gouvernementale?", [2, 4]),
    ("What are the four mutualisation levels called?", [1, 2, 3, 4]),
    ("Combien de projets compte le portefeuille?", []),
    ("Le SEAO, c’est quel niveau de mutualisation?", []),
])
def test_the_levels_a_question_asks_about(question, levels):
    assert levels_named(question) == levels


@pytest.mark.parametrize("question, steps", [
    ("Pendant l’étape 1, quels actifs existants doit-on examiner?", [1]),
    ("En quoi consiste la deuxième étape du processus?", [2]),
    ("What happens at step 2?", [2]),
    ("Who supports public bodies during the mutualisation process?", [1, 2]),
    ("Si d’autres OP ont un besoin semblable au nôtre, on fait quoi ensuite?", [2]),  # told by its situation
    ("What if other public bodies have a similar need?", [2]),
    ("Que faire quand un actif existant pourrait répondre au besoin?", [1]),
    ("First, who signed the letter?", []),  # «first» names a step only beside «step»/«étape»
    ("Combien de projets compte le portefeuille?", []),
])
def test_the_steps_a_question_asks_about(question, steps):
    assert steps_named(question) == steps


def test_a_step_box_holds_the_steps_own_statements_in_the_decks_order():
    box = MCN.step_boxes[1]
    assert box[0].quote == "Étape 1" and box[2] == MCN.step_1 and box[-1] == MCN.step_1_contact
    assert [ref.quote for ref in box[3:7]] == ["Solution d’affaires gouvernementale", "Fondation numérique",
                                               "Actif partagé", "Actif dupliqué"]
