"""The REST client: the one place that speaks HTTP to the WordPress REST API, as the publishing logic sees it.

Requests go by route (``wp/v2/posts``) and come back as :class:`ApiResponse` objects or as a
:class:`WordPressError` that says what to do; redirects, non-JSON answers and answers of the wrong shape
(``shapes.py``) are refused. Under it: ``discovery.py`` (where the REST root is), ``origin.py`` (requests stay
on WORDPRESS_URL's origin), ``transport.py`` (session, credentials, the total deadline and size cap, the retry
rule, the request log) and ``failures.py`` (what an error answer or a failed connection means).

A client built with ``dry_run=True`` sends reads (GET, HEAD) but only *records* writes: each write gets
a synthetic answer whose ``id`` is a negative placeholder, so the publishing flow can run to the end and
print every request it would send.

Requests that do not depend on each other go out at once (:meth:`WordPressClient.together`), each on its own
kept-alive connection of the one session; a dry run sends them one after the other, so its plan reads in order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..errors import WordPressError
from .connection_settings import WordPressSettings
from .discovery import discover_root, join_route
from .failures import wordpress_error
from .shapes import shape_problem
from .transport import LoggedRequest, Response, Session, Transport, is_json

ME_ROUTE = "wp/v2/users/me"
T = TypeVar("T")
#: The most requests one client has in flight at once (each on a connection of its own).
MAX_TOGETHER = 4


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


class WordPressClient:
    """Requests to one site's REST API as one user. Counts what it sends (``request_count``, ``log``)."""

    def __init__(
        self,
        settings: WordPressSettings,
        *,
        session: Session | None = None,
        rest_root: str | None = None,
        dry_run: bool = False,
        rediscover: bool = True,
    ) -> None:
        self.settings = settings
        self.transport = Transport(settings, session)
        self.session = self.transport.session
        self.dry_run = dry_run
        self._root = rest_root
        # A remembered root may be stale (the site changed its permalinks): re-discover once on trouble.
        self._root_from_cache = rest_root is not None and rediscover
        self.placeholders: dict[int, str] = {}  # dry run: negative id -> what it stands for
        self.home_html: str | None = None  # the home page, when discovery had to GET it
        self._me: Mapping[str, Any] | None = None
        self._lock = threading.Lock()  # requests sent together: one discovery of the root, one users/me

    @property
    def request_count(self) -> int:
        """HTTP attempts actually sent, retries and discovery included."""
        return self.transport.request_count

    @request_count.setter
    def request_count(self, value: int) -> None:
        self.transport.request_count = value

    @property
    def log(self) -> list[LoggedRequest]:
        """Every request of this run, in order (writes a dry run withheld included)."""
        return self.transport.log

    # -- discovery --------------------------------------------------------------------------------

    @property
    def root(self) -> str:
        if self._root is None:
            with self._lock:
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
        """The REST root of the site (see :func:`~digest_publisher.wordpress.discovery.discover_root`)."""
        found = discover_root(self.transport, self.settings.site_url)
        if found.home_html is not None:
            self.home_html = found.home_html
        return found.root

    def api_url(self, route: str, params: Mapping[str, Any] | None = None) -> str:
        """Join a route (``wp/v2/posts``) to the root, whether the root is a path or ``?rest_route=``."""
        return join_route(self.root, route, params)

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
        root = self.root
        try:
            return self._request(method, route, **kwargs)
        except WordPressError as exc:
            stale = exc.code == "rest_no_route" or (
                exc.code is None and exc.status is not None and (300 <= exc.status < 400 or exc.status == 200)
            )
            with self._lock:
                # A request sent together with this one may have found the root again already.
                if not (stale and self._root != root):
                    if not (self._root_from_cache and stale):
                        raise
                    # The remembered root answered with a redirect, HTML or "no route": find the root again.
                    self._root_from_cache = False
                    self._root = self.discover_root()
            return self._request(method, route, **kwargs)

    def together(self, *calls: Callable[[], Any]) -> list[Any]:
        """Run ``calls`` (functions that send requests of this client and do not depend on each other) at
        once and return their results in order. Every call runs to its end; then the first failure, in the
        order of ``calls``, is raised (the others' requests were made: a write among them is in the log and
        its caller's journal as usual). A dry run runs them one after the other."""
        if self.dry_run or len(calls) < 2:
            return [call() for call in calls]
        from concurrent.futures import ThreadPoolExecutor  # loaded by the commands that write only

        self.root  # noqa: B018 - discovered once here, not by each request sent together
        with ThreadPoolExecutor(max_workers=min(MAX_TOGETHER, len(calls)), thread_name_prefix="wp") as pool:
            futures = [pool.submit(call) for call in calls]
        for future in futures:
            error = future.exception()
            if error is not None:
                raise error
        return [future.result() for future in futures]

    def in_background(self, call: Callable[[], T]) -> Callable[[], T]:
        """Start ``call`` (a function sending requests of this client) now, on a thread of its own, and
        return the function that waits for its end and gives its result or raises its failure: a long
        request (the image upload) goes on while the caller sends the rounds that do not depend on it.
        A dry run calls it at once, so its plan reads in order."""
        if self.dry_run:
            result = call()
            return lambda: result
        from concurrent.futures import ThreadPoolExecutor

        self.root  # noqa: B018 - discovered once here, not by both threads
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wp-background")
        future = pool.submit(call)
        pool.shutdown(wait=False)  # the thread ends with the call
        return future.result

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
        response = self.transport.send(
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
        parsed = self._parse(method, url, response, accept_codes)
        problem = shape_problem(method, route, parsed.data, params) if parsed.status < 300 else None
        if problem is not None:
            raise WordPressError(
                f"{method} {url} answered HTTP {parsed.status} with {problem}",
                "That is not how WordPress's REST API answers: a plugin, theme or proxy changed the answer, or "
                "WORDPRESS_URL is not the site; nothing more was sent",
                status=parsed.status,
                code="wrong_shape",
                url=url,
            )
        return parsed

    def _parse(
        self, method: str, url: str, response: Response, accept_codes: frozenset[str]
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
        if not is_json(response):
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

    def me(self) -> Mapping[str, Any]:
        """The user as WordPress describes it to itself (``users/me?context=edit``: username, roles,
        capabilities); asked once per client, as publishing reads it before the transport does."""
        if self._me is None:
            data = self.get(ME_ROUTE, {"context": "edit"}, label="who am I").data
            self._me = data if isinstance(data, dict) else {}
        return self._me

    def get_page(self, url: str) -> str | None:
        """A plain web page of the site, anonymously (the home page, for the generator tag)."""
        return self.transport.get_page(url)

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
