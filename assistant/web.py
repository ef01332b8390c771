"""Web interface (Gradio): staff chat about a need; advisors check each citation on its page.

Everything shown comes from the public functions of `assistant`. Text from users and documents is escaped
before it reaches the page (never HTML), and the server refuses any file outside the documents folder.
"""

import asyncio
import base64
import html
import logging
import os
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import quote as url_quote

import gradio as gr
from pydantic import ValidationError

from assistant import (
    LEVEL_LABELS_FR,
    REASON_LABELS,
    Answer,
    AskError,
    CatalogueRecord,
    Citation,
    Feedback,
    FeedbackError,
    FeedbackStore,
    Filters,
    LoadError,
    Restart,
    Settings,
    catalogue_records,
    conversation_markdown,
    document_titles,
    filter_records,
    indexed_documents,
    locate,
    render_page,
    stream,
)

log = logging.getLogger("assistant.web")

TITLE = "Assistant de mutualisation"
EXAMPLES = [
    "Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail",
    "Nous devons publier nos appels d’offres et recevoir les soumissions en ligne",
    "Nous voulons conserver nos documents numériques à long terme de façon fiable",
    "We need electronic signatures for our forms",
]
ALL_OWNERS = ("Tous les organismes", "")
COMMENT_LIMIT = 4000
EMPTY_PANELS = ("", "", "", gr.Radio(choices=[], value=None), "", "")  # cards, level, steps, sources, viewer, export
REASON_CHOICES = [("—", "")] + [(label, key) for key, label in REASON_LABELS.items()]
LOW_FIT = 0.5  # below even odds, a card says the fit is uncertain

LABELS = {
    "fr": {"assets": "Actifs proposés", "no_assets": "Aucun actif du catalogue ne répond à ce besoin.",
           "no_assets_question": "Aucune fiche du catalogue n’est nommée dans cette réponse.",
           "level": "Niveau de mutualisation suggéré", "no_level": "Non déterminé par les sources",
           "steps": "Prochaines étapes", "kind": {"asset": "Actif en service", "project": "Projet",
                                                  "program": "Programme"},
           "owner": "Organisme responsable", "status": "Statut", "fit": "Pertinence estimée",
           "low_fit": "pertinence incertaine", "sources": "Sources", "unknown": "non précisé",
           "level_of": "Niveau",
           "basis": {"asset": "d’après le niveau de l’actif retenu", "need": "d’après la formulation du besoin",
                     "none": "les sources ne tranchent pas"}},
    "en": {"assets": "Suggested assets", "no_assets": "No catalogue asset meets this need.",
           "no_assets_question": "No catalogue record is named in this answer.",
           "level": "Suggested pooling level", "no_level": "Not settled by the sources",
           "steps": "Next steps", "kind": {"asset": "Asset in service", "project": "Project", "program": "Program"},
           "owner": "Owner", "status": "Status", "fit": "Estimated fit", "low_fit": "uncertain fit",
           "sources": "Sources", "unknown": "not stated", "level_of": "Level",
           "basis": {"asset": "from the level of the chosen asset", "need": "from the wording of the need",
                     "none": "the sources do not settle it"}},
}

KIND_CHOICES = [("Tous les types", "")] + [(label, kind) for kind, label in LABELS["fr"]["kind"].items()]
LEVEL_CHOICES = [("Tous les niveaux", "")] + [(f"{level} – {label}", str(level)) for level, label in
                                               LEVEL_LABELS_FR.items()]

# System fonts only: nothing may be fetched from outside a closed government network.
THEME = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
CSS = """
.cards {display: flex; flex-direction: column; gap: 8px;}
.card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;}
.card h4 {margin: 0 0 4px 0;}
.card .meta {font-size: 0.9em; color: var(--body-text-color-subdued);}
.badge {display: inline-block; border-radius: 4px; padding: 0 6px; margin-right: 4px; font-size: 0.85em;
        background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);}
.fit {height: 6px; background: var(--background-fill-secondary); border-radius: 3px; margin-top: 6px;}
.fit > span {display: block; height: 6px; border-radius: 3px; background: #1f6feb;}
.low {color: #b35900;}
.viewer img {width: 100%; border: 1px solid var(--border-color-primary);}
.viewer blockquote {border-left: 4px solid #ffd600; margin: 6px 0; padding: 2px 8px;}
#citations .wrap {max-height: 340px; overflow-y: auto;}
.record dt {font-weight: 600;} .record dd {margin: 0 0 6px 0;}
"""


# --- Escaping ------------------------------------------------------------------------------------------

def html_text(text: object) -> str:
    """Text from a user or a document, made inert in HTML and in Gradio's HTML templates (${…}, {{…}})."""
    return (html.escape(str(text), quote=True)
            .replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;"))


def markdown_text(text: str) -> str:
    """Markdown in which HTML, links and images from users or documents stay letters: '<script>' and
    '![x](http://…)' are shown, not run or fetched; '>' is kept for the answer's block quotes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("[", "\\[")


def safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"^https?://", url) else None


# --- Files ---------------------------------------------------------------------------------------------

FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/")
REFUSED_ROUTES = ("/gradio_api/proxy=", "/gradio_api/upload", "/gradio_api/runs", "/gradio_api/run-history")
SERVED_SUFFIXES = {".pdf", ".txt", ".md"}  # what is indexed; never HTML or SVG, which a browser would run


def file_request_allowed(url_path: str, documents_dir: Path) -> bool:
    """Whether the server may answer this request path: Gradio's file routes only for a PDF, text or Markdown
    file inside the documents folder, whether '..' and links are resolved (our reading) or not (Gradio's);
    never its proxy, upload or run-history routes."""
    if url_path.startswith(REFUSED_ROUTES):
        return False
    prefix = next((prefix for prefix in FILE_ROUTES if url_path.startswith(prefix)), None)
    if prefix is None:
        return True
    target = url_path[len(prefix):]
    if "://" in target or not target:
        return False
    folder = documents_dir.resolve()
    try:  # relative paths are taken from the current folder, as Gradio does
        resolved, as_gradio_reads_it = Path(target).resolve(), Path(os.path.abspath(target))
        return (resolved.is_relative_to(folder) and as_gradio_reads_it.is_relative_to(folder)
                and resolved.suffix.lower() in SERVED_SUFFIXES and resolved.is_file())
    except (ValueError, OSError):  # a NUL byte, a name too long for the file system
        return False


def document_link(path: Path, page: int | None) -> str:
    """The URL that opens a document (at a page, for PDFs) through the server's guarded file route."""
    return f"/gradio_api/file={url_quote(path.resolve().as_posix())}" + (f"#page={page}" if page else "")


_EXTERNAL_META = re.compile(r"<meta[^>]+content=\"https?://(?!(?:127\.0\.0\.1|localhost)[:/\"])[^\"]*\"[^>]*>\s*")


def strip_external_references(page: str) -> str:
    """Gradio's page template carries link-preview tags naming gradio.app and GitHub: a closed network needs none."""
    return _EXTERNAL_META.sub("", page)


class Guard:
    """ASGI middleware: refuses file requests outside the documents folder and cleans the page template."""

    def __init__(self, app, documents_dir: Path):
        self.app = app
        self.documents_dir = documents_dir

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if not file_request_allowed(scope["path"], self.documents_dir):
            body = b"Fichier refuse : seuls les documents du corpus sont servis."
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})
        if scope["method"] != "GET":
            return await self.app(scope, receive, send)
        start, chunks = {}, []

        async def cleaned(message):
            """HTML pages are held whole and cleaned; anything else (event streams, files) goes straight on."""
            if message["type"] == "http.response.start":
                start.update(message, html=any(k.lower() == b"content-type" and v.startswith(b"text/html")
                                               for k, v in message.get("headers", [])))
                if not start["html"]:
                    await send(message)
                return
            if not start["html"]:
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = strip_external_references(b"".join(chunks).decode("utf-8")).encode("utf-8")
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({"type": "http.response.start", "status": start["status"],
                        "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        return await self.app(scope, receive, cleaned)


# --- What the panels show (pure: Answer or record in, HTML or Markdown out) ----------------------------

def level_text(level: int | None) -> str:
    return next((label for label, value in LEVEL_CHOICES if value == str(level)), "") if level else ""


def asset_cards(answer: Answer) -> str:
    words = LABELS[answer.language]
    if not answer.assets:
        empty = words["no_assets"] if answer.intent == "need" else words["no_assets_question"]
        return f"<h3>{words['assets']}</h3><p>{html_text(empty)}</p>"
    colon, percent_sign = (" : ", " %") if answer.language == "fr" else (": ", "%")
    cards = []
    for asset in answer.assets:
        name = asset.name + (f" ({asset.acronym})" if asset.acronym else "")
        percent = round(asset.score * 100)
        low = f" <span class='low'>— {words['low_fit']}</span>" if asset.score < LOW_FIT else ""
        level = (f"<span class='badge'>{words['level_of']} {asset.level} – {html_text(asset.level_label)}</span>"
                 if asset.level else "")
        markers = " ".join(f"[{n}]" for n in asset.citations)
        cards.append(
            f"<div class='card' data-asset='{html_text(asset.id)}'><h4>{html_text(name)}</h4>"
            f"<span class='badge'>{words['kind'][asset.kind]}</span>{level}"
            f"<div class='meta'>{words['owner']}{colon}{html_text(asset.owner or words['unknown'])}"
            f" · {words['status']}{colon}{html_text(asset.status or words['unknown'])}</div>"
            f"<div class='meta'>{words['fit']}{colon}{percent}{percent_sign}{low} {html_text(markers)}</div>"
            f"<div class='fit'><span style='width:{percent}%'></span></div></div>")
    return f"<h3>{words['assets']}</h3><div class='cards'>{''.join(cards)}</div>"


def level_markdown(answer: Answer) -> str:
    words = LABELS[answer.language]
    suggested = answer.suggested_level
    heading = f"{suggested.level} – {suggested.label}" if suggested.level else words["no_level"]
    return (f"### {words['level']}\n**{markdown_text(heading)}** ({words['basis'][suggested.basis]})\n\n"
            f"{markdown_text(suggested.rationale)}")


def steps_markdown(answer: Answer) -> str:
    if not answer.next_steps:
        return ""
    steps = "\n".join(f"{n}. {markdown_text(step)}" for n, step in enumerate(answer.next_steps, start=1))
    return f"### {LABELS[answer.language]['steps']}\n{steps}"


def source_label(marker: str, title: str, page: int | None, quote: str) -> str:
    """One line of a list the advisor clicks: marker, title, page, the start of the quote."""
    page_text = f", p. {page}" if page else ""
    shown = quote if len(quote) <= 110 else quote[:107].rstrip() + "…"
    return f"{marker} {title}{page_text} — « {shown} »"


def citation_choices(answer: Answer) -> list[tuple[str, int]]:
    return [(source_label(f"[{c.n}]", c.title, c.page, c.quote), c.n) for c in answer.citations]


def record_sources_of(record: CatalogueRecord) -> list:
    """The record's sources, then the quotes that state its level when they are not among them."""
    return [*record.sources, *(ref for ref in record.level_sources if ref not in record.sources)]


def record_html(record: CatalogueRecord, settings: Settings, titles: dict[str, str]) -> str:
    """A catalogue record with each of its facts and the sources that back them, each opening its page."""
    level = f"{record.level} – {record.level_label}" if record.level else "non précisé par les sources"
    url = safe_url(record.url)
    rows = [("Type", LABELS["fr"]["kind"][record.kind]), ("Niveau de mutualisation", level),
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
    facts = "".join(f"<dt>{html_text(term)}</dt><dd>{html_text(value)}</dd>" for term, value in rows)
    if url:
        facts += f"<dt>Adresse</dt><dd><a href='{html_text(url)}' rel='noopener noreferrer'>{html_text(url)}</a></dd>"
    sources = []
    for ref in record_sources_of(record):
        path = settings.home / ref.document
        page = f", p. {ref.page}" if ref.page else ""
        sources.append(f"<li>{html_text(titles.get(ref.document, ref.document))}{page} — « {html_text(ref.quote)} » "
                       f"<a href='{html_text(document_link(path, ref.page))}' target='_blank' rel='noopener'>"
                       f"ouvrir la page</a></li>")
    name = record.name + (f" ({record.acronym})" if record.acronym else "")
    return (f"<div class='record' data-record='{html_text(record.id)}'><h3>{html_text(name)}</h3><dl>{facts}</dl>"
            f"<h4>Sources de la fiche</h4><ol>{''.join(sources)}</ol></div>")


def page_image_html(png: bytes) -> str:
    return f"<img alt='page' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def source_view(source: str, page: int | None, quote: str, title: str, settings: Settings,
                record: CatalogueRecord | None, titles: dict[str, str]) -> str:
    """What an advisor sees on clicking a citation: title, page, the quote, and the page itself with the quote
    highlighted (PDF), the text with the quote marked (text file), or the record (catalogue record)."""
    path = settings.home / source
    documents = settings.path(settings.documents_dir).resolve()
    where = f" — page {page}" if page else ""
    header = f"<h3>{html_text(title)}{where}</h3><div class='meta'>{html_text(source)}</div>"
    quoted = f"<blockquote>« {html_text(quote)} »</blockquote>"
    if not path.resolve().is_relative_to(documents):  # a catalogue record: the record with its own sources
        body = record_html(record, settings, titles) if record else "<p>Fiche introuvable dans l’index.</p>"
        return f"<div class='viewer'>{header}{quoted}{body}</div>"
    link = (f"<p><a href='{html_text(document_link(path, page))}' target='_blank' rel='noopener'>"
            f"Ouvrir le document{' à la page ' + str(page) if page else ''}</a></p>")
    if path.suffix.lower() != ".pdf":
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            return f"<div class='viewer'>{header}{quoted}<p>{html_text(error)}</p></div>"
        span = locate(quote, text)  # the same matching as on PDF pages: spacing, case and accents aside
        if span:
            start, end = span
            marked = (f"{html_text(text[:start])}<mark>{html_text(text[start:end])}</mark>"
                      f"{html_text(text[end:])}")
        else:
            marked = html_text(text)
        body = f"<pre style='white-space: pre-wrap'>{marked}</pre>"
    else:
        try:
            image = render_page(path, page or 1, quote)
        except LoadError as error:
            return f"<div class='viewer'>{header}{quoted}<p>{html_text(error)}</p></div>"
        found = ("Passage surligné sur la page." if image.highlighted
                 else "Le passage n’a pas pu être situé sur l’image de la page.")
        body = (f"<p class='meta'>Page {image.page} sur {image.pages}. {found}</p>"
                f"{page_image_html(image.png)}")
    supports = (f"<p class='meta'>Cette source appuie la fiche « {html_text(record.name)} ».</p>"
                if record else "")
    return f"<div class='viewer'>{header}{quoted}{supports}{link}{body}</div>"


def export_link(answers: list[Answer], now: datetime) -> str:
    """A link that downloads the conversation as Markdown (a data: URL: no file is written on the server)."""
    if not answers:
        return ""
    data = base64.b64encode(conversation_markdown(answers, now).encode("utf-8")).decode()
    name = f"conversation-{now:%Y-%m-%d-%H%M}.md"
    return (f"<a class='export' download='{name}' href='data:text/markdown;charset=utf-8;base64,{data}'>"
            f"⬇ Exporter la conversation (Markdown, avec les sources)</a>")


def generator_choices(settings: Settings) -> list[tuple[str, str]]:
    """Extractive always; the configured language model when there is one."""
    choices = [("Extractive : citations exactes, sans modèle de langue", "extractive")]
    if settings.generator != "extractive":
        choices.append((f"Modèle de langue ({settings.generator}, {settings.llm_model or 'modèle par défaut'}), "
                        "vérifié", settings.generator))
    return choices


def catalogue_rows(records: list[CatalogueRecord]) -> list[list]:
    return [[r.name, r.acronym or "", LABELS["fr"]["kind"][r.kind], r.owner or "", level_text(r.level),
             r.status or "", r.id] for r in records]


# --- The app -------------------------------------------------------------------------------------------

def build_app(settings: Settings) -> gr.Blocks:
    feedback_store = FeedbackStore(settings.path(settings.feedback_db))

    def records_by_id() -> dict[str, CatalogueRecord]:
        return {record.id: record for record in catalogue_records()}

    def view_citation(citation: Citation) -> str:
        record = records_by_id().get(citation.record_id) if citation.record_id else None
        return source_view(citation.source, citation.page, citation.quote, citation.title, settings, record,
                           document_titles())

    def respond(message: str, chat: list, turns: list, kind: str, owner: str, level: str, generator: str):
        question = (message or "").strip()
        if not question:
            yield {question_box: ""}
            return
        chat = [*chat, {"role": "user", "content": markdown_text(question)},
                {"role": "assistant", "content": "_Recherche dans le catalogue et les documents…_"}]
        yield {chat_box: chat, question_box: ""}
        filters = Filters(kind=kind or None, owner=owner or None, level=int(level) if level else None)
        history = [turn.question for turn in turns if turn]
        written, answer = "", None
        try:
            for piece in stream(question, history, filters, generator or None):
                if isinstance(piece, Answer):
                    answer = piece
                elif isinstance(piece, Restart):  # the model's text is withdrawn: say why, then the checked answer
                    written = f"_{piece.notice}_\n\n"
                    chat[-1] = {"role": "assistant", "content": markdown_text(written)}
                    yield {chat_box: chat}
                else:
                    written += piece
                    chat[-1] = {"role": "assistant", "content": markdown_text(written)}
                    yield {chat_box: chat}
        except AskError as error:
            chat[-1] = {"role": "assistant", "content": markdown_text(f"Je ne peux pas répondre : {error}")}
            yield {chat_box: chat, turns_state: [*turns, None], **dict(zip(panels, EMPTY_PANELS))}
            return
        except Exception:  # the page must say something useful, never show a traceback
            log.exception("answer failed")
            chat[-1] = {"role": "assistant", "content": "Une erreur inattendue s’est produite; le détail est "
                                                        "dans le journal du serveur."}
            yield {chat_box: chat, turns_state: [*turns, None], **dict(zip(panels, EMPTY_PANELS))}
            return
        turns = [*turns, answer]
        yield {chat_box: chat, turns_state: turns, assets_panel: asset_cards(answer),
               level_panel: level_markdown(answer), steps_panel: steps_markdown(answer),
               citation_list: gr.Radio(choices=citation_choices(answer), value=None,
                                       label=f"{LABELS[answer.language]['sources']} — cliquez pour vérifier"),
               viewer: "", export_panel: export_link([t for t in turns if t], datetime.now()),
               feedback_target: feedback_targets(turns)}

    def feedback_targets(turns: list) -> gr.Dropdown:
        choices = [(f"{n}. {turn.question[:80]}", n - 1) for n, turn in enumerate(turns, start=1) if turn]
        return gr.Dropdown(choices=choices, value=choices[-1][1] if choices else None)

    def show_citation(n: int | None, turns: list) -> str:
        latest = next((turn for turn in reversed(turns) if turn), None)
        citation = next((c for c in latest.citations if c.n == n), None) if latest and n else None
        return view_citation(citation) if citation else ""

    def send_feedback(target: int | None, rating: str | None, reason: str | None, comment: str, turns: list) -> str:
        if target is None or not (0 <= target < len(turns)) or turns[target] is None:
            return "Posez d’abord une question : l’avis porte sur une réponse."
        if rating not in ("up", "down"):
            return "Choisissez 👍 ou 👎."
        try:
            number = feedback_store.add(Feedback(rating=rating, reason=reason or None, comment=comment or "",
                                                 answer=turns[target]))
        except ValidationError:
            return f"Avis non enregistré : le commentaire dépasse {COMMENT_LIMIT} caractères."
        except FeedbackError as error:
            log.error("feedback not stored: %s", error)
            return f"Avis non enregistré : {html_text(error)}"
        return f"Merci : avis n° {number} enregistré."

    def on_like(data: gr.LikeData, turns: list):
        """The chat's own thumbs open the feedback form on that answer (each turn is a question and a reply)."""
        turn = (data.index if isinstance(data.index, int) else data.index[0]) // 2
        if not (0 <= turn < len(turns)) or turns[turn] is None:
            return gr.skip(), gr.skip(), gr.skip()
        return gr.Accordion(open=True), ("up" if data.liked else "down"), turn

    def show_catalogue(query: str, kind: str, owner: str, level: str):
        records = filter_records(catalogue_records(), query, kind or None, owner or None, int(level) if level else None)
        return catalogue_rows(records), f"{len(records)} fiche(s)"

    def show_record(event: gr.SelectData):
        record = records_by_id().get(event.row_value[-1])
        if not record:
            return "", gr.Radio(choices=[], value=None), ""
        names = document_titles()
        choices = [(source_label(f"{n}.", names.get(ref.document, ref.document), ref.page, ref.quote),
                    f"{record.id}#{n - 1}") for n, ref in enumerate(record_sources_of(record), start=1)]
        return record_html(record, settings, names), gr.Radio(choices=choices, value=None), ""

    def show_record_source(choice: str | None) -> str:
        if not choice:
            return ""
        record_id, _, index = choice.rpartition("#")
        record = records_by_id().get(record_id)
        refs = record_sources_of(record) if record else []
        if not index.isdigit() or int(index) >= len(refs):
            return ""
        ref = refs[int(index)]
        names = document_titles()
        return source_view(ref.document, ref.page, ref.quote, names.get(ref.document, ref.document), settings,
                           record, names)

    def startup():
        try:
            records = catalogue_records()
            documents = indexed_documents()
        except AskError as error:
            gr.Warning(html_text(f"Index indisponible : {error}"))
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        owners = [ALL_OWNERS] + [(owner, owner) for owner in sorted({r.owner for r in records if r.owner})]
        document_rows = [[d.source, d.title, "Fiche" if d.record_id else "Document", d.pages or "",
                          len(d.chunk_ids), d.indexed_at]
                         for d in sorted(documents, key=lambda d: (d.record_id is not None, d.source))]
        return (catalogue_rows(records), f"{len(records)} fiche(s)", gr.Dropdown(choices=owners, value=""),
                gr.Dropdown(choices=owners, value=""), document_rows)

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as app:
        turns_state = gr.State([])
        gr.Markdown(f"# {TITLE}\nDécrivez un besoin : l’assistant cherche un actif existant dans le catalogue et "
                    "les documents du MCN, suggère un niveau de mutualisation et cite chaque source. "
                    "*Describe your need in English if you prefer.*")
        with gr.Tabs():
            with gr.Tab("Clavardage", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chat_box = gr.Chatbot(label="Conversation", height=520, sanitize_html=True, allow_tags=False,
                                              elem_id="chat", placeholder="Décrivez votre besoin ci-dessous.",
                                              latex_delimiters=[],
                                              buttons=["copy"])
                        with gr.Row():
                            question_box = gr.Textbox(show_label=False, scale=5, elem_id="question", max_lines=6,
                                                      placeholder="Ex. : nos citoyens doivent se connecter à notre "
                                                                  "portail de façon sécurisée")
                            send = gr.Button("Envoyer", variant="primary", scale=1, elem_id="send")
                        gr.Examples(EXAMPLES, inputs=[question_box], label="Exemples de besoins")
                        with gr.Accordion("Filtres (facultatif)", open=False):
                            with gr.Row():
                                kind_filter = gr.Dropdown(KIND_CHOICES, value="", label="Type de fiche")
                                level_filter = gr.Dropdown(LEVEL_CHOICES, value="", label="Niveau")
                                owner_filter = gr.Dropdown([ALL_OWNERS], value="", label="Organisme",
                                                           allow_custom_value=True)
                            generator_pick = gr.Dropdown(generator_choices(settings), value=settings.generator,
                                                         label="Rédaction de la réponse", elem_id="generator")
                        with gr.Row():
                            clear = gr.Button("Nouvelle conversation", size="sm")
                            export_panel = gr.HTML(elem_id="export")
                        with gr.Accordion("Votre avis sur une réponse", open=False) as feedback_box:
                            feedback_target = gr.Dropdown([], label="Réponse évaluée", elem_id="feedback-target")
                            rating = gr.Radio([("👍 Utile", "up"), ("👎 À corriger", "down")], label="Évaluation",
                                              elem_id="rating")
                            reason = gr.Dropdown(REASON_CHOICES, value="", label="Raison (si 👎)", elem_id="reason")
                            comment = gr.Textbox(label="Commentaire", lines=2, elem_id="comment",
                                                 max_length=COMMENT_LIMIT)
                            send_feedback_button = gr.Button("Envoyer l’avis", elem_id="send-feedback")
                            feedback_status = gr.Markdown(elem_id="feedback-status")
                    with gr.Column(scale=2):
                        assets_panel = gr.HTML(elem_id="assets")
                        level_panel = gr.Markdown(elem_id="level", latex_delimiters=[])
                        steps_panel = gr.Markdown(elem_id="steps", latex_delimiters=[])
                        citation_list = gr.Radio([], label="Sources — cliquez pour vérifier", elem_id="citations")
                        viewer = gr.HTML(elem_id="viewer")
            with gr.Tab("Catalogue", id="catalogue"):
                with gr.Row():
                    search = gr.Textbox(label="Rechercher", placeholder="nom, sigle, mot-clé, organisme…", scale=3,
                                        elem_id="catalogue-search")
                    kind_pick = gr.Dropdown(KIND_CHOICES, value="", label="Type", elem_id="catalogue-kind")
                    owner_pick = gr.Dropdown([ALL_OWNERS], value="", label="Organisme", elem_id="catalogue-owner",
                                             allow_custom_value=True)
                    level_pick = gr.Dropdown(LEVEL_CHOICES, value="", label="Niveau", elem_id="catalogue-level")
                count = gr.Markdown(elem_id="catalogue-count")
                table = gr.Dataframe(headers=["Nom", "Sigle", "Type", "Organisme", "Niveau", "Statut", "Identifiant"],
                                     interactive=False, wrap=True, elem_id="catalogue-table", max_height=640,
                                     column_widths=["27%", "7%", "10%", "22%", "14%", "11%", "9%"])
                with gr.Row(equal_height=False):
                    record_panel = gr.HTML(elem_id="record")
                    with gr.Column():
                        record_sources = gr.Radio([], label="Sources de la fiche — cliquez pour voir la page",
                                                  elem_id="record-sources")
                        record_viewer = gr.HTML(elem_id="record-viewer")
            with gr.Tab("Documents", id="documents"):
                gr.Markdown("Sources indexées : documents (par page) et fiches du catalogue.")
                documents_table = gr.Dataframe(headers=["Source", "Titre", "Type", "Pages", "Fragments", "Indexé le"],
                                               interactive=False, wrap=True, elem_id="documents-table",
                                               column_widths=["30%", "34%", "8%", "7%", "8%", "13%"])

        panels = [assets_panel, level_panel, steps_panel, citation_list, viewer, export_panel]
        chat_inputs = [question_box, chat_box, turns_state, kind_filter, owner_filter, level_filter, generator_pick]
        chat_outputs = [chat_box, question_box, turns_state, assets_panel, level_panel, steps_panel, citation_list,
                        viewer, export_panel, feedback_target]
        send.click(respond, chat_inputs, chat_outputs, api_name="chat")
        question_box.submit(respond, chat_inputs, chat_outputs, api_visibility="private")
        conversation = [chat_box, turns_state, *panels, feedback_target]
        new_conversation = lambda: ([], [], *EMPTY_PANELS, gr.Dropdown(choices=[], value=None))  # noqa: E731
        clear.click(new_conversation, None, conversation, api_visibility="private")
        chat_box.clear(new_conversation, None, conversation, api_visibility="private")
        citation_list.change(show_citation, [citation_list, turns_state], viewer, api_name="citation")
        chat_box.like(on_like, [turns_state], [feedback_box, rating, feedback_target], api_visibility="private")
        send_feedback_button.click(send_feedback, [feedback_target, rating, reason, comment, turns_state],
                                   feedback_status, api_name="feedback")
        filters = [search, kind_pick, owner_pick, level_pick]
        for control in filters:
            control.change(show_catalogue, filters, [table, count], api_visibility="private")
        search.submit(show_catalogue, filters, [table, count], api_name="catalogue")
        table.select(show_record, None, [record_panel, record_sources, record_viewer], api_visibility="private")
        record_sources.change(show_record_source, record_sources, record_viewer, api_visibility="private")
        app.load(startup, None, [table, count, owner_pick, owner_filter, documents_table], api_visibility="private")
    return app


def _quiet_shutdown(record: logging.LogRecord) -> bool:
    """On stop, uvicorn cancels the streams browsers keep open and logs each as a traceback: they are expected."""
    return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


def serve(blocks: gr.Blocks, settings: Settings) -> None:
    """Serve the app with uvicorn behind the Guard: bound to the configured address (127.0.0.1 by default),
    login when configured, no share link, no analytics, system fonts, files only from the documents folder."""
    import uvicorn
    from fastapi import FastAPI

    documents = settings.path(settings.documents_dir)
    server = gr.mount_gradio_app(
        FastAPI(docs_url=None, redoc_url=None, openapi_url=None), blocks, path="",
        server_name=settings.web_host, server_port=settings.web_port, auth=settings.web_login,
        auth_message="Assistant de mutualisation : connectez-vous.", allowed_paths=[str(documents)],
        footer_links=[], run_history=False, theme=THEME, css=CSS, ssr_mode=False, pwa=False, mcp_server=False,
        enable_monitoring=False)
    logging.getLogger("uvicorn.error").addFilter(_quiet_shutdown)
    login = " (connexion requise)" if settings.web_login else ""
    print(f"{TITLE} : http://{settings.web_host}:{settings.web_port}{login}", flush=True)
    uvicorn.run(Guard(server, documents), host=settings.web_host, port=settings.web_port, log_level="warning",
                timeout_graceful_shutdown=5)
