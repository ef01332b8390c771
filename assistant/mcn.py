"""The MCN's policy as data: the four levels' criteria and the two-step process, each quoted word for word from
the orientation deck with its page, and the phrasings of a need that evoke each criterion.

Read by the decide stage (which criteria a need evokes) and by the compose stage (the quotes it cites).
"""

import re
from dataclasses import dataclass

from assistant.models import SourceRef

DECK = "corpus/documents/mcn-reponse-acces-DA2425-39-mutualisation.pdf"

@dataclass(frozen=True)
class Criterion:
    """One bullet of the MCN's definition of a level, and the phrasings of a need that evoke it."""

    levels: tuple[int, ...]
    source: SourceRef
    cues: tuple[str, ...] = ()  # regular expressions over lower-case text without accents

    def matches(self, folded_text: str) -> list[str]:
        return [m.group(0) for cue in self.cues if (m := re.search(cue, folded_text))]


def _deck(page: int, quote: str) -> SourceRef:
    return SourceRef(document=DECK, page=page, quote=quote)


_FEW = r"(?:deux|trois|quatre|cinq|quelques|2|3|4|5)"
_FEW_EN = r"(?:two|three|four|five|a few|a handful of|2|3|4|5)"
_BODIES = r"(?:organismes?|ministeres?|ops?|bodies|agencies|ministries|departments|organi[sz]ations)"

LEVEL_HEADINGS = {
    1: _deck(4, "Niveau 1 - Actif dupliqué dans certains organismes"),
    2: _deck(4, "Niveau 2 - Actif partagé entre organismes"),
    3: _deck(5, "Niveau 3 - Fondations numériques gouvernementales"),
    4: _deck(5, "Niveau 4 - Solution d’affaires gouvernementale"),
}

CRITERIA: tuple[Criterion, ...] = (
    Criterion((1,), _deck(4, "L’actif est dupliqué entre les organismes et chacune des instances évoluent selon les "
                             "besoins de chacun"),
              (r"dupliqu\w*", r"duplicat\w*", r"(?:sa|leur|son) propre (?:copie|version|instance|exemplaire)",
               r"(?:its|their) own (?:copy|version|instance)", r"custom\w* (?:it )?separately",
               r"fai\w+ evoluer a (?:sa|leur) (?:guise|facon)", r"chacun (?:a|de) (?:sa|son) (?:guise|cote)")),
    Criterion((1,), _deck(4, "Chaque organisme opère sa propre version de l’actif"),
              (r"(?:heberg|oper|install|ger)\w* (?:sa|leur|son) propre", r"chacun (?:l')?(?:heberg|oper|install)\w*",
               r"each (?:of them )?(?:runs|operates|hosts|installs)", r"(?:installed|hosted|run) (?:\w+ )?separately",
               r"(?:host|run|operate|install) (?:its|their) own")),
    Criterion((1,), _deck(4, "Chaque organisme gère les coûts reliés à son instance de l’actif"),
              (r"chacun (?:la |le |les )?(?:pai|pay|financ|assum)\w*",
               r"(?:pai|pay|financ|assum)\w* (?:en )?(?:sa|son|ses|leurs?|les) (?:propres? )?"
               r"(?:copie|instance|couts|frais)",
               r"paid for\W+(?:\w+\W+){0,4}separately",
               r"each (?:of them )?pays")),
    Criterion((2,), _deck(4, "L’actif est utilisé par un certain nombre d’organismes"),
              (rf"\b{_FEW} (?:autres )?{_BODIES}", rf"\b{_FEW_EN} (?:other )?{_BODIES}",
               r"(?:partager|share) (?:une|la|one|a single|the same) (?:meme |seule )?(?:instance|solution|copy)")),
    Criterion((2,), _deck(4, "L’opération et l’évolution de l’actif sont assurées par l’organisme qui en est le "
                             "fournisseur"),
              (r"l'un d'(?:eux|entre eux) (?:l')?(?:opererait|opere|hebergerait)", r"pour les (?:\w+ )?autres",
               r"run by one of them", r"(?:for|on behalf of) the (?:\w+ )?others?\b",
               r"one (?:of them|body|ministry|agency|department) (?:would )?(?:runs?|operates?|hosts?)")),
    Criterion((2,), _deck(4, "Une entente est établie entre l’organisme détenteur et les organismes utilisateurs "
                             "afin d’établir l’ensemble des modalités et le contrat de services"),
              (r"\bentente\b", r"\bagreement\b", r"contrat de services?")),
    Criterion((3,), _deck(5, "L’actif est une fondation numérique gouvernementale car il est utilisé pour "
                             "construire une solution d’affaires"),
              (r"\bcomposant", r"\bbrique", r"reutilisable", r"\bintegrer\b", r"\bbranch\w+ (?:a|sur)",
               r"(?:construire|batir) (?:leurs|des|nos) (?:solutions|services|systemes)",
               r"\bcomponent", r"building block", r"reusable", r"plug (?:it )?in", r"\bintegrate",
               r"used to build")),
    Criterion((3, 4), _deck(5, "L’actif est un service offert et devrait être utilisé par l’ensemble de la "
                               "communauté gouvernementale"),
              (r"tous les ministeres", r"toutes? les (?:solutions|organismes|ministeres)",
               r"l'ensemble (?:du gouvernement|des ministeres|des organismes|de la communaute)",
               r"(?:whole|entire) government", r"government-wide", r"\bevery (?:department|ministry|agency|body)",
               r"\ball (?:departments|ministries|agencies|public bodies)", r"any ministry")),
    Criterion((3, 4), _deck(5, "La réalisation, l’opération et l’évolution de l’actif sont assurées par l’organisme "
                               "désigné comme étant le fournisseur"),
              (r"fournisseur designe", r"designated (?:provider|supplier|body)")),
    Criterion((4,), _deck(5, "L’actif est une solution d’affaires complète"),
              (r"\bcomplete\b", r"cle en main", r"turnkey", r"de bout en bout", r"end-to-end")),
)

STEP_1 = _deck(7, "Évaluer si le besoin pourrait être comblé, en tout ou en partie par un actif existant")
STEP_1_CONTACT = _deck(7, "Si oui, entrer en contact avec l’OP responsable de l’actif")
STEP_2 = _deck(7, "Vérifier si d’autres OP ont, en tout ou en partie")
STEP_2_LEVEL = _deck(7, "Si oui, identifier le niveau de mutualisation applicable. L’équipe de l’AEG accompagne "
                        "l’OP dans ses démarches")
