"""WordPress connection settings (read from the environment by :func:`digest_publisher.config.wordpress_settings`)."""

from __future__ import annotations

from dataclasses import dataclass, field

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
