"""The hostile corpus served on 127.0.0.1: one thread per request, every wait bounded.

    server, base_url = start()
    ...                       # server.hits[path]: requests per path (percent-decoded, no query)
    stop(server)              # quick: waits end on the stop event

``python -m tests.hostile_site.server`` serves it in the foreground, to look at by hand.
"""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from .pages import NOT_FOUND, PAGES, Answer

DRIP_EVERY_S = 0.5


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, pages: dict[str, Answer]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.pages = pages
        self.hits: Counter[str] = Counter()
        self.cookies: dict[str, list[str]] = {}  # path → Cookie headers received
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: HostileServer
    protocol_version = "HTTP/1.0"  # one request per connection: a hung-up browser frees its thread

    def log_message(self, *args) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            pass  # the browser hung up (download cancelled, page closed, timeout): expected here

    def do_GET(self) -> None:  # noqa: N802
        path = unquote(urlsplit(self.path).path)
        with self.server.lock:
            self.server.hits[path] += 1
            if self.headers.get("Cookie"):
                self.server.cookies.setdefault(path, []).append(self.headers["Cookie"])
        answer = self.server.pages.get(path, NOT_FOUND)
        stopping = self.server.stopping
        if answer.mode == "hang":
            stopping.wait(answer.wait_s)
            return  # hang up without a word
        if answer.mode == "send" and answer.wait_s:
            if stopping.wait(answer.wait_s):
                return
        body = answer.body
        if isinstance(body, str):
            port = str(self.server.server_address[1])
            body = body.replace("@BASE@", self.server.base_url).replace("@PORT@", port).encode(answer.encoding)
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        for key, value in answer.headers:
            self.send_header(key, value)
        if answer.mode == "events":
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            for i in range(int(answer.wait_s / DRIP_EVERY_S)):
                self.wfile.write(f"data: événement {i}\n\n".encode())
                self.wfile.flush()
                if stopping.wait(DRIP_EVERY_S):
                    return
            return
        if answer.mode == "drip":
            self.end_headers()  # no Content-Length: the body ends when the connection does
            head, rest = body[: len(body) // 2], body[len(body) // 2:]
            self.wfile.write(head)
            self.wfile.flush()
            for i in range(int(answer.wait_s / DRIP_EVERY_S)):
                if stopping.wait(DRIP_EVERY_S):
                    return
                self.wfile.write(rest[i:i + 1] or b" ")
                self.wfile.flush()
            return
        if answer.status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if answer.status not in (204, 304) and self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815  (same answer, without its body)


def start(pages: dict[str, Answer] | None = None) -> tuple[HostileServer, str]:
    server = HostileServer(PAGES if pages is None else pages)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="hostile-site").start()
    return server, server.base_url


def stop(server: HostileServer) -> None:
    server.stopping.set()  # every hanging answer returns within a poll
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    import time

    from .pages import KINDS

    running, url = start()
    print(f"Site hostile : {url}")
    for name, path in KINDS.items():
        print(f"  {name:28} {url}{path}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stop(running)
