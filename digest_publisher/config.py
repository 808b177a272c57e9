"""Settings from the environment: the ONLY module of the package that reads ``os.environ``.

The CLI loads ``.env`` first (real environment variables win), then asks this module. Every variable is
listed in ``.env.example``:

    WORDPRESS_URL, WORDPRESS_USERNAME, WORDPRESS_APP_PASSWORD, WORDPRESS_TIMEOUT   -> wordpress_settings()
    WORDPRESS_URL alone (a preview needs no credentials)                           -> site_url()
    ANTHROPIC_API_KEY (presence only; the SDK reads it), ANTHROPIC_BASE_URL        -> claude_key_set()
    DIGEST_POSTS_DIR                                                               -> posts_dir()
    DIGEST_CACHE_DIR                                                               -> cache_dir()
    ARXIV_API_URL (corpus fetch's endpoint)                                        -> arxiv_api_url()
    ARXIV_OAI_URL (the OAI-PMH endpoint of `corpus harvest`)                       -> arxiv_oai_url()
    DIGEST_NO_DOTENV=1 (do not read .env)                                          -> read_dotenv()
    DIGEST_TEST_KILL_AT (test-only crash hook, see records.kill_point)            -> kill_step()

and, for the publishing side's HTTP session (wordpress/http_session.py), the variables ``requests`` honours:

    REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE (a CA file instead of the system's store)  -> ca_bundle()
    HTTPS_PROXY, HTTP_PROXY, ALL_PROXY (either case), NO_PROXY                     -> http_proxy()

Each function takes an optional ``environ`` mapping so tests pass their own instead of patching.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError, register_secret
from .wordpress.connection_settings import (
    APP_PASSWORD_VAR,
    DEFAULT_TIMEOUT,
    TIMEOUT_VAR,
    URL_VAR,
    USERNAME_VAR,
    WordPressSettings,
    normalise_site_url,
    site_url_problems,
    timeout_problem,
)

POSTS_DIR_VAR = "DIGEST_POSTS_DIR"
CACHE_DIR_VAR = "DIGEST_CACHE_DIR"
NO_DOTENV_VAR = "DIGEST_NO_DOTENV"
KILL_VAR = "DIGEST_TEST_KILL_AT"
CLAUDE_KEY_VAR = "ANTHROPIC_API_KEY"
ARXIV_API_URL_VAR = "ARXIV_API_URL"
ARXIV_OAI_VAR = "ARXIV_OAI_URL"
#: arXiv's OAI-PMH 2.0 endpoint (https://info.arxiv.org/help/oa/index.html).
DEFAULT_ARXIV_OAI_URL = "https://oaipmh.arxiv.org/oai"
DEFAULT_CACHE_DIR = Path(".cache/drafting")


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def read_dotenv(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the CLI should read ``.env`` from the current folder."""
    return _env(environ).get(NO_DOTENV_VAR) != "1"


def posts_dir(option: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``--posts-dir`` wins, then ``DIGEST_POSTS_DIR``, then ``./posts``."""
    if option:
        return Path(option)
    value = _env(environ).get(POSTS_DIR_VAR)
    return Path(value) if value else Path("posts")


def cache_dir(option: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``--cache-dir`` wins, then ``DIGEST_CACHE_DIR``, then ``.cache/drafting``."""
    if option:
        return option
    value = _env(environ).get(CACHE_DIR_VAR)
    return Path(value) if value else DEFAULT_CACHE_DIR


def arxiv_oai_url(environ: Mapping[str, str] | None = None) -> str:
    """``ARXIV_OAI_URL`` (e.g. a mirror or a local replay server), else arXiv's own OAI-PMH endpoint."""
    return (_env(environ).get(ARXIV_OAI_VAR) or "").strip() or DEFAULT_ARXIV_OAI_URL


def claude_key_set(environ: Mapping[str, str] | None = None) -> bool:
    """Is an Anthropic key configured? (Only its presence: the SDK reads the key itself; it is registered so
    that no error message shows it, see ``errors.scrub``.)"""
    register_secret(_env(environ).get(CLAUDE_KEY_VAR))
    return bool((_env(environ).get(CLAUDE_KEY_VAR) or "").strip())


def site_url(environ: Mapping[str, str] | None = None) -> str:
    """``WORDPRESS_URL`` without a trailing slash, or "" (a preview renders without a site); a user or
    password typed inside it is left out (publish refuses such a URL, see :func:`wordpress_settings`)."""
    url = normalise_site_url(_env(environ).get(URL_VAR) or "")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        url = urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


def arxiv_api_url(option: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """``--api-url`` wins, then ``ARXIV_API_URL``; None: arXiv's own endpoint (the fetcher's default)."""
    if option:
        return option
    return (_env(environ).get(ARXIV_API_URL_VAR) or "").strip() or None


def kill_step(environ: Mapping[str, str] | None = None) -> str:
    """TEST-ONLY: the step at which the crash tests want the process killed ("" normally)."""
    return _env(environ).get(KILL_VAR) or ""


def wordpress_settings(environ: Mapping[str, str] | None = None) -> WordPressSettings:
    """Where to publish and as whom; every missing or invalid variable is reported in one error."""
    env = _env(environ)
    register_secret(env.get(CLAUDE_KEY_VAR))  # a gateway echoing headers must not show it either
    values = {name: (env.get(name) or "").strip() for name in (URL_VAR, USERNAME_VAR, APP_PASSWORD_VAR)}
    missing = [name for name, value in values.items() if not value]
    problems: list[str] = []
    if missing:
        problems.append("missing " + ", ".join(missing))
    url = values[URL_VAR]
    if url:
        problems.extend(site_url_problems(url))
    timeout = DEFAULT_TIMEOUT
    raw_timeout = (env.get(TIMEOUT_VAR) or "").strip()
    if raw_timeout:
        problem = timeout_problem(raw_timeout)
        if problem:
            problems.append(problem)
        else:
            timeout = float(raw_timeout)
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


def ca_bundle(environ: Mapping[str, str] | None = None) -> str | None:
    """The CA file to trust instead of the system's store (``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``)."""
    env = _env(environ)
    return (env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or "").strip() or None


def http_proxy(scheme: str, host: str, environ: Mapping[str, str] | None = None) -> str:
    """The proxy URL for a request to ``scheme://host`` ("" for none): ``<scheme>_proxy``, else ``all_proxy``
    (the lower-case name first, as urllib reads them), unless ``no_proxy`` lists the host (urllib's matching:
    a domain suffix, ``*``, a port)."""
    env = _env(environ)
    found: dict[str, str] = {}
    for name in ("no", scheme, "all"):
        value = (env.get(f"{name}_proxy") or env.get(f"{name.upper()}_PROXY") or "").strip()
        if value:
            found[name] = value
    proxy = found.get(scheme) or found.get("all")
    if not proxy:
        return ""
    import urllib.request  # only when a proxy is set

    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # in the module, not in typeshed
    if bypass(host, found):
        return ""
    return proxy if "://" in proxy else f"http://{proxy}"
