"""Where a site's REST API lives, and how a route is joined to it.

The root comes from the site's ``Link: <...>; rel="https://api.w.org/"`` header, which works for
``/wp-json/``, ``/index.php/wp-json/`` and plain-permalink ``?rest_route=/`` sites alike; without that header
(removed by a plugin or a proxy) the two conventional places are tried.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from ..errors import WordPressError
from .failures import connection_error
from .transport import Transport, is_json

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
    except requests.RequestException as exc:
        raise connection_error("GET", site, exc) from exc


def _discover(transport: Transport, site_url: str) -> Discovery:
    site = site_url + "/"
    home_html = None
    for method in ("HEAD", "GET"):
        response = transport.send_once(method, site, auth=False, allow_redirects=True, label="discover")
        link = response.links.get(API_REL, {}).get("url")
        if method == "GET":
            home_html = response.text
        if link:
            return Discovery(str(link), home_html)
    for candidate in (site_url + "/wp-json/", site_url + "/?rest_route=/"):
        response = transport.send_once("GET", candidate, auth=False, allow_redirects=False, label="discover")
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
