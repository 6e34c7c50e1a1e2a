"""The command line as scripts use it: real process, exit codes, JSON shape, French errors."""

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path


from .factories import write_csv

CLI = [sys.executable, "-m", "rgaa_tracker"]


def run_cli(*args, cwd: Path, env_extra: dict | None = None, database_url: str | None = None) -> subprocess.CompletedProcess:
    kept = ("RGAA_TRACKER_TEST_POSTGRES_URL", "RGAA_TRACKER_CRAWL__ALLOWED_ADDRESS_CLASSES")  # the test sites are on loopback
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGAA_TRACKER_") or k in kept}
    env.update({"RGAA_TRACKER_DATABASE_URL": database_url or f"sqlite:///{cwd / 'cli.db'}", "RGAA_TRACKER_CRAWL__SETTLE_TIMEOUT_S": "1"})
    env.update(env_extra or {})
    return subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_audit_json_has_the_spec_shape(tmp_path, site_url):
    done = run_cli("audit", f"{site_url}/img-no-alt.html", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"url", "final_url", "status", "axe_version", "criteria", "violations", "footer_mention", "statement_url", "notes", "checks"}
    assert data["notes"] == []
    assert len(data["criteria"]) == 106
    assert data["criteria"]["1.1"] == "non_conforme"
    assert data["criteria"]["11.1"] == "non_applicable"  # no form on that page
    assert data["criteria"]["1.6"] == "non_couvert"
    assert data["status"] == 200
    assert {"rule": "image-alt", "impact": "critical", "criteria": ["1.1"], "nodes": 1} in data["violations"]
    assert all(set(v) == {"rule", "impact", "criteria", "nodes"} for v in data["violations"])
    assert data["footer_mention"] == "partiellement"
    assert data["statement_url"] == f"{site_url}/accessibilite.html"


def test_audit_of_unreachable_url_exits_1_with_one_french_line(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    done = run_cli("audit", url, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert lines[0].startswith("Erreur : audit impossible : connexion refusée") and url in lines[0]


def test_a_bug_of_ours_prints_one_french_line_and_logs_the_traceback(tmp_path, monkeypatch):
    """The CLI's error boundary: an unexpected exception is one French line, exit 1, and its
    traceback in the log file (in-process, with a fault injected into our own code)."""
    from typer.testing import CliRunner

    from rgaa_tracker import cli
    from rgaa_tracker.cli import crawl as crawl_commands
    from rgaa_tracker.settings import get_settings

    def broken(url):
        raise KeyError("champ inattendu")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RGAA_TRACKER_LOG_FILE", str(tmp_path / "journal.log"))
    get_settings.cache_clear()
    monkeypatch.setattr(crawl_commands, "_audit_once", broken)
    cli.log_to_file()
    logger = logging.getLogger("rgaa_tracker")
    try:
        done = CliRunner().invoke(cli.app, ["audit", "http://127.0.0.1:9/"])
    finally:
        get_settings.cache_clear()
        for handler in [h for h in logger.handlers if isinstance(h, logging.FileHandler)]:
            logger.removeHandler(handler)
            handler.close()
    assert done.exit_code == 1
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur interne de rgaa-tracker (KeyError") and "journal.log" in lines[0]
    assert "Traceback" not in done.output
    logged = (tmp_path / "journal.log").read_text(encoding="utf-8")
    assert "Traceback" in logged and "champ inattendu" in logged


def test_usage_error_exits_2(tmp_path):
    assert run_cli("crawl", "--concurrency", "zero", cwd=tmp_path).returncode == 2
    assert run_cli("report", "workshop", "--as-of", "hier", cwd=tmp_path).returncode == 2


def test_rejected_import_exits_1_and_lists_rows(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["id", "titre", "ministere", "url"], [["a", "A", "MEF", "pas une url"]])
    done = run_cli("demarches", "import", str(path), cwd=tmp_path)
    assert done.returncode == 1
    assert "ligne 2, colonne « url »" in done.stderr and "Traceback" not in done.stderr


def test_import_crawl_report_end_to_end(tmp_path, database_url, site_url):
    path = write_csv(tmp_path / "d.csv", ["id", "titre", "ministere", "url"], [["sans-label", "Champ sans étiquette", "MEF", f"{site_url}/no-label.html"]])
    assert run_cli("init", cwd=tmp_path, database_url=database_url).returncode == 0
    done = run_cli("demarches", "import", str(path), cwd=tmp_path, database_url=database_url)
    assert done.returncode == 0 and "1 démarche(s) créée(s)" in done.stdout
    listed = run_cli("demarches", "list", "--json", cwd=tmp_path, database_url=database_url)
    assert json.loads(listed.stdout)[0]["id"] == "sans-label"
    done = run_cli("crawl", "--demarche", "sans-label", "--concurrency", "1", cwd=tmp_path, database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert "Passage n° 1 terminé" in done.stdout
    runs = json.loads(run_cli("runs", "list", "--json", cwd=tmp_path, database_url=database_url).stdout)
    assert [(r["id"], r["status"]) for r in runs] == [(1, "finished")]
    shown = json.loads(run_cli("runs", "show", "1", "--json", cwd=tmp_path, database_url=database_url).stdout)
    assert set(shown) == {"id", "status", "started_at", "finished_at", "pages"}
    start = next(p for p in shown["pages"] if p["role"] == "start")
    assert set(start) == {"demarche_id", "url", "role", "http_status", "error_code", "error", "non_conformes", "notes"}
    assert start["non_conformes"] == ["11.1"] and start["http_status"] == 200
    assert {p["role"] for p in shown["pages"]} <= {"start", "statement", "legal", "contact", "sitemap", "help"}
    missing = run_cli("runs", "show", "99", cwd=tmp_path, database_url=database_url)
    assert missing.returncode == 1 and "Passage inconnu : 99" in missing.stderr
    unknown = run_cli("crawl", "--demarche", "inconnue", cwd=tmp_path, database_url=database_url)
    assert unknown.returncode == 1 and "Démarche(s) inconnue(s) : inconnue" in unknown.stderr
    done = run_cli("report", "workshop", "--out", str(tmp_path / "r"), cwd=tmp_path, database_url=database_url)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "Champ sans étiquette" in html and "11.1" in html


def test_declarations_and_indicators_commands(tmp_path, database_url):
    demarches = write_csv(tmp_path / "d.csv", ["id", "titre", "ministere", "url"],
                          [["a", "A", "MEF", "https://a.example/"], ["b", "B", "MININT", "https://b.example/"]])
    declarations = write_csv(tmp_path / "decl.csv", ["demarche_id", "statut", "taux", "date_publication", "date_audit", "url"],
                             [["a", "partiellement conforme", "75", "01/02/2021", "", "https://a.example/accessibilite"]])
    assert run_cli("demarches", "import", str(demarches), cwd=tmp_path, database_url=database_url).returncode == 0
    done = run_cli("declarations", "import", str(declarations), cwd=tmp_path, database_url=database_url)
    assert done.returncode == 0 and "1 déclaration(s) ajoutée(s)" in done.stdout
    listed = json.loads(run_cli("declarations", "list", "--demarche", "a", "--json", cwd=tmp_path, database_url=database_url).stdout)
    assert listed[0]["provenance"] == "import" and listed[0]["taux"] == 75.0 and listed[0]["date_publication"] == "2021-02-01"
    done = run_cli("indicators", "--as-of", "2022-01-01", "--json", cwd=tmp_path, database_url=database_url)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"as_of", "definition", "national", "ministries", "target", "questionable"}  # SPEC §6 keys, plus the rule
    assert data["definition"] == "2020"  # the rule in force on 2022-01-01
    assert data["national"] == {"active": 2, "declared": 1, "accessible": 1, "share": 0.5}
    assert set(data["target"]) == {"share", "deadline", "trajectory_share_at_as_of"}
    assert [set(m) for m in data["ministries"]] == [{"code", "active", "declared", "accessible", "share"}] * 2
    table = run_cli("indicators", "--as-of", "2022-01-01", cwd=tmp_path, database_url=database_url)
    assert "National" in table.stdout and "50.0%" in table.stdout and "règle 2020" in table.stdout
    # The same day under the 2023 rule: 75 % is only « Partiel », so nothing is accessible.
    done = run_cli("indicators", "--as-of", "2022-01-01", "--definition", "2023", "--json", cwd=tmp_path, database_url=database_url)
    data = json.loads(done.stdout)
    assert data["definition"] == "2023" and data["national"] == {"active": 2, "declared": 1, "accessible": 0, "share": 0.0}
    assert data["target"]["share"] == 1.0 and data["target"]["deadline"] == "2025-12-31"
    assert run_cli("indicators", "--definition", "2021", cwd=tmp_path, database_url=database_url).returncode == 2
    unknown = run_cli("indicators", "--ministry", "XYZ", cwd=tmp_path, database_url=database_url)
    assert unknown.returncode == 1 and "Ministère inconnu : XYZ" in unknown.stderr


def test_calendar_commands(tmp_path, database_url):
    demarches = write_csv(tmp_path / "d.csv", ["id", "titre", "ministere", "url"], [["a", "A", "MEF", "https://a.example/"]])
    assert run_cli("demarches", "import", str(demarches), cwd=tmp_path, database_url=database_url).returncode == 0
    done = run_cli("calendar", "template", "--format", "ods", "--ministry", "MEF", cwd=tmp_path, database_url=database_url)
    assert done.returncode == 0 and (tmp_path / "modele-calendrier-MEF.ods").is_file()
    header = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]
    v1 = write_csv(tmp_path / "v1.csv", header, [["a", "publication de la déclaration", "2022-06-01", "", "80", ""]])
    v2 = write_csv(tmp_path / "v2.csv", header, [["a", "declaration", "2022-09-01", "", "80", ""]])
    assert run_cli("calendar", "import", str(v1), "--ministry", "MEF", "--uploaded-at", "2022-01-01", cwd=tmp_path, database_url=database_url).returncode == 0
    done = run_cli("calendar", "import", str(v2), "--ministry", "MEF", "--uploaded-at", "2022-03-01", cwd=tmp_path, database_url=database_url)
    assert done.returncode == 0 and "1 déplacé(s)" in done.stdout
    history = json.loads(run_cli("calendar", "history", "--ministry", "MEF", "--json", cwd=tmp_path, database_url=database_url).stdout)
    assert [h["uploaded_at"][:10] for h in history] == ["2022-01-01", "2022-03-01"]
    done = run_cli("calendar", "status", "--as-of", "2022-10-01", "--json", cwd=tmp_path, database_url=database_url)
    data = json.loads(done.stdout)
    assert data == {
        "as_of": "2022-10-01",
        "ministries": [{"code": "MEF", "coverage": 1.0,
                        "late": [{"demarche_id": "a", "etape": "declaration", "date_prevue": "2022-09-01"}],
                        "slipped": [{"demarche_id": "a", "etape": "declaration", "first_planned": "2022-06-01", "latest_planned": "2022-09-01", "days": 92}],
                        "projected_share_at_deadline": 1.0}],
        "national": {"projected_share_at_deadline": 1.0},
    }
    bad = write_csv(tmp_path / "bad.csv", header, [["a", "recette", "2022-06-01", "", "", ""]])
    done = run_cli("calendar", "import", str(bad), "--ministry", "MEF", cwd=tmp_path, database_url=database_url)
    assert done.returncode == 1 and "ligne 2, colonne « etape »" in done.stderr and "Traceback" not in done.stderr


def test_demo_command_crawls_and_reports(tmp_path):
    done = run_cli("demo", cwd=tmp_path, env_extra={"RGAA_TRACKER_CRAWL__PAGES_PER_DEMARCHE": "2"})
    assert done.returncode == 0, done.stderr
    assert "8 démarche(s) de démonstration importée(s)" in done.stdout
    folder = next((tmp_path / "reports").glob("demo-*"))
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert (folder / "report.pdf").stat().st_size > 10_000
    assert "Payer une amende" in html and "image-alt" in html and "heading-order" in html
    assert "amende-paiement</th><td>MEF</td><td>Publication de la déclaration" in html  # slipped milestone
    again = run_cli("demo", cwd=tmp_path, env_extra={"RGAA_TRACKER_CRAWL__PAGES_PER_DEMARCHE": "1"})
    assert again.returncode == 0, again.stderr  # a second demo reuses its database
