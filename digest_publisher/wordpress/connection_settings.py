"""WordPress connection settings (read from the environment by :func:`digest_publisher.config.wordpress_settings`)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from ..errors import register_secret

URL_VAR = "WORDPRESS_URL"
USERNAME_VAR = "WORDPRESS_USERNAME"
APP_PASSWORD_VAR = "WORDPRESS_APP_PASSWORD"  # noqa: S105 - the variable's name, not a password
TIMEOUT_VAR = "WORDPRESS_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 3600.0  # an hour: past that, a hung site should fail the run, not hold it


@dataclass(frozen=True)
class WordPressSettings:
    """Where to publish and as whom. ``app_password`` is kept out of ``repr`` so it never lands in logs."""

    url: str
    username: str
    app_password: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    # Attempts per request for retryable failures (connection errors, timeouts, 429, 5xx).
    attempts: int = 4
    # Upper bound for one wait between attempts, whatever Retry-After asks for.
    max_wait: float = 30.0

    def __post_init__(self) -> None:
        # Whatever form a server may echo back: the password (with and without its spaces) and the base64 of
        # the Basic header made from it (see errors.scrub).
        for password in {self.app_password, self.app_password.replace(" ", "")}:
            register_secret(password)
            register_secret(base64.b64encode(f"{self.username}:{password}".encode()).decode())

    @property
    def site_url(self) -> str:
        """The URL without a trailing slash, as the one key of "which site" in records."""
        return normalise_site_url(self.url)


def normalise_site_url(url: str) -> str:
    """THE form of a site's URL as the key of "which site" (records, ``.sites.json``, ``--rebind-site``, the
    card): without its trailing slash."""
    return url.strip().rstrip("/")


# Paths that are WordPress's own pages, not the site's root: a URL ending in one binds records to the wrong
# "site" and every route is resolved under it.
_ADMIN_PATHS = ("/wp-admin", "/wp-login.php", "/wp-json", "/xmlrpc.php", "/index.php")


def redact_url(url: str) -> str:
    """The URL with any ``user:password@`` removed, for messages (a password typed into the URL)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def site_url_problems(url: str) -> list[str]:
    """What is wrong with a site URL (empty when nothing is); never repeats a password written inside it."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return [f"{URL_VAR}={shown!r} is not a valid URL (check the host and port)"]
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [f"{URL_VAR}={shown!r} is not an http(s) URL of the site (e.g. https://example.com)"]
    problems: list[str] = []
    if parts.username or parts.password:
        problems.append(
            f"{URL_VAR}={shown!r} has a user name or password inside it: put the user in {USERNAME_VAR} and the "
            f"Application Password in {APP_PASSWORD_VAR}, and only the address in {URL_VAR}"
        )
    path = parts.path.rstrip("/")
    for admin in _ADMIN_PATHS:
        if path.lower().endswith(admin) or f"{admin}/" in path.lower():
            site_path = path[: path.lower().rfind(admin)]
            host = parts.netloc.rsplit("@", 1)[-1]
            root = urlunsplit(parts._replace(netloc=host, path=site_path, query="", fragment=""))
            problems.append(f"{URL_VAR}={shown!r} points at WordPress's {admin} page, not the site: use {root!r}")
            break
    if parts.query or parts.fragment:
        problems.append(f"{URL_VAR}={shown!r} has a query or fragment: give only the site's address")
    return problems


def timeout_problem(raw: str) -> str | None:
    """What is wrong with a ``WORDPRESS_TIMEOUT`` value, or None (inf would wait forever on a hung site;
    nan compares false with everything)."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if 0 < value <= MAX_TIMEOUT:
        return None
    return f"{TIMEOUT_VAR}={raw!r} must be a number of seconds above 0 and at most {MAX_TIMEOUT:.0f}"
