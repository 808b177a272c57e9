"""``digest-publisher check``: tell the user which of the usual connection problems they have.

    unreachable              no answer: the site is down, the port is wrong, or it does not speak HTTPS there
    wrong-credentials        WordPress rejects the user / Application Password
    app-passwords-off        Application Passwords unavailable (not HTTPS and not a local environment,
                             or turned off by a plugin): WordPress ignores the password entirely
    login-password           the login password instead of an Application Password: XML-RPC accepts it,
                             REST never does
    auth-header-stripped     the web server drops the Authorization header: the password is right
                             (XML-RPC, which carries it in the body, accepts it) but REST never sees it,
                             so reads work while every write fails
    rest-blocked             a security plugin answers REST requests with an error
    no-rest                  no REST API found at all
    off-origin               the home page redirects, or its Link header points, off WORDPRESS_URL's scheme,
                             host or port (https to http included): nothing is sent there
    other-site               a record in the posts folder belongs to another site (or names none)
    missing-capability       the user cannot do something a post needs (e.g. create categories)

All good prints the site name, WordPress version, user and roles; a note warns when the version is hidden or
outside the versions the tests cover (see :mod:`.site_version`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import SiteUnreachable, WordPressError
from .client import WordPressClient
from .connection_settings import APP_PASSWORD_VAR, USERNAME_VAR, WordPressSettings
from .failures import BLOCKING_CODES
from .site_version import site_wordpress_version
from .terms import wp_slug
from .transport import Session

# What a digest post needs, and why (shown when missing).
NEEDED_CAPABILITIES = {
    "edit_posts": "write posts at all",
    "publish_posts": "publish or schedule posts (drafts still work without it)",
    "upload_files": "upload the featured image",
}


@dataclass
class Finding:
    kind: str
    message: str
    hint: str


@dataclass
class CheckReport:
    site_url: str
    rest_root: str | None = None
    site_name: str | None = None
    wordpress_version: str | None = None
    user: str | None = None
    user_id: int | None = None
    roles: list[str] = field(default_factory=list)
    can_create_categories: bool | None = None
    unfiltered_html: bool | None = None
    problems: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kinds(self) -> list[str]:
        return [p.kind for p in self.problems]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def check_site(
    settings: WordPressSettings,
    *,
    categories: Sequence[str] = (),
    session: Session | None = None,
) -> CheckReport:
    """Probe the site (REST discovery, index, ``users/me?context=edit``) and diagnose what is wrong.

    ``categories``: category names a post will use; any that do not exist and cannot be created by the
    user are reported as a missing capability.
    """
    client = WordPressClient(settings, session=session)
    report = CheckReport(site_url=settings.site_url)
    try:
        _check(client, report, categories)
    finally:
        report.requests = client.request_count + report.requests
    return report


def _check(client: WordPressClient, report: CheckReport, categories: Sequence[str]) -> None:
    try:
        report.rest_root = client.root
    except WordPressError as exc:
        if isinstance(exc, SiteUnreachable):
            # No answer at all (down, wrong port, HTTPS on a plain-http port): connection_error said which.
            report.problems.append(Finding("unreachable", exc.message, exc.hint or ""))
            return
        if exc.code in ("off_origin", "too_large"):
            # The REST API is named on, or the home page redirects to, another origin: nothing was sent there.
            report.problems.append(Finding("off-origin", exc.message, exc.hint or ""))
            return
        report.problems.append(
            Finding(
                "no-rest",
                exc.message,
                "The REST API looks disabled or hidden (often a security plugin): allow it, or publish with "
                "--transport xmlrpc",
            )
        )
        return

    # The index, anonymously: name, and which authentication methods the site offers.
    index = client.get("", auth=False, accept_codes=BLOCKING_CODES | {"rest_forbidden"}, label="API index")
    if index.status >= 400:
        code = index.data.get("code") if isinstance(index.data, dict) else None
        report.problems.append(
            Finding(
                "rest-blocked",
                f"the REST API refuses requests: GET {index.url} answered HTTP {index.status} {code}: "
                f"{index.data.get('message') if isinstance(index.data, dict) else ''}",
                "A security plugin blocks the REST API: allow it for this user in the plugin's settings, or "
                "publish with --transport xmlrpc",
            )
        )
    else:
        data = index.data if isinstance(index.data, dict) else {}
        report.site_name = html.unescape(str(data.get("name") or "")) or None
        auth_methods = data.get("authentication")
        if isinstance(auth_methods, dict | list) and "application-passwords" not in auth_methods:
            report.problems.append(
                Finding(
                    "app-passwords-off",
                    "Application Passwords are not available on this site, so WordPress ignores "
                    f"{APP_PASSWORD_VAR}: the site is not served over HTTPS and is not a local environment, "
                    "or a plugin turned them off",
                    "Serve the site over HTTPS (or, for a local test site, define WP_ENVIRONMENT_TYPE as "
                    "'local' "
                    "in wp-config.php), then create an Application Password under Users > Profile",
                )
            )

    found = site_wordpress_version(client)
    report.wordpress_version = found.version
    warning = found.warning()
    if warning is not None:
        report.notes.append(warning)

    me = client.get(
        "wp/v2/users/me",
        {"context": "edit"},
        label="who am I",
        accept_codes=frozenset(
            {"rest_not_logged_in", "incorrect_password", "invalid_username", "rest_forbidden_context"}
        )
        | BLOCKING_CODES,
    )
    if me.status >= 400:
        _diagnose_rejection(client, report, me.status, me.data)
        return
    user = me.data
    report.user = str(user.get("username") or user.get("name") or client.settings.username)
    report.user_id = user.get("id")
    report.roles = [str(r) for r in user.get("roles") or []]
    caps = user.get("capabilities") or {}
    for capability, purpose in NEEDED_CAPABILITIES.items():
        if not caps.get(capability):
            report.problems.append(
                Finding(
                    "missing-capability",
                    f"the user {report.user!r} (roles: {', '.join(report.roles) or 'none'}) lacks "
                    f"{capability!r}, "
                    f"needed to {purpose}",
                    "Use an account with the author role or above, or ask an administrator to change the "
                    "role",
                )
            )
    report.can_create_categories = bool(caps.get("manage_categories"))
    report.unfiltered_html = bool(caps.get("unfiltered_html"))
    if not report.unfiltered_html:
        report.notes.append(
            "no unfiltered_html: WordPress strips script, style, iframe and on* attributes "
            "from this user's posts (publish reports it if content is changed)"
        )
    if not report.can_create_categories:
        report.notes.append("cannot create categories: every category a post names must already exist")
    if categories and not report.can_create_categories:
        slugs = [wp_slug(n) for n in categories]
        found = client.get("wp/v2/categories", {"slug": slugs, "per_page": 100, "_fields": "name,slug"}).data
        have = {html.unescape(str(t.get("name"))).casefold() for t in found} | {t.get("slug") for t in found}
        missing = [n for n in categories if n.casefold() not in have and wp_slug(n) not in have]
        if missing:
            report.problems.append(
                Finding(
                    "missing-capability",
                    f"the post needs the categories {', '.join(map(repr, missing))}, which do not exist, "
                    "and the "
                    f"user {report.user!r} (roles: {', '.join(report.roles)}) may not create categories",
                    "Ask an editor or administrator to create them (Posts > Categories), or use existing "
                    "ones",
                )
            )


def _diagnose_rejection(client: WordPressClient, report: CheckReport, status: int, body: Any) -> None:
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else ""
    said = f"GET users/me answered HTTP {status} {code}: {message}"
    if code in BLOCKING_CODES or (status == 403 and code not in ("rest_forbidden_context",)):
        report.problems.append(
            Finding(
                "rest-blocked",
                f"the REST API refuses this user: {said}",
                "A security plugin blocks REST requests: allow them for this user, or use --transport xmlrpc",
            )
        )
        return
    if "app-passwords-off" in report.kinds:
        return  # already explained: WordPress ignores the password
    # Same 401 for a wrong password and for a header the web server dropped. XML-RPC carries the
    # credentials in the request body, so it tells the two apart.
    from .xmlrpc import XmlRpcPublisher  # the XML-RPC library is imported only when needed

    probe = XmlRpcPublisher(client.settings)
    try:
        accepted: bool | None = probe.probe_credentials()
    except WordPressError:
        accepted = None
    finally:
        report.requests += probe.request_count
    if accepted is True and not looks_like_application_password(client.settings.app_password):
        # XML-RPC takes the login password too; REST takes only Application Passwords (both answer the
        # same 401 rest_not_logged_in to a wrong one, measured on 6.1), so the password's shape decides.
        report.problems.append(
            Finding(
                "login-password",
                f"{APP_PASSWORD_VAR} holds the login password of {client.settings.username!r}: XML-RPC accepts "
                f"it, but the REST API only accepts Application Passwords ({said})",
                "Create an Application Password: log in to WordPress, open Users > Profile > Application "
                f"Passwords, add one named 'digest-publisher', and put the 24 characters it shows in "
                f"{APP_PASSWORD_VAR}",
            )
        )
    elif accepted is True:
        report.problems.append(
            Finding(
                "auth-header-stripped",
                "the credentials are right (XML-RPC accepts them) but REST requests arrive without them "
                f"({said}): "
                "the web server strips the Authorization header, so reads work while every write fails",
                "Apache + CGI/FastCGI: add 'CGIPassAuth On' or 'SetEnvIf Authorization \"(.*)\" "
                "HTTP_AUTHORIZATION=$1' to .htaccess; nginx or a proxy: pass the Authorization header "
                "through",
            )
        )
    elif accepted is False:
        report.problems.append(
            Finding(
                "wrong-credentials",
                f"WordPress rejects the user {client.settings.username!r} with this Application Password "
                f"({said})",
                f"Check {USERNAME_VAR} (the login name) and {APP_PASSWORD_VAR} (an Application Password from "
                "Users > Profile, not the login password)",
            )
        )
    else:
        report.problems.append(
            Finding(
                "wrong-credentials",
                f"WordPress does not accept the credentials of {client.settings.username!r} ({said}); "
                "XML-RPC is "
                "unavailable, so a stripped Authorization header cannot be ruled out",
                f"Check {USERNAME_VAR} and {APP_PASSWORD_VAR}; if they are right, the web server drops the "
                "Authorization header (Apache: 'CGIPassAuth On')",
            )
        )


# WordPress makes Application Passwords with wp_generate_password(24, false): 24 letters and digits, shown in
# groups of four separated by spaces (accepted with or without them).
_APPLICATION_PASSWORD = re.compile(r"[A-Za-z0-9]{24}")


def looks_like_application_password(value: str) -> bool:
    """True for the shape WordPress gives Application Passwords (``abcd EFGH 1234 ...``, 24 characters)."""
    return bool(_APPLICATION_PASSWORD.fullmatch(value.replace(" ", "")))

