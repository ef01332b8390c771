"""The documents tab: every source the engine has indexed (documents by page, catalogue records), filled at
start-up."""

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant import IndexedSource
from assistant.web.render import document_rows

COLUMNS = ["Source", "Titre", "Type", "Pages", "Fragments", "Indexé le", "État"]


@dataclass(frozen=True)
class DocumentsTab:
    table: gr.Dataframe

    def filled(self, documents: list[IndexedSource], problems: dict[str, str]) -> dict[Any, Any]:
        return {self.table: document_rows(documents, problems)}


def create_documents_tab() -> DocumentsTab:
    gr.Markdown("Sources indexées : documents (par page) et fiches du catalogue.")
    table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, elem_id="documents-table",
                         column_widths=["240px", "260px", "90px", "70px", "90px", "150px", "260px"])
    return DocumentsTab(table=table)
