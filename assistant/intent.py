"""What kind of turn a message is: a need to match against the catalogue or a question about the documents, and
whether it follows up the turn before.

A need or a question is told apart by a logistic model over the turn's embedding (`IntentModel`, fitted by
`assistant calibrate` on the labelled set's dev half: needs, follow-ups and document questions); the wording
rules of `is_need` serve only while no model is fitted."""

import re

import numpy as np
from pydantic import BaseModel

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
_FOLLOW_UP_START = re.compile(r"^(?:et|and|what if|et si|mais|but|ca|cela|this|that|it|c'est|et pour|and for)\b")


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


def is_follow_up(question: str) -> bool:
    """A turn that only makes sense with the one before: short, or opening on «et», «et si», «what if»…"""
    folded = match_form(display_form(question))
    return len(folded.split()) <= 6 or bool(_FOLLOW_UP_START.search(folded))


def conversation_context(question: str, history: list[str]) -> list[str]:
    """The earlier turns a question is read with: the last one, when the question follows it up."""
    turns = [turn for turn in history if turn.strip()]
    return turns[-1:] if turns and is_follow_up(question) else []


OWN_NEED_TERMS = 3  # distinctive terms from which a refining turn states a need of its own (chosen on dev follow-ups)


def need_text(question: str, context: list[str], distinctive_terms: int) -> str:
    """What a need is matched on: a turn that states a need of its own («Et pour grouper nos achats de papier
    avec d’autres ministères?») alone, one that only refines («Et pour les entreprises?») with the turn before.
    `distinctive_terms` counts the turn's uncommon words once the words of sharing are taken out."""
    return question if not context or distinctive_terms >= OWN_NEED_TERMS else " ".join([*context, question])
