"""The catalogue tab: the engine's records, searched and filtered; a record shown with the sources of its facts,
each opening on its page."""

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant import CatalogueRecord, Engine, filter_records
from assistant.web.render import (
    ALL_OWNERS,
    KIND_CHOICES,
    LEVEL_CHOICES,
    catalogue_count,
    catalogue_rows,
    owner_choices,
    record_html,
    record_source_choices,
    record_sources_of,
    source_view,
)

COLUMNS = ["Nom", "Sigle", "Type", "Organisme", "Niveau", "Statut", "Identifiant"]
# In pixels, not shares of the screen: on a phone the table scrolls sideways instead of breaking words letter by letter.
COLUMN_WIDTHS: list[str | int] = ["300px", "80px", "110px", "240px", "190px", "150px", "200px"]


@dataclass(frozen=True)
class CatalogueTab:
    search: gr.Textbox
    kind: gr.Dropdown
    owner: gr.Dropdown
    level: gr.Dropdown
    count: gr.Markdown
    table: gr.Dataframe
    record: gr.HTML
    sources: gr.Radio
    viewer: gr.HTML

    def filled(self, records: list[CatalogueRecord]) -> dict[Any, Any]:
        """At start-up: every record, and their owners to filter on."""
        return {self.table: catalogue_rows(records), self.count: catalogue_count(records),
                self.owner: gr.Dropdown(choices=owner_choices(records), value="")}


def wire_catalogue(engine: Engine, tab: CatalogueTab) -> None:
    def records_by_id() -> dict[str, CatalogueRecord]:
        return {record.id: record for record in engine.records()}

    def show_catalogue(query: str, kind: str, owner: str, level: str) -> dict[Any, Any]:
        records = filter_records(engine.records(), query, kind or None, owner or None, int(level) if level else None)
        return {tab.table: catalogue_rows(records), tab.count: catalogue_count(records)}

    def show_record(event: gr.SelectData) -> dict[Any, Any]:
        record = records_by_id().get(event.row_value[-1])
        if not record:
            return {tab.record: "", tab.sources: gr.Radio(choices=[], value=None), tab.viewer: ""}
        titles = engine.document_titles()
        return {tab.record: record_html(record, titles),
                tab.sources: gr.Radio(choices=record_source_choices(record, titles), value=None), tab.viewer: ""}

    def show_record_source(choice: str | None) -> str:
        if not choice:
            return ""
        record_id, _, index = choice.rpartition("#")
        record = records_by_id().get(record_id)
        refs = record_sources_of(record) if record else []
        if not index.isdigit() or int(index) >= len(refs):
            return ""
        ref = refs[int(index)]
        titles = engine.document_titles()
        return source_view(engine, ref.document, ref.page, ref.quote, titles.get(ref.document, ref.document), record,
                           titles)

    filters: list[gr.Textbox | gr.Dropdown] = [tab.search, tab.kind, tab.owner, tab.level]
    for control in filters:
        control.change(show_catalogue, filters, [tab.table, tab.count], api_visibility="private")
    tab.search.submit(show_catalogue, filters, [tab.table, tab.count], api_name="catalogue")
    tab.table.select(show_record, None, [tab.record, tab.sources, tab.viewer], api_visibility="private")
    tab.sources.change(show_record_source, tab.sources, tab.viewer, api_visibility="private")


def create_catalogue_tab(engine: Engine) -> CatalogueTab:
    """Search and filters above the records' table; the chosen record below, beside the page of a source."""
    with gr.Row():
        search = gr.Textbox(label="Rechercher", placeholder="nom, sigle, mot-clé, organisme…", scale=3,
                            elem_id="catalogue-search")
        kind = gr.Dropdown(KIND_CHOICES, value="", label="Type", elem_id="catalogue-kind")
        owner = gr.Dropdown([ALL_OWNERS], value="", label="Organisme", elem_id="catalogue-owner",
                            allow_custom_value=True)
        level = gr.Dropdown(LEVEL_CHOICES, value="", label="Niveau", elem_id="catalogue-level")
    count = gr.Markdown(elem_id="catalogue-count")
    table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, elem_id="catalogue-table", max_height=640,
                         column_widths=COLUMN_WIDTHS)
    with gr.Row(equal_height=False):
        record = gr.HTML(elem_id="record")
        with gr.Column():
            sources = gr.Radio([], label="Sources de la fiche — cliquez pour voir la page", elem_id="record-sources")
            viewer = gr.HTML(elem_id="record-viewer")
    tab = CatalogueTab(search=search, kind=kind, owner=owner, level=level, count=count, table=table, record=record,
                       sources=sources, viewer=viewer)
    wire_catalogue(engine, tab)
    return tab
