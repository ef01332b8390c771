"""An answer, or a whole conversation, as Markdown an advisor files: each question, its answer, its sources with
file, page and exact quote. Used by the CLI, the web app's export and the feedback store's readers."""

from datetime import datetime

from assistant.labels import EXPORT_TEXT
from assistant.models import Answer, Citation


def citation_line(citation: Citation) -> str:
    """A citation as an advisor files it: [n], title, file, page, the exact quote."""
    page = f", p. {citation.page}" if citation.page else ""
    return f"[{citation.n}] {citation.title} ({citation.source}{page}) — « {citation.quote} »"


def sources_markdown(answer: Answer) -> str:
    """The list of an answer's citations, under its heading; empty when it cites nothing."""
    if not answer.citations:
        return ""
    heading = EXPORT_TEXT[answer.language]["sources"]
    return "\n".join([heading, "", *(f"- {citation_line(citation)}" for citation in answer.citations)])


def answer_with_sources(answer: Answer) -> str:
    """The answer's Markdown (after its notice, if the language model's text was set aside), then its sources."""
    parts = [f"_{answer.notice}_"] if answer.notice else []
    parts.append(answer.answer)
    if answer.citations:
        parts.append(sources_markdown(answer))
    return "\n\n".join(parts)


def conversation_markdown(answers: list[Answer], exported_at: datetime) -> str:
    """A whole conversation for an advisor's file: each question, its answer, its sources with file, page, quote."""
    text = EXPORT_TEXT["en" if answers and all(answer.language == "en" for answer in answers) else "fr"]
    stamp = exported_at.isoformat(timespec="minutes")
    lines = [f"# {text['title']}", "", f"{text['exported']} {stamp}", ""]
    for number, answer in enumerate(answers, start=1):
        lines += [f"## {number}. {answer.question}", "", answer_with_sources(answer), ""]
    return "\n".join(lines)
