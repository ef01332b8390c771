"""What the panels show: pure functions, an Answer or a record in, HTML or Markdown out.

Text from users and documents is escaped before it reaches the page (never HTML): `html_text` for HTML,
`markdown_text` for Markdown. Only `source_view` reads files (through the engine it is given).
"""

import base64
import html
import re
from datetime import datetime
from pathlib import Path

from assistant import (
    ANSWER_TEXT,
    KINDS,
    LEVEL_LABELS,
    PANEL_TEXT,
    QUOTED,
    Answer,
    CatalogueRecord,
    Engine,
    IndexedSource,
    LoadError,
    SourceRef,
    conversation_markdown,
    kind_label,
    locate,
    shown_quote,
    status_label,
)
from assistant.web.guard import document_link

ALL_OWNERS = ("Tous les organismes", "")
KIND_CHOICES = [("Tous les types", "")] + [(kind_label(kind, "fr", capitalized=True), kind)
                                           for kind in KINDS]
LEVEL_CHOICES = [("Tous les niveaux", "")] + [(f"{level} – {label}", str(level))
                                              for level, label in LEVEL_LABELS["fr"].items()]


# --- Escaping ------------------------------------------------------------------------------------------

def html_text(text: object) -> str:
    """Text from a user or a document, made inert in HTML and in Gradio's HTML templates (${…}, {{…}})."""
    return (html.escape(str(text), quote=True)
            .replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;"))


def markdown_text(text: str) -> str:
    """Markdown in which HTML, links and images from users or documents stay letters: '<script>' and
    '![x](http://…)' are shown, not run or fetched; '>' is kept for the answer's block quotes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("[", "\\[")


_MARKER = re.compile(r"\\\[(\d+)\]")  # [n] as markdown_text leaves it: \[n]
_LINKED_MARKER = re.compile(r"\[\\\[(\d+)\\\]\]\(#source-\d+\)")


def linked_markers(markdown: str) -> str:
    """The [n] of an answer (as markdown_text leaves them) as links that open source n beside the conversation."""
    return _MARKER.sub(lambda found: f"[\\[{found[1]}\\]](#source-{found[1]})", markdown)


def unlinked_markers(markdown: str) -> str:
    """An earlier answer's [n] back to text: the sources beside the conversation are the latest answer's."""
    return _LINKED_MARKER.sub(lambda found: f"\\[{found[1]}]", markdown)


def safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"^https?://", url) else None


# --- The answer's panels -------------------------------------------------------------------------------

def level_text(level: int | None) -> str:
    return next((label for label, value in LEVEL_CHOICES if value == str(level)), "") if level else ""


def asset_cards(answer: Answer) -> str:
    """The answer's records as cards: the one the verdict names first; when nothing fits, the closest, said so."""
    words = PANEL_TEXT[answer.language]
    if not answer.assets:
        empty = words["no_assets"] if answer.intent == "need" else words["no_assets_question"]
        return f"<h3>{words['assets']}</h3><p>{html_text(empty)}</p>"
    colon = " : " if answer.language == "fr" else ": "
    heading = (ANSWER_TEXT[answer.language]["closest"] if answer.intent == "need" and answer.verdict == "no_match"
               else words["assets"])
    cards = []
    for asset in answer.assets:
        level = (f"<span class='badge'>{words['level_of']} {asset.level} – {html_text(asset.level_label)}</span>"
                 if asset.level else "")
        markers = " ".join(f"[{n}]" for n in asset.citations)
        details = []
        if asset.covered:
            details.append(f"{words['covers']}{colon}"
                           + ", ".join(QUOTED[answer.language].format(html_text(w)) for w in asset.covered))
        if asset.verified:
            details.append(f"{words['verified']} {asset.verified.isoformat()}")
        if asset.contact:
            details.append(f"{words['contact']}{colon}{contact_link(asset.contact)}")
        status = status_label(asset.status, answer.language) if asset.status else words["unknown"]
        cards.append(
            f"<div class='card{'' if asset.fits else ' low'}' data-asset='{html_text(asset.id)}'>"
            f"<h4>{html_text(asset.display_name)}</h4>"
            f"<span class='badge'>{kind_label(asset.kind, answer.language, capitalized=True)}</span>{level}"
            f"<div class='meta'>{words['owner']}{colon}{html_text(asset.owner or words['unknown'])}"
            f" · {words['status']}{colon}{html_text(status)}</div>"
            + (f"<div class='meta'>{words['fit']}{colon}{html_text(asset.fit_label)}</div>" if asset.fit_label else "")
            + (f"<div class='meta'>{html_text(markers)}</div>" if markers else "")
            + "".join(f"<div class='meta'>{detail}</div>" for detail in details) + "</div>")
    return f"<h3>{heading}</h3><div class='cards'>{''.join(cards)}</div>"


def contact_link(contact: str) -> str:
    """An e-mail address as a mailto: link, an https page as a link; anything else as text."""
    if "@" in contact and not contact.startswith("https://"):
        return f"<a href='mailto:{html_text(contact)}'>{html_text(contact)}</a>"
    if url := safe_url(contact):
        return f"<a href='{html_text(url)}' target='_blank' rel='noopener'>{html_text(contact)}</a>"
    return html_text(contact)


def decision_markdown(answer: Answer, shown: str) -> str:
    """An answer to a need as the chat shows it: the decision first (the verdict, the suggested level, the next
    step, whom to contact when the named record says), then everything else folded («Détails»: each asset, the
    level's criteria, the steps, every quote), so that the first screen holds what a user acts on and the panel
    beside it the assets. `shown` is the answer's text as the chat holds it; a question about the documents and a
    language model's text are shown as they are."""
    verdict, sections, rest = shown.partition("\n## ")
    if not sections or answer.intent != "need" or answer.generator != "extractive":
        return shown
    words = PANEL_TEXT[answer.language]
    colon = " :" if answer.language == "fr" else ":"
    suggested = answer.suggested_level
    level = f"{suggested.level} – {suggested.label}" if suggested.level else words["no_level"]
    cited = _MARKER.search(markdown_text(suggested.rationale))
    basis = f" ({words['basis_' + suggested.basis]})" if suggested.level else ""
    lines = [verdict.rstrip(),
             f"**{words['level']}{colon}** {markdown_text(level)}{basis}{' ' + cited[0] if cited else ''}"]
    named = next((asset for asset in answer.assets if asset.id == answer.verdict_record), None)
    reach = next((step for step in answer.next_steps[1:] if named and named.contact and named.contact in step), None)
    lines += [f"**{words['next_step']}{colon}** {markdown_text(step)}" for step in answer.next_steps[:1]]
    lines += [markdown_text(reach)] if reach else []  # whom to contact, when the record says
    lines.append(f"<details><summary>{words['details']}</summary>\n\n## {rest}\n\n</details>")
    return "\n\n".join(lines)


def source_label(marker: str, title: str, page: int | None, quote: str) -> str:
    """One line of a list the advisor clicks: marker, title, page, the start of the quote."""
    page_text = f", p. {page}" if page else ""
    shown = quote if len(quote) <= 110 else quote[:107].rstrip() + "…"
    return f"{marker} {title}{page_text} — « {shown} »"


def citation_choices(answer: Answer) -> list[tuple[str, int]]:
    return [(source_label(f"[{c.n}]", c.title, c.page, shown_quote(c.quote)), c.n) for c in answer.citations]


def export_link(answers: list[Answer], now: datetime) -> str:
    """A link that downloads the conversation as Markdown (a data: URL: no file is written on the server)."""
    if not answers:
        return ""
    data = base64.b64encode(conversation_markdown(answers, now).encode("utf-8")).decode()
    name = f"conversation-{now:%Y-%m-%d-%H%M}.md"
    return (f"<a class='export' download='{name}' href='data:text/markdown;charset=utf-8;base64,{data}'>"
            f"Exporter la conversation (Markdown, avec les sources)</a>")


# --- Catalogue records and indexed documents -----------------------------------------------------------

def record_sources_of(record: CatalogueRecord) -> list[SourceRef]:
    """The record's sources, then the quotes that state its level when they are not among them."""
    return [*record.sources, *(ref for ref in record.level_sources if ref not in record.sources)]


def record_source_choices(record: CatalogueRecord, titles: dict[str, str]) -> list[tuple[str, str]]:
    """The record's sources as a list the advisor clicks, each valued `<record id>#<index>`."""
    return [(source_label(f"{n}.", titles.get(ref.document, ref.document), ref.page, shown_quote(ref.quote)),
             f"{record.id}#{n - 1}") for n, ref in enumerate(record_sources_of(record), start=1)]


def _record_facts(record: CatalogueRecord) -> list[tuple[str, str]]:
    level = f"{record.level} – {record.level_label}" if record.level else "non précisé par les sources"
    rows = [("Type", kind_label(record.kind, "fr", capitalized=True)), ("Niveau de mutualisation", level),
            ("Organisme responsable", record.owner or "non précisé"), ("Statut", record.status or "non précisé"),
            ("Description", record.description)]
    if record.users:
        rows.append(("Utilisé par", ", ".join(record.users)))
    if record.sub_projects:
        rows.append(("Projets", "; ".join(p.name + (f" ({p.status})" if p.status else "")
                                          for p in record.sub_projects)))
    keywords = record.keywords.fr + record.keywords.en
    if keywords:
        rows.append(("Mots-clés", ", ".join(keywords)))
    return rows


def record_html(record: CatalogueRecord, titles: dict[str, str]) -> str:
    """A catalogue record with each of its facts and the sources that back them, each opening its page."""
    facts = "".join(f"<dt>{html_text(term)}</dt><dd>{html_text(value)}</dd>" for term, value in _record_facts(record))
    url = safe_url(record.url)
    if url:
        facts += f"<dt>Adresse</dt><dd><a href='{html_text(url)}' rel='noopener noreferrer'>{html_text(url)}</a></dd>"
    sources = []
    for ref in record_sources_of(record):
        page = f", p. {ref.page}" if ref.page else ""
        title = html_text(titles.get(ref.document, ref.document))
        sources.append(f"<li>{title}{page} — « {html_text(shown_quote(ref.quote))} » "
                       f"<a href='{html_text(document_link(ref.document, ref.page))}' target='_blank' "
                       f"rel='noopener'>ouvrir la page</a></li>")
    return (f"<div class='record' data-record='{html_text(record.id)}'><h3>{html_text(record.display_name)}</h3>"
            f"<dl>{facts}</dl><h4>Sources de la fiche</h4><ol>{''.join(sources)}</ol></div>")


def catalogue_rows(records: list[CatalogueRecord]) -> list[list[str]]:
    return [[r.name, r.acronym or "", kind_label(r.kind, "fr", capitalized=True), r.owner or "", level_text(r.level),
             r.status or "", r.id] for r in records]


def catalogue_count(records: list[CatalogueRecord]) -> str:
    return f"{len(records)} fiche(s)"


def owner_choices(records: list[CatalogueRecord]) -> list[tuple[str, str]]:
    return [ALL_OWNERS] + [(owner, owner) for owner in sorted({r.owner for r in records if r.owner})]


def document_rows(documents: list[IndexedSource], problems: dict[str, str]) -> list[list[str | int]]:
    """The indexed sources, documents first then catalogue records, each sorted by path, with what is wrong with
    one (a record broken on disk since it was indexed) or «à jour»."""
    return [[d.source, d.title, "Fiche" if d.record_id else "Document", d.pages or "", len(d.chunk_ids), d.indexed_at,
             problems.get(d.source, "à jour")]
            for d in sorted(documents, key=lambda d: (d.record_id is not None, d.source))]


# --- A source, as an advisor checks it -----------------------------------------------------------------

def page_image_html(png: bytes) -> str:
    """The page as an image; a click (or Tab) enlarges it to the window to read a table, Tab shrinks it back."""
    return (f"<img alt='La page du document, le passage cité surligné (cliquer pour agrandir)' tabindex='0' "
            f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>")


def _marked_text(path: Path, quote: str) -> str:
    """A text source whole, the quote marked (the same matching as on PDF pages: spacing, case and accents
    aside); OSError when it cannot be read."""
    text = path.read_text(encoding="utf-8", errors="replace")
    span = locate(quote, text)
    if not span:
        return f"<pre style='white-space: pre-wrap'>{html_text(text)}</pre>"
    start, end = span
    marked = f"{html_text(text[:start])}<mark>{html_text(text[start:end])}</mark>{html_text(text[end:])}"
    return f"<pre style='white-space: pre-wrap'>{marked}</pre>"


def _page_image(engine: Engine, source: str, page: int | None, quote: str) -> str:
    image = engine.page_image(source, page or 1, quote)
    found = ("Passage surligné sur la page." if image.highlighted
             else "Le passage n’a pas pu être situé sur l’image de la page.")
    return f"<p class='meta'>Page {image.page} sur {image.pages}. {found}</p>{page_image_html(image.png)}"


def source_view(engine: Engine, source: str, page: int | None, quote: str, title: str,
                record: CatalogueRecord | None, titles: dict[str, str]) -> str:
    """What an advisor sees on clicking a citation: title, page, the quote, and the page itself with the quote
    highlighted (PDF), the text with the quote marked (text file), or the record (catalogue record)."""
    path = engine.source_path(source)
    settings = engine.settings
    where = f" — page {page}" if page else ""
    header = f"<h3>{html_text(title)}{where}</h3><div class='meta'>{html_text(source)}</div>"
    quoted = f"<blockquote>« {html_text(shown_quote(quote))} »</blockquote>"
    if not path.resolve().is_relative_to(settings.path(settings.documents_dir).resolve()):  # a catalogue record
        body = record_html(record, titles) if record else "<p>Fiche introuvable dans l’index.</p>"
        return f"<div class='viewer'>{header}{quoted}{body}</div>"
    link = (f"<p><a href='{html_text(document_link(source, page))}' target='_blank' rel='noopener'>"
            f"Ouvrir le document{' à la page ' + str(page) if page else ''}</a></p>")
    try:
        body = _page_image(engine, source, page, quote) if path.suffix.lower() == ".pdf" else _marked_text(path, quote)
    except (LoadError, OSError) as error:  # a file gone or unreadable: said in one line
        return f"<div class='viewer'>{header}{quoted}<p>{html_text(error)}</p></div>"
    supports = (f"<p class='meta'>Cette source appuie la fiche « {html_text(record.name)} ».</p>"
                if record else "")
    return f"<div class='viewer'>{header}{quoted}{supports}{link}{body}</div>"
