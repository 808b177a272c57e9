"""Where a site's REST API lives, and how a route is joined to it.

The root comes from the site's ``Link: <...>; rel="https://api.w.org/"`` header, which works for
``/wp-json/``, ``/index.php/wp-json/`` and plain-permalink ``?rest_route=/`` sites alike; without that header
(removed by a plugin or a proxy) the two conventional places are tried.

The root must be on WORDPRESS_URL's origin (:mod:`.origin`): a ``Link`` header naming another scheme, host or
port is refused, and a home page that redirects off the origin is not followed: its target is only named in
the error, as the WORDPRESS_URL to set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ..errors import WordPressError
from .connection_settings import URL_VAR
from .failures import HTTPFailure, connection_error
from .origin import off_origin_error, same_origin, show_origin
from .transport import MAX_PAGE_REDIRECTS, Response, Transport, is_json

API_REL = "https://api.w.org/"


@dataclass(frozen=True)
class Discovery:
    """The REST root found, and the home page when discovery had to GET it (its generator tag tells the
    WordPress version without another request)."""

    root: str
    home_html: str | None


def discover_root(transport: Transport, site_url: str) -> Discovery:
    """HEAD the home page first (WordPress sends the header and skips rendering the page), GET if HEAD gives
    nothing, then try ``/wp-json/`` and ``/?rest_route=/``. Raises :class:`WordPressError` if none works."""
    site = site_url + "/"
    try:
        return _discover(transport, site_url)
    except HTTPFailure as exc:
        raise connection_error("GET", site, exc) from exc


def _discover(transport: Transport, site_url: str) -> Discovery:
    site = site_url + "/"
    home_html = None
    for method in ("HEAD", "GET"):
        response = _home_page(transport, method, site, site_url)
        link = response.links.get(API_REL, {}).get("url")
        if method == "GET":
            home_html = response.text
        if link:
            root = urljoin(response.url, str(link))
            if not same_origin(root, site_url):
                where = f'the REST API address in the Link rel="{API_REL}" header of {site_url}/'
                raise off_origin_error(root, site_url, found_where=where)
            return Discovery(root, home_html)
    for candidate in (site_url + "/wp-json/", site_url + "/?rest_route=/"):
        response = transport.send_once("GET", candidate, auth=False, label="discover")
        if response.status_code == 200 and is_json(response):
            try:
                index = response.json()
            except ValueError:
                continue
            if isinstance(index, dict) and "wp/v2" in (index.get("namespaces") or []):
                return Discovery(candidate, home_html)
    raise WordPressError(
        f'no WordPress REST API found at {site}: the home page has no Link rel="{API_REL}" header '
        "and neither /wp-json/ nor /?rest_route=/ answer with the API index",
        "Check that WORDPRESS_URL is the site's root address; if a security plugin disabled the REST "
        "API, allow it or publish with --transport xmlrpc",
        url=site,
    )


def _home_page(transport: Transport, method: str, url: str, site_url: str) -> Response:
    """The home page, following redirects only on WORDPRESS_URL's origin (``/`` to ``/en/``); a redirect
    elsewhere is refused without a request there, naming the address to set as WORDPRESS_URL."""
    for _ in range(MAX_PAGE_REDIRECTS + 1):
        try:
            response = transport.send_once(method, url, auth=False, label="discover")
        except HTTPFailure as exc:
            raise connection_error(method, url, exc) from exc
        if not response.is_redirect:
            return response
        target = urljoin(url, response.headers.get("Location", ""))
        if not same_origin(target, site_url):
            suggested = target.split("?", 1)[0].split("#", 1)[0].rstrip("/")
            where = f"{site_url}/ redirects (HTTP {response.status_code}) to"
            error = off_origin_error(target, site_url, found_where=where)
            if "plain http" not in error.message:
                error.hint = (
                    f"Set {URL_VAR} to the address the site redirects to ({suggested} or its root "
                    f"{show_origin(target)}); digest-publisher never follows a redirect off {URL_VAR}'s origin"
                )
            raise error
        url = target
    raise WordPressError(
        f"{site_url}/ redirects more than {MAX_PAGE_REDIRECTS} times",
        f"Open {site_url}/ in a browser and set {URL_VAR} to the address it ends on",
        url=url,
    )


def join_route(root: str, route: str, params: Mapping[str, Any] | None = None) -> str:
    """Join a route (``wp/v2/posts``) to the root, whether the root is a path or ``?rest_route=``; list
    parameters are sent comma-separated, as WordPress reads them."""
    parts = urlsplit(root)
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
