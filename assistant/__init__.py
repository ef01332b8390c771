"""Mutualisation assistant: does an IT asset already exist for a public body's need?

The public entry point is `ask(question, history=None, filters=None) -> Answer` (and `stream`, the same answer
as it is written). The interfaces (CLI, web app, evaluation) use only the names below. They are loaded on first
use, so that commands that do not answer questions (catalogue checks, ingestion) start without the models.
"""

import os

# Nothing may reach the network: no model download, no telemetry, no analytics.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

_PUBLIC = {
    "ask": "assistant.service", "stream": "assistant.service", "catalogue_records": "assistant.service",
    "document_titles": "assistant.service", "locate": "assistant.text",
    "AskError": "assistant.service", "Answer": "assistant.models", "Citation": "assistant.models",
    "CatalogueRecord": "assistant.models", "LEVEL_LABELS_FR": "assistant.models", "Filters": "assistant.retrieve",
    "Settings": "assistant.settings", "get_settings": "assistant.settings",
    "indexed_documents": "assistant.sources", "render_page": "assistant.pages", "LoadError": "assistant.load",
    "filter_records": "assistant.catalogue",
    "sources_markdown": "assistant.compose", "conversation_markdown": "assistant.compose",
    "Feedback": "assistant.feedback", "FeedbackStore": "assistant.feedback", "FeedbackError": "assistant.feedback",
    "REASON_LABELS": "assistant.feedback", "export_csv": "assistant.feedback",
    "load_dev_set": "assistant.evaluate", "run_evaluation": "assistant.eval_report",
    "SYSTEM_NAMES": "assistant.eval_report", "Restart": "assistant.generate",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
