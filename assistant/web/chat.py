"""The chat tab: the conversation about a need (each answer's decision first, the rest folded), its filters, and
beside it the page of a source, the answer's assets and its sources, each [n] opening its page."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant import (
    GENERATORS,
    PANEL_TEXT,
    Answer,
    AskError,
    CatalogueRecord,
    Citation,
    Engine,
    Filters,
    Generator,
    Restart,
    Settings,
)
from assistant.web.advisors import AdvisorTools, Turns, create_export_panel, create_feedback_form
from assistant.web.render import (
    ALL_OWNERS,
    KIND_CHOICES,
    LEVEL_CHOICES,
    asset_cards,
    citation_choices,
    decision_markdown,
    linked_markers,
    markdown_text,
    owner_choices,
    source_view,
    unlinked_markers,
)

log = logging.getLogger("assistant.web")

EXAMPLES = [
    "Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail",
    "Nous devons publier nos appels d’offres et recevoir les soumissions en ligne",
    "Nous voulons conserver nos documents numériques à long terme de façon fiable",
    "We need electronic signatures for our forms",
]
SEARCHING = "_Recherche dans le catalogue et les documents…_"
MAX_SHOWN = 300  # characters of a refused question shown back in the conversation
UNEXPECTED = "Une erreur inattendue s’est produite; le détail est dans le journal du serveur."

Message = dict[str, Any]  # one message of the chat: role and Markdown content (text, or parts with text)
# A click on [n] in the latest answer opens that source beside the conversation (the Sources list's choice n).
OPEN_CITED_SOURCE = """() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('#chat a[href^="#source-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const choice = document.querySelector(`#citations input[value="${link.hash.slice('#source-'.length)}"]`);
    if (!choice) return;
    choice.click();
    const panels = document.querySelector('#panels');  // beside the chat on a wide screen, under it on a phone
    if (getComputedStyle(panels).position === 'sticky') panels.scrollTop = 0;
    else document.querySelector('#viewer').scrollIntoView({block: 'start'});
  }, true);
}"""
# Once an answer is in, the chat (and, on a phone, the page) shows where it starts (its verdict), not where it ends.
SHOW_ANSWER_START = """() => {
  const answers = document.querySelectorAll('#chat [data-testid="bot"]');
  if (answers.length) answers[answers.length - 1].scrollIntoView({block: 'start'});
}"""


def generator_choices(settings: Settings) -> list[tuple[str, str]]:
    """Extractive always; the configured language model when there is one."""
    choices = [("Extractive : citations exactes, sans modèle de langue", "extractive")]
    if settings.generator != "extractive":
        choices.append((f"Modèle de langue ({settings.generator}, {settings.llm_model or 'modèle par défaut'}), "
                        "vérifié", settings.generator))
    return choices


def chosen_generator(value: str | None) -> Generator | None:
    """The generator picked in the list (its choices are GENERATORS); None for the settings' own."""
    return next((generator for generator in GENERATORS if generator == value), None)


@dataclass(frozen=True)
class SourcesPanel:
    """Beside the conversation: a source's page, then the latest answer's assets and its sources."""

    assets: gr.HTML
    citations: gr.Radio
    viewer: gr.HTML

    def showing(self, answer: Answer) -> dict[Any, Any]:
        label = f"{PANEL_TEXT[answer.language]['sources']} — cliquez pour vérifier"
        return {self.assets: asset_cards(answer),
                self.citations: gr.Radio(choices=citation_choices(answer), value=None, label=label),
                self.viewer: ""}

    def cleared(self) -> dict[Any, Any]:
        return {self.assets: "", self.citations: gr.Radio(choices=[], value=None),
                self.viewer: ""}


@dataclass(frozen=True)
class ChatFilters:
    kind: gr.Dropdown
    level: gr.Dropdown
    owner: gr.Dropdown
    generator: gr.Dropdown


@dataclass(frozen=True)
class ChatTab:
    turns: gr.State
    chat: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    filters: ChatFilters
    clear: gr.Button
    tools: AdvisorTools
    panel: SourcesPanel

    def filled(self, records: list[CatalogueRecord]) -> dict[Any, Any]:
        """At start-up: the owners of the catalogue's records to filter on."""
        return {self.filters.owner: gr.Dropdown(choices=owner_choices(records), value="")}


def view_citation(engine: Engine, citation: Citation) -> str:
    records = {record.id: record for record in engine.records()}
    record = records.get(citation.record_id) if citation.record_id else None
    return source_view(engine, citation.source, citation.page, citation.quote, citation.title, record,
                       engine.document_titles())


def rewritten(message: Message, change: Callable[[str], str]) -> Message:
    """A chat message with `change` applied to its text (Gradio hands a message back as a string, or as a list of
    parts of which the text ones have a "text")."""
    content = message["content"]
    if isinstance(content, str):
        return {**message, "content": change(content)}
    parts = [{**part, "text": change(part["text"])} if isinstance(part, dict) and "text" in part else part
             for part in content]
    return {**message, "content": parts}


def history_of(turns: Turns, engine: Engine) -> list[str]:
    """The earlier questions a question is read with: the latest ones, as many as the settings allow."""
    return [turn.question for turn in turns if turn][-engine.settings.bounds.history_turns:]


def written_replies(engine: Engine, question: str, turns: Turns, filters: Filters, generator: Generator | None,
                    chat: list[Message]) -> Iterator[list[Message] | Answer]:
    """The chat each time the reply grows (a Restart withdraws the model's text and says why, before the checked
    answer), then the Answer; RuntimeError if none comes."""
    history = history_of(turns, engine)
    written, answered = "", False
    for piece in engine.stream(question, history, filters, generator):
        if isinstance(piece, Answer):
            answered = True
            yield piece
            continue
        written = f"_{piece.notice}_\n\n" if isinstance(piece, Restart) else written + piece
        yield [*chat[:-1], {"role": "assistant", "content": markdown_text(written)}]
    if not answered:
        raise RuntimeError("the answer stream ended without an answer")


def responder(engine: Engine, tab: ChatTab):
    """The chat's handler: the question in, the reply streamed into the chat, then the panels filled."""

    def failed(chat: list[Message], turns: Turns, message: str) -> dict[Any, Any]:
        return {tab.chat: [*chat[:-1], {"role": "assistant", "content": message}], tab.turns: [*turns, None],
                **tab.panel.cleared(), tab.tools.export: ""}

    def respond(message: str, chat: list[Message], turns: Turns, kind: str, owner: str, level: str,
                generator: str) -> Iterator[dict[Any, Any]]:
        question = (message or "").strip()
        if not question:
            yield {tab.question: ""}
            return
        try:  # an oversized question is refused before it is shown, rendered or read
            engine.check(question, history_of(turns, engine))
        except AskError as error:
            shown = markdown_text(question[:MAX_SHOWN] + ("…" if len(question) > MAX_SHOWN else ""))
            asked = [*chat, {"role": "user", "content": shown}, {"role": "assistant", "content": SEARCHING}]
            yield failed(asked, turns, markdown_text(f"Je ne peux pas répondre : {error}"))
            return
        chat = [*chat, {"role": "user", "content": markdown_text(question)},
                {"role": "assistant", "content": SEARCHING}]
        yield {tab.chat: chat, tab.question: ""}
        filters = Filters.model_validate({"kind": kind or None, "owner": owner or None,
                                          "level": int(level) if level else None})
        answer = None
        try:
            for reply in written_replies(engine, question, turns, filters, chosen_generator(generator), chat):
                if isinstance(reply, Answer):
                    answer = reply
                else:
                    chat = reply
                    yield {tab.chat: chat}
        except AskError as error:
            yield failed(chat, turns, markdown_text(f"Je ne peux pas répondre : {error}"))
            return
        except Exception:  # the page must say something useful, never show a traceback
            log.exception("answer failed")
            yield failed(chat, turns, UNEXPECTED)
            return
        assert answer is not None  # written_replies raises when no Answer comes
        chat = [*(rewritten(message, unlinked_markers) for message in chat[:-1]),
                rewritten(chat[-1], lambda shown: linked_markers(decision_markdown(answer, shown)))]
        turns = [*turns, answer]
        yield {tab.chat: chat, tab.turns: turns, **tab.panel.showing(answer), **tab.tools.showing(turns)}

    return respond


def create_sources_panel() -> SourcesPanel:
    """The source an advisor opens comes first, beside the conversation; then the answer's panels."""
    viewer = gr.HTML(elem_id="viewer")
    return SourcesPanel(assets=gr.HTML(elem_id="assets"),
                        citations=gr.Radio([], label="Sources — cliquez pour vérifier", elem_id="citations"),
                        viewer=viewer)


def create_filters(settings: Settings) -> ChatFilters:
    with gr.Accordion("Filtres (facultatif)", open=False):
        with gr.Row():
            kind = gr.Dropdown(KIND_CHOICES, value="", label="Type de fiche")
            level = gr.Dropdown(LEVEL_CHOICES, value="", label="Niveau")
            owner = gr.Dropdown([ALL_OWNERS], value="", label="Organisme", allow_custom_value=True)
        generator = gr.Dropdown(generator_choices(settings), value=settings.generator,
                                label="Rédaction de la réponse", elem_id="generator")
    return ChatFilters(kind=kind, level=level, owner=owner, generator=generator)


def wire_chat(engine: Engine, tab: ChatTab) -> None:
    respond = responder(engine, tab)
    inputs = [tab.question, tab.chat, tab.turns, tab.filters.kind, tab.filters.owner, tab.filters.level,
              tab.filters.generator]
    panel = tab.panel
    outputs = [tab.chat, tab.question, tab.turns, panel.assets, panel.citations, panel.viewer, tab.tools.export,
               tab.tools.feedback.target]
    tab.send.click(respond, inputs, outputs, api_name="chat").then(None, js=SHOW_ANSWER_START)
    tab.question.submit(respond, inputs, outputs, api_visibility="private").then(None, js=SHOW_ANSWER_START)

    def new_conversation() -> dict[Any, Any]:
        return {tab.chat: [], tab.turns: [], **panel.cleared(), **tab.tools.cleared()}

    conversation = [tab.chat, tab.turns, panel.assets, panel.citations, panel.viewer, tab.tools.export,
                    tab.tools.feedback.target]
    tab.clear.click(new_conversation, None, conversation, api_visibility="private")
    tab.chat.clear(new_conversation, None, conversation, api_visibility="private")

    def show_citation(n: int | None, turns: Turns) -> str:
        latest = next((turn for turn in reversed(turns) if turn), None)
        citation = next((c for c in latest.citations if c.n == n), None) if latest and n else None
        return view_citation(engine, citation) if citation else ""

    panel.citations.change(show_citation, [panel.citations, tab.turns], panel.viewer, api_name="citation")


def create_chat_tab(engine: Engine, turns_state: gr.State) -> ChatTab:
    """The conversation on the left (with its filters and the advisors' tools), the answer's panels on the right."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chat_box = gr.Chatbot(label="Conversation", height=520, sanitize_html=True, allow_tags=False,
                                  elem_id="chat", placeholder="Décrivez votre besoin ci-dessous.",
                                  latex_delimiters=[], buttons=["copy"], autoscroll=False)
            with gr.Row(elem_classes=["ask-row"]):
                question = gr.Textbox(show_label=False, scale=5, elem_id="question", max_lines=6,
                                      max_length=engine.settings.bounds.question_chars,
                                      placeholder="Ex. : nos citoyens doivent se connecter à notre portail de façon "
                                                  "sécurisée")
                send = gr.Button("Envoyer", variant="primary", scale=1, elem_id="send")
            gr.Examples(EXAMPLES, inputs=[question], label="Exemples de besoins")
            filters = create_filters(engine.settings)
            with gr.Row():
                clear = gr.Button("Nouvelle conversation", size="sm")
                export = create_export_panel()
            feedback = create_feedback_form(engine, chat_box, turns_state)
        with gr.Column(scale=2, elem_id="panels"):
            panel = create_sources_panel()
    tab = ChatTab(turns=turns_state, chat=chat_box, question=question, send=send, filters=filters, clear=clear,
                  tools=AdvisorTools(export=export, feedback=feedback), panel=panel)
    wire_chat(engine, tab)
    return tab
