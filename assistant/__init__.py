"""Mutualisation assistant: does an IT asset already exist for a public body's need?

The public entry point is `ask(question, history=None, filters=None) -> Answer`. It is loaded on first use,
so that commands that do not answer questions (catalogue checks, ingestion) start without the models.
"""

import os

# Nothing may reach the network: no model download, no telemetry, no analytics.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

__all__ = ["Answer", "AskError", "Filters", "ask"]


def __getattr__(name: str):
    if name in __all__:
        from assistant import models, retrieve, service

        return {"Answer": models.Answer, "AskError": service.AskError, "Filters": retrieve.Filters,
                "ask": service.ask}[name]
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
