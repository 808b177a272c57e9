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
from digest_publisher.publishing.publish import content_hash, publish_post
from digest_publisher.publishing.republish import republish
from digest_publisher.render import check_residue
from digest_publisher.wordpress.settings import WordPressSettings
from tests.faults.conftest import CLIENT_TIMEOUT_S
from tests.faults.proxy import FAULTS, FaultProxy, Schedule
from tests.helpers import render_as_published
from tests.publishing.pubhelpers import Lab
from tests.republish.rephelpers import Site, record_of, retitle, settings_via, write_source

pytestmark = pytest.mark.wordpress

SCHEDULES = 50
FAULTY_RUNS = 4  # runs with faults on before the one with faults off
INJECTED: Counter[str] = Counter()  # fault kinds injected over the whole module
LOST_WRITES: Counter[str] = Counter()  # writes WordPress carried out whose answer the client never got
DONE: list[int] = []


def _publish(folder: Path, posts: Path, settings: WordPressSettings) -> str | None:
    """One `publish` run; the error text if it failed."""
    try:
        publish_post(render_as_published(folder), folder, settings, residue_check=check_residue, posts_dir=posts)
    except DigestError as exc:
        return str(exc)
    return None


def _republish(posts: Path, settings: WordPressSettings) -> str | None:
    """One `republish --all` run; the errors if it failed (the listing, or a post)."""
    try:
        report = republish(posts, settings, render=render_as_published, residue_check=check_residue)
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


@pytest.mark.parametrize("seed", range(SCHEDULES))
def test_publish_and_republish_converge_under_a_fault_schedule(
    seed: int, proxy: FaultProxy, wp_lab: Lab, site: Site, posts: Path, token: str
) -> None:
    slug = f"fault-{seed}-{token}"
    folder = write_source(posts, slug)
    faulty = settings_via(proxy.url, wp_lab.admin, timeout=CLIENT_TIMEOUT_S, attempts=4)
    calm = settings_via(proxy.url, wp_lab.admin)  # the final clean run must not trip on a busy machine
    before = len(proxy.events)
    proxy.schedule = Schedule(seed, max_slow=1 if seed % 5 == 0 else 0)
    errors: list[str] = []

    _until_done(proxy, seed, lambda: _publish(folder, posts, faulty), lambda: _publish(folder, posts, calm), errors)
    retitle(folder, f"Changed under schedule {seed}")
    _until_done(proxy, seed, lambda: _republish(posts, faulty), lambda: _republish(posts, calm), errors)
    proxy.schedule = None

    INJECTED.update(e.fault for e in proxy.events[before:] if e.fault)
    LOST_WRITES.update(
        f"{e.method} {e.fault}"
        for e in proxy.events[before:]
        if e.method in ("POST", "DELETE") and e.fault in ("500-after", "502-after", "reset", "slow")
    )
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
    DONE.append(seed)


def test_every_kind_of_fault_was_injected() -> None:
    if len(DONE) < SCHEDULES:
        pytest.skip("runs after all the schedules only")
    assert set(INJECTED) == set(FAULTS), INJECTED
    assert sum(INJECTED.values()) >= 5 * SCHEDULES
    # The hard case happened too: a create, upload or update done by WordPress, its answer lost.
    assert sum(LOST_WRITES.values()) >= 5, LOST_WRITES
    print(f"\nfaults injected: {dict(INJECTED)}; writes done but answer lost: {dict(LOST_WRITES)}")
