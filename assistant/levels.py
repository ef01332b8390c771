"""The suggested mutualisation level: which of the MCN's criteria a need's wording evokes, and the level they
point to; or the level of the record the verdict names.

Each criterion (quoted in `mcn.py`) has here the phrasings of a need that evoke it, so that a rationale can say
"your need says X, which is criterion Y [n]". Regular expressions over `text.match_form` (lower case, no accents).
"""

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel

from assistant.labels import LEVEL_LABELS
from assistant.mcn import Criterion, McnReference
from assistant.models import CatalogueRecord
from assistant.text import display_form, match_form

_FEW = r"(?:deux|trois|quatre|cinq|quelques|plusieurs|2|3|4|5)"
_FEW_EN = r"(?:two|three|four|five|a few|a handful of|several|2|3|4|5)"
_BODIES = r"(?:organismes?|ministeres?|ops?|bodies|agencies|ministries|departments|organi[sz]ations)"


def _within(first: str, then: str, words: int) -> str:
    """`first`, then `then` at most `words` words later (in one sentence). The words between are the `gap`: they
    may say what is needed («les systèmes de *facturation* appelleraient»), so `topic_of` keeps them."""
    return rf"{first}(?P<gap>(?:[^\w.;:?!]+\w+){{0,{words}}}?)[^\w.;:?!]+{then}"


_EACH = (r"(?:\bchacun\w*|\bchaque (?:organisme|orga|ministere|op|direction|equipe|entite|service)\w*|\btous deux|"
         r"\bseparately|"
         r"\beach (?:of (?:them|the|us)\b|(?:\w+ ){0,2}?(?:agenc|bod|ministr|department|office|region|partner|"
         r"organi[sz]ation|branch|directorate|unit|team|site|one)\w*))")
_OWN = r"(?:(?:sa|son|ses|leurs?|notre|nos) propres?|(?:its|their|our) own)"
_OURS_ALONE = r"(?:bien )?a (?:lui|elle|nous|eux|elles|soi)\b"  # «son install à lui», «notre instance à nous»
_RUNS = (r"\b(?:install|heberg|oper|exploit|entret|maint(?:ain|ient|iendr|enir|enance)|parametr|configur|deploy|host|"
         r"run|set up|sets up|customi[sz]|buy|achet|acquer|acquier|partirai)\w*")
_PAYS = r"(?:pai|pay|paid|financ|assum|absorb|cover|bear|defray)\w*"
_OURSELVES = (r"(?:ourselves|themselves|itself|independently|separately|nous-memes|eux-memes|lui-meme|"
              r"de (?:notre|son|leur) (?:bord|cote)|a (?:notre|sa|leur) (?:gout|facon|guise)|on (?:our|its|their) own|"
              r"a l'interne|in-house|locally|localement|chez (?:eux|lui|soi))")
_ALONE = rf"(?:{_OWN}|seul\w*|alone|by itself|de (?:son|leur) propre cote|{_OURSELVES})"
_COSTS = r"(?:couts?|frais|factures?|licences?|costs?|bills?|fees|licen[cs]es?)"
_SINGLE = r"(?:un seul|une seule|a single|one)"
_PROVIDER = (r"(?:organismes?|fournisseurs?|providers?|bod(?:y|ies)|agenc(?:y|ies)|ministr(?:y|ies)|ministeres?|"
             r"departments?|equipes?|teams?|unit(?:e|y)s?|organi[sz]ations?)")
_ONE_RUNS = r"(?:would )?(?:build|run|operat|develop|maint|realis|bati|oper|exploit|heberg|ferait tourner|roul|offr)\w*"
_RUN_BY = (r"(?:run|operated|built|managed|hosted|developed|offered|provided|maintained|opere|exploite|heberge|gere|"
           r"bati|realise|offert|fourni|maintenu|tenu a jour|tenu)e?s?")
_OTHERS_USE = r"(?:s'en serv\w*|l'utilis\w*|la consulter|le consulter|use it|using it)"
_OURS = r"(?:our|notre|nos|its|their|sa|son|ses|leur|leurs)"
_COPY = r"(?:copie|copy|version|instance|exemplaire|installation|install|clone|branch|branche)s?\b"
_OWN_COPY = r"(?:copie|copy|version|clone|branch|branche)s?\b"  # without «own», an instance may be the one others use
# What a thing is, told by its noun: a piece other systems use (a foundation) or a whole system staff use (a solution).
_PIECE = (r"(?:service|engine|moteur|module|component|composant|layer|couche|platform|plateforme|api|microservice|hub|"
          r"carrefour|gateway|passerelle|back-end|middleware|connect(?:eu|o)rs?)")
_WHOLE_SYSTEM = r"(?:system|application|app|solution|tool|portal|systeme|logiciel|outil|portail|progiciel)"
_ONE_OF = r"(?:same|one|single|un seul|une seule|le meme|la meme|common|central|centrale)"
_THEIR_NEEDS = r"(?:leurs|their) (?:besoins|needs|demandes|requests|requirements|exigences)"
_FOR_THEM = r"(?:pour eux|for them|au nom des autres|on (?:their|the others') behalf)"
_APPS = r"(?:systemes|applications|applis|solutions|systems|apps)"
_CALLS = r"(?:appel(?:er|l)|call|interrog|query|queri|transmet|send|submit|soumet)\w*"  # a system calling it
# Saying there is nothing to build is a cue in itself («sans rien bâtir», «refuse qu'on développe»), never a rejection.
_NOTHING_TO_BUILD = (r"(?:sans|without|refus\w* (?:qu'on|que nous|de|d')|pas question (?:qu'on|que nous|de|d')|"
                     r"no need to|rien a|nothing to)\s?(?:rien |any(?:thing)? |having to |avoir a |a )?"
                     r"(?:la |le |les |l')?"
                     r"(?:batir|bati|developp|construi|programm|integr|modifi|adapt|personnalis|build|develop|program|"
                     r"modify|customi[sz])\w*")
_KEEPS_RUNNING = (r"(?:continu\w*|garder\w*|keeps?|keeping|continues?|would still|resteri\w*|resterai\w*|demeureri\w*)"
                  r"(?:\W+\w+){0,3}?\W+(?:run|operat|evolv|maint|host|heberg|exploit|oper|assur|responsables?)\w*")

CUES: dict[str, tuple[str, ...]] = {  # criterion key (mcn.py) -> the phrasings that evoke it (none for some)
    "several_needs": (), "common_needs": (), "common_business_needs": (),
    "duplicated": (r"dupliqu\w*", r"duplicat\w*", r"\bfork\w*",
                   r"\b(?:clon|recopi|copier|copierait|copierions)\w*",
                   r"\b(?:take|get|make|prendr\w*|recev\w*|reçu\w*) (?:a |an |une |la |our |notre )?cop(?:y|ie)\b",
                   rf"\b{_OURS} (?:own |propres? ){_COPY}", rf"\b{_OURS} {_OWN_COPY}", r"\bdiverg\w*",
                   r"\b(?:la|le) sien(?:ne)?\b",
                   r"separate (?:instance|installation|copy|servers|contracts?)",
                   rf"{_OWN} (?:\w+ )?(?:copie|version|instance|exemplaire|copy)", r"custom\w* (?:it )?separately",
                   rf"\b{_OURS} {_COPY} {_OURS_ALONE}",
                   r"fai\w+ evoluer a (?:sa|leur) (?:guise|facon)", r"chacun (?:a|de) (?:sa|son) (?:guise|cote)",
                   _within(r"\bchacun\w*", r"a (?:sa|leur) (?:facon|guise|maniere)", 4),
                   r"selon (?:ses|leurs) (?:propres )?(?:methodes|regles|besoins|pratiques)",
                   r"(?:sets?|with) (?:its|their) own (?:rules|settings|configuration)", r"in (?:its|their) own way"),
    "own_version": (_within(_RUNS, rf"{_OWN}(?! (?:systems?|software|apps?|applications?|front|workflows|sites?|"
                                   rf"websites?|screens|logiciels|systemes))", 4),
                    _within(_EACH, _RUNS, 6), _within(_RUNS, _OURSELVES, 4), _within(_OURSELVES, _RUNS, 3),
                    r"\b(?:nos|our) (?:propres )?serveurs? a nous|on our own (?:servers|cloud|infrastructure)",
                    r"(?:installed|hosted|run) (?:\w+ )?separately", _within(_RUNS, r"chez (?:eux|lui|elle|soi)\b", 4)),
    "own_costs": (_within(_EACH, _PAYS, 12), _within(_PAYS, _ALONE, 4),
                  rf"\b(?:{_OWN}|sa|son|chacun\w* (?:sa|son)) (?:\w+ )?(?:licen[cs]es?|contrat|contract|budget)s?\b",
                  r"\b(?:to maintain and pay|a (?:entretenir|maintenir) (?:et|pis) a payer)\b",
                  rf"{_OWN} (?:\w+ )?{_COSTS}", r"paid for\W+(?:\w+\W+){0,4}separately", r"each (?:of them )?pays",
                  rf"(?:a meme|from|out of) {_OURS} (?:own |propre )?budget"),
    "several_bodies": (rf"\b{_FEW} (?:autres )?{_BODIES}", rf"\b{_FEW_EN} (?:other )?{_BODIES}",
                       rf"\b(?:one|un|une) (?:other|autre) {_PROVIDER}",
                       rf"\b(?:{_FEW}|{_FEW_EN}) (?:\w+ )?(?:partners|partenaires)\b",
                       r"\bpartner (?:agencies|bodies|ministries|organi[sz]ations)",
                       r"\b(?:organismes|ministeres|societes d'etat) partenaires",
                       r"\b(?:each|chaque) (?:partner|partenaire)", r"\bsister (?:agencies|bodies|ministries)",
                       r"(?:partager|share) (?:une|la|one|a single|the same) (?:meme |seule )?"
                       r"(?:instance|solution|copy)"),
    "evolves_for_each": (_within(r"(?:evolu|ajout|adapt|develop|add|improv|amelior)\w*",
                                 r"(?:besoins|demandes|requests|needs)\w* (?:de|of|from|par|by) (?:chacun|each|all)\w*",
                                 6),
                         r"(?:tenant compte|en fonction) des (?:besoins|demandes) de (?:chacun|tous)",
                         r"(?:demandee?s|requested|asked for) par chacun|(?:requested|asked for) by each",
                         _within(r"(?:evolu|adapt|tailor|ajust|adjust)\w*", rf"(?:a|to) {_THEIR_NEEDS}", 3),
                         rf"(?:tenant compte|en fonction|tiendr\w+ compte) de {_THEIR_NEEDS}",
                         rf"(?:take|taking|takes) {_THEIR_NEEDS} into account"),
    "provider_runs": (r"l'un d'(?:eux|entre eux) (?:l')?(?:opererait|opere|hebergerait)", r"pour les (?:\w+ )?autres",
                      r"run by one of them", r"(?:for|on behalf of) the (?:\w+ )?others?\b",
                      r"one (?:of them|body|ministry|agency|department) (?:would )?(?:runs?|operates?|hosts?)",
                      _within(_RUNS, rf"(?:pour|for) (?:les |the )?(?:{_FEW}|{_FEW_EN}) (?:autres |other )?{_BODIES}",
                              6),
                      _within(r"(?:let|allow|lets|allows|permettr)\w*",
                              rf"(?:other |autres )?{_BODIES} (?:to )?(?:use|utilis|s'en serv)", 4),
                      rf"(?:d'autres|other) {_BODIES}(?:\W+\w+){{0,8}}?\W+{_OTHERS_USE}",
                      r"continuer\w* (?:de |d')?(?:l')?(?:heberg|exploit|oper)\w*", r"\babonn\w*", r"\bsubscri\w*",
                      _KEEPS_RUNNING, r"\blog (?:in|on) (?:to )?(?:our|their|its)\b",
                      r"\bse connecter\w* (?:a|sur) (?:notre|nos|leur)\b",
                      r"\b(?:open|ouvri)\w* (?:des )?(?:accounts|comptes)",
                      r"\b(?:give|provide|grant|donner|donnerait|donnerions|donne)\w* (?:\w+ ){0,4}?acc(?:ess|es)\b",
                      r"\b(?:use|utiliser\w*|utiliseraient) (?:our|notre|nos) "
                      r"(?:instance|system|systeme|platform|plateforme)",
                      r"\bc'est nous qui\b", r"\bowner and operator\b", r"\b(?:as a|comme) client\b",
                      r"\ben marche\b", r"\b(?:le|la) notre\b", r"\bpasser\w* par (?:notre|nos)\b",
                      r"(?:hebergement|hosting) (?:would )?(?:rest|stay|remain|demeur)\w* (?:chez nous|with us)",
                      r"\bused by us and\b|\butilisee? par nous(?: et|,)",
                      _within(r"\b(?:operat|run|host|heberg|exploit|oper)\w*", _FOR_THEM, 2),
                      r"(?:l'utiliseraient|s'en serviraient) (?:aussi|egalement)",
                      r"would (?:also )?use it (?:too|as well)"),
    "agreement": (r"\bentente\b(?! de (?:paiement|confidentialite))",
                  r"(?<!licen[cs]e )\bagreements?\b", r"\bconventions?\b(?! collective)",
                  r"contrats? de services?", r"service contracts?", r"under (?:a|an) (?:\w+ )?contract",
                  r"service arrangements?", r"arrangements? de services?", r"\bcharge[- ]?backs?\b",
                  r"\b(?:refactur|rebill)\w*", r"\brecharg\w* (?:them|their|les|leur)\b", r"cost[- ]recovery",
                  r"au prorata", r"quote-part",
                  r"(?:their|leur) (?:share|part)\b", r"\bmou\b", r"memorandum", r"utilisateurs? payants?",
                  r"paying (?:user|client|customer)s?"),
    "foundation": (r"\bcomposant", r"\bbrique", r"reutilisable", r"\bintegrer\b", r"\bbranch\w+ (?:a|sur|dans)",
                   r"(?:construire|batir) (?:leurs|des|nos) (?:solutions|services|systemes)",
                   r"\bcomponent", r"building block", r"reusable", r"plug (?:it )?in",
                   r"\bplugg?\w* (?:dans|sur|a|in|into)\b",
                   r"\bweb ?services?\b|\bservices? web\b", r"\bintegrate\b(?! system)",
                   r"used to build", r"\bapi\b",
                   _within(r"\bintegr\w*", r"(?:dans|a|in|into) (?:leurs|ses|nos|their|its|our|any|every)\b", 3),
                   _within(_APPS, _CALLS, 8), _within(_CALLS, rf"{_APPS}\b", 4),
                   _within(r"sur (?:lequel|laquelle|lesquel\w+|quoi)",
                           r"(?:mont|bat|construi|develop|branch|appui|encod)\w*", 4),
                   _within(r"on (?:which|top of (?:it|which))", r"(?:build|develop|encod|plug|run)\w*", 4),
                   r"\bembed\w*", r"\by branch\w*",
                   r"(?:pourrai\w*|could|can) (?:\w+ ){0,2}?(?:appeler|call|interroger|query)\b",
                   r"\b(?:consum|consomm)\w* (?:\w+ ){0,3}?(?:services?|api|donnees|data)\b",
                   r"\bintegr\w* (?:a|dans|in|into) (?:leurs|ses|son|sa|their|its|own)\b",
                   r"\b(?:connect|hook|wire|plug)\w* (?:\w+ ){0,3}?(?:in|into|to|on)\b", r"\bexpos\w*",
                   r"\bon top of\b|\bpar-? ?dessus\b", r"\by (?:construi|bati|developp|mont)\w*",
                   _within(r"\b(?:deploy|deploie|deploier)\w*", r"(?:on it|dessus|y\b)", 4),
                   r"\by deploier\w*", r"\bpubli\w* (?:and|et) (?:consum|consomm)\w*",
                   r"(?:from|a partir de) (?:its|their|ses|leurs) (?:own |propres )?"
                   r"(?:systems|software|apps|applications|"
                   r"front ends|logiciels|systemes|interfaces)", _within(rf"\b{_ONE_OF}", rf"{_PIECE}\b", 4)),
    "whole_government": (r"(?:tous|toutes) les (?:solutions|organismes|ministeres)", r"pour l'ensemble\b(?! d)",
                         r"l'ensemble (?:du gouvernement|des ministeres|des organismes|de la communaute)",
                         r"tout (?:le gouv(?:ernement)?\b|l'appareil (?:public|gouvernemental|de l'etat))",
                         r"\b(?:tous|toutes) les \w+ du gouv(?:ernement)?\b",
                         r"(?:offr\w*|offerte?|offered|available|disponible) (?:a|to) (?:tous|toutes|all|everyone|"
                         r"everybody)\b",
                         r"pour tout le monde|for everyone|for all\b|(?:a|to) tout le monde\b",
                         r"(?:a l'echelle|at the scale) (?:du gouvernement|gouvernementale|of (?:the )?government)",
                         r"\b(?:un|une|le|la) (?:service|solution|plateforme|systeme|outil) (?:\w+ )?"
                         r"gouvernementale?\b",
                         r"\b(?:a|the|one) (?:common |shared |central )?government "
                         r"(?:service|solution|platform|system)\b",
                         r"(?:whole|entire) (?:government|public service|public sector)", r"government-wide",
                         r"(?:across|throughout) (?:the )?government",
                         r"\bevery (?:public )?(?:department|ministry|agency|body)",
                         r"any (?:public )?(?:department|ministry)",
                         r"\ball (?:the )?(?:departments|ministries|agencies|public bodies)",
                         r"n'importe quel (?:ministere|organisme)",
                         r"commune?s? (?:a|au|pour) (?:tout )?(?:le |l')?(?:gouv(?:ernement)?|etat)\b",
                         r"partout (?:au|dans le|dans l') ?(?:gouv(?:ernement)?|appareil|etat)\b|"
                         r"everywhere in (?:the )?government"),
    "designated_provider": (r"fournisseur designe", r"designated (?:provider|supplier|body)", r"\bdesignee?s?\b",
                            r"\bdesignated\b", _within(rf"{_SINGLE} (?:\w+ )?{_PROVIDER}", _ONE_RUNS, 4),
                            _within(_RUN_BY, rf"(?:by|par) {_SINGLE} (?:\w+ )?{_PROVIDER}\b", 6)),
    "complete_solution": (r"\bcomplete?s?\b", r"cles? en main", r"\btel(?:le)?s? quel(?:le)?s?\b",
                          r"\b(?:use[sd]?|using|take[ns]?|taking|adopt\w*|run) (?:it |them )?as[- ]is\b",
                          r"tout-en-un", r"all-in-one", r"turnkey",
                          r"de bout en bout", r"end[- ]to[- ]end", r"de a a z", r"du debut a la fin",
                          r"from start to finish", _within(r"\b(?:de|du|des)", r"jusqu'(?:a|au|aux)\b", 4),
                          _within(r"\b(?:full|entire|whole|finished|ready-made|tout le|toute la|toute l)",
                                  rf"{_WHOLE_SYSTEM}\b", 3), r"\b(?:toute faite|tout fait|ready-made)\b",
                          r"\b(?:onboard|enrol+|inscri\w*) (?:\w+ ){0,3}?(?:onto|into|in|on|dans|sur) "
                          r"(?:the|le|la|leur|its)\b",
                          _within(rf"\b{_WHOLE_SYSTEM}", r"(?:finie?|au complet|pret\w* a l'emploi)", 3),
                          r"ready to (?:use|go)|out of the box", _NOTHING_TO_BUILD,
                          r"\bdeja pret\w*|\bpret\w* a (?:utiliser|l'emploi)|\bready[- ]made\b",
                          r"\b(?:use|utiliser\w*|utiliseraient) (?:it |l' ?)?directly|utiliserai\w* directement",
                          _within(rf"\b{_ONE_OF}", rf"{_WHOLE_SYSTEM}\b", 5)),
}
MIN_CRITERIA = 2  # one phrase is too little to classify a need («plusieurs organismes», «un seul outil»)...
WHO_RUNS_IT = ("duplicated", "own_version", "own_costs", "provider_runs", "agreement")  # ...unless it says who runs it


LIKELY_AT_LEAST = 0.6  # the share a level's model must give it before it is suggested as likely (chosen on dev)


class LevelModel(BaseModel):
    """How needs nothing meets tend to be worded at each level (0: the wording settles none), from the need's
    embedding: one logistic model per level, fitted by `assistant calibrate` on the dev half's needs that nothing
    meets. Read only when the criteria's phrasings settle nothing."""

    mean: list[float]
    scale: list[float]
    weights: list[list[float]]  # per level 0-4
    biases: list[float]

    def shares(self, vector: np.ndarray) -> list[float]:
        """Each level's share (0: none), summing to 1."""
        standard = (np.asarray(vector) - np.asarray(self.mean)) / np.asarray(self.scale)
        scores = 1.0 / (1.0 + np.exp(-(np.asarray(self.weights) @ standard + np.asarray(self.biases))))
        return (scores / scores.sum()).tolist()


def likely_level(shares: list[float], still_open: list[int]) -> int | None:
    """The level the model gives at least `LIKELY_AT_LEAST` of the shares, if the cues left it open."""
    best = int(np.argmax(shares))
    return best if best in still_open and shares[best] >= LIKELY_AT_LEAST else None


@dataclass
class CueMatch:
    criterion: Criterion
    phrases: list[str]


@dataclass
class LevelChoice:
    level: int | None
    basis: Literal["asset", "need", "likely", "none"]
    cues: list[CueMatch] = field(default_factory=list)
    record: CatalogueRecord | None = None
    open_levels: list[int] = field(default_factory=list)  # with no level: those the facts still to learn decide


# What a need rejects («au lieu que chaque centre ait son système», «personne n’exploiterait…», «we don't want a
# tool of our own»): from the marker to the end of the clause, read as not said; «y aurait pas une…» asks.
_REJECTED = re.compile(rf"\b(?!{_NOTHING_TO_BUILD})(?:au lieu (?:de|d'|que|qu')|plutot que|plutot qu'|instead of|"
                       r"rather than|personne n[e']|sans|without|no one|nobody|(?:do|does|did|would)(?:n't| not)|"
                       r"ne \w+ pas|n'\w+ pas|not|(?<!\by a )(?<!\bya )(?<!aurait )pas (?:une?|de|d'|des)|pas question|"
                       r"hors de question|no way)\b[^.;:,!?]*")


def _without_rejected(folded: str) -> str:
    return _REJECTED.sub(lambda found: " " * len(found.group(0)), folded)


def find_cues(text: str, mcn: McnReference) -> list[CueMatch]:
    """The criteria a need's wording evokes, each with the phrases that evoke it, as the need writes them (never in
    what it rejects)."""
    shown = display_form(text)
    folded = _without_rejected(match_form(shown))  # character for character: a span in it is a span in `shown`
    found = []
    for criterion in mcn.criteria:
        phrases = [shown[m.start():m.end()] for cue in CUES[criterion.key] if (m := re.search(cue, folded))]
        if phrases:
            found.append(CueMatch(criterion, phrases))
    return found


def _leaders(cues: list[CueMatch]) -> tuple[list[int], int]:
    """The levels whose criteria the need evokes most, and how many of them it evokes (0: none at all)."""
    votes = {level: 0 for level in LEVEL_LABELS["fr"]}
    for cue in cues:
        for level in cue.criterion.levels:
            votes[level] += 1
    best = max(votes.values())
    return [level for level, count in votes.items() if count == best], best


def level_from_cues(cues: list[CueMatch]) -> int | None:
    """The level whose criteria the need evokes most, if at least two of them (or one that says who would run it
    and for whom: each body its own copy, or one body for others under an agreement); None when fewer are evoked
    or two levels tie."""
    leaders, best = _leaders(cues)
    settling = best >= MIN_CRITERIA or any(cue.criterion.key in WHO_RUNS_IT for cue in cues)
    return leaders[0] if best and settling and len(leaders) == 1 else None


def open_levels(cues: list[CueMatch]) -> list[int]:
    """With no level settled, the levels still in play: those that tie at the most criteria evoked (a
    government-wide service: a foundation or a complete solution?), or all four when the need evokes too little."""
    leaders, best = _leaders(cues)
    return leaders if best and len(leaders) > 1 else list(LEVEL_LABELS["fr"])


def choose_level(question: str, context: list[str], named: CatalogueRecord | None, mcn: McnReference,
                 shares: list[float] | None = None) -> LevelChoice:
    """The suggested level. The record the verdict names gives its level when it states one; otherwise the need's
    own wording (the question first, then the earlier turns of the conversation) is read against the criteria.
    When they settle nothing and nothing meets the need, the level that needs so worded have (`shares`, from
    `LevelModel`), if it is clear enough, as likely. A record without a level (an imported one, say) never gets
    one invented; with no level, the choice says which levels are still open and the cues that narrowed them."""
    if named and named.level:
        return LevelChoice(named.level, "asset", record=named)
    first_cues: list[CueMatch] = []  # of the first turn that evokes any criterion
    for text in (question, *reversed(context)):
        cues = find_cues(text, mcn)
        level = level_from_cues(cues)
        if level:
            return LevelChoice(level, "need", [cue for cue in cues if level in cue.criterion.levels])
        first_cues = first_cues or cues
    cues = first_cues
    still_open = open_levels(cues)
    likely = likely_level(shares, still_open) if shares and named is None else None
    if likely:
        return LevelChoice(likely, "likely")
    return LevelChoice(None, "none", [cue for cue in cues if set(cue.criterion.levels) & set(still_open)],
                       open_levels=still_open)


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


_POOLED = r"\b(?:commune?s?|common|shared|partagee?s?|mutualise\w*|pooled)\b"  # how, never what


def topic_of(text: str) -> str:
    """The need without the words that say how it would be shared: what is needed, not how it is pooled."""
    text = display_form(text)
    folded = match_form(text)
    for cue in (_POOLED, *(cue for cues in CUES.values() for cue in cues)):
        for found in re.finditer(cue, folded):
            start, end = found.span()
            kept = found.span("gap") if "gap" in found.re.groupindex and found.group("gap") else (end, end)
            for blank_start, blank_end in ((start, kept[0]), (kept[1], end)):
                text = text[:blank_start] + " " * (blank_end - blank_start) + text[blank_end:]
    return display_form(text)
