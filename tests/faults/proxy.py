"""A fault-injecting HTTP proxy on 127.0.0.1 between digest-publisher and the real test WordPress.

Every request is forwarded to WordPress unless the seeded :class:`Schedule` picks a fault for it:

=============  =========================================================================================
fault          what the client sees
=============  =========================================================================================
``500``        HTTP 500, the request never reached WordPress
``502``        HTTP 502 (a gateway's answer), not forwarded
``503``        HTTP 503 with ``Retry-After``, not forwarded
``429``        HTTP 429 with ``Retry-After``, not forwarded
``500-after``  forwarded (WordPress did the work), then HTTP 500 instead of its answer
``502-after``  forwarded, then HTTP 502 instead of its answer
``reset``      forwarded, then the status line, the headers and half the body, then a TCP reset
``slow``       forwarded, then silence for ``slow_s`` (past the client's timeout), then the answer
=============  =========================================================================================

Faults come in bursts (a picked 5xx/429 repeats for up to ``max_burst`` requests of the same kind in a
row), and are picked per kind of request (:class:`Schedule`), so requests sent together meet the same faults
whatever order they arrive in. WordPress writes absolute URLs (``Link`` header, ``link``, ``source_url``):
the proxy rewrites its own address in for WordPress's, so discovery and every later request keep going
through the proxy.
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULTS = ("500", "502", "503", "429", "500-after", "502-after", "reset", "slow")
_BURSTY = frozenset({"500", "502", "503", "429"})
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
)


def request_kind(method: str, path: str) -> str:
    """What a request is, whenever it arrives: its method, its route with the ids taken out and the names
    of its parameters (``GET wp/v2/posts/N?context,_fields``)."""
    parts = urlsplit(path)
    query = parse_qs(parts.query, keep_blank_values=True)
    route = query.pop("rest_route", [parts.path])[0]
    route = re.sub(r"/\d+", "/N", route.split("wp-json", 1)[-1].strip("/"))
    return f"{method} {route}?{','.join(sorted(query))}"


@dataclass
class Schedule:
    """Seeded fault decisions, one per request, decided by the request's kind and how many requests of that
    kind came before it (:func:`request_kind`), not by the order of arrival: requests sent together arrive
    in any order, and each still meets the same fault in every run of the schedule."""

    seed: int
    rate: float = 0.25  # chance that a request (outside a burst) gets a fault
    max_burst: int = 3
    max_slow: int = 1  # slow faults cost real seconds: few per schedule
    kinds: tuple[str, ...] = FAULTS
    _seen: dict[str, int] = field(init=False, default_factory=dict, repr=False)
    _bursts: dict[str, list[str]] = field(init=False, default_factory=dict, repr=False)
    _slow: int = field(init=False, default=0, repr=False)

    def next_fault(self, kind: str = "") -> str | None:
        """The fault for the next request of this kind (a burst goes on over the retries of that kind)."""
        count = self._seen[kind] = self._seen.get(kind, 0) + 1
        if self._bursts.get(kind):
            return self._bursts[kind].pop()
        rng = random.Random(f"{self.seed}|{kind}|{count}")
        if rng.random() >= self.rate:
            return None
        fault = rng.choice(self.kinds)
        if fault == "slow":
            if self._slow >= self.max_slow:
                return None
            self._slow += 1
        if fault in _BURSTY:
            self._bursts[kind] = [fault] * (rng.randint(1, self.max_burst) - 1)
        return fault


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that went away mid-answer is what these tests are about


@dataclass
class Event:
    method: str
    path: str
    fault: str | None
    forwarded: bool
    status: int | None = None


class FaultProxy:
    """``with FaultProxy(upstream) as proxy: ... proxy.url ...``; ``proxy.schedule = Schedule(seed)``
    turns faults on, ``None`` off. ``events`` lists every request seen."""

    def __init__(self, upstream: str, *, slow_s: float = 2.0) -> None:
        parts = urlsplit(upstream)
        assert parts.hostname in ("127.0.0.1", "localhost"), "tests talk to 127.0.0.1 only"
        self.upstream = upstream.rstrip("/")
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.slow_s = slow_s
        self.schedule: Schedule | None = None
        self.events: list[Event] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def faults(self) -> list[Event]:
        return [e for e in self.events if e.fault]

    def _decide(self, method: str, path: str) -> Event:
        with self._lock:
            fault = self.schedule.next_fault(request_kind(method, path)) if self.schedule else None
            event = Event(method, path, fault, forwarded=fault not in _BURSTY)
            self.events.append(event)
            return event

    def _rewrite(self, data: bytes) -> bytes:
        """WordPress's address -> the proxy's, plain and JSON-escaped (``http:\\/\\/127.0.0.1:...``)."""
        for old, new in ((self.upstream, self.url), (self.upstream.replace("/", "\\/"), self.url.replace("/", "\\/"))):
            data = data.replace(old.encode(), new.encode())
        return data

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=120)
        try:
            headers = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["Host"] = f"{self.upstream_host}:{self.upstream_port}"
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, response.getheaders(), data
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (ConnectionError, TimeoutError, OSError):
                    self.close_connection = True  # the client gave up (after a slow answer): fine

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                event = proxy._decide(self.command, self.path)
                fault = event.fault
                if fault in _BURSTY:
                    self._error(int(fault or 500), event)
                    return
                status, headers, data = proxy._forward(self.command, self.path, dict(self.headers.items()), body)
                if fault in ("500-after", "502-after"):
                    self._error(int((fault or "500")[:3]), event)
                    return
                data = proxy._rewrite(data)
                if fault == "slow":
                    time.sleep(proxy.slow_s)
                event.status = status
                self.send_response_only(status)
                for name, value in headers:
                    if name.lower() in _HOP_BY_HOP or name.lower() == "content-length":
                        continue
                    self.send_header(name, proxy._rewrite(value.encode()).decode())
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if fault == "reset":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    # SO_LINGER 0: close with a TCP reset, mid-answer
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _error(self, status: int, event: Event) -> None:
                event.status = status
                body = (
                    b'{"code":"proxy_fault","message":"Injected fault.","data":{"status":%d}}' % status
                    if status != 502
                    else b"<html><body><h1>502 Bad Gateway</h1></body></html>"
                )
                self.send_response_only(status)
                self.send_header("Content-Type", "text/html" if status == 502 else "application/json; charset=UTF-8")
                if status in (429, 503):
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        return Handler
