"""Issue #19 in the browser: the real DSFR on every page (axe clean at 1280 px and 320 px, no
CSP violation, no sideways scrolling of the page at 320 px), a dashboard that answers the
workshop's questions, an empty state on a fresh database, reports that open inline."""

import datetime as dt
import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session

from rgaa_tracker import remediation, report
from rgaa_tracker.browser import axe_options
from rgaa_tracker.rgaa import axe_script
from rgaa_tracker.settings import get_settings
from rgaa_tracker.user import add_user

from .factories import add_crawl, add_declaration, add_demarches, write_csv
from .test_web import PASSWORD, browser, running_server, sign_in  # noqa: F401  (the browser fixture)

TODAY = dt.date.today()
LATE = TODAY - dt.timedelta(days=30)


@pytest.fixture
def workshop(engine, settings, tmp_path):
    add_demarches(engine, tmp_path, [
        ["impots", "Déclarer ses revenus", "MEF", "https://impots.example/"],
        ["douane", "Dédouaner une marchandise", "MEF", "https://douane.example/"],
        ["passeport", "Passeport", "MININT", "https://passeport.example/"],
    ])
    add_declaration(engine, "impots", rate=100, published=(TODAY - dt.timedelta(days=100)).isoformat())
    # Three years old in two months: expiring within 6 months.
    add_declaration(engine, "douane", rate=100, published=(TODAY.replace(year=TODAY.year - 3) + dt.timedelta(days=60)).isoformat())
    add_crawl(engine, (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"), {"impots": ["1.1", "3.2"], "douane": []})
    header = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]
    with Session(engine, expire_on_commit=False) as session:
        path = write_csv(tmp_path / "calendrier-mef.csv", header, [["douane", "corrections", LATE.isoformat(), "", "", ""]])
        remediation.import_calendar(session=session, path=path, ministry="MEF")
        add_user(session=session, email="admin@dinum.example", password=PASSWORD, admin=True)
        written = report.write_workshop(session=session, out_dir=tmp_path / "reports" / "atelier", settings=get_settings())
        session.commit()
    with running_server() as base:
        yield {"url": base, "report": written.id}


PAGES = ["/", "/ministeres/MEF", "/ministeres/MININT", "/demarches/impots", "/calendrier", "/calendrier?ministere=MEF", "/rapports",
         "/passages", "/compte/mot-de-passe", "/plan-du-site", "/accessibilite", "/mentions-legales", "/donnees-personnelles",
         "/page-qui-n-existe-pas"]


def audit(page, axe, options, failures: dict, key: str) -> None:
    found = axe.run(page, options=options).response["violations"]
    if found:
        failures[key] = [(v["id"], [n["html"][:120] for n in v["nodes"][:2]]) for v in found]
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        failures[f"{key} (défilement horizontal)"] = overflow


@pytest.mark.timeout(480)
# The pages are the same whatever the database: audited once, on SQLite (the other tests of the
# module render them on both).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [1280, 320])
def test_every_page_and_the_report_pass_axe_at_both_widths_without_csp_violation(workshop, browser, width):  # noqa: F811
    base = workshop["url"]
    axe, options = Axe(axe_script()), axe_options(get_settings())
    failures: dict = {}
    csp: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": 900})
    anonymous = context.new_page()
    anonymous.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    anonymous.goto(f"{base}/connexion")
    audit(anonymous, axe, options, failures, "/connexion")
    anonymous.get_by_label("Adresse électronique").fill("admin@dinum.example")
    anonymous.get_by_label("Mot de passe").fill(PASSWORD)
    anonymous.get_by_role("button", name="Se connecter").click()
    anonymous.wait_for_url(f"{base}/")
    page = anonymous
    for path in [*PAGES, f"/rapports/{workshop['report']}/index.html"]:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        audit(page, axe, options, failures, path)
    page.goto(f"{base}/api/docs")
    page.locator(".opblock").first.wait_for(timeout=20000)
    audit(page, axe, options, failures, "/api/docs")
    assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)
    assert csp == []
    context.close()


def test_dsfr_header_menu_opens_from_the_keyboard_at_320px(workshop, browser):  # noqa: F811
    base = workshop["url"]
    page = sign_in(browser, base, "admin@dinum.example")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("data-fr-js") == "true"  # the DSFR's scripts ran (no CSP block)
    menu = page.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    link = page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Rapports")
    link.wait_for(state="visible", timeout=5000)
    link.click()
    page.wait_for_url(f"{base}/rapports")
    assert page.locator("link[href='/static/vendor/dsfr/dsfr.min.css']").count() == 1
    assert page.locator(".fr-header .fr-logo").is_visible()


def test_dashboard_answers_the_workshop_questions(workshop, browser):  # noqa: F811
    base = workshop["url"]
    page = sign_in(browser, base, "admin@dinum.example")
    body = page.locator("main").inner_text()
    assert "Écart à la trajectoire" in body
    badges = page.locator("main .fr-badge").all_inner_texts()
    assert badges and all(b.lower() in {"en avance", "au niveau de la trajectoire", "à surveiller", "en retard"} for b in badges)
    late = page.locator("table:has(caption:text('Jalons prévus')) tbody tr")
    assert late.count() == 1
    row = late.first.inner_text()
    assert "Dédouaner une marchandise" in row and "Corrections" in row and report.date_long(LATE) in row and "30 jours" in row
    contested = page.locator("table:has(caption:text('Déclarations contestables')) tbody tr")
    assert contested.count() == 1 and "Déclarer ses revenus" in contested.first.inner_text() and "1.1, 3.2" in contested.first.inner_text()
    expiring = page.locator("table:has(caption:text('expirent avant 6 mois')) tbody tr")
    assert expiring.count() == 1 and "Dédouaner une marchandise" in expiring.first.inner_text()
    assert page.locator("svg.pygal-chart").count() == 1
    assert page.locator("table:has(caption:text('trajectoire, par date')) tbody tr").count() >= 2
    page.goto(f"{base}/demarches/impots")
    assert "fichier importé" in page.locator("main").inner_text()  # provenance in French


def test_reports_open_inline_with_their_date_in_the_name(workshop, browser):  # noqa: F811
    base = workshop["url"]
    page = sign_in(browser, base, "admin@dinum.example")
    day = TODAY.isoformat()
    html = page.context.request.get(f"{base}/rapports/{workshop['report']}/index.html")
    assert html.status == 200 and html.headers["content-disposition"] == f'inline; filename="rapport-atelier-{day}.html"'
    assert 'href="/static/vendor/dsfr/dsfr.min.css"' in html.text()
    pdf = page.context.request.get(f"{base}/rapports/{workshop['report']}/report.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline;") and f"rapport-atelier-{day}.pdf" in pdf.headers["content-disposition"]
    # The HTML report's own <style> carries the answer's nonce: it is styled, not blocked.
    page.goto(f"{base}/rapports/{workshop['report']}/index.html")
    assert page.locator("h1").evaluate("e => getComputedStyle(e).fontFamily").startswith("Marianne")


def test_fresh_database_says_what_to_do_next(engine, browser, settings):  # noqa: F811
    with Session(engine) as session:
        add_user(session=session, email="admin@dinum.example", password=PASSWORD, admin=True)
        session.commit()
    with running_server() as base:
        page = sign_in(browser, base, "admin@dinum.example")
        alert = page.locator(".fr-alert").first
        assert "Aucune démarche suivie" in alert.inner_text()
        assert alert.get_by_role("link", name="importez la liste des démarches").get_attribute("href") == "/admin/demarches"
        assert "0,0 % (0 sur 0)" not in page.locator("main").inner_text()
        page.goto(f"{base}/rapports")
        assert "rgaa-tracker report workshop" in page.locator("main").inner_text()
