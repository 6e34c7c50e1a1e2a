"""A hostile HTTP server on 127.0.0.1: every way a démarche's site can misbehave."""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLEAN = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>
<body><header><p>Site</p></header><main><h1>{title}</h1>{body}</main>
<footer><p><a href="/accessibilite">Accessibilité : partiellement conforme</a></p></footer></body></html>"""

# Content that appears only after a fetch and a timer: a crawl that does not wait misses it.
LATE = CLEAN.format(title="Rendu tardif", body="""<div id="app">Chargement…</div>
<script>
setTimeout(() => fetch('/data.json').then(r => r.json()).then(d => {
  document.getElementById('app').innerHTML = '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="5" height="5">' + d.text;
}), 300);
</script>""")

STATEMENT = CLEAN.format(title="Déclaration d'accessibilité", body="""<p>Ce site est partiellement conforme avec le RGAA version 4.1.</p>
<p>L'audit révèle que 68,5 % des critères du RGAA version 4.1 sont respectés.</p>
<p>Cette déclaration a été établie le 14 mars 2024.</p>""")


class Hostile(BaseHTTPRequestHandler):
    hits: Counter = Counter()
    times: dict[str, list[float]] = {}  # path → monotonic time of each hit, to measure backoff
    stop = threading.Event()

    def log_message(self, *args) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser hung up (download cancelled, timeout): expected here

    def send_html(self, html: str, status: int = 200, headers: dict | None = None) -> None:
        data = html.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802, C901
        path = self.path.split("?", 1)[0]
        Hostile.hits[path] += 1
        Hostile.times.setdefault(path, []).append(time.monotonic())
        if path == "/hang":
            # Never answers (bounded so the server can shut down).
            self.stop.wait(30)
            return
        if path.startswith("/slow/"):
            # A clean page served after <seconds> (bounded so the server can shut down).
            if self.stop.wait(float(path.rsplit("/", 1)[1])):
                return
            return self.send_html(CLEAN.format(title="Page lente", body="<p>Bonjour</p>"))
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            return self.send_html(CLEAN.format(title=f"Erreur {code}", body=""), status=code)
        if path.startswith("/flaky/"):
            # 503 for the first N hits of this path, then a real page.
            failures = int(path.rsplit("/", 1)[1])
            if Hostile.hits[path] <= failures:
                return self.send_html(CLEAN.format(title="Indisponible", body=""), status=503)
            return self.send_html(CLEAN.format(title="Revenu", body="<p>Bonjour</p>"))
        if path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/dialog":
            return self.send_html(CLEAN.format(title="Alerte", body="<script>alert('Votre session va expirer');</script>"))
        if path == "/download":
            data = b"%PDF-1.4 fake" * 100
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Disposition", 'attachment; filename="formulaire.pdf"')
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if path == "/crash":
            return self.send_html(CLEAN.format(title="Plantage", body="<script>const a=[];while(true){a.push(new Array(5e6).fill(1.5));}</script>"))
        if path == "/huge":
            return self.send_html(CLEAN.format(title="Énorme", body="<p>x</p>" * 8000))
        if path == "/late":
            return self.send_html(LATE)
        if path == "/data.json":
            time.sleep(0.2)
            data = b'{"text": "<p>Contenu charg\\u00e9</p>"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if path == "/accessibilite":
            return self.send_html(STATEMENT)
        if path == "/ok":
            return self.send_html(CLEAN.format(title="Bonne page", body="<p>Bonjour</p>"))
        return self.send_html(CLEAN.format(title="Introuvable", body=""), status=404)


def start() -> tuple[ThreadingHTTPServer, str]:
    Hostile.hits.clear()
    Hostile.times.clear()
    Hostile.stop.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def stop(server: ThreadingHTTPServer) -> None:
    Hostile.stop.set()
    server.shutdown()
    server.server_close()
