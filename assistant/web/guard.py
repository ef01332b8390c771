"""The web app's file guard: the server answers Gradio's file routes (and `/source/<path>`, mapped onto them) only
for a document of the corpus that is not hidden, never its proxy, upload or run-history routes; its page names no
outside address and gets its first script (the page's language).

Everything here is security code, reviewable alone: `Guard` wraps the whole ASGI app (assistant.web.serve).
"""

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant import DOCUMENT_SUFFIXES, is_hidden

FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/")
SOURCE_ROUTE = "/source/"  # a document named by its path under the project root: links show no server path
REFUSED_ROUTES = ("/gradio_api/proxy=", "/gradio_api/upload", "/gradio_api/runs", "/gradio_api/run-history")
REFUSED_BODY = b"Fichier refuse : seuls les documents du corpus sont servis."


def file_request_allowed(url_path: str, documents_dir: Path) -> bool:
    """Whether the server may answer this request path: Gradio's file routes only for a PDF, text or Markdown
    file inside the documents folder and not hidden, whether '..' and links are resolved (our reading) or not
    (Gradio's); never its proxy, upload or run-history routes."""
    if url_path.startswith(REFUSED_ROUTES):
        return False
    prefix = next((prefix for prefix in FILE_ROUTES if url_path.startswith(prefix)), None)
    if prefix is None:
        return True
    target = url_path[len(prefix):]
    if "://" in target or not target:
        return False
    folder = documents_dir.resolve()
    try:  # relative paths are taken from the current folder, as Gradio does
        resolved, as_gradio_reads_it = Path(target).resolve(), Path(os.path.abspath(target))
        inside = resolved.is_relative_to(folder) and as_gradio_reads_it.is_relative_to(folder)
        return (inside and not is_hidden(as_gradio_reads_it.relative_to(folder))
                and not is_hidden(resolved.relative_to(folder))
                and resolved.suffix.lower() in DOCUMENT_SUFFIXES and resolved.is_file())
    except (ValueError, OSError):  # a NUL byte, a name too long for the file system
        return False


def document_link(source: str, page: int | None) -> str:
    """The URL that opens a document (at a page, for PDFs), named by its path relative to the project root (as
    citations name it): the page never shows where the server keeps its files."""
    return f"{SOURCE_ROUTE}{url_quote(source)}" + (f"#page={page}" if page else "")


def as_file_route(scope: Scope, home: Path) -> Scope:
    """A request for /source/<path under the project root> as Gradio's file route for that file, which the guard
    then checks like any other file request."""
    target = f"{FILE_ROUTES[0]}{(home / scope['path'][len(SOURCE_ROUTE):]).as_posix()}"
    return {**scope, "path": target, "raw_path": url_quote(target, safe="/=").encode()}


_EXTERNAL_META = re.compile(r"<meta[^>]+content=\"https?://(?!(?:127\.0\.0\.1|localhost)[:/\"])[^\"]*\"[^>]*>\s*")


def strip_external_references(page: str) -> str:
    """Gradio's page template carries link-preview tags naming gradio.app and GitHub: a closed network needs none."""
    return _EXTERNAL_META.sub("", page)


def _is_html(start: Message) -> bool:
    return any(key.lower() == b"content-type" and value.startswith(b"text/html")
               for key, value in start.get("headers", []))


def with_first_script(page: str, script: str) -> str:
    """The page with `script` first in its head, before the page's own scripts run."""
    return page.replace("<head>", "<head>" + script, 1)


class _CleanedPage:
    """The `send` of one GET response: an HTML page is held whole, cleaned and given the first script; anything
    else (event streams, files) goes straight on."""

    def __init__(self, send: Send, first_script: str):
        self.send = send
        self.first_script = first_script
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message if _is_html(message) else None
            if self.start is None:
                await self.send(message)
            return
        if self.start is None:
            await self.send(message)
            return
        self.chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        page = strip_external_references(b"".join(self.chunks).decode("utf-8"))
        body = with_first_script(page, self.first_script).encode("utf-8")
        headers: list[Any] = [(k, v) for k, v in self.start["headers"] if k.lower() != b"content-length"]
        await self.send({"type": "http.response.start", "status": self.start["status"],
                         "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await self.send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: refuses file requests outside the documents folder, cleans the page template and puts
    `first_script` first in it."""

    def __init__(self, app: ASGIApp, documents_dir: Path, home: Path, first_script: str):
        self.app = app
        self.documents_dir = documents_dir
        self.home = home
        self.first_script = first_script

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"].startswith(SOURCE_ROUTE):
            scope = as_file_route(scope, self.home)
        if not file_request_allowed(scope["path"], self.documents_dir):
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(REFUSED_BODY)).encode())]})
            return await send({"type": "http.response.body", "body": REFUSED_BODY})
        if scope["method"] != "GET":
            return await self.app(scope, receive, send)
        return await self.app(scope, receive, _CleanedPage(send, self.first_script))
