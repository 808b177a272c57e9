"""What a failed WordPress request means: an error answer of the REST API, or a connection that failed,
turned into a :class:`~digest_publisher.errors.WordPressError` that says what happened, where, and what to do
next. The client (``client.py``) and its transport (``transport.py``) raise only these. Below them, the
HTTP session's own failures (:class:`HTTPFailure` and its kinds) say what happened to a connection."""

from __future__ import annotations

from typing import Any

from ..errors import SiteUnreachable, WordPressError
from ..retry import NoAnswer
from .connection_settings import APP_PASSWORD_VAR, TIMEOUT_VAR, URL_VAR, USERNAME_VAR

_CREDENTIAL_CODES = frozenset(
    {"rest_not_logged_in", "incorrect_password", "invalid_username", "invalid_email", "empty_username"}
)
_CAPABILITY_CODES = frozenset(
    {
        "rest_cannot_create",
        "rest_cannot_edit",
        "rest_cannot_publish",
        "rest_cannot_assign_term",
        "rest_cannot_edit_others",
        "rest_cannot_assign_author",
        "rest_forbidden",
        "rest_forbidden_context",
        "rest_cannot_view",
        "rest_cannot_create_terms",
        "rest_cannot_update",
    }
)
# Codes that security plugins ("Disable REST API", iThemes, Wordfence ...) answer with for every route.
BLOCKING_CODES = frozenset(
    {"rest_cannot_access", "rest_login_required", "rest_disabled", "rest_api_disabled"}
)



def wordpress_error(
    method: str, url: str, status: int, body: Any, username: str = "", text: str = ""
) -> WordPressError:
    """THE place turning a WordPress error answer (``code``, ``message``, ``data.status``) into an error
    that says what happened, where, and what to do next."""
    code = ""
    message = ""
    details = ""
    # WordPress answers 401 exactly when the request is not authenticated (rest_authorization_required_code:
    # 403 once logged in), whatever the route's own code says ("Status is forbidden", "not allowed to view
    # revisions"): one meaning, so one diagnosis for every command. A parameter check reports its 401
    # inside data.details (status=draft without a login gives rest_invalid_param / rest_forbidden_status).
    not_authenticated = status == 401
    if isinstance(body, dict):
        code = str(body.get("code") or "")
        message = str(body.get("message") or "")
        data = body.get("data")
        if isinstance(data, dict):
            params = data.get("params")
            if isinstance(params, dict) and params:
                details = "; ".join(f"{k}: {v}" for k, v in params.items())
            if isinstance(data.get("status"), int):
                status = int(data["status"])
            nested = data.get("details")
            nested_statuses = [
                d.get("data", {}).get("status") for d in (nested.values() if isinstance(nested, dict) else [])
                if isinstance(d, dict) and isinstance(d.get("data"), dict)
            ]  # fmt: skip
            not_authenticated = not_authenticated or status == 401 or 401 in nested_statuses
    if not_authenticated:
        status = 401
    if not message:
        message = (text or "").strip().splitlines()[0][:200] if (text or "").strip() else "no message"
    what = f"{method} {url} failed: HTTP {status}" + (f" {code}" if code else "") + f": {message}"
    if details:
        what += f" ({details})"
    who = f"the user {username!r}" if username else "the user"
    if code in _CREDENTIAL_CODES or not_authenticated:
        what = (
            f"wrong user or Application Password: WordPress did not log in {who} "
            f"({method} {url}: HTTP {status}" + (f" {code}" if code else "") + ")"
        )
        hint = (
            f"Check {USERNAME_VAR} (the login name) and {APP_PASSWORD_VAR} (an Application Password from "
            "Users > Profile > Application Passwords, not the login password); run `digest-publisher check` "
            "to tell a wrong password from a login password or a stripped Authorization header"
        )
    elif code in BLOCKING_CODES:
        hint = (
            "The REST API is blocked for this request, typically by a security plugin: allow REST access "
            "for this user in the plugin, or publish with --transport xmlrpc"
        )
    elif code in _CAPABILITY_CODES or status == 403:
        hint = (
            f"{who} lacks the capability for this: use an account with the needed role "
            "(editor or administrator), or ask an administrator to create the missing pieces first"
        )
    elif code == "rest_post_invalid_id":
        hint = (
            "That post does not exist on the site (deleted?); remove the stale id from the post's record.json"
        )
    elif code == "rest_no_route":
        hint = (
            "The route does not exist here: check WORDPRESS_URL is the site root; the REST API may be "
            "restricted by a plugin (try --transport xmlrpc)"
        )
    elif code == "rest_invalid_param":
        hint = "A field sent was refused; fix the value named above in post.md and publish again"
    elif code.startswith("rest_upload") or status == 413:
        hint = "The media upload was refused: check the image file type and the site's upload size limit"
    elif status == 429:
        hint = "The site is rate limiting requests; wait a minute and run the command again"
    elif status == 503:
        hint = (
            "The site is temporarily unavailable (maintenance mode or overload); run the command again later, "
            "it continues where this run stopped"
        )
    elif status >= 500:
        hint = "WordPress failed on the server side; check the site's PHP error log and try again"
    else:
        hint = "See the WordPress message above"
    return WordPressError(what, hint, status=status, code=code or None, url=url)


# -- what can go wrong below HTTP (transport.Session raises these; the retry rule reads ``unsent``) ---------


class HTTPFailure(NoAnswer):
    """No complete answer came; the message says why (never a header, never a credential)."""


class ConnectFailed(HTTPFailure):
    """No connection was made (refused, unknown host, unreachable): nothing reached the server."""

    unsent = True


class Timeout(HTTPFailure):
    """No complete answer within the time allowed."""


class ConnectTimeout(Timeout):
    """No connection within the time allowed: nothing reached the server."""

    unsent = True


class TLSFailure(HTTPFailure):
    """The TLS handshake failed (an untrusted certificate, or no TLS on the other side)."""


class BrokenAnswer(HTTPFailure):
    """The connection broke while the server was answering (the answer is cut short)."""


class ConnectionLost(HTTPFailure):
    """The connection failed after it was made, before an answer began (reset, closed, not HTTP)."""


# How OpenSSL words "the other side is not TLS": Apache/nginx answer the ClientHello with an HTTP 400 page
# (WRONG_VERSION_NUMBER, or RECORD_LAYER_FAILURE on OpenSSL 3.2+); PHP's server just closes (UNEXPECTED_EOF).
_NOT_TLS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNEXPECTED_EOF_WHILE_READING", "UNKNOWN_PROTOCOL")


def connection_error(method: str, url: str, exc: HTTPFailure) -> WordPressError:
    """THE place saying why a connection failed; an SSL failure is told apart from a site that is down."""
    reason = str(exc)
    if isinstance(exc, TLSFailure):
        if any(sign in reason.upper().replace(" ", "_") for sign in _NOT_TLS):
            return SiteUnreachable(
                f"{method} {url}: the site does not speak HTTPS on this port (the TLS handshake got no TLS "
                "answer: a plain-HTTP server is listening there)",
                f"Use http:// in {URL_VAR} for this port, or the port the site serves HTTPS on",
                url=url,
            )
        if "CERTIFICATE_VERIFY_FAILED" in reason.upper():
            return SiteUnreachable(
                f"{method} {url}: the site's HTTPS certificate is not trusted by this machine",
                "Renew or fix the site's certificate, or add its CA to this machine's trust store "
                "(REQUESTS_CA_BUNDLE)",
                url=url,
            )
        return SiteUnreachable(
            f"{method} {url}: the HTTPS handshake failed ({exc})",
            f"Check the scheme and port in {URL_VAR} and the site's TLS set-up",
            url=url,
        )
    if isinstance(exc, Timeout):
        return SiteUnreachable(
            f"{method} {url}: no complete answer within {TIMEOUT_VAR} ({exc})",
            f"The site is slow or unreachable: raise {TIMEOUT_VAR} (it bounds the whole request: connection, "
            f"headers and body) or try again later; check {URL_VAR}",
            url=url,
        )
    if isinstance(exc, ConnectionLost):
        return SiteUnreachable(
            f"{method} {url}: the connection broke before WordPress answered ({exc})",
            f"Check {URL_VAR} and that the site is up; a rerun finds what this request may have created",
            url=url,
        )
    return SiteUnreachable(
        f"{method} {url}: cannot connect ({exc})",
        f"Check {URL_VAR} and that the site is up and reachable from this machine",
        url=url,
    )
