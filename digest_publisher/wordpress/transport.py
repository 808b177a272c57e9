"""The HTTP layer under the REST client: a :class:`Session` per command (``http_session.py``, on the standard
library's ``http.client``: keep-alive connections, one per request in flight), the user's credentials, the
timeout, the project's retry rule (:mod:`digest_publisher.retry`), and the log and count of what was sent.
:class:`Session` is exported here: the rest of the package names the session type as ``transport.Session``.

A request either returns the final :class:`Response` (any status the retry rule does not retry, for the
client to parse) or raises :class:`~digest_publisher.errors.WordPressError` saying why it failed and whether
a rerun is safe. Redirects are never followed here: the client refuses them.

Three limits hold for every request: it goes only to WORDPRESS_URL's origin (:mod:`.origin`); it ends
within WORDPRESS_TIMEOUT, connection, headers and body together (a watchdog closes the socket of a server
that trickles its answer, which a per-read timeout never stops); and an answer larger than
:data:`MAX_REPLY_BYTES` is abandoned, not read whole.
What the session takes from the environment (a CA bundle, a proxy) is listed in ``http_session.py``.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin

from ..errors import WordPressError
from ..retry import RETRY_ALWAYS, RETRY_IF_IDEMPOTENT, RetryPolicy, Transient
from .connection_settings import TIMEOUT_VAR, WordPressSettings
from .failures import BrokenAnswer, HTTPFailure, Timeout, connection_error, wordpress_error
from .http_session import MAX_REPLY_BYTES, USER_AGENT, Deadline, Headers, ReplyTooLarge, Response, Session
from .origin import off_origin_error, same_origin

__all__ = ["MAX_REPLY_BYTES", "USER_AGENT", "Headers", "Response", "Session", "Transport"]

# Seconds before the second attempt (doubled for each further one, with jitter; see digest_publisher.retry).
BACKOFF = 0.5
# A page (the home page, the feed) may redirect on the site's own origin (``/?feed=rss2`` to ``/feed/``).
MAX_PAGE_REDIRECTS = 5


def retry_policy(settings: WordPressSettings) -> RetryPolicy:
    """The retry rule's parameters for WordPress: ``attempts`` and ``max_wait`` from the settings."""
    return RetryPolicy(attempts=settings.attempts, backoff=BACKOFF, max_wait=settings.max_wait)


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

    def __init__(self, response: Response, policy: RetryPolicy) -> None:
        retry_after = policy.retry_after(response.headers.get("Retry-After"))
        super().__init__(f"HTTP {response.status_code}", status=response.status_code, retry_after=retry_after)
        self.response = response


def is_json(response: Response) -> bool:
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return ctype == "application/json" or ctype.endswith("+json")


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` header's value for HTTP Basic (UTF-8, the form errors.scrub also knows)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _body(
    json_body: Mapping[str, Any] | None,
    files: Mapping[str, tuple[str, bytes, str]] | None,
    form: Mapping[str, str] | None,
) -> tuple[bytes | None, dict[str, str]]:
    """A request's body and its Content-Type: JSON, a multipart form with files, or a urlencoded form."""
    if files:
        boundary = os.urandom(16).hex()
        out: list[bytes] = []
        for name, value in (form or {}).items():
            out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode())
            out.append(value.encode() + b"\r\n")
        for name, (filename, data, mime) in files.items():
            out.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"; '
                f'filename="{_quoted(filename)}"\r\nContent-Type: {mime}\r\n\r\n'.encode()
            )
            out.append(data + b"\r\n")
        out.append(f"--{boundary}--\r\n".encode())
        return b"".join(out), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if form:
        return urlencode(dict(form)).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    if json_body is not None:
        return json.dumps(json_body, allow_nan=False).encode(), {"Content-Type": "application/json"}
    return None, {}


def _quoted(value: str) -> str:
    """A name or file name inside a multipart header, as browsers write it (HTML5: ``"``, CR, LF escaped)."""
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class Transport:
    """Sends requests to one site as one user; counts every attempt (``request_count``) and logs them."""

    def __init__(self, settings: WordPressSettings, session: Session | None = None) -> None:
        self.settings = settings
        self.session = session or Session()
        self.policy = retry_policy(settings)
        self._authorization = basic_authorization(settings.username, settings.app_password)
        self.request_count = 0  # HTTP attempts actually sent, retries included
        self._count_lock = threading.Lock()
        self.log: list[LoggedRequest] = []

    def send_once(
        self,
        method: str,
        url: str,
        *,
        auth: bool,
        json_body: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        form: Mapping[str, str] | None = None,
        label: str = "",
    ) -> Response:
        """One attempt, no retry, no redirect followed; :class:`HTTPFailure` passes through (a request past
        its deadline as :class:`Timeout`). Refused before anything is sent when ``url`` is not on
        WORDPRESS_URL's origin. Discovery's requests are logged here (the client logs API requests itself,
        once however often they are sent)."""
        if not same_origin(url, self.settings.site_url):
            raise off_origin_error(url, self.settings.site_url, found_where="the address", method=method)
        with self._count_lock:  # requests may be sent together (WordPressClient.together)
            self.request_count += 1
        if label == "discover":
            self.log.append(LoggedRequest(method, url, None, sent=True, label=label))
        body, headers = _body(json_body, files, form)
        if auth:
            headers["Authorization"] = self._authorization
        timeout = self.settings.timeout
        with Deadline(timeout) as deadline:
            try:
                response = self.session.request(method, url, headers=headers, body=body, timeout=timeout)
            except ReplyTooLarge as exc:
                raise WordPressError(
                    f"{method} {url} answered HTTP {exc.status} with more than "
                    f"{MAX_REPLY_BYTES // (1024 * 1024)} MB; the answer was abandoned",
                    "No WordPress answer this tool asks for is that large: check that WORDPRESS_URL is the site "
                    "and not a file or a proxy's error page",
                    status=exc.status,
                    code="too_large",
                    url=url,
                ) from None
            except HTTPFailure as exc:
                if deadline.expired:
                    raise Timeout(f"no complete answer within {timeout:g} s") from exc
                raise
        if deadline.expired:
            raise Timeout(f"no complete answer within {timeout:g} s")
        if label == "discover":
            self.log[-1].status = response.status_code
        return response

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
    ) -> Response:
        """Send with the retry rule; the final answer, or :class:`WordPressError` when retrying ran out or
        could not help."""

        def attempt() -> Response:
            response = self.send_once(method, url, auth=auth, json_body=json_body, files=files, form=form, label=label)
            if response.status_code in RETRY_ALWAYS | RETRY_IF_IDEMPOTENT:
                raise _RetryableStatus(response, self.policy)
            return response

        try:
            return self.policy.call(attempt, idempotent=idempotent)
        except _RetryableStatus as exc:
            raise self._status_error(method, url, exc.response, idempotent) from None
        except Timeout as exc:
            raise WordPressError(
                f"{method} {url} timed out after {self.settings.timeout:g} s ({TIMEOUT_VAR} bounds the whole "
                "request: connection, headers and body)",
                f"The site is slow or unreachable: raise {TIMEOUT_VAR} or try again later"
                + ("" if idempotent else "; a rerun will not duplicate what may have been created"),
                url=url,
            ) from exc
        except BrokenAnswer as exc:
            raise WordPressError(
                f"{method} {url}: the connection broke while WordPress was answering",
                "The network or a proxy cut the answer short; run the command again"
                + ("" if idempotent else ": it finds what this request may have created instead of duplicating it"),
                url=url,
            ) from exc
        except HTTPFailure as exc:
            raise connection_error(method, url, exc) from exc

    def _status_error(self, method: str, url: str, response: Response, idempotent: bool) -> WordPressError:
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
                response = self.send_once("GET", url, auth=False, label="page")
                entry.status = response.status_code
                if not response.is_redirect:
                    return response.text
                url = urljoin(url, response.headers.get("Location", ""))  # followed on the origin only
        except (HTTPFailure, WordPressError):
            return None
        return None
