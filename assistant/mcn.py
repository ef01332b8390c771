"""The MCN's policy as quotes: the four levels' headings, criteria and examples and the two-step process, each
word for word from the orientation deck with its page. The deck's place comes from the settings
(`Settings.mcn_deck`), so that every citation follows the documents folder when it moves.

Read by the level stage (which criteria a need evokes: `levels.py` holds the phrasings) and by the compose stage
(the quotes it cites).
"""

from dataclasses import dataclass

from assistant.models import SourceRef

DECK_FILE = "mcn-reponse-acces-DA2425-39-mutualisation.pdf"  # its default place: the documents folder

# (key, levels it defines, page, quote): every bullet of the MCN's definition of the levels (deck pp. 4-5), in the
# deck's order within each level's box; a bullet two boxes share, once per box (as the deck words it there)
_CRITERIA = (
    ("several_needs", (1, 2), 4, "L’actif répond aux besoins de plus d’un organisme"),
    ("duplicated", (1,), 4, "L’actif est dupliqué entre les organismes et chacune des instances évoluent selon les "
                            "besoins de chacun"),
    ("own_version", (1,), 4, "Chaque organisme opère sa propre version de l’actif"),
    ("own_costs", (1,), 4, "Chaque organisme gère les coûts reliés à son instance de l’actif"),
    ("several_bodies", (2,), 4, "L’actif est utilisé par un certain nombre d’organismes"),
    ("evolves_for_each", (2,), 4, "L’actif évolue en tenant compte des besoins de chacun"),
    ("provider_runs", (2,), 4, "L’opération et l’évolution de l’actif sont assurées par l’organisme qui en est le "
                               "fournisseur"),
    ("agreement", (2,), 4, "Une entente est établie entre l’organisme détenteur et les organismes utilisateurs "
                           "afin d’établir l’ensemble des modalités et le contrat de services"),
    ("common_needs", (3,), 5, "L’actif répond à des besoins gouvernementaux communs"),
    ("foundation", (3,), 5, "L’actif est une fondation numérique gouvernementale car il est utilisé pour "
                            "construire une solution d’affaires"),
    ("whole_government", (3,), 5, "L’actif est un service offert et devrait être utilisé par l’ensemble de la "
                                  "communauté gouvernementale"),
    ("designated_provider", (3,), 5, "La réalisation, l’opération et l’évolution de l’actif sont assurées par "
                                     "l’organisme désigné comme étant le fournisseur"),
    ("common_business_needs", (4,), 5, "L’actif répond à des besoins d’affaires gouvernementaux communs"),
    ("complete_solution", (4,), 5, "L’actif est une solution d’affaires complète"),
    ("whole_government", (4,), 5, "L’actif est un service offert et devrait être utilisé par l’ensemble de la "
                                  "communauté gouvernementale"),  # the deck repeats it in level 4's box
    ("designated_provider", (4,), 5, "La réalisation, l’opération et l’évolution de l’actif sont assurés par "
                                     "l’organisme désigné comme étant le fournisseur"),  # level 4's own wording
)
_HEADINGS = {
    1: (4, "Niveau 1 - Actif dupliqué dans certains organismes"),
    2: (4, "Niveau 2 - Actif partagé entre organismes"),
    3: (5, "Niveau 3 - Fondations numériques gouvernementales"),
    4: (5, "Niveau 4 - Solution d’affaires gouvernementale"),
}
_EXAMPLES = {  # the assets the deck gives as examples of a level, in the margin of its box
    2: (4, ("Suivi des dossiers ministériels (SDM)",
            "Production des cartes d’assurance maladie et des permis de conduire")),
    3: (5, ("Service d’authentification gouvernementale (SAG)",)),
    4: (5, ("Système électronique d’appel d’offres (SEAO)",)),
}
_STEPS = {  # the two-step process (deck p. 7)
    "step_1": "Évaluer si le besoin pourrait être comblé, en tout ou en partie par un actif existant",
    "step_1_contact": "Si oui, entrer en contact avec l’OP responsable de l’actif",
    "step_2": "Vérifier si d’autres OP ont, en tout ou en partie",
    "step_2_level": "Si oui, identifier le niveau de mutualisation applicable. L’équipe de l’AEG accompagne l’OP "
                    "dans ses démarches",
}
_STEPS_PAGE = 7
_PROCESS_HEADING = "Accompagnement de l’AEG"
_STEP_BOXES = {  # each step as the deck's page 7 sets it out, its own statements (_STEPS) in their place
    1: ("Étape 1", "Évaluer la possibilité d’utiliser un actif existant", "step_1",
        "Solution d’affaires gouvernementale", "Fondation numérique", "Actif partagé", "Actif dupliqué",
        "step_1_contact"),
    2: ("Étape 2", "Évaluer la possibilité de mutualiser", "step_2", "Des besoins similaires",
        "Une initiative similaire", "step_2_level"),
}


@dataclass(frozen=True)
class Criterion:
    """One bullet of the MCN's definition of a level."""

    key: str
    levels: tuple[int, ...]
    source: SourceRef


@dataclass(frozen=True)
class McnReference:
    """The deck's quotes, each pointing at the deck where the settings say it is."""

    deck: str
    criteria: tuple[Criterion, ...]
    headings: dict[int, SourceRef]
    step_1: SourceRef
    step_1_contact: SourceRef
    step_2: SourceRef
    step_2_level: SourceRef
    step_boxes: dict[int, list[SourceRef]]
    process_heading: SourceRef
    examples: dict[int, list[SourceRef]]

    def level_box(self, level: int) -> list[SourceRef]:
        """A level as the deck sets it out: its heading, then each of its criteria."""
        return [self.headings[level], *(c.source for c in self.criteria if level in c.levels)]

    @property
    def quotes(self) -> list[SourceRef]:
        return [*(c.source for c in self.criteria), *self.headings.values(), self.process_heading,
                *(ref for box in self.step_boxes.values() for ref in box),
                *(ref for refs in self.examples.values() for ref in refs)]


def mcn_reference(deck: str) -> McnReference:
    """The quotes of the deck found at `deck` (its path relative to the project root, as the index names it)."""
    def quote(page: int, text: str) -> SourceRef:
        return SourceRef(document=deck, page=page, quote=text)

    steps = {name: quote(_STEPS_PAGE, text) for name, text in _STEPS.items()}
    boxes = {step: [steps[line] if line in steps else quote(_STEPS_PAGE, line) for line in lines]
             for step, lines in _STEP_BOXES.items()}
    return McnReference(
        deck=deck,
        criteria=tuple(Criterion(key, levels, quote(page, text)) for key, levels, page, text in _CRITERIA),
        headings={level: quote(page, text) for level, (page, text) in _HEADINGS.items()},
        step_boxes=boxes, process_heading=quote(_STEPS_PAGE, _PROCESS_HEADING),
        examples={level: [quote(page, name) for name in names] for level, (page, names) in _EXAMPLES.items()},
        **steps,
    )
