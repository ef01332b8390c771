"""What kind of turn a message is: a need to match against the catalogue or a question about the documents, and
whether it follows up the turn before.

A need or a question is told apart by a logistic model over the turn's embedding (`IntentModel`, fitted by
`assistant calibrate` on the labelled set's dev half: needs, follow-ups and document questions); the wording
rules of `is_need` serve only while no model is fitted."""

import re
from collections.abc import Callable
from functools import cache

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS
from pydantic import BaseModel

from assistant.lexical import analyze, loose_forms
from assistant.text import display_form, match_form

_QUESTION_START = re.compile(
    r"^(?:combien|quel(?:le)?s?|qui|quand|comment|pourquoi|ou|que|qu'est-ce|c'est (?:quoi|quel\w*)|"
    r"dans quel\w*|de quand|vers quoi|au niveau|selon|d'apres|si aucun|"
    r"what|which|who|whom|when|how|why|where|according)\b")
# Someone asking for a solution: in the first person, or with the words of a request.
_NEED_MARKERS = re.compile(
    r"(?<!-)\b(?:on|nous|notre|nos|je|we|our|us|i)\b|\bj'|\bbesoin d|\bcherch\w*|\bfaudrait|existe-t-il|y a-t-il|"
    r"y a tu|ya tu|est-ce qu'il (?:y a|existe)|\bis there|\bare there|\bwhere can|\bou peut-on|\blooking for")
# A question whose answer is several things: the items of a list, the rows of a table.
_SEVERAL = re.compile(r"\b(?:quel(?:le)?s|lesquel(?:le)?s|what are|which are|which \w+s|list|name the|enumer\w*)\b")
# A question whose answer is a date.
_WHEN = re.compile(r"^(?:quand|de quand|depuis quand|when|since when|what date)\b|\b(?:a quelle date|quelle date|"
                   r"date de|on what date|dated?)\b")
# A turn that says it leaves the need before («Autre chose :», «Unrelated, …», «Also, …»).
_NEW_TOPIC = re.compile(r"^\W*(?:autre (?:chose|affaire|sujet|question)|nouve(?:lle question|au sujet)|"
                        r"changement de sujet|unrelated|separate(?:ly)?|"
                        r"(?:another|new|other|different) (?:thing|topic|question)|"
                        r"on another note|by the way|(?:also|aussi|sinon|otherwise)\s*[,:])")
# A turn that says it goes on with the same need, whatever else it adds («Same thing, but…», «Pareil, mais…»).
_SAME_NEED = re.compile(r"\b(?:same thing|the same|same need|la meme chose|meme chose|pareil|la meme affaire|"
                        r"meme besoin|same here|plus precisement|pour preciser|je precise|"
                        r"more (?:precisely|specifically)|to be (?:more )?(?:precise|specific))\b")
# A turn that goes on with the need before, by a word that points back to it («ça supporte-tu…», «s'en servir»,
# «it must…», «does that…») or that holds it against what it adds («par contre», «though», «what about…»). Not «aussi»
# nor «also»: «Il nous faut aussi un outil de sondage» adds a need of its own.
_GOES_ON = re.compile(r"\b(?:quand meme|par contre|toutefois|cependant|still|though|however|(?:what|how) about|s'en|it|"
                      r"(?:does|is|would|will|can|could) (?:that|this)|"
                      r"(?:ca|cela) (?:change|supporte|marche|fonctionne|couvre|existe|s'applique|vaut|peut|permet|"
                      r"inclut|comprend|convient|reste|rentre|entre|concerne|sert)\w*|la-? ?dedans|"
                      r"\bl'?(?:utilis|adopt|install|exploit)\w*|(?:ce|cet|cette) (?:systeme|outil|service|solution|"
                      r"plateforme|programme|produit)s?(?:-la)?)\b")
# A turn that puts something in place of the need before («Et si c'était plutôt…», «En fait, c'est pour…»,
# «What if it's only…», «Actually, it's for…»).
_INSTEAD = re.compile(r"\b(?:plutot|rather|instead|what if|et si|en fait|au fond|finalement|actually|in fact)\b")
# A turn that corrects what was said: what it meant follows the marker («oups, pas l’authentification : je parlais de
# la gestion des postes», «Sorry, I meant business cards»); what comes before is what it takes back.
_CORRECTION = re.compile(r"\b(?:je (?:voulais|veux) dire|je parlais (?:de|d'|du|des)|ce que je (?:veux|voulais) dire|"
                         r"je me suis mal exprimee?|(?:what )?i meant|i mean|scratch that|let me rephrase|"
                         r"je reformule|correction)\b\W*")


class IntentModel(BaseModel):
    """«This turn describes a need» (else it asks about the documents), from the turn's embedding."""

    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float

    def need_probability(self, vector: np.ndarray) -> float:
        standard = (np.asarray(vector) - np.asarray(self.mean)) / np.asarray(self.scale)
        return float(1.0 / (1.0 + np.exp(-(standard @ np.asarray(self.weights) + self.bias))))


def is_need(question: str) -> bool:
    """By its wording alone: a need to match against the catalogue, or a question about the documents
    ("combien…", "who…"). What the engine uses while no `IntentModel` is fitted."""
    folded = match_form(display_form(question))
    return bool(_NEED_MARKERS.search(folded)) or not _QUESTION_START.search(folded)


def asks_for_several(question: str) -> bool:
    """«Quels sont les programmes…», «Par quelles phases…», «What are the levels…»: the answer is a list."""
    return bool(_SEVERAL.search(match_form(display_form(question))))


def asks_when(question: str) -> bool:
    """«Quand…», «De quand date…», «When…»: the answer is a date."""
    return bool(_WHEN.search(match_form(display_form(question))))


OWN_NEED_TERMS = 4  # new terms from which a refining turn states a need of its own (chosen on dev follow-ups)
# Words that carry the conversation, not the need («plutôt», «en fait», «idéalement», «too», «instead», «un outil»),
# beside the English function words that the index's own French-first analysis keeps («our», «just», «what»).
_CONVERSATION_WORDS = (*STOPWORDS_EN_PLUS, "plutot", "fait", "finalement", "idealement", "ok", "pis", "genre",
                       "aussi", "meme", "chose", "precise", "si", "ca", "cest", "also", "instead", "rather", "ideally",
                       "thing", "could", "would", "one", "ones", "else", "us", "actually",
                       # French function words that the index's stop words leave in
                       "leurs", "quand", "lorsque", "quelques", "quelque", "comme", "tout", "tous", "toute", "toutes",
                       "chaque", "autre", "autres", "parle", "parlons", "cela", "ceux", "celles", "dont", "donc",
                       "alors", "ainsi", "ici", "tres", "plus", "moins", "peu", "beaucoup", "encore", "toujours",
                       # what any asset is called, which names no need of its own
                       "outil", "outils", "systeme", "systemes", "solution", "logiciel", "application", "plateforme",
                       "tool", "tools", "system", "systems", "software", "platform", "use", "uses", "utiliser",
                       "utilise", "utilisent", "want", "veut", "voudrait", "voudrions", "already", "deja")


@cache
def _conversation_terms() -> frozenset[str]:
    return frozenset(analyze(" ".join(_CONVERSATION_WORDS)))


def new_terms(turn_terms: set[str], context: list[str]) -> set[str]:
    """The terms a turn adds to the conversation: not in the earlier turns, not words of conversation."""
    said = loose_forms(set(analyze(" ".join(context))) | _conversation_terms())
    return {term for term in turn_terms if not term.isdigit() and not loose_forms({term}) & said}


AddedTerms = Callable[[str, list[str]], int]  # how many uncommon terms a turn adds to earlier turns (`new_terms`)


def meant(turn: str) -> str:
    """What a turn says is needed: after its correction marker, when it corrects the turn before; the turn itself
    otherwise."""
    folded = match_form(display_form(turn))  # character for character, so a position in it is one in the turn
    found = _CORRECTION.search(folded)
    return display_form(turn)[found.end():] if found and found.end() < len(folded) else turn


def puts_in_place(turn: str) -> bool:
    """Whether a turn puts something in place of the need before («Et si c'était plutôt…», «Actually, it's for…»,
    «je voulais dire…»), rather than saying it is the same need («Pareil, mais…»)."""
    return _puts_in_place(match_form(display_form(turn)))


def _puts_in_place(folded: str) -> bool:
    return bool(_INSTEAD.search(folded) or _CORRECTION.search(folded)) and not _SAME_NEED.search(folded)


def refines(turn: str, added_terms: int, a_need_alone: bool = True) -> bool:
    """Whether a turn is read with the one before it: it says it goes on with the same need («Same thing, but…»),
    it points back to it or adds to it without putting something in its place («It must keep our data in Québec,
    though», «pis ça supporte-tu les applis mobiles?», but not «Actually, it's for…»), it adds fewer uncommon
    terms than a need of its own has (`added_terms`, words of sharing out), or, alone, it would not be a need at
    all (`a_need_alone`: «Et pour les entreprises, quand un employé signe au nom de sa compagnie?», «Is that
    already running?»); never when it says it changes the subject («Autre chose :»)."""
    folded = match_form(display_form(turn))
    if _NEW_TOPIC.search(folded):
        return False
    goes_on = bool(_GOES_ON.search(folded)) and not _puts_in_place(folded)
    return bool(_SAME_NEED.search(folded)) or goes_on or added_terms < OWN_NEED_TERMS or not a_need_alone


def conversation_context(question: str, history: list[str], added_terms: AddedTerms,
                         a_need_alone: Callable[[str], bool] = lambda turn: True) -> list[str]:
    """The earlier turns a question is read with: the turn it refines, the one that turn refined, and so on («On
    parle de 2000 demandes par année» between a need and «Et nos inspecteurs?»). `a_need_alone` says whether a turn
    reads as a need on its own wording (`IntentModel`)."""
    earlier = [turn for turn in history if turn.strip()]
    context: list[str] = []
    turn = question
    while earlier and refines(turn, added_terms(turn, earlier[-1:]), a_need_alone(turn)):
        turn = earlier.pop()
        context.insert(0, turn)
    return context


def need_text(question: str, context: list[str], added_terms: int) -> str:
    """What a need is matched on: a turn with no context, alone; one that refines («Et pour les entreprises?»,
    «And for our mobile apps too?») with the turns it refines; one that adds no term of its own («On ne veut pas notre
    propre copie», «Pareil») is the earlier need again, its words of sharing read for the level only."""
    if not context:
        return question
    return " ".join(context) if added_terms == 0 else " ".join([*context, question])
