"""What a post of a series links to, kept beside it: ``posts/<slug>/series.json``; and where the series' index
page keeps its record: ``posts/.series/<page-slug>/record.json``.

``series.json`` is written by the series publisher (never by a person) and read by the renderer, which turns
it into the post's "More in the series" footer. It lives beside post.md, not in it: post.md is the editor's
file, and the tool's own change to the links must neither overwrite an edit nor count as one ("edited since
drafted" compares post.md's body with the draft report). Because the renderer reads it, every verb that
renders the post (``render``, ``publish``, ``status``, ``republish``) sends and compares the same footer, and
the render cache counts it among the files it reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PostSourceError
from .atomic import atomic_write_json

SERIES_LINKS_FILE = "series.json"
SERIES_DIR = ".series"  # in the posts folder: one folder per series index page (its record.json)


@dataclass(frozen=True)
class SiblingLink:
    """Another post of the series, as WordPress serves it."""

    topic_number: str
    topic_name: str
    link: str


@dataclass(frozen=True)
class SeriesLinks:
    """The links a post's footer shows: its siblings (ordered by topic number) and the series' index page."""

    series: str
    siblings: tuple[SiblingLink, ...] = ()
    index_title: str | None = None
    index_link: str | None = None

    @property
    def empty(self) -> bool:
        return not self.siblings and not self.index_link

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "series": self.series,
            "siblings": [
                {"topic_number": s.topic_number, "topic_name": s.topic_name, "link": s.link} for s in self.siblings
            ],
            "index": {"title": self.index_title, "link": self.index_link} if self.index_link else None,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> SeriesLinks:
        try:
            if not isinstance(data, dict):
                raise TypeError("must be a JSON object")
            siblings = tuple(
                SiblingLink(str(item["topic_number"]), str(item["topic_name"]), str(item["link"]))
                for item in data.get("siblings") or []
            )
            index = data.get("index")
            if index is not None and not isinstance(index, dict):
                raise TypeError("'index' must be an object")
            return cls(
                series=str(data["series"]),
                siblings=siblings,
                index_title=str(index["title"]) if index and index.get("title") else None,
                index_link=str(index["link"]) if index and index.get("link") else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PostSourceError(
                f"{where}: the series links are malformed ({exc})",
                "Delete it: the series publisher writes it again on its next run",
            ) from exc


def load_series_links(folder: Path) -> SeriesLinks | None:
    """The post's series links, or None when it is in no series (or the folder does not exist yet)."""
    path = folder / SERIES_LINKS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise PostSourceError(f"{path}: cannot read the series links ({exc})", "Check the file, or delete it") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PostSourceError(
            f"{path}:{exc.lineno}: the series links are not JSON ({exc.msg})",
            "Delete it: the series publisher writes it again on its next run",
        ) from exc
    return SeriesLinks.from_dict(data, str(path))


def save_series_links(folder: Path, links: SeriesLinks) -> bool:
    """Write the post's series links (atomically) when they changed; True when the file was written."""
    try:
        current = load_series_links(folder)
    except PostSourceError:
        current = None  # a broken file is replaced by the right one
    if current == links:
        return False
    atomic_write_json(folder / SERIES_LINKS_FILE, links.to_dict())
    return True


def series_page_folder(posts_dir: Path, page_slug: str) -> Path:
    """The folder of a series index page's record (created on first use)."""
    folder = posts_dir / SERIES_DIR / page_slug
    folder.mkdir(parents=True, exist_ok=True)
    return folder
