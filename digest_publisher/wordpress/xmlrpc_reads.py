"""What ``status`` and ``history`` read of a post over XML-RPC (``--transport xmlrpc``), for sites whose
REST API is turned off: the post's state (``wp.getPost``) and its revisions (``wp.getRevisions``), in
the shapes the REST reads give. The connection, its errors and the XML-RPC quirks (``collections``
alias, scheduled posts read as 'publish') are ``xmlrpc_connection.py``'s: one place each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wordpress_xmlrpc.methods import posts as post_methods

from ..errors import WordPressError
from .connection_settings import WordPressSettings
from .xmlrpc_connection import XmlRpcConnection, gmt_of, status_of, xmlrpc_fingerprint


@dataclass(frozen=True)
class XmlRpcPost:
    """A post as ``status`` compares it: what a reader sees and what tells an edit in WordPress."""

    id: int
    status: str | None
    link: str | None
    modified_gmt: str | None
    fingerprint: str


class XmlRpcReader:
    """Reads posts and revisions through ``xmlrpc.php`` as the configured user."""

    def __init__(self, settings: WordPressSettings) -> None:
        self.connection = XmlRpcConnection(settings)

    @property
    def request_count(self) -> int:
        return self.connection.request_count

    def find_post(self, post_id: int) -> XmlRpcPost | None:
        """The post (any status, the trash included), or None when WordPress has no such post."""
        try:
            item = self.connection.call(post_methods.GetPost(post_id), f"wp.getPost {post_id}")
        except WordPressError as exc:
            if exc.status == 404:
                return None
            raise
        return XmlRpcPost(
            id=post_id,
            status=status_of(item),
            link=getattr(item, "link", None),
            modified_gmt=gmt_of(item, "date_modified"),
            fingerprint=xmlrpc_fingerprint(item),
        )

    def list_revisions(self, post_id: int) -> list[dict[str, Any]]:
        """Every revision WordPress keeps of the post, shaped as the REST API gives them (raw fields)."""
        # Without fields WordPress sends only the dates; "post" is every field of the revision.
        items = self.connection.call(post_methods.GetRevisions(post_id, ["post"]), f"wp.getRevisions {post_id}")
        out: list[dict[str, Any]] = []
        for item in items or []:
            author = str(getattr(item, "user", "") or "")
            out.append(
                {
                    "id": int(getattr(item, "id", 0) or 0),
                    "date_gmt": gmt_of(item, "date"),
                    "author": int(author) if author.isdigit() else None,
                    "title": {"raw": str(getattr(item, "title", "") or "")},
                    "content": {"raw": str(getattr(item, "content", "") or "")},
                    "excerpt": {"raw": str(getattr(item, "excerpt", "") or "")},
                }
            )
        return out
