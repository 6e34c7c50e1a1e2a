"""The web UI and API (issue #8): a real server on 127.0.0.1, a real database, real Chromium."""

import datetime as dt
import socket
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from sqlmodel import Session

from rgaa_tracker import report
from rgaa_tracker.browser import axe_options, find_executable
from rgaa_tracker.rgaa import axe_script
from rgaa_tracker.settings import get_settings
from rgaa_tracker.user import add_user, issue_token
from rgaa_tracker.web import create_app

from .factories import add_crawl, add_declaration, add_demarches, write_csv

PASSWORD = "un-mot-de-passe-solide"
HEADER = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]


@pytest.fixture
def server(engine, settings, tmp_path):
    add_demarches(engine, tmp_path, [
        ["impots", "Déclarer ses revenus", "MEF", "https://impots.example/"],
        ["piege", "Démarche <script>alert('xss')</script>", "MEF", "https://piege.example/"],
        ["passeport", "Passeport", "MININT", "https://passeport.example/"],
    ])
    add_declaration(engine, "impots", rate=90, published="2025-01-10")
    add_crawl(engine, (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"), {"impots": ["1.1"], "piege": []})
    with Session(engine) as session:
        for email, ministry, admin in (("lead@mef.example", "MEF", False), ("lead@minint.example", "MININT", False), ("admin@dinum.example", None, True)):
            add_user(session=session, email=email, password=PASSWORD, ministry=ministry, admin=admin)
        tokens = {e: issue_token(session=session, email=e) for e in ("lead@mef.example", "lead@minint.example")}
        report.write_workshop(session=session, out_dir=tmp_path / "reports" / "atelier", settings=get_settings(), pdf=False)
        session.commit()
    with running_server() as url:
        yield {"url": url, "tokens": tokens, "tmp": tmp_path}


@contextmanager
def running_server():
    """The app served by a real uvicorn on a free 127.0.0.1 port, for as long as the block runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    instance = uvicorn.Server(uvicorn.Config(create_app(get_settings()), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium_for_tests():
    """Debian's Chromium, found as the settings say, closed on the way out."""
    settings = get_settings()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=find_executable(settings, playwright.chromium.executable_path),
                                              args=settings.browser.args)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser():
    with chromium_for_tests() as launched:
        yield launched


def sign_in(browser, base, email, password: str = PASSWORD, width: int = 1280):
    """A new context signed in through the real form; it lands on the dashboard."""
    page = browser.new_context(accept_downloads=True, viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{base}/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/")
    return page


def test_lead_downloads_template_uploads_bad_then_good_file(server, browser):
    base, tmp = server["url"], server["tmp"]
    page = sign_in(browser, base, "lead@mef.example")
    page.get_by_role("link", name="Calendrier", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="modèle XLSX").click()
    saved = tmp / "modele.xlsx"
    download.value.save_as(saved)
    assert saved.stat().st_size > 1000
    bad = write_csv(tmp / "mauvais.csv", HEADER, [["impots", "recette", "2026-01-15", "", "", ""], ["passeport", "audit", "bientôt", "", "", ""]])
    page.get_by_label("Fichier du calendrier").set_input_files(str(bad))
    page.get_by_role("button", name="Déposer").click()
    assert "Il y a un problème" in page.get_by_role("alert").inner_text()
    rows = page.locator("table:has(caption:text('Erreurs trouvées')) tbody tr")
    assert rows.count() == 3
    text = rows.all_inner_texts()
    assert any("etape" in r and "recette" in r and "étape inconnue" in r for r in text)
    assert any("date_prevue" in r and "bientôt" in r for r in text)
    assert any("passeport" in r and "ministère MININT" in r for r in text)
    good = write_csv(tmp / "bon.csv", HEADER, [["impots", "audit", "2026-01-15", "", "", ""], ["impots", "declaration", "2026-06-01", "", "80", ""]])
    page.get_by_label("Fichier du calendrier").set_input_files(str(good))
    page.get_by_role("button", name="Déposer").click()
    assert "Calendrier enregistré" in page.get_by_role("status").inner_text() and "« bon.csv »" in page.get_by_role("status").inner_text()
    assert "bon.csv" in page.locator("table:has(caption:text('Versions déposées'))").inner_text()


def post_form(page, path, fields, with_csrf=True):
    """POST a multipart form from the signed-in page (its cookies), like a crafted request."""
    return page.evaluate("""async ([path, fields, withCsrf]) => {
        const form = new FormData();
        for (const [k, v] of Object.entries(fields)) form.append(k, v);
        form.append('fichier', new Blob(['demarche_id;etape;date_prevue\\npasseport;audit;2026-01-15\\n']), 'c.csv');
        if (withCsrf) form.append('csrf_token', document.querySelector('input[name=csrf_token]').value);
        const response = await fetch(path, {method: 'POST', body: form});
        return [response.status, await response.text()];
    }""", [path, fields, with_csrf])


def test_lead_cannot_write_another_ministry_and_csrf_is_required(server, browser):
    base = server["url"]
    page = sign_in(browser, base, "lead@mef.example")
    page.goto(f"{base}/calendrier")
    status, body = post_form(page, "/calendrier", {"ministere": "MININT"})
    assert status == 403 and "votre ministère (MEF)" in body
    status, body = post_form(page, "/calendrier", {"ministere": "MEF"}, with_csrf=False)
    assert status == 403 and "Jeton de sécurité" in body
    api = page.context.request
    token = server["tokens"]["lead@mef.example"]
    denied = api.post(f"{base}/api/calendars/MININT", headers={"Authorization": f"Bearer {token}"},
                      multipart={"file": {"name": "c.csv", "mimeType": "text/csv", "buffer": b"demarche_id;etape;date_prevue\npasseport;audit;2026-01-15\n"}})
    assert denied.status == 403
    own = server["tokens"]["lead@minint.example"]
    accepted = api.post(f"{base}/api/calendars/MININT", headers={"Authorization": f"Bearer {own}"},
                        multipart={"file": {"name": "c.csv", "mimeType": "text/csv", "buffer": b"demarche_id;etape;date_prevue\npasseport;audit;2026-01-15\n"}})
    assert accepted.status == 200 and accepted.json()["rows"] == 1
    assert api.get(f"{base}/api/indicators", headers={"Authorization": "Bearer faux"}).status == 401
    data = api.get(f"{base}/api/indicators", headers={"Authorization": f"Bearer {own}"}).json()
    assert set(data) == {"as_of", "definition", "national", "ministries", "target", "questionable"} and data["questionable"] == ["impots"]


def test_script_in_a_title_is_shown_as_text(server, browser):
    base = server["url"]
    page = sign_in(browser, base, "admin@dinum.example")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{base}/ministeres/MEF")
    assert "Démarche <script>alert('xss')</script>" in page.get_by_role("link", name="Démarche <script>").inner_text()
    page.goto(f"{base}/demarches/piege")
    assert page.get_by_role("heading", level=1).inner_text() == "Démarche <script>alert('xss')</script>"
    assert dialogs == []


PAGES = ["/", "/ministeres/MEF", "/demarches/impots", "/demarches/piege", "/calendrier", "/calendrier?ministere=MININT",
         "/rapports", "/passages",
         "/page-qui-n-existe-pas", "/demarches/demarche-inconnue", "/preuves/pas-un-nombre"]  # error pages: 404, 404, 422


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the same pages on any database
def test_every_page_passes_our_own_axe_audit(server, browser):
    base = server["url"]
    axe, options = Axe(axe_script()), axe_options(get_settings())
    failures = {}
    anonymous = browser.new_page()
    anonymous.goto(f"{base}/connexion")
    found = axe.run(anonymous, options=options).response["violations"]
    if found:
        failures["/connexion"] = [v["id"] for v in found]
    page = sign_in(browser, base, "admin@dinum.example")
    for path in PAGES:
        page.goto(f"{base}{path}")
        found = axe.run(page, options=options).response["violations"]
        if found:
            failures[path] = [(v["id"], [n["html"][:120] for n in v["nodes"][:2]]) for v in found]
    assert failures == {}


def test_login_is_rate_limited_and_cookies_are_safe(server, browser):
    base = server["url"]
    page = browser.new_page()
    statuses = []
    for _ in range(6):
        page.goto(f"{base}/connexion")
        page.get_by_label("Adresse électronique").fill("lead@mef.example")
        page.get_by_label("Mot de passe").fill("mauvais-mot-de-passe")
        with page.expect_response(lambda r: r.url.endswith("/connexion") and r.request.method == "POST") as response:
            page.get_by_role("button", name="Se connecter").click()
        statuses.append(response.value.status)
    assert statuses == [401] * 5 + [429]
    # Before sign-in the only cookie is the sign-in form's double-submit CSRF token (no session yet).
    cookies = page.context.cookies()
    assert [c["name"] for c in cookies] == ["rgaa_csrf"]
    assert all(c["httpOnly"] is True and c["sameSite"] == "Strict" for c in cookies)
    signed_in = sign_in(browser, base, "admin@dinum.example")
    session_cookie = next(c for c in signed_in.context.cookies() if c["name"] == "rgaa_session")
    assert session_cookie["httpOnly"] is True and session_cookie["sameSite"] == "Strict"
