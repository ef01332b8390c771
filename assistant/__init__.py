"""Mutualisation assistant: does an IT asset already exist for a public body's need?

The public API is what this module imports below; interfaces (CLI, web app, evaluation) use nothing else. Build
one `Engine` from a `Settings` value and call its methods (`ask`, `stream`, `records`, …). Importing the
package is cheap: the models and the index load when an engine first answers.
"""

import os

# Nothing may reach the network: no model download, no telemetry, no analytics.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from assistant.catalogue import filter_records, read_catalogue  # noqa: E402
from assistant.engine import Engine  # noqa: E402
from assistant.errors import (  # noqa: E402
    AskError,
    EmbedderError,
    FeedbackError,
    IndexBusy,
    IndexStoreError,
    LoadError,
    MissingExtra,
    RecordError,
    SettingsError,
)
from assistant.export import answer_with_sources, citation_line, conversation_markdown, sources_markdown  # noqa: E402
from assistant.feedback import (  # noqa: E402
    COMMENT_LIMIT,
    SEPARATORS,
    Feedback,
    FeedbackStore,
    StoredFeedback,
    export_csv,
)
from assistant.importers import FORMATS as IMPORT_FORMATS  # noqa: E402
from assistant.importers import import_into_catalogue  # noqa: E402
from assistant.labels import (  # noqa: E402
    ANSWER_TEXT,
    GENERATORS,
    KIND_LABELS,
    KINDS,
    LEVEL_LABELS,
    PANEL_TEXT,
    QUOTED,
    REASON_LABELS,
    Generator,
    Kind,
    Language,
    display_name,
    kind_label,
    level_label,
    refusal,
    status_label,
)
from assistant.load import DOCUMENT_SUFFIXES, is_hidden  # noqa: E402
from assistant.models import (  # noqa: E402
    Answer,
    AssetResult,
    CatalogueRecord,
    Citation,
    Filters,
    IndexedSource,
    IngestReport,
    PageImage,
    Restart,
    SourceRef,
    SuggestedLevel,
)
from assistant.settings import Settings, load_settings  # noqa: E402
from assistant.text import locate, shown_quote  # noqa: E402

__all__ = [
    "ANSWER_TEXT", "Answer", "AskError", "AssetResult", "COMMENT_LIMIT", "CatalogueRecord", "Citation",
    "DOCUMENT_SUFFIXES", "EmbedderError", "Engine", "Feedback", "FeedbackError", "FeedbackStore", "Filters",
    "GENERATORS", "Generator", "IMPORT_FORMATS", "IndexBusy", "IndexStoreError", "IndexedSource", "IngestReport",
    "KINDS", "KIND_LABELS", "Kind", "LEVEL_LABELS", "Language", "LoadError", "MissingExtra", "PANEL_TEXT", "PageImage",
    "QUOTED", "REASON_LABELS", "RecordError", "Restart", "SEPARATORS", "Settings", "SettingsError", "SourceRef",
    "StoredFeedback", "SuggestedLevel", "answer_with_sources", "citation_line", "conversation_markdown",
    "display_name", "export_csv", "filter_records", "import_into_catalogue", "is_hidden", "kind_label", "level_label",
    "load_settings", "locate", "read_catalogue", "refusal", "shown_quote", "sources_markdown", "status_label",
]
