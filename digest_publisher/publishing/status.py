"""``status``: each local post with its WordPress id, status and link, and whether the local source or the
WordPress post changed since the last publish (by the same rules publish and republish apply)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from ..errors import DigestError
from ..models import RenderedPost
from ..records import list_post_folders
from ..records.record import load_record
from ..wordpress.client import WordPressClient
from ..wordpress.posts import find_post, is_remote_edit
from ..wordpress.settings import WordPressSettings
from .publish import content_hash
from .results import known_state


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
    posts_dir: Path,
    settings: WordPressSettings | None,
    render: Callable[[Path], RenderedPost] | None,
    *,
    session: requests.Session | None = None,
) -> StatusReport:
    """Each local post with its WordPress id, status and link, and whether local and remote differ.

    ``render(folder)`` re-renders a post to compare its content hash; ``settings`` None skips the remote
    comparison (one GET per published post otherwise). When WordPress fails to answer, the remaining
    posts are not compared and the report carries the error.
    """
    client = WordPressClient(settings, session=session) if settings else None
    out: list[PostStatus] = []
    error: str | None = None
    for folder in list_post_folders(posts_dir):
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
        if client is not None and settings is not None:
            elsewhere = record.other_site(settings.site_url)
            if elsewhere:
                remote = f"not checked (published to {elsewhere})"
            elif error is not None:
                remote = "not checked (WordPress failed, see the error)"
            else:
                if record.rest_root and client.cached_root is None:
                    client.use_root(record.rest_root)
                try:
                    data = find_post(client, record.wordpress_id)
                except DigestError as exc:
                    error = str(exc)
                    out.append(PostStatus(folder.name, record.wordpress_id, status, link, local, f"error: {exc}"))
                    continue
                if data is None:
                    remote = "missing on WordPress (deleted)"
                else:
                    status, link = data.get("status"), data.get("link")
                    if data.get("status") == "trash":
                        remote = "in the trash"
                    elif is_remote_edit(known_state(record), data):  # the rule publish and republish apply
                        remote = f"edited in WordPress at {data.get('modified_gmt')} UTC"
                    else:
                        remote = "same"
        last = record.history[-1] if record.history else None
        out.append(PostStatus(folder.name, record.wordpress_id, status, link, local, remote, last))
    return StatusReport(out, error)
