"""The web app (Gradio). For now a placeholder page that shows what the index holds; the chat comes next."""

import gradio as gr

import assistant  # noqa: F401  (sets the offline and no-analytics environment before gradio is imported)
from assistant.embed import EmbedderError
from assistant.index import IndexStoreError
from assistant.settings import get_settings
from assistant.sources import indexed_documents

# System fonts only: no request may leave a closed government network.
THEME = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])


def documents_table() -> list[list]:
    try:
        documents = indexed_documents()
    except (IndexStoreError, EmbedderError) as error:
        raise gr.Error(f"Index indisponible : {error}") from error
    return [[d.source, d.title, d.pages or "", len(d.chunk_ids), d.indexed_at] for d in documents]


def build_app() -> gr.Blocks:
    with gr.Blocks(title="Assistant de mutualisation", analytics_enabled=False) as app:
        gr.Markdown(
            "# Assistant de mutualisation\n"
            "Un actif existe-t-il déjà pour votre besoin? Le clavardage arrive bientôt; "
            "voici les sources déjà indexées."
        )
        gr.Dataframe(
            value=documents_table,
            headers=["Source", "Titre", "Pages", "Fragments", "Indexé le"],
            interactive=False,
        )
    return app


if __name__ == "__main__":
    settings = get_settings()
    build_app().launch(server_name=settings.web_host, server_port=settings.web_port, share=False, theme=THEME)
