"""Regenerate docs/screenshots/*.png (issue #19): the dashboard and a ministry page in Chromium
at 1280 px, and two pages of the workshop PDF (the summary, a ministry's page) via pdftoppm.

Data: the demo's catalogue, declarations and calendars (rgaa_tracker/demo.py) in a temporary
SQLite database; no crawl (so no questionable declaration). Run from the repository root:
``python scripts/screenshots.py``."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "capture-d-ecran-solide-2026"


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="captures-"))
    os.environ["RGAA_TRACKER_DATABASE_URL"] = f"sqlite:///{tmp / 'captures.db'}"
    sys.path.insert(0, str(ROOT))
    import uvicorn
    from playwright.sync_api import sync_playwright
    from sqlmodel import Session

    from rgaa_tracker import db, demo, remediation, report
    from rgaa_tracker.browser import find_executable
    from rgaa_tracker.declaration import import_declarations
    from rgaa_tracker.demarche import import_demarches
    from rgaa_tracker.settings import get_settings
    from rgaa_tracker.user import add_user
    from rgaa_tracker.web import create_app

    settings = get_settings()
    engine = db.ensure_schema(db.engine_for(settings.database_url))
    with Session(engine, expire_on_commit=False) as session:
        import_demarches(session=session, path=demo.write_catalogue(tmp / "demarches.csv", "https://demo.example"), exits=False)
        import_declarations(session=session, path=demo.write_declarations(tmp / "declarations.csv"))
        for ministry, uploaded, path in demo.write_calendars(tmp):
            remediation.import_calendar(session=session, path=path, ministry=ministry,
                                        uploaded_at=dt.datetime.fromisoformat(uploaded).replace(tzinfo=dt.UTC))
        add_user(session=session, email="admin@dinum.example", password=PASSWORD, admin=True)
        written = report.write_workshop(session=session, out_dir=tmp / "rapport", settings=settings)
        session.commit()
    OUT.mkdir(parents=True, exist_ok=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_executable(settings, playwright.chromium.executable_path),
                                             args=settings.browser.args)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/connexion")
        page.get_by_label("Adresse électronique").fill("admin@dinum.example")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(f"{base}/")
        page.screenshot(path=str(OUT / "tableau-de-bord.png"), full_page=True)
        page.goto(f"{base}/ministeres/MEF")
        page.screenshot(path=str(OUT / "ministere.png"), full_page=True)
        browser.close()
    server.should_exit = True
    pdf = Path(written.pdf_path)
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    sheet = next(i for i, text in enumerate(pages, 1) if "Fiches par ministère" in text)
    for number, name in ((1, "rapport-pdf-synthese"), (sheet, "rapport-pdf-ministere")):
        subprocess.run(["pdftoppm", "-r", "70", "-png", "-singlefile", "-f", str(number), "-l", str(number), str(pdf), str(OUT / name)], check=True)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"Captures écrites dans {OUT}")


if __name__ == "__main__":
    main()
