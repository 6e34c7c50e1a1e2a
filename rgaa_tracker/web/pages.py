"""Server-rendered pages, in French, for ministry leads and DINUM.

Routes raise the library's errors as they come; web/errors.py turns them into French error
pages with the right status. A route that writes commits before it returns."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.background import BackgroundTask
from sqlmodel import Session, select

from .. import dashboard as dashboard_model
from .. import remediation, chart, crawl, db, declaration, feedback, findings, indicator, report
from .. import evidence as evidence_files
from .. import definition as definitions
from ..errors import ImportRejected, NotFound, TrackerError
from ..models import CrawlRun, Demarche, Ministry, PageAudit, Report, User
from ..user import authenticate, can_write, check_password, set_password, verify_password
from . import attempts, sessions
from .common import check_csrf, get_session, render, require_user
from .limits import DbId, off_the_loop, save_upload

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/connexion")
def login_form(request: Request, suite: str = "/"):
    return render(request, "login.html.j2", {"suite": _safe_next(suite), "error": None, "user": None})


@router.post("/connexion")
def login(request: Request, email: str = Form(""), password: str = Form(""), csrf_token: str = Form(""), suite: str = Form("/"),
          session: Session = Depends(get_session)):
    request.state.web_session = None  # the sign-in form is checked with the visitor's token, not an older session's
    check_csrf(request, csrf_token)
    key = attempts.admit(request.app.state.engine, request, email)  # 429 past the limits, before any password check
    user = authenticate(session=session, email=email, password=password)
    if user is None:
        return render(request, "login.html.j2", {"suite": _safe_next(suite), "error": "Adresse électronique ou mot de passe incorrect.", "user": None}, 401)
    sessions.close(request, session)  # a new session at sign-in: no fixation, no older session left behind
    token, _ = sessions.open_session(session, user)
    attempts.succeeded(session, key)
    session.commit()  # the session (and a password hash upgraded at sign-in) stored before the answer
    response = RedirectResponse(_safe_next(suite), status_code=303)
    sessions.set_cookie(response, request, token)
    return response


@router.post("/deconnexion")
def logout(request: Request, csrf_token: str = Form(""), session: Session = Depends(get_session)):
    if sessions.load(request, session) is not None:  # no live session: nothing to end, nothing to protect
        check_csrf(request, csrf_token)
    sessions.close(request, session)  # the row goes: the old cookie is worth nothing from now on
    session.commit()
    response = RedirectResponse("/connexion", status_code=303)
    sessions.clear_cookie(response)
    return response


PASSWORD_PAGE = "password.html.j2"


@router.get("/compte/mot-de-passe")
def password_form(request: Request, user: User = Depends(require_user)):
    return render(request, PASSWORD_PAGE, {"user": user, "errors": {}, "done": False})


@router.post("/compte/mot-de-passe")
def password_change(request: Request, current: str = Form(""), new: str = Form(""), confirmation: str = Form(""),
                    csrf_token: str = Form(""), user: User = Depends(require_user), session: Session = Depends(get_session)):
    """Every session of the account ends, this browser's too; this browser gets a fresh one,
    so whoever else held a session (a thief with an old cookie) is out and the owner is not."""
    check_csrf(request, csrf_token)
    errors: dict[str, str] = {}
    if not verify_password(user, current):
        errors["current"] = "Mot de passe actuel incorrect."
    try:
        check_password(new, user.email)
    except TrackerError as error:
        errors["new"] = str(error)
    if not errors.get("new") and new != confirmation:
        errors["confirmation"] = "La confirmation ne correspond pas au nouveau mot de passe."
    if errors:
        return render(request, PASSWORD_PAGE, {"user": user, "errors": errors, "done": False}, 422)
    set_password(session=session, email=user.email, password=new)
    token, row = sessions.open_session(session, user)
    session.commit()
    request.state.web_session = row
    response = render(request, PASSWORD_PAGE, {"user": user, "errors": {}, "done": True})
    sessions.set_cookie(response, request, token)
    return response


def _definition(value: str | None) -> str | None:
    """The ``?definition=`` of a dashboard: 2020, 2023, or empty for the rule in force."""
    if not value:
        return None
    if value not in definitions.NAMES:
        raise HTTPException(400, f"Définition inconnue : « {value} » (attendu 2020 ou 2023).")
    return value


@router.get("/")
def dashboard(request: Request, definition: str | None = None, user: User = Depends(require_user), session: Session = Depends(get_session)):
    settings = request.app.state.settings
    today = dt.date.today()
    state = indicator.compute(session=session, as_of=today, settings=settings, definition=_definition(definition))
    names = {m.code: m.name for m in session.exec(select(Ministry)).all()}
    dates = report.history_dates(max(settings.baseline_date, today - dt.timedelta(days=730)), today, points=13)
    trend, history = _trend(session, settings, state, dates)
    return render(request, "dashboard.html.j2", {"user": user, "state": state, "names": names, "trend": trend,
                                                 "history": history, "today": today, "glance": dashboard_model.summary(session=session, state=state, settings=settings),
                                                 "changes": dashboard_model.since_last_workshop(session=session, state=state, settings=settings),
                                                 "in_force": definitions.in_force_name(today, settings)})


def _trend(session: Session, settings, state, dates: list[dt.date]):
    """The national share, its trajectory and the target on one chart, and the same figures as rows."""
    rule = state.definition.name
    shares = indicator.national_shares(session=session, dates=dates, settings=settings, definition=rule)
    baseline = indicator.baseline_share(session=session, settings=settings, definition=rule)
    path = [indicator.trajectory(baseline_share=baseline, as_of=d, settings=settings, definition=rule) for d in dates]
    target = [state.target_share] * len(dates)
    trend = chart.line_chart(f"Part des démarches accessibles, trajectoire et cible (règle {rule})", dates,
                             {"Part accessible": shares, "Trajectoire": path, f"Cible au {report.date_long(state.deadline)}": target})
    return trend, list(zip(dates, shares, path))


@router.get("/ministeres/{code}")
def ministry_page(code: str, request: Request, definition: str | None = None, user: User = Depends(require_user),
                  session: Session = Depends(get_session)):
    ministry = session.get(Ministry, code)
    if ministry is None:
        raise NotFound(f"Ministère inconnu : {code}")
    settings = request.app.state.settings
    today = dt.date.today()
    state = indicator.compute(session=session, as_of=today, settings=settings, ministry=code, definition=_definition(definition))
    plan = remediation.status(session=session, as_of=today, settings=settings, ministry=code, state=state)["ministries"][0]
    glance = dashboard_model.summary(session=session, state=state, settings=settings, ministry=code)
    counts = state.ministries.get(code)
    demarches = session.exec(select(Demarche).where(Demarche.ministry_code == code).order_by(Demarche.id)).all()
    return render(request, "ministry.html.j2", {
        "user": user, "ministry": ministry, "demarches": demarches, "statuses": state.statuses, "counts": counts if counts and counts.active else None,
        "glance": glance, "changes": dashboard_model.since_last_workshop(session=session, state=state, settings=settings, ministry=code),
        "gap": next((m["gap"] for m in glance["ministries"] if m["code"] == code), None), "state": state,
        "definition": state.definition, "level_labels": definitions.LEVEL_LABELS,
        "questionable": set(state.questionable), "plan": plan, "versions": remediation.history(session=session, ministry=code)[::-1],
        "step_labels": remediation.STEP_LABELS, "can_write": can_write(user, code)})


@router.get("/demarches/{demarche_id}")
def demarche_page(demarche_id: str, request: Request, user: User = Depends(require_user), session: Session = Depends(get_session)):
    demarche = session.get(Demarche, demarche_id)
    if demarche is None:
        raise NotFound(f"Démarche inconnue : {demarche_id}")
    settings = request.app.state.settings
    state = indicator.compute(session=session, as_of=dt.date.today(), settings=settings)
    runs = session.exec(select(CrawlRun).join(PageAudit, PageAudit.run_id == CrawlRun.id).where(PageAudit.demarche_id == demarche_id)
                        .distinct().order_by(CrawlRun.started_at.desc()).limit(10)).all()
    found = findings.latest_findings(session=session, demarche_ids={demarche_id}).get(demarche_id)
    run = found.run if found else None
    # Elements carry the page's HTML: shown to those who may read its evidence (``/preuves``).
    readable = can_write(user, demarche.ministry_code)
    return render(request, "demarche.html.j2", {
        "user": user, "demarche": demarche, "status": state.statuses.get(demarche_id), "questionable": demarche_id in state.questionable,
        "declarations": declaration.list_declarations(session=session, demarche_id=demarche_id)[::-1], "run": run,
        "findings": found, "runs": runs, "definition": state.definition, "evidence_readable": readable,
        "elements": evidence_files.criteria_elements(found) if found and readable else {},
        "jdma_seen": bool(feedback.seen(session=session, as_of=dt.date.today(), demarche_ids={demarche_id}))})


def _readable_evidence(session: Session, user: User, page_audit_id: int) -> PageAudit:
    """The page audit whose evidence ``user`` asks for: evidence holds a page's HTML and
    pictures of it, so only DINUM and the démarche's own ministry read it."""
    page = session.get(PageAudit, page_audit_id)
    if page is None or not page.evidence_path or not Path(page.evidence_path).is_file():
        raise HTTPException(404, "Preuve introuvable.")
    owner = session.get(Demarche, page.demarche_id)
    if owner is None or not can_write(user, owner.ministry_code):
        raise HTTPException(403, "Cette preuve concerne une démarche d'un autre ministère.")
    return page


@router.get("/preuves/{page_audit_id}")
def evidence(page_audit_id: DbId, request: Request, user: User = Depends(require_user), session: Session = Depends(get_session)):
    page = _readable_evidence(session, user, page_audit_id)
    return FileResponse(page.evidence_path, media_type="application/gzip", filename=f"axe-{page_audit_id}.json.gz")


@router.get("/preuves/{page_audit_id}/captures/{number}.jpg")
def evidence_capture(page_audit_id: DbId, number: DbId, request: Request, user: User = Depends(require_user),
                     session: Session = Depends(get_session)):
    """One cropped picture of an offending element; a page that reused an earlier audit shows
    that audit's pictures (its evidence path is that audit's)."""
    page = _readable_evidence(session, user, page_audit_id)
    path = evidence_files.capture_path(page.evidence_path, number)
    if not path.is_file():
        raise HTTPException(404, "Capture introuvable.")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})


def _ministry_for(user: User, requested: str | None, session: Session) -> Ministry | None:
    code = requested or user.ministry_code
    if code is None:
        return None
    ministry = session.get(Ministry, code)
    if ministry is None:
        raise NotFound(f"Ministère inconnu : {code}")
    return ministry


@router.get("/calendrier")
def calendar_form(request: Request, ministere: str | None = None, user: User = Depends(require_user), session: Session = Depends(get_session)):
    ministry = _ministry_for(user, ministere, session)
    return render(request, "calendar.html.j2", _calendar_context(session, user, ministry))


def _calendar_context(session: Session, user: User, ministry: Ministry | None, **extra) -> dict:
    ministries = session.exec(select(Ministry).order_by(Ministry.code)).all()
    versions = remediation.history(session=session, ministry=ministry.code)[::-1] if ministry else []
    return {"user": user, "ministry": ministry, "ministries": ministries, "versions": versions,
            "can_write": bool(ministry) and can_write(user, ministry.code), "errors": None, "result": None,
            "step_labels": remediation.STEP_LABELS, **extra}


@router.post("/calendrier")
async def calendar_upload(request: Request, fichier: UploadFile, ministere: str = Form(...), csrf_token: str = Form(""),
                          user: User = Depends(require_user), session: Session = Depends(get_session)):
    check_csrf(request, csrf_token)
    settings = request.app.state.settings

    def work():
        ministry = _ministry_for(user, ministere, session)
        if not can_write(user, ministry.code):
            raise HTTPException(403, f"Vous ne pouvez déposer que le calendrier de votre ministère ({user.ministry_code}).")
        with tempfile.TemporaryDirectory() as tmp, db.write_session(request.app.state.engine) as writer:
            try:
                path, name = save_upload(fichier, settings.limits, Path(tmp))
                result = remediation.import_calendar(session=writer, path=path, ministry=ministry.code, uploaded_by=user.email,
                                                     display_name=name, limits=settings.limits)
            except ImportRejected as rejected:
                # Not an error page: the form again, with every bad cell above it, so the lead fixes
                # the file and uploads it from here (same 422 as the error boundary would give).
                writer.rollback()
                return render(request, "calendar.html.j2", _calendar_context(session, user, ministry, errors=rejected), 422)
            kept = settings.uploads_dir / ministry.code
            copy = kept / f"v{result.version.id}{path.suffix}"
            try:  # the file as received, kept with its version: both or neither
                kept.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, copy)
                writer.commit()  # before answering: a failed commit is an error answer, never a 200
            except BaseException:
                copy.unlink(missing_ok=True)
                raise
        return render(request, "calendar.html.j2", _calendar_context(session, user, ministry, result=result))

    return await off_the_loop(request, work)


@router.get("/calendrier/modele.{fmt}")
def calendar_template(fmt: str, request: Request, ministere: str | None = None, user: User = Depends(require_user),
                      session: Session = Depends(get_session)):
    if fmt not in ("csv", "xlsx", "ods"):
        raise HTTPException(404, "Format inconnu.")
    ministry = _ministry_for(user, ministere, session)
    folder = Path(tempfile.mkdtemp(prefix="modele-"))
    name = f"modele-calendrier{'-' + ministry.code if ministry else ''}.{fmt}"
    path = remediation.write_template(session=session, path=folder / name, ministry=ministry.code if ministry else None)
    # The temporary folder goes once the file is sent: one download must not leave one behind.
    return FileResponse(path, filename=name, background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.get("/rapports")
def reports_page(request: Request, user: User = Depends(require_user), session: Session = Depends(get_session)):
    reports = report.list_reports(session=session)
    files = {r.id: [Path(p).name for p in r.data_paths.splitlines()] for r in reports}
    return render(request, "reports.html.j2", {"user": user, "reports": reports, "files": files})


@router.get("/rapports/{report_id}/{name}")
def report_file(report_id: DbId, name: str, request: Request, user: User = Depends(require_user), session: Session = Depends(get_session)):
    stored = session.get(Report, report_id)
    if stored is None:
        raise HTTPException(404, "Rapport introuvable.")
    allowed = {Path(p).name: Path(p) for p in [stored.html_path, stored.pdf_path or "", *stored.data_paths.splitlines()] if p}
    if name not in allowed or not allowed[name].is_file():  # only the files the report recorded
        raise HTTPException(404, "Fichier introuvable.")
    path = allowed[name]
    dated = f"rapport-atelier-{stored.as_of.isoformat()}"
    if stored.pdf_path and path == Path(stored.pdf_path):
        return FileResponse(path, filename=f"{dated}.pdf", media_type="application/pdf", content_disposition_type="inline")
    if path == Path(stored.html_path):
        # Opened in the browser, under the same CSP as every page: the report's own <style>
        # elements get this answer's nonce (the report escapes every value, as pages do).
        # Its DSFR stylesheet, copied next to it in the folder, is the one the web UI serves.
        html = path.read_text(encoding="utf-8").replace('href="dsfr/dsfr.min.css"', 'href="/static/vendor/dsfr/dsfr.min.css"', 1)
        nonce = getattr(request.state, "csp_nonce", "")
        if nonce:
            html = html.replace("<style", f'<style nonce="{nonce}"')
        return HTMLResponse(html, headers={"Content-Disposition": f'inline; filename="{dated}.html"'})
    return FileResponse(path, filename=f"{dated}-{name}")


@router.get("/passages")
def runs_page(request: Request, user: User = Depends(require_user), session: Session = Depends(get_session)):
    return render(request, "runs.html.j2", {"user": user, "runs": crawl.list_runs(session=session, limit=50)})


INFO_PAGES = {
    "plan-du-site": {"title": "Plan du site", "paragraphs": ["Les pages du service, une fois connecté :"],
                     "links": [("/", "Tableau de bord"), ("/calendrier", "Calendrier de mise en accessibilité"), ("/rapports", "Rapports des ateliers"),
                               ("/passages", "Passages des robots"), ("/declarations", "Déclarations d'accessibilité"),
                               ("/compte/mot-de-passe", "Changer mon mot de passe"), ("/compte/jetons", "Mes jetons d'API"),
                               ("/admin/demarches", "Importer la liste des démarches (administration)"), ("/admin/comptes", "Comptes (administration)"),
                               ("/api/docs", "Documentation de l'API"), ("/accessibilite", "Accessibilité"), ("/mentions-legales", "Mentions légales"),
                               ("/donnees-personnelles", "Données personnelles"), ("/connexion", "Connexion")]},
    "accessibilite": {"title": "Déclaration d'accessibilité", "paragraphs": [
        "La Direction interministérielle du numérique s'engage à rendre ce service accessible, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005.",
        "État de conformité : non conforme. Aucun audit complet du RGAA n'a encore été réalisé ; chaque page du service passe les tests automatiques "
        "(axe-core et les tests propres de rgaa-tracker) sans anomalie, ce qui ne vaut pas conformité.",
        "Pour signaler un défaut d'accessibilité, écrivez à l'équipe de la DINUM qui vous a ouvert votre compte. Si vous n'obtenez pas de réponse, "
        "vous pouvez saisir le Défenseur des droits."]},
    "mentions-legales": {"title": "Mentions légales", "paragraphs": [
        "Éditeur : Direction interministérielle du numérique (DINUM), 20 avenue de Ségur, 75007 Paris.",
        "Ce service interne est réservé aux référents accessibilité des ministères et aux équipes de la DINUM.",
        "Le code du système de design de l'État (DSFR) est sous licence Etalab 2.0."]},
    "donnees-personnelles": {"title": "Données personnelles", "paragraphs": [
        "Le service enregistre l'adresse électronique, le ministère et le rôle de chaque compte, l'empreinte de son mot de passe, "
        "ses sessions et les tentatives de connexion, pour contrôler l'accès et tracer les dépôts de calendriers.",
        "Il dépose deux cookies strictement nécessaires : la session (rgaa_session) et le jeton anti-falsification du formulaire (rgaa_csrf). "
        "Aucun cookie de mesure d'audience n'est déposé : aucun consentement n'est demandé.",
        "Pour consulter ou corriger vos données, écrivez à l'équipe de la DINUM qui vous a ouvert votre compte."]},
}


def _info_route(name: str) -> None:
    """The footer's mandatory pages, readable without signing in (one fixed path each)."""
    def info_page(request: Request):
        return render(request, "info.html.j2", {"page": INFO_PAGES[name]})
    router.add_api_route(f"/{name}", info_page, methods=["GET"], name=f"info-{name}")


for _name in INFO_PAGES:
    _info_route(_name)
