"""Publishing a series' posts: ONE function, :func:`publish_members`, which hands the drafted posts to
:func:`~digest_publisher.publishing.series_site.publish_series_site` (each post with a footer linking its
siblings and the series' index page, and the index page itself, a WordPress page), then writes each post's
preview page with the footer WordPress now shows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from .. import pipeline
from ..errors import DigestError
from ..models import Progress

if TYPE_CHECKING:
    from ..wordpress.site import Site
    from .run import SeriesJob, TopicRow
    from .state import SeriesState


def publish_members(
    rows: Sequence[TopicRow], *, job: SeriesJob, site: Site, status: str | None, transport: str,
    state: SeriesState, progress: Progress,
) -> dict[str, Any] | None:
    """Publish every drafted post of the series and its index page (exactly once: publishing's records make the
    re-publish of an unchanged post or page a no-write). A post WordPress refuses, or one edited there by a
    person (left alone), is its row's outcome; the others go on. Returns the index page's outcome
    (:meth:`PageResult.to_dict`), None when no post could be handed over."""
    from ..drafting import REPORT_FILE
    from ..publishing.series_site import SeriesMember, publish_series_site

    names = {t.number: t.name for t in job.topics()}
    members, by_number = [], {}
    for row in rows:
        folder = job.posts_dir / row.slug
        try:
            window = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))["window"]
            members.append(SeriesMember(row.number, names.get(row.number, row.label), folder,
                                        date.fromisoformat(window["from"]), date.fromisoformat(window["to"]),
                                        row.discussed))  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as exc:
            row.status, row.error = "failed (publish)", f"{folder / REPORT_FILE}: no readable window ({exc})"
            continue
        by_number[row.number] = row
    if not members:
        return None
    progress.stage("publish", len(members))
    series = job.topics()[0].series
    version = site.markup_version(job.posts_dir)

    def render(folder: Any) -> Any:
        return pipeline.render_for_site(folder, topics_path=job.topics_path, site_url=site.site_url,
                                        wp_version=version, cache="use")[1]  # fmt: skip

    done = publish_series_site(members, series=series, posts_dir=job.posts_dir, site=site, render=render,
                               status=status, transport=transport, wp_version=version)  # fmt: skip
    for result in done.members:
        row = by_number[result.topic_number]
        if not result.ok:
            why = result.message or result.action
            row.status, row.error = "failed (publish)", why if result.action == "failed" else f"{result.action}: {why}"
            progress.note(f"topic {row.label}: publish failed: {row.error}")
        else:
            row.status = "kept: edited in WordPress" if result.action == "edited-in-wordpress" else str(result.status)
            row.link = result.link or ""
            state.update(row.number, published={"id": result.wordpress_id, "status": result.status,
                                                "link": result.link, "action": result.action})  # fmt: skip
            try:  # the preview page shows the footer WordPress now has
                pipeline.render(row.slug, posts_dir=job.posts_dir, topics_path=job.topics_path,
                                site_url=site.site_url, wp_version=version)  # fmt: skip
            except DigestError as exc:
                progress.note(f"topic {row.label}: preview not written: {exc}")
        progress.advance("publish")
    return done.page.to_dict()
