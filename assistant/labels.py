"""The user-facing labels and fixed sentences that answers, exports, notices and the web app's panels share, French
and English side by side.

Code asks for a label by key and language; no other module spells a level, a kind, a verdict or a notice. The web
page's own French chrome (tab titles, placeholders, the field names of the record view) lives in its tab module.
"""

import re
from typing import Literal, get_args

Language = Literal["fr", "en"]
Kind = Literal["asset", "project", "program"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Reason = Literal["wrong_asset", "missing_asset", "wrong_level", "wrong_source", "other"]
Generator = Literal["extractive", "openai", "ollama", "llamacpp"]
Band = Literal["fits", "may_fit", "unlikely"]  # how well a record fits, shown as words (fit.py measures the bands)
GENERATORS: tuple[Generator, ...] = get_args(Generator)

LEVEL_LABELS: dict[Language, dict[int, str]] = {
    "fr": {1: "Actif dupliqué", 2: "Actif partagé", 3: "Fondation numérique gouvernementale",
           4: "Solution d’affaires gouvernementale"},
    "en": {1: "Duplicated asset", 2: "Shared asset", 3: "Government digital foundation",
           4: "Government business solution"},
}

# What settles each level when a need's wording does not (deck pp. 4-5, in a manager's words): who runs it, for whom.
LEVEL_FACTS: dict[Language, dict[int, str]] = {
    "fr": {1: "chaque organisme exploiterait et paierait sa propre version",
           2: "un organisme l’exploiterait pour quelques autres, par entente",
           3: "ce serait une brique offerte à tout le gouvernement pour bâtir des solutions",
           4: "ce serait une solution d’affaires complète, offerte à tous par un organisme désigné"},
    "en": {1: "each body would run and pay for its own copy",
           2: "one body would run it for a few others, under an agreement",
           3: "it would be a building block offered to the whole government to build solutions on",
           4: "it would be a complete business solution, offered to all by a designated body"},
}

KIND_LABELS: dict[Language, dict[Kind, str]] = {
    "fr": {"asset": "actif en service", "project": "projet", "program": "programme"},
    "en": {"asset": "asset in service", "project": "project", "program": "program"},
}

REASON_LABELS: dict[Reason, str] = {
    "wrong_asset": "Mauvais actif", "missing_asset": "Actif manquant", "wrong_level": "Mauvais niveau",
    "wrong_source": "Source erronée ou manquante", "other": "Autre",
}


def level_label(level: int | None, language: Language = "fr") -> str | None:
    return LEVEL_LABELS[language].get(level) if level else None


# The statuses the portfolio gives, in English; any other status is shown as its record words it.
_STATUSES_EN = ((re.compile(r"^projet prioritaire (\d{4}-\d{4})$"), "priority project {0}"),
                (re.compile(r"^nouveau au [Pp]ortefeuille (\d{4}-\d{4})$"), "new in the {0} portfolio"))


def status_label(status: str, language: Language = "fr") -> str:
    """A record's status in the answer's language."""
    if language == "en":
        for pattern, english in _STATUSES_EN:
            if found := pattern.match(status):
                return english.format(*found.groups())
    return status


def kind_label(kind: Kind, language: Language = "fr", capitalized: bool = False) -> str:
    label = KIND_LABELS[language][kind]
    return label[:1].upper() + label[1:] if capitalized else label


def display_name(name: str, acronym: str | None) -> str:
    """How an asset is named to a user: «Service d’authentification gouvernementale (SAG)»."""
    return f"{name} ({acronym})" if acronym else name


# --- The answer (assistant.compose) ----------------------------------------------------------------------

ANSWER_TEXT: dict[Language, dict[str, str]] = {
    "fr": {
        "existing_asset": "**Un actif existant répond probablement à votre besoin : {name}.**",
        "similar_initiative": "**Aucun actif en service ne répond exactement, mais une initiative semblable existe : "
                              "{name}.**",
        "no_match": "**Aucun actif du catalogue ne répond à ce besoin.** Le processus passe donc à l’étape 2 : "
                    "vérifier si d’autres organismes ont un besoin ou une initiative semblable {cite}.",
        "understood": "_Compris : « {before} », précisé par « {now} »._",
        "also": "Le {kind} « {name} » {cite} y répond aussi ; l’étape 1 du processus cherche d’abord un actif "
                "existant {step_1}.",
        "assets": "Actifs et initiatives",
        "closest": "Les plus proches, sans correspondance sûre",
        "covers": "Couvre {words} de votre besoin : « {quote} » {cite}",
        "does": "Ce qu’il fait : « {quote} » {cite}",
        "updated": "fiche mise à jour le {value}",
        "contact_fact": "contact : {value}",
        "contact": "Coordonnées : {contact} {cite}.",
        "level": "Niveau de mutualisation suggéré",
        "steps": "Prochaines étapes",
        "owner": "organisme responsable : {owner}",
        "owner_unknown": "organisme responsable : non nommé dans les sources",
        "level_of": "niveau {level} – {label}",
        "status": "statut : {value}",
        "fit": "pertinence estimée : {fit}",
        "level_asset": "« {name} » est classé au niveau {level} – {label} {cite}. Au niveau {level}, selon le MCN : "
                       "{criteria}.",
        "level_need": "Aucun actif en service ne fixe le niveau ; d’après la formulation de votre besoin, {evidence}. "
                      "Ces critères sont ceux du niveau {level} – {label} {cite}.",
        "level_evidence": "« {phrase} » renvoie au critère « {quote} » {cite}",
        "level_likely": "Niveau probable, à confirmer : votre besoin ne reprend pas les critères mot pour mot, mais il "
                        "est formulé comme les besoins du niveau {level} – {label}, qui s’applique si {fact} {cite}. "
                        "{aeg}",
        "level_none": "Les sources ne permettent pas de fixer le niveau : il dépend de qui opère l’actif et pour "
                      "combien d’organismes. Ce qui le fixera : {settling}. {aeg}",
        "level_open": "Votre besoin ne fixe pas le niveau à lui seul : {evidence}. Ce qui le fixera : {settling}. "
                      "{aeg}",
        "level_if": "si {fact}, niveau {level} – {label} {cite}",
        "aeg": "L’équipe de l’AEG accompagne l’organisme pour identifier le niveau applicable {cite}.",
        "step_check": "Étape 1 : vérifier que « {name} » comble le besoin, en tout ou en partie {cite}.",
        "step_contact_owner": "Communiquer avec l’organisme responsable de « {name} » : {owner} {cite}.",
        "step_contact_unknown": "Communiquer avec l’organisme responsable de « {name} » ; les sources ne le nomment "
                                "pas, le MCN peut l’indiquer {cite}.",
        "step_similar": "Étape 2 : vérifier avec l’organisme responsable de « {name} » ({owner}) si l’initiative "
                        "peut être mise en commun avec votre besoin {cite}.",
        "step_none_found": "Étape 1 : aucun actif existant du catalogue ne comble ce besoin {cite}.",
        "step_others": "Étape 2 : vérifier si d’autres organismes publics ont des besoins similaires ou une "
                       "initiative similaire {cite}.",
        "step_level": "Si oui, identifier le niveau de mutualisation applicable avec l’accompagnement de l’équipe "
                      "de l’AEG {cite}.",
        "its_owner": "son organisme responsable",
        "from_sources": "D’après les sources :",
        "passage": "« {quote} » {cite} ({title}, {where})",
        "example": "Exemple d’actif de ce niveau donné par le MCN : « {quote} » {cite} ({title}, {where})",
        "page": "p. {page}",
        "record": "fiche du catalogue",
        "nothing": "Je n’ai trouvé dans les sources aucun passage qui réponde à cette question. Reformulez-la, ou "
                   "décrivez votre besoin pour chercher un actif existant.",
        "no_level": "Sans objet : la question ne décrit pas un besoin.",
    },
    "en": {
        "existing_asset": "**An existing asset probably meets your need: {name}.**",
        "similar_initiative": "**No asset in service meets it exactly, but a similar initiative exists: {name}.**",
        "no_match": "**Nothing in the catalogue meets this need.** The process therefore moves to step 2: check "
                    "whether other public bodies have a similar need or initiative {cite}.",
        "understood": "_Understood: “{before}”, refined by “{now}”._",
        "also": "The {kind} “{name}” {cite} meets it as well; step 1 of the process looks first for an existing "
                "asset {step_1}.",
        "assets": "Assets and initiatives",
        "closest": "The closest, with no sure match",
        "covers": "Covers {words} of your need: « {quote} » {cite}",
        "does": "What it does: « {quote} » {cite}",
        "updated": "record updated on {value}",
        "contact_fact": "contact: {value}",
        "contact": "Contact: {contact} {cite}.",
        "level": "Suggested mutualisation level",
        "steps": "Next steps",
        "owner": "responsible body: {owner}",
        "owner_unknown": "responsible body: not named in the sources",
        "level_of": "level {level} – {label}",
        "status": "status: {value}",
        "fit": "estimated fit: {fit}",
        "level_asset": "“{name}” is classified at level {level} – {label} {cite}. At level {level}, according to the "
                       "MCN: {criteria}.",
        "level_need": "No asset in service sets the level; from the wording of your need, {evidence}. These are the "
                      "criteria of level {level} – {label} {cite}.",
        "level_evidence": "“{phrase}” points to the criterion « {quote} » {cite}",
        "level_likely": "Likely level, to be confirmed: your need does not use the criteria's words, but it is worded "
                        "like the needs of level {level} – {label}, which applies if {fact} {cite}. {aeg}",
        "level_none": "The sources do not settle the level: it depends on who operates the asset and for how many "
                      "bodies. What would settle it: {settling}. {aeg}",
        "level_open": "Your need does not settle the level on its own: {evidence}. What would settle it: {settling}. "
                      "{aeg}",
        "level_if": "if {fact}, level {level} – {label} {cite}",
        "aeg": "The AEG team helps the body identify the applicable level {cite}.",
        "step_check": "Step 1: check that “{name}” meets the need, in whole or in part {cite}.",
        "step_contact_owner": "Contact {owner}, responsible for “{name}” {cite}.",
        "step_contact_unknown": "Contact the body responsible for “{name}”; the sources do not name it, the MCN can "
                                "tell you {cite}.",
        "step_similar": "Step 2: check with {owner} whether “{name}” can be pooled with your need {cite}.",
        "step_none_found": "Step 1: no existing asset in the catalogue meets this need {cite}.",
        "step_others": "Step 2: check whether other public bodies have similar needs or a similar initiative "
                       "{cite}.",
        "step_level": "If so, identify the applicable mutualisation level, with the support of the AEG team {cite}.",
        "its_owner": "its responsible body",
        "from_sources": "From the sources:",
        "passage": "« {quote} » {cite} ({title}, {where})",
        "example": "An asset the MCN gives as an example of this level: « {quote} » {cite} ({title}, {where})",
        "page": "p. {page}",
        "record": "catalogue record",
        "nothing": "I found no passage in the sources that answers this question. Rephrase it, or describe your "
                   "need to look for an existing asset.",
        "no_level": "Not applicable: the question does not describe a need.",
    },
}


QUOTED: dict[Language, str] = {"fr": "« {} »", "en": "“{}”"}  # a user's own words, quoted

FIT_WORDS: dict[Language, dict[Band, str]] = {  # a fit shown as words, per band of fit.Calibration
    "fr": {"fits": "correspond", "may_fit": "pourrait correspondre", "unlikely": "peu probable"},
    "en": {"fits": "fits", "may_fit": "may fit", "unlikely": "unlikely"},
}


def fit_label(probability: float, band: Band, as_percent: bool, language: Language) -> str:
    """How a fit is shown: a percentage when the probabilities proved calibrated, else the band's words."""
    if as_percent:
        return f"{round(100 * probability)} %" if language == "fr" else f"{round(100 * probability)}%"
    return FIT_WORDS[language][band]


# --- Exports (assistant.export) -------------------------------------------------------------------------

EXPORT_TEXT: dict[Language, dict[str, str]] = {
    "fr": {"sources": "Sources :", "title": "Conversation avec l’assistant de mutualisation",
           "exported": "Exportée le"},
    "en": {"sources": "Sources:", "title": "Conversation with the mutualisation assistant", "exported": "Exported"},
}


# --- The web app's panels (assistant.web) ----------------------------------------------------------------

PANEL_TEXT: dict[Language, dict[str, str]] = {
    "fr": {"assets": "Actifs proposés", "no_assets": "Aucun actif du catalogue ne répond à ce besoin.",
           "no_assets_question": "Aucune fiche du catalogue n’est nommée dans cette réponse.",
           "level": "Niveau de mutualisation suggéré", "no_level": "Non déterminé par les sources",
           "owner": "Organisme responsable", "status": "Statut",
           "fit": "Pertinence estimée",
           "covers": "Couvre", "contact": "Contact", "verified": "Fiche mise à jour le", "sources": "Sources",
           "next_step": "Prochaine étape",
           "details": "Détails : chaque actif, les critères du niveau, les étapes et les passages cités",
           "unknown": "non précisé", "level_of": "Niveau", "basis_asset": "d’après le niveau de l’actif retenu",
           "basis_need": "d’après la formulation du besoin", "basis_none": "les sources ne tranchent pas"},
    "en": {"assets": "Suggested assets", "no_assets": "No catalogue asset meets this need.",
           "no_assets_question": "No catalogue record is named in this answer.",
           "level": "Suggested mutualisation level", "no_level": "Not settled by the sources",
           "owner": "Owner", "status": "Status", "fit": "Estimated fit",
           "covers": "Covers", "contact": "Contact", "next_step": "Next step",
           "details": "Details: each asset, the level's criteria, the steps and the quoted passages",
           "verified": "Record updated on", "sources": "Sources", "unknown": "not stated", "level_of": "Level",
           "basis_asset": "from the level of the chosen asset", "basis_need": "from the wording of the need",
           "basis_none": "the sources do not settle it"},
}


# --- Requests refused for their size (assistant.engine, the web app's guard) -------------------------------

REFUSALS: dict[Language, dict[str, str]] = {
    "fr": {"question": "la question est trop longue ({size} caractères; au plus {limit}) : résumez le besoin",
           "history": "la conversation compte trop de tours ({size}; au plus {limit}) : commencez-en une nouvelle",
           "turn": "un tour précédent de la conversation est trop long ({size} caractères; au plus {limit})",
           "request": "requête trop volumineuse ({size} octets; au plus {limit})"},
    "en": {"question": "the question is too long ({size} characters; at most {limit}): summarise the need",
           "history": "the conversation has too many turns ({size}; at most {limit}): start a new one",
           "turn": "an earlier turn of the conversation is too long ({size} characters; at most {limit})",
           "request": "request too large ({size} bytes; at most {limit})"},
}


def grouped(number: int, language: Language = "fr") -> str:
    """A count with its thousands grouped as the language writes them: «2 400», «2,400»."""
    return f"{number:,}".replace(",", " " if language == "fr" else ",")


def refusal(key: str, size: int, limit: int, language: Language = "fr") -> str:
    """The one line that says what was too big: «la question est trop longue (2 400 caractères; au plus 2 000)»."""
    return REFUSALS[language][key].format(size=grouped(size, language), limit=grouped(limit, language))


# --- Language-model answers (assistant.generate) ----------------------------------------------------------

NO_ANSWER: dict[Language, str] = {"fr": "Les sources fournies ne permettent pas de répondre à cette question.",
                                  "en": "The sources provided do not answer this question."}
GENERATOR_NOTICES: dict[Language, dict[str, str]] = {
    "fr": {"failed": "Réponse rédigée sans modèle de langue : le texte du modèle ne respectait pas les règles de "
                     "citation ({problems}).",
           "down": "Réponse rédigée sans modèle de langue : le modèle ne répond pas ({reason}).",
           "missing_extra": "Réponse rédigée sans modèle de langue : le générateur « {generator} » demande le "
                            "module optionnel [{extra}] ({install})."},
    "en": {"failed": "Answer written without the language model: its text broke the citation rules ({problems}).",
           "down": "Answer written without the language model: it is not responding ({reason}).",
           "missing_extra": "Answer written without the language model: the “{generator}” generator needs the "
                            "optional [{extra}] extra ({install})."},
}
