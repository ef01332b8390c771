"""The web app in a real browser: Debian's headless Chromium driven by Playwright, as staff and advisors use it.

Screenshots of each step go to out/screenshots/<time>/ (the path is printed).
"""

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from conftest import REPO, web_server
from playwright.sync_api import Page, expect, sync_playwright

from assistant.catalogue import read_catalogue
from assistant.feedback import FeedbackStore

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
# Chromium's own background traffic (updates, sync, lookups) is refused on a closed network: switch it off.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]
NEED = "Nos citoyens doivent pouvoir se connecter de façon sécurisée à notre portail"


@pytest.fixture(scope="module")
def screenshots(pytestconfig) -> Path:
    folder = REPO / "out" / "screenshots" / datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    with pytestconfig.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        print(f"\nCaptures d’écran : {folder}")
    return folder


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, web_app) -> Page:
    """A fresh visitor; every request the page makes is recorded, and any dialog (alert) is noted."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    page.requests, page.dialogs = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(web_app)
    expect(page.locator("#send")).to_be_visible(timeout=60_000)
    yield page
    context.close()


def ask(page: Page, text: str) -> None:
    page.locator("#question textarea").fill(text)
    page.locator("#send").click()


def choose(page: Page, dropdown: str, option: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option).click()


def table_rows(page: Page, table: str):
    """The data rows of a Gradio table (a virtual grid: rows are divs, only those in view are drawn)."""
    return page.locator(f"{table} [role=row][data-index]")


def row_count(page: Page, table: str) -> int:
    return int(page.locator(f"{table} [role=grid]").get_attribute("aria-rowcount")) - 1  # minus the header


def only_local_requests(page: Page, base: str) -> list[str]:
    return [url for url in page.requests if not url.startswith((base, "data:", "blob:"))]


def test_a_need_gets_assets_and_a_citation_opens_its_page(page, web_app, screenshots):
    page.screenshot(path=screenshots / "1-accueil.png", full_page=True)
    ask(page, NEED)
    expect(page.locator("#assets .card").first).to_be_visible(timeout=60_000)
    expect(page.locator("#chat")).to_contain_text("Un actif existant répond probablement à votre besoin")
    expect(page.locator("#assets")).to_contain_text("Service d’authentification gouvernementale (SAG)")
    expect(page.locator("#assets")).to_contain_text("Niveau 3 – Fondation numérique gouvernementale")
    decision = page.locator('#chat [data-testid="bot"]').last
    expect(decision).to_contain_text("Niveau de mutualisation suggéré : 3 – Fondation numérique gouvernementale")
    expect(decision).to_contain_text("Prochaine étape : Étape 1")
    details = decision.locator("details")
    expect(details.locator("h2").first).to_be_hidden()  # each asset, the criteria, every step: folded
    details.locator("summary").click()
    expect(details.locator("h2").first).to_be_visible()
    page.screenshot(path=screenshots / "2-reponse.png", full_page=True)

    first = page.locator("#citations label").first
    label = first.inner_text()
    title, number = re.match(r"\[1\] (.+), p\. (\d+) — « ", label).groups()
    first.click()
    image = page.locator("#viewer img")
    expect(image).to_be_visible(timeout=30_000)
    assert image.evaluate("img => img.complete && img.naturalWidth") > 500, "the page image is really drawn"
    narrow = image.bounding_box()["width"]
    image.click()  # enlarged to the window to read a table, then back
    expect(image).to_be_focused()
    assert image.bounding_box()["width"] > 0.9 * page.viewport_size["width"] > narrow
    page.keyboard.press("Tab")  # the keyboard closes it too
    assert image.bounding_box()["width"] == pytest.approx(narrow, abs=2)
    expect(page.locator("#viewer h3")).to_have_text(f"{title} — page {number}")
    expect(page.locator("#viewer")).to_contain_text("Passage surligné sur la page.")
    href = page.locator("#viewer a", has_text="Ouvrir le document").get_attribute("href")
    assert href.endswith(f".pdf#page={number}")
    pdf = page.request.get(web_app.rstrip("/") + href.split("#")[0])
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    page.locator("#viewer").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "3-citation.png", full_page=True)
    page.locator("#viewer").screenshot(path=screenshots / "3-source.png")  # the user guide shows this one
    assert only_local_requests(page, web_app) == []


def test_an_english_need_is_answered_in_english(page, screenshots):
    ask(page, "We need a platform where suppliers download our tender documents and submit bids online")
    expect(page.locator("#assets .card").first).to_be_visible(timeout=60_000)
    expect(page.locator("#assets .card").first).to_contain_text("Système électronique d’appel d’offres")
    expect(page.locator("#assets .card").first).to_contain_text("Estimated fit")
    expect(page.locator("#assets h3")).to_have_text(re.compile(r"^(Suggested assets|The closest, with no sure match)$"))
    expect(page.locator("#chat")).to_contain_text("Next steps")
    page.screenshot(path=screenshots / "4-anglais.png", full_page=True)


def test_the_catalogue_filters_by_level_and_shows_a_record_with_its_sources(page, web_app, web_home, screenshots):
    records, _ = read_catalogue(web_home / "corpus" / "catalogue", web_home)
    level_three = sorted(record.name for record in records if record.level == 3)
    page.get_by_role("tab", name="Catalogue").click()
    expect(page.locator("#catalogue-count")).to_have_text(f"{len(records)} fiche(s)", timeout=60_000)
    assert row_count(page, "#catalogue-table") == len(records)
    choose(page, "#catalogue-level", "3 – Fondation numérique gouvernementale")
    expect(page.locator("#catalogue-count")).to_have_text(f"{len(level_three)} fiche(s)")
    rows = table_rows(page, "#catalogue-table")
    expect(rows).to_have_count(len(level_three))
    shown = sorted(rows.nth(i).locator("[role=gridcell]").first.inner_text().strip() for i in range(len(level_three)))
    assert shown == level_three
    assert all(level.startswith("3 –") for level in
               page.locator("#catalogue-table [role=gridcell][data-col='4']").all_inner_texts())
    page.screenshot(path=screenshots / "5-catalogue-niveau-3.png", full_page=True)

    rows.filter(has_text="Service d’authentification gouvernementale").locator("[role=gridcell]").first.click()
    expect(page.locator("#record h3")).to_have_text("Service d’authentification gouvernementale (SAG)")
    expect(page.locator("#record")).to_contain_text("Sources de la fiche")
    page.locator("#record-sources label").first.click()
    expect(page.locator("#record-viewer img")).to_be_visible(timeout=30_000)
    expect(page.locator("#record-viewer")).to_contain_text("Passage surligné sur la page.")
    page.screenshot(path=screenshots / "6-fiche.png", full_page=True)
    assert only_local_requests(page, web_app) == []


def test_the_documents_tab_lists_each_indexed_source(page):
    page.get_by_role("tab", name="Documents").click()
    table = page.locator("#documents-table")
    expect(table).to_contain_text("corpus/documents/mcn-reponse-acces-DA2425-39-mutualisation.pdf", timeout=60_000)
    row = table_rows(page, "#documents-table").filter(has_text="mcn-reponse-acces-DA2425-39-mutualisation.pdf")
    cells = [cell.strip() for cell in row.locator("[role=gridcell]").all_inner_texts()]
    assert cells[2] == "Document" and cells[3] == "7" and int(cells[4]) > 0
    assert re.match(r"\d{4}-\d{2}-\d{2}T", cells[5])


def test_script_in_a_question_or_a_record_is_shown_as_text(page, web_app, screenshots):
    hostile = ("Signature électronique <script>window.pwned = 1</script><img src=x onerror=\"alert('xss')\"> "
               "![pixel](http://203.0.113.9/pixel.png)")
    ask(page, hostile)
    expect(page.locator("#chat")).to_contain_text("<script>window.pwned = 1</script>", timeout=60_000)
    expect(page.locator("#chat")).to_contain_text("![pixel](http://203.0.113.9/pixel.png)")
    expect(page.locator("#assets h3")).to_be_visible(timeout=60_000)

    page.get_by_role("tab", name="Catalogue").click()
    page.locator("#catalogue-search textarea, #catalogue-search input").first.fill("piège")
    expect(page.locator("#catalogue-count")).to_have_text("1 fiche(s)", timeout=30_000)
    table_rows(page, "#catalogue-table").first.locator("[role=gridcell]").first.click()
    record = page.locator("#record")
    expect(record).to_contain_text("Registre piège <script>window.pwned = 1</script>")
    expect(record).to_contain_text("${window.pwned = 3} {{constructor}}")
    expect(record).to_contain_text("Organisme <b>gras</b>")
    page.screenshot(path=screenshots / "7-texte-hostile.png", full_page=True)

    assert page.evaluate("window.pwned") is None
    assert page.dialogs == []
    assert only_local_requests(page, web_app) == [], "nothing written in a question is fetched"
    assert page.locator("#chat script, #record script, #chat img[src='x'], #record img, #record b").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0


def test_feedback_and_export_from_the_page(page, web_home, screenshots):
    ask(page, "Nous voulons conserver nos documents numériques à long terme de façon fiable")
    expect(page.locator("#assets h3")).to_be_visible(timeout=60_000)
    expect(page.locator("#export a")).to_be_visible()
    with page.expect_download() as download:
        page.locator("#export a").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## 1. Nous voulons conserver nos documents numériques" in markdown
    assert re.search(r"^- \[1\] .+ \(corpus/documents/.+\.pdf, p\. \d+\) — « ", markdown, re.MULTILINE)

    page.get_by_text("Votre avis sur une réponse").click()
    page.get_by_label("À corriger", exact=True).check()
    choose(page, "#reason", "Mauvais niveau")
    page.locator("#comment textarea").fill("Le niveau attendu est 2.")
    page.locator("#send-feedback").click()
    expect(page.locator("#feedback-status")).to_contain_text("avis n°", timeout=30_000)
    page.screenshot(path=screenshots / "8-avis.png", full_page=True)
    stored = FeedbackStore(web_home / "data" / "feedback.sqlite3").all()
    item = next(item for item in stored if item.comment == "Le niveau attendu est 2.")
    assert item.rating == "down" and item.reason == "wrong_level"
    assert item.answer.question.startswith("Nous voulons conserver nos documents numériques")


def test_the_chats_own_thumbs_open_the_form_on_that_answer_and_clearing_forgets_it(page, web_home):
    ask(page, "Nous devons publier nos appels d’offres et recevoir les soumissions en ligne")
    expect(page.locator("#assets h3")).to_be_visible(timeout=60_000)
    ask(page, NEED)
    expect(page.locator("#assets")).to_contain_text("Service d’authentification gouvernementale", timeout=60_000)
    page.locator("#chat button[aria-label=\"Je n'aime pas\"]").first.click()  # on the first answer
    expect(page.locator("#feedback-target input")).to_have_value(re.compile(r"^1\. Nous devons publier"))
    expect(page.get_by_label("À corriger", exact=True)).to_be_checked()
    page.locator("#send-feedback").click()
    expect(page.locator("#feedback-status")).to_contain_text("avis n°", timeout=30_000)
    stored = FeedbackStore(web_home / "data" / "feedback.sqlite3").all()[-1]
    assert stored.rating == "down" and stored.answer.question.startswith("Nous devons publier")

    page.locator("#chat button[aria-label='Effacer la conversation']").click()
    expect(page.locator("#assets")).to_be_empty()
    expect(page.locator("#export a")).to_have_count(0)
    page.locator("#send-feedback").click()
    expect(page.locator("#feedback-status")).to_contain_text("Posez d’abord une question")


# --- What every user gets: the verdict in view, a phone-sized screen, accessibility --------------------------

SCREENS = {"large": {"width": 1440, "height": 900}, "phone": {"width": 400, "height": 800}}
CONVERSATION = [NEED, "Nous devons publier nos appels d’offres et recevoir les soumissions en ligne",
                "Et pour les entreprises?", "We need electronic signatures for our forms",
                "Nous voulons conserver nos documents numériques à long terme de façon fiable"]


@pytest.fixture(params=list(SCREENS))
def screen(request, browser, web_app) -> Page:
    """A fresh visitor on a large screen, then on a phone-sized one."""
    context = browser.new_context(viewport=SCREENS[request.param])
    page = context.new_page()
    page.screen_name = request.param
    page.goto(web_app)
    expect(page.locator("#send")).to_be_visible(timeout=60_000)
    yield page
    context.close()


def answered(page: Page, question: str) -> None:
    answers = page.locator('#chat [data-testid="bot"]')
    before = answers.count()
    ask(page, question)
    expect(answers).to_have_count(before + 1, timeout=60_000)
    expect(answers.last).not_to_contain_text("Recherche dans le catalogue", timeout=60_000)
    # The answer's last update (its markers made links, the panels filled) comes after the streamed text.
    expect(answers.last.locator('a[href^="#source-"]').first).to_be_attached(timeout=60_000)
    expect(page.locator("#assets .card").first).to_be_visible(timeout=60_000)


def in_view(page: Page, selector_box: dict | None) -> bool:
    """Wholly inside the window and inside the chat's visible area."""
    chat = page.locator("#chat .bubble-wrap").bounding_box()
    viewport = page.viewport_size
    return bool(selector_box and chat) and 0 <= selector_box["y"] and chat["y"] - 1 <= selector_box["y"] and \
        selector_box["y"] + selector_box["height"] <= min(viewport["height"], chat["y"] + chat["height"]) + 1


def test_the_verdict_is_in_view_after_each_answer_on_both_screens(screen, screenshots):
    for number, question in enumerate(CONVERSATION, start=1):
        answered(screen, question)
        screen.wait_for_timeout(300)  # the scroll to the answer's start runs once the answer is in
        verdict = screen.locator('#chat [data-testid="bot"]').last.locator("strong").first
        assert in_view(screen, verdict.bounding_box()), (number, verdict.inner_text())
        if number in (1, 5):
            screen.screenshot(path=screenshots / f"verdict-{screen.screen_name}-{number}.png")


def serious_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']][:3]}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]


def test_no_serious_accessibility_violation_on_any_tab(screen):
    answered(screen, NEED)
    assert serious_violations(screen) == []
    for tab in ("Catalogue", "Documents"):
        screen.get_by_role("tab", name=tab).click()
        expect(screen.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
        screen.wait_for_timeout(500)
        assert serious_violations(screen) == [], tab


def test_a_phone_screen_scrolls_no_page_sideways_and_breaks_no_word(browser, web_app, screenshots):
    context = browser.new_context(viewport=SCREENS["phone"])
    page = context.new_page()
    page.goto(web_app)
    expect(page.locator("#send")).to_be_visible(timeout=60_000)
    question, send = page.locator("#question textarea").bounding_box(), page.locator("#send").bounding_box()
    assert send["y"] >= question["y"] + question["height"] and send["width"] > 300  # the button under the box
    answered(page, NEED)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.get_by_role("tab", name="Catalogue").click()
    expect(table_rows(page, "#catalogue-table").first).to_be_visible(timeout=30_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400  # the table scrolls inside its frame
    broken = page.evaluate("""() => [...document.querySelectorAll('#catalogue-table td')].flatMap(cell => {
        const context = document.createElement('canvas').getContext('2d');
        context.font = getComputedStyle(cell).font;
        const room = cell.clientWidth - parseFloat(getComputedStyle(cell).paddingLeft)
                     - parseFloat(getComputedStyle(cell).paddingRight);
        return cell.innerText.split(/\\s+/).filter(word => context.measureText(word).width > room);
    })""")
    assert broken == []
    page.screenshot(path=screenshots / "catalogue-telephone.png")
    context.close()


def test_the_chats_own_buttons_speak_french_whatever_the_browsers_language(browser, web_app):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(web_app)
    expect(page.locator("#send")).to_be_visible(timeout=60_000)
    answered(page, NEED)
    page.locator('#chat [data-testid="bot"] summary').last.click()  # a long answer: the scroll button shows
    page.locator("#chat .bubble-wrap").evaluate("wrap => wrap.dispatchEvent(new Event('scroll'))")
    expect(page.locator("#chat button[aria-label='Défiler vers le bas']")).to_be_visible()
    labels = page.evaluate("() => [...document.querySelectorAll('#chat button[aria-label]')]"
                           ".map(button => button.getAttribute('aria-label'))")
    assert "Copier le message" in labels and "Effacer la conversation" in labels
    assert not {"Copy message", "Clear", "Like", "Dislike", "Scroll down"} & set(labels)
    context.close()


def test_a_click_on_a_citation_marker_opens_its_page_beside_the_answer(screen, screenshots):
    answered(screen, NEED)
    screen.wait_for_timeout(300)
    answer = screen.locator('#chat [data-testid="bot"]').last
    verdict = answer.locator("strong").first
    before = verdict.bounding_box()
    marker = answer.locator('a[href="#source-2"]').first
    expect(marker).to_have_text("[2]")
    label = screen.locator("#citations label").nth(1).inner_text()
    title, number = re.match(r"\[2\] (.+), p\. (\d+) — « ", label).groups()
    marker.click()
    expect(screen.locator("#viewer h3")).to_have_text(f"{title} — page {number}", timeout=30_000)
    expect(screen.locator("#viewer img")).to_be_visible()
    if screen.screen_name == "large":  # beside the answer, which has not moved
        after = verdict.bounding_box()
        assert abs(after["y"] - before["y"]) <= 4 and in_view(screen, after)
        viewer = screen.locator("#viewer").bounding_box()
        assert viewer["x"] > before["x"] + before["width"] and viewer["y"] < screen.viewport_size["height"]
        screen.screenshot(path=screenshots / "source-beside-answer.png")
    assert len(screen.context.pages) == 1  # no tab opened


def test_only_the_latest_answer_links_its_markers(page):
    answered(page, NEED)
    answered(page, "Nous devons publier nos appels d’offres et recevoir les soumissions en ligne")
    answers = page.locator('#chat [data-testid="bot"]')
    assert answers.first.locator('a[href^="#source-"]').count() == 0
    assert re.search(r"\[\d+\]", answers.first.inner_text())  # its markers are text again
    assert answers.last.locator('a[href^="#source-"]').count() > 0


STARTS = 3


def test_a_question_sent_while_the_app_starts_is_answered_under_load(browser, web_home, tmp_path):
    """The page's load handler and the first question open the engine from two threads at once: the question
    waits for the one opening, on a busy machine too (two processes burning both cores)."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        for start in range(STARTS):
            with web_server(web_home, tmp_path / f"web-{start}.log") as url:
                context = browser.new_context()
                page = context.new_page()
                page.goto(url)
                ask(page, NEED)  # at once: the load handler is still opening the engine
                expect(page.locator("#assets .card").first).to_be_visible(timeout=120_000)
                expect(page.locator("#chat")).to_contain_text("Service d’authentification gouvernementale")
                expect(page.locator("#chat")).not_to_contain_text("Une erreur inattendue")
                context.close()
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
