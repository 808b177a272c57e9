"""Local HTTP listeners for the origin and hostile-server tests: each logs every request it receives (method,
path, headers) and answers through a small function, so a test can say what reached the wrong address.

``Listener(answer)``: ``answer(method, path, headers)`` returns ``(status, headers, body)``, or a ``Trickle``
to send the answer one byte at a time (a server that never stops sending, slowly), or a ``Flood`` to send an
endless body. ``tls=True`` serves https with a self-signed certificate for 127.0.0.1 made by ``openssl``
(``Listener.ca_bundle`` is the file to trust, e.g. as ``REQUESTS_CA_BUNDLE``).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]

    @property
    def credentials(self) -> bool:
        return any(key.lower() in ("authorization", "x-api-key") for key in self.headers)


@dataclass(frozen=True)
class Trickle:
    """Send ``head`` at once, then ``raw`` one byte every ``every`` seconds (status line, headers and body are
    the test's bytes)."""

    raw: bytes
    every: float = 1.0
    head: bytes = b""


@dataclass(frozen=True)
class Flood:
    """A 200 answer whose body never ends (``declared``: a Content-Length to announce, else chunked)."""

    declared: int | None = None


Answer = tuple[int, Mapping[str, str], bytes] | Trickle | Flood
Answerer = Callable[[str, str, Mapping[str, str]], Answer]


def as_json(status: int, data: Any, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json; charset=UTF-8", **headers}, json.dumps(data).encode()


@dataclass
class Listener:
    answer: Answerer
    tls: bool = False
    cert_dir: Path | None = None
    seen: list[Seen] = field(default_factory=list)
    stopped_sending: list[float] = field(default_factory=list)  # when a trickle or flood lost its client

    def __post_init__(self) -> None:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes: without this, each keep-alive answer waits for
                # the client's delayed ACK (40 ms).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                listener.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
                answer = listener.answer(self.command, self.path, dict(self.headers.items()))
                if isinstance(answer, Trickle):
                    self._trickle(answer)
                    return
                if isinstance(answer, Flood):
                    self._flood(answer)
                    return
                status, headers, body = answer
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _trickle(self, answer: Trickle) -> None:
                self.close_connection = True
                try:
                    self.wfile.write(answer.head)
                    self.wfile.flush()
                    for byte in answer.raw:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(answer.every)
                except OSError:
                    listener.stopped_sending.append(time.monotonic())

            def _flood(self, answer: Flood) -> None:
                self.close_connection = True
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if answer.declared is not None:
                    self.send_header("Content-Length", str(answer.declared))
                else:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"[" + b"0," * (64 * 1024)
                try:
                    for _ in range(2000):  # 256 MB at most
                        if answer.declared is None:
                            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                        else:
                            self.wfile.write(chunk)
                except OSError:
                    listener.stopped_sending.append(time.monotonic())

            do_GET = do_POST = do_HEAD = do_DELETE = do_PUT = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.ca_bundle: Path | None = None
        if self.tls:
            assert self.cert_dir is not None, "tls=True needs cert_dir"
            self.ca_bundle = self.cert_dir / "cert.pem"
            key = self.cert_dir / "key.pem"
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                 str(self.ca_bundle), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                check=True, capture_output=True,
            )  # fmt: skip
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.ca_bundle, key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self._server.server_address[1]}"

    def credentialed(self) -> list[Seen]:
        """The requests that carried credentials (an Authorization or API-key header)."""
        return [s for s in self.seen if s.credentials]

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        with contextlib.suppress(OSError):
            self._server.server_close()
