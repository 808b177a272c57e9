"""`publish` (the path `backfill` publishes through) and `republish` through a proxy that injects seeded
random faults between the client and the real WordPress: 5xx bursts, 429/503 with Retry-After, resets
mid-answer, answers slower than the client's timeout.

Each schedule must end with exactly one post, one featured image upload and one revision for one
change, or with clear errors after which the next run (faults off) succeeds without duplicating
anything.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from digest_publisher.errors import DigestError
from digest_publisher.publishing.publish import publish_post
from digest_publisher.publishing.republish import republish
from digest_publisher.publishing.sent import content_hash
from digest_publisher.render import check_residue
from digest_publisher.wordpress import site as wordpress_site
from digest_publisher.wordpress.connection_settings import WordPressSettings
from tests.faults.conftest import CLIENT_TIMEOUT_S
from tests.faults.proxy import FAULTS, FaultProxy, Schedule
from tests.helpers import render_as_published
from tests.publishing.pubhelpers import Lab, settings_for
from tests.republish.rephelpers import Site, record_of, retitle, write_source

pytestmark = pytest.mark.wordpress

SCHEDULES = 50
FAULTY_RUNS = 4  # runs with faults on before the one with faults off
# Requests of one schedule's faulty runs that see a fault decision: a publish and a republish make 6-20
# each, and a failed run is retried up to FAULTY_RUNS times.
REQUESTS_PER_SCHEDULE = 30


def _publish(folder: Path, posts: Path, settings: WordPressSettings) -> str | None:
    """One `publish` run; the error text if it failed."""
    try:
        site = wordpress_site.Site(settings)
        publish_post(render_as_published(folder), folder, site, residue_check=check_residue, posts_dir=posts)
    except DigestError as exc:
        return str(exc)
    return None


def _republish(posts: Path, settings: WordPressSettings) -> str | None:
    """One `republish --all` run; the errors if it failed (the listing, or a post)."""
    try:
        site = wordpress_site.Site(settings)
        report = republish(posts, site, render=render_as_published, residue_check=check_residue)
    except DigestError as exc:
        return str(exc)
    if report.exit_code == 0:
        return None
    return "; ".join(p.message for p in report.posts if not p.ok)


def _until_done(proxy: FaultProxy, seed: int, run: object, clean: object, errors: list[str]) -> None:
    for _ in range(FAULTY_RUNS):
        error = run()  # type: ignore[operator]
        if error is None:
            return
        errors.append(error)
    proxy.schedule = None
    assert clean() is None, errors  # type: ignore[operator]
    proxy.schedule = Schedule(seed + 10_000, max_slow=0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(SCHEDULES))
def test_publish_and_republish_converge_under_a_fault_schedule(
    seed: int, proxy: FaultProxy, wp_lab: Lab, site: Site, posts: Path, token: str
) -> None:
    slug = f"fault-{seed}-{token}"
    folder = write_source(posts, slug)
    faulty = settings_for(proxy.url, wp_lab.admin, timeout=CLIENT_TIMEOUT_S, attempts=4, max_wait=0.01)
    calm = settings_for(proxy.url, wp_lab.admin, max_wait=0.01)  # the final clean run must not trip on a busy machine
    proxy.schedule = Schedule(seed, max_slow=1 if seed % 5 == 0 else 0)
    errors: list[str] = []

    _until_done(proxy, seed, lambda: _publish(folder, posts, faulty), lambda: _publish(folder, posts, calm), errors)
    retitle(folder, f"Changed under schedule {seed}")
    _until_done(proxy, seed, lambda: _republish(posts, faulty), lambda: _republish(posts, calm), errors)
    proxy.schedule = None

    (post,) = site.posts_by_slug(slug)  # exactly one post: no duplicate, no suffixed copy
    assert post["slug"] == slug and post["title"]["raw"] == f"Changed under schedule {seed}"
    rendered = render_as_published(folder)
    assert rendered.featured_image is not None
    (media,) = site.media_with_hash(rendered.featured_image.sha256)  # exactly one upload
    assert post["featured_media"] == media["id"]
    assert [r["title"]["raw"] for r in site.revisions(post["id"])] == [post["title"]["raw"]]
    record = record_of(folder)
    assert record["wordpress_id"] == post["id"] and record["pending"] == []
    assert record["content_hash"] == content_hash(rendered)
    for error in errors:  # every failure said what happened, where, and what to do
        assert proxy.url in error or slug in error, error
        assert "Traceback" not in error and len(error.split(". ")) >= 2, error


def test_the_schedules_cover_every_kind_of_fault() -> None:
    """The schedules are seeded, so what they inject is known without running them: together they must
    hold every kind of fault, often, and the hard kinds (the write is done, its answer lost) many times.
    (This used to be counted by the schedule tests themselves, so it passed only after all of them ran.)"""
    planned: Counter[str] = Counter()
    for seed in range(SCHEDULES):
        schedule = Schedule(seed, max_slow=1 if seed % 5 == 0 else 0)
        planned.update(f for f in (schedule.next_fault() for _ in range(REQUESTS_PER_SCHEDULE)) if f)
    assert set(planned) == set(FAULTS), planned
    assert sum(planned.values()) >= 5 * SCHEDULES
    assert sum(planned[kind] for kind in ("500-after", "502-after", "reset")) >= 5 * SCHEDULES // 5, planned
