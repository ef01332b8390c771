"""The web app over HTTP, as a script or another program would use it: a real server process on a free port,
driven through gradio_client; the file guard and the login checked with plain HTTP requests."""

import base64
import csv
import io
import re
import time

import httpx
import pytest
from conftest import web_server
from gradio_client import Client
from test_cli import run

from assistant.settings import Settings

pytestmark = pytest.mark.slow

NEED = "Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail"


@pytest.fixture
def client(web_app) -> Client:
    """A new visitor: a session of its own, with an empty conversation."""
    return Client(web_app, verbose=False)


def exported_markdown(export_html: str) -> str:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", export_html).group(1)
    return base64.b64decode(data).decode("utf-8")


def test_a_need_in_gives_assets_and_citations_out_streamed(client):
    job = client.submit(NEED, [], "", "", "", api_name="/chat")
    chat, _, assets, _, _, export, _ = job.result(timeout=120)
    assert len(job.outputs()) >= 3, "the reply arrives in pieces, not at once"
    reply = chat[-1]["content"][0]["text"] if isinstance(chat[-1]["content"], list) else chat[-1]["content"]
    assert "Service d’authentification gouvernementale" in reply
    assert re.search(r"\[\\\[\d+\\\]\]\(#source-\d+\)", reply)  # each [n] opens its source
    assert "class='card'" in assets and "Service d’authentification gouvernementale (SAG)" in assets
    assert "Niveau 3 – Fondation numérique gouvernementale" in assets and "Pertinence estimée" in assets
    decision = reply.split("<details>")[0]  # the decision first, the rest folded
    assert "**Niveau de mutualisation suggéré :** 3 – Fondation numérique gouvernementale" in decision
    assert "**Prochaine étape :** Étape 1" in decision
    markdown = exported_markdown(export)
    assert markdown.startswith("# Conversation avec l’assistant de mutualisation")
    assert f"## 1. {NEED}" in markdown
    assert re.search(r"^- \[1\] .+ \(corpus/documents/[\w.-]+\.pdf, p\. \d+\) — « .+ »$", markdown, re.MULTILINE)


def test_clicking_a_citation_returns_its_page_with_the_quote_highlighted(client, web_home):
    client.predict(NEED, [], "", "", "", api_name="/chat")
    view = client.predict(1, api_name="/citation")
    assert "data:image/png;base64," in view and "Passage surligné sur la page." in view
    assert re.search(r"— page \d+</h3>", view)
    link = re.search(r"href='(/source/corpus/documents/[^'/]+\.pdf)#page=(\d+)'", view)
    assert link, view[:500]
    assert str(web_home) not in view  # no server path in what the page shows


def test_feedback_is_stored_with_the_answer_and_exported_as_csv(client, web_home):
    client.predict("Nous devons publier nos appels d’offres en ligne", [], "", "", "", api_name="/chat")
    status = client.predict(0, "down", "wrong_level", "=SOMME(A1) le niveau devrait être 2", api_name="/feedback")
    assert re.match(r"Merci : avis n° \d+ enregistré\.", status), status
    settings = Settings(_env_file=None, home=web_home)
    database = str(web_home / "data" / "feedback.sqlite3")
    exported = run("feedback", "export", "--separator", ",", settings=settings, ASSISTANT_FEEDBACK_DB=database)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    row = next(r for r in rows if r["comment"].endswith("le niveau devrait être 2"))
    assert row["rating"] == "down" and row["reason"] == "wrong_level"
    assert row["comment"].startswith("'="), "a formula is neutralised for spreadsheets"
    assert row["question"] == "Nous devons publier nos appels d’offres en ligne"
    assert '"verdict":' in row["answer_json"] and '"citations":' in row["answer_json"]

    # A file for French Excel: UTF-8 with its byte-order mark, «;» between columns, local times.
    spreadsheet = web_home / "avis.csv"
    written = run("feedback", "export", "--out", str(spreadsheet), settings=settings, ASSISTANT_FEEDBACK_DB=database,
                  TZ="America/Toronto")
    assert written.returncode == 0, written.stderr
    data = spreadsheet.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "é".encode() in data
    saved = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [r["question"] for r in saved] == [r["question"] for r in rows]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", saved[0]["created_at"])


def test_feedback_without_a_rating_is_refused(client):
    client.predict(NEED, [], "", "", "", api_name="/chat")
    assert client.predict(0, None, "", "", api_name="/feedback") == "Choisissez « Utile » ou « À corriger »."


def test_the_catalogue_search_filters_records(client):
    table, count = client.predict("authentification", "", "", "3", api_name="/catalogue")
    names = [row[0] for row in table["data"]]
    assert "Service d’authentification gouvernementale" in names
    assert all(row[4].startswith("3 –") for row in table["data"]) and count == f"{len(names)} fiche(s)"


@pytest.mark.parametrize("target", [
    "/etc/passwd",
    "{home}/pyproject.toml",
    "{home}/corpus/catalogue/sag.yaml",
    "{home}/index/chroma.sqlite3",
    "{home}/data/feedback.sqlite3",
    "{home}/corpus/documents/../catalogue/sag.yaml",
    "corpus/catalogue/sag.yaml",
    "{home}/corpus/documents",
    "https://example.org/x.pdf",
    "%00",
    "{home}/corpus/documents/" + "x" * 300 + ".pdf",
])
@pytest.mark.parametrize("route", ["gradio_api/file=", "gradio_api/file/"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_files_outside_the_documents_folder_are_refused(web_app, web_home, target, route, method):
    response = httpx.request(method, web_app + route + target.format(home=web_home))
    assert response.status_code == 403
    if method == "GET":
        assert "Fichier refuse" in response.text


def test_a_page_or_an_image_dropped_among_the_documents_is_not_served(web_app, web_home):
    """A browser would run an HTML or SVG file served from the app's own origin: only what is indexed is served."""
    documents = web_home / "corpus" / "documents"
    for name, content in [("page.html", "<script>alert(1)</script>"), ("image.svg", "<svg onload='alert(1)'/>")]:
        (documents / name).write_text(content)
        try:
            assert httpx.get(f"{web_app}gradio_api/file={documents / name}").status_code == 403
        finally:
            (documents / name).unlink()


def test_a_link_out_of_the_documents_folder_is_refused(web_app, web_home):
    link = web_home / "corpus" / "documents" / "lien.pdf"
    link.symlink_to(web_home / "corpus" / "catalogue" / "sag.yaml")
    try:
        assert httpx.get(f"{web_app}gradio_api/file={link}").status_code == 403
    finally:
        link.unlink()


@pytest.mark.parametrize("path", ["corpus/documents/../catalogue/sag.yaml", "corpus/catalogue/sag.yaml",
                                  "..%2F..%2Fetc%2Fpasswd", "corpus/documents/absent.pdf", ""])
def test_the_source_route_serves_only_documents_of_the_corpus(web_app, path):
    assert httpx.get(f"{web_app}source/{path}").status_code == 403


def test_documents_are_served_and_upload_and_proxy_routes_are_closed(web_app, web_home):
    pdf = web_home / "corpus" / "documents" / "mcn-reponse-acces-DA2425-39-mutualisation.pdf"
    response = httpx.get(f"{web_app}gradio_api/file={pdf}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    by_source = httpx.get(f"{web_app}source/corpus/documents/{pdf.name}")
    assert by_source.status_code == 200 and by_source.content == response.content
    assert httpx.post(web_app + "gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 403
    assert httpx.get(web_app + "gradio_api/proxy=https://example.org/").status_code == 403


def test_the_page_names_no_outside_address(web_app):
    page = httpx.get(web_app).text
    assert "gradio.app/" not in page and "githubusercontent" not in page and "fonts.googleapis" not in page
    config = httpx.get(web_app + "config").json()
    assert config["analytics_enabled"] is False and config["stylesheets"] == []
    assert config["run_history"] is False, "questions and answers are not kept in the browser"
    assert httpx.get(web_app + "gradio_api/runs").status_code == 403


def test_a_configured_login_is_required(web_home, tmp_path):
    with web_server(web_home, tmp_path / "web.log", ASSISTANT_WEB_USERNAME="conseil",
                    ASSISTANT_WEB_PASSWORD="mot-de-passe") as url:
        assert httpx.get(url + "config").status_code == 401
        pdf = web_home / "corpus" / "documents" / "mcn-reponse-acces-DA2425-39-mutualisation.pdf"
        assert httpx.get(f"{url}gradio_api/file={pdf}").status_code == 401
        assert httpx.post(url + "gradio_api/queue/join", json={"data": ["seao", "", "", ""]}).status_code == 401
        authenticated = Client(url, auth=("conseil", "mot-de-passe"), verbose=False)
        table, _ = authenticated.predict("seao", "", "", "", api_name="/catalogue")
        assert table["data"]

        # Thirty guesses from one client: a few free, then refused at once (429) without reaching the check,
        # the right password included while the account waits; the log names the account, never a password.
        statuses = [httpx.post(url + "login", data={"username": "conseil", "password": f"essai-{n}"}).status_code
                    for n in range(30)]
        assert statuses[:3] == [400, 400, 400] and statuses.count(429) >= 25, statuses
        # The right password is asked right after a refusal that announced a wait of over two seconds: on a slow
        # machine the thirty guesses can outlast a short delay, and the account would no longer be waiting.
        for _ in range(30):
            guess = httpx.post(url + "login", data={"username": "conseil", "password": "essai"})
            if guess.status_code == 429 and int(guess.headers["retry-after"]) >= 3:
                break
        right = httpx.post(url + "login", data={"username": "conseil", "password": "mot-de-passe"})
        assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    log = (tmp_path / "web.log").read_text()
    assert "connexion refusée : compte « conseil »" in log
    assert "essai-" not in log and "mot-de-passe" not in log


def test_a_huge_question_is_refused_at_once_while_another_client_is_answered(web_app):
    answering = Client(web_app, verbose=False).submit(NEED, [], "", "", "", api_name="/chat")
    started = time.perf_counter()
    chat, *_ = Client(web_app, verbose=False).predict("x" * 1_000_000, [], "", "", "", api_name="/chat")
    assert time.perf_counter() - started < 1.0 + CLIENT_START
    assert "la question est trop longue (1 000 000 caractères; au plus 2 000)" in str(chat[-1]["content"])
    chat, *_ = answering.result(timeout=120)
    assert "Service d’authentification gouvernementale" in str(chat[-1]["content"])


CLIENT_START = 1.0  # what a gradio_client takes to connect and join the queue, on a busy machine


def test_every_route_that_takes_a_body_refuses_an_upload_and_the_queue_an_oversized_one(web_app):
    twenty_megabytes = b"x" * 20_000_000
    for route in ["gradio_api/upload", "gradio_api/process_recording", "gradio_api/stream/1",
                  "gradio_api/component_server", "gradio_api/vibe-edit", "gradio_api/vibe-code",
                  "gradio_api/run/chat", "gradio_api/call/chat", "gradio_api/api/chat", "gradio_api/call/v2/chat"]:
        response = httpx.post(web_app + route, files={"files": ("a.wav", twenty_megabytes)}, timeout=60)
        assert response.status_code == 403, route
    for method in ["PUT", "DELETE", "PATCH"]:
        assert httpx.request(method, web_app + "gradio_api/queue/join").status_code == 403
    oversized = httpx.post(web_app + "gradio_api/queue/join", content=twenty_megabytes, timeout=60)
    assert oversized.status_code == 413 and "requête trop volumineuse" in oversized.text
