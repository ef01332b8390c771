"""Pages as their layout shapes them: lines placed by pypdf grouped into blocks, rows and columns; what a quoted
unit brings beside it (a row's cells, a heading's body, a footnote); on the shipped PDFs, read for real."""

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from assistant.layout import (
    Block,
    Fragment,
    Line,
    PageUnits,
    blocks_of,
    column_of,
    headed_by,
    lines_of,
    marked_by,
    notes_for,
    row_of,
)
from assistant.load import document_blocks, page_text
from assistant.text import announced, marks_in, note_mark, quote_on_page

REPO = Path(__file__).resolve().parents[1]
DECK = REPO / "corpus/documents/mcn-reponse-acces-DA2425-39-mutualisation.pdf"
PORTFOLIO = REPO / "corpus/documents/mcn-portefeuille-projets-prioritaires-2025-2026.pdf"


def document(path: Path) -> list[PageUnits]:
    return [PageUnits.of_blocks(path.name, n, blocks) for n, blocks in enumerate(document_blocks(path), start=1)]


# --- Pure grouping -----------------------------------------------------------------------------------------

def test_lines_keep_pypdfs_text_and_start_where_their_words_do():
    fragments = [Fragment("•", 43.0, 132.0, 10.0), Fragment(" Actif dupliqué dans\n", 57.0, 132.0, 12.0),
                 Fragment("plusieurs\norganismes\n", 57.0, 117.0, 12.0)]
    lines = lines_of(fragments)
    assert [line.text for line in lines] == ["• Actif dupliqué dans", "plusieurs", "organismes"]
    assert lines[0].x == 57.0 and lines[0].size == 12.0


def test_a_block_ends_at_a_gap_a_new_size_a_bullet_or_a_jump_back_up():
    lines = [Line("Titre de la page", 36, 700, 20), Line("Un paragraphe qui commence", 36, 650, 12),
             Line("et qui continue", 40, 636, 12),  # centred: a small shift keeps the block
             Line("• une puce", 36, 622, 12), Line("Autre paragraphe après un blanc", 36, 590, 12),
             Line("Cellule voisine, remontée", 200, 590, 12)]
    assert [block.text for block in blocks_of(lines)] == [
        "Titre de la page", "Un paragraphe qui commence\net qui continue", "• une puce",
        "Autre paragraphe après un blanc", "Cellule voisine, remontée"]


TABLE = [Block("Tableau 1 – Projets", 40, 560, 12), Block("Projets", 52, 539, 7), Block("Description", 218, 539, 7),
         Block("Programme A", 52, 515, 7), Block("Vise A.", 218, 515, 7), Block("Ministère A", 621, 515, 7),
         Block("Programme B", 52, 474, 7), Block("Vise B.", 218, 474, 7), Block("Ministère B", 621, 474, 7),
         Block("Note sous le tableau.", 52, 300, 12)]


def test_rows_columns_and_a_tables_title():
    assert row_of(TABLE, 4) == [3, 4, 5] and row_of(TABLE, 9) == [9]
    assert column_of(TABLE, 6) == [1, 3, 6] and column_of(TABLE, 9) == [9]
    assert headed_by(TABLE, 0) == list(range(1, 9))  # the title heads the table, up to a block as large
    assert headed_by(TABLE, 3) == [] and headed_by(TABLE, 9) == []


def test_footnote_marks_and_the_notes_they_point_to():
    assert marks_in("Accessibilité et équité2") == {"2"} and marks_in("Service gouvernemental*") == {"*"}
    assert marks_in("selon le niveau d’assurance requis.3") == {"3"}
    assert marks_in("version 1.5 du guide, en 2024") == set()
    assert note_mark("2. Les deux projets ont été fusionnés.") == "2" and note_mark("* Il s’agit d’un ajout.") == "*"
    assert note_mark("Le projet 2 est terminé.") is None


def test_a_comma_leads_to_the_next_unit_and_a_sentence_that_goes_on_is_brought():
    assert announced(["La responsable de l’accès aux documents,", "Isabelle Goulet"], 0) == [1]
    assert announced(["Voici le document.", "De plus, consultez la stratégie.", "Autre chose."], 0) == [1]
    assert announced(["Voici le document.", "Autre chose."], 0) == []


def test_notes_and_items_start_blocks_and_turned_lines_are_never_a_row():
    lines = [Line("1. Première note qui tient sur une ligne.", 72, 684, 10.5),
             Line("2. Deuxième note, juste en dessous.", 72, 671, 10.5),
             Line("* Troisième note.", 72, 658, 10.5),
             Line("Étiquette tournée", 30, 400, 9, upright=False), Line("sur deux lignes", 42, 400, 9, upright=False),
             Line("Cellule A", 100, 400, 9), Line("Cellule B", 200, 400, 9)]
    blocks = blocks_of(lines)
    assert [block.text for block in blocks] == [
        "1. Première note qui tient sur une ligne.", "2. Deuxième note, juste en dessous.", "* Troisième note.",
        "Étiquette tournée\nsur deux lignes", "Cellule A", "Cellule B"]
    assert row_of(blocks, 3) == [3] and row_of(blocks, 4) == [4, 5]


def test_a_note_is_the_first_after_its_mark_not_a_numbered_item_before_it():
    items = PageUnits.of_blocks("doc.pdf", 1, [Block("1. Recenser les besoins.", 72, 700, 10),
                                               Block("2. Choisir la solution.", 72, 680, 10)])
    table = PageUnits.of_blocks("doc.pdf", 2, [Block("Accessibilité et équité2", 52, 500, 7)])
    notes = PageUnits.of_blocks("doc.pdf", 3, [Block("1. Un programme compte pour un projet.", 72, 700, 10),
                                               Block("2. Les deux projets ont été fusionnés.", 72, 680, 10)])
    document = [items, table, notes]
    assert [(page.page, page.texts[at]) for page, at in notes_for(document, table, 0)] == [
        (3, "Les deux projets ont été fusionnés.")]
    assert notes_for(document, items, 0) == []  # an item carries no mark


def test_a_short_cell_is_held_only_as_a_whole_word():  # «Actif» is not held by «Actifs»
    page = PageUnits.of_blocks("doc.pdf", 1, [Block("Actif", 300, 500, 7), Block("Programme Actifs", 52, 500, 7)])
    assert page.held("Programme Actifs") == [1] and page.held("Programme Actifs Actif") == [0, 1]


def test_a_passage_holds_the_units_it_cuts_read_whole_on_the_page():
    page = PageUnits.of_blocks("doc.pdf", 1, [
        Block("Titre du document", 36, 700, 20),
        Block("La demande vise à obtenir les orientations émises pour la mise en commun\n"
              "des plateformes entre les organismes publics.", 36, 650, 12), Block("Fin de la page", 36, 500, 12)])
    chunk = "Titre du document\n\nLa demande vise à obtenir les orientations émises pour la mise en commun"
    assert page.held(chunk) == [0, 1] and page.held("un texte que la page ne contient plus") == []
    assert page.related(0) == [1, 2]  # a heading brings its body


# --- The shipped PDFs, read for real ---------------------------------------------------------------------------

def test_a_slides_boxes_are_units_of_their_own_and_the_page_text_keeps_its_letters():
    deck = document(DECK)
    assert deck[2].texts[:3] == ["Gradation de la mutualisation des actifs informationnels", "Niveau 1",
                                 "Actif dupliqué dans plusieurs organismes"]
    assert "Chaque organisme gère les coûts reliés à son instance de l’actif" in deck[3].texts
    assert "Suivi des dossiers ministériels (SDM)" in deck[3].texts
    pypdf_pages = PdfReader(DECK).pages
    for page in deck:
        text = page_text(DECK, page.page)
        assert all(quote_on_page(unit, text) for unit in page.texts)
        # pypdf's own text, letter for letter: only the spacing between blocks differs
        assert re.sub(r"\s+", "", text) == re.sub(r"\s+", "", pypdf_pages[page.page - 1].extract_text())


def test_a_table_row_keeps_its_cells_and_a_tables_title_lists_its_first_column():
    portfolio = document(PORTFOLIO)
    page = portfolio[2]
    name = page.texts.index("Modernisation des solutions offertes par l’infrastructure à clés publiques "
                            "gouvernementale (ICPG)")
    beside = [page.texts[index] for index in page.related(name)]
    assert beside[0].startswith("Vise la mise en disponibilité de mécanismes") and beside[-1] == (
        "Ministère de la Justice du Québec")
    title = page.texts.index("Tableau 2 – Projets visant à réaliser des fondations numériques gouvernementales")
    column = [page.texts[index] for index in page.list_of(title)]
    assert column[1:] == ["Programme Service québécois d’identité numérique (SQIN)",
                          "Modernisation des solutions offertes par l’infrastructure à clés publiques gouvernementale "
                          "(ICPG)", "Plateforme de développement moderne gouvernementale (PDM)",
                          column[4], "Programme Service bureautique gouvernemental*"]
    assert column[4].startswith("Programme de consolidation des centres de traitement informatique")


@pytest.mark.parametrize("marked, note", [
    ("Accessibilité et équité2", "Les deux projets du programme ont été fusionnés pour former un seul projet."),
    ("Système de gestion policière*", "* Il s’agit d’un nouveau projet ou programme intégré au Portefeuille."),
])
def test_a_footnote_mark_brings_its_note_from_another_page(marked, note):
    portfolio = document(PORTFOLIO)
    [(page, at)] = [(page, index) for page in portfolio for index, unit in enumerate(page.texts) if unit == marked]
    [(noted, first)] = notes_for(portfolio, page, at)
    assert noted.page == 4 and noted.texts[first] == note


def test_a_note_lists_every_unit_it_marks_and_a_long_note_comes_whole():
    portfolio = document(PORTFOLIO)
    notes = portfolio[3]
    star = next(index for index, unit in enumerate(notes.texts) if unit.startswith("* Il s’agit"))
    assert [(page.page, page.texts[at]) for page, at in marked_by(portfolio, notes.texts[star])] == [
        (2, "Système de gestion policière*"),
        (2, "Solution d’affaires supportant les programmes en assurance et protection du revenu*"),
        (3, "Projet 1 : Accès bonifié aux prestations électroniques de services – Entreprises*"),
        (3, "Programme Service bureautique gouvernemental*")]
    first = next(index for index, unit in enumerate(notes.texts) if unit.startswith("Un programme de projets"))
    assert any(notes.texts[index].startswith("Spécifiquement, un programme est autorisé par le Conseil du trésor")
               for index in notes.related(first))


def test_an_index_built_with_an_earlier_reading_of_pdfs_reads_them_again():
    from assistant.load import content_hash
    from assistant.text import sha256_hex

    data = DECK.read_bytes()
    assert content_hash(data, ".pdf") != sha256_hex(data)  # a PDF indexed before layout blocks counts as changed
    assert content_hash(b"id: x\n", ".yaml") == sha256_hex(b"id: x\n")  # records and text files do not
