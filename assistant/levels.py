"""The suggested mutualisation level: which of the MCN's criteria a need's wording evokes, and the level they
point to; or the level of the record the verdict names.

Each criterion (quoted in `mcn.py`) has here the phrasings of a need that evoke it, so that a rationale can say
"your need says X, which is criterion Y [n]". Regular expressions over `text.match_form` (lower case, no accents).
"""

import re
from dataclasses import dataclass, field
from typing import Literal

from assistant.labels import LEVEL_LABELS
from assistant.mcn import Criterion, McnReference
from assistant.models import CatalogueRecord
from assistant.text import display_form, match_form

_FEW = r"(?:deux|trois|quatre|cinq|quelques|2|3|4|5)"
_FEW_EN = r"(?:two|three|four|five|a few|a handful of|2|3|4|5)"
_BODIES = r"(?:organismes?|ministeres?|ops?|bodies|agencies|ministries|departments|organi[sz]ations)"

CUES: dict[str, tuple[str, ...]] = {  # criterion key (mcn.py) -> the phrasings that evoke it (none for some)
    "several_needs": (), "evolves_for_each": (), "common_needs": (), "common_business_needs": (),
    "duplicated": (r"dupliqu\w*", r"duplicat\w*", r"(?:sa|leur|son) propre (?:copie|version|instance|exemplaire)",
                   r"(?:its|their) own (?:copy|version|instance)", r"custom\w* (?:it )?separately",
                   r"fai\w+ evoluer a (?:sa|leur) (?:guise|facon)", r"chacun (?:a|de) (?:sa|son) (?:guise|cote)"),
    "own_version": (r"(?:heberg|oper|install|ger)\w* (?:sa|leur|son) propre",
                    r"chacun (?:l')?(?:heberg|oper|install)\w*",
                    r"each (?:of them )?(?:runs|operates|hosts|installs)",
                    r"(?:installed|hosted|run) (?:\w+ )?separately",
                    r"(?:host|run|operate|install) (?:its|their) own"),
    "own_costs": (r"chacun (?:la |le |les )?(?:pai|pay|financ|assum)\w*",
                  r"(?:pai|pay|financ|assum)\w* (?:en )?(?:sa|son|ses|leurs?|les) (?:propres? )?"
                  r"(?:copie|instance|couts|frais)",
                  r"paid for\W+(?:\w+\W+){0,4}separately", r"each (?:of them )?pays"),
    "several_bodies": (rf"\b{_FEW} (?:autres )?{_BODIES}", rf"\b{_FEW_EN} (?:other )?{_BODIES}",
                       r"(?:partager|share) (?:une|la|one|a single|the same) (?:meme |seule )?"
                       r"(?:instance|solution|copy)"),
    "provider_runs": (r"l'un d'(?:eux|entre eux) (?:l')?(?:opererait|opere|hebergerait)", r"pour les (?:\w+ )?autres",
                      r"run by one of them", r"(?:for|on behalf of) the (?:\w+ )?others?\b",
                      r"one (?:of them|body|ministry|agency|department) (?:would )?(?:runs?|operates?|hosts?)"),
    "agreement": (r"\bentente\b", r"\bagreement\b", r"contrat de services?"),
    "foundation": (r"\bcomposant", r"\bbrique", r"reutilisable", r"\bintegrer\b", r"\bbranch\w+ (?:a|sur)",
                   r"(?:construire|batir) (?:leurs|des|nos) (?:solutions|services|systemes)",
                   r"\bcomponent", r"building block", r"reusable", r"plug (?:it )?in", r"\bintegrate",
                   r"used to build"),
    "whole_government": (r"tous les ministeres", r"toutes? les (?:solutions|organismes|ministeres)",
                         r"l'ensemble (?:du gouvernement|des ministeres|des organismes|de la communaute)",
                         r"(?:whole|entire) government", r"government-wide",
                         r"\bevery (?:department|ministry|agency|body)",
                         r"\ball (?:departments|ministries|agencies|public bodies)", r"any ministry"),
    "designated_provider": (r"fournisseur designe", r"designated (?:provider|supplier|body)"),
    "complete_solution": (r"\bcomplete\b", r"cle en main", r"turnkey", r"de bout en bout", r"end-to-end"),
}
MIN_CRITERIA = 2  # one phrase («entente», «agreement») is too little to classify a need


@dataclass
class CueMatch:
    criterion: Criterion
    phrases: list[str]


@dataclass
class LevelChoice:
    level: int | None
    basis: Literal["asset", "need", "none"]
    cues: list[CueMatch] = field(default_factory=list)
    record: CatalogueRecord | None = None


def find_cues(text: str, mcn: McnReference) -> list[CueMatch]:
    """The criteria a need's wording evokes, each with the phrases that evoke it."""
    folded = match_form(display_form(text))
    found = []
    for criterion in mcn.criteria:
        phrases = [m.group(0) for cue in CUES[criterion.key] if (m := re.search(cue, folded))]
        if phrases:
            found.append(CueMatch(criterion, phrases))
    return found


def level_from_cues(cues: list[CueMatch]) -> int | None:
    """The level whose criteria the need evokes most, if at least two of them; None when fewer are evoked
    or two levels tie."""
    votes = {level: 0 for level in LEVEL_LABELS["fr"]}
    for cue in cues:
        for level in cue.criterion.levels:
            votes[level] += 1
    best = max(votes.values())
    leaders = [level for level, count in votes.items() if count == best]
    return leaders[0] if best >= MIN_CRITERIA and len(leaders) == 1 else None


def choose_level(question: str, context: list[str], named: CatalogueRecord | None, mcn: McnReference) -> LevelChoice:
    """The suggested level. The record the verdict names gives its level when it states one; otherwise the need's
    own wording (the question first, then the earlier turns of the conversation) is read against the criteria.
    A record without a level (an imported one, say) never gets one invented."""
    if named and named.level:
        return LevelChoice(named.level, "asset", record=named)
    for text in (question, *reversed(context)):
        cues = find_cues(text, mcn)
        level = level_from_cues(cues)
        if level:
            return LevelChoice(level, "need", [cue for cue in cues if level in cue.criterion.levels])
    return LevelChoice(None, "none")


_LEVEL_NAMES = {  # how a question names a level: its number, or its label in either language (match_form)
    1: r"actifs? dupliques?|duplicated assets?",
    2: r"actifs? partages?|shared assets?",
    3: r"fondations? numeriques?|digital foundations?",
    4: r"solutions? d'affaires|business solutions?",
}


_ALL_LEVELS = re.compile(r"\b(?:quatre|four|4) (?:\w+ )?(?:niveaux|levels)\b|"
                         r"\bniveaux de (?:gradation|mutualisation)\b|\b(?:mutuali[sz]ation|pooling) levels\b")


def levels_named(question: str) -> list[int]:
    """The levels a question asks about: those it names («niveau 2», «level 3», «un actif partagé», «a digital
    foundation»), or all four when it asks about the levels as such («les quatre niveaux»)."""
    folded = match_form(display_form(question))
    if _ALL_LEVELS.search(folded):
        return [1, 2, 3, 4]
    numbers = {int(n) for n in re.findall(r"\b(?:niveau|level)s?\s+([1-4])\b", folded)}
    return sorted(numbers | {level for level, names in _LEVEL_NAMES.items() if re.search(rf"\b(?:{names})\b", folded)})


_STEP = re.compile(r"\b(?:etape|step)s? ([12])\b|\b(premiere|first)\b|\b(deuxieme|seconde?)\b")
_PROCESS = re.compile(r"\b(?:processus|process|demarches?|accompagn\w*|aeg)\b")
_STEP_SITUATIONS = {  # a step told by the situation it is for, not by its number
    1: re.compile(r"\b(?:un |an )?(?:actif|asset) (?:existant|deja en place)\b|\bexisting asset\b"),
    2: re.compile(r"\b(?:d'autres|other) (?:op|organismes?|ministeres?|(?:public )?bodies|ministries)\b.*"
                  r"\b(?:semblables?|similaires?|similar|pareils?|memes?|same)\b"),
}


def steps_named(question: str) -> list[int]:
    """The steps of the MCN's process a question asks about: those it names («l’étape 1», «the second step») or
    whose situation it describes («d’autres OP ont un besoin semblable»), or both when it asks about the process
    as such («qui nous accompagne dans la démarche?»)."""
    folded = match_form(display_form(question))
    named = {1 if first else 2 if second else int(number)
             for number, first, second in _STEP.findall(folded) if number or "etape" in folded or "step" in folded}
    named |= {step for step, situation in _STEP_SITUATIONS.items() if situation.search(folded)}
    return sorted(named) or ([1, 2] if _PROCESS.search(folded) else [])


def topic_of(text: str) -> str:
    """The need without the words that say how it would be shared: what is needed, not how it is pooled."""
    text = display_form(text)
    folded = match_form(text)
    for cue in (cue for cues in CUES.values() for cue in cues):
        for found in re.finditer(cue, folded):
            start, end = found.span()
            text = text[:start] + " " * (end - start) + text[end:]
    return display_form(text)
