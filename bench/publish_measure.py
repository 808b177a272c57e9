"""Publishing and republish measurements for ``make bench`` (requests and wall time against a real WordPress).

Benchmark code lives here, outside the package: the package publishes, this measures it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digest_publisher.models import PostKind, RenderedPost
from digest_publisher.publishing.publish import publish_post
from digest_publisher.publishing.republish import RenderFolder, republish
from digest_publisher.publishing.sent import ResidueCheck
from digest_publisher.records import PostSource, write_post
from digest_publisher.records.record import load_record, load_site_facts, update_site_facts
from digest_publisher.render.residue import check_residue
from digest_publisher.wordpress.client import WordPressClient
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.posts import list_posts_by_id
from digest_publisher.wordpress.site import Site


def measure_publishing(
    rendered: RenderedPost,
    settings: WordPressSettings,
    work_dir: Path,
    *,
    residue_check: ResidueCheck = check_residue,
    suffix: str | None = None,
) -> list[dict[str, Any]]:
    """For ``make bench``: requests and wall time of a first REST publish, an unchanged re-publish, and
    a first publish via XML-RPC. Uses fresh slugs (``<slug>-<suffix>``) and folders under ``work_dir``
    so every "first" publish really is one."""
    token = suffix or datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    rows: list[dict[str, Any]] = []
    rest_post = replace(rendered, slug=f"{rendered.slug}-{token}")
    rest_dir = work_dir / rest_post.slug
    # A post's first publish on a site the posts folder already knows (its REST root is remembered in
    # .sites.json): the discovery a posts folder makes once is not part of every first publish.
    if load_site_facts(work_dir, settings.site_url).rest_root is None:
        update_site_facts(work_dir, settings.site_url, rest_root=WordPressClient(settings).discover_root())
    for case in ("first publish (REST)", "unchanged re-publish (REST)"):
        report = publish_post(rest_post, rest_dir, Site(settings), residue_check=residue_check, posts_dir=work_dir)
        rows.append(
            {
                "case": case,
                "requests": report.requests,
                "seconds": round(report.seconds, 3),
                "action": report.outcome.action,
                "id": report.outcome.post_id,
            }
        )
    xml_post = replace(rendered, slug=f"{rendered.slug}-{token}-xmlrpc")
    report = publish_post(
        xml_post, work_dir / xml_post.slug, Site(settings), transport="xmlrpc", residue_check=residue_check
    )
    rows.append(
        {
            "case": "first publish (XML-RPC)",
            "requests": report.requests,
            "seconds": round(report.seconds, 3),
            "action": report.outcome.action,
            "id": report.outcome.post_id,
        }
    )
    return rows


BENCH_SLUG = "bench-republish-{:03d}"


_BENCH_BODY = """## What changed this week

Reinforcement learning after pre-training keeps improving reasoning, and {n} careful studies agree.

## Why it matters

Reward models drift; careful data beats more data.
"""


def measure_republish_pass(
    settings: WordPressSettings,
    posts_dir: Path,
    n: int = 100,
    *,
    render: RenderFolder | None = None,
) -> dict[str, Any]:
    """For ``make bench``: requests and seconds of one ``republish`` pass over ``n`` unchanged posts, after a
    first pass (as a scheduled job meets them: every post's render is in its cache).

    The posts (``bench-republish-000`` ...) are created and published under ``posts_dir`` first, once:
    keep ``posts_dir`` between runs to skip that. The pass itself only reads (one listing per 100 posts).
    """
    if render is None:
        from digest_publisher.pipeline import render_for_site

        def render(folder: Path) -> RenderedPost:
            # As `republish` renders: an unchanged folder's last render is reused (records/render_cache.py).
            return render_for_site(folder, topics_path=Path("topics.toml"), site_url=settings.site_url,
                                   cache="use")[1]  # fmt: skip

    _ensure_bench_posts(settings, posts_dir, n, render)
    slugs = [BENCH_SLUG.format(i) for i in range(n)]
    republish(posts_dir, Site(settings), render=render, slugs=slugs)  # as cron meets them: each render cached once
    report = republish(posts_dir, Site(settings), render=render, slugs=slugs)
    actions = Counter(p.action for p in report.posts)
    return {
        "case": f"republish pass, {n} unchanged posts (render cache warm)",
        "posts": n,
        "requests": report.requests,
        "seconds": round(report.seconds, 3),
        "actions": dict(actions),
        "exit_code": report.exit_code,
    }


def _ensure_bench_posts(settings: WordPressSettings, posts_dir: Path, n: int, render: RenderFolder) -> None:
    slugs = [BENCH_SLUG.format(i) for i in range(n)]
    records = {slug: load_record(posts_dir / slug) if (posts_dir / slug).is_dir() else None for slug in slugs}
    known = [r.wordpress_id for r in records.values() if r is not None and r.wordpress_id]
    client = WordPressClient(settings, rest_root=load_site_facts(posts_dir, settings.site_url).rest_root)
    alive = list_posts_by_id(client, known) if known else {}
    for index, slug in enumerate(slugs):
        record = records[slug]
        if record is not None and record.wordpress_id in alive and record.site_url == settings.site_url:
            continue
        folder = posts_dir / slug
        (folder / "record.json").unlink(missing_ok=True)  # a record of a site that was reset
        source = PostSource(
            title=f"Bench post {index}: post-training notes",
            slug=slug,
            topic="07",
            kind=PostKind.BRIEF,
            body=_BENCH_BODY.format(n=index + 2),
            excerpt="A post of the republish benchmark.",
            tags=("benchmark",),
            featured_image="generated",
            papers_covered=False,
        )
        write_post(folder, source, [])
        # Every run of the benchmark on a site shares these posts (same slugs, same content): this posts
        # folder takes over the ones an earlier run published, explicitly (a post belongs to one record).
        publish_post(render(folder), folder, Site(settings), posts_dir=posts_dir, adopt=True)

