"""Web interface (Gradio): staff chat about a need; advisors check each citation on its page.

`build_app(engine)` assembles the tabs (one module each: chat, catalogue, documents, with the advisors' tools
in the chat tab) over the engine it is given, and `serve(engine)` serves them behind the file guard.
Everything shown comes from that engine. Text from users and documents is escaped before it reaches the page
(render.py), and the server refuses any file outside the documents folder (guard.py).
"""

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant import AskError, Engine
from assistant.web.catalogue import CatalogueTab, create_catalogue_tab
from assistant.web.chat import OPEN_CITED_SOURCE, ChatTab, create_chat_tab
from assistant.web.documents import DocumentsTab, create_documents_tab
from assistant.web.guard import Guard
from assistant.web.render import html_text
from assistant.web.theme import CSS, FRENCH_CHROME, GRADIO_FRENCH, THEME

__all__ = ["TITLE", "asgi_app", "build_app", "serve"]

TITLE = "Assistant de mutualisation"
INTRODUCTION = (f"# {TITLE}\nDécrivez un besoin : l’assistant cherche un actif existant dans le catalogue et les "
                "documents du MCN, suggère un niveau de mutualisation et cite chaque source. "
                "*Describe your need in English if you prefer.*")


def startup(engine: Engine, chat: ChatTab, catalogue: CatalogueTab,
            documents: DocumentsTab) -> Callable[[], dict[Any, Any]]:
    """On each page load: the catalogue, its owners to filter on, and the indexed documents; a warning when the
    index cannot be opened."""

    def load() -> dict[Any, Any]:
        try:
            records = engine.records()
            sources, problems = engine.indexed_documents(), engine.source_problems()
        except AskError as error:
            gr.Warning(html_text(f"Index indisponible : {error}"))
            return gr.skip()
        return {**catalogue.filled(records), **chat.filled(records), **documents.filled(sources, problems)}

    return load


def build_app(engine: Engine) -> gr.Blocks:
    """The app: its tabs answer from `engine`, store feedback in its settings' database, open its documents."""
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as app:
        turns_state = gr.State([])
        gr.Markdown(INTRODUCTION)
        with gr.Tabs():
            with gr.Tab("Clavardage", id="chat"):
                chat = create_chat_tab(engine, turns_state)
            with gr.Tab("Catalogue", id="catalogue"):
                catalogue = create_catalogue_tab(engine)
            with gr.Tab("Documents", id="documents"):
                documents = create_documents_tab()
        app.load(startup(engine, chat, catalogue, documents), None,
                 [catalogue.table, catalogue.count, catalogue.owner, chat.filters.owner, documents.table],
                 api_visibility="private")
    settings = engine.settings
    app.queue(default_concurrency_limit=settings.web_concurrency or os.cpu_count() or 1,
              max_size=settings.web_queue_size)
    return app


def _quiet_shutdown(record: logging.LogRecord) -> bool:
    """On stop, uvicorn cancels the streams browsers keep open and logs each as a traceback: they are expected."""
    return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


def asgi_app(engine: Engine) -> Guard:
    """The app over `engine` as uvicorn serves it, behind the Guard: login when configured, no share link, no
    analytics, system fonts, files only from the engine's documents folder."""
    from fastapi import FastAPI

    blocks = build_app(engine)
    settings = engine.settings
    documents = settings.path(settings.documents_dir)
    server = gr.mount_gradio_app(
        FastAPI(docs_url=None, redoc_url=None, openapi_url=None), blocks, path="",
        server_name=settings.web_host, server_port=settings.web_port, auth=settings.web_login,
        auth_message=f"{TITLE} : connectez-vous.", allowed_paths=[str(documents)],
        footer_links=[], run_history=False, theme=THEME, css=CSS, js=OPEN_CITED_SOURCE, i18n=GRADIO_FRENCH,
        ssr_mode=False, pwa=False, mcp_server=False, enable_monitoring=False)
    return Guard(server, documents, settings.home, FRENCH_CHROME, settings.bounds.request_bytes,
                 trusted_proxy=settings.web_trusted_proxy, user_header=settings.web_user_header)


def serve(engine: Engine) -> None:
    """Serve the app over `engine` with uvicorn, bound to the configured address (127.0.0.1 by default); returns
    when stopped."""
    import uvicorn

    settings = engine.settings
    app = asgi_app(engine)
    logging.getLogger("uvicorn.error").addFilter(_quiet_shutdown)
    login = " (connexion requise)" if settings.web_login else ""
    print(f"{TITLE} : http://{settings.web_host}:{settings.web_port}{login}", flush=True)
    # proxy_headers off: the guard alone reads X-Forwarded-For, and only from ASSISTANT_WEB_TRUSTED_PROXY.
    uvicorn.run(app, host=settings.web_host, port=settings.web_port, log_level="warning", proxy_headers=False,
                timeout_graceful_shutdown=5)
