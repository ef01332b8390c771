"""Unit tests of the small parts behind the web app: quote location, page rendering, feedback store,
catalogue filter, conversation export, HTML helpers and login settings. No server, no browser."""

import base64
import csv
import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageChops
from pydantic import ValidationError
from pypdf import PdfReader

from assistant.catalogue import filter_records, read_catalogue, read_record
from assistant.export import answer_with_sources, citation_line, conversation_markdown
from assistant.feedback import (
    CSV_COLUMNS,
    Feedback,
    FeedbackError,
    FeedbackStore,
    export_csv,
    spreadsheet_safe,
)
from assistant.labels import status_label
from assistant.load import LoadError, page_text
from assistant.models import Answer, AssetResult, Citation, SuggestedLevel
from assistant.pages import render_page, to_pixels
from assistant.settings import Settings
from assistant.text import identifier_form, locate, quote_on_page
from assistant.web.guard import file_request_allowed, strip_external_references
from assistant.web.render import (
    asset_cards,
    citation_choices,
    contact_link,
    decision_markdown,
    export_link,
    html_text,
    markdown_text,
    record_html,
    safe_url,
)

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = REPO / "corpus" / "documents"
ACCESS_REPLY = DOCUMENTS / "mcn-reponse-acces-DA2425-39-mutualisation.pdf"
PORTFOLIO = DOCUMENTS / "mcn-portefeuille-projets-prioritaires-2025-2026.pdf"
HOSTILE_RECORD = REPO / "tests" / "data" / "web" / "fiche-piege.yaml"

RECORDS, RECORD_ERRORS = read_catalogue(REPO / "corpus" / "catalogue", REPO)
BY_ID = {record.id: record for record in RECORDS}


def make_answer(**changes) -> Answer:
    """A plausible French answer to a need, with two assets and two citations; fields overridable."""
    fields = dict(
        question="Nous voulons publier nos appels d’offres en ligne",
        language="fr",
        intent="need",
        verdict="existing_asset",
        answer="**Un actif existant répond probablement à votre besoin : SEAO.** [1]",
        existing_asset_found=True,
        assets=[
            AssetResult(id="seao", name="Système électronique d’appel d’offres", acronym="SEAO",
                        owner="Centre d’acquisitions gouvernementales", kind="asset", level=4,
                        level_label="Solution d'affaires gouvernementale", status="En service", score=0.87,
                        citations=[1, 2]),
            AssetResult(id="pgrdl", name="Plateforme de gestion", kind="project", score=0.31),
        ],
        suggested_level=SuggestedLevel(level=4, label="Solution d'affaires gouvernementale", basis="asset",
                                       rationale="Le SEAO est classé au niveau 4 [2]."),
        next_steps=["Vérifier que le SEAO comble le besoin [1].", "Communiquer avec le CAG [1]."],
        citations=[
            Citation(n=1, source="corpus/documents/reponse.pdf", title="Réponse d’accès", page=5,
                     record_id="seao", quote="Système électronique d’appel d’offres (SEAO)"),
            Citation(n=2, source="corpus/catalogue/seao.yaml", title="Fiche SEAO", page=None,
                     quote="Niveau 4 - Solution d’affaires gouvernementale"),
        ],
        seconds=1.5,
    )
    fields.update(changes)
    return Answer(**fields)


class _Attributes(HTMLParser):
    """Every tag and attribute value of an HTML fragment, and its text as a browser would show it."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.text = ""
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]

    def handle_data(self, data):
        self.text += data


# ---- assistant/text.py: locate -------------------------------------------------------------------------

def test_locate_spans_a_quote_broken_across_a_crlf_line_break():
    text = "Le ministère de la Cybersécurité\r\net  du Numérique publie la liste."
    span = locate("Cybersécurité et du Numérique", text)
    assert span is not None
    assert text[span[0]:span[1]] == "Cybersécurité\r\net  du Numérique"


def test_locate_ignores_case_and_surrounding_whitespace():
    text = "  Voir la SECTION Trois pour le détail.  "
    start, end = locate("  section trois ", text)
    assert text[start:end] == "SECTION Trois"


def test_locate_matches_a_ligature_of_the_page_with_plain_letters_and_back():
    page = "Chaque ﬁche du catalogue"
    start, end = locate("fiche du", page)
    assert page[start:end] == "ﬁche du"
    plain = "une fiche complète"
    start, end = locate("ﬁche", plain)
    assert plain[start:end] == "fiche"


def test_locate_treats_typographic_and_straight_apostrophes_alike():
    text = "Sommaire. L’actif répond aux besoins de plus d’un organisme."
    start, end = locate("L'actif répond aux besoins de plus d'un organisme", text)
    assert text[start:end] == "L’actif répond aux besoins de plus d’un organisme"


def test_locate_treats_guillemets_and_dashes_as_straight_quotes_and_hyphens():
    text = "Il est écrit « Niveau 4 – Solution » en titre."
    start, end = locate('"Niveau 4 - Solution"', text)
    assert text[start:end] == "« Niveau 4 – Solution »"


def test_locate_returns_the_first_occurrence():
    text = "abc, puis encore abc"
    assert locate("ABC", text) == (0, 3)


@pytest.mark.parametrize("quote", ["", "   \n ", "un passage absent", "Numérique publie la listes"])
def test_locate_returns_none_for_an_empty_or_absent_quote(quote):
    assert locate(quote, "Le ministère du Numérique publie la liste.") is None


def test_locate_finds_a_precomposed_quote_in_a_decomposed_text_layer():
    """A text layer may spell 'é' as 'e' + U+0301 (combining acute); quote_on_page accepts such a quote, so the
    highlight must find it too, its span including the accent."""
    text = "un cafe\u0301 noir"
    assert quote_on_page("café", text)
    span = locate("café", text)
    assert span is not None
    assert text[span[0]:span[1]] == "cafe\u0301"


# ---- assistant/pages.py --------------------------------------------------------------------------------

def test_to_pixels_flips_the_vertical_axis_and_scales():
    # A box 100 pt wide, from 20 to 70 pt above the bottom of an 800 pt page, drawn at 2 px per point.
    assert to_pixels((10.0, 20.0, 110.0, 70.0), page_height=800.0, scale=2.0) == (20.0, 1460.0, 220.0, 1560.0)


def test_to_pixels_puts_the_top_of_the_page_at_row_zero():
    left, top, right, bottom = to_pixels((0.0, 700.0, 50.0, 792.0), page_height=792.0, scale=1.5)
    assert (left, top, right) == (0.0, 0.0, 75.0)
    assert bottom == pytest.approx(138.0)


def pdf_page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


def seao_name_source():
    """A real quote with its page, taken from the catalogue (the SEAO record's first source)."""
    source = BY_ID["seao"].sources[0]
    return REPO / source.document, source.page, source.quote


def test_render_page_highlights_a_quote_that_is_on_the_page():
    path, page, quote = seao_name_source()
    image = render_page(path, page, quote)
    assert image.png.startswith(b"\x89PNG")
    assert image.highlighted
    assert image.boxes
    assert image.page == page
    assert image.pages == pdf_page_count(path)
    png = Image.open(io.BytesIO(image.png))
    assert png.size == (image.width, image.height)
    for left, top, right, bottom in image.boxes:
        assert 0 <= left < right <= image.width
        assert 0 <= top < bottom <= image.height


def test_render_page_does_not_highlight_a_quote_from_another_page():
    path, page, quote = seao_name_source()
    assert page != 1 and not quote_on_page(quote, page_text(path, 1))
    image = render_page(path, 1, quote)
    assert image.png.startswith(b"\x89PNG")
    assert not image.highlighted
    assert image.boxes == []


def test_render_page_does_not_highlight_an_invented_quote_or_no_quote():
    invented = render_page(PORTFOLIO, 1, "Le ministère adopte une licorne comme mascotte officielle")
    bare = render_page(PORTFOLIO, 1, None)
    assert (invented.highlighted, invented.boxes) == (False, [])
    assert (bare.highlighted, bare.boxes) == (False, [])
    assert bare.pages == pdf_page_count(PORTFOLIO)


def test_render_page_changes_pixels_only_around_the_highlighted_boxes():
    path, page, quote = seao_name_source()
    plain = Image.open(io.BytesIO(render_page(path, page, None).png)).convert("RGB")
    highlighted_page = render_page(path, page, quote)
    marked = Image.open(io.BytesIO(highlighted_page.png)).convert("RGB")
    assert plain.size == marked.size

    left, top, right, bottom = (round(v) for v in highlighted_page.boxes[0])
    inside = ImageChops.difference(plain.crop((left, top, right, bottom)), marked.crop((left, top, right, bottom)))
    assert inside.getbbox() is not None, "no pixel changed inside the first highlighted box"

    # Nothing changed outside the boxes (plus the outline drawn 2 px around them).
    changed = ImageChops.difference(plain, marked).getbbox()
    margin = 5
    assert changed[0] >= min(b[0] for b in highlighted_page.boxes) - margin
    assert changed[1] >= min(b[1] for b in highlighted_page.boxes) - margin
    assert changed[2] <= max(b[2] for b in highlighted_page.boxes) + margin
    assert changed[3] <= max(b[3] for b in highlighted_page.boxes) + margin


@pytest.mark.parametrize("page", [0, -1, "after_last"])
def test_render_page_refuses_a_page_out_of_range(page):
    number = pdf_page_count(ACCESS_REPLY) + 1 if page == "after_last" else page
    with pytest.raises(LoadError, match="page"):
        render_page(ACCESS_REPLY, number, None)


def test_render_page_refuses_a_missing_file(tmp_path):
    with pytest.raises(LoadError) as raised:
        render_page(tmp_path / "absent.pdf", 1, None)
    assert "absent.pdf" in str(raised.value)


def test_render_page_refuses_a_text_file_named_pdf(tmp_path):
    fake = tmp_path / "rapport.pdf"
    fake.write_text("Ceci est du texte brut, pas un PDF.\n", encoding="utf-8")
    with pytest.raises(LoadError) as raised:
        render_page(fake, 1, None)
    assert "rapport.pdf" in str(raised.value)


def _every_source():
    for record in RECORDS:
        refs = [*record.sources, *(ref for ref in record.level_sources if ref not in record.sources)]
        for n, ref in enumerate(refs, start=1):
            yield pytest.param(ref.document, ref.page, ref.quote, id=f"{record.id}-{n}")


def test_the_catalogue_reads_without_errors():
    assert RECORD_ERRORS == []
    assert len(RECORDS) > 10


@pytest.mark.parametrize(("document", "page", "quote"), list(_every_source()))
def test_every_catalogue_source_is_highlighted_on_its_page(document, page, quote):
    """What an advisor is promised: clicking any source of any record shows its quote highlighted."""
    image = render_page(REPO / document, page or 1, quote)
    assert image.highlighted, f"{document} p. {page}: « {quote} » not located on the page image"


# ---- assistant/feedback.py -----------------------------------------------------------------------------

MOMENT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def test_feedback_store_round_trips_every_field(tmp_path):
    store = FeedbackStore(tmp_path / "nested" / "feedback.sqlite3")
    answer = make_answer()
    other = make_answer(question="What is SEAO?", language="en", intent="question", verdict="information")
    first = store.add(Feedback(rating="down", reason="wrong_level", comment="  Le niveau est 3.\n", answer=answer),
                      now=MOMENT)
    second = store.add(Feedback(rating="up", answer=other), now=MOMENT.replace(minute=30))
    assert second > first

    stored = store.all()
    assert [item.id for item in stored] == [first, second]
    down, up = stored
    assert datetime.fromisoformat(down.created_at) == MOMENT
    assert down.created_at.startswith("2025-03-14T09:26:53")
    assert (down.rating, down.reason, down.comment) == ("down", "wrong_level", "Le niveau est 3.")
    assert down.answer == answer
    assert (up.rating, up.reason, up.comment) == ("up", None, "")
    assert up.answer == other


def test_feedback_store_starts_empty(tmp_path):
    assert FeedbackStore(tmp_path / "f.sqlite3").all() == []


@pytest.mark.parametrize(("field", "value"), [("rating", "meh"), ("rating", None), ("reason", "too_slow"),
                                              ("comment", "x" * 4001)])
def test_feedback_refuses_invalid_values(field, value):
    fields = {"rating": "up", "answer": make_answer(), field: value}
    with pytest.raises(ValidationError):
        Feedback(**fields)


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+33 1 23", "-1+2", "@SUM(A1)", "\tindenté", "\rretour"])
def test_spreadsheet_safe_neutralises_formula_starts(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "texte ordinaire", "a=b", "1-2", " =espace devant"])
def test_spreadsheet_safe_keeps_other_cells(cell):
    assert spreadsheet_safe(cell) == cell


def test_export_csv_writes_the_header_and_one_row_per_item(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    need = make_answer(question="=cmd|' /C calc'!A0")
    question = make_answer(question="Qui gère le SEAO?", intent="question", verdict="information", assets=[],
                           suggested_level=SuggestedLevel(basis="none", rationale="Sans objet."))
    store.add(Feedback(rating="down", reason="other", comment="@à revoir", answer=need), now=MOMENT)
    store.add(Feedback(rating="up", answer=question), now=MOMENT)

    out = io.StringIO()
    export_csv(store.all(), out, ",", ZoneInfo("America/Toronto"))
    header, *rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == CSV_COLUMNS
    assert len(rows) == 2
    first, second = (dict(zip(header, row, strict=True)) for row in rows)
    assert first["created_at"] == "2025-03-14 05:26"  # 09:26 UTC, in Québec's zone
    assert first["rating"] == "down" and first["reason"] == "other"
    assert first["comment"] == "'@à revoir"
    assert first["question"] == "'=cmd|' /C calc'!A0"
    assert first["assets"] == "seao pgrdl"
    assert first["suggested_level"] == "4"
    assert first["verdict"] == "existing_asset" and first["language"] == "fr"
    assert Answer.model_validate_json(first["answer_json"]) == need
    assert second["assets"] == "" and second["suggested_level"] == "" and second["reason"] == ""


def test_export_csv_with_no_items_writes_only_the_header_separated_by_semicolons_by_default():
    out = io.StringIO()
    export_csv([], out)
    assert out.getvalue() == ";".join(CSV_COLUMNS) + "\r\n"


def test_feedback_store_under_a_regular_file_raises_a_one_line_error(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    store = FeedbackStore(blocker / "db.sqlite3")
    with pytest.raises(FeedbackError) as raised:
        store.add(Feedback(rating="up", answer=make_answer()))
    message = str(raised.value)
    assert "\n" not in message
    assert str(blocker / "db.sqlite3") in message
    with pytest.raises(FeedbackError):
        store.all()


# ---- assistant/catalogue.py: filter_records; assistant/text.py: identifier_form -----------------------

@pytest.mark.parametrize(("text", "folded"), [("Québec Œuvre", "quebec oeuvre"), ("CŒUR ÉTÉ Ça", "coeur ete ca"),
                                              ("Ægide", "aegide"), ("ﬁche", "fiche"), ("déjà-vu", "deja-vu")])
def test_identifier_form_folds_to_lower_case_ascii(text, folded):
    assert identifier_form(text) == folded


def ids(records) -> list[str]:
    return sorted(record.id for record in records)


def test_filter_without_criteria_keeps_every_record():
    assert ids(filter_records(RECORDS)) == ids(RECORDS)


@pytest.mark.parametrize("query", ["seao", "SEAO", "Systeme electronique", "SYSTÈME ÉLECTRONIQUE",
                                   "électronique tender"])
def test_filter_query_ignores_accents_and_case(query):
    assert ids(filter_records(RECORDS, query)) == ["seao"]


def test_filter_query_needs_every_word():
    assert ids(filter_records(RECORDS, "seao")) == ["seao"]
    assert filter_records(RECORDS, "seao ornithorynque") == []


def test_filter_query_matches_the_start_of_words_not_their_inside():
    assert ids(filter_records(RECORDS, "SAG")) == ["sag"]  # not «usagers», «apprentissage», «message»
    assert "sag" in ids(filter_records(RECORDS, "authentif"))  # a word's start is enough
    assert filter_records(RECORDS, "thentification") == []


def test_filter_query_searches_the_owner_and_keywords():
    owned = filter_records(RECORDS, "curateur")
    assert owned and all(record.owner == "Curateur public" for record in owned)
    assert "sdm" in ids(filter_records(RECORDS, "ministerial correspondence"))


def test_filter_query_matches_a_straight_apostrophe_against_a_typographic_one():
    """The records write 'd’offres' with U+2019; users type an ASCII apostrophe."""
    assert ids(filter_records(RECORDS, "appel d’offres")) == ["seao"]
    assert ids(filter_records(RECORDS, "appel d'offres")) == ["seao"]


@pytest.mark.parametrize("kind", ["asset", "project", "program"])
def test_filter_by_kind(kind):
    kept = filter_records(RECORDS, kind=kind)
    assert kept
    assert ids(kept) == ids(record for record in RECORDS if record.kind == kind)


def test_filter_by_owner_is_exact():
    owner = "Ministère de la Cybersécurité et du Numérique"
    kept = filter_records(RECORDS, owner=owner)
    assert len(kept) >= 2 and all(record.owner == owner for record in kept)
    assert filter_records(RECORDS, owner=owner.lower()) == []
    assert filter_records(RECORDS, owner="Ministère de la Cybersécurité") == []


def test_filter_by_level():
    assert ids(filter_records(RECORDS, level=4)) == ["seao"]
    assert ids(filter_records(RECORDS, level=2)) == ids(record for record in RECORDS if record.level == 2)
    assert filter_records(RECORDS, level=1) == []


def test_filters_combine():
    assert ids(filter_records(RECORDS, "seao", kind="asset", level=4)) == ["seao"]
    assert filter_records(RECORDS, "seao", kind="project") == []
    assert filter_records(RECORDS, "seao", level=3) == []
    assert filter_records(RECORDS, "seao", owner="Curateur public") == []
    owner = "Ministère de la Cybersécurité et du Numérique"
    projects = filter_records(RECORDS, kind="project", owner=owner)
    assert ids(projects) == ids(r for r in RECORDS if r.kind == "project" and r.owner == owner)


# ---- assistant/export.py -------------------------------------------------------------------------------

def test_citation_line_with_a_page():
    citation = Citation(n=3, source="corpus/documents/plan.pdf", title="Plan 2025", page=12,
                        quote="Le projet vise trois organismes")
    assert citation_line(citation) == ("[3] Plan 2025 (corpus/documents/plan.pdf, p. 12) — "
                                       "« Le projet vise trois organismes »")


def test_citation_line_without_a_page_has_no_page_mention():
    citation = Citation(n=1, source="corpus/catalogue/sdm.yaml", title="Suivi", quote="Suivi des dossiers")
    line = citation_line(citation)
    assert line == "[1] Suivi (corpus/catalogue/sdm.yaml) — « Suivi des dossiers »"
    assert ", p." not in line


def test_answer_with_sources_lists_each_citation_after_the_answer():
    answer = make_answer()
    text = answer_with_sources(answer)
    assert text.startswith(answer.answer + "\n")
    lines = text.splitlines()
    assert "Sources :" in lines
    assert lines[-2:] == [f"- {citation_line(answer.citations[0])}", f"- {citation_line(answer.citations[1])}"]
    english = answer_with_sources(make_answer(language="en"))
    assert "Sources:" in english.splitlines() and "Sources :" not in english


def test_answer_with_sources_without_citations_is_the_answer_alone():
    answer = make_answer(citations=[])
    assert answer_with_sources(answer) == answer.answer


def test_conversation_markdown_has_a_heading_and_the_sources_per_question():
    first = make_answer(question="Première question?")
    second = make_answer(question="Seconde question?", citations=[])
    when = datetime(2025, 6, 1, 14, 30, 59)
    text = conversation_markdown([first, second], when)
    lines = text.splitlines()
    assert lines[0] == "# Conversation avec l’assistant de mutualisation"
    assert "Exportée le 2025-06-01T14:30" in lines
    assert lines.index("## 1. Première question?") < lines.index("## 2. Seconde question?")
    assert ("- [1] Réponse d’accès (corpus/documents/reponse.pdf, p. 5) — « Système électronique d’appel d’offres "
            "(SEAO) »") in lines
    assert "- [2] Fiche SEAO (corpus/catalogue/seao.yaml) — « Niveau 4 - Solution d’affaires gouvernementale »" in lines
    section_two = text.split("## 2. Seconde question?")[1]
    assert "Sources" not in section_two


def test_conversation_markdown_is_in_english_only_when_every_answer_is():
    when = datetime(2025, 6, 1, 8, 5)
    english = conversation_markdown([make_answer(language="en"), make_answer(language="en")], when)
    assert english.startswith("# Conversation with the mutualisation assistant\n")
    assert "Exported 2025-06-01T08:05" in english
    mixed = conversation_markdown([make_answer(language="en"), make_answer(language="fr")], when)
    assert mixed.startswith("# Conversation avec l’assistant de mutualisation\n")
    assert "Exported" not in mixed
    assert conversation_markdown([], when).startswith("# Conversation avec l’assistant de mutualisation\n")


# ---- assistant/web/guard.py: files and page template ---------------------------------------------------

@pytest.fixture
def documents(tmp_path) -> Path:
    """documents/ with a PDF and a sub-folder; a secret file next to it, a sibling folder sharing its prefix,
    and a link inside documents/ that points to the secret."""
    folder = tmp_path / "documents"
    (folder / "sub").mkdir(parents=True)
    (folder / "rapport.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "sub" / "annexe.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "secret.txt").write_text("mot de passe")
    (tmp_path / "documents-bis").mkdir()
    (tmp_path / "documents-bis" / "autre.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "lien.pdf").symlink_to(tmp_path / "secret.txt")
    return folder


@pytest.mark.parametrize("route", ["/gradio_api/file=", "/gradio_api/file/"])
def test_file_route_serves_files_inside_the_documents_folder(documents, route):
    assert file_request_allowed(route + str(documents / "rapport.pdf"), documents)
    assert file_request_allowed(route + str(documents / "sub" / "annexe.pdf"), documents)


@pytest.mark.parametrize("name", [".notes.txt", ".brouillons/rapport.pdf"])
def test_file_route_refuses_hidden_files_which_are_never_indexed(documents, name):
    hidden = documents / name
    hidden.parent.mkdir(exist_ok=True)
    hidden.write_text("notes")
    assert not file_request_allowed("/gradio_api/file=" + str(hidden), documents)
    assert not file_request_allowed("/gradio_api/file=" + str(documents / "sub" / ".." / name), documents)


def test_file_route_resolves_relative_paths_from_the_current_folder(documents, monkeypatch):
    monkeypatch.chdir(documents.parent)
    assert file_request_allowed("/gradio_api/file=documents/rapport.pdf", documents)
    assert not file_request_allowed("/gradio_api/file=secret.txt", documents)


@pytest.mark.parametrize("target", [
    "{docs}/../secret.txt",  # '..' out of the folder
    "{docs}/lien.pdf",  # a symbolic link to a file outside
    "{docs}-bis/autre.pdf",  # a sibling folder whose name starts like the documents folder
    "{docs}",  # the folder itself
    "{docs}/sub",  # a folder inside
    "{docs}/absent.pdf",  # missing
    "",  # nothing
    "https://example.com/rapport.pdf",
    "file:///etc/passwd",
])
def test_file_route_refuses_anything_else(documents, target):
    path = target.format(docs=documents)
    assert not file_request_allowed("/gradio_api/file=" + path, documents)
    assert not file_request_allowed("/gradio_api/file/" + path, documents)


@pytest.mark.parametrize("url_path", ["/gradio_api/proxy=https://example.com/x", "/gradio_api/upload",
                                      "/gradio_api/upload_progress"])
def test_proxy_and_upload_routes_are_refused(documents, url_path):
    assert not file_request_allowed(url_path, documents)


@pytest.mark.parametrize("url_path", ["/", "/config", "/gradio_api/info", "/theme.css"])
def test_other_routes_pass(documents, url_path):
    assert file_request_allowed(url_path, documents)


def test_strip_external_references_removes_only_outside_meta_tags():
    kept = ['<meta charset="utf-8">', '<meta property="og:url" content="http://127.0.0.1:7860/">',
            '<meta name="twitter:image" content="http://localhost:7860/card.png">',
            '<link rel="icon" href="https://example.org/favicon.ico">', "<title>Assistant</title>"]
    removed = ['<meta property="og:image" content="https://gradio.app/og.png" />',
               '<meta name="twitter:site" content="http://github.com/gradio-app">']
    page = "<head>\n" + "\n".join([kept[0], removed[0], kept[1], kept[2], removed[1], kept[3], kept[4]]) + "\n</head>"
    cleaned = strip_external_references(page)
    for tag in kept:
        assert tag in cleaned
    for tag in removed:
        assert tag not in cleaned
    assert "gradio.app" not in cleaned and "github.com" not in cleaned
    assert cleaned.startswith("<head>\n") and cleaned.endswith("</head>")


# ---- assistant/web/render.py: escaping -----------------------------------------------------------------

def test_html_text_escapes_markup_quotes_and_template_syntax():
    escaped = html_text("<a href=\"x\" title='y'>R&D</a> ${alert(1)} {{7*7}}")
    assert escaped == ("&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;R&amp;D&lt;/a&gt; "
                       "&#36;&#123;alert(1)&#125; &#123;&#123;7*7&#125;&#125;")
    assert html_text(42) == "42"


def test_markdown_text_escapes_html_links_and_images_but_keeps_block_quotes():
    assert markdown_text('<script>go()</script> & "dit" l\'agent') == (
        '&lt;script>go()&lt;/script> &amp; "dit" l\'agent')
    assert markdown_text("![pixel](http://203.0.113.9/p.png) [lien](javascript:x) [2]") == (
        "!\\[pixel](http://203.0.113.9/p.png) \\[lien](javascript:x) \\[2]")
    assert markdown_text("> « une citation »") == "> « une citation »"


@pytest.mark.parametrize("url", ["https://www.quebec.ca/gouvernement", "http://intranet.local/page?a=1"])
def test_safe_url_keeps_web_addresses(url):
    assert safe_url(url) == url


@pytest.mark.parametrize("url", [None, "", "javascript:alert(1)", "JAVASCRIPT:alert(1)", " https://x.ca",
                                 "data:text/html,<b>x</b>", "ftp://serveur/fichier", "//example.com/x",
                                 "vbscript:msgbox"])
def test_safe_url_refuses_everything_else(url):
    assert safe_url(url) is None


# ---- assistant/web/render.py: panels -------------------------------------------------------------------

def test_asset_cards_in_french_show_each_fact_escaped():
    answer = make_answer(assets=[
        AssetResult(id="outil", name="<Outil> & Cie", acronym="O&C", owner="Ministère <X>", kind="asset", level=3,
                    level_label="Fondation numérique gouvernementale", status="En service", score=0.834,
                    fit_label="83 %", covered=["signature", "<b>"], contact="guichet@mcn.gouv.qc.ca",
                    verified=date(2025, 3, 1), citations=[1, 2]),
        AssetResult(id="projet-flou", name="Projet flou", kind="project", score=0.12, fits=False,
                    fit_label="peu probable"),
    ])
    markup = asset_cards(answer)
    assert markup.startswith("<h3>Actifs proposés</h3>")
    good, weak = re.split(r"<div class='card\b", markup.split("<div class='cards'>")[1])[1:]
    assert "&lt;Outil&gt; &amp; Cie (O&amp;C)" in good and "<Outil>" not in markup
    assert "Actif en service" in good
    assert "Niveau 3 – Fondation numérique gouvernementale" in good
    assert "Organisme responsable : Ministère &lt;X&gt;" in good
    assert "Statut : En service" in good
    assert "Pertinence estimée : 83 %</div><div class='meta'>[1] [2]</div>" in good
    assert "Couvre : « signature », « &lt;b&gt; »" in good
    assert "Fiche mise à jour le 2025-03-01" in good
    assert "<a href='mailto:guichet@mcn.gouv.qc.ca'>guichet@mcn.gouv.qc.ca</a>" in good
    assert weak.startswith(" low'") and "Projet" in weak and "Pertinence estimée : peu probable" in weak
    assert "Organisme responsable : non précisé" in weak and "Statut : non précisé" in weak
    assert "Niveau" not in weak and "Couvre" not in weak and "Contact" not in weak


def test_when_nothing_fits_the_cards_are_the_closest_said_so():
    answer = make_answer(verdict="no_match", existing_asset_found=False, assets=[
        AssetResult(id="a", name="Actif A", kind="asset", score=0.2, fits=False, fit_label="pourrait correspondre")])
    markup = asset_cards(answer)
    assert markup.startswith("<h3>Les plus proches, sans correspondance sûre</h3>")
    assert "Pertinence estimée : pourrait correspondre" in markup


@pytest.mark.parametrize("contact, link", [
    ("https://www.mcn.gouv.qc.ca/guichet", "<a href='https://www.mcn.gouv.qc.ca/guichet' target='_blank'"),
    ("javascript:alert(1)", "javascript:alert(1)"),  # never a link
])
def test_a_contact_page_is_a_link_and_anything_else_text(contact, link):
    shown = contact_link(contact)
    assert link in shown
    assert "href='javascript" not in shown


@pytest.mark.parametrize("status, language, shown", [
    ("projet prioritaire 2025-2026", "en", "priority project 2025-2026"),
    ("nouveau au Portefeuille 2025-2026", "en", "new in the 2025-2026 portfolio"),
    ("projet prioritaire 2025-2026", "fr", "projet prioritaire 2025-2026"),
    ("En service", "en", "En service"),  # a status the portfolio does not give: as its record words it
])
def test_statuses_are_shown_in_the_answers_language(status, language, shown):
    assert status_label(status, language) == shown
    answer = make_answer(language=language, assets=[
        AssetResult(id="p", name="Portal", kind="project", score=0.9, owner="MCN", status=status, fits=True)])
    assert f"{'Status' if language == 'en' else 'Statut'}: {shown}" in asset_cards(answer).replace(" :", ":")


def test_asset_cards_in_english_use_english_labels():
    answer = make_answer(language="en", assets=[
        AssetResult(id="p", name="Portal", kind="program", score=0.2, owner=None, status=None, fits=False,
                    fit_label="may fit", covered=["login"])])
    markup = asset_cards(answer)
    assert markup.startswith("<h3>Suggested assets</h3>")
    assert "Program" in markup and "Owner" in markup and "Status" in markup and "Estimated fit: may fit" in markup
    assert "Covers: “login”" in markup and "not stated" in markup and "<div class='meta'></div>" not in markup
    for french in ("Actifs proposés", "Organisme responsable", "Statut", "pertinence", "non précisé", "Couvre"):
        assert french not in markup


def test_asset_cards_in_english_do_not_mix_in_the_french_level_word():
    """An English answer's card says "Level 4 – …", not the French word."""
    answer = make_answer(language="en", assets=[
        AssetResult(id="seao", name="SEAO", kind="asset", level=4, level_label="Government business solution",
                    score=0.9)])
    markup = asset_cards(answer)
    assert "Government business solution" in markup
    assert "Niveau" not in markup


@pytest.mark.parametrize(("language", "intent", "message"), [
    ("fr", "need", "Aucun actif du catalogue ne répond à ce besoin."),
    ("fr", "question", "Aucune fiche du catalogue n’est nommée dans cette réponse."),
    ("en", "need", "No catalogue asset meets this need."),
    ("en", "question", "No catalogue record is named in this answer."),
])
def test_asset_cards_without_assets_say_so(language, intent, message):
    markup = asset_cards(make_answer(language=language, intent=intent, assets=[]))
    assert html_text(message) in markup
    assert "class='card'" not in markup


SHOWN = ("**Un actif existant répond : SEAO.** \\[1]\n\n## Actifs et initiatives\n1. **SEAO** \\[1] — actif\n\n"
         "## Niveau de mutualisation suggéré : 4\nVoir \\[2].\n\n## Prochaines étapes\n1. Étape 1 \\[3].")


def test_a_need_shows_its_decision_first_and_folds_the_rest():
    answer = make_answer(suggested_level=SuggestedLevel(level=3, label="Fondation numérique gouvernementale",
                                                        basis="need", rationale="Voir <b>ceci</b> [2]."),
                         next_steps=["Contacter <l’organisme> [3]", "Vérifier & confirmer"])
    shown = decision_markdown(answer, SHOWN)
    decision, details = shown.split("<details>")
    assert decision.startswith("**Un actif existant répond : SEAO.** \\[1]")
    assert ("**Niveau de mutualisation suggéré :** 3 – Fondation numérique gouvernementale "
            "(d’après la formulation du besoin) \\[2]") in decision
    assert "**Prochaine étape :** Contacter &lt;l’organisme> \\[3]" in decision and "Vérifier" not in decision
    assert "## Actifs" not in decision  # each asset, the level's criteria and every step are folded
    assert details.startswith("<summary>Détails : chaque actif")
    assert "## Actifs et initiatives\n1. **SEAO**" in details and "## Prochaines étapes" in details
    assert details.rstrip().endswith("</details>")


def test_the_decision_says_whom_to_contact_when_the_named_record_says():
    answer = make_answer(verdict_record="seao", next_steps=["Étape 1 : vérifier [1].",
                                                            "Communiquer avec le CAG. Coordonnées : info@cag.ca [4]."])
    answer.assets[0].contact = "info@cag.ca"
    decision = decision_markdown(answer, SHOWN).split("<details>")[0]
    assert "Coordonnées : info@cag.ca \\[4]" in decision
    answer.assets[0].contact = None
    assert "Coordonnées" not in decision_markdown(answer, SHOWN).split("<details>")[0]


def test_the_decision_in_english_and_without_a_level():
    answer = make_answer(language="en", suggested_level=SuggestedLevel(basis="none", rationale="Unclear."),
                         next_steps=[])
    decision = decision_markdown(answer, SHOWN).split("<details>")[0]
    assert "**Suggested mutualisation level:** Not settled by the sources\n" in decision
    assert "Next step" not in decision


def test_an_answer_without_sections_is_shown_as_it_is():
    question = make_answer(intent="question", verdict="information")
    assert decision_markdown(question, SHOWN) == SHOWN  # a question about the documents
    assert decision_markdown(make_answer(), "A model's prose [1].") == "A model's prose [1]."


def test_citation_choices_label_and_value():
    short = Citation(n=1, source="a.pdf", title="Rapport annuel", page=4, quote="Un passage bref")
    untitled_page = Citation(n=7, source="b.yaml", title="Fiche B", quote="Sans page")
    choices = citation_choices(make_answer(citations=[short, untitled_page]))
    assert choices == [("[1] Rapport annuel, p. 4 — « Un passage bref »", 1), ("[7] Fiche B — « Sans page »", 7)]


def test_citation_choices_shorten_long_quotes_with_an_ellipsis():
    exact = "a" * 110
    long_quote = "mot " * 40  # 160 characters; character 107 is a space
    choices = citation_choices(make_answer(citations=[
        Citation(n=1, source="a.pdf", title="T", page=2, quote=exact),
        Citation(n=2, source="a.pdf", title="T", page=3, quote=long_quote),
    ]))
    assert choices[0] == (f"[1] T, p. 2 — « {exact} »", 1)
    label, value = choices[1]
    assert value == 2
    assert label.startswith("[2] T, p. 3 — « mot mot")
    assert label.endswith("mot… »")  # the space before the cut is dropped
    shown = label.removeprefix("[2] T, p. 3 — « ").removesuffix("… »")
    assert long_quote.startswith(shown)
    assert len(shown) <= 107


def test_export_link_is_empty_without_answers():
    assert export_link([], datetime(2025, 1, 1)) == ""


def test_export_link_carries_the_conversation_markdown():
    when = datetime(2025, 11, 3, 16, 45, 12)
    answers = [make_answer(), make_answer(question="Et pour la signature électronique?", citations=[])]
    link = export_link(answers, when)
    assert "download='conversation-2025-11-03-1645.md'" in link
    data = re.search(r"href='data:text/markdown;charset=utf-8;base64,([A-Za-z0-9+/=]+)'", link).group(1)
    assert base64.b64decode(data).decode("utf-8") == conversation_markdown(answers, when)


# ---- assistant/web/render.py: record_html --------------------------------------------------------------

def test_record_html_links_every_source_to_its_page():
    record = BY_ID["sdm"]
    titles = {record.sources[0].document: "Réponse d'accès <DA2425-39>"}
    markup = record_html(record, titles)
    parsed = _Attributes(markup)
    links = [value for name, value in parsed.attributes if name == "href"]
    sources = [*record.sources, *(ref for ref in record.level_sources if ref not in record.sources)]
    assert len(links) == len(sources)
    for link, ref in zip(links, sources, strict=True):
        assert link == f"/source/{ref.document}#page={ref.page}"  # no server path in the page
    assert "Réponse d&#x27;accès &lt;DA2425-39&gt;, p. 4" in markup
    assert "Suivi des dossiers ministériels (SDM)" in parsed.text
    assert "2 – Actif partagé" in parsed.text


def test_record_html_shows_a_web_address_only_when_it_is_http():
    record = BY_ID["seao"].model_copy(update={"url": "https://www.seao.gouv.qc.ca/avis?type=1&page=2"})
    markup = record_html(record, {})
    assert "<dt>Adresse</dt>" in markup
    assert "href='https://www.seao.gouv.qc.ca/avis?type=1&amp;page=2'" in markup
    bad = BY_ID["seao"].model_copy(update={"url": "javascript:alert(document.cookie)"})
    assert "Adresse" not in record_html(bad, {})


def test_record_html_keeps_a_hostile_record_inert():
    record = read_record(HOSTILE_RECORD, REPO)
    markup = record_html(record, {})
    lowered = markup.lower()
    for forbidden in ("<script", "<img", "<b>", "${", "{{"):
        assert forbidden not in lowered
    parsed = _Attributes(markup)
    assert set(parsed.tags) <= {"div", "h3", "h4", "dl", "dt", "dd", "ol", "li", "a"}
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    for name, value in parsed.attributes:
        assert "javascript:" not in value.lower(), f"{name}={value!r}"
    # The description's "[lien](javascript:…)" may only appear as text, never as an attribute value.
    assert "Adresse" not in parsed.text
    # Shown as the letters the record holds, not dropped.
    assert "<script>window.pwned = 1</script>" in parsed.text
    assert "${window.pwned = 3}" in parsed.text and "{{constructor}}" in parsed.text


# ---- assistant/settings.py: web login ------------------------------------------------------------------

@pytest.fixture
def no_login_env(monkeypatch):
    monkeypatch.delenv("ASSISTANT_WEB_USERNAME", raising=False)
    monkeypatch.delenv("ASSISTANT_WEB_PASSWORD", raising=False)


def test_no_login_by_default(no_login_env):
    assert Settings(_env_file=None).web_login is None


def test_login_when_both_username_and_password_are_given(no_login_env):
    settings = Settings(_env_file=None, web_username="conseillere", web_password="Tr3s-secret")
    assert settings.web_login == ("conseillere", "Tr3s-secret")
    assert "Tr3s-secret" not in repr(settings)


def test_login_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_WEB_USERNAME", "agent")
    monkeypatch.setenv("ASSISTANT_WEB_PASSWORD", "motdepasse")
    assert Settings(_env_file=None).web_login == ("agent", "motdepasse")


@pytest.mark.parametrize("given", [{"web_username": "seule"}, {"web_password": "sans-nom"},
                                   {"web_username": "vide", "web_password": ""}])
def test_half_a_login_is_refused(no_login_env, given):
    with pytest.raises(ValidationError, match="ASSISTANT_WEB_USERNAME"):
        Settings(_env_file=None, **given)


# --- Login throttling (an injectable clock: no test waits) -------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_thirty_wrong_passwords_meet_a_growing_delay_then_a_lock_out():
    from assistant.web.login import FREE_FAILURES, LOCKOUT_AFTER, LOCKOUT_SECONDS, LoginThrottle

    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    waits, tried = [], 0
    while tried < 30:
        if (wait := throttle.wait("10.0.0.9", "conseil")) > 0:
            waits.append(wait)
            clock.now += wait  # the attacker waits exactly as long as told
            continue
        throttle.failed("10.0.0.9", "conseil")
        tried += 1
    assert waits[:FREE_FAILURES] == [1.0, 2.0, 4.0]  # no delay before the fourth failure, then doubling ones
    assert waits[LOCKOUT_AFTER - FREE_FAILURES - 1] == LOCKOUT_SECONDS
    assert sum(waits) > 5 * LOCKOUT_SECONDS, "thirty guesses take over an hour instead of a tenth of a second"


def test_the_account_is_throttled_from_every_address_and_a_success_clears_only_its_own():
    from assistant.web.login import LOCKOUT_AFTER, LoginThrottle

    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for n in range(LOCKOUT_AFTER):
        throttle.failed(f"10.0.0.{n}", "conseil")  # one guess per address: the account still counts them all
    assert throttle.wait("10.9.9.9", "conseil") > 0 and throttle.wait("10.9.9.9", "autre") == 0
    throttle.failed("10.1.1.1", "autre")
    throttle.succeeded("10.1.1.1", "autre")
    assert throttle.wait("10.1.1.1", "autre") == 0 and throttle.wait("10.9.9.9", "conseil") > 0


def test_rotating_addresses_cannot_erase_an_accounts_lock_out(monkeypatch):
    import assistant.web.login as login

    monkeypatch.setattr(login, "TRACKED_KEYS", 50)
    throttle = login.LoginThrottle(clock=Clock())
    for n in range(login.LOCKOUT_AFTER):
        throttle.failed("10.0.0.1", "conseil")
    for n in range(500):  # a flood of fresh addresses and accounts
        throttle.failed(f"2001:db8::{n}", f"leurre-{n}")
    assert throttle.wait("10.7.7.7", "conseil") > 0 and len(throttle._failures) <= 50 + 2


def test_only_the_trusted_proxy_may_name_the_client_it_forwards():
    from assistant.web.guard import client_address

    scope = {"client": ("10.0.0.5", 443), "headers": [(b"x-forwarded-for", b"1.2.3.4, 192.168.1.20")]}
    assert client_address(scope, "10.0.0.5") == "192.168.1.20"
    two_lines = {**scope, "headers": [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"192.168.1.21")]}
    assert client_address(two_lines, "10.0.0.5") == "192.168.1.21"  # the line the proxy added, not the client's
    assert client_address(scope, None) == "10.0.0.5"
    assert client_address({**scope, "client": ("6.6.6.6", 1)}, "10.0.0.5") == "6.6.6.6"


def test_behind_single_sign_on_only_the_proxy_may_name_the_user():
    from assistant.web.guard import proxied_user

    scope = {"client": ("10.0.0.5", 443), "headers": [(b"x-forwarded-user", b"jtremblay")]}
    assert proxied_user(scope, "10.0.0.5", b"x-forwarded-user") == "jtremblay"
    assert proxied_user({**scope, "client": ("10.0.0.66", 1)}, "10.0.0.5", b"x-forwarded-user") is None
    assert proxied_user({**scope, "headers": []}, "10.0.0.5", b"x-forwarded-user") is None
    assert proxied_user(scope, None, b"x-forwarded-user") is None
