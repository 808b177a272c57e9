"""Publishing a series' posts: ONE function, :func:`publish_members`, so what the series adds on the site
(an index page, sibling links) is called from one place once it exists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import pipeline
from ..errors import DigestError
from ..models import Progress

if TYPE_CHECKING:
    from ..wordpress.settings import WordPressSettings
    from .run import SeriesJob, TopicRow
    from .state import SeriesState


def publish_members(
    rows: Sequence[TopicRow], *, job: SeriesJob, settings: WordPressSettings, status: str | None, transport: str,
    state: SeriesState, progress: Progress,
) -> None:
    """Render each drafted post (its preview page) and publish it through :func:`pipeline.publish` (exactly
    once: publishing's records make the re-publish of an unchanged post a no-write). A post WordPress
    refuses fails its row alone; the others go on."""
    progress.stage("publish", len(rows))
    for row in rows:
        try:
            pipeline.render(row.slug, posts_dir=job.posts_dir, topics_path=job.topics_path,
                            site_url=settings.site_url)  # fmt: skip
            done = pipeline.publish(row.slug, posts_dir=job.posts_dir, settings=settings,
                                    topics_path=job.topics_path, status=status, transport=transport)  # fmt: skip
        except DigestError as exc:
            row.fail("publish", exc)
            progress.note(f"topic {row.label}: publish failed: {exc}")
        else:
            summary = done.summary()
            row.status, row.link = str(summary["status"]), str(summary["link"] or "")
            state.update(row.number, published={"id": summary["id"], "status": summary["status"],
                                                "link": summary["link"], "action": summary["action"]})  # fmt: skip
        progress.advance("publish")
