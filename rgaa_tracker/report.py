"""The workshop report: what DINUM projects at the bimonthly follow-up.

One folder per report: ``index.html`` (self-contained), ``report.pdf`` (WeasyPrint) and the data
behind every table as CSV and ODS. Templates are versioned (``workshop_v1.html.j2``) and each
report is recorded, so "since the last workshop" is exact. Automated findings are always
labelled as such: they are never a conformity rate.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
from collections import defaultdict
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session, select

from . import audit, dashboard, remediation, chart, feedback, indicator, observatoire, spreadsheet, summaries
from . import definition as definitions
from . import findings as findings_model
from .models import CrawlRun, Demarche, Ministry, PageAudit, Report, utcnow
from .rgaa import criteria, criterion_sort_key
from .settings import Settings

TEMPLATE_VERSION = "v1"
ROLE_LABELS = {
    "start": "Page de départ",
    "statement": "Accessibilité",
    "legal": "Mentions légales",
    "contact": "Contact",
    "sitemap": "Plan du site",
    "help": "Aide",
}


def latest_run(*, session: Session, as_of: dt.date | None = None) -> CrawlRun | None:
    """The last run that ended, whatever its status: the report's crawl health describes it
    (a failed night is news); findings never come from here but from ``findings``."""
    query = select(CrawlRun).where(CrawlRun.status != "running").order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    if as_of:
        query = query.where(CrawlRun.started_at < findings_model.end_of(as_of))
    return session.exec(query.limit(1)).first()


DECLARATION_STATUS_LABELS = {"totalement": "totalement conforme", "partiellement": "partiellement conforme", "non": "non conforme"}
PROVENANCE_LABELS = {"import": "fichier importé", "crawl": "relevée par les robots", "web": "saisie dans l'interface",
                     "observatoire": "Observatoire de la qualité des démarches"}
# The footer's mandatory links, on every page of the web UI (web/pages.py serves them).
FOOTER_LINKS = [("/plan-du-site", "Plan du site"), ("/accessibilite", "Accessibilité : non conforme"),
                ("/mentions-legales", "Mentions légales"), ("/donnees-personnelles", "Données personnelles")]
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")


def date_long(day: dt.date | str | None) -> str:
    """« 31 octobre 2026 », « 1er mars 2026 »: how a French reader writes a date."""
    if not day:
        return "—"
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def datetime_long(moment: dt.datetime | None) -> str:
    return "—" if moment is None else f"{date_long(moment.date())} à {moment:%H:%M}"


RUN_STATUS_LABELS = {"running": "en cours", "finished": "terminé", "interrupted": "interrompu", "failed": "en échec"}
ERROR_LABELS = {
    "timeout": "Délai dépassé", "http_error": "Erreur HTTP", "connection_refused": "Connexion refusée",
    "connection_reset": "Connexion interrompue", "dns": "Nom de domaine introuvable", "redirect_loop": "Boucle de redirections",
    "dialog": "Boîte de dialogue", "download": "Téléchargement au lieu d'une page", "crash": "Plantage du navigateur",
    "too_large": "Page trop volumineuse", "tls": "Erreur TLS", "invalid_url": "Adresse invalide",
    "empty_response": "Réponse vide", "browser_error": "Autre erreur du navigateur",
    "not_html": "Réponse qui n'est pas une page HTML", "no_content": "Réponse sans contenu",
    "internal_error": "Erreur interne de rgaa-tracker", "aborted": "Chargement interrompu",
    "blocked": "Adresse interne bloquée",
}


def criteria_frequency(non_conformes: dict[str, list[str]]) -> dict[str, int]:
    """Criterion → number of démarches found non conforme."""
    counts: dict[str, int] = defaultdict(int)
    for numbers in non_conformes.values():
        for number in numbers:
            counts[number] += 1
    return dict(counts)


def previous_report(*, session: Session, before: dt.date) -> Report | None:
    query = select(Report).where(Report.kind == "workshop", Report.as_of < before)
    return session.exec(query.order_by(Report.as_of.desc(), Report.id.desc()).limit(1)).first()


def list_reports(*, session: Session) -> list[Report]:
    return list(session.exec(select(Report).order_by(Report.as_of.desc(), Report.id.desc())).all())


def history_dates(start: dt.date, end: dt.date, points: int = 36) -> list[dt.date]:
    """Evenly spaced dates from ``start`` to ``end`` (both included), at most ``points``."""
    if end <= start:
        return [end]
    step = max(1, (end - start).days // (points - 1))
    dates = [start + dt.timedelta(days=step * k) for k in range((end - start).days // step + 1)]
    return dates if dates[-1] == end else [*dates, end]


def _share_change(now: indicator.Counts, before: indicator.Counts | None) -> float | None:
    return None if before is None else now.share - before.share


def _crawl_health(session: Session, since: dt.date | None, as_of: dt.date, run: CrawlRun | None) -> dict:
    query = select(CrawlRun).where(CrawlRun.started_at < findings_model.end_of(as_of))
    if since:
        query = query.where(CrawlRun.started_at >= findings_model.end_of(since))
    runs = session.exec(query).all()
    failures: dict[str, int] = defaultdict(int)
    failed_pages: list[PageAudit] = []
    if run:
        failed_pages = list(session.exec(select(PageAudit).where(PageAudit.run_id == run.id, PageAudit.error_code != None).order_by(PageAudit.demarche_id)).all())  # noqa: E711
        for page in failed_pages:
            failures[page.error_code] += 1
    return {
        "runs": len(runs),
        "pages": sum(r.pages_total for r in runs),
        "failed": sum(r.pages_failed for r in runs),
        "interrupted": sum(r.status == "interrupted" for r in runs),
        "failures": sorted(failures.items(), key=lambda kv: -kv[1]),
        "failed_pages": failed_pages,
    }


def trajectories(*, session: Session, dates: list[dt.date], settings: Settings) -> dict[str, dict]:
    """Per rule, its share at each date and its own trajectory to its own target: the two
    curves the workshop compares (the 2023 one starts at its baseline)."""
    result = {}
    for name in definitions.NAMES:
        rule = definitions.get(name, settings)
        baseline = indicator.baseline_share(session=session, settings=settings, definition=name)
        result[name] = {
            "definition": rule,
            "shares": indicator.national_shares(session=session, dates=dates, settings=settings, definition=name),
            "trajectory": [indicator.trajectory(baseline_share=baseline, as_of=d, settings=settings, definition=name) for d in dates],
        }
    return result


def jdma_table(*, session: Session, as_of: dt.date, now: indicator.Indicators, names: dict[str, str]) -> dict:
    """Per ministry, the share of its listed démarches on which a crawl ever saw the « Je donne
    mon avis » button, beside the latest edition's own figure when one was imported."""
    listed = set(now.statuses)
    seen = feedback.seen(session=session, as_of=as_of, demarche_ids=listed)
    crawled = feedback.crawled(session=session, as_of=as_of) & listed
    edition = observatoire.jdma_shares(session=session, as_of=as_of)
    rows = []
    for code in sorted({s.demarche.ministry_code for s in now.statuses.values()}):
        ids = {d for d, s in now.statuses.items() if s.demarche.ministry_code == code}
        rows.append({"code": code, "name": names.get(code, code), "listed": len(ids), "crawled": len(ids & crawled), "seen": len(ids & seen),
                     "share": len(ids & seen) / len(ids) if ids else 0.0,
                     "edition_share": edition["ministries"].get(code) if edition else None})
    return {"rows": rows, "edition_on": edition["edition_on"] if edition else None, "crawled": len(crawled)}


def changes_since(*, session: Session, now: indicator.Indicators, since: dt.date | None, settings: Settings,
                  plans: list[dict] | None = None) -> dict:
    """What changed between the workshop of ``since`` and ``now``, under ``now``'s rule (a change
    is never a change of rule): share in points, nationally and per ministry; démarches that
    became accessible, stopped being so, whose statement expired, that entered the list; late
    milestones that were not late then. The report and the dashboard both show this one
    computation. Nothing when there is no earlier workshop (``since`` None)."""
    if since is None:
        return {"since": None, "before": None, "national": None, "ministries": {}, "became": [], "lost": [], "expired": [],
                "appeared": [], "new_late": []}
    before = indicator.compute(session=session, as_of=since, settings=settings, definition=now.definition.name)
    old = before.statuses
    if plans is None:
        plans = remediation.status(session=session, as_of=now.as_of, settings=settings, state=now)["ministries"]
    late_before = {(p["code"], m["demarche_id"], m["etape"])
                   for p in remediation.status(session=session, as_of=since, settings=settings, state=before)["ministries"] for m in p["late"]}
    titles = {d.id: d.title for d in session.exec(select(Demarche)).all()}
    fresh = [dict(p, late=[m for m in p["late"] if (p["code"], m["demarche_id"], m["etape"]) not in late_before]) for p in plans]
    return {
        "since": since, "before": before,
        "national": _share_change(now.national, before.national),
        "ministries": {code: _share_change(counts, before.ministries.get(code)) for code, counts in now.ministries.items()},
        "became": [s for d, s in now.statuses.items() if s.accessible and not (old.get(d) and old[d].accessible)],
        "lost": [s for d, s in now.statuses.items() if not s.accessible and old.get(d) and old[d].accessible],
        "expired": [s for d, s in now.statuses.items() if s.expired and old.get(d) and old[d].declared],
        "appeared": [s for d, s in now.statuses.items() if d not in old],
        "new_late": dashboard.late_milestones(fresh, titles, now.as_of),
    }


def workshop_context(*, session: Session, as_of: dt.date, since: dt.date | None, settings: Settings, definition: str | None = None) -> dict:
    """Everything the report shows, under ``definition`` (default: the rule in force on
    ``as_of``); the "since" figures use the same rule, so a change is never a change of rule."""
    now = indicator.compute(session=session, as_of=as_of, settings=settings, definition=definition)
    plans = {m["code"]: m for m in remediation.status(session=session, as_of=as_of, settings=settings, state=now)["ministries"]}
    changes = changes_since(session=session, now=now, since=since, settings=settings, plans=list(plans.values()))
    before, became, expired, appeared = changes["before"], changes["became"], changes["expired"], changes["appeared"]
    names = {m.code: m.name for m in session.exec(select(Ministry)).all()}
    expected = now.trajectory_share if now.trajectory_share is not None else now.target_share
    ministries = [
        {"code": code, "name": names.get(code, code), "counts": counts, "gap": dashboard.gap(counts.share, expected),
         "change": changes["ministries"].get(code), "plan": plans.get(code)}
        for code, counts in sorted(now.ministries.items()) if counts.active
    ]
    run = latest_run(session=session, as_of=as_of)
    listed = set(now.statuses)
    findings = findings_model.latest_findings(session=session, as_of=as_of, demarche_ids=listed)
    counts_now = criteria_frequency({d: [c.criterion for c in item.non_conformes] for d, item in findings.items()})
    before_findings = findings_model.latest_non_conformes(session=session, as_of=since, demarche_ids=listed) if since else None
    counts_before = criteria_frequency(before_findings) if before_findings is not None else {}
    top = sorted(counts_now.items(), key=lambda kv: (-kv[1], criterion_sort_key(kv[0])))[:15]
    dates = history_dates(min(settings.baseline_date, as_of), as_of)
    switch = settings.definition_switch
    if dates[0] < switch < dates[-1] and switch not in dates:
        dates = sorted([*dates, switch])  # the day the rule changed is a point of its own
    curves = trajectories(session=session, dates=dates, settings=settings)
    c2020, c2023 = curves["2020"], curves["2023"]
    history = [(d, definitions.in_force_name(d, settings), c2020["shares"][i], c2020["trajectory"][i], c2023["shares"][i], c2023["trajectory"][i])
               for i, d in enumerate(dates)]
    demarches = session.exec(select(Demarche).where(Demarche.id.in_(listed)).order_by(Demarche.id)).all() if listed else []
    per_ministry_findings = [
        {"ministry": m, "demarches": [findings.get(d.id) or findings_model.DemarcheFindings(d) for d in demarches if d.ministry_code == m["code"]]}
        for m in ministries
    ]
    titles = {d.id: d.title for d in session.exec(select(Demarche)).all()}
    pdf_step = max(1, -(-len(history) // 13))  # the PDF shows at most 13 dates; the data has them all
    return {
        "national_gap": dashboard.gap(now.national.share, expected),
        "late": dashboard.late_milestones([plans[c] for c in sorted(plans)], titles, as_of),
        "expiring": dashboard.expiring(now),
        "pdf_history": [row for i, row in enumerate(history) if i % pdf_step == 0 or i == len(history) - 1],
        "as_of": as_of, "since": since, "generated_at": utcnow(), "settings": settings, "template_version": TEMPLATE_VERSION,
        "now": now, "before": before, "national_change": changes["national"],
        "ministries": ministries, "became": became, "expired": expired, "appeared": appeared,
        "questionable": [now.statuses[d] for d in now.questionable],
        "questionable_criteria": {d: [c.criterion for c in findings[d].non_conformes] for d in now.questionable if d in findings},
        "slipped": [dict(s, ministry=code) for code, plan in sorted(plans.items()) for s in plan["slipped"]],
        "late_total": sum(len(p["late"]) for p in plans.values()),
        "top_criteria": [(c, n, counts_before.get(c) if before_findings is not None else None) for c, n in top],
        "run": run, "health": _crawl_health(session, since, as_of, run),
        "definition": now.definition, "definitions": {name: c["definition"] for name, c in curves.items()},
        "definition_switch": switch, "switch_in_range": dates[0] < switch <= dates[-1],
        "history": history,
        "chart_national": chart.line_chart("Part des démarches accessibles et trajectoire vers la cible",
                                           dates, {"Part accessible (règle 2020)": c2020["shares"], "Trajectoire 2020": c2020["trajectory"],
                                                   "Part accessible (règle 2023)": c2023["shares"], "Trajectoire 2023": c2023["trajectory"]}),
        "comparison": observatoire.comparison(session=session, settings=settings, as_of=as_of),
        "jdma": jdma_table(session=session, as_of=as_of, now=now, names=names),
        "chart_ministries": chart.bar_chart("Part des démarches accessibles par ministère",
                                            [m["code"] for m in ministries], {"Part accessible": [m["counts"].share for m in ministries]}),
        "per_ministry_findings": per_ministry_findings,
        "demarche_count": len(demarches),
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f} pt".replace(".", ",")


def _points_abs(value: float | None) -> str:
    """A gap in percentage points, unsigned, French decimals: « 12,5 points »."""
    return "—" if value is None else f"{abs(value) * 100:.1f} point{'s' if abs(value) * 100 >= 2 else ''}".replace(".", ",")


def environment() -> Environment:
    env = Environment(loader=PackageLoader("rgaa_tracker", "templates"), autoescape=select_autoescape(["html", "j2"]))
    env.filters.update(date_fr=lambda d: d.strftime("%d/%m/%Y") if d else "—", pct=_pct, points=_points,
                       datetime_fr=lambda d: d.strftime("%d/%m/%Y à %H:%M") if d else "—",
                       date_long=date_long, datetime_long=datetime_long, points_abs=_points_abs)
    env.globals.update(criteria=criteria(), role_labels=ROLE_LABELS, status_labels=audit.LABELS, run_status_labels=RUN_STATUS_LABELS,
                       step_labels=remediation.STEP_LABELS, error_labels=ERROR_LABELS, level_labels=observatoire.LEVEL_LABELS,
                       provenance_labels=PROVENANCE_LABELS, audit_labels=DECLARATION_STATUS_LABELS, footer_links=FOOTER_LINKS,
                       rule_summary=summaries.summary)
    return env


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def data_tables(context: dict) -> dict[str, tuple[list[str], list[list[object]]]]:
    """The data behind every table of the report, for CSV and ODS."""
    now = context["now"]
    return {
        "national": (["date", "regle_en_vigueur", "part_accessible_2020", "trajectoire_2020", "part_accessible_2023", "trajectoire_2023"],
                     [[d, rule, round(s20, 4), _round(t20), round(s23, 4), _round(t23)] for d, rule, s20, t20, s23, t23 in context["history"]]),
        "ministeres": (["code", "ministere", "actives", "declarees", "accessibles", "part", "evolution_points", "couverture_calendrier", "jalons_en_retard", "projection_echeance"],
                       [[m["code"], m["name"], m["counts"].active, m["counts"].declared, m["counts"].accessible, round(m["counts"].share, 4),
                         None if m["change"] is None else round(m["change"] * 100, 1),
                         m["plan"]["coverage"] if m["plan"] else None, len(m["plan"]["late"]) if m["plan"] else None,
                         m["plan"]["projected_share_at_deadline"] if m["plan"] else None] for m in context["ministries"]]),
        "evolutions": (["evolution", "demarche_id", "titre", "ministere"],
                       [[kind, s.demarche.id, s.demarche.title, s.demarche.ministry_code]
                        for kind, items in (("devenue_accessible", context["became"]), ("expiree", context["expired"]), ("nouvelle", context["appeared"])) for s in items]),
        "contestables": (["demarche_id", "titre", "taux_declare", "statut_declare", "criteres_non_conformes"],
                         [[s.demarche.id, s.demarche.title, s.declaration.rate, s.declaration.status, " ".join(context["questionable_criteria"].get(s.demarche.id, []))]
                          for s in context["questionable"]]),
        "glissements": (["ministere", "demarche_id", "etape", "premiere_date", "derniere_date", "jours"],
                        [[s["ministry"], s["demarche_id"], s["etape"], s["first_planned"], s["latest_planned"], s["days"]] for s in context["slipped"]]),
        "criteres": (["critere", "intitule", "demarches_non_conformes", "precedemment"],
                     [[c, criteria()[c].title, n, before] for c, n, before in context["top_criteria"]]),
        "sante_crawl": (["code_erreur", "libelle", "pages"], [[code, ERROR_LABELS.get(code, code), n] for code, n in context["health"]["failures"]]),
        "synthese": (["as_of", "definition", "actives", "declarees", "accessibles", "part", "cible", "echeance"],
                     [[context["as_of"], now.definition.name, now.national.active, now.national.declared, now.national.accessible, round(now.national.share, 4),
                       now.target_share, now.deadline]]),
        "je_donne_mon_avis": (["code", "ministere", "demarches", "demarches_auditees", "bouton_vu", "part", "part_edition"],
                              [[r["code"], r["name"], r["listed"], r["crawled"], r["seen"], round(r["share"], 4),
                                None if r["edition_share"] is None else round(r["edition_share"], 4)] for r in context["jdma"]["rows"]]),
        "observatoire": (["edition", "date_edition", "demarche_id", "titre", "ministere", "niveau_publie", "niveau_calcule", "regle", "taux_publie"],
                         [[c["edition"], c["edition_on"], r["demarche_id"], r["titre"], r["ministere"], r["niveau_publie"], r["niveau_calcule"], c["definition"],
                           r["taux_publie"]] for c in ([context["comparison"]] if context["comparison"] else []) for r in c["differences"]]),
    }


def copy_design_system(out_dir: Path) -> Path:
    """The DSFR's CSS and Marianne next to the report: the folder stays self-contained (no CDN);
    the web UI serves the same file from its own static folder instead (web/pages.py)."""
    source = resources.files("rgaa_tracker") / "static" / "vendor" / "dsfr"
    target = out_dir / "dsfr"
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    for name in ("dsfr.min.css", "LICENSE.md", "VERSION"):
        shutil.copyfile(source / name, target / name)
    for font in (source / "fonts").iterdir():
        if font.name.startswith("Marianne-") and "Italic" not in font.name:
            shutil.copyfile(font, target / "fonts" / font.name)
    return target


def scrollable_tables(html: str) -> str:
    """Each table in a region that scrolls sideways when the window is narrow (320 px) and that
    a keyboard can reach, named by the table's caption."""
    count = itertools.count(1)

    def wrap(match: re.Match) -> str:
        n = next(count)
        return f'<div class="tableau" tabindex="0" role="region" aria-labelledby="tableau-{n}"><table>{match.group(1)}<caption id="tableau-{n}"'

    html = re.sub(r"<table>(\s*)<caption", wrap, html)
    return html.replace("</table>", "</table></div>")


def write_workshop(*, session: Session, out_dir: Path, settings: Settings, as_of: dt.date | None = None,
                   since: dt.date | None = None, pdf: bool = True, definition: str | None = None) -> Report:
    """Render the workshop report into ``out_dir`` and record it."""
    as_of = as_of or dt.date.today()
    if since is None:
        previous = previous_report(session=session, before=as_of)
        since = previous.as_of if previous else None
    context = workshop_context(session=session, as_of=as_of, since=since, settings=settings, definition=definition)
    template = environment().get_template(f"report/workshop_{TEMPLATE_VERSION}.html.j2")
    html = scrollable_tables(template.render(**context, audit_labels=DECLARATION_STATUS_LABELS))
    out_dir.mkdir(parents=True, exist_ok=True)
    copy_design_system(out_dir)
    index = out_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    data_dir = out_dir / "donnees"
    data_dir.mkdir(exist_ok=True)
    tables = data_tables(context)
    paths = [spreadsheet.write_csv(data_dir / f"{name}.csv", header, rows) for name, (header, rows) in tables.items()]
    paths.append(spreadsheet.write_ods(data_dir / "donnees.ods", [(name, header, rows) for name, (header, rows) in tables.items()]))
    pdf_path = None
    if pdf:
        from weasyprint import HTML

        pdf_path = out_dir / "report.pdf"
        # The PDF is what the room reads: the per-démarche appendix stays in the HTML and the data.
        HTML(string=template.render(**context, for_pdf=True, audit_labels=DECLARATION_STATUS_LABELS), base_url=str(out_dir)).write_pdf(pdf_path)
    report = Report(as_of=as_of, since=since, template_version=TEMPLATE_VERSION, folder=str(out_dir), html_path=str(index),
                    pdf_path=str(pdf_path) if pdf_path else None, data_paths="\n".join(str(p) for p in paths))
    session.add(report)
    session.flush()
    return report


def default_out_dir(reports_dir: Path, as_of: dt.date) -> Path:
    return reports_dir / f"atelier-{as_of.isoformat()}"
