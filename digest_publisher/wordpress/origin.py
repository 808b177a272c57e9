"""THE origin rule: every request of a command goes to WORDPRESS_URL's scheme, host and port, nowhere else.

A REST root found in a ``Link`` header, remembered in a record or reached through a redirect is used only when
it is on that origin, so the Application Password never travels to another host or port, and never from
https to plain http. The fix is always the same: set WORDPRESS_URL to the site's real address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import WordPressError
from .connection_settings import URL_VAR

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a URL, the port made explicit (``http://x`` is ``("http", "x", 80)``)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def show_origin(url: str) -> str:
    scheme, host, port = origin_of(url)
    default = _DEFAULT_PORTS.get(scheme) == port
    return f"{scheme}://{host}" + ("" if default else f":{port}")


def same_origin(url: str, site_url: str) -> bool:
    return origin_of(url) == origin_of(site_url)


def off_origin_error(url: str, site_url: str, *, found_where: str, method: str = "") -> WordPressError:
    """The refusal of a request (or a REST root) that is not on WORDPRESS_URL's origin; nothing was sent to it."""
    site, other = origin_of(site_url), origin_of(url)
    downgrade = site[0] == "https" and other[0] == "http"
    what = (
        f"{found_where} {url} is not on WORDPRESS_URL's origin {show_origin(site_url)}"
        + (" (https to plain http: the Application Password would travel in clear text)" if downgrade else "")
        + f"; nothing was sent there{' (' + method + ')' if method else ''}"
    )
    if downgrade:
        hint = (
            "The site names a plain-http address: set its WordPress Address and Site Address (Settings > General) "
            f"to https://, or fix the proxy that rewrites them; keep {URL_VAR} on https"
        )
    else:
        hint = (
            f"Set {URL_VAR} to the site's real address ({show_origin(url)} if that is the site); digest-publisher "
            f"sends requests only to the scheme, host and port of {URL_VAR}"
        )
    return WordPressError(what, hint, code="off_origin", url=url)
