"""The web app's guard: the server answers Gradio's file routes (and `/source/<path>`, mapped onto them) only for a
document of the corpus that is not hidden, never its proxy, upload or run-history routes; it takes a request body
only on the login and the queue, and no bigger than the settings' bound; its page names no outside address and
gets its first script (the page's language).

Everything here is security code, reviewable alone: `Guard` wraps the whole ASGI app (assistant.web.serve).
"""

import logging
import os
import re
from math import ceil
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant import DOCUMENT_SUFFIXES, is_hidden, refusal
from assistant.web.login import LoginThrottle

log = logging.getLogger(__name__)

FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/")
SOURCE_ROUTE = "/source/"  # a document named by its path under the project root: links show no server path
REFUSED_ROUTES = ("/gradio_api/proxy=", "/gradio_api/upload", "/gradio_api/runs", "/gradio_api/run-history")
REFUSED_BODY = b"Fichier refuse : seuls les documents du corpus sont servis."
# The only routes that take a request body: the login, and the queue through which the page and API clients ask
# (join, cancel, reset). Every other one (Gradio's upload, recording, stream, component and vibe-editing routes,
# its REST run/call routes) is refused, whatever it accepts.
POSTED_ROUTES = ("/login", "/login/", "/gradio_api/queue/join", "/gradio_api/cancel", "/gradio_api/reset",
                 "/gradio_api/reset/")
READ_METHODS = ("GET", "HEAD")
REFUSED_METHOD_BODY = b"Requete refusee : cette adresse n'accepte pas d'envoi."
PROXY_ONLY_BODY = b"Acces refuse : passez par le portail de l'organisation (authentification unique)."
LOGIN_WAIT = "Trop d'essais de connexion : reessayez dans {seconds} s."


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


def method_allowed(method: str, url_path: str) -> bool:
    """Whether a request of this method may reach the app: reads anywhere (the file routes are checked apart),
    a body only to the routes that need one."""
    return method in READ_METHODS or (method == "POST" and url_path in POSTED_ROUTES)


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
    """ASGI middleware: refuses file requests outside the documents folder, bodies sent to any route but the
    login and the queue, and bodies over `max_body` bytes (413, before the app reads a byte); cleans the page
    template and puts `first_script` first in it."""

    def __init__(self, app: ASGIApp, documents_dir: Path, home: Path, first_script: str, max_body: int,
                 throttle: LoginThrottle | None = None, trusted_proxy: str | None = None,
                 user_header: str | None = None):
        self.app = app
        self.documents_dir = documents_dir
        self.home = home
        self.first_script = first_script
        self.max_body = max_body
        self.throttle = throttle or LoginThrottle()
        self.trusted_proxy = trusted_proxy
        self.user_header = user_header.lower().encode("latin-1") if user_header else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.user_header and not proxied_user(scope, self.trusted_proxy, self.user_header):
            return await _refuse(send, 403, PROXY_ONLY_BODY)
        if scope["path"].startswith(SOURCE_ROUTE):
            scope = as_file_route(scope, self.home)
        if not file_request_allowed(scope["path"], self.documents_dir):
            return await _refuse(send, 403, REFUSED_BODY)
        if not method_allowed(scope["method"], scope["path"]):
            return await _refuse(send, 403, REFUSED_METHOD_BODY)
        if scope["method"] in READ_METHODS:
            return await self.app(scope, receive, _CleanedPage(send, self.first_script))
        try:
            body = await _bounded_body(scope, receive, self.max_body)
        except _ClientGone:  # nothing to answer, nothing for the app to run
            return None
        if body is None:
            return await _refuse(send, 413, refusal("request", _declared_length(scope) or self.max_body + 1,
                                                    self.max_body).encode("utf-8"))
        if scope["path"].rstrip("/") == "/login":
            return await self._login(scope, body, receive, send)
        return await self.app(scope, _replay(body, receive), send)

    async def _login(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        """Gradio's login, throttled: while a client or an account waits out its delay, 429 at once. Each attempt
        counts as a failure before it is checked (attempts sent in parallel all count), cleared if it succeeds."""
        form = await Request(scope, _replay(body, receive)).form()
        accounts = [str(value) for value in form.getlist("username")]
        client, account = client_address(scope, self.trusted_proxy), (accounts[-1] if accounts else "").strip()
        if (wait := self.throttle.wait(client, account)) > 0:
            return await _refuse(send, 429, LOGIN_WAIT.format(seconds=ceil(wait)).encode("utf-8"),
                                 [(b"retry-after", str(ceil(wait)).encode())])
        self.throttle.failed(client, account)
        statuses: list[int] = []

        async def noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            await send(message)

        await self.app(scope, _replay(body, receive), noting_status)
        if statuses[:1] == [200]:
            self.throttle.succeeded(client, account)
        else:
            log.warning("connexion refusée : compte « %s » depuis %s", account[:100], client)


def client_address(scope: Scope, trusted_proxy: str | None) -> str:
    """Who sent the request: the peer, or, when the peer is the trusted reverse proxy, the address it says it
    forwards (the last of X-Forwarded-For, the one it added itself)."""
    peer = (scope.get("client") or ("?", 0))[0]
    if trusted_proxy and peer == trusted_proxy:
        forwarded = [address.strip() for key, value in scope.get("headers", []) if key.lower() == b"x-forwarded-for"
                     for address in value.decode("latin-1").split(",")]
        if forwarded and forwarded[-1]:
            return forwarded[-1]
    return peer


def proxied_user(scope: Scope, trusted_proxy: str | None, user_header: bytes) -> str | None:
    """The user the single sign-on in front of the app names (`user_header`), when the request comes from the
    trusted proxy; None otherwise (a request that went around the proxy, or named nobody)."""
    if not trusted_proxy or (scope.get("client") or ("", 0))[0] != trusted_proxy:
        return None
    return next((value.decode("latin-1").strip() or None for key, value in scope.get("headers", [])
                 if key.lower() == user_header), None)


def _declared_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class _ClientGone(Exception):
    """The client disconnected before its request body was whole."""


async def _bounded_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it (or its declared length) is over `limit` bytes; _ClientGone
    when the client leaves first."""
    declared = _declared_length(scope)
    if declared is not None and declared > limit:
        return None
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body read ahead, then waits on the client as the original would."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _refuse(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
