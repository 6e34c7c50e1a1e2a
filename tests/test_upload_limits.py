"""Issue #17, uploads and request limits, attacked as the report did: against a real uvicorn
server process on 127.0.0.1 (its event loop, its memory, its temporary folder), on a real SQLite
file and on the real PostgreSQL server, with real CSV/XLSX/ODS files built here, and through the
real command line. Nothing is mocked."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from rgaa_tracker.models import CalendarVersion
from rgaa_tracker.user import add_user, issue_token

from .factories import add_demarches, write_csv, write_ods
from .test_cli import run_cli
from .test_web_errors import veto_every_calendar_version_at_commit

PASSWORD = "un-mot-de-passe-solide"
CALENDAR_HEADER = ["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"]
GOOD_CSV = b"demarche_id;etape;date_prevue;taux_cible\nimpots;audit;2026-01-15;\nimpots;declaration;2026-06-01;80\n"
MB = 1024 * 1024
# A server process per test, 200 MB files and command-line runs: more than the suite's default
# budget on a loaded two-core machine.
pytestmark = pytest.mark.timeout(300)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not found for {pid}")


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


class Server:
    """``rgaa-tracker serve`` in its own process, with its own temporary folder (TMPDIR)."""

    def __init__(self, tmp_path: Path, database_url: str, env_extra: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.spool = tmp_path / "server-tmp"
        self.spool.mkdir()
        self.uploads = tmp_path / "uploads"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RGAA_TRACKER_")}
        env.update({"RGAA_TRACKER_DATABASE_URL": database_url, "RGAA_TRACKER_UPLOADS_DIR": str(self.uploads),
                    "RGAA_TRACKER_SECRET_FILE": str(tmp_path / "secret"), "RGAA_TRACKER_LOG_FILE": str(tmp_path / "server.log"),
                    "TMPDIR": str(self.spool), **(env_extra or {})})
        self.log = (tmp_path / "server.out").open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "rgaa_tracker", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                        cwd=tmp_path, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (tmp_path / "server.out").read_text()
            try:
                if httpx.get(f"{self.url}/connexion", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.log.close()


@pytest.fixture
def catalogue(engine, tmp_path):
    rows = [["impots", "Déclarer ses revenus", "MEF", "https://impots.example/"], ["passeport", "Passeport", "MININT", "https://p.example/"]]
    rows += [[f"d{i}", f"Démarche {i}", "MEF", f"https://d{i}.example/"] for i in range(200)]
    add_demarches(engine, tmp_path, rows)
    with Session(engine) as session:
        add_user(session=session, email="lead@mef.example", password=PASSWORD, ministry="MEF")
        token = issue_token(session=session, email="lead@mef.example")
        session.commit()
    return token


@pytest.fixture
def server(catalogue, settings, tmp_path):
    running = Server(tmp_path, settings.database_url)
    running.token = catalogue
    yield running
    running.stop()


def api(server: Server, timeout: float = 120) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=timeout)


def signed_in(server: Server) -> httpx.Client:
    """A browser's session: sign-in form, cookie, CSRF token."""
    client = httpx.Client(base_url=server.url, timeout=120, headers={"Accept": "text/html"})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/connexion").text).group(1)
    answer = client.post("/connexion", data={"email": "lead@mef.example", "password": PASSWORD, "csrf_token": csrf, "suite": "/"})
    assert answer.status_code == 303, answer.text
    return client


def upload_page(client: httpx.Client, content: bytes, name: str = "calendrier.csv", ministry: str = "MEF") -> httpx.Response:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/calendrier?ministere=MEF").text).group(1)
    return client.post("/calendrier", data={"ministere": ministry, "csrf_token": csrf}, files={"fichier": (name, content, "text/csv")})


def versions(engine) -> list[int]:
    with Session(engine) as session:
        return sorted(v.id for v in session.exec(select(CalendarVersion)).all())


# 1. No freeze ------------------------------------------------------------------------------

def hostile_declarations(rows: int) -> bytes:
    """Every row wrong in every column: the file of the report (8,000 bad rows, ~96 KB, 57 s)."""
    lines = ["demarche_id;statut;taux;date_publication;date_audit;url"]
    lines += [f"x{i};peut-être;beaucoup;31/02/2020;hier;ftp://x" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_get_answers_within_a_second_while_a_hostile_upload_is_checked(server):
    content = hostile_declarations(8000)
    assert len(content) > 90_000
    outcome: dict = {}

    def upload() -> None:
        with api(server) as client:
            outcome["started"] = time.monotonic()
            outcome["answer"] = client.post("/api/declarations", files={"file": ("declarations.csv", content, "text/csv")})
            outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=upload)
    gets: list[tuple[float, float]] = []
    with api(server, timeout=10) as client:
        thread.start()
        deadline = time.monotonic() + 120
        while thread.is_alive() and time.monotonic() < deadline:
            began = time.monotonic()
            assert client.get("/api/demarches?ministry=MININT").status_code == 200
            gets.append((began, time.monotonic()))
            time.sleep(0.02)
    thread.join(timeout=10)
    answer = outcome["answer"]
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert len(errors) == 8000 * 6  # the full list: every bad cell of every row
    assert errors[0] == {"row": 2, "column": "demarche_id", "value": "x0",
                         "reason": "démarche inconnue (importez d'abord le catalogue des démarches)"}
    during = [(a, b) for a, b in gets if a >= outcome["started"] and b <= outcome["ended"]]
    assert len(during) >= 3, (gets, outcome)  # the GETs really ran while the upload was being checked
    # A blocked event loop makes a GET wait for the whole upload. Under a second on a quiet machine
    # (the issue's figure); on a machine loaded by other tests the upload itself stretches, and a
    # GET still answers within a third of it.
    took = outcome["ended"] - outcome["started"]
    assert max(b - a for a, b in during) < max(1.0, took / 3), (during, took)
    print(f"\n8,000-bad-row upload answered in {outcome['ended'] - outcome['started']:.2f} s; "
          f"{len(during)} GETs meanwhile, slowest {max(b - a for a, b in during) * 1000:.0f} ms")


# 2. Limits enforced while reading ------------------------------------------------------------

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 b'<Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                 b'</Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        b'</Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            b'<sheet name="Feuille1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                 b'Target="worksheets/sheet1.xml"/></Relationships>')


def xlsx_bomb(path: Path, sheet_bytes: int) -> Path:
    """A zip written by hand: a valid workbook whose one sheet is ``sheet_bytes`` of rows."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row><c t="inlineStr"><is><t>demarche_id</t></is></c><c t="inlineStr"><is><t>etape</t></is></c>'
            b'<c t="inlineStr"><is><t>date_prevue</t></is></c></row>')
    chunk = b"a" * MB  # one endless comment: deflate packs it a thousand to one
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("xl/workbook.xml", WORKBOOK),
                           ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)):
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head + b'<row><c t="inlineStr"><is><t>impots</t></is></c><c t="inlineStr"><is><t>')
            written = len(head)
            while written < sheet_bytes:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return path


@pytest.fixture(scope="module")
def gib_bomb(tmp_path_factory) -> Path:
    return xlsx_bomb(tmp_path_factory.mktemp("bomb") / "calendrier.xlsx", 1 << 30)


def far_cell_xlsx(path: Path) -> Path:
    """A 5 KB workbook with one cell at XFD1048576: read as is, calamine allocates 17 billion cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["demarche_id", "etape", "date_prevue"])
    sheet.append(["impots", "audit", "2026-01-15"])
    sheet["XFD1048576"] = "x"
    workbook.save(path)
    return path


def test_an_xlsx_bomb_is_refused_and_the_server_memory_stays_bounded(server, gib_bomb, tmp_path, engine):
    with zipfile.ZipFile(gib_bomb) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 1 << 30  # what it really expands to
    assert gib_bomb.stat().st_size < 2 * MB
    far = far_cell_xlsx(tmp_path / "loin.xlsx")
    peak_before = rss_kb(server.process.pid, "VmHWM")
    with api(server) as client:
        started = time.monotonic()
        answer = client.post("/api/calendars/MEF", files={"file": ("calendrier.xlsx", gib_bomb.read_bytes(), "application/octet-stream")})
        bomb_seconds = time.monotonic() - started
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"] == [{"row": None, "column": None, "value": None, "reason":
                                            "contenu décompressé trop volumineux : 50 Mo au plus (réglage limits.max_uncompressed_mb)"}]
        answer = client.post("/api/calendars/MEF", files={"file": ("loin.xlsx", far.read_bytes(), "application/octet-stream")})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["reason"] == "trop de lignes : 20000 au plus (réglage limits.max_rows)"
        assert client.get("/api/demarches?ministry=MININT").status_code == 200  # still serving
    growth_mb = (rss_kb(server.process.pid, "VmHWM") - peak_before) / 1024
    assert growth_mb < 100, growth_mb
    assert bomb_seconds < 10
    assert versions(engine) == []
    print(f"\n1 GiB XLSX bomb ({gib_bomb.stat().st_size / MB:.1f} MB file) refused in {bomb_seconds:.2f} s; "
          f"server peak RSS grew {growth_mb:.1f} MB")


def send_raw(port: int, head: bytes, body_chunks, settle: float = 0.05) -> bytes:
    """Send a request as a client that keeps pushing its body; what the server answered, if it
    answered before the connection was cut."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head)
        try:
            for chunk in body_chunks:
                connection.sendall(chunk)
                sent += len(chunk)
        except OSError:  # the server hung up on a body it refused: expected
            pass
        connection.settimeout(10)
        answer = b""
        try:
            while len(answer) < 65536:
                part = connection.recv(65536)
                if not part:
                    break
                answer += part
        except OSError:
            pass
    return answer


def test_an_unauthenticated_huge_body_is_413_before_any_spooling(server):
    boundary = "frontiere"
    multipart_head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gros.csv\"\r\n"
                      "Content-Type: text/csv\r\n\r\n").encode()
    spool_before = files_under(server.spool)
    # Announced: 1 GiB, then a few MB actually pushed.
    head = (f"POST /api/calendars/MEF HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {1 << 30}\r\n\r\n").encode()
    answer = send_raw(server.port, head, [multipart_head] + [b"a" * MB] * 4)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert "Requête trop volumineuse : 6 Mo au plus (réglage limits.max_body_mb)." in answer.decode("utf-8", "replace")
    assert files_under(server.spool) == spool_before
    # Chunked: no length announced; cut once past the limit, whatever is still coming.
    head = (f"POST /api/declarations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    chunks = [b"%x\r\n%s\r\n" % (len(part), part) for part in [multipart_head] + [b"a" * (256 * 1024)] * 128]
    answer = send_raw(server.port, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert "réglage limits.max_body_mb" in answer.decode("utf-8", "replace")
    time.sleep(0.5)
    assert files_under(server.spool) == spool_before  # nothing left behind in the server's temporary folder
    # The same small request, without sign-in, is a 401: the 413 above came from the size alone.
    small = httpx.post(f"{server.url}/api/calendars/MEF", files={"file": ("c.csv", GOOD_CSV, "text/csv")})
    assert small.status_code == 401


# 3. Concurrent uploads -----------------------------------------------------------------------

def test_concurrent_uploads_all_succeed_or_conflict_and_match_what_is_stored(server, engine):
    rows = [[f"d{i}", step, f"2026-0{1 + n}-15", "", "", ""] for i in range(200) for n, step in enumerate(("audit", "corrections", "contre-audit"))]
    content = write_csv(Path(server.spool.parent) / "grand.csv", CALENDAR_HEADER, rows).read_bytes()
    barrier = threading.Barrier(8)
    answers: list[httpx.Response] = []

    def upload(kind: int) -> None:
        with api(server) as client:
            barrier.wait(timeout=30)
            if kind % 4 == 3:  # declarations too, in the same moment
                answers.append(client.post("/api/declarations", files={"file": ("d.csv", b"demarche_id;taux;date_publication\nd1;80;2024-01-01\n", "text/csv")}))
            else:
                answers.append(client.post("/api/calendars/MEF", files={"file": ("calendrier.csv", content, "text/csv")}))

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 8
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 409}, [a.text for a in answers]
    created = sorted(a.json()["version"] for a in answers if a.status_code == 200 and "version" in a.json())
    assert created == versions(engine)
    assert len(created) == statuses.count(200) - sum(1 for a in answers if a.status_code == 200 and "added" in a.json())
    added = [a.json()["added"] for a in answers if a.status_code == 200 and "added" in a.json()]
    assert sum(added) == 1  # the same declaration sent twice at once is stored once


# 4. Malformed requests -----------------------------------------------------------------------

MALFORMED = [  # method, path, files, status, French message
    ("GET", "/api/runs/99999999999", None, 422, "valeur trop grande"),
    ("GET", "/preuves/99999999999", None, 422, "valeur trop grande"),
    ("GET", "/ministeres/ME%00F", None, 400, "caractère nul"),
    ("GET", "/api/indicators?ministry=ME%00F", None, 400, "caractère nul"),
    ("POST", "/api/calendars/MEF", {"file": ("a" * 300 + ".csv", GOOD_CSV, "text/csv")}, 422, "nom de fichier trop long : 255 caractères au plus"),
    ("POST", "/api/calendars/MEF", {"file": (None, "du texte, pas un fichier")}, 422, "fichier attendu"),
    ("POST", "/api/calendars/MEF", {"file": ("calendrier.exe", b"MZ\x90\x00", "application/octet-stream")}, 422, "format de fichier non pris en charge"),
    ("POST", "/api/calendars/MEF", {"file": ("envoi.xlsx", GOOD_CSV, "application/octet-stream")}, 422, "celui-ci n'en est pas une"),
    ("POST", "/api/calendars/MEF", {"file": ("envoi.ods", b"PK\x03\x04" + b"\x00" * 100, "application/octet-stream")}, 422, "fichier illisible"),
]


def test_malformed_requests_get_a_french_4xx(server):
    with api(server) as client:
        for method, path, files, status, message in MALFORMED:
            answer = client.request(method, path, files=files, headers={"Accept": "application/json"})
            assert answer.status_code == status, (path, files, answer.text)
            assert message in answer.text, (path, files, answer.text)
            for leak in ("Traceback", "/tmp", str(server.spool), "zip file", "Error", "error:"):
                assert leak not in answer.text, (path, files, answer.text)
        assert client.get("/api/demarches?ministry=MININT").status_code == 200  # and the server is still serving


def test_a_nul_byte_in_a_form_field_is_a_french_4xx(server):
    client = signed_in(server)
    answer = upload_page(client, GOOD_CSV, ministry="ME\x00F")
    client.close()
    assert 400 <= answer.status_code < 500, answer.text
    assert '<html lang="fr">' in answer.text and "Traceback" not in answer.text


def test_a_failed_web_upload_leaves_no_file_in_uploads_dir(server, engine, tmp_path):
    client = signed_in(server)
    try:
        bad = upload_page(client, b"demarche_id;etape;date_prevue\nimpots;recette;2026-01-15\n")
        assert bad.status_code == 422 and "étape inconnue" in bad.text
        too_big = upload_page(client, b"demarche_id;etape;date_prevue\n" + b"impots;audit;2026-01-15\n" * (230 * 1024))
        assert too_big.status_code == 413 and "5 Mo au plus (réglage limits.max_file_mb)" in too_big.text
        veto_every_calendar_version_at_commit(engine)
        vetoed = upload_page(client, GOOD_CSV)
        assert vetoed.status_code == 409, vetoed.text
        assert files_under(server.uploads) == []
        assert versions(engine) == []
        with engine.begin() as connection:  # lifted: the same upload is kept, file and version
            from sqlalchemy import text

            connection.execute(text("DROP TRIGGER veto_calendar" + (" ON calendar_version" if engine.dialect.name == "postgresql" else "")))
        kept = upload_page(client, GOOD_CSV)
        assert kept.status_code == 200, kept.text
    finally:
        client.close()
    assert [p.name for p in files_under(server.uploads)] == [f"v{versions(engine)[0]}.csv"]


# 5. The same limits through the command line -------------------------------------------------

def test_row_column_and_cell_limits_through_the_command_line(catalogue, settings, tmp_path):
    limits = {"RGAA_TRACKER_LIMITS__MAX_ROWS": "10", "RGAA_TRACKER_LIMITS__MAX_COLUMNS": "8", "RGAA_TRACKER_LIMITS__MAX_CELL_CHARS": "100"}
    rows = [[f"d{i}", "audit", "2026-01-15", "", "", ""] for i in range(12)]
    cases = [
        (write_csv(tmp_path / "lignes.csv", CALENDAR_HEADER, rows), "trop de lignes : 10 au plus (réglage limits.max_rows)"),
        (write_ods(tmp_path / "colonnes.ods", CALENDAR_HEADER + ["a", "b", "c"], [["d1", "audit", "2026-01-15", "", "", "", "x", "y", "z"]]),
         "trop de colonnes : 8 au plus (réglage limits.max_columns)"),
        (write_csv(tmp_path / "cellule.csv", CALENDAR_HEADER, [["d1", "audit", "2026-01-15", "", "", "x" * 101]]),
         "cellule trop longue : 100 caractères au plus (réglage limits.max_cell_chars)"),
    ]
    ods_bomb = tmp_path / "repetee.ods"  # one row repeated a million times: a few bytes, a huge grid
    with zipfile.ZipFile(cases[1][0]) as source, zipfile.ZipFile(ods_bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "content.xml":
                data = data.replace(b"<table:table-row>", b'<table:table-row table:number-rows-repeated="1000000">', 2)
            target.writestr(info, data)
    cases.append((ods_bomb, "trop de lignes : 10 au plus (réglage limits.max_rows)"))
    for path, message in cases:
        done = run_cli("calendar", "import", str(path), "--ministry", "MEF", cwd=tmp_path, database_url=settings.database_url, env_extra=limits)
        assert done.returncode == 1, (path, done.stdout, done.stderr)
        assert message in done.stderr, (path, done.stderr)
        assert "Traceback" not in done.stderr
    ok = write_csv(tmp_path / "bon.csv", CALENDAR_HEADER, rows[:9])
    done = run_cli("calendar", "import", str(ok), "--ministry", "MEF", cwd=tmp_path, database_url=settings.database_url, env_extra=limits)
    assert done.returncode == 0, done.stderr  # the limits refuse only what exceeds them


def test_a_huge_csv_through_the_command_line_is_read_as_a_stream(catalogue, settings, tmp_path):
    """200 MB reached 8 GB; now reading stops at max_rows + 1 and memory stays flat."""
    path = tmp_path / "enorme.csv"
    line = b"d1;audit;2026-01-15;;;" + b"commentaire " * 8 + b"\n"
    with path.open("wb") as handle:
        handle.write(b"demarche_id;etape;date_prevue;date_realisee;taux_cible;commentaire\n")
        block = line * (MB // len(line))
        for _ in range(200):
            handle.write(block)
    assert path.stat().st_size > 190 * MB
    measure = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(done.returncode); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(done.stderr)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGAA_TRACKER_")}
    env.update({"RGAA_TRACKER_DATABASE_URL": settings.database_url, "RGAA_TRACKER_LIMITS__MAX_FILE_MB": "500"})
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "rgaa_tracker", "calendar", "import", str(path), "--ministry", "MEF"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    code, peak_kb, stderr = done.stdout.split("\n", 2)
    assert code == "1", done.stdout
    assert "trop de lignes : 20000 au plus (réglage limits.max_rows)" in stderr
    assert int(peak_kb) < 400 * 1024, peak_kb
    print(f"\n200 MB CSV through the CLI refused in {seconds:.1f} s, peak RSS {int(peak_kb) / 1024:.0f} MB")
    # And with the default file limit it is refused before being read at all.
    env.pop("RGAA_TRACKER_LIMITS__MAX_FILE_MB")
    done = subprocess.run([sys.executable, "-m", "rgaa_tracker", "calendar", "import", str(path), "--ministry", "MEF"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "fichier trop volumineux : 5 Mo au plus (réglage limits.max_file_mb)" in done.stderr


def test_an_archive_that_lies_about_its_sizes_is_refused_without_being_expanded(tmp_path):
    """Declared sizes alone are not trusted: a member declaring 1 MB whose stream expands to
    60 MB is read only up to what it declares, and its CRC then gives it away."""
    import struct
    import tracemalloc

    from rgaa_tracker.errors import ImportRejected
    from rgaa_tracker.remediation import COLUMNS, LABELS, REQUIRED
    from rgaa_tracker.tabular import read_table

    path = xlsx_bomb(tmp_path / "menteur.xlsx", 60 * MB)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 60 * MB
    local = info.header_offset
    central = data.index(b"PK\x01\x02")
    while not data[central + 46:central + 46 + len(info.filename)] == info.filename.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, local + 22, MB)  # the local header's uncompressed size
    struct.pack_into("<I", data, central + 24, MB)  # the central directory's
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == MB  # what it now claims
    tracemalloc.start()
    with pytest.raises(ImportRejected) as refused:
        read_table(path, COLUMNS, REQUIRED, labels=LABELS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [e.reason for e in refused.value.errors] == ["fichier illisible : l'archive XLSX ou ODS est corrompue ou chiffrée"]
    assert peak < 16 * MB, peak  # never the 60 MB it really holds
