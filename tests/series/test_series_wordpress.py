"""``digest-publisher series`` through the real CLI (a child process), the fake Claude and the real WordPress
(both lab versions): three topics, one triage batch, one post per topic; a second run makes no Claude call and
no WordPress write; a run SIGKILLed during the batch, during drafting and during publishing resumes to the same
end state with no duplicate call and no duplicate post; the built-in path without a key; one topic failing
alone."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.fake_claude import FakeClaude
from tests.paths import SAMPLE_YEAR
from tests.publishing.pubhelpers import Lab
from tests.republish.rephelpers import Site, env_for, run_main, start_main
from tests.series.helpers import KEY, TOPICS, fast_prompts

pytestmark = [pytest.mark.wordpress, pytest.mark.slow]

TOPIC_SLUGS = {"07": "rl-post-training", "03": "agents-tool-use", "12": "vision-language-models"}
CATEGORIES = {"topic-07": "RL & Post-Training", "topic-03": "Agents & Tool Use", "topic-12": "Vision-Language Models"}
SLUGS: dict[str, str] = {}  # this test's post slugs (set by the ``series`` fixture)
SERIES = "Frontier AI Research Digest"
PAGE: list[str] = []  # this test's index page slug (set by the ``site`` fixture)


@pytest.fixture
def site(wp_lab: Lab, tmp_path: Path, token: str) -> Iterator[Site]:
    """The lab as an administrator sees it; the topics' categories made (an author may assign categories but
    not create them); topics.toml copied with this test's own post slugs (the lab is shared by every test),
    whose posts are deleted afterwards."""
    admin = Site(wp_lab, wp_lab.admin)
    for slug, name in CATEGORIES.items():
        made = requests.post(f"{wp_lab.url}/wp-json/wp/v2/categories", json={"name": name, "slug": slug},
                             auth=(wp_lab.admin.username, wp_lab.admin.app_password), timeout=30)  # fmt: skip
        assert made.status_code in (201, 400), made.text  # 400: term_exists from an earlier test
    text = TOPICS.read_text(encoding="utf-8")
    SLUGS.clear()
    for number, slug in TOPIC_SLUGS.items():
        text = text.replace(f'slug = "{slug}"\n', f'slug = "{slug}-{token}"\n', 1)
        SLUGS[number] = f"backfill-{number}-{slug}-{token}"
    # This test's own series, so that its index page is its own on the shared lab.
    text = text.replace(f'series = "{SERIES}"', f'series = "{SERIES} {token}"')
    PAGE[:] = [f"the-frontier-ai-research-digest-{token}-backfill-series"]
    (tmp_path / "topics.toml").write_text(text, encoding="utf-8")
    fast_prompts(tmp_path)
    yield admin
    for slug in SLUGS.values():
        for post in admin.posts_by_slug(slug):
            admin.delete(f"posts/{post['id']}")
    for page in admin.get(f"pages?slug={PAGE[0]}&status=any&context=edit"):
        admin.delete(f"pages/{page['id']}")


def series_env(lab: Lab, tmp: Path, fake: FakeClaude | None) -> dict[str, str]:
    claude = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": fake.base_url} if fake else {}
    # An editor's job: the series' index page is a WordPress page, which an author may not write.
    return env_for(lab, lab.admin, tmp / "posts", DIGEST_CACHE_DIR=str(tmp / "cache"), **claude)


def args(tmp: Path, *extra: str) -> list[str]:
    return ["series", "--corpus", str(SAMPLE_YEAR), "--topics", str(tmp / "topics.toml"), "--prompts-dir",
            str(tmp / "prompts"), "--topic", "07,03", "--topic", "12", "--papers", "8", "--json", *extra]  # fmt: skip


def table(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data = json.loads(done.stdout)
    assert isinstance(data, dict)
    return data


def posts_on_site(site: Site) -> dict[str, dict[str, Any]]:
    """Each topic's post on the site; exactly one post per slug (no duplicate, no suffixed copy)."""
    out = {}
    for number, slug in SLUGS.items():
        found = site.posts_by_slug(slug)
        assert len(found) == 1, (slug, [p["slug"] for p in found])
        out[number] = found[0]
    return out


def message_bodies(fake: FakeClaude) -> list[str]:
    """Every Messages request the fake answered, streamed or inside a batch, as comparable text."""
    bodies = [json.dumps(r.body, sort_keys=True) for r in fake.calls() if r.body]
    for created in fake.calls(path="/v1/messages/batches"):
        bodies += [json.dumps(item["params"], sort_keys=True) for item in (created.body or {}).get("requests", [])]
    return bodies


def triage_batches(fake: FakeClaude) -> int:
    return sum(1 for c in fake.calls(path="/v1/messages/batches")
               if any(fake.stage_of(i["params"]) == "series_triage" for i in (c.body or {}).get("requests", [])))


def index_page(site: Site) -> dict[str, Any]:
    """The series' one index page (a WordPress page, not a post)."""
    found = list(site.get(f"pages?slug={PAGE[0]}&status=any&context=edit"))
    assert len(found) == 1, [p["slug"] for p in found]
    assert found[0]["type"] == "page"
    return dict(found[0])


def assert_series_linked(on_site: dict[str, dict[str, Any]], page: dict[str, Any]) -> None:
    """The index page links every topic's post; each post's footer, as WordPress stores it, links its two
    siblings and the index page, never itself."""
    stored = page["content"]["raw"].replace("&amp;", "&")
    for number, post in on_site.items():
        assert f'href="{post["link"]}"' in stored, number
        content = post["content"]["raw"].replace("&amp;", "&")
        assert "More in the series" in content
        assert all(f'href="{p["link"]}"' in content for n, p in on_site.items() if n != number), number
        assert f'href="{post["link"]}"' not in content
        assert f'href="{page["link"]}"' in content


def assert_converged(site: Site, tmp: Path, fake: FakeClaude, lab: Lab) -> None:
    """The end state: one draft post per topic, and a further run that calls nothing and writes nothing."""
    on_site = posts_on_site(site)
    assert {p["status"] for p in on_site.values()} == {"draft"}
    before = len(fake.requests)
    again = run_main(series_env(lab, tmp, fake), *args(tmp))
    assert again.returncode == 0, again.stderr
    assert len(fake.requests) == before
    after = posts_on_site(site)
    assert {n: p["modified_gmt"] for n, p in after.items()} == {n: p["modified_gmt"] for n, p in on_site.items()}
    rows = table(again)["topics"]
    assert [r["resumed"] for r in rows] == [["draft"]] * 3 and table(again)["spent_this_run_usd"] == 0


def test_a_series_of_three_topics_publishes_one_post_each_and_reruns_without_a_call_or_write(
    site: Site, wp_lab: Lab, tmp_path: Path
) -> None:
    with FakeClaude() as fake:
        first = run_main(series_env(wp_lab, tmp_path, fake), *args(tmp_path, "--batch"), timeout=600)
        assert first.returncode == 0, first.stderr
        data = table(first)
        rows = {r["topic"]: r for r in data["topics"]}
        assert list(rows) == ["07", "03", "12"]
        assert triage_batches(fake) == 1 and fake.calls("series_triage") == []
        on_site = posts_on_site(site)
        for number, row in rows.items():
            assert row["status"] == "draft" and row["discussed"] == 8 and row["words"] > 500 and row["cost_usd"] > 0
            assert row["link"] == on_site[number]["link"]
        assert data["shared_papers"] > 0 and data["papers"] > max(r["candidates"] for r in rows.values())
        assert KEY not in first.stdout + first.stderr and wp_lab.admin.app_password not in first.stdout + first.stderr
        modified = {n: p["modified_gmt"] for n, p in on_site.items()}
        revisions = {n: len(site.revisions(p["id"])) for n, p in on_site.items()}  # the footers' updates
        page = index_page(site)
        assert data["page"]["wordpress_id"] == page["id"] and data["page"]["action"] in ("created", "updated")
        assert_series_linked(on_site, page)

        before = len(fake.requests)
        plain = run_main(series_env(wp_lab, tmp_path, fake), *[a for a in args(tmp_path, "--batch") if a != "--json"])
        assert plain.returncode == 0, plain.stderr
        assert len(fake.requests) == before  # no Claude call: triage scores, drafts kept
        again = posts_on_site(site)
        assert {n: p["modified_gmt"] for n, p in again.items()} == modified  # no WordPress write
        assert {n: len(site.revisions(p["id"])) for n, p in again.items()} == revisions
        assert index_page(site)["modified_gmt"] == page["modified_gmt"]  # nor to the index page
        lines = plain.stdout.splitlines()
        assert lines[0].split()[:3] == ["topic", "candidates", "discussed"]
        for number in SLUGS:
            line = next(x for x in lines if x.startswith(f"{number} - "))
            assert line.split()[-1] == rows[number]["link"] and "draft" in line
        assert any(x.startswith("shared papers: ") for x in lines)


def test_the_builtin_drafter_runs_the_series_without_a_key(site: Site, wp_lab: Lab, tmp_path: Path) -> None:
    done = run_main(series_env(wp_lab, tmp_path, None), *args(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Drafter: built-in drafter" in done.stderr
    rows = table(done)["topics"]
    assert [r["status"] for r in rows] == ["draft"] * 3 and all(r["cost_usd"] == 0 for r in rows)
    posts_on_site(site)
    decisions = json.loads((tmp_path / "posts" / SLUGS["03"] / "draft-report.json").read_text())["curation"]
    assert decisions["scorer"] == "builtin"
    assert any(d["why"].startswith("shared with topic") for d in decisions["decisions"]) or table(done)["shared_papers"]


def test_one_failing_topic_is_isolated_and_the_rerun_completes_it(site: Site, wp_lab: Lab, tmp_path: Path) -> None:
    with FakeClaude() as fake:
        fake.fail("outline", "invalid_json", times=2)  # the first topic drafted (07) fails its outline twice
        first = run_main(series_env(wp_lab, tmp_path, fake), *args(tmp_path))
        assert first.returncode == 1, first.stderr
        rows = {r["topic"]: r for r in table(first)["topics"]}
        assert rows["07"]["status"] == "failed (draft)"
        assert "outline stage failed its checks twice" in rows["07"]["error"]
        assert "topic 07 - RL & Post-Training failed: " in first.stderr
        assert rows["03"]["status"] == rows["12"]["status"] == "draft"
        assert site.posts_by_slug(SLUGS["07"]) == []
        again = run_main(series_env(wp_lab, tmp_path, fake), *args(tmp_path))
        assert again.returncode == 0, again.stderr
        assert [r["resumed"] for r in table(again)["topics"]] == [[], ["draft"], ["draft"]]
        assert_converged(site, tmp_path, fake, wp_lab)


def _wait(condition: Any, what: str, limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("point", ["batch", "drafting", "publishing"])
def test_a_series_killed_during_each_stage_resumes_without_a_duplicate_call_or_post(
    point: str, site: Site, wp_lab: Lab, tmp_path: Path
) -> None:
    with FakeClaude() as fake:
        env = series_env(wp_lab, tmp_path, fake)
        if point == "batch":  # the triage batch stays "in progress" until the process is killed
            fake.batch_polls_in_progress = 10**9
            child = start_main(env, *args(tmp_path, "--batch"))
            _wait(lambda: any(b["polls"] >= 3 for b in list(fake.batches.values())), "the batch to be polled")
            child.send_signal(signal.SIGKILL)
            child.communicate(timeout=30)
            assert child.returncode == -9
            fake.batch_polls_in_progress = 1
        else:
            step = "series-drafted#1" if point == "drafting" else "after-create#2"
            killed = run_main({**env, "DIGEST_TEST_KILL_AT": step}, *args(tmp_path, "--batch"), timeout=600)
            assert killed.returncode == -9, killed.stderr
        if point == "publishing":
            assert len(site.posts_by_slug(SLUGS["03"])) == 1 and site.posts_by_slug(SLUGS["12"]) == []
        sent = len(message_bodies(fake))
        resumed = run_main(env, *args(tmp_path, "--batch"), timeout=600)
        assert resumed.returncode == 0, resumed.stderr
        bodies = message_bodies(fake)
        assert len(bodies) == len(set(bodies)), "a finished call was made again"
        assert triage_batches(fake) == 1  # the batch of the killed run was collected, not submitted again
        if point == "batch":
            assert "collecting Message Batch msgbatch_fake_" in resumed.stderr
        if point == "publishing":
            assert len(bodies) == sent  # everything was drafted before the kill: no Claude call at all
        assert [r["status"] for r in table(resumed)["topics"]] == ["draft"] * 3
        assert_converged(site, tmp_path, fake, wp_lab)


def test_a_wordpress_outage_fails_only_publishing_and_the_rerun_publishes_without_a_claude_call(
    site: Site, wp_lab: Lab, tmp_path: Path
) -> None:
    with FakeClaude() as fake:
        env = series_env(wp_lab, tmp_path, fake)
        down = run_main({**env, "WORDPRESS_URL": "http://127.0.0.1:9"}, *args(tmp_path, "--batch"))
        assert down.returncode == 1, down.stderr
        rows = table(down)["topics"]
        assert [r["status"] for r in rows] == ["failed (publish)"] * 3
        assert all("127.0.0.1:9" in r["error"] for r in rows) and all(r["words"] > 500 for r in rows)
        before = len(fake.requests)
        back = run_main(env, *args(tmp_path, "--batch"))
        assert back.returncode == 0, back.stderr
        assert len(fake.requests) == before  # triage and drafts kept: nothing paid twice
        assert [r["status"] for r in table(back)["topics"]] == ["draft"] * 3
        assert_converged(site, tmp_path, fake, wp_lab)
