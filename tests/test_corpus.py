"""The shipped corpus: PDFs match their generator, and every fact of every curated record is on its page."""

import importlib.util

from conftest import REPO

from assistant.catalogue import read_catalogue
from assistant.load import page_text
from assistant.text import quote_on_page

PORTFOLIO = "corpus/documents/mcn-portefeuille-projets-prioritaires-2025-2026.pdf"
DECK = "corpus/documents/mcn-reponse-acces-DA2425-39-mutualisation.pdf"


def curated_records():
    records, errors = read_catalogue(REPO / "corpus" / "catalogue", REPO)
    assert not errors, [str(e) for e in errors]
    return records


def test_committed_pdfs_are_what_the_script_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_documents", REPO / "corpus" / "make_documents.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for made in tmp_path.glob("*.pdf"):
        assert made.read_bytes() == (REPO / "corpus" / "documents" / made.name).read_bytes(), made.name


def test_every_quote_of_every_record_is_on_the_page_it_cites():
    checked = 0
    for record in curated_records():
        for ref in record.sources + record.level_sources:
            assert quote_on_page(ref.quote, page_text(REPO / ref.document, ref.page)), (record.id, ref)
            checked += 1
    assert checked > 100


def test_catalogue_covers_the_whole_portfolio_and_the_deck_examples():
    records = curated_records()

    def cited_on(document, page):
        return {r.id: r for r in records if any(s.document == document and s.page == page for s in r.sources)}

    table_1, table_2 = cited_on(PORTFOLIO, 2), cited_on(PORTFOLIO, 3)
    assert sorted(r.kind for r in table_1.values()) == ["program"] * 5 + ["project"] * 8
    assert sorted(r.kind for r in table_2.values()) == ["program"] * 2 + ["project"] * 3
    assert all(r.owner for r in (table_1 | table_2).values())
    assert {r.level for r in table_2.values()} == {3}
    assert {r.level for r in table_1.values()} == {None}
    assert len(next(r for r in table_2.values() if r.acronym == "SQIN").sub_projects) == 5

    examples = {r.acronym or r.id: r.level for r in (cited_on(DECK, 4) | cited_on(DECK, 5)).values()
                if r.kind == "asset"}
    assert examples == {"SDM": 2, "production-cartes-assurance-maladie-permis-conduire": 2, "SAG": 3, "SEAO": 4}
