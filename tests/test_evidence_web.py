"""Issue #19, evidence people can read and what changed since the last workshop: a real crawl
(twice: the second reuses the first audit) of a page with known defects served on 127.0.0.1,
stored in a real database, read through the real app in real Chromium.

One served site, one crawl pair, one app server and one browser for the whole module, on a real
SQLite file (the same computations on PostgreSQL, without a browser: test_changes.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import sync_playwright
from sqlmodel import Session, select

from rgaa_tracker import db, remediation, report
from rgaa_tracker.browser import axe_options, find_executable
from rgaa_tracker.crawl import run_crawl
from rgaa_tracker.models import PageAudit
from rgaa_tracker.rgaa import axe_script
from rgaa_tracker.settings import get_settings
from rgaa_tracker.summaries import summary
from rgaa_tracker.user import add_user

from .conftest import audit_urls, serve_directory
from .factories import add_declaration, add_demarches, write_csv
from .test_web import PASSWORD, running_server, sign_in
from .test_web_dsfr import audit

pytestmark = pytest.mark.timeout(300)
TODAY = dt.date.today()
SINCE = TODAY - dt.timedelta(days=20)  # the last workshop
DEFECTS = """<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Bouton sans nom — démarche de test</title>
<link rel="stylesheet" href="style.css"></head>
<body><header><p>Ministère de test</p></header>
<main><h1>Envoyer sa demande</h1><div class="haut"></div>
<button class="rouge" id="envoyer"></button>
<p>Fin du formulaire.</p></main>
<footer><p><a href="accessibilite.html">Accessibilité : non conforme</a></p></footer>
</body></html>"""
# Far below the first screen: the tab must scroll the element into view to photograph it.
STYLE = ".haut { height: 1800px; }\n.rouge { width: 120px; height: 60px; background: #c00000; border: 0; }\n"
CLEAN = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Démarche propre</title></head>
<body><header><p>Ministère de test</p></header><main><h1>Démarche propre</h1><p>Rien à signaler.</p></main>
<footer><p><a href="accessibilite.html">Accessibilité : totalement conforme</a></p></footer></body></html>"""
STATEMENT = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Déclaration d'accessibilité</title></head>
<body><main><h1>Déclaration d'accessibilité</h1><p>Non conforme.</p></main></body></html>"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("preuves")
    url = f"sqlite:///{tmp / 'test.db'}"
    site = tmp / "site"
    site.mkdir()
    for name, content in (("defauts.html", DEFECTS), ("style.css", STYLE), ("propre.html", CLEAN), ("accessibilite.html", STATEMENT)):
        (site / name).write_text(content, encoding="utf-8")
    served = serve_directory(site)
    base = f"http://127.0.0.1:{served.server_address[1]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp)
        for key, value in (("DATABASE_URL", url), ("AUDITS_DIR", str(tmp / "audits")), ("REPORTS_DIR", str(tmp / "reports")),
                           ("CRAWL__SETTLE_TIMEOUT_S", "1")):
            patch.setenv(f"RGAA_TRACKER_{key}", value)
        get_settings.cache_clear()
        settings = get_settings()
        engine = db.make_engine(url)
        db.ensure_schema(engine)
        add_demarches(engine, tmp, [["bouton", "Envoyer sa demande", "MEF", f"{base}/defauts.html"],
                                    ["propre", "Démarche propre", "MININT", f"{base}/propre.html"]])
        first = run_crawl(engine=engine, settings=settings, concurrency=1)
        second = run_crawl(engine=engine, settings=settings, concurrency=1)  # unchanged pages: the first audit is reused
        # Accessible since ten days: after the last workshop, so it « became accessible ».
        add_declaration(engine, "bouton", rate=100, published=(TODAY - dt.timedelta(days=10)).isoformat())
        header = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]
        with Session(engine) as session:
            calendar = write_csv(tmp / "calendrier.csv", header, [
                ["bouton", "audit", (TODAY - dt.timedelta(days=40)).isoformat(), "", "", ""],  # late at the workshop already
                ["bouton", "corrections", (TODAY - dt.timedelta(days=5)).isoformat(), "", "", ""],  # late since
            ])
            uploaded = dt.datetime.combine(SINCE - dt.timedelta(days=5), dt.time(9), tzinfo=dt.UTC)
            remediation.import_calendar(session=session, path=calendar, ministry="MEF", uploaded_at=uploaded)
            for email, ministry in (("lead@mef.example", "MEF"), ("lead@minint.example", "MININT")):
                add_user(session=session, email=email, password=PASSWORD, ministry=ministry)
            session.commit()
        with running_server() as app, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=find_executable(settings, playwright.chromium.executable_path),
                                                 args=settings.browser.args)
            try:
                yield {"url": app, "site": base, "engine": engine, "runs": (first.id, second.id), "tmp": tmp, "browser": browser,
                       "settings": settings}
            finally:
                browser.close()
                engine.dispose()
                db.engine_for.cache_clear()
                served.shutdown()
                served.server_close()
    get_settings.cache_clear()


def signed_in(world, email: str, width: int = 1280):
    """One signed-in tab per account and width for the module (signing in costs a password hash)."""
    tabs = world.setdefault("tabs", {})
    if (email, width) in tabs:
        return tabs[email, width]
    page = tabs[email, width] = sign_in(world["browser"], world["url"], email, width=width)
    return page


def write_workshop_report(world) -> None:
    """The last workshop, recorded once per module (the dashboard compares with it)."""
    with Session(world["engine"]) as session:
        if session.exec(select(report.Report)).first() is None:
            report.write_workshop(session=session, out_dir=world["tmp"] / "reports" / "atelier", settings=world["settings"], as_of=SINCE, pdf=False)
            session.commit()


def test_demarche_page_shows_each_element_with_its_french_explanation_and_a_real_screenshot(world):
    first, second = world["runs"]
    with Session(world["engine"]) as session:
        latest = session.exec(select(PageAudit).where(PageAudit.run_id == second, PageAudit.demarche_id == "bouton", PageAudit.role == "start")).one()
        original = session.exec(select(PageAudit).where(PageAudit.run_id == first, PageAudit.demarche_id == "bouton", PageAudit.role == "start")).one()
    assert latest.reused_from_id == original.id  # the page shown is a reused audit
    page = signed_in(world, "lead@mef.example")
    page.goto(f"{world['url']}/demarches/bouton")
    main = page.locator("main")
    section = main.locator("section", has=page.locator("h4", has_text="Critère 11.9"))
    text = section.inner_text()
    assert summary("button-name") in text and "Button must have discernible text" not in main.inner_text()
    assert section.locator("code", has_text="#envoyer").count() >= 1
    assert '<button class="rouge" id="envoyer"></button>' in section.locator("pre").first.inner_text()
    image = section.locator("img.preuve-capture").first
    source = image.get_attribute("src")
    assert source == f"/preuves/{latest.id}/captures/0.jpg"  # served under this night's page, from the reused audit's files
    assert image.evaluate("i => i.complete && i.naturalWidth") > 100  # the browser loaded and decoded it
    answer = page.context.request.get(f"{world['url']}{source}")
    assert answer.status == 200 and answer.headers["content-type"] == "image/jpeg"
    body = answer.body()
    assert body[:3] == b"\xff\xd8\xff" and 300 < len(body) < 200_000
    picture = Image.open(io.BytesIO(body))
    assert 120 <= picture.width <= 140 and 60 <= picture.height <= 80  # the button and its margin, not the page
    red, green, blue = picture.convert("RGB").getpixel((picture.width // 2, picture.height // 2))[:3]
    assert red > 150 and green < 60 and blue < 60  # the red button itself, scrolled into view before the shot
    raw = main.get_by_role("link", name="données brutes", exact=False).first.get_attribute("href")
    assert raw == f"/preuves/{latest.id}"  # the gzipped JSON stays, as a secondary link
    assert json.loads(__import__("gzip").decompress(page.context.request.get(f"{world['url']}{raw}").body()))["rgaaTracker"]["shots"]


def test_another_ministry_gets_403_on_the_screenshot_and_no_snippet(world):
    with Session(world["engine"]) as session:
        latest = session.exec(select(PageAudit).where(PageAudit.run_id == world["runs"][1], PageAudit.demarche_id == "bouton",
                                                      PageAudit.role == "start")).one()
    page = signed_in(world, "lead@minint.example")
    denied = page.context.request.get(f"{world['url']}/preuves/{latest.id}/captures/0.jpg")
    assert denied.status == 403 and "autre ministère" in denied.text()
    assert page.context.request.get(f"{world['url']}/preuves/{latest.id}").status == 403
    page.goto(f"{world['url']}/demarches/bouton")
    main = page.locator("main")
    assert main.locator("img.preuve-capture").count() == 0 and main.locator("pre").count() == 0
    assert "ne sont visibles que par le ministère de la démarche" in main.inner_text()
    anonymous = world["browser"].new_context().request
    unsigned = anonymous.get(f"{world['url']}/preuves/{latest.id}/captures/0.jpg", max_redirects=0)
    assert unsigned.status in (302, 303, 307, 401) and "image" not in unsigned.headers.get("content-type", "")
    assert "/connexion" in unsigned.headers.get("location", "/connexion")  # sent to sign in, never the picture
    owner = signed_in(world, "lead@mef.example")
    assert owner.context.request.get(f"{world['url']}/preuves/{latest.id}/captures/999.jpg").status == 404


def test_dashboard_shows_what_changed_since_the_last_workshop(world):
    page = signed_in(world, "lead@mef.example")
    with Session(world["engine"]) as session:
        recorded = session.exec(select(report.Report)).first() is not None
    if not recorded:  # this test runs first in the module: the empty state, then the workshop
        page.goto(f"{world['url']}/")
        assert "Aucun rapport d'atelier n'est encore enregistré" in page.locator("#depuis-atelier + div").inner_text()
    write_workshop_report(world)
    page.goto(f"{world['url']}/")
    main = page.locator("main").inner_text()
    assert f"Évolutions depuis l'atelier du {report.date_long(SINCE)}" in main
    assert "la part accessible a gagné 50,0 points" in main  # one démarche out of two
    became = page.locator("h3:has-text('Devenues accessibles') + ul li")
    assert became.count() == 1 and "Envoyer sa demande" in became.first.inner_text()
    assert page.locator("h3", has_text="Qui ne sont plus accessibles (0)").count() == 1
    late = page.locator("h3:has-text('Nouveaux jalons en retard') + ul li")
    assert late.count() == 1  # the milestone already late at the workshop is not new
    assert "Corrections" in late.first.inner_text() and "5 jours de retard" in late.first.inner_text()
    page.goto(f"{world['url']}/ministeres/MEF")
    assert "la part accessible a gagné 100,0 points" in page.locator("main").inner_text()
    assert page.locator("h3:has-text('Nouveaux jalons en retard') + ul li").count() == 1
    page.goto(f"{world['url']}/ministeres/MININT")
    assert "la part accessible n'a pas changé" in page.locator("main").inner_text()
    assert page.locator("h3", has_text="Devenues accessibles (0)").count() == 1


@pytest.mark.parametrize("width", [1280, 320])
def test_evidence_and_dashboard_pages_pass_axe_at_both_widths(world, width):
    write_workshop_report(world)
    axe, options = Axe(axe_script()), axe_options(get_settings())
    page = signed_in(world, "lead@mef.example", width)
    failures: dict = {}
    for path in ("/", "/demarches/bouton"):  # the ministry page's changes are the same include as the dashboard's
        page.goto(f"{world['url']}{path}")
        page.wait_for_load_state("load")
        audit(page, axe, options, failures, path)
    assert page.locator("img.preuve-capture").count() >= 1  # the démarche page audited with its pictures
    assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)


def test_a_screenshot_that_cannot_be_taken_never_fails_the_audit(world, monkeypatch):
    url = f"{world['site']}/defauts.html"
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__ELEMENT_SCREENSHOTS_BUDGET_S", "0.001")
    get_settings.cache_clear()
    try:
        with ThreadPoolExecutor(1) as thread:  # its own event loop: the module's browser holds this thread's
            result = thread.submit(audit_urls, [url]).result(timeout=120)[url]
    finally:
        monkeypatch.delenv("RGAA_TRACKER_CRAWL__ELEMENT_SCREENSHOTS_BUDGET_S")
        get_settings.cache_clear()
    assert result.ok, result.error
    assert "button-name" in [v["id"] for v in result.axe["violations"]]
    assert result.shots == []
