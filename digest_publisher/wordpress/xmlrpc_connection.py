"""The XML-RPC connection (``xmlrpc.php``) of the XML-RPC transport and the shapes of what it reads.

Uses python-wordpress-xmlrpc 2.3 and works around its quirks (measured, see notes/wordpress.md s. 8):

* it uses ``collections.Iterable``, removed in Python 3.10: aliased below, in this module only (every
  XML-RPC module imports this one first);
* every XML-RPC fault 403 becomes ``InvalidCredentialsError`` (also "Invalid term ID."): the credentials
  are checked first with ``wp.getProfile``, so a later 403 is reported as the refusal it is;
* scheduled posts read back as ``post_status='publish'``: a post whose GMT date is ahead is scheduled
  (:func:`status_of`).
"""

from __future__ import annotations

import collections
import collections.abc
import http.client
import xml.parsers.expat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

if not hasattr(collections, "Iterable"):  # python-wordpress-xmlrpc 2.3 predates Python 3.10
    collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]

from wordpress_xmlrpc import Client
from wordpress_xmlrpc.compat import xmlrpc_client
from wordpress_xmlrpc.exceptions import (
    InvalidCredentialsError,
    ServerConnectionError,
    UnsupportedXmlrpcMethodError,
    XmlrpcDisabledError,
)
from wordpress_xmlrpc.methods import users

from ..errors import WordPressError
from .connection_settings import APP_PASSWORD_VAR, USERNAME_VAR, WordPressSettings
from .fingerprints import fingerprint


class _Counting:
    """Mixed into xmlrpc.client's transports: a timeout on every call and a request counter."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.count = 0

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection = super().make_connection(host)  # type: ignore[misc]
        connection.timeout = self.timeout
        return connection

    def request(self, host: Any, handler: Any, request_body: Any, verbose: bool = False) -> Any:
        self.count += 1
        return super().request(host, handler, request_body, verbose)  # type: ignore[misc]


class _CountingTransport(_Counting, xmlrpc_client.Transport):  # type: ignore[misc]
    """http:// sites."""


class _CountingSafeTransport(_Counting, xmlrpc_client.SafeTransport):  # type: ignore[misc]
    """https:// sites."""


def xmlrpc_url(settings: WordPressSettings) -> str:
    return settings.site_url + "/xmlrpc.php"



class XmlRpcConnection:
    """Calls ``xmlrpc.php`` as the configured user: a timeout and a count on every request, the library's
    exceptions turned into errors that say what to do, and writes withheld in a dry run."""

    def __init__(self, settings: WordPressSettings, *, dry_run: bool = False) -> None:
        self.settings = settings
        self.url = xmlrpc_url(settings)
        self.dry_run = dry_run
        self._transport = (_CountingSafeTransport if self.url.startswith("https:") else _CountingTransport)(
            settings.timeout
        )
        self._client: Client | None = None
        self._verified_credentials = False
        self.planned: list[dict[str, Any]] = []

    @property
    def request_count(self) -> int:
        return int(self._transport.count)

    @property
    def client(self) -> Client:
        if self._client is None:
            with self._translated("connect"):
                self._client = Client(
                    self.url, self.settings.username, self.settings.app_password, transport=self._transport
                )
        return self._client

    def call(self, method: Any, what: str) -> Any:
        with self._translated(what):
            return self.client.call(method)

    def write(self, method: Any, what: str, shown: dict[str, Any]) -> Any:
        """A write: sent, or in a dry run only recorded (and answered with a placeholder id)."""
        self.planned.append(
            {
                "method": "POST",
                "url": self.url,
                "xmlrpc": method.method_name,
                "label": what,
                "body": shown,
                "sent": not self.dry_run,
            }
        )
        if self.dry_run:
            return -len(self.planned)
        return self.call(method, what)

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        """Turn python-wordpress-xmlrpc's exceptions into errors that say what to do."""
        where = f"XML-RPC {what} at {self.url}"
        try:
            yield
        except InvalidCredentialsError as exc:
            if self._verified_credentials:
                # Quirk: the library maps EVERY fault 403 to "invalid credentials"; ours were accepted.
                raise WordPressError(
                    f"{where} was refused (XML-RPC fault 403: {exc})",
                    "The credentials are fine; the user lacks permission or an id sent is invalid (e.g. a "
                    "term or attachment id): fix the post or use a user with a higher role",
                    status=403,
                    code="xmlrpc_403",
                    url=self.url,
                ) from None
            raise WordPressError(
                f"{where}: WordPress rejected the user {self.settings.username!r} ({exc})",
                f"Check {USERNAME_VAR} and {APP_PASSWORD_VAR} (XML-RPC accepts the Application Password)",
                status=403,
                code="xmlrpc_bad_credentials",
                url=self.url,
            ) from None
        except XmlrpcDisabledError as exc:
            raise WordPressError(
                f"{where}: XML-RPC is disabled on this site ({exc})",
                "Enable XML-RPC (a security plugin may have turned it off) or use --transport rest",
                status=405,
                code="xmlrpc_disabled",
                url=self.url,
            ) from None
        except UnsupportedXmlrpcMethodError as exc:
            raise WordPressError(
                f"{where}: the site does not offer {exc}",
                "Use --transport rest",
                url=self.url,
            ) from None
        except xmlrpc_client.Fault as exc:
            hint = {
                401: "The user's role does not allow this (e.g. authors cannot create categories): use an "
                "editor or administrator, or create the missing pieces first",
                404: "An id sent does not exist on the site (post or image deleted?): remove the stale id "
                "from record.json and publish again",
            }.get(exc.faultCode, "See the WordPress message above")
            raise WordPressError(
                f"{where} failed: fault {exc.faultCode}: {exc.faultString}",
                hint,
                status=exc.faultCode,
                code=f"xmlrpc_{exc.faultCode}",
                url=self.url,
            ) from None
        except (ServerConnectionError, xmlrpc_client.ProtocolError) as exc:
            raise WordPressError(
                f"{where}: the server did not answer as XML-RPC ({exc})",
                "Check WORDPRESS_URL; xmlrpc.php may be blocked by the web server or a security plugin",
                url=self.url,
            ) from None
        except xml.parsers.expat.ExpatError as exc:
            raise WordPressError(
                f"{where}: the answer is not XML ({exc})",
                "xmlrpc.php answered with something else (an HTML page?): check WORDPRESS_URL and plugins",
                url=self.url,
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise WordPressError(
                f"{where}: cannot connect ({exc})",
                "Check WORDPRESS_URL and that the site is up",
                url=self.url,
            ) from None

    def probe_credentials(self) -> bool:
        """True if XML-RPC accepts the credentials; False if it rejects them. Errors propagate."""
        try:
            self.call(users.GetUserInfo(), "wp.getProfile")
        except WordPressError as exc:
            if exc.code == "xmlrpc_bad_credentials":
                return False
            raise
        return True


def xmlrpc_fingerprint(item: Any) -> str:
    """The stored fields of a post read over XML-RPC (see rest.rest_fingerprint)."""
    thumbnail = getattr(item, "thumbnail", None)
    return fingerprint(
        "xmlrpc",
        {
            "title": getattr(item, "title", None),
            "content": getattr(item, "content", None),
            "excerpt": getattr(item, "excerpt", None),
            "slug": getattr(item, "slug", None),
            "terms": sorted(f"{t.taxonomy}:{t.name}" for t in getattr(item, "terms", None) or []),
            "thumbnail": thumbnail.get("attachment_id") if isinstance(thumbnail, dict) else None,
            "date": gmt_of(item, "date"),
        },
    )


def gmt_of(item: Any, attribute: str) -> str | None:
    value = getattr(item, attribute, None)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return None


def status_of(item: Any) -> str | None:
    """Quirk: XML-RPC reports scheduled posts as 'publish'; a GMT date still ahead means scheduled."""
    status = getattr(item, "post_status", None)
    date = getattr(item, "date", None)
    if status == "publish" and isinstance(date, datetime) and date.replace(tzinfo=UTC) > datetime.now(UTC):
        return "future"
    return None if status is None else str(status)
