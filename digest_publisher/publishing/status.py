"""``status``: each local post with its WordPress id, status and link, and whether the local source or the
WordPress post changed since the last publish (by the same rules publish and republish apply)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import DigestError
from ..models import RenderedPost
from ..records.record import NO_SITE, PostRecord, load_record
from ..wordpress.client import WordPressClient
from ..wordpress.connection_settings import WordPressSettings
from ..wordpress.fingerprints import remote_edit
from ..wordpress.posts import find_post, is_remote_edit
from ..wordpress.transport import Session
from .results import known_state, other_site_error
from .sent import content_hash


@dataclass
class PostStatus:
    slug: str
    wordpress_id: int | None
    status: str | None
    link: str | None
    local: str  # "same", "changed", "not published", or "render error: ..."
    remote: str  # "same", "edited in WordPress", "missing", "not checked", ...
    last_publish: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StatusReport:
    """Every post's status, and the error that stopped the comparison with WordPress (exit code 1)."""

    posts: list[PostStatus]
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.error else 0

    def to_dict(self) -> dict[str, Any]:
        return {"exit_code": self.exit_code, "error": self.error, "posts": [p.to_dict() for p in self.posts]}


def post_statuses(
    folders: Sequence[Path],
    settings: WordPressSettings | None,
    render: Callable[[Path], RenderedPost] | None,
    *,
    transport: str = "rest",
    session: Session | None = None,
) -> StatusReport:
    """Each post of ``folders`` with its WordPress id, status and link, and whether local and remote differ.

    ``render(folder)`` re-renders a post to compare its content hash; ``settings`` None skips the remote
    comparison (one read per published post otherwise, over REST or, with ``transport`` "xmlrpc", over
    XML-RPC). When WordPress fails to answer, the remaining posts are not compared and the report
    carries the error.
    """
    read = _remote_reader(settings, transport, session) if settings else None
    out: list[PostStatus] = []
    error: str | None = None
    refused: str | None = None  # a record of another site: the others are compared, the exit code is 1
    for folder in folders:
        record = load_record(folder)
        if record is None or record.wordpress_id is None:
            out.append(PostStatus(folder.name, None, None, None, "not published", "-"))
            continue
        local = "not checked"
        if render is not None:
            try:
                local = "same" if content_hash(render(folder)) == record.content_hash else "changed"
            except DigestError as exc:
                local = f"render error: {exc.message}"
        if record.content_hash is None:
            local = "last publish not verified"
        remote = "not checked (no WordPress settings)"
        status, link = record.status, record.link
        if read is not None and settings is not None:
            elsewhere = record.other_site(settings.site_url)
            if elsewhere:
                remote = f"not checked ({'no site recorded' if elsewhere == NO_SITE else 'published to ' + elsewhere})"
                refused = refused or str(other_site_error(folder, elsewhere, settings.site_url))
            elif error is not None:
                remote = "not checked (WordPress failed, see the error)"
            else:
                try:
                    status, link, remote = read(record)
                except DigestError as exc:
                    error = str(exc)
                    remote = f"error: {exc}"
        last = record.history[-1] if record.history else None
        out.append(PostStatus(folder.name, record.wordpress_id, status, link, local, remote, last))
    return StatusReport(out, error or refused)


# (record) -> (status, link, how the remote compares): "same", "edited in WordPress at ...", ...
RemoteRead = Callable[[PostRecord], tuple[str | None, str | None, str]]


def _remote_reader(settings: WordPressSettings, transport: str, session: Session | None) -> RemoteRead:
    """How the post of a record is read and compared, by the same edit rule publish and republish apply."""
    if transport == "xmlrpc":
        from ..wordpress.xmlrpc_reads import XmlRpcReader  # loads python-wordpress-xmlrpc only when used

        reader = XmlRpcReader(settings)

        def over_xmlrpc(record: PostRecord) -> tuple[str | None, str | None, str]:
            post = reader.find_post(record.wordpress_id or 0)
            if post is None:
                return record.status, record.link, "missing on WordPress (deleted)"
            if post.status == "trash":
                return post.status, post.link, "in the trash"
            if remote_edit(known_state(record), post.modified_gmt, post.fingerprint):
                return post.status, post.link, f"edited in WordPress at {post.modified_gmt} UTC"
            return post.status, post.link, "same"

        return over_xmlrpc
    client = WordPressClient(settings, session=session)

    def over_rest(record: PostRecord) -> tuple[str | None, str | None, str]:
        if record.rest_root and client.cached_root is None:
            client.use_root(record.rest_root)
        data = find_post(client, record.wordpress_id or 0)
        if data is None:
            return record.status, record.link, "missing on WordPress (deleted)"
        status, link = data.get("status"), data.get("link")
        if status == "trash":
            return status, link, "in the trash"
        if is_remote_edit(known_state(record), data):
            return status, link, f"edited in WordPress at {data.get('modified_gmt')} UTC"
        return status, link, "same"

    return over_rest
