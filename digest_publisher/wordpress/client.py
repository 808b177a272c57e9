"""The one place that speaks HTTP to the WordPress REST API.

Everything network-shaped lives here: REST root discovery, authentication, timeouts, retries, refusing
redirects and non-JSON answers, and turning WordPress error bodies into :class:`WordPressError`. The
publishing logic (``rest.py``) only sees :class:`ApiResponse` objects and errors that say what to do.

A client built with ``dry_run=True`` sends reads (GET, HEAD) but only *records* writes: each write gets
a synthetic answer whose ``id`` is a negative placeholder, so the publishing flow can run to the end and
print every request it would send.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from urllib3.exceptions import NewConnectionError

from ..errors import SiteUnreachable, WordPressError
from ..retry_after import parse_retry_after
from .settings import APP_PASSWORD_VAR, URL_VAR, USERNAME_VAR, WordPressSettings

API_REL = "https://api.w.org/"
USER_AGENT = "digest-publisher/0.1 (+https://github.com/; WordPress REST client)"
# 429 and 503 mean "not processed, come back later": safe to resend even a create.
_ALWAYS_RETRY = frozenset({429, 503})
# 500/502/504 may arrive after the server did the work: resend only requests that are idempotent.
_RETRY_IF_IDEMPOTENT = frozenset({500, 502, 504})
_CREDENTIAL_CODES = frozenset(
    {"rest_not_logged_in", "incorrect_password", "invalid_username", "invalid_email", "empty_username"}
)
_CAPABILITY_CODES = frozenset(
    {
        "rest_cannot_create",
        "rest_cannot_edit",
        "rest_cannot_publish",
        "rest_cannot_assign_term",
        "rest_cannot_edit_others",
        "rest_cannot_assign_author",
        "rest_forbidden",
        "rest_forbidden_context",
        "rest_cannot_view",
        "rest_cannot_create_terms",
        "rest_cannot_update",
    }
)
# Codes that security plugins ("Disable REST API", iThemes, Wordfence ...) answer with for every route.
BLOCKING_CODES = frozenset(
    {"rest_cannot_access", "rest_login_required", "rest_disabled", "rest_api_disabled"}
)


@dataclass(frozen=True)
class ApiResponse:
    """A JSON answer of the REST API (``status`` 0 for a write that a dry run did not send)."""

    status: int
    data: Any
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def total_pages(self) -> int:
        try:
            return int(self.headers.get("X-WP-TotalPages", "1"))
        except ValueError:
            return 1


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


class _RetryableStatus(Exception):
    """Internal: an HTTP answer worth retrying; carries the response for the final error."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after = parse_retry_after(response.headers.get("Retry-After"))


def _safe_to_resend(exc: BaseException, idempotent: bool) -> bool:
    """Connection failures before anything was sent may always be retried; timeouts only if idempotent."""
    if isinstance(exc, _RetryableStatus):
        status = exc.response.status_code
        return status in _ALWAYS_RETRY or (idempotent and status in _RETRY_IF_IDEMPOTENT)
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return idempotent  # the connection broke mid-answer: the server may have done the work
    if isinstance(exc, requests.ConnectionError):
        if idempotent:
            return True
        reason = exc.args[0] if exc.args else None
        # A refused/failed connection never reached WordPress, so even a create is safe to resend.
        return isinstance(getattr(reason, "reason", None), NewConnectionError)
    if isinstance(exc, requests.Timeout):
        return idempotent
    return False


def wordpress_error(
    method: str, url: str, status: int, body: Any, username: str = "", text: str = ""
) -> WordPressError:
    """THE place turning a WordPress error answer (``code``, ``message``, ``data.status``) into an error
    that says what happened, where, and what to do next."""
    code = ""
    message = ""
    details = ""
    # WordPress answers 401 exactly when the request is not authenticated (rest_authorization_required_code:
    # 403 once logged in), whatever the route's own code says ("Status is forbidden", "not allowed to view
    # revisions"): one meaning, so one diagnosis for every command. A parameter check reports its 401
    # inside data.details (status=draft without a login gives rest_invalid_param / rest_forbidden_status).
    not_authenticated = status == 401
    if isinstance(body, dict):
        code = str(body.get("code") or "")
        message = str(body.get("message") or "")
        data = body.get("data")
        if isinstance(data, dict):
            params = data.get("params")
            if isinstance(params, dict) and params:
                details = "; ".join(f"{k}: {v}" for k, v in params.items())
            if isinstance(data.get("status"), int):
                status = int(data["status"])
            nested = data.get("details")
            nested_statuses = [
                d.get("data", {}).get("status") for d in (nested.values() if isinstance(nested, dict) else [])
                if isinstance(d, dict) and isinstance(d.get("data"), dict)
            ]  # fmt: skip
            not_authenticated = not_authenticated or status == 401 or 401 in nested_statuses
    if not_authenticated:
        status = 401
    if not message:
        message = (text or "").strip().splitlines()[0][:200] if (text or "").strip() else "no message"
    what = f"{method} {url} failed: HTTP {status}" + (f" {code}" if code else "") + f": {message}"
    if details:
        what += f" ({details})"
    who = f"the user {username!r}" if username else "the user"
    if code in _CREDENTIAL_CODES or not_authenticated:
        what = (
            f"wrong user or Application Password: WordPress did not log in {who} "
            f"({method} {url}: HTTP {status}" + (f" {code}" if code else "") + ")"
        )
        hint = (
            f"Check {USERNAME_VAR} (the login name) and {APP_PASSWORD_VAR} (an Application Password from "
            "Users > Profile > Application Passwords, not the login password); run `digest-publisher check` "
            "to tell a wrong password from a login password or a stripped Authorization header"
        )
    elif code in BLOCKING_CODES:
        hint = (
            "The REST API is blocked for this request, typically by a security plugin: allow REST access "
            "for this user in the plugin, or publish with --transport xmlrpc"
        )
    elif code in _CAPABILITY_CODES or status == 403:
        hint = (
            f"{who} lacks the capability for this: use an account with the needed role "
            "(editor or administrator), or ask an administrator to create the missing pieces first"
        )
    elif code == "rest_post_invalid_id":
        hint = (
            "That post does not exist on the site (deleted?); remove the stale id from the post's record.json"
        )
    elif code == "rest_no_route":
        hint = (
            "The route does not exist here: check WORDPRESS_URL is the site root; the REST API may be "
            "restricted by a plugin (try --transport xmlrpc)"
        )
    elif code == "rest_invalid_param":
        hint = "A field sent was refused; fix the value named above in post.md and publish again"
    elif code.startswith("rest_upload") or status == 413:
        hint = "The media upload was refused: check the image file type and the site's upload size limit"
    elif status == 429:
        hint = "The site is rate limiting requests; wait a minute and run the command again"
    elif status == 503:
        hint = (
            "The site is temporarily unavailable (maintenance mode or overload); run the command again later, "
            "it continues where this run stopped"
        )
    elif status >= 500:
        hint = "WordPress failed on the server side; check the site's PHP error log and try again"
    else:
        hint = "See the WordPress message above"
    return WordPressError(what, hint, status=status, code=code or None, url=url)


# How OpenSSL words "the other side is not TLS": Apache/nginx answer the ClientHello with an HTTP 400 page
# (WRONG_VERSION_NUMBER, or RECORD_LAYER_FAILURE on OpenSSL 3.2+); PHP's server just closes (UNEXPECTED_EOF).
_NOT_TLS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNEXPECTED_EOF_WHILE_READING", "UNKNOWN_PROTOCOL")


def connection_error(method: str, url: str, exc: requests.RequestException) -> WordPressError:
    """THE place saying why a connection failed; an SSL failure is told apart from a site that is down."""
    reason = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        if any(sign in reason.upper().replace(" ", "_") for sign in _NOT_TLS):
            return SiteUnreachable(
                f"{method} {url}: the site does not speak HTTPS on this port (the TLS handshake got no TLS "
                "answer: a plain-HTTP server is listening there)",
                f"Use http:// in {URL_VAR} for this port, or the port the site serves HTTPS on",
                url=url,
            )
        if "CERTIFICATE_VERIFY_FAILED" in reason.upper():
            return SiteUnreachable(
                f"{method} {url}: the site's HTTPS certificate is not trusted by this machine",
                "Renew or fix the site's certificate, or add its CA to this machine's trust store "
                "(REQUESTS_CA_BUNDLE)",
                url=url,
            )
        return SiteUnreachable(
            f"{method} {url}: the HTTPS handshake failed ({type(exc).__name__})",
            f"Check the scheme and port in {URL_VAR} and the site's TLS set-up",
            url=url,
        )
    return SiteUnreachable(
        f"{method} {url}: cannot connect ({type(exc).__name__})",
        f"Check {URL_VAR} and that the site is up and reachable from this machine",
        url=url,
    )


def _is_json(response: requests.Response) -> bool:
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return ctype == "application/json" or ctype.endswith("+json")


class WordPressClient:
    """Requests to one site's REST API as one user. Counts what it sends (``request_count``, ``log``)."""

    def __init__(
        self,
        settings: WordPressSettings,
        *,
        session: requests.Session | None = None,
        rest_root: str | None = None,
        dry_run: bool = False,
        rediscover: bool = True,
    ) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.dry_run = dry_run
        self._root = rest_root
        # A remembered root may be stale (the site changed its permalinks): re-discover once on trouble.
        self._root_from_cache = rest_root is not None and rediscover
        self._auth = requests.auth.HTTPBasicAuth(settings.username, settings.app_password)
        self.request_count = 0  # HTTP attempts actually sent, retries included
        self.log: list[LoggedRequest] = []
        self.placeholders: dict[int, str] = {}  # dry run: negative id -> what it stands for
        self.home_html: str | None = None  # the home page, when discovery had to GET it

    # -- discovery --------------------------------------------------------------------------------

    @property
    def root(self) -> str:
        if self._root is None:
            self._root = self.discover_root()
            self._root_from_cache = False
        return self._root

    @property
    def cached_root(self) -> str | None:
        """The REST root if known (discovered or given), without discovering it."""
        return self._root

    def use_root(self, root: str) -> None:
        """Start from a root remembered earlier; it is re-discovered once if it stopped working."""
        self._root = root
        self._root_from_cache = True

    def discover_root(self) -> str:
        """The REST root from the site's ``Link: <...>; rel="https://api.w.org/"`` header.

        Works for ``/wp-json/``, ``/index.php/wp-json/`` and plain-permalink ``?rest_route=/`` sites.
        HEAD first (WordPress sends the header and skips rendering the page); GET if HEAD gives nothing.
        """
        site = self.settings.site_url + "/"
        try:
            return self._discover(site)
        except requests.RequestException as exc:
            raise connection_error("GET", site, exc) from exc

    def _discover(self, site: str) -> str:
        for method in ("HEAD", "GET"):
            response = self._send_once(method, site, auth=False, allow_redirects=True, label="discover")
            link = response.links.get(API_REL, {}).get("url")
            if method == "GET":
                self.home_html = response.text
            if link:
                return str(link)
        # No Link header (removed by a plugin or a proxy): try the two conventional places.
        for candidate in (self.settings.site_url + "/wp-json/", self.settings.site_url + "/?rest_route=/"):
            response = self._send_once("GET", candidate, auth=False, allow_redirects=False, label="discover")
            if response.status_code == 200 and _is_json(response):
                try:
                    index = response.json()
                except ValueError:
                    continue
                if isinstance(index, dict) and "wp/v2" in (index.get("namespaces") or []):
                    return candidate
        raise WordPressError(
            f'no WordPress REST API found at {site}: the home page has no Link rel="{API_REL}" header '
            "and neither /wp-json/ nor /?rest_route=/ answer with the API index",
            "Check that WORDPRESS_URL is the site's root address; if a security plugin disabled the REST "
            "API, allow it or publish with --transport xmlrpc",
            url=site,
        )

    def api_url(self, route: str, params: Mapping[str, Any] | None = None) -> str:
        """Join a route (``wp/v2/posts``) to the root, whether the root is a path or ``?rest_route=``."""
        parts = urlsplit(self.root)
        query = parse_qsl(parts.query, keep_blank_values=True)
        route = route.strip("/")
        rest_route = [value for key, value in query if key == "rest_route"]
        path = parts.path
        if rest_route:
            query = [(k, v) for k, v in query if k != "rest_route"]
            query.insert(0, ("rest_route", rest_route[0].rstrip("/") + "/" + route))
        else:
            path = path.rstrip("/") + "/" + route
        for key, value in (params or {}).items():
            if isinstance(value, list | tuple):
                value = ",".join(str(v) for v in value)
            query.append((key, str(value)))
        return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query, safe="/,"), ""))

    # -- requests ---------------------------------------------------------------------------------

    def get(
        self,
        route: str,
        params: Mapping[str, Any] | None = None,
        *,
        auth: bool = True,
        label: str = "",
        accept_codes: frozenset[str] = frozenset(),
    ) -> ApiResponse:
        return self.request("GET", route, params=params, auth=auth, label=label, accept_codes=accept_codes)

    def post(
        self,
        route: str,
        json_body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        form: Mapping[str, str] | None = None,
        idempotent: bool = False,
        accept_codes: frozenset[str] = frozenset(),
        label: str = "",
    ) -> ApiResponse:
        return self.request(
            "POST",
            route,
            params=params,
            json_body=json_body,
            files=files,
            form=form,
            idempotent=idempotent,
            accept_codes=accept_codes,
            label=label,
        )

    def request(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        form: Mapping[str, str] | None = None,
        auth: bool = True,
        idempotent: bool | None = None,
        accept_codes: frozenset[str] = frozenset(),
        label: str = "",
    ) -> ApiResponse:
        """Send one API request and return its JSON; raise :class:`WordPressError` otherwise.

        ``accept_codes``: WordPress error codes the caller handles itself (e.g. ``term_exists``): their
        answers are returned instead of raised.
        """
        kwargs: dict[str, Any] = {
            "params": params,
            "json_body": json_body,
            "files": files,
            "form": form,
            "auth": auth,
            "idempotent": idempotent,
            "accept_codes": accept_codes,
            "label": label,
        }
        try:
            return self._request(method, route, **kwargs)
        except WordPressError as exc:
            stale = exc.code == "rest_no_route" or (
                exc.code is None and exc.status is not None and (300 <= exc.status < 400 or exc.status == 200)
            )
            if not (self._root_from_cache and stale):
                raise
            # The remembered root answered with a redirect, HTML or "no route": find the root again.
            self._root_from_cache = False
            self._root = self.discover_root()
            return self._request(method, route, **kwargs)

    def _request(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, Any] | None,
        json_body: Mapping[str, Any] | None,
        files: Mapping[str, tuple[str, bytes, str]] | None,
        form: Mapping[str, str] | None,
        auth: bool,
        idempotent: bool | None,
        accept_codes: frozenset[str],
        label: str,
    ) -> ApiResponse:
        url = self.api_url(route, params)
        shown_body: Any = dict(json_body) if json_body is not None else None
        if files:
            shown_body = {
                name: f"<{fname}: {mime}, {len(data)} bytes>" for name, (fname, data, mime) in files.items()
            }
            shown_body.update(form or {})
        entry = LoggedRequest(method, url, shown_body, sent=True, label=label)
        self.log.append(entry)
        if self.dry_run and method not in ("GET", "HEAD"):
            entry.sent = False
            placeholder = -(len(self.placeholders) + 1)
            self.placeholders[placeholder] = label or f"{method} {route}"
            echo = dict(json_body or form or {})
            echo["id"] = placeholder
            return ApiResponse(status=0, data=echo, url=url)
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        response = self._send_with_retries(
            method,
            url,
            auth=auth,
            idempotent=idempotent,
            json_body=json_body,
            files=files,
            form=form,
            label=label,
        )
        entry.status = response.status_code
        return self._parse(method, url, response, accept_codes)

    def _parse(
        self, method: str, url: str, response: requests.Response, accept_codes: frozenset[str]
    ) -> ApiResponse:
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location", "?")
            raise WordPressError(
                f"{method} {url} was redirected (HTTP {response.status_code}) to {location}",
                "REST requests are never allowed to follow redirects (a redirected POST turns into a GET and "
                "writes nothing); set WORDPRESS_URL to the site's canonical address (scheme, host, path)",
                status=response.status_code,
                url=url,
            )
        if not _is_json(response):
            ctype = response.headers.get("Content-Type", "no Content-Type")
            if response.status_code >= 400:
                raise wordpress_error(
                    method,
                    url,
                    response.status_code,
                    None,
                    self.settings.username,
                    text=f"{ctype} answer instead of JSON",
                )
            raise WordPressError(
                f"{method} {url} answered HTTP {response.status_code} with {ctype}, not JSON",
                "This address is not the REST API (with plain permalinks /wp-json/ serves the home page and "
                "writes nothing); let digest-publisher discover the API from WORDPRESS_URL = the site root, "
                "or check for a plugin or proxy rewriting the answer",
                status=response.status_code,
                url=url,
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise WordPressError(
                f"{method} {url} answered HTTP {response.status_code} with malformed JSON ({exc})",
                "A PHP notice or plugin output may be corrupting REST answers; set WP_DEBUG_DISPLAY to false",
                status=response.status_code,
                url=url,
            ) from exc
        if response.status_code >= 400:
            code = data.get("code") if isinstance(data, dict) else None
            if code in accept_codes:
                return ApiResponse(response.status_code, data, url, dict(response.headers))
            raise wordpress_error(method, url, response.status_code, data, self.settings.username)
        return ApiResponse(response.status_code, data, url, dict(response.headers))

    def _send_once(
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

    def _send_with_retries(
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
        def attempt() -> requests.Response:
            response = self._send_once(
                method,
                url,
                auth=auth,
                allow_redirects=False,
                json_body=json_body,
                files=files,
                form=form,
                label=label,
            )
            if response.status_code in _ALWAYS_RETRY or response.status_code in _RETRY_IF_IDEMPOTENT:
                raise _RetryableStatus(response)
            return response

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _RetryableStatus) and exc.retry_after is not None:
                return min(exc.retry_after, self.settings.max_wait)
            return float(min(0.5 * 2 ** (state.attempt_number - 1), self.settings.max_wait))

        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.settings.attempts)),
            wait=wait,
            retry=retry_if_exception(lambda exc: _safe_to_resend(exc, idempotent)),
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _RetryableStatus as exc:
            response = exc.response
            try:
                body: Any = response.json() if _is_json(response) else None
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
            if not idempotent and response.status_code in _RETRY_IF_IDEMPOTENT:
                error.hint = (
                    f"{error.hint}. The request was not repeated because WordPress may already have saved "
                    "it: "
                    "run publish again, it finds what was created by its slug or image hash instead of "
                    "creating a duplicate"
                )
            raise error from None
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

    # -- dry run ----------------------------------------------------------------------------------

    def describe_placeholders(self, value: Any) -> Any:
        """Replace dry-run placeholder ids (negative ints) by what they stand for, for printing."""
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in self.placeholders:
            return f"<id of {self.placeholders[value]}>"
        if isinstance(value, dict):
            return {k: self.describe_placeholders(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.describe_placeholders(v) for v in value]
        return value

    def planned_requests(self) -> list[dict[str, Any]]:
        """Every request of this run (reads sent, writes withheld in a dry run), for printing."""
        out = []
        for entry in self.log:
            item = entry.to_dict()
            item["body"] = self.describe_placeholders(entry.body)
            item["url"] = _describe_url(entry.url, self.placeholders)
            out.append(item)
        return out


def _describe_url(url: str, placeholders: Mapping[int, str]) -> str:
    for number, label in placeholders.items():
        url = url.replace(f"/{number}", f"/<id of {label}>")
    return url


def dumps_for_humans(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
