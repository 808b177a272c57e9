"""The series as a whole on the site: every topic's post, each linking its siblings, and one index page.

:func:`publish_series_site` publishes each member's post through :func:`~digest_publisher.publishing.publish.
publish_post` (the one publish path: its record, journal, remote-edit rule and same-site rule) and the series'
index page through :func:`~digest_publisher.publishing.series_page.publish_page`.

Where the sibling links live: in ``series.json`` beside each post.md (:mod:`digest_publisher.records.
series_links`), written by this module and turned by the renderer into a "More in the series" section at the end
of the post (:mod:`digest_publisher.render.series`). Not in post.md: that is the editor's file, and the tool's
own change must neither overwrite an edit nor trip "post.md edited since drafted". Not added after rendering:
``publish``, ``status`` and ``republish`` render the post themselves and would then send or compare a post
without its footer. The links are the posts' own ``link`` as WordPress answered it (a draft's ``?p=ID``, a
published post's permalink), read from their records.

The order keeps writes to one per changed post: the members WordPress does not have yet are created first
(their footers link what already exists), then the index page is created if it is new, then every member is
published with the complete links (a post whose footer and source did not change costs one read and no write)
and the page, which is written only when a row of it changed. When a link moved in that pass (a status change:
a draft published gets its permalink), the pass runs again, so one run leaves every footer and the page
linking what WordPress serves (a drafted series published costs each post two updates). One member that fails
(or was edited in WordPress, or belongs to another site) is reported and left out; the others and the page go
on.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DigestError, PostSourceError, WordPressError
from ..models import RenderedPost
from ..records import SLUG_RE, SeriesLinks, SiblingLink, posts_dir_of, save_series_links, series_page_folder
from ..records.record import load_record
from ..render import IndexRow, index_page_content, index_title, title_text
from ..wordpress.connection_settings import WordPressSettings
from ..wordpress.terms import wp_slug
from ..wordpress.transport import Session
from .publish import apply_overrides, publish_post
from .sent import ResidueCheck, check_residue
from .series_page import EDITED, PageResult, publish_page

#: Renders a member's post folder as ``publish`` does (the pipeline's ``render_for_site``).
Renderer = Callable[[Path], RenderedPost]

FAILED = frozenset({"failed", "other-site"})
#: Passes over the posts and the page after the creates: one when no link moves; a second when one did (a draft
#: published gets its permalink, so the footers that show it change); a third only if the second moved one.
MAX_PASSES = 3


@dataclass(frozen=True)
class SeriesMember:
    """One topic's post of the series: its folder under the posts folder (post.md, draft-report.json), its
    window and how many papers it discusses."""

    topic_number: str  # "07"
    topic_name: str  # "RL & Post-Training"
    folder: Path
    window_from: date
    window_to: date
    discussed: int


@dataclass
class MemberResult:
    """What happened to one member's post in this run. ``actions``: each publish of it, in order (created,
    updated, unchanged, edited-in-wordpress, failed, other-site)."""

    topic_number: str
    topic_name: str
    slug: str
    actions: list[str] = field(default_factory=list)
    wordpress_id: int | None = None
    status: str | None = None
    link: str | None = None
    message: str = ""
    requests: int = 0

    @property
    def action(self) -> str:
        """The run in one word: created or updated when it was written, else the last outcome."""
        for wrote in ("created", "updated"):
            if wrote in self.actions:
                return wrote
        return self.actions[-1] if self.actions else "skipped"

    @property
    def ok(self) -> bool:
        return self.action not in FAILED

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "action": self.action, "ok": self.ok}


@dataclass
class SeriesSiteReport:
    """What :func:`publish_series_site` did: each member's post and the index page."""

    series: str
    members: list[MemberResult]
    page: PageResult
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(m.requests for m in self.members) + self.page.requests

    @property
    def ok(self) -> bool:
        return all(m.ok for m in self.members) and self.page.action not in FAILED

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def lines(self) -> list[str]:
        """One line per post and one for the page, for a terminal or cron mail."""
        out = []
        for m in self.members:
            state = f"post {m.wordpress_id}, {m.status}" if m.wordpress_id else "no post"
            out.append(f"{m.topic_number} {m.topic_name}: {m.action} ({state}) {m.link or ''}".rstrip()
                       + (f": {m.message}" if m.message else ""))  # fmt: skip
        out.append(self.page.line())
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "ok": self.ok,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "members": [m.to_dict() for m in self.members],
            "page": self.page.to_dict(),
        }


def default_page_slug(series: str) -> str:
    """The index page's slug when none is given: its title as WordPress would slug it."""
    return wp_slug(index_title(series))


def publish_series_site(
    members: Sequence[SeriesMember],
    *,
    series: str,
    posts_dir: Path,
    settings: WordPressSettings,
    render: Renderer,
    status: str | None = None,
    transport: str = "rest",
    page_status: str | None = None,
    page_slug: str | None = None,
    wp_version: str | None = None,
    force_page: bool = False,
    session: Session | None = None,
    residue_check: ResidueCheck = check_residue,
) -> SeriesSiteReport:
    """Publish every member's post with a footer linking its siblings and the index page, and create or update
    the series' index page (see the module docstring for the order). ``status`` overrides each post's front
    matter as ``publish --status`` does; ``page_status`` is the page's (default: ``status``, else draft).
    ``render`` renders a member's folder as ``publish`` does; ``wp_version`` is the site's markup version for
    the page. The page is always written over REST (posts over ``transport``). Never raises for one member or
    the page: each outcome is in the report (raises :class:`~digest_publisher.errors.ConfigError` only for
    arguments that name no series: no members, a slug WordPress would not keep, two members of one topic)."""
    started = time.perf_counter()
    slug = page_slug or default_page_slug(series)
    _check_arguments(members, slug)
    ordered = sorted(members, key=lambda m: m.topic_number)
    results = {m.topic_number: MemberResult(m.topic_number, m.topic_name, m.folder.name) for m in ordered}
    page_folder = series_page_folder(posts_dir, slug)
    site = _Site(settings, page_folder)
    page = PageResult(slug, "skipped")

    def publish_member(member: SeriesMember) -> None:
        result = results[member.topic_number]
        try:
            links = SeriesLinks(
                series=series,
                siblings=tuple(SiblingLink(o.topic_number, o.topic_name, link) for o in ordered
                               if o is not member and (link := site.post_link(o.folder))),
                index_title=index_title(series) if site.page_link() else None,
                index_link=site.page_link(),
            )  # fmt: skip
            save_series_links(member.folder, links)
            rendered = apply_overrides(render(member.folder), status, None)
            report = publish_post(rendered, member.folder, settings, transport=transport, session=session,
                                  posts_dir=posts_dir_of(member.folder), residue_check=residue_check)  # fmt: skip
        except DigestError as exc:
            result.actions.append(_failure_action(exc))
            result.message = str(exc)
            return
        outcome = report.outcome
        result.actions.append(outcome.action)
        result.wordpress_id, result.status, result.link = outcome.post_id, outcome.status, outcome.link
        result.requests += report.requests
        result.message = ""

    def publish_index() -> None:
        nonlocal page
        rows = [_row(m, site, render) for m in ordered]
        try:
            content = index_page_content(series, rows, wp_version)
            rendered = RenderedPost(
                slug=slug, title=title_text(index_title(series)), content=content, excerpt="", content_format="blocks",
                status=page_status or status or "draft", date_gmt=None, categories=(), tags=(), featured_image=None,
                post_object={},
            )  # fmt: skip
            done = publish_page(rendered, page_folder, settings, posts_dir=posts_dir, session=session,
                                force=force_page, residue_check=residue_check)  # fmt: skip
        except DigestError as exc:
            page = PageResult(slug, _failure_action(exc), message=str(exc), requests=page.requests)
            return
        done.requests += page.requests
        if page.action == "created" or (done.action == "unchanged" and page.action in ("updated", "verified")):
            done.action, done.message = page.action, page.message  # what this run did to it first says more
        page = done

    for member in ordered:  # 1. the posts WordPress does not have yet
        if site.post_link(member.folder) is None:
            publish_member(member)
    if site.page_link() is None:  # 2. a new index page, so that every footer can link it
        publish_index()
    for _ in range(MAX_PASSES):  # 3. every post with the complete links, then the page, until no link moves
        seen = site.links(ordered)
        for member in ordered:  # a write only where the source or the footer changed
            if results[member.topic_number].ok:
                publish_member(member)
        if page.action not in FAILED | {EDITED}:  # written only when a row changed
            publish_index()
        if site.links(ordered) == seen:
            break
    return SeriesSiteReport(series, [results[m.topic_number] for m in ordered], page, time.perf_counter() - started)


class _Site:
    """The links WordPress serves for the series' posts and page, read from their records (this site's only)."""

    def __init__(self, settings: WordPressSettings, page_folder: Path) -> None:
        self.site_url = settings.site_url
        self.page_folder = page_folder

    def post_link(self, folder: Path) -> str | None:
        return self._link(folder)

    def page_link(self) -> str | None:
        return self._link(self.page_folder)

    def links(self, members: Sequence[SeriesMember]) -> list[str | None]:
        return [*(self.post_link(m.folder) for m in members), self.page_link()]

    def _link(self, folder: Path) -> str | None:
        try:
            record = load_record(folder)
        except PostSourceError:
            return None  # its publish reports the broken record
        if record is None or record.wordpress_id is None or record.site_url != self.site_url:
            return None
        return record.link


def _row(member: SeriesMember, site: _Site, render: Renderer) -> IndexRow:
    link = site.post_link(member.folder)
    title = member.topic_name
    if link is not None:
        with contextlib.suppress(DigestError):  # the post's own publish reported why; the row names the topic
            title = render(member.folder).title
    return IndexRow(member.topic_number, member.topic_name, member.window_from, member.window_to, member.discussed,
                    html.unescape(title), link)  # fmt: skip


def _failure_action(exc: DigestError) -> str:
    if isinstance(exc, WordPressError) and exc.code == "remote_modified":
        return EDITED
    if isinstance(exc, WordPressError) and exc.code == "other_site":
        return "other-site"
    return "failed"


def _check_arguments(members: Sequence[SeriesMember], slug: str) -> None:
    if not members:
        raise ConfigError("the series has no members", "Pass the topics' drafted posts (one SeriesMember each)")
    numbers = [m.topic_number for m in members]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:
        raise ConfigError(f"topic(s) {', '.join(twice)} appear twice in the series", "Pass one post per topic")
    if not SLUG_RE.match(slug):
        raise ConfigError(
            f"the index page's slug {slug!r} is not one WordPress keeps as given",
            "Use lowercase letters, digits and hyphens (e.g. frontier-ai-research-digest-backfill-series)",
        )
