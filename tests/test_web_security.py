"""Issue #17, sessions and browsers' side: each test replays an attack against a real server on
127.0.0.1 (uvicorn, real HTTP), a real SQLite file and the real PostgreSQL server, and real
Chromium where a browser matters, then asserts the fix. Nothing is mocked."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import func, text
from sqlmodel import Session, select

from rgaa_tracker import report
from rgaa_tracker.errors import TrackerError
from rgaa_tracker.models import CalendarVersion, LoginAttempt, WebSession
from rgaa_tracker.settings import get_settings
from rgaa_tracker.user import add_user, issue_token
from rgaa_tracker.web import create_app

from .conftest import serve_directory
from .factories import add_crawl, add_declaration, add_demarches
from .test_web import browser  # noqa: F401  (the browser fixture)
from .test_web import sign_in as browser_sign_in

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "un-mot-de-passe-solide"
NEW_PASSWORD = "trois-mots-sans-rapport-cerise"
CSV = b"demarche_id;etape;date_prevue\nimpots;audit;2026-01-15\n"
LEAD, ADMIN = "lead@mef.example", "admin@dinum.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app) -> tuple[str, uvicorn.Server, threading.Thread]:
    """The app in a uvicorn thread on 127.0.0.1; proxy headers off, as ``rgaa-tracker serve``."""
    port = free_port()
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started
    return f"http://127.0.0.1:{port}", instance, thread


class Recorder:
    """Wraps the app to note what reached the server: (method, path, cookies sent, status).
    An observation, not a stand-in: the request still goes through the whole app."""

    def __init__(self, app) -> None:
        self.app = app
        self.seen: list[tuple[str, str, str, int]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cookie = dict(scope["headers"]).get(b"cookie", b"").decode()

        async def noting_send(message):
            if message["type"] == "http.response.start":
                self.seen.append((scope["method"], scope["path"], cookie, message["status"]))
            await send(message)

        await self.app(scope, receive, noting_send)


def web_settings(**web):
    settings = get_settings()
    return settings.model_copy(update={"web": settings.web.model_copy(update=web)})


@pytest.fixture
def accounts(engine, settings, tmp_path):
    add_demarches(engine, tmp_path, [["impots", "Déclarer ses revenus", "MEF", "https://impots.example/"],
                                     ["passeport", "Passeport", "MININT", "https://passeport.example/"]])
    add_declaration(engine, "impots", rate=90, published="2025-01-10")
    add_crawl(engine, (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"), {"impots": ["1.1"]})
    with Session(engine) as session:
        add_user(session=session, email=LEAD, password=PASSWORD, ministry="MEF")
        add_user(session=session, email=ADMIN, password=PASSWORD, admin=True)
        token = issue_token(session=session, email=LEAD)
        report.write_workshop(session=session, out_dir=tmp_path / "reports" / "atelier", settings=get_settings(), pdf=False)
        session.commit()
    return {"token": token}


@pytest.fixture
def server(accounts):
    """One server with the default settings but a small idle timeout (5 minutes)."""
    recorder = Recorder(create_app(web_settings(session_idle_minutes=5)))
    base, instance, thread = start_server(recorder)
    yield {"url": base, "seen": recorder.seen, **accounts}
    instance.should_exit = True
    thread.join(timeout=10)


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(base: str, email: str = LEAD, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = form_token(client.get("/connexion").text)
    answer = client.post("/connexion", data={"email": email, "password": password, "csrf_token": token, "suite": "/"})
    assert answer.status_code == 303, answer.text
    assert client.cookies.get("rgaa_session")
    return client


def page_token(client: httpx.Client) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/calendrier").text).group(1)


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def cli(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """The real command line, in a process of its own, on the test's database (environment)."""
    return subprocess.run([sys.executable, "-m", "rgaa_tracker", *args], capture_output=True, text=True, timeout=120, input=input,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


# Finding 5: logout did not end the session (stateless cookie, valid 8 h).
def test_old_cookie_is_refused_after_logout(server, engine):
    client = sign_in(server["url"])
    old_cookie = client.cookies.get("rgaa_session")
    assert client.get("/api/demarches").status_code == 200
    assert count(engine, WebSession) == 1
    answer = client.post("/deconnexion", data={"csrf_token": page_token(client)})
    assert answer.status_code == 303 and answer.headers["location"] == "/connexion"
    assert count(engine, WebSession) == 0
    replay = httpx.Client(base_url=server["url"], cookies={"rgaa_session": old_cookie})
    assert replay.get("/api/demarches").status_code == 401
    page = replay.get("/")
    assert page.status_code == 303 and page.headers["location"].startswith("/connexion")


def test_password_change_ends_every_other_session_on_the_web_and_from_the_cli(server, engine, tmp_path):
    here, elsewhere = sign_in(server["url"]), sign_in(server["url"])
    token = page_token(here)
    wrong = here.post("/compte/mot-de-passe", data={"current": "pas-le-bon", "new": NEW_PASSWORD, "confirmation": NEW_PASSWORD, "csrf_token": token})
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text and 'aria-describedby="current-erreur"' in wrong.text
    assert 'id="current-erreur">Mot de passe actuel incorrect.' in wrong.text
    weak = here.post("/compte/mot-de-passe", data={"current": PASSWORD, "new": "a" * 12, "confirmation": "a" * 12, "csrf_token": token})
    assert weak.status_code == 422 and "Mot de passe trop facile à deviner" in weak.text
    assert 'aria-describedby="new-aide new-erreur"' in weak.text
    assert elsewhere.get("/api/demarches").status_code == 200  # refused changes end nothing

    changed = here.post("/compte/mot-de-passe", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirmation": NEW_PASSWORD, "csrf_token": token})
    assert changed.status_code == 200 and "Mot de passe changé" in changed.text
    assert here.get("/api/demarches").status_code == 200  # this browser got a fresh session
    assert elsewhere.get("/api/demarches").status_code == 401  # the other one is out
    assert count(engine, WebSession) == 1
    bearer = httpx.get(f"{server['url']}/api/demarches", headers={"Authorization": f"Bearer {server['token']}"})
    assert bearer.status_code == 200  # the API token is kept (documented): scripts go on working

    password_file = tmp_path / "nouveau.txt"
    password_file.write_text("un-troisieme-mot-de-passe-robuste\n", encoding="utf-8")
    done = cli("users", "password", LEAD, "--password-file", str(password_file))
    assert done.returncode == 0, done.stderr
    assert "Mot de passe changé : lead@mef.example" in done.stdout
    assert here.get("/api/demarches").status_code == 401
    assert count(engine, WebSession) == 0
    sign_in(server["url"], password="un-troisieme-mot-de-passe-robuste")

    password_file.write_text("motdepasse123\n", encoding="utf-8")
    refused = cli("users", "password", LEAD, "--password-file", str(password_file))
    assert refused.returncode == 1 and "Erreur : Mot de passe trop facile à deviner" in refused.stderr
    missing = cli("users", "password", "personne@example.fr", "--password-file", str(password_file))
    assert missing.returncode == 1 and "Erreur : Compte inconnu : personne@example.fr" in missing.stderr


def test_disabling_an_account_ends_its_sessions_and_its_api_token(server, engine):
    browser = sign_in(server["url"])
    bearer = httpx.Client(base_url=server["url"], headers={"Authorization": f"Bearer {server['token']}"})
    assert browser.get("/api/demarches").status_code == 200 and bearer.get("/api/demarches").status_code == 200
    done = cli("users", "disable", LEAD)
    assert done.returncode == 0, done.stderr
    assert "Compte désactivé : lead@mef.example" in done.stdout
    assert browser.get("/api/demarches").status_code == 401
    assert bearer.get("/api/demarches").status_code == 401
    assert bearer.post("/api/calendars/MEF", files={"file": ("c.csv", CSV, "text/csv")}).status_code == 401
    assert count(engine, WebSession) == 0 and count(engine, CalendarVersion) == 0
    again = httpx.Client(base_url=server["url"])
    token = form_token(again.get("/connexion").text)
    answer = again.post("/connexion", data={"email": LEAD, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 401 and "incorrect" in answer.text and not again.cookies.get("rgaa_session")


def test_idle_and_absolute_timeouts_end_a_session(server, engine):
    client = sign_in(server["url"])
    assert client.get("/api/demarches").status_code == 200
    with engine.begin() as connection:  # six minutes without a request (the idle timeout is five)
        connection.execute(text("UPDATE web_session SET last_seen_at = :t"), {"t": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)})
    assert client.get("/api/demarches").status_code == 401
    assert count(engine, WebSession) == 0  # deleted, not only ignored

    client = sign_in(server["url"])
    with engine.begin() as connection:  # active a minute ago, but signed in nine hours ago (absolute: eight)
        connection.execute(text("UPDATE web_session SET created_at = :c, last_seen_at = :t"),
                           {"c": dt.datetime.now(dt.UTC) - dt.timedelta(hours=9), "t": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)})
    assert client.get("/api/demarches").status_code == 401

    client = sign_in(server["url"])
    with engine.begin() as connection:  # four minutes idle: still alive, and the visit moves last_seen_at
        connection.execute(text("UPDATE web_session SET last_seen_at = :t"), {"t": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=4)})
    assert client.get("/api/demarches").status_code == 200
    with Session(engine) as session:
        seen = session.exec(select(WebSession.last_seen_at)).one()
    assert dt.datetime.now(dt.UTC) - (seen if seen.tzinfo else seen.replace(tzinfo=dt.UTC)) < dt.timedelta(minutes=1)




ATTACK = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Page piégée</title></head><body>
<script>
const form = new FormData();
form.append("file", new Blob(["demarche_id;etape;date_prevue\\nimpots;audit;2026-01-15\\n"]), "c.csv");
fetch(new URLSearchParams(location.search).get("cible"), {method: "POST", body: form, credentials: "include", mode: "no-cors"})
  .then(() => { document.title = "envoyé"; }, () => { document.title = "échec"; });
</script></body></html>"""


# Finding 4: a same-site page (another port of the same host) created a calendar version with
# the victim's cookie: SameSite=Strict sends it, since the site is the same.
def test_cookie_api_writes_need_the_csrf_token_and_bearer_calls_do_not(server, engine, browser, tmp_path):
    base = server["url"]
    (tmp_path / "piege").mkdir()
    (tmp_path / "piege" / "index.html").write_text(ATTACK, encoding="utf-8")
    evil = serve_directory(tmp_path / "piege")
    try:
        page = browser_sign_in(browser, base, LEAD)
        sent = []
        page.on("request", lambda r: sent.append(r) if r.url == f"{base}/api/calendars/MEF" else None)
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/index.html?cible={base}/api/calendars/MEF")
        deadline = time.monotonic() + 20
        while not [s for s in server["seen"] if s[:2] == ("POST", "/api/calendars/MEF")] and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert [r.method for r in sent] == ["POST"]  # the browser sent it from the other origin...
        [(_, _, cookie, status)] = [s for s in server["seen"] if s[:2] == ("POST", "/api/calendars/MEF")]
        assert "rgaa_session=" in cookie  # ...with the victim's session cookie (same site)
        assert status == 403  # not 401: signed in, refused for want of the token and origin
        assert count(engine, CalendarVersion) == 0
    finally:
        evil.shutdown()
        evil.server_close()

    page.goto(f"{base}/calendrier")
    post = """async ([withToken]) => {
        const form = new FormData();
        form.append("file", new Blob(["demarche_id;etape;date_prevue\\nimpots;audit;2026-01-15\\n"]), "c.csv");
        const headers = withToken ? {"X-CSRF-Token": document.querySelector("meta[name=csrf-token]").content} : {};
        const response = await fetch("/api/calendars/MEF", {method: "POST", body: form, headers});
        return [response.status, await response.json()];
    }"""
    status, body = page.evaluate(post, [False])  # our own origin, but no token
    assert status == 403 and body == {"detail": "Jeton de sécurité absent ou invalide : rechargez la page et recommencez."}
    assert count(engine, CalendarVersion) == 0
    status, body = page.evaluate(post, [True])
    assert status == 200 and body["rows"] == 1 and count(engine, CalendarVersion) == 1

    # The right token from another origin (a sibling that read it somehow) is still refused.
    client = sign_in(base)
    token = page_token(client)
    foreign = client.post("/api/calendars/MEF", files={"file": ("c.csv", CSV, "text/csv")},
                          headers={"X-CSRF-Token": token, "Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"})
    assert foreign.status_code == 403 and foreign.json()["detail"].startswith("Requête refusée : elle ne vient pas de ce site")
    assert count(engine, CalendarVersion) == 1
    # Bearer calls carry no ambient credential: no token asked.
    bearer = httpx.post(f"{base}/api/calendars/MEF", files={"file": ("c.csv", CSV, "text/csv")},
                        headers={"Authorization": f"Bearer {server['token']}"}, timeout=30)
    assert bearer.status_code == 200 and count(engine, CalendarVersion) == 2


def attempt(base: str, email: str, password: str = "mauvais-mot-de-passe", headers: dict | None = None) -> int:
    with httpx.Client(base_url=base, timeout=60) as client:
        token = form_token(client.get("/connexion").text)
        return client.post("/connexion", data={"email": email, "password": password, "csrf_token": token}, headers=headers or {}).status_code


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            if httpx.get(f"{base}/connexion", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not start")


# Finding 8: 40 parallel attempts let 15 through, and two processes doubled the budget.
def test_sign_in_limit_holds_under_parallel_attempts_across_two_processes(accounts, engine, settings, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RGAA_TRACKER_WEB__LOGIN_MAX_FAILURES": "5",
           "RGAA_TRACKER_WEB__LOGIN_MAX_PER_CLIENT": "100"}
    ports = [free_port(), free_port()]
    processes = [subprocess.Popen([sys.executable, "-m", "rgaa_tracker", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, processes):
            wait_until_up(base, process)
        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = list(pool.map(lambda i: attempt(bases[i % 2], LEAD), range(40)))
        assert len(statuses) == 40 and set(statuses) <= {401, 429}
        assert 1 <= statuses.count(401) <= 5, statuses  # at most the limit reached the password check
        assert count(engine, LoginAttempt) == 40  # every attempt was recorded, refused ones included
        assert attempt(bases[0], LEAD, PASSWORD) == 429  # even the right password waits for the window
        assert attempt(bases[1], ADMIN, PASSWORD) == 303  # another account is not locked out
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(accounts, engine):
    untrusted = start_server(create_app(web_settings(login_max_per_client=10)))
    trusting = start_server(create_app(web_settings(login_max_per_client=10, trusted_proxies=["127.0.0.0/8"])))
    try:
        # From an untrusted peer, a new X-Forwarded-For (and a new account) at every attempt.
        rotated = [attempt(untrusted[0], f"personne{i}@example.fr", headers={"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(14)]
        assert rotated == [401] * 10 + [429] * 4
        with Session(engine) as session:
            assert set(session.exec(select(LoginAttempt.client)).all()) == {"127.0.0.1"}
        # Behind a trusted proxy the header names the client: these are fourteen clients.
        proxied = [attempt(trusting[0], f"autre{i}@example.fr", headers={"X-Forwarded-For": f"198.51.100.{i}, 127.0.0.1"}) for i in range(14)]
        assert proxied == [401] * 14
        with Session(engine) as session:
            clients = set(session.exec(select(LoginAttempt.client)).all())
        assert {f"198.51.100.{i}" for i in range(14)} <= clients
    finally:
        for _, instance, thread in (untrusted, trusting):
            instance.should_exit = True
            thread.join(timeout=10)


SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin",
                    "cross-origin-opener-policy": "same-origin"}


def assert_secured(answer: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, (answer.url, name)
    policy = answer.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'",
                      "base-uri 'none'", "object-src 'none'"):
        assert directive in policy, (answer.url, directive)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "camera=()" in answer.headers["permissions-policy"]


# Finding 9: no security headers at all.
def test_every_kind_of_answer_carries_the_security_headers(server):
    client = sign_in(server["url"])
    anonymous = httpx.Client(base_url=server["url"])
    answers = {
        "page": client.get("/"),
        "json": client.get("/api/demarches"),
        "404 page": client.get("/rien-ici", headers={"Accept": "text/html"}),
        "404 json": client.get("/api/rien-ici"),
        "static": anonymous.get("/static/app.css"),
        "vendored": anonymous.get("/static/vendor/swagger-ui/swagger-ui-bundle.js"),
        "redirect": anonymous.get("/"),
        "401 json": anonymous.get("/api/demarches"),
        "sign-in page": anonymous.get("/connexion"),
    }
    assert [answers[k].status_code for k in answers] == [200, 200, 404, 404, 200, 200, 303, 401, 200]
    for answer in answers.values():
        assert_secured(answer)
    nonces = {re.search(r"'nonce-([^']+)'", a.headers["content-security-policy"]).group(1) for a in answers.values()}
    assert len(nonces) == len(answers)  # a new nonce per answer


PAGES = ["/", "/ministeres/MEF", "/demarches/impots", "/calendrier", "/calendrier?ministere=MEF", "/rapports", "/passages",
         "/compte/mot-de-passe", "/rien-ici", "/api/docs"]


def test_no_page_breaks_the_content_security_policy_in_chromium(server, browser):
    base = server["url"]
    violations: list[str] = []
    page = browser.new_context().new_page()
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None)
    page.goto(f"{base}/connexion")
    page.get_by_label("Adresse électronique").fill(ADMIN)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/")
    assert page.locator("svg.pygal-chart").count() == 1
    # The chart's own <style> (nonce) applies: its title has pygal's 16 px, not the page's size.
    assert page.locator("svg.pygal-chart .title").first.evaluate("e => getComputedStyle(e).fontSize") == "16px"
    for path in PAGES:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
    page.goto(f"{base}/api/docs")
    page.locator(".opblock").first.wait_for(timeout=20000)
    # A page that tried inline script: the policy is what blocks it, and Chromium says so.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1'; document.body.append(s); }")
    deadline = time.monotonic() + 5
    while not violations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate("() => window.injected") is None
    assert len(violations) == 1 and "script-src" in violations[0], violations  # only the one we provoked


# Finding 9: the API docs loaded Swagger UI from a CDN.
def test_api_docs_load_nothing_from_outside(server, browser):
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(server["url"] + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context()
    context.route("**/*", guard)
    page = context.new_page()
    page.goto(f"{server['url']}/api/docs")
    page.locator(".opblock").first.wait_for(timeout=20000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/calendars/{ministry}" in operations and "/api/indicators" in operations and len(operations) >= 9
    page.wait_for_load_state("networkidle")
    assert outside == []
    context.close()


# Finding 10: twelve "a" was a valid password.
@pytest.mark.parametrize("weak", ["a" * 12, "motdepasse123", "azertyuiop123", "123456789012", "lead@mef.example1"])
def test_weak_passwords_are_refused(engine, weak):
    with Session(engine) as session, pytest.raises(TrackerError) as refused:
        add_user(session=session, email="lead@mef.example", password=weak, admin=True)
    assert str(refused.value).startswith(("Mot de passe trop facile à deviner", "Mot de passe trop court"))


def test_weak_password_is_refused_by_the_command_line(engine, tmp_path):
    password_file = tmp_path / "faible.txt"
    password_file.write_text("a" * 12, encoding="utf-8")
    refused = cli("users", "add", "dinum@example.fr", "--admin", "--password-file", str(password_file))
    assert refused.returncode == 1 and refused.stderr.startswith("Erreur : Mot de passe trop facile à deviner")
    password_file.write_text(PASSWORD, encoding="utf-8")
    assert cli("users", "add", "dinum@example.fr", "--admin", "--password-file", str(password_file)).returncode == 0


def test_migration_0008_keeps_the_accounts(settings):
    from rgaa_tracker import db

    engine = db.make_engine(settings.database_url)
    db.upgrade(engine, "0007")
    created = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO app_user (id, email, password_hash, role, created_at) "
                                "VALUES (7, 'admin@dinum.example', 'hash', 'admin', :t)"), {"t": created})
    db.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, email, password_hash, disabled_at FROM app_user")).one() == (7, "admin@dinum.example", "hash", None)
        assert connection.execute(text("SELECT count(*) FROM web_session")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM login_attempt")).scalar_one() == 0
    engine.dispose()
