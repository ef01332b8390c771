"""The advisors' tools beside the conversation: the feedback form on an answer (also opened by the chat's own
thumbs) and the link that exports the conversation with its sources."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import gradio as gr
from pydantic import ValidationError

from assistant import COMMENT_LIMIT, REASON_LABELS, Answer, Engine, Feedback, FeedbackError, FeedbackStore
from assistant.web.render import export_link, html_text

log = logging.getLogger("assistant.web")

REASON_CHOICES = [("—", "")] + [(label, key) for key, label in REASON_LABELS.items()]

Turns = list[Answer | None]  # one per question asked; None when it got no answer


@dataclass(frozen=True)
class FeedbackForm:
    box: gr.Accordion
    target: gr.Dropdown
    rating: gr.Radio
    reason: gr.Dropdown
    comment: gr.Textbox
    send: gr.Button
    status: gr.Markdown


@dataclass(frozen=True)
class AdvisorTools:
    export: gr.HTML
    feedback: FeedbackForm

    def showing(self, turns: Turns) -> dict[Any, Any]:
        """After an answer: the conversation to export, and the answers the form may rate (the last chosen)."""
        return {self.export: export_link([turn for turn in turns if turn], datetime.now()),
                self.feedback.target: feedback_targets(turns)}

    def cleared(self) -> dict[Any, Any]:
        return {self.export: "", self.feedback.target: gr.Dropdown(choices=[], value=None)}


def feedback_targets(turns: Turns) -> gr.Dropdown:
    choices = [(f"{n}. {turn.question[:80]}", n - 1) for n, turn in enumerate(turns, start=1) if turn]
    return gr.Dropdown(choices=choices, value=choices[-1][1] if choices else None)


def send_feedback(store: FeedbackStore, target: int | None, rating: str | None, reason: str | None, comment: str,
                  turns: Turns) -> str:
    """Store an advisor's rating of one answer; what the form then says."""
    answer = turns[target] if target is not None and 0 <= target < len(turns) else None
    if answer is None:
        return "Posez d’abord une question : l’avis porte sur une réponse."
    if rating not in ("up", "down"):
        return "Choisissez « Utile » ou « À corriger »."
    try:
        feedback = Feedback.model_validate({"rating": rating, "reason": reason or None, "comment": comment or "",
                                            "answer": answer})
        number = store.add(feedback)
    except ValidationError:
        return f"Avis non enregistré : le commentaire dépasse {COMMENT_LIMIT} caractères."
    except FeedbackError as error:
        log.error("feedback not stored: %s", error)
        return f"Avis non enregistré : {html_text(error)}"
    return f"Merci : avis n° {number} enregistré."


def create_export_panel() -> gr.HTML:
    """Where the export link appears once the conversation has an answer."""
    return gr.HTML(elem_id="export")


def create_feedback_form(engine: Engine, chat_box: gr.Chatbot, turns_state: gr.State) -> FeedbackForm:
    """The form, stored in the engine's feedback database; the chat's thumbs open it on their answer."""
    store = FeedbackStore(engine.settings.path(engine.settings.feedback_db))
    with gr.Accordion("Votre avis sur une réponse", open=False) as box:
        form = FeedbackForm(
            box=box,
            target=gr.Dropdown([], label="Réponse évaluée", elem_id="feedback-target"),
            rating=gr.Radio([("Utile", "up"), ("À corriger", "down")], label="Évaluation", elem_id="rating"),
            reason=gr.Dropdown(REASON_CHOICES, value="", label="Raison (si « À corriger »)", elem_id="reason"),
            comment=gr.Textbox(label="Commentaire", lines=2, elem_id="comment", max_length=COMMENT_LIMIT),
            send=gr.Button("Envoyer l’avis", elem_id="send-feedback"),
            status=gr.Markdown(elem_id="feedback-status"))

    def on_send(target: int | None, rating: str | None, reason: str | None, comment: str, turns: Turns) -> str:
        return send_feedback(store, target, rating, reason, comment, turns)

    def on_like(data: gr.LikeData, turns: Turns) -> dict[Any, Any]:
        """The chat's own thumbs open the form on that answer (each turn is a question and a reply)."""
        turn = (data.index if isinstance(data.index, int) else data.index[0]) // 2
        if not (0 <= turn < len(turns)) or turns[turn] is None:
            return gr.skip()
        return {form.box: gr.Accordion(open=True), form.rating: "up" if data.liked else "down", form.target: turn}

    chat_box.like(on_like, [turns_state], [form.box, form.rating, form.target], api_visibility="private")
    form.send.click(on_send, [form.target, form.rating, form.reason, form.comment, turns_state], form.status,
                    api_name="feedback")
    return form
