"""The web's one error boundary (issue "One findings model, one error boundary…"): every library
error comes out of the pages and the API as a French answer with the right status, an
unexpected error as a French 500 with a logged reference and no trace, and a write whose
commit fails never answers 2xx. Real SQLite file and real PostgreSQL; the database is never
mocked: commits fail because the database itself refuses them."""

from __future__ import annotations

import logging
import re
import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, func, text
from sqlmodel import Session, select

from rgaa_tracker import db, indicator
from rgaa_tracker.errors import ConfigError, CrawlAlreadyRunning, NotFound, RunAborted, TrackerError
from rgaa_tracker.models import CalendarVersion
from rgaa_tracker.settings import get_settings
from rgaa_tracker.user import add_user, issue_token
from rgaa_tracker.web import create_app

from .factories import add_demarches

PASSWORD = "un-mot-de-passe-solide"
PAGE = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
GOOD_CSV = b"demarche_id;etape;date_prevue;taux_cible\nimpots;audit;2026-01-15;\nimpots;declaration;2026-06-01;80\n"
BAD_CSV = "demarche_id;etape;date_prevue\nimpots;recette;2026-01-15\npasseport;audit;bientôt\n".encode()
BAD_ROWS = [  # every bad cell of BAD_CSV, as the API lists them, in the file's order
    {"row": 2, "column": "etape", "value": "recette", "reason": "étape inconnue (attendu : audit, corrections, contre-audit ou publication de la déclaration)"},
    {"row": 3, "column": "demarche_id", "value": "passeport", "reason": "démarche du ministère MININT, pas du ministère MEF"},
    {"row": 3, "column": "date_prevue", "value": "bientôt", "reason": "date illisible (attendu AAAA-MM-JJ ou JJ/MM/AAAA)"},
]


@pytest.fixture
def web(engine, settings, tmp_path):
    add_demarches(engine, tmp_path, [["impots", "Déclarer ses revenus", "MEF", "https://impots.example/"],
                                     ["passeport", "Passeport", "MININT", "https://passeport.example/"]])
    with Session(engine) as session:
        add_user(session=session, email="lead@mef.example", password=PASSWORD, ministry="MEF")
        token = issue_token(session=session, email="lead@mef.example")
        session.commit()
    app = create_app(get_settings())
    with TestClient(app) as client:  # runs the lifespan: the app's engine is disposed at the end
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def versions(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(CalendarVersion)).one()


def upload_page(client: TestClient, content: bytes, name: str = "calendrier.csv"):
    """The calendar form posted as a browser does: session cookie and CSRF token of the form."""
    form = client.get("/calendrier?ministere=MEF", headers=PAGE)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return client.post("/calendrier", headers=PAGE, data={"ministere": "MEF", "csrf_token": csrf},
                       files={"fichier": (name, content, "text/csv")})


def upload_api(client: TestClient, content: bytes, name: str = "calendrier.csv"):
    return client.post("/api/calendars/MEF", files={"file": (name, content, "text/csv")})


def assert_french_page(answer, status: int, title: str, *texts: str) -> None:
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in answer.text and f"<title>{title} (erreur {status})" in answer.text
    assert answer.text.count("<h1>") == 1 and f"<h1>{title}</h1>" in answer.text
    assert '<main id="contenu"' in answer.text and '<a href="/">Retour à l\'accueil' in answer.text
    for expected in texts:
        assert expected in answer.text
    assert "Traceback" not in answer.text


def test_unknown_demarche_is_a_french_404_on_pages_and_api(web):
    assert_french_page(web.get("/demarches/inconnue", headers=PAGE), 404, "Page introuvable", "Démarche inconnue : inconnue")
    assert_french_page(web.get("/ministeres/XYZ", headers=PAGE), 404, "Page introuvable", "Ministère inconnu : XYZ")
    assert_french_page(web.get("/nulle-part", headers=PAGE), 404, "Page introuvable", "Rien à cette adresse")
    # A page asked for as JSON answers JSON.
    answer = web.get("/demarches/inconnue", headers={"Accept": "application/json"})
    assert (answer.status_code, answer.json()) == (404, {"detail": "Démarche inconnue : inconnue"})
    for path, message in (("/api/findings?demarche_id=inconnue", "Démarche inconnue : inconnue"),
                          ("/api/declarations?demarche_id=inconnue", "Démarche inconnue : inconnue"),
                          ("/api/calendars/XYZ", "Ministère inconnu : XYZ"),
                          ("/api/indicators?ministry=XYZ", "Ministère inconnu : XYZ"),
                          ("/api/runs/999", None)):
        answer = web.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/json"
        if message:
            assert answer.json() == {"detail": message}


def test_rejected_upload_is_422_with_every_error_on_pages_and_api(web, engine):
    answer = upload_api(web, BAD_CSV)
    assert answer.status_code == 422
    assert answer.json() == {"detail": "Le fichier « calendrier.csv » est refusé (3 erreur(s)) ; rien n'a été enregistré.", "errors": BAD_ROWS}
    # A file of the wrong kind is a rejected upload too (it was a bare 400).
    answer = upload_api(web, b"MZ\x90\x00", name="calendrier.exe")
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"row": None, "column": None, "value": ".exe",
                                        "reason": "format de fichier non pris en charge : envoyez un fichier CSV, XLSX ou ODS"}]

    page = upload_page(web, BAD_CSV)
    assert page.status_code == 422
    assert "Il y a un problème" in page.text and "Erreurs trouvées dans le fichier (3)" in page.text
    for row in BAD_ROWS:
        assert row["reason"] in page.text
    assert 'id="fichier"' in page.text  # the form again, to upload the fixed file from here
    assert versions(engine) == 0


def test_bad_parameters_are_named_in_french(web):
    answer = web.get("/api/indicators?as_of=demain")
    assert answer.status_code == 422
    assert answer.json() == {"detail": "Paramètres invalides : « as_of » (date attendue au format AAAA-MM-JJ).",
                             "errors": [{"location": "paramètre", "field": "as_of", "reason": "date attendue au format AAAA-MM-JJ", "value": "demain"}]}
    assert_french_page(web.get("/preuves/abc", headers=PAGE), 422, "Données refusées", "Champs refusés (1)", "nombre entier attendu")


@pytest.mark.parametrize(("error", "status", "title"), [
    (NotFound("Ministère inconnu : ABC"), 404, "Page introuvable"),
    (CrawlAlreadyRunning("Un passage des robots est déjà en cours (processus 4242) : réessayez après sa fin."), 409, "Conflit"),
    (ConfigError("Aucun navigateur Chromium trouvé : installez-le ou renseignez browser.executable_path."), 503, "Service indisponible"),
    (RunAborted("La base de données a disparu en cours de passage."), 503, "Service indisponible"),
    (TrackerError("Demande impossible : période vide."), 400, "Requête invalide"),
])
def test_every_tracker_error_gets_its_status_and_french_message(web, monkeypatch, error, status, title):
    def failing(**_kwargs):
        raise error

    monkeypatch.setattr(indicator, "compute", failing)
    answer = web.get("/api/indicators")
    assert (answer.status_code, answer.json()) == (status, {"detail": str(error)})
    assert_french_page(web.get("/", headers=PAGE), status, title, str(error).replace("'", "&#39;"))


def test_unexpected_error_is_a_french_500_with_a_logged_reference(web, monkeypatch, caplog):
    def bug(**_kwargs):
        raise RuntimeError("détail interne secret 0xDEADBEEF")

    monkeypatch.setattr(indicator, "compute", bug)
    caplog.set_level(logging.ERROR, logger="rgaa_tracker.web")
    api = web.get("/api/indicators")
    page = web.get("/", headers=PAGE)
    for answer in (api, page):
        assert answer.status_code == 500
        assert "Traceback" not in answer.text and "0xDEADBEEF" not in answer.text and "RuntimeError" not in answer.text
    reference = api.json()["reference"]
    assert api.json() == {"detail": f"Erreur interne : l'incident est journalisé (référence {reference}).", "reference": reference}
    page_reference = re.search(r"référence ([0-9A-F]{8})", page.text).group(1)
    assert_french_page(page, 500, "Erreur interne", "Erreur interne : l&#39;incident est journalisé")
    logged = {r.getMessage(): r for r in caplog.records if r.name == "rgaa_tracker.web"}
    for ref in (reference, page_reference):
        record = next(r for m, r in logged.items() if ref in m)
        assert record.exc_info and "0xDEADBEEF" in str(record.exc_info[1])  # the log has what the answer hides


def veto_every_calendar_version_at_commit(engine) -> None:
    """A deferred foreign key the database checks only at COMMIT: every new calendar version
    drags in a row pointing nowhere, so the INSERTs succeed and the COMMIT itself fails."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE veto (version_id INTEGER REFERENCES calendar_version (id) DEFERRABLE INITIALLY DEFERRED)"))
        if engine.dialect.name == "sqlite":
            connection.execute(text("CREATE TRIGGER veto_calendar AFTER INSERT ON calendar_version BEGIN INSERT INTO veto VALUES (-1); END"))
        else:
            connection.execute(text("CREATE FUNCTION veto_calendar() RETURNS trigger LANGUAGE plpgsql AS "
                                    "$$ BEGIN INSERT INTO veto VALUES (-1); RETURN NEW; END $$"))
            connection.execute(text("CREATE TRIGGER veto_calendar AFTER INSERT ON calendar_version FOR EACH ROW EXECUTE FUNCTION veto_calendar()"))


def test_a_failed_commit_never_answers_2xx_and_stores_nothing(web, engine, tmp_path):
    veto_every_calendar_version_at_commit(engine)
    api = upload_api(web, GOOD_CSV)
    assert api.status_code == 409, api.text
    assert api.json()["detail"].startswith("Conflit avec des données enregistrées entre-temps : rien n'a été enregistré")
    page = upload_page(web, GOOD_CSV)
    assert_french_page(page, 409, "Conflit", "rien n&#39;a été enregistré")
    assert versions(engine) == 0
    assert not list((tmp_path / "calendars").rglob("v*.csv"))  # no kept file for a version that does not exist

    with engine.begin() as connection:  # lifted: the same uploads are stored, and said so
        connection.execute(text("DROP TRIGGER veto_calendar" + (" ON calendar_version" if engine.dialect.name == "postgresql" else "")))
        connection.execute(text("DROP TABLE veto"))
    assert upload_api(web, GOOD_CSV).status_code == 200
    assert upload_page(web, GOOD_CSV).status_code == 200
    assert versions(engine) == 2


def test_a_commit_refused_by_a_trigger_is_a_500_not_a_200(web, engine, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no constraint triggers run at COMMIT (the deferred foreign key test covers SQLite)")
    with engine.begin() as connection:
        connection.execute(text("CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS "
                                "$$ BEGIN RAISE EXCEPTION 'refus au COMMIT'; END $$"))
        connection.execute(text("CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON calendar_version "
                                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()"))
    answer = upload_api(web, GOOD_CSV)
    assert answer.status_code == 500
    assert answer.json()["detail"].startswith("Erreur interne : l'incident est journalisé (référence ")
    assert "refus au COMMIT" not in answer.text
    assert versions(engine) == 0


def test_a_locked_database_is_a_503_and_stores_nothing(web, engine, database_url):
    """Another connection holds the write lock; the app waits 0.2 s for it (a real busy timeout /
    lock timeout set on the app's own connections), then answers 503, not 200."""
    app_engine = web.app.state.engine
    sqlite = engine.dialect.name == "sqlite"

    def short_wait(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=200" if sqlite else "SET lock_timeout = '200ms'")
        cursor.close()
        if not sqlite:
            dbapi_connection.commit()  # a SET inside a transaction rolled back by the pool would not last

    event.listen(app_engine, "connect", short_wait)
    app_engine.dispose()  # new connections, with the short wait
    if sqlite:
        holder = sqlite3.connect(engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        holder_engine = create_engine(database_url)
        holder = holder_engine.connect()
        holder.execute(text("LOCK TABLE calendar_version IN EXCLUSIVE MODE"))
    try:
        for answer in (upload_api(web, GOOD_CSV), upload_page(web, GOOD_CSV)):
            assert answer.status_code == 503, answer.text
            assert "La base de données est occupée, réessayez." in answer.text
            assert answer.headers["retry-after"] == "5"
    finally:
        holder.rollback()
        holder.close()
        if not sqlite:
            holder_engine.dispose()
        event.remove(app_engine, "connect", short_wait)
    assert versions(engine) == 0


def test_the_schema_is_checked_once_at_start_not_per_request(engine, settings, monkeypatch):
    calls = []
    checked = db.is_current
    monkeypatch.setattr(db, "is_current", lambda engine: calls.append(1) or checked(engine))
    client = TestClient(create_app(get_settings()))
    assert len(calls) == 1
    for _ in range(3):
        client.get("/connexion")
        client.get("/api/demarches")
    assert len(calls) == 1
