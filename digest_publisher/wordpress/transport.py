"""The HTTP layer under the REST client: one ``requests`` session, the user's credentials, the timeout, the
project's retry rule (:mod:`digest_publisher.retry`), and the log and count of what was sent.

A request either returns the final ``requests.Response`` (any status the retry rule does not retry, for
the client to parse) or raises :class:`~digest_publisher.errors.WordPressError` saying why it failed and
whether a rerun is safe. Redirects are never followed here: the client refuses them.

Three limits hold for every request: it goes only to WORDPRESS_URL's origin (:mod:`.origin`); it ends
within WORDPRESS_TIMEOUT, connection, headers and body together (a watchdog closes the socket of a server
that trickles its answer, which a per-read timeout never stops); and an answer larger than
:data:`MAX_REPLY_BYTES` is abandoned, not read whole.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..errors import WordPressError
from ..retry import RETRY_ALWAYS, RETRY_IF_IDEMPOTENT, RetryPolicy, Transient
from .connection_settings import TIMEOUT_VAR, WordPressSettings
from .failures import connection_error, wordpress_error
from .origin import off_origin_error, same_origin

USER_AGENT = "digest-publisher/0.1 (+https://github.com/; WordPress REST client)"
# Seconds before the second attempt (doubled for each further one, with jitter; see digest_publisher.retry).
BACKOFF = 0.5
#: The largest answer read (a listing of 100 posts with their content in edit context is a few MB).
MAX_REPLY_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024
# A page (the home page, the feed) may redirect on the site's own origin (``/?feed=rss2`` to ``/feed/``).
MAX_PAGE_REDIRECTS = 5

#: The HTTP session type of the publishing side (one per command; other modules name it only as this).
Session = requests.Session

def retry_policy(settings: WordPressSettings) -> RetryPolicy:
    """The retry rule's parameters for WordPress: ``attempts`` and ``max_wait`` from the settings."""
    return RetryPolicy(attempts=settings.attempts, backoff=BACKOFF, max_wait=settings.max_wait)


# The connection each thread is sending on right now (by thread id), for the deadline's watchdog to close.
_ACTIVE: dict[int, HTTPConnection] = {}


class _TrackedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _ACTIVE[threading.get_ident()] = self
        super().request(*args, **kwargs)


class _TrackedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _ACTIVE[threading.get_ident()] = self
        super().request(*args, **kwargs)


class _TrackedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class _TrackedAdapter(HTTPAdapter):
    """requests' adapter, with connections the deadline's watchdog can find (pooled and reused as usual)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _TrackedHTTPPool, "https": _TrackedHTTPSPool}


class _Deadline:
    """Shuts the socket of the request this thread sends once ``seconds`` have passed: the blocked read
    returns, and the request fails (``expired`` tells it was the deadline)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._thread = threading.get_ident()
        _ACTIVE.pop(self._thread, None)
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.expired = True
        sock = getattr(_ACTIVE.get(self._thread), "sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):  # already closed: the request is over
                # The plain socket's shutdown: an SSLSocket's own would drop its TLS state under the reader.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        connection = _ACTIVE.pop(self._thread, None)
        if self.expired and connection is not None:
            connection.close()  # never reused: the server may still be sending


@dataclass
class LoggedRequest:
    """One request as the user may see it: never headers, never credentials."""

    method: str
    url: str
    body: Any = None
    sent: bool = True
    status: int | None = None
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "body": self.body,
            "sent": self.sent,
            "status": self.status,
            "label": self.label,
        }


class _RetryableStatus(Transient):
    """An HTTP answer the retry rule may resend; carries the response for the final error."""

    def __init__(self, response: requests.Response, policy: RetryPolicy) -> None:
        retry_after = policy.retry_after(response.headers.get("Retry-After"))
        super().__init__(f"HTTP {response.status_code}", status=response.status_code, retry_after=retry_after)
        self.response = response


def is_json(response: requests.Response) -> bool:
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return ctype == "application/json" or ctype.endswith("+json")


class Transport:
    """Sends requests to one site as one user; counts every attempt (``request_count``) and logs them."""

    def __init__(self, settings: WordPressSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        adapter = _TrackedAdapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.policy = retry_policy(settings)
        self._auth = requests.auth.HTTPBasicAuth(settings.username, settings.app_password)
        self.request_count = 0  # HTTP attempts actually sent, retries included
        self._count_lock = threading.Lock()
        self.log: list[LoggedRequest] = []

    def send_once(
        self,
        method: str,
        url: str,
        *,
        auth: bool,
        allow_redirects: bool,
        json_body: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        form: Mapping[str, str] | None = None,
        label: str = "",
    ) -> requests.Response:
        """One attempt, no retry; ``requests`` exceptions pass through (a request past its deadline as
        ``requests.Timeout``). Refused before anything is sent when ``url`` is not on WORDPRESS_URL's origin.
        Discovery's requests are logged here (the client logs API requests itself, once however often they
        are sent)."""
        if not same_origin(url, self.settings.site_url):
            raise off_origin_error(url, self.settings.site_url, found_where="the address", method=method)
        with self._count_lock:  # requests may be sent together (WordPressClient.together)
            self.request_count += 1
        if label == "discover":
            self.log.append(LoggedRequest(method, url, None, sent=True, label=label))
        timeout = self.settings.timeout
        with _Deadline(timeout) as deadline:
            try:
                response = self.session.request(
                    method,
                    url,
                    auth=self._auth if auth else None,
                    json=json_body,
                    files=dict(files) if files else None,
                    data=dict(form) if form else None,
                    timeout=timeout,
                    allow_redirects=allow_redirects,
                    stream=True,
                )
                self._read_body(method, url, response)
            except (requests.RequestException, OSError) as exc:
                if deadline.expired:
                    raise requests.Timeout(f"no complete answer within {timeout:g} s") from exc
                raise
        if deadline.expired:
            raise requests.Timeout(f"no complete answer within {timeout:g} s")
        if label == "discover":
            self.log[-1].status = response.status_code
        return response

    @staticmethod
    def _read_body(method: str, url: str, response: requests.Response) -> None:
        """Read the answer's body, at most :data:`MAX_REPLY_BYTES` of it (counted decompressed)."""
        declared = response.headers.get("Content-Length", "")
        chunks: list[bytes] = []
        size = int(declared) if declared.isdigit() else 0
        if size <= MAX_REPLY_BYTES:
            size = 0
            for chunk in response.iter_content(_CHUNK):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    break
        if size > MAX_REPLY_BYTES:
            response.close()
            raise WordPressError(
                f"{method} {url} answered HTTP {response.status_code} with more than "
                f"{MAX_REPLY_BYTES // (1024 * 1024)} MB; the answer was abandoned",
                "No WordPress answer this tool asks for is that large: check that WORDPRESS_URL is the site and "
                "not a file or a proxy's error page",
                status=response.status_code,
                code="too_large",
                url=url,
            )
        response._content = b"".join(chunks)

    def send(
        self,
        method: str,
        url: str,
        *,
        auth: bool,
        idempotent: bool,
        json_body: Mapping[str, Any] | None,
        files: Mapping[str, tuple[str, bytes, str]] | None,
        form: Mapping[str, str] | None,
        label: str,
    ) -> requests.Response:
        """Send with the retry rule; the final answer, or :class:`WordPressError` when retrying ran out or
        could not help."""

        def attempt() -> requests.Response:
            response = self.send_once(
                method, url, auth=auth, allow_redirects=False, json_body=json_body, files=files, form=form,
                label=label,
            )  # fmt: skip
            if response.status_code in RETRY_ALWAYS | RETRY_IF_IDEMPOTENT:
                raise _RetryableStatus(response, self.policy)
            return response

        try:
            return self.policy.call(attempt, idempotent=idempotent)
        except _RetryableStatus as exc:
            raise self._status_error(method, url, exc.response, idempotent) from None
        except requests.Timeout as exc:
            raise WordPressError(
                f"{method} {url} timed out after {self.settings.timeout:g} s ({TIMEOUT_VAR} bounds the whole "
                "request: connection, headers and body)",
                f"The site is slow or unreachable: raise {TIMEOUT_VAR} or try again later"
                + ("" if idempotent else "; a rerun will not duplicate what may have been created"),
                url=url,
            ) from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            raise WordPressError(
                f"{method} {url}: the connection broke while WordPress was answering",
                "The network or a proxy cut the answer short; run the command again"
                + ("" if idempotent else ": it finds what this request may have created instead of duplicating it"),
                url=url,
            ) from exc
        except requests.ConnectionError as exc:
            raise connection_error(method, url, exc) from exc
        except requests.RequestException as exc:
            raise WordPressError(f"{method} {url} failed: {exc}", "Check WORDPRESS_URL", url=url) from exc

    def _status_error(
        self, method: str, url: str, response: requests.Response, idempotent: bool
    ) -> WordPressError:
        """The error for a retryable status that was still there on the last attempt (or not resent)."""
        try:
            body: Any = response.json() if is_json(response) else None
        except ValueError:
            body = None
        error = wordpress_error(
            method,
            url,
            response.status_code,
            body,
            self.settings.username,
            text=response.text[:200] if body is None else "",
        )
        if not self.policy.retries_status(response.status_code, idempotent=idempotent):
            error.hint = (
                f"{error.hint}. The request was not repeated because WordPress may already have saved it: "
                "run publish again, it finds what was created by its slug or image hash instead of "
                "creating a duplicate"
            )
        return error

    def get_page(self, url: str) -> str | None:
        """A plain web page of the site, anonymously (the home page, for the generator tag); None when it
        does not come (no answer in time, too large, off the origin)."""
        entry = LoggedRequest("GET", url, None, sent=True, label="page")
        self.log.append(entry)
        try:
            for _ in range(MAX_PAGE_REDIRECTS + 1):
                response = self.send_once("GET", url, auth=False, allow_redirects=False, label="page")
                entry.status = response.status_code
                if not response.is_redirect:
                    return response.text
                url = urljoin(url, response.headers.get("Location", ""))  # followed on the origin only
        except (requests.RequestException, OSError, WordPressError):
            return None
        return None
