"""``history SLUG``: the local publish history of a post beside WordPress's revisions of it.

WordPress keeps a revision per update of title, content or excerpt; a post's first version, as created,
is not a revision."""

from __future__ import annotations

import difflib
import html
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..records.record import load_record
from ..wordpress.client import WordPressClient
from ..wordpress.connection_settings import WordPressSettings
from ..wordpress.posts import list_revisions, raw_field
from ..wordpress.transport import Session
from .results import refuse_other_site

if TYPE_CHECKING:
    from ..wordpress.xmlrpc_reads import XmlRpcReader


@dataclass
class RevisionInfo:
    """One WordPress revision and what changed from the one before it."""

    id: int
    date_gmt: str | None
    author: int | None
    changed: list[str]  # e.g. ["title", "content (3 lines)"]; ["first kept version"] for the oldest
    title: str


@dataclass
class PostHistory:
    slug: str
    wordpress_id: int | None
    status: str | None
    link: str | None
    local: list[str]
    revisions: list[RevisionInfo]  # newest first
    remote_copies: list[str]  # remote-<time>.json files saved by --force
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def history(
    folder: Path,
    settings: WordPressSettings | None,
    *,
    transport: str = "rest",
    session: Session | None = None,
) -> PostHistory:
    """The local publish history of a post beside WordPress's revisions of it (``settings`` None: local
    only; ``transport`` "xmlrpc" reads them over XML-RPC). WordPress keeps a revision per update of title,
    content or excerpt; a post's first version, as created, is not a revision."""
    slug = folder.name
    record = load_record(folder)
    copies = sorted(p.name for p in folder.glob("remote-*.json"))
    if record is None or record.wordpress_id is None:
        return PostHistory(slug, None, None, None, list(record.history) if record else [], [], copies)
    out = PostHistory(slug, record.wordpress_id, record.status, record.link, list(record.history), [], copies)
    if settings is None:
        return out
    refuse_other_site(folder, record, settings)  # the same-site rule, before any request
    reader: WordPressClient | XmlRpcReader
    if transport == "xmlrpc":
        from ..wordpress.xmlrpc_reads import XmlRpcReader  # loads python-wordpress-xmlrpc only when used

        reader = XmlRpcReader(settings)
        raw = reader.list_revisions(record.wordpress_id)
    else:
        reader = WordPressClient(settings, session=session, rest_root=record.rest_root)
        raw = list_revisions(reader, record.wordpress_id)
    raw.sort(key=lambda r: (str(r.get("date_gmt") or ""), int(r.get("id") or 0)), reverse=True)
    for index, item in enumerate(raw):
        older = raw[index + 1] if index + 1 < len(raw) else None
        out.revisions.append(
            RevisionInfo(
                id=int(item["id"]),
                date_gmt=item.get("date_gmt"),
                author=item.get("author") if isinstance(item.get("author"), int) else None,
                changed=_what_changed(older, item),
                title=html.unescape(_text(item, "title")),  # stored escaped; shown as text
            )
        )
    out.requests = reader.request_count
    return out


def _what_changed(older: dict[str, Any] | None, newer: dict[str, Any]) -> list[str]:
    if older is None:
        return ["first kept version"]
    changed: list[str] = []
    for key in ("title", "content", "excerpt"):
        before, after = _text(older, key), _text(newer, key)
        if before == after:
            continue
        if key == "content":
            diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            lines = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
            changed.append(f"content ({lines} line(s))")
        else:
            changed.append(key)
    return changed or ["nothing in title, content or excerpt"]


def _text(post: dict[str, Any], key: str) -> str:
    return str(raw_field(post, key) or "")
