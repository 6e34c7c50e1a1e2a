"""Issue #19, « Everything a lead does, in the web UI »: each flow in real Chromium against one
real server per module, on a real SQLite file and on the real PostgreSQL server.

The module starts from an empty database (one admin) and builds on it test after test, the way
a new deployment is set up: empty states, the démarches list, accounts, declarations, calendars,
tokens; the last test audits every new page with axe at 1280 px and 320 px."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session, select

from rgaa_tracker import db, remediation
from rgaa_tracker.browser import axe_options
from rgaa_tracker.models import CalendarVersion, Declaration, Demarche, User
from rgaa_tracker.rgaa import axe_script
from rgaa_tracker.settings import get_settings
from rgaa_tracker.user import add_user

from .conftest import DATABASES, POSTGRES_URL, reset_postgres
from .factories import write_csv, write_ods, write_xlsx
from .test_web import PASSWORD, chromium_for_tests, running_server, sign_in
from .test_web_dsfr import audit

ADMIN = "admin@dinum.example"
LEAD = "lead@mef.example"
OTHER = "autre@mef.example"
NEW_PASSWORD = "cheval-agrafe-batterie-correcte"
TODAY = dt.date.today()


@pytest.fixture(scope="module", params=DATABASES)
def app(request, tmp_path_factory):
    """One server for the module, on a database holding only the first admin account."""
    tmp = tmp_path_factory.mktemp("flows")
    url = f"sqlite:///{tmp / 'flows.db'}" if request.param == "sqlite" else POSTGRES_URL
    if request.param == "postgresql":
        reset_postgres(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp)
        patch.setenv("RGAA_TRACKER_DATABASE_URL", url)
        patch.setenv("RGAA_TRACKER_AUDITS_DIR", str(tmp / "audits"))
        patch.setenv("RGAA_TRACKER_REPORTS_DIR", str(tmp / "reports"))
        patch.setenv("RGAA_TRACKER_UPLOADS_DIR", str(tmp / "calendars"))
        get_settings.cache_clear()
        engine = db.make_engine(url)
        db.ensure_schema(engine)
        with Session(engine) as session:
            add_user(session=session, email=ADMIN, password=PASSWORD, admin=True)
            session.commit()
        with running_server() as base:
            yield {"url": base, "engine": engine, "tmp": tmp, "database": request.param}
        engine.dispose()
        db.engine_for.cache_clear()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for the module; each test opens its own contexts in it."""
    with chromium_for_tests() as launched:
        yield launched


def log_in(chromium, base: str, email: str, password: str = PASSWORD, width: int = 1280):
    return sign_in(chromium, base, email, password, width)


def submit(page, button: str) -> None:
    """Click a form's button and wait for the page it answers with (reads after it see that page)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def follow(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def table_rows(page, caption: str) -> list[str]:
    return page.locator(f"table:has(caption:text('{caption}')) tbody tr").all_inner_texts()


def axe_clean(page, paths: list[str], base: str) -> dict:
    """axe, no sideways scrolling and no CSP violation on each path at 1280 px then 320 px, as
    test_web_dsfr does; an empty path audits the page as it stands (the answer to a POST)."""
    engine, options = Axe(axe_script()), axe_options(get_settings())
    failures: dict = {}
    csp: list[str] = []
    listener = lambda message: csp.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None  # noqa: E731
    page.on("console", listener)
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            if path:
                page.goto(f"{base}{path}")
                page.wait_for_load_state("load")
            audit(page, engine, options, failures, f"{path or page.url} à {width} px")
    page.remove_listener("console", listener)
    if csp:
        failures["CSP"] = csp
    return failures


def test_fresh_database_says_what_to_do_next(app, chromium):
    base = app["url"]
    page = log_in(chromium, base, ADMIN)
    follow(page, page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Déclarations"))
    callout = page.locator(".fr-callout").inner_text()
    assert "Aucune démarche à déclarer" in callout
    follow(page, page.get_by_role("link", name="importez d'abord la liste des démarches"))
    page.wait_for_url(f"{base}/admin/demarches")
    assert "Aucune démarche n'est encore suivie" in page.locator(".fr-callout").inner_text()
    page.goto(f"{base}/calendrier")
    assert page.get_by_role("link", name="importez d'abord la liste des démarches").get_attribute("href") == "/admin/demarches"
    page.goto(f"{base}/compte/jetons")
    assert "Vous n'avez pas de jeton" in page.locator(".fr-callout").inner_text()
    page.goto(f"{base}/admin/comptes")
    assert "Vous êtes seul à avoir un compte" in page.locator("main").inner_text()
    if app["database"] == DATABASES[0]:  # the same pages on any database: audited once
        failures = axe_clean(page, ["/admin/demarches", "/declarations", "/calendrier", "/compte/jetons", "/admin/comptes"], base)
        assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)
    page.context.close()


def test_admin_imports_the_demarches_list_errors_name_the_users_headers(app, chromium):
    base, tmp, engine = app["url"], app["tmp"], app["engine"]
    page = log_in(chromium, base, ADMIN)
    page.goto(f"{base}/admin/demarches")
    header = ["Identifiant", "Titre", "Ministère", "Adresse"]  # the user's headers, not the internal title/url
    bad = write_csv(tmp / "catalogue-faux.csv", header, [["impots", "Déclarer ses revenus", "MEF", "https://impots.example/"],
                                                         ["douane", "", "MEF", "pas-une-adresse"]])
    page.get_by_label("Fichier de la liste des démarches").set_input_files(str(bad))
    submit(page, "Importer la liste")
    assert "rien n'a été enregistré" in page.get_by_role("alert").inner_text()
    rows = table_rows(page, "Erreurs trouvées")
    assert len(rows) == 2, rows
    assert rows[0].startswith("3\tTitre\t") and "valeur obligatoire" in rows[0]
    assert rows[1].startswith("3\tAdresse\tpas-une-adresse") and "http://" in rows[1]
    with Session(engine) as session:
        assert session.exec(select(Demarche)).all() == []  # all or nothing
    good = write_xlsx(tmp / "catalogue.xlsx", header, [["impots", "Déclarer ses revenus", "MEF", "https://impots.example/"],
                                                      ["douane", "Dédouaner une marchandise", "MEF", "https://douane.example/"],
                                                      ["passeport", "Demander un passeport", "MININT", "https://passeport.example/"]])
    page.get_by_label("Fichier de la liste des démarches").set_input_files(str(good))
    submit(page, "Importer la liste")
    status = page.get_by_role("status").inner_text()
    assert "« catalogue.xlsx »" in status and "3 démarche(s) ajoutée(s), 0 mise(s) à jour, 0 sortie(s)" in status
    assert "Le catalogue compte 3 démarche(s), dont 3 suivie(s), réparties entre 2 ministère(s)" in page.locator("main").inner_text()
    # The file is the whole list: the next one without « douane » takes it off the list (kept).
    later = write_ods(tmp / "catalogue-2.ods", header, [["impots", "Déclarer ses revenus en ligne", "MEF", "https://impots.example/"],
                                                        ["passeport", "Demander un passeport", "MININT", "https://passeport.example/"]])
    page.get_by_label("Fichier de la liste des démarches").set_input_files(str(later))
    submit(page, "Importer la liste")
    status = page.get_by_role("status").inner_text()
    assert "0 démarche(s) ajoutée(s), 2 mise(s) à jour, 1 sortie(s)" in status and "douane" in status
    with Session(engine) as session:
        gone = session.get(Demarche, "douane")
        assert gone.delisted_on == TODAY and gone.active is False
        assert session.get(Demarche, "impots").title == "Déclarer ses revenus en ligne"
    page.context.close()


def test_admin_creates_disables_and_resets_accounts(app, chromium):
    base, engine = app["url"], app["engine"]
    admin = log_in(chromium, base, ADMIN)
    admin.goto(f"{base}/admin/comptes")
    admin.get_by_label("Adresse électronique").fill(LEAD)
    admin.get_by_label("Profil").select_option("MEF")
    admin.get_by_label("Mot de passe initial").fill("motdepasse123")
    submit(admin, "Créer le compte")
    assert "Mot de passe trop facile à deviner" in admin.get_by_role("alert").inner_text()
    assert admin.get_by_label("Adresse électronique").input_value() == LEAD  # the form keeps what was typed
    with Session(engine) as session:
        assert session.exec(select(User).where(User.email == LEAD)).first() is None
    for email in (LEAD, OTHER):
        admin.get_by_label("Adresse électronique").fill(email)
        admin.get_by_label("Profil").select_option("MEF")
        admin.get_by_label("Mot de passe initial").fill(PASSWORD)
        submit(admin, "Créer le compte")
        assert f"Compte créé pour {email}" in admin.get_by_role("status").inner_text()
    listed = {row.split("\t")[0]: row.lower() for row in table_rows(admin, "Comptes")}  # lower: badges are upper-cased
    assert "référent mef" in listed[LEAD] and "actif" in listed[LEAD] and "désactivé" not in listed[LEAD], listed

    lead, other = log_in(chromium, base, LEAD), log_in(chromium, base, OTHER)
    for path in ("/admin/comptes", "/admin/demarches"):
        answer = lead.goto(f"{base}{path}")
        assert answer.status == 403 and "réservée aux administrateurs de la DINUM" in lead.get_by_role("alert").inner_text()

    follow(admin, admin.get_by_role("link", name=LEAD))
    admin.get_by_label("Nouveau mot de passe", exact=False).first.fill(NEW_PASSWORD)
    admin.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD + "x")
    submit(admin, "Remplacer le mot de passe")
    assert "La confirmation ne correspond pas" in admin.get_by_role("alert").inner_text()
    admin.get_by_label("Nouveau mot de passe", exact=False).first.fill(NEW_PASSWORD)
    admin.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD)
    submit(admin, "Remplacer le mot de passe")
    assert "ses connexions en cours sont terminées" in admin.get_by_role("status").inner_text()
    lead.goto(f"{base}/")
    assert lead.url.startswith(f"{base}/connexion")  # the lead's session ended with the reset
    lead.context.close()
    log_in(chromium, base, LEAD, NEW_PASSWORD).context.close()  # the new password works

    admin.goto(f"{base}/admin/comptes")
    follow(admin, admin.get_by_role("link", name=OTHER))
    submit(admin, f"Désactiver le compte {OTHER}")
    assert f"Compte {OTHER} désactivé" in admin.get_by_role("status").inner_text()
    other.goto(f"{base}/")
    assert other.url.startswith(f"{base}/connexion")
    other.get_by_label("Adresse électronique").fill(OTHER)
    other.get_by_label("Mot de passe").fill(PASSWORD)
    submit(other, "Se connecter")
    assert "mot de passe incorrect" in other.locator("main").inner_text()
    admin.goto(f"{base}/admin/comptes")
    listed = {row.split("\t")[0]: row.lower() for row in table_rows(admin, "Comptes")}
    assert "désactivé" in listed[OTHER] and "désactivé" not in listed[LEAD], listed
    for page in (admin, other):
        page.context.close()


def test_lead_files_a_declaration_or_imports_a_file_for_their_ministry_only(app, chromium):
    base, tmp, engine = app["url"], app["tmp"], app["engine"]
    page = log_in(chromium, base, LEAD, NEW_PASSWORD)
    follow(page, page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Déclarations"))
    offered = page.get_by_label("Démarche").locator("option").all_inner_texts()
    assert offered == ["Choisir une démarche", "Déclarer ses revenus en ligne"]  # MEF's listed démarches only
    page.get_by_label("Démarche").select_option("impots")
    page.get_by_label("Taux de conformité (%)").fill("cent dix")
    page.get_by_label("Établie le").fill((TODAY + dt.timedelta(days=3)).isoformat())
    submit(page, "Enregistrer la déclaration")
    alert = page.get_by_role("alert").inner_text()
    assert "Taux de conformité" in alert and "Établie le : date dans le futur" in alert
    with Session(engine) as session:
        assert session.exec(select(Declaration)).all() == []
    page.locator("label[for=status-partiellement]").click()  # the DSFR label covers its radio, as a user sees it
    assert page.get_by_label("Partiellement conforme").is_checked()
    page.get_by_label("Taux de conformité (%)").fill("62,5")
    page.get_by_label("Établie le").fill("2025-03-01")
    submit(page, "Enregistrer la déclaration")
    assert "Déclaration enregistrée" in page.get_by_role("status").inner_text()
    with Session(engine) as session:
        stored = session.exec(select(Declaration)).one()
    assert (stored.demarche_id, stored.status, stored.rate, stored.published_on, stored.provenance, stored.source) == \
        ("impots", "partiellement", 62.5, dt.date(2025, 3, 1), "web", LEAD)

    # Another ministry's démarche, posted by hand: refused, nothing stored.
    status, body = page.evaluate("""async () => {
        const form = new FormData();
        form.append('csrf_token', document.querySelector('input[name=csrf_token]').value);
        for (const [k, v] of [['demarche_id', 'passeport'], ['status', 'non'], ['published_on', '2025-01-01']]) form.append(k, v);
        const response = await fetch('/declarations', {method: 'POST', body: form});
        return [response.status, await response.text()];
    }""")
    assert status == 422 and "pas du ministère MEF" in body
    bad = write_csv(tmp / "declarations.csv", ["Démarche", "Statut", "Date de publication"],
                    [["impots", "totalement conforme", "2025-06-01"], ["passeport", "non", "2025-06-01"]])
    page.get_by_label("Fichier de déclarations").set_input_files(str(bad))
    submit(page, "Importer le fichier")
    rows = table_rows(page, "Erreurs trouvées")
    assert len(rows) == 1 and rows[0].startswith("3") and "Démarche" in rows[0] and "ministère MININT" in rows[0]
    good = write_csv(tmp / "declarations-mef.csv", ["Démarche", "Statut", "Date de publication"], [["impots", "totalement conforme", "2025-06-01"]])
    page.get_by_label("Fichier de déclarations").set_input_files(str(good))
    submit(page, "Importer le fichier")
    assert "1 déclaration(s) ajoutée(s), 0 déjà connue(s)" in page.get_by_role("status").inner_text()
    with Session(engine) as session:
        assert sorted(d.status for d in session.exec(select(Declaration)).all()) == ["partiellement", "totalement"]
    page.context.close()


def test_lead_views_a_version_and_compares_two(app, chromium):
    base, tmp, engine = app["url"], app["tmp"], app["engine"]
    header = ["Identifiant de la démarche", "Étape", "Date prévue"]
    first = write_csv(tmp / "calendrier-v1.csv", header, [["impots", "audit", "2026-01-15"], ["impots", "corrections", "2026-03-01"],
                                                         ["douane", "audit", "2026-02-01"]])
    second = write_csv(tmp / "calendrier-v2.csv", header, [["impots", "audit", "2026-02-15"], ["impots", "corrections", "2026-03-01"],
                                                          ["impots", "declaration", "2026-06-01"]])
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session:
        first_id, second_id = (remediation.import_calendar(session=session, path=path, ministry="MEF", uploaded_at=when, uploaded_by=LEAD).version.id
                               for path, when in ((first, now - dt.timedelta(days=7)), (second, now)))
        session.commit()
    page = log_in(chromium, base, LEAD, NEW_PASSWORD)
    page.goto(f"{base}/calendrier")
    follow(page, page.get_by_role("link", name="n° 1"))
    assert page.get_by_role("heading", level=1).inner_text() == "Calendrier MEF, version n° 1"
    rows = table_rows(page, "Jalons de la version n° 1")
    assert len(rows) == 3 and "Déclarer ses revenus en ligne" in rows[0] and "Audit" in rows[0] and "15 janvier 2026" in rows[0]
    follow(page, page.get_by_role("link", name="Retour au calendrier"))
    assert page.get_by_label("Version de départ").locator("option:checked").inner_text().startswith("n° 1")
    assert page.get_by_label("Version d'arrivée").locator("option:checked").inner_text().startswith("n° 2")
    submit(page, "Comparer")
    page.wait_for_url(f"{base}/calendrier/comparaison?avant={first_id}&apres={second_id}")
    added, removed, moved = (table_rows(page, f"Jalons {kind} dans") for kind in ("ajoutés", "retirés", "déplacés"))
    assert page.get_by_role("heading", level=1).inner_text() == "Calendrier MEF : ce qui a changé de la version n° 1 à la n° 2"
    assert len(added) == 1 and "Déclarer ses revenus en ligne" in added[0] and "Publication de la déclaration" in added[0] and "1er juin 2026" in added[0]
    assert len(removed) == 1 and "Dédouaner une marchandise" in removed[0] and "1er février 2026" in removed[0]
    assert len(moved) == 1 and "15 janvier 2026" in moved[0] and "15 février 2026" in moved[0] and "+31 jour(s)" in moved[0]
    with Session(engine) as session:
        assert len(session.exec(select(CalendarVersion)).all()) == 2  # viewing and comparing wrote nothing
    page.context.close()


def test_user_creates_then_revokes_a_token_and_the_api_refuses_it(app, chromium):
    base = app["url"]
    page = log_in(chromium, base, LEAD, NEW_PASSWORD)
    follow(page, page.get_by_role("link", name="Mes jetons d'API").first)
    with page.expect_response(lambda r: r.url.endswith("/compte/jetons") and r.request.method == "POST") as answer:
        submit(page, "Créer un jeton")
    assert answer.value.headers["cache-control"] == "no-store"
    assert "il ne sera plus jamais affiché" in page.get_by_role("status").inner_text()
    token = page.get_by_label("Votre nouveau jeton").input_value()
    assert len(token) >= 40
    api = chromium.new_context().request  # no cookie: the token alone
    assert api.get(f"{base}/api/demarches?ministry=MEF", headers={"Authorization": f"Bearer {token}"}).status == 200
    page.goto(f"{base}/compte/jetons")
    assert "Un jeton est actif depuis le" in page.locator("main").inner_text()
    assert token not in page.content()  # shown once only
    submit(page, "Révoquer le jeton")
    assert "Jeton révoqué" in page.get_by_role("status").inner_text()
    refused = api.get(f"{base}/api/demarches?ministry=MEF", headers={"Authorization": f"Bearer {token}"})
    assert refused.status == 401 and refused.json()["detail"] == "Jeton d'API invalide."
    assert "Vous n'avez pas de jeton" in page.locator(".fr-callout").inner_text()
    api.dispose()
    page.context.close()


def test_every_new_page_passes_axe_at_both_widths(app, chromium):
    if app["database"] != DATABASES[0]:
        pytest.skip("the same pages on any database: audited once, on the first")
    base, engine = app["url"], app["engine"]
    with Session(engine) as session:
        lead_id = session.exec(select(User).where(User.email == LEAD)).one().id
        first, second = (v.id for v in remediation.history(session=session, ministry="MEF"))
    page = log_in(chromium, base, ADMIN)
    paths = ["/admin/demarches", "/admin/comptes", f"/admin/comptes/{lead_id}", "/declarations", "/compte/jetons", "/calendrier?ministere=MEF",
             f"/calendrier/versions/{first}", f"/calendrier/comparaison?avant={first}&apres={second}", "/plan-du-site"]
    failures = axe_clean(page, paths, base)
    # The states a POST shows: a form with its errors, a token shown once.
    page.goto(f"{base}/declarations")
    submit(page, "Enregistrer la déclaration")
    assert page.get_by_role("alert").count() == 1
    failures |= axe_clean(page, [""], base)
    page.goto(f"{base}/compte/jetons")
    submit(page, "Créer un jeton")
    failures |= axe_clean(page, [""], base)
    page.goto(f"{base}/admin/comptes")
    submit(page, "Créer le compte")
    failures |= axe_clean(page, [""], base)
    assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)
    page.context.close()
