"""A mistaken WORDPRESS_URL or WORDPRESS_TIMEOUT is refused with the fix, before any request; the wrong scheme
is named as such; a password typed into the URL is never repeated."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from digest_publisher.config import wordpress_settings as load_wordpress_settings
from digest_publisher.errors import ConfigError, WordPressError
from digest_publisher.wordpress.client import WordPressClient
from tests.publishing.pubhelpers import Lab, settings_for


def _settings(url: str, timeout: str = "") -> dict[str, str]:
    env = {
        "WORDPRESS_URL": url,
        "WORDPRESS_USERNAME": "admin",
        "WORDPRESS_APP_PASSWORD": "abcd efgh ijkl mnop qrst uvwx",
    }
    return {**env, "WORDPRESS_TIMEOUT": timeout} if timeout else env


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("https://example.com/wp-admin/", "use 'https://example.com'"),
        ("https://example.com/blog/wp-admin/options-general.php", "use 'https://example.com/blog'"),
        ("https://example.com/wp-login.php", "use 'https://example.com'"),
        ("https://example.com/wp-json/", "use 'https://example.com'"),
    ],
)
def test_a_url_of_a_wordpress_page_is_refused_with_the_site_root(url: str, fix: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_wordpress_settings(_settings(url))
    assert "points at WordPress's" in str(caught.value) and fix in str(caught.value)


@pytest.mark.parametrize("raw", ["inf", "nan", "-inf", "0", "-3", "soon", "1e9"])
def test_a_timeout_that_is_not_a_sane_number_of_seconds_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match=rf"WORDPRESS_TIMEOUT='{raw}' must be a number of seconds above 0"):
        load_wordpress_settings(_settings("https://example.com", raw))


def test_faithful_settings_are_accepted() -> None:
    settings = load_wordpress_settings(_settings("https://example.com/blog/", "12.5"))
    assert settings.site_url == "https://example.com/blog" and settings.timeout == 12.5


def _main(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WORDPRESS_")}
    return subprocess.run(
        [sys.executable, "-m", "digest_publisher", *args],
        env={**clean, "DIGEST_NO_DOTENV": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.wordpress
def test_a_password_inside_the_url_is_refused_and_never_printed(wp_lab: Lab) -> None:
    host = wp_lab.url.split("://", 1)[1]
    env = {**_settings(f"http://admin:{wp_lab.admin.password}@{host}"), "WORDPRESS_USERNAME": "admin"}
    for args in (("check",), ("check", "--json")):
        done = _main(env, *args)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "has a user name or password inside it" in done.stderr
        assert wp_lab.admin.password not in done.stdout + done.stderr


@pytest.mark.wordpress
def test_https_on_a_plain_http_port_says_so(wp_lab: Lab) -> None:
    settings = settings_for(wp_lab, wp_lab.admin)
    https = type(settings)(url=settings.url.replace("http://", "https://"), username=settings.username,
                           app_password=settings.app_password, timeout=10.0, attempts=1, max_wait=0.1)  # fmt: skip
    with pytest.raises(WordPressError) as caught:
        WordPressClient(https).discover_root()
    assert "does not speak HTTPS on this port" in caught.value.message
    assert "Use http:// in WORDPRESS_URL" in (caught.value.hint or "")
    done = _main(_settings(https.url), "check")
    # the method that failed is named: HEAD, tried first
    assert done.returncode == 1 and "PROBLEM [unreachable]: HEAD https://" in done.stdout
    assert "does not speak HTTPS on this port" in done.stdout and "Use http:// in WORDPRESS_URL" in done.stdout
