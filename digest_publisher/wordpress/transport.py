"""The HTTP layer under the REST client: one ``requests`` session, the user's credentials, the timeout, the
project's retry rule (:mod:`digest_publisher.retry`), and the log and count of what was sent.

A request either returns the final ``requests.Response`` (any status the retry rule does not retry, for
the client to parse) or raises :class:`~digest_publisher.errors.WordPressError` saying why it failed and
whether a rerun is safe. Redirects are never followed here: the client refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from ..errors import WordPressError
from ..retry import RETRY_ALWAYS, RETRY_IF_IDEMPOTENT, RetryPolicy, Transient
from .failures import connection_error, wordpress_error
from .settings import WordPressSettings

USER_AGENT = "digest-publisher/0.1 (+https://github.com/; WordPress REST client)"
# Seconds before the second attempt (doubled for each further one, with jitter; see digest_publisher.retry).
BACKOFF = 0.5


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
        self.policy = retry_policy(settings)
        self._auth = requests.auth.HTTPBasicAuth(settings.username, settings.app_password)
        self.request_count = 0  # HTTP attempts actually sent, retries included
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
        """One attempt, no retry; ``requests`` exceptions pass through. Discovery's requests are logged here
        (the client logs API requests itself, once however often they are sent)."""
        self.request_count += 1
        if label == "discover":
            self.log.append(LoggedRequest(method, url, None, sent=True, label=label))
        response = self.session.request(
            method,
            url,
            auth=self._auth if auth else None,
            json=json_body,
            files=dict(files) if files else None,
            data=dict(form) if form else None,
            timeout=self.settings.timeout,
            allow_redirects=allow_redirects,
        )
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
            return self.policy.retrying(idempotent=idempotent)(attempt)
        except _RetryableStatus as exc:
            raise self._status_error(method, url, exc.response, idempotent) from None
        except requests.Timeout as exc:
            raise WordPressError(
                f"{method} {url} timed out after {self.settings.timeout:g} s",
                "The site is slow or unreachable: raise WORDPRESS_TIMEOUT or try again later"
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
        """A plain web page of the site, anonymously (the home page, for the generator tag)."""
        self.request_count += 1
        self.log.append(LoggedRequest("GET", url, None, sent=True, label="page"))
        try:
            response = self.session.get(url, timeout=self.settings.timeout)
        except requests.RequestException:
            return None
        self.log[-1].status = response.status_code
        return response.text
