"""Re-typeset the two source documents as PDFs from their published text.

The MCN documents reached us only as extracted text (see corpus/README.md). This script lays that text
out again, page by page following each document's own structure, so that ingestion reads real PDFs
through pypdf exactly as it will read any user's PDF.

    python corpus/make_documents.py [OUT_DIR]   # writes corpus/documents/*.pdf by default

Needs reportlab (installed by the `dev` extra). The output is byte-for-byte reproducible.
"""

import sys
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, Paragraph, Spacer, Table, TableStyle

OUT = Path(__file__).resolve().parent / "documents"
ACCESS_REPLY = "mcn-reponse-acces-DA2425-39-mutualisation.pdf"
PORTFOLIO = "mcn-portefeuille-projets-prioritaires-2025-2026.pdf"

# Bitstream Vera ships inside reportlab and covers French typography (’ « » œ …); embedded as TrueType,
# it carries the Unicode map that lets pypdf give the text back exactly.
pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
pdfmetrics.registerFont(TTFont("Vera-Bold", "VeraBd.ttf"))
pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="Vera-Bold", italic="Vera", boldItalic="Vera-Bold")

SLIDE = (10 * inch, 5.625 * inch)
NAVY = colors.HexColor("#1f3a6b")
PALE = colors.HexColor("#e8eef7")


def style(size: float, bold: bool = False, **kw) -> ParagraphStyle:
    return ParagraphStyle(
        "s", fontName="Vera-Bold" if bold else "Vera", bulletFontName="Vera", fontSize=size, leading=size * 1.25, **kw
    )


BODY = style(10.5, spaceAfter=7)
SMALL = style(9)
TITLE = style(20, bold=True, textColor=NAVY, spaceAfter=14)
BULLET = style(13, leftIndent=16, bulletIndent=2, spaceAfter=5)
BOX = style(12, bold=True, alignment=TA_CENTER, textColor=NAVY)


def fill(canvas: Canvas, flowables: list, x: float, y: float, width: float, height: float) -> None:
    """Place flowables in a frame; refuse silently truncated content."""
    frame = Frame(x, y, width, height, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    for flowable in flowables:
        if not frame.add(flowable, canvas):
            raise RuntimeError(f"content does not fit on page {canvas.getPageNumber()}: {flowable!r:.80}")


def boxed(canvas: Canvas, text: str, x: float, y: float, width: float, height: float, size: float = 12) -> None:
    canvas.setFillColor(PALE)
    canvas.setStrokeColor(NAVY)
    canvas.roundRect(x, y, width, height, 6, stroke=1, fill=1)
    paragraph = Paragraph(text, style(size, bold=True, alignment=TA_CENTER, textColor=NAVY))
    _, text_height = paragraph.wrap(width - 12, height)
    paragraph.drawOn(canvas, x + 6, y + (height - text_height) / 2)


def new_canvas(path: Path, title: str, subject: str) -> Canvas:
    canvas = Canvas(str(path), invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Ministère de la Cybersécurité et du Numérique (re-typeset from the published text)")
    canvas.setSubject(subject)
    canvas.setCreator("corpus/make_documents.py")
    return canvas


# --- Document 1: the access-to-information reply carrying the orientation deck -----------------------------

LETTER_PARAGRAPHS = [
    "Par la présente, nous donnons suite à votre demande reçue le 4 septembre 2024 visant à obtenir :",
    "« Les orientations émises dans le but d’accomplir la mutualisation des fondations numériques entre "
    "les organismes publics ».",
    "En réponse à votre demande, vous trouverez, ci-joint, le document détenu par le ministère de la "
    "Cybersécurité et du Numérique. De plus, nous vous invitons à consulter "
    '<a href="https://cdn-contenu.quebec.ca/cdn-contenu/adm/min/cybersecurite_numerique/Publications/'
    'Strategie_cybersecurite_numerique_2024-2028/Strategie_cybersecurite_numerique_2024-2028.pdf" '
    'color="#1f3a6b">l’axe 2 de la Stratégie gouvernementale de cybersécurité et du numérique 2024-2028</a>, '
    "et ce, en vertu de l’article 13 de la Loi sur l’accès aux documents des organismes publics et sur la "
    "protection des renseignements personnels (RLRQ, chapitre A-2.1, ci-après nommée « Loi sur l’accès »).",
    "Conformément à l’article 51 de la Loi sur l’accès, nous vous informons que vous pouvez demander la "
    "révision de cette décision auprès de la Commission d’accès à l’information dans les 30 jours suivant "
    "la date de la présente. À cet effet, vous trouverez, ci-joint, le texte des articles précités, ainsi "
    "qu’une note explicative concernant l’exercice de ce recours.",
    "Je vous prie d’agréer, , nos salutations distinguées.",
]


def access_letter(canvas: Canvas) -> None:
    canvas.setPageSize(letter)
    width, height = letter
    header = [
        Paragraph("Direction du Secrétariat général adjoint et de l’accès à l’information", style(10, bold=True)),
        Spacer(1, 6),
        Paragraph("900, place D’Youville, 3e étage<br/>Québec (Québec) G1R 3P7<br/>"
                  'Téléphone : 418 644-1500<br/><a href="mailto:acces@mcn.gouv.qc.ca">acces@mcn.gouv.qc.ca</a>',
                  SMALL),
    ]
    fill(canvas, header, width - 3.4 * inch, height - 2.2 * inch, 2.7 * inch, 1.5 * inch)
    body = [
        Paragraph("PAR COURRIEL", style(10.5, bold=True, spaceAfter=14)),
        Paragraph("Québec, le 3 octobre 2024", BODY),
        Paragraph("N/Réf. : DA2425-39", BODY),
        Paragraph("<b>Objet :</b> Votre demande en vertu de la Loi sur l’accès aux documents des organismes "
                  "publics et sur la protection des renseignements personnels (RLRQ, chapitre A-2.1)",
                  style(10.5, spaceAfter=14, leftIndent=42, firstLineIndent=-42)),
        *[Paragraph(text, BODY) for text in LETTER_PARAGRAPHS],
        Spacer(1, 8),
        Paragraph("La responsable de l’accès aux documents,", BODY),
        Spacer(1, 18),
        Paragraph("Isabelle Goulet", BODY),
    ]
    fill(canvas, body, 1 * inch, 0.9 * inch, width - 2 * inch, height - 3.4 * inch)
    canvas.showPage()


def slide(canvas: Canvas, title: str) -> tuple[float, float]:
    canvas.setPageSize(SLIDE)
    width, height = SLIDE
    canvas.setFillColor(NAVY)
    canvas.rect(0, height - 0.18 * inch, width, 0.18 * inch, stroke=0, fill=1)
    fill(canvas, [Paragraph(title, TITLE)], 0.5 * inch, height - 1.05 * inch, width - 1 * inch, 0.8 * inch)
    return width, height


def bullets(items: list[str], size: float = 13) -> list[Paragraph]:
    return [Paragraph(item, style(size, leftIndent=14, bulletIndent=0, spaceAfter=4), bulletText="•")
            for item in items]


def level_slide(canvas: Canvas, title: str, levels: list[tuple[str, list[str], list[str]]]) -> None:
    """A deck slide describing two levels, each with the MCN's example assets boxed beside it."""
    width, height = slide(canvas, title)
    example_style = style(11, bold=True, alignment=TA_CENTER, textColor=NAVY, spaceAfter=10)
    rows = [[[Paragraph(heading, style(12, bold=True, textColor=NAVY, spaceAfter=4)), *bullets(items, size=10.5)],
             [Paragraph(example, example_style) for example in examples]]
            for heading, items, examples in levels]
    table = Table(rows, colWidths=[6.7 * inch, 2.3 * inch])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
        ("BACKGROUND", (1, 0), (1, -1), PALE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
    ]))
    fill(canvas, [table], 0.5 * inch, 0.3 * inch, width - 1 * inch, height - 1.45 * inch)
    canvas.showPage()


def access_reply(path: Path) -> None:
    canvas = new_canvas(
        path,
        "Réponse à la demande d’accès DA2425-39 : orientations sur la mutualisation des actifs informationnels",
        "Ministère de la Cybersécurité et du Numérique, 3 octobre 2024",
    )
    access_letter(canvas)

    width, height = slide(canvas, "Qu’est-ce que la mutualisation")
    fill(canvas, bullets(["La mutualisation est une stratégie visant à favoriser la mise en commun de ressources, "
                          "d’expertises, d’activités et d’actifs en maximisant les avantages de la collaboration "
                          "et de la coopération des organismes publics."], size=16),
         0.7 * inch, 2.2 * inch, 8.6 * inch, 2.2 * inch)
    boxed(canvas, "Le présent document se concentre sur la mutualisation des actifs",
          2.5 * inch, 0.8 * inch, 5 * inch, 0.9 * inch, size=14)
    canvas.showPage()

    width, height = slide(canvas, "Gradation de la mutualisation des actifs informationnels")
    for i, (level, label) in enumerate([
        ("Niveau 1", "Actif dupliqué dans plusieurs organismes"),
        ("Niveau 2", "Actif partagé entre organismes"),
        ("Niveau 3", "Fondations numériques gouvernementales"),
        ("Niveau 4", "Solution d’affaires gouvernementale"),
    ]):
        x, y = 0.5 * inch + i * 2.3 * inch, 1.0 * inch + i * 0.45 * inch
        boxed(canvas, level, x, y + 1.1 * inch, 2.1 * inch, 0.5 * inch, size=14)
        fill(canvas, bullets([label], size=12), x + 0.1 * inch, y, 1.9 * inch, 1.0 * inch)
    boxed(canvas, "Services communs gouvernementaux", 5.1 * inch, 0.25 * inch, 4.4 * inch, 0.5 * inch, size=12)
    canvas.showPage()

    level_slide(
        canvas,
        "Niveaux de gradation de la mutualisation des actifs informationnels",
        [
            ("Niveau 1 - Actif dupliqué dans certains organismes", [
                "L’actif répond aux besoins de plus d’un organisme",
                "L’actif est dupliqué entre les organismes et chacune des instances évoluent selon les besoins "
                "de chacun",
                "Chaque organisme opère sa propre version de l’actif",
                "Chaque organisme gère les coûts reliés à son instance de l’actif",
            ], []),
            ("Niveau 2 - Actif partagé entre organismes", [
                "L’actif répond aux besoins de plus d’un organisme",
                "L’actif est utilisé par un certain nombre d’organismes",
                "L’actif évolue en tenant compte des besoins de chacun",
                "L’opération et l’évolution de l’actif sont assurées par l’organisme qui en est le fournisseur",
                "Une entente est établie entre l’organisme détenteur et les organismes utilisateurs afin "
                "d’établir l’ensemble des modalités et le contrat de services",
            ], ["Suivi des dossiers ministériels (SDM)",
                "Production des cartes d’assurance maladie et des permis de conduire"]),
        ],
    )

    level_slide(
        canvas,
        "Niveaux de gradation de la mutualisation des actifs informatiques",
        [
            ("Niveau 3 - Fondations numériques gouvernementales", [
                "L’actif répond à des besoins gouvernementaux communs",
                "L’actif est une fondation numérique gouvernementale car il est utilisé pour construire une "
                "solution d’affaires",
                "L’actif est un service offert et devrait être utilisé par l’ensemble de la communauté "
                "gouvernementale",
                "La réalisation, l’opération et l’évolution de l’actif sont assurées par l’organisme désigné "
                "comme étant le fournisseur",
            ], ["Service d’authentification gouvernementale (SAG)"]),
            ("Niveau 4 - Solution d’affaires gouvernementale", [
                "L’actif répond à des besoins d’affaires gouvernementaux communs",
                "L’actif est une solution d’affaires complète",
                "L’actif est un service offert et devrait être utilisé par l’ensemble de la communauté "
                "gouvernementale",
                "La réalisation, l’opération et l’évolution de l’actif sont assurés par l’organisme désigné "
                "comme étant le fournisseur",
                "…",
            ], ["Système électronique d’appel d’offres (SEAO)"]),
        ],
    )

    width, height = slide(canvas, "Processus de mutualisation")
    steps = ["Besoin d’une solution", "Identification des opportunités de mutualisation",
             "Analyse des opportunités de mutualisation", "Conception d’un actif mutualisé",
             "Opération d’un actif mutualisé", "Actif mutualisé"]
    box_width, gap = 1.35 * inch, 0.2 * inch
    for i, step in enumerate(steps):
        x = 0.45 * inch + i * (box_width + gap)
        boxed(canvas, step, x, 2.2 * inch, box_width, 1.1 * inch, size=9.5)
        if i < len(steps) - 1:
            canvas.setStrokeColor(NAVY)
            canvas.line(x + box_width + 0.03 * inch, 2.75 * inch, x + box_width + gap - 0.03 * inch, 2.75 * inch)
    canvas.showPage()

    width, height = slide(canvas, "Accompagnement de l’AEG")
    column = 4.3 * inch
    fill(canvas, [
        Paragraph("Étape 1", style(12, bold=True, textColor=NAVY)),
        Paragraph("Évaluer la possibilité d’utiliser un actif existant", style(14, bold=True, spaceAfter=8)),
        Paragraph("Évaluer si le besoin pourrait être comblé, en tout ou en partie par un actif existant :",
                  style(11, spaceAfter=3)),
        *bullets(["Solution d’affaires gouvernementale", "Fondation numérique", "Actif partagé", "Actif dupliqué"],
                 size=11),
        Paragraph("Si oui, entrer en contact avec l’OP responsable de l’actif", style(11, bold=True, spaceBefore=6)),
    ], 0.5 * inch, 0.4 * inch, column, height - 1.5 * inch)
    fill(canvas, [
        Paragraph("Étape 2", style(12, bold=True, textColor=NAVY)),
        Paragraph("Évaluer la possibilité de mutualiser", style(14, bold=True, spaceAfter=8)),
        Paragraph("Vérifier si d’autres OP ont, en tout ou en partie :", style(11, spaceAfter=3)),
        *bullets(["Des besoins similaires", "Une initiative similaire"], size=11),
        Paragraph("Si oui, identifier le niveau de mutualisation applicable. L’équipe de l’AEG accompagne l’OP "
                  "dans ses démarches", style(11, bold=True, spaceBefore=6)),
    ], 5.2 * inch, 0.4 * inch, column, height - 1.5 * inch)
    canvas.showPage()
    canvas.save()


# --- Document 2: the 2025-2026 portfolio of priority projects ------------------------------------------------

CONTEXT = [
    "En décembre 2023, la Loi sur la gouvernance et la gestion des ressources informationnelles des organismes "
    "publics et des entreprises du gouvernement a été modifiée afin de donner au ministre de la Cybersécurité et "
    "du Numérique la responsabilité de proposer annuellement au gouvernement un portefeuille de projets "
    "prioritaires en ressources informationnelles aligné sur les priorités gouvernementales en matière de "
    "transformation numérique.",
    "Le Portefeuille 2025-2026 est composé de 37 projets, répartis de la manière suivante :",
]
CONTEXT_ITEMS = [
    "8 projets et 5 programmes<super>1</super>, regroupant 18 projets visant à transformer les missions de l’État "
    "(tableau 1);",
    "3 projets et 2 programmes, regroupant 8 projets, visant à réaliser des fondations numériques "
    "gouvernementales (tableau 2).",
]

TABLE_1 = [
    ("Programme Lexius",
     "Programme de cinq projets, dont deux terminés. Le projet 1 : Dépôt des actes de procédure et des demandes "
     "(terminé en 2024). Le projet 5 : Assises applicatives et technologiques (terminé en 2023). Vise la gestion "
     "du dossier judiciaire numérique, des registres judiciaires et du dossier du juge par le biais de moyens "
     "technologiques et administratifs en simplifiant les démarches et en réduisant les délais de traitement.",
     "Ministère de la Justice du Québec"),
    ("Programme Dossier santé numérique (DSN)",
     "Programme de trois projets ainsi qu’un déploiement provincial. Vise le déploiement provincial d’une "
     "solution de dossier santé numérique (DSN) pour la majorité des 400 000 intervenants œuvrant dans tous les "
     "établissements du réseau de la santé et des services sociaux, quelle que soit la ou les missions au sein "
     "desquelles ils travaillent, voire aussi les personnes œuvrant dans le secteur de la santé et des services "
     "sociaux (SSSS). Les informations de santé des citoyens usagers colligées dans le DSN pourront être "
     "accessibles tant par les intervenants autorisés du RSSS, par les citoyens usagers, que par les "
     "intervenants autorisés des autres organisations du SSSS.",
     "Santé Québec"),
    ("Programme Campus numérique",
     "Programme de quatre projets. Vise à mutualiser au sein d’un portail l’offre de formation à distance au sein "
     "des collèges et des universités, favoriser l’expérience étudiante, donner accès à des ressources éducatives "
     "numériques pour soutenir les enseignants et l’apprentissage et favoriser la reconnaissance d’équivalences "
     "de cours entre les établissements.",
     "Ministère de l’Enseignement supérieur"),
    ("Programme Assise numérique commune des registres de l’État (ANCRÉ)",
     "Programme de cinq projets. Vise la dotation d’une solution de gestion de registres qui permettra au "
     "ministère de l’Emploi et de la Solidarité sociale de répondre aux objectifs de regroupement prévus à son "
     "plan stratégique.",
     "Ministère de l’Emploi et de la Solidarité sociale"),
    ("Programme Horizon (Modernisation du système de mission des Services correctionnels)",
     "Ce programme est maintenant composé de 4 projets. Le Projet 1 : Initial (terminé en 2024). Vise à répondre "
     "à certaines obligations dans le dossier des détenus, entre autres en tenant un dossier unique sur chacun. "
     "Permet d’avoir une solution centralisée des informations sur les détenus à la grandeur des établissements.",
     "Ministère de la Sécurité publique"),
    ("Accessibilité et équité<super>2</super>",
     "Vise l’offre d’un meilleur accès aux services de garde pour enfants en situation de précarité "
     "socioéconomique et enfants avec besoins particuliers. Offre une meilleure information aux parents et aux "
     "services de garde pour prise de décision. Permet d’avoir un meilleur encadrement des services de garde "
     "subventionnés et comblement équitable des places en conformité avec les orientations ministérielles (Loi "
     "sur les services de garde éducatifs à l’enfance, chapitre S 4.1.1).",
     "Ministère de la Famille"),
    ("Système de gestion des acquisitions gouvernementales",
     "Vise à intégrer toutes les phases de la gestion contractuelle pour les regroupements d’achats et les achats "
     "mandatés, avec nouveau portail d’approvisionnement.",
     "Centre d’acquisitions gouvernementales"),
    ("Plateforme gouvernementale de règlement de différends en ligne (PGRDL)",
     "Vise la mise en place d’un parcours simple, rapide et peu coûteux par lequel les citoyens auraient accès à "
     "de l’information et à des outils technologiques pour résoudre leurs différends au stade préjudiciaire. Vise "
     "à proposer un règlement des différends en ligne et ainsi obtenir une entente sans faire appel aux "
     "tribunaux.",
     "Société québécoise d’information juridique"),
    ("Francisation Québec",
     "Vise l’accessibilité et le développement de nouveaux services numériques, de même que de nouvelles "
     "fonctionnalités afin d’aiguiller la clientèle vers les cours de français.",
     "Ministère de l’Immigration, de la Francisation et de l’Intégration"),
    ("Gestion de la représentation – Volet privé",
     "Vise la facilitation des interactions entre la clientèle de la Représentation privée et le Curateur public "
     "à l’aide de services en ligne simplifiés.",
     "Curateur public"),
    ("Dépôt numérique fiable (DNF)",
     "Vise la révision des modes d’acquisition et de conservation des documents numériques afin d’assurer la "
     "sécurité, l’accès et la conservation à long terme des documents numériques.",
     "Bibliothèque et Archives nationales du Québec"),
    ("Système de gestion policière*",
     "Vise l’acquisition et l’implantation d’un système intégré de gestion policière qui porte notamment sur "
     "l’optimisation de la gestion et de l’analyse des opérations policières, la gestion des mesures d’urgence, "
     "les activités des policiers sur le territoire, la gestion des effectifs policiers de la Sûreté et le "
     "déploiement de la police de proximité.",
     "Sûreté du Québec"),
    ("Solution d’affaires supportant les programmes en assurance et protection du revenu*",
     "Vise à mieux servir la clientèle de la Financière agricole du Québec en lui offrant, en temps opportun, des "
     "produits et services adaptés à ses besoins et aux enjeux d’une agriculture en évolution au moyen de "
     "services numériques de bout en bout, supportés par une solution d’affaires moderne. A pour but de soutenir "
     "la révision du modèle d’affaires en assurance et de protection du revenu.",
     "La Financière agricole du Québec"),
]

TABLE_2 = [
    ("Programme Service québécois d’identité numérique (SQIN)<br/>"
     "Projet 1 : Accès bonifié aux prestations électroniques de services – Entreprises*<br/>"
     "Projet 2 : Accès bonifié aux prestations électroniques de services – Citoyens<br/>"
     "Projet 3 : Identité numérique citoyenne<br/>"
     "Projet 4 : Échanges sécuritaires de données<br/>"
     "Projet 5 : Représentation citoyenne",
     "Programme de cinq projets. Vise à mettre en place les fondations numériques nécessaires à la prise en "
     "charge des aspects liés aux prestations électroniques de services aux citoyens et aux entreprises, "
     "notamment l’authentification, la vérification d’identité, l’identité numérique et sa gestion unifiée au "
     "sein de l’appareil gouvernemental.",
     "Ministère de la Cybersécurité et du Numérique"),
    ("Modernisation des solutions offertes par l’infrastructure à clés publiques gouvernementale (ICPG)",
     "Vise la mise en disponibilité de mécanismes permettant à un individu, en son nom ou en tant que "
     "représentant, d’effectuer une signature dans un contexte numérique qui répond aux exigences légales selon "
     "le niveau d’assurance requis.<super>3</super>",
     "Ministère de la Justice du Québec"),
    ("Plateforme de développement moderne gouvernementale (PDM)",
     "Vise le soutien du développement de services numériques par les nouvelles approches de développement afin "
     "d’automatiser et de faciliter l’intégration et le déploiement en continu.",
     "Ministère de la Cybersécurité et du Numérique"),
    ("Programme de consolidation des centres de traitement informatique et de l’optimisation du traitement et du "
     "stockage (CCTI)",
     "Vise la réduction significative du nombre actuel de centres de traitement informatique des organismes "
     "publics identifiés dans le décret numéro 596-2020 du 10 juin 2020. Les charges peuvent être transférées "
     "vers les offres de services de nuages externes préalablement qualifiées par le Courtier en infonuagique, "
     "vers le nuage gouvernemental sous la gouverne du MCN ou vers les centres de traitement informatique du MCN.",
     "Ministère de la Cybersécurité et du Numérique"),
    ("Programme Service bureautique gouvernemental*<br/>"
     "Projet 1 : Portail libre-service avec dossier client 360o<br/>"
     "Projet 2 : Processus automatisés de livraison de services<br/>"
     "Projet 3 : Modernisation de l’offre de service bureautique et outils de migration",
     "Programme de trois projets. Vise la mise en place d’une fondation numérique ministérielle composée de "
     "solutions automatisées dotées de contrôles de cybersécurité adaptés. Le premier service qui sera intégré "
     "est celui de la gestion du poste de travail. La fondation numérique est conçue afin de pouvoir intégrer les "
     "autres services offerts par le MCN et devenir la porte d’entrée unique pour la clientèle. Le présent dossier "
     "s’inscrit dans la démarche du MCN de moderniser son offre de services en bureautique dans le but que celle "
     "ci soit plus intéressante et attractive pour les organismes publics.",
     "Ministère de la Cybersécurité et du Numérique"),
]

NOTES = [
    "1. Un programme de projets est considéré comme étant un seul projet qualifié, de sorte que l’organisme public "
    "doit obtenir l’autorisation nécessaire en appuyant sa demande d’un seul dossier d’opportunité comprenant "
    "l’ensemble des projets du programme et obtenir cette autorisation préalablement au début de la phase de "
    "planification. Spécifiquement, un programme est autorisé par le Conseil du trésor ou le gouvernement, selon "
    "l’autorité désignée aux Règles relatives à la gestion des projets en ressources informationnelles, et ce, en "
    "fonction d’une portée, d’un échéancier et d’un budget déterminés.",
    "2. Les deux projets du programme ont été fusionnés pour former un seul projet.",
    "3. Le projet était présenté l’année dernière sous le nom « Signature électronique » et était présenté "
    "conjointement avec le ministère de la Cybersécurité et du Numérique. En conformité à la décision du Conseil "
    "du trésor visant l’autorisation de réalisation de la phase d’exécution du projet, le ministère de la Justice "
    "du Québec est présenté comme le seul porteur du projet.",
    "* Il s’agit d’un nouveau projet ou programme intégré au Portefeuille.",
]

PORTFOLIO_TITLE = "Portefeuille 2025-2026 des projets prioritaires en ressources informationnelles"


def portfolio_table(canvas: Canvas, caption: str, heading: str, rows: list[tuple[str, str, str]]) -> None:
    """One table on one landscape page, in the largest type that fits."""
    canvas.setPageSize(landscape(letter))
    width, height = landscape(letter)
    for size in (9, 8.5, 8, 7.5, 7):
        cell, bold = style(size), style(size, bold=True)
        data = [[Paragraph(heading, bold), Paragraph("Description", bold),
                 Paragraph("Nom de l’organisme responsable", bold)]]
        data += [[Paragraph(name, bold), Paragraph(text, cell), Paragraph(owner, cell)] for name, text, owner in rows]
        table = Table(data, colWidths=[2.3 * inch, 5.6 * inch, 1.8 * inch], repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), PALE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        flowables = [Paragraph(caption, style(12, bold=True, textColor=NAVY, spaceAfter=8)), table]
        frame_height = height - 1.1 * inch
        needed = sum(f.wrap(width - 1.1 * inch, frame_height)[1] for f in flowables) + 8
        if needed <= frame_height:
            fill(canvas, flowables, 0.55 * inch, 0.55 * inch, width - 1.1 * inch, frame_height)
            canvas.showPage()
            return
    raise RuntimeError(f"{caption}: does not fit on one page")


def portfolio(path: Path) -> None:
    canvas = new_canvas(path, PORTFOLIO_TITLE, "Ministère de la Cybersécurité et du Numérique, 12 septembre 2025")
    canvas.setPageSize(letter)
    width, height = letter
    fill(canvas, [
        Paragraph(PORTFOLIO_TITLE, style(18, bold=True, textColor=NAVY, spaceAfter=18)),
        Paragraph("Contexte", style(14, bold=True, spaceAfter=8)),
        *[Paragraph(text, BODY) for text in CONTEXT],
        *[Paragraph(text, style(10.5, leftIndent=16, bulletIndent=4, spaceAfter=4), bulletText="-")
          for text in CONTEXT_ITEMS],
    ], 1 * inch, 1 * inch, width - 2 * inch, height - 2 * inch)
    canvas.showPage()

    portfolio_table(canvas, "Tableau 1 – Projets visant à transformer les missions de l’État",
                    "Projets visant à transformer les missions de l’État", TABLE_1)
    portfolio_table(canvas, "Tableau 2 – Projets visant à réaliser des fondations numériques gouvernementales",
                    "Projets visant à réaliser des fondations numériques gouvernementales", TABLE_2)

    canvas.setPageSize(letter)
    fill(canvas, [
        Paragraph("Note", style(14, bold=True, spaceAfter=8)),
        *[Paragraph(text, BODY) for text in NOTES],
        Spacer(1, 16),
        Paragraph("Dernière mise à jour : 12 septembre 2025", BODY),
    ], 1 * inch, 1 * inch, width - 2 * inch, height - 2 * inch)
    canvas.showPage()
    canvas.save()


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    access_reply(out / ACCESS_REPLY)
    portfolio(out / PORTFOLIO)
    print(f"wrote {out / ACCESS_REPLY}\nwrote {out / PORTFOLIO}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
