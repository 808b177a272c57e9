"""WordPress connection settings, read from the environment (``.env`` is loaded by the CLI)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import ConfigError

URL_VAR = "WORDPRESS_URL"
USERNAME_VAR = "WORDPRESS_USERNAME"
APP_PASSWORD_VAR = "WORDPRESS_APP_PASSWORD"  # noqa: S105 - the variable's name, not a password
TIMEOUT_VAR = "WORDPRESS_TIMEOUT"
DEFAULT_TIMEOUT = 30.0


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

    @property
    def site_url(self) -> str:
        """The URL without a trailing slash, as the one key of "which site" in records."""
        return self.url.rstrip("/")


def load_wordpress_settings(environ: Mapping[str, str] | None = None) -> WordPressSettings:
    """Read the settings; every missing or invalid variable is reported in one error."""
    env = os.environ if environ is None else environ
    values = {name: (env.get(name) or "").strip() for name in (URL_VAR, USERNAME_VAR, APP_PASSWORD_VAR)}
    missing = [name for name, value in values.items() if not value]
    problems: list[str] = []
    if missing:
        problems.append("missing " + ", ".join(missing))
    url = values[URL_VAR]
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"{URL_VAR}={url!r} is not an http(s) URL of the site (e.g. https://example.com)")
    timeout = DEFAULT_TIMEOUT
    raw_timeout = (env.get(TIMEOUT_VAR) or "").strip()
    if raw_timeout:
        try:
            timeout = float(raw_timeout)
        except ValueError:
            timeout = -1.0
        if timeout <= 0:
            problems.append(f"{TIMEOUT_VAR}={raw_timeout!r} must be a number of seconds above 0")
    if problems:
        raise ConfigError(
            "WordPress settings: " + "; ".join(problems),
            f"Set {URL_VAR}, {USERNAME_VAR} and {APP_PASSWORD_VAR} (optionally {TIMEOUT_VAR}) in the "
            "environment or in .env (see .env.example); create the Application Password under "
            "Users > Profile > Application Passwords",
        )
    return WordPressSettings(
        url=url,
        username=values[USERNAME_VAR],
        # WordPress shows app passwords in groups of four; the spaces are optional when used.
        app_password=values[APP_PASSWORD_VAR],
        timeout=timeout,
    )
