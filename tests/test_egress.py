"""The crawler's SSRF guard: a démarche's site never gets the browser into internal address space.

Servers run on 127.0.0.1 (loopback, allowed by conftest as by the demo); the internal targets
(10.255.255.1, 169.254.169.254) are never reached — the guard refuses them before any
connection, which is what the tests assert through the recorded reason and code.
"""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select

from rgaa_tracker.browser.egress import Egress, address_class
from rgaa_tracker.browser.executable import sandboxed
from rgaa_tracker.errors import ConfigError
from rgaa_tracker.models import PageAudit
from rgaa_tracker.settings import get_settings

from .conftest import audit_urls
from .factories import add_demarches

PAGE = "<!doctype html><html lang='fr'><head><title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
ROUTES = {
    "/ok": PAGE.format(title="Page publique", body="<p>Rien d'interne.</p>"),
    "/image-interne": PAGE.format(title="Page avec image interne", body="<img src='http://169.254.169.254/latest/meta-data/x.png' alt='x'>"),
    "/js-interne": PAGE.format(title="Départ", body="<script>location.href = 'http://10.255.255.1/admin';</script>"),
}
REDIRECTS = {"/vers-prive": "http://10.255.255.1/admin", "/vers-metadonnees": "http://169.254.169.254/latest/meta-data/",
             "/vers-localhost": "http://localhost:9/"}


@pytest.fixture(scope="module")
def internal_site():
    """A site on 127.0.0.1 that counts the requests it gets and redirects some inward."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            if self.path in REDIRECTS:
                self.send_response(302)
                self.send_header("Location", REDIRECTS[self.path])
                self.end_headers()
                return
            body = ROUTES.get(self.path, PAGE.format(title="Introuvable", body="")).encode()
            self.send_response(200 if self.path in ROUTES else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("ip, kind", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"), ("0.0.0.0", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("100.64.0.1", "private"), ("fd00::1", "private"), ("169.254.169.254", "link_local"), ("fe80::1", "link_local"),
    ("8.8.8.8", "public"), ("2001:4860:4860::8888", "public"), ("not-an-ip", "private"),
])
def test_address_classes(ip, kind):
    assert address_class(ip) == kind


def test_guard_resolves_names_and_allows_only_listed_classes():
    import asyncio

    async def check() -> tuple:
        strict, loopback = Egress([]), Egress(["loopback"])
        return (await strict.refusal("http://localhost/"), await loopback.refusal("http://localhost/"),
                await loopback.refusal("http://[::ffff:10.0.0.1]/"), await strict.refusal("data:text/html,x"),
                await strict.refusal("http://93.184.215.14/"))

    strict_localhost, allowed_localhost, mapped_private, data_url, public = asyncio.run(check())
    assert strict_localhost is not None and "localhost" in strict_localhost and "boucle locale" in strict_localhost
    assert allowed_localhost is None
    assert mapped_private is not None and "réseau privé" in mapped_private
    assert data_url is None and public is None


def test_redirects_into_internal_space_are_blocked_and_nothing_of_them_kept(settings, internal_site):
    base, hits = internal_site
    urls = [f"{base}/vers-prive", f"{base}/vers-metadonnees", f"{base}/js-interne", f"{base}/ok"]
    results = audit_urls(urls)
    private, metadata, scripted, ok = (results[u] for u in urls)
    assert (private.error_code, private.title, private.axe) == ("blocked", None, None)
    assert "10.255.255.1" in private.error and "réseau privé" in private.error
    assert metadata.error_code == "blocked" and "169.254.169.254" in metadata.error and "lien local" in metadata.error
    # A page that sends itself inward after loading: not audited, its content not kept.
    assert scripted.error_code == "blocked" and scripted.title is None and "10.255.255.1" in scripted.error
    assert ok.ok and ok.title == "Page publique"


def test_an_internal_subresource_is_not_loaded_and_the_page_is_still_audited(settings, internal_site):
    base, _hits = internal_site
    result = audit_urls([f"{base}/image-interne"])[f"{base}/image-interne"]
    assert result.ok and result.title == "Page avec image interne"
    assert any("ressource non chargée" in note and "169.254.169.254" in note for note in result.notes)


def test_loopback_itself_is_refused_unless_allowed(settings, internal_site, monkeypatch):
    base, hits = internal_site
    monkeypatch.setenv("RGAA_TRACKER_CRAWL__ALLOWED_ADDRESS_CLASSES", "[]")
    get_settings.cache_clear()
    before = len(hits)
    results = audit_urls([f"{base}/ok", f"{base.replace('127.0.0.1', 'localhost')}/ok"])
    assert [r.error_code for r in results.values()] == ["blocked", "blocked"]
    assert len(hits) == before  # not one request reached the server


def test_a_crawl_records_the_blocked_redirect_without_storing_the_internal_page(engine, settings, internal_site, tmp_path):
    from rgaa_tracker.crawl import run_crawl

    base, _hits = internal_site
    add_demarches(engine, tmp_path, [["ssrf", "Démarche qui redirige vers le réseau interne", "MEF", f"{base}/vers-metadonnees"]])
    run = run_crawl(engine=engine, settings=settings, concurrency=1)
    assert run.status == "finished"
    with Session(engine) as session:
        page = session.exec(select(PageAudit).where(PageAudit.run_id == run.id)).one()
    assert (page.error_code, page.title, page.final_url, page.evidence_path) == ("blocked", None, None, None)
    assert "169.254.169.254" in page.error


def test_sandbox_follows_the_setting(settings, monkeypatch):
    import os

    as_root = os.geteuid() == 0
    assert sandboxed(settings.model_copy(update={"browser": settings.browser.model_copy(update={"sandbox": "off"})})) is False
    auto = settings.model_copy(update={"browser": settings.browser.model_copy(update={"sandbox": "auto"})})
    assert sandboxed(auto) is (not as_root)
    on = settings.model_copy(update={"browser": settings.browser.model_copy(update={"sandbox": "on"})})
    if as_root:
        with pytest.raises(ConfigError, match="bac à sable"):
            sandboxed(on)
    else:
        assert sandboxed(on) is True


def test_evidence_is_read_only_by_dinum_and_the_owning_ministry(engine, settings, internal_site, tmp_path):
    """Evidence holds a page's HTML: a lead of another ministry gets 403, not the file."""
    from fastapi.testclient import TestClient

    from rgaa_tracker.crawl import run_crawl
    from rgaa_tracker.user import add_user, issue_token
    from rgaa_tracker.web import create_app

    base, _hits = internal_site
    add_demarches(engine, tmp_path, [["publique", "Démarche publique", "MEF", f"{base}/ok"],
                                     ["autre", "Autre ministère", "MININT", f"{base}/ok?autre"]])
    run_crawl(engine=engine, settings=settings, concurrency=1, demarche_ids=["publique"])
    tokens = {}
    with Session(engine) as session:
        page = session.exec(select(PageAudit).where(PageAudit.demarche_id == "publique")).one()
        page_id, evidence_path = page.id, page.evidence_path
        for email, ministry in (("lead@mef.example", "MEF"), ("lead@minint.example", "MININT"), ("admin@dinum.example", None)):
            add_user(session=session, email=email, password="un-mot-de-passe-solide", ministry=ministry, admin=ministry is None)
            tokens[email] = issue_token(session=session, email=email)
        session.commit()
    assert evidence_path
    with TestClient(create_app(get_settings())) as client:
        def fetch(email: str):
            return client.get(f"/preuves/{page_id}", headers={"Authorization": f"Bearer {tokens[email]}", "Accept": "application/json"})

        refused = fetch("lead@minint.example")
        assert refused.status_code == 403 and "autre ministère" in refused.json()["detail"]
        for email in ("lead@mef.example", "admin@dinum.example"):
            answer = fetch(email)
            assert answer.status_code == 200 and gzip.decompress(answer.content).startswith(b"{")
