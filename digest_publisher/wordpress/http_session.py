"""The publishing side's HTTP session on the standard library (``http.client``): keep-alive connections to
one site, answers read whole (decompressed, capped), never a redirect followed, and the watchdog that ends a
request at its deadline. :mod:`.transport` sends through it (credentials, retries, the request log) and
exports :class:`Session` as the type the rest of the package names.

What a session takes from the environment (through :mod:`digest_publisher.config`, unless ``trust_env`` is
False): the CA bundle in ``REQUESTS_CA_BUNDLE`` (or ``CURL_CA_BUNDLE``) instead of the system's trust store,
which OpenSSL reads from ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set; and a proxy from ``HTTPS_PROXY``/
``HTTP_PROXY``/``ALL_PROXY`` (``user:password@`` for a proxy that asks), bypassed for the hosts in
``NO_PROXY``, as ``requests`` honoured them. Unlike ``requests``, it never reads ``~/.netrc``.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import select
import socket
import ssl
import threading
import weakref
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from .. import config
from .failures import BrokenAnswer, ConnectFailed, ConnectionLost, ConnectTimeout, Timeout, TLSFailure

USER_AGENT = "digest-publisher/0.1 (+https://github.com/; WordPress REST client)"
#: The largest answer read (a listing of 100 posts with their content in edit context is a few MB).
MAX_REPLY_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}

class ReplyTooLarge(Exception):
    """An answer over the size cap, abandoned unread (not retried: it would be as large again)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status} answer over {MAX_REPLY_BYTES} bytes")
        self.status = status


# -- answers ----------------------------------------------------------------------------------------------


class Headers(Mapping[str, str]):
    """An answer's headers, looked up case-insensitively; a repeated header's values joined by ", "."""

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        self._store: dict[str, tuple[str, str]] = {}
        for name, value in items or []:
            key = name.lower()
            if key in self._store:
                value = f"{self._store[key][1]}, {value}"
            self._store[key] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store


@dataclass
class Response:
    """One complete HTTP answer, body read (and decompressed) whole."""

    status_code: int
    url: str
    headers: Headers = field(default_factory=Headers)
    content: bytes = b""

    @property
    def text(self) -> str:
        """The body as text, in the charset the Content-Type names (UTF-8 when it names none)."""
        charset = "utf-8"
        for param in self.headers.get("Content-Type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip(" \"'"):
                charset = value.strip(" \"'")
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON (UTF-8, -16 or -32, a BOM allowed); ``ValueError`` when it is not JSON."""
        return json.loads(self.content)

    @property
    def is_redirect(self) -> bool:
        return self.status_code in _REDIRECTS and "Location" in self.headers

    @property
    def links(self) -> dict[str, dict[str, str]]:
        """The ``Link`` header's links by their ``rel`` (else their URL), each ``{"url": ..., params}``."""
        found: dict[str, dict[str, str]] = {}
        value = self.headers.get("Link", "").strip()
        if not value:
            return found
        for part in value.split(","):
            address, _, params = part.partition(";")
            address = address.strip().strip("<>'\" ")
            if not address:
                continue
            link = {"url": address}
            for param in params.split(";"):
                key, _, item = param.partition("=")
                if item:
                    link[key.strip(" '\"")] = item.strip(" '\"")
            found[link.get("rel") or address] = link
        return found


# -- the session ------------------------------------------------------------------------------------------

# The connection each thread is sending on right now (by thread id), for the deadline's watchdog to close;
# the threads whose deadline passed before their connection had a socket (while connecting).
_ACTIVE: dict[int, http.client.HTTPConnection] = {}
_EXPIRED: set[int] = set()


class Session:
    """HTTP(S) connections kept alive between the requests of one command: a request takes an idle
    connection to its origin (or opens one), and gives it back once its answer is read whole, so requests
    sent together each have their own and requests sent one after another reuse them.

    ``headers`` go with every request; ``trust_env`` (True) takes the CA bundle and proxy settings from the
    environment (see the module docstring)."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {
            "User-Agent": USER_AGENT,
            "Accept": "*/*",
            "Accept-Encoding": "gzip",
            "Connection": "keep-alive",
        }
        self.trust_env = True
        self._idle: dict[tuple[str, str, int, str], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None
        # A session dropped without close() closes its idle connections as it goes, before the garbage
        # collector finalises their sockets (a weakref callback runs first, whatever cycle holds the session).
        weakref.finalize(self, _close_idle, self._idle, self._lock)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the idle connections (a request sent later opens a new one)."""
        _close_idle(self._idle, self._lock)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: float,
        max_bytes: int = MAX_REPLY_BYTES,
    ) -> Response:
        """Send one request and read its whole answer (never following a redirect). ``timeout`` bounds the
        connection and each read; :class:`Transport` bounds the whole. Raises :class:`HTTPFailure` (no
        complete answer) or :class:`ReplyTooLarge` (over ``max_bytes``, decompressed)."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ConnectFailed(f"not an http(s) address: {url}")
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError as exc:
            raise ConnectFailed(f"bad port in {url}") from exc
        host = parts.hostname
        proxy = self._proxy(scheme, host)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if proxy and scheme == "http":
            target = url.split("#", 1)[0]  # a plain-http request goes to the proxy in absolute form
        key = (scheme, host, port, proxy)
        connection, reused = self._connection(key, timeout)
        _ACTIVE[threading.get_ident()] = connection
        if not reused:
            self._connect(connection)
            if threading.get_ident() in _EXPIRED:  # the deadline passed while connecting: nothing sent yet
                connection.close()
                raise ConnectTimeout("no connection within the time allowed")
        sent = {**self.headers, **(headers or {})}
        if proxy and scheme == "http":
            sent.update(_proxy_auth(proxy))
        try:
            connection.request(method, target, body=body, headers=sent)
            answer = connection.getresponse()
        except TimeoutError as exc:
            connection.close()
            raise Timeout(f"no answer within {timeout:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise ConnectionLost(_reason(exc)) from exc
        response = Response(answer.status, url, Headers(answer.getheaders()))
        try:
            response.content = _read(answer, response.headers, max_bytes)
        except ReplyTooLarge:
            connection.close()
            raise
        except TimeoutError as exc:
            connection.close()
            raise Timeout(f"the answer stopped for {timeout:g} s") from exc
        except (OSError, http.client.HTTPException, zlib.error) as exc:
            connection.close()
            raise BrokenAnswer(f"the answer was cut short ({_reason(exc)})") from exc
        if answer.will_close:
            connection.close()
        else:
            with self._lock:
                self._idle.setdefault(key, []).append(connection)
        return response

    def _connection(self, key: tuple[str, str, int, str], timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection to ``key``'s origin that the server has not closed, else a new one."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                kept = idle.pop() if idle else None
            if kept is None:
                break
            sock = kept.sock
            if isinstance(sock, socket.socket) and not select.select([sock], [], [], 0)[0]:
                sock.settimeout(timeout)
                kept.timeout = timeout
                return kept, True
            kept.close()  # closed by the server (readable while idle: EOF), or by a deadline
        scheme, host, port, proxy = key
        if not proxy:
            if scheme == "https":
                return http.client.HTTPSConnection(host, port, timeout=timeout, context=self._tls_context()), False
            return http.client.HTTPConnection(host, port, timeout=timeout), False
        proxied = urlsplit(proxy)
        if scheme == "http":  # the request goes to the proxy, its target in absolute form
            return http.client.HTTPConnection(proxied.hostname or "", proxied.port or 80, timeout=timeout), False
        tunnel = http.client.HTTPSConnection(
            proxied.hostname or "", proxied.port or 80, timeout=timeout, context=self._tls_context()
        )
        tunnel.set_tunnel(host, port, headers=_proxy_auth(proxy))  # CONNECT, then TLS with the site itself
        return tunnel, False

    @staticmethod
    def _connect(connection: http.client.HTTPConnection) -> None:
        try:
            connection.connect()
        except ssl.SSLError as exc:  # before OSError: it is one
            connection.close()
            raise TLSFailure(f"the TLS handshake failed: {exc}") from exc
        except ssl.CertificateError as exc:
            connection.close()
            raise TLSFailure(f"the certificate does not match: {exc}") from exc
        except TimeoutError as exc:
            connection.close()
            raise ConnectTimeout("no connection within the time allowed") from exc
        except (ConnectionResetError, BrokenPipeError) as exc:  # the server took the connection, then dropped it
            connection.close()
            raise ConnectionLost(_reason(exc)) from exc
        except OSError as exc:  # refused, unknown host, unreachable, a proxy's refusal: nothing was sent
            connection.close()
            raise ConnectFailed(_reason(exc)) from exc

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            bundle = config.ca_bundle() if self.trust_env else None
            self._tls = ssl.create_default_context(cafile=bundle)
        return self._tls

    def _proxy(self, scheme: str, host: str) -> str:
        """The proxy URL the environment names for this scheme and host ("" for none)."""
        return config.http_proxy(scheme, host) if self.trust_env else ""


def _close_idle(idle: dict[Any, list[http.client.HTTPConnection]], lock: threading.Lock) -> None:
    with lock:
        connections = [connection for kept in idle.values() for connection in kept]
        idle.clear()
    for connection in connections:
        connection.close()


def _proxy_auth(proxy: str) -> dict[str, str]:
    parts = urlsplit(proxy)
    if parts.username is None:
        return {}
    user_pass = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return {"Proxy-Authorization": "Basic " + base64.b64encode(user_pass.encode()).decode()}


def _reason(exc: BaseException) -> str:
    """What an OS or http.client error says, in a few words (never the request)."""
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "closed without an answer"
    if isinstance(exc, http.client.IncompleteRead):
        return "incomplete body"
    return (getattr(exc, "strerror", None) or type(exc).__name__).lower()


def _read(answer: http.client.HTTPResponse, headers: Headers, limit: int) -> bytes:
    """The whole body, decompressed, at most ``limit`` bytes of it (else :class:`ReplyTooLarge`, unread)."""
    declared = headers.get("Content-Length", "")
    encoding = headers.get("Content-Encoding", "").strip().lower()
    if declared.isdigit() and int(declared) > limit and encoding in ("", "identity"):
        raise ReplyTooLarge(answer.status)
    inflate = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, told apart by zlib
    chunks: list[bytes] = []
    size = 0
    while True:
        raw = answer.read(_CHUNK)
        if not raw:
            break
        data = raw
        while inflate is not None:
            data = inflate.decompress(raw, limit - size + 1)
            chunks.append(data)
            size += len(data)
            if size > limit or not inflate.unconsumed_tail:
                break
            raw = inflate.unconsumed_tail
        if inflate is None:
            chunks.append(data)
            size += len(data)
        if size > limit:
            raise ReplyTooLarge(answer.status)
    return b"".join(chunks)


class Deadline:
    """Shuts the socket of the request this thread sends once ``seconds`` have passed: the blocked read
    returns, and the request fails (``expired`` tells it was the deadline)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._thread = threading.get_ident()
        _ACTIVE.pop(self._thread, None)
        _EXPIRED.discard(self._thread)
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.expired = True
        _EXPIRED.add(self._thread)
        sock = getattr(_ACTIVE.get(self._thread), "sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):  # already closed: the request is over
                # The plain socket's shutdown: an SSLSocket's own would drop its TLS state under the reader.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _EXPIRED.discard(self._thread)
        connection = _ACTIVE.pop(self._thread, None)
        if self.expired and connection is not None:
            connection.close()  # never reused: the server may still be sending


