"""Issue 19: one site per command. Every verb (publish, status, republish, --to-revision, history, check,
backfill) sends credentials only to WORDPRESS_URL's origin, through the real CLI:

* a record of another site, and a record without ``site_url``, are refused with the same message and the
  ``--rebind-site`` way out (against the real WordPress, the old address being a logging listener);
* a home page that redirects to another origin, a ``Link`` header naming another origin, and https to http
  (by redirect and by ``Link``) are refused with the WORDPRESS_URL to set.

In every case a listener on the wrong address must receive no request carrying credentials, and the
command exits non-zero saying what to fix.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import Result

from digest_publisher.records.record import PostRecord, save_record
from tests.publishing.listeners import Answer, Listener, as_json
from tests.publishing.pubhelpers import Lab, Rest
from tests.republish.rephelpers import REPO, env_for, run_cli, write_source

SAMPLE = REPO / "samples" / "arxiv-week-2026-05-18"
BACKFILL_SLUG = "backfill-07-rl-post-training"
APP_PASSWORD = "abcd efgh ijkl mnop qrst uvwx"  # made up: the listeners must never see it

VERBS = ("publish", "status", "republish", "to-revision", "history", "check", "backfill")


def verb_args(verb: str, slug: str) -> list[str]:
    return {
        "publish": ["publish", slug],
        "status": ["status"],
        "republish": ["republish", slug],
        "to-revision": ["republish", slug, "--to-revision", "5"],
        "history": ["history", slug],
        "check": ["check"],
        "backfill": ["backfill", "--topic", "07", "--corpus", str(SAMPLE), "--topics", str(REPO / "topics.toml"),
                     "--prompts-dir", str(REPO / "prompts"), "--drafter", "builtin", "--status", "publish"],
    }[verb]  # fmt: skip


def plant(posts: Path, verb: str, token: str, *, site_url: str | None, rest_root: str | None) -> str:
    """A published-looking post folder whose record names ``site_url`` and ``rest_root``; its slug."""
    slug = BACKFILL_SLUG if verb == "backfill" else f"origin-{token}"
    folder = posts / slug
    if verb != "backfill":
        write_source(posts, slug)
    folder.mkdir(parents=True, exist_ok=True)
    save_record(
        folder,
        PostRecord(
            slug=slug,
            site_url=site_url,
            rest_root=rest_root,
            transport="rest",
            wordpress_id=7,
            status="publish",
            link=f"{site_url or 'http://old.example'}/?p=7",
            modified_gmt="2026-05-01T00:00:00",
            content_hash="0" * 64,
            remote_fingerprint="rest-normal:" + "0" * 64,
            history=("2026-05-01T00:00:00Z created post 7 (publish) via rest",),
        ),
    )
    return slug


def everything(status: int = 200) -> Callable[[str, str, Mapping[str, str]], Answer]:
    """What the wrong address answers: a plausible WordPress answer to anything (so a leak would go on)."""

    def answer(method: str, path: str, headers: Mapping[str, str]) -> Answer:
        if "users/me" in path:
            return as_json(status, {"id": 1, "username": "x", "roles": ["administrator"], "capabilities": {}})
        return as_json(status, {"id": 7, "slug": "x", "status": "publish", "link": "http://x/"})

    return answer


def assert_refused(result: Result, *fixes: str) -> None:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    for fix in fixes:
        assert fix in result.output, result.output


# -- a record of another site, a record without site_url (the real WordPress is WORDPRESS_URL) ---------


@pytest.fixture
def old_site() -> Iterator[Listener]:
    with Listener(everything()) as listener:
        yield listener


@pytest.mark.parametrize("verb", VERBS)
def test_a_record_of_another_site_is_refused_by_every_verb(
    wp_lab: Lab, tmp_path: Path, token: str, verb: str, old_site: Listener
) -> None:
    posts = tmp_path / "posts"
    slug = plant(posts, verb, token, site_url=old_site.url, rest_root=old_site.url + "/wp-json/")
    env = env_for(wp_lab, wp_lab.author, posts, DIGEST_CACHE_DIR=str(tmp_path / "cache"))

    result = run_cli(env, *verb_args(verb, slug))

    assert_refused(result, f"belongs to {old_site.url}", f"--rebind-site {old_site.url}`")
    assert old_site.seen == [], "nothing may be sent to the old address"
    assert wp_lab.author.app_password not in result.output


@pytest.mark.parametrize("verb", VERBS)
def test_a_record_without_site_url_is_another_sites_until_rebound(
    wp_lab: Lab, tmp_path: Path, token: str, verb: str, old_site: Listener
) -> None:
    posts = tmp_path / "posts"
    slug = plant(posts, verb, token, site_url=None, rest_root=old_site.url + "/wp-json/")
    env = env_for(wp_lab, wp_lab.author, posts, DIGEST_CACHE_DIR=str(tmp_path / "cache"))

    result = run_cli(env, *verb_args(verb, slug))

    assert_refused(result, "names no site_url", f"--rebind-site {wp_lab.url.rstrip('/')}`")
    assert old_site.seen == []


# -- the site points elsewhere: redirect, Link header, https to http ----------------------------------

CASES = ("redirect", "link", "downgrade-redirect", "downgrade-link")


@pytest.fixture
def elsewhere() -> Iterator[Listener]:
    """The wrong address: plain http, answering like a WordPress that accepts anything."""
    with Listener(everything()) as listener:
        yield listener


def front_answer(case: str, target: str) -> Callable[[str, str, Mapping[str, str]], Answer]:
    """WORDPRESS_URL's own answers: every page redirects to ``target``, or the home page names ``target``'s
    REST API in its Link header."""

    def answer(method: str, path: str, headers: Mapping[str, str]) -> Answer:
        if case.endswith("redirect"):
            return 301, {"Location": target + path}, b""
        if path in ("/", "/?feed=rss2"):
            link = f'<{target}/wp-json/>; rel="https://api.w.org/"'
            return 200, {"Content-Type": "text/html", "Link": link}, b"<html/>"
        return 404, {"Content-Type": "text/html"}, b"not found"

    return answer


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("case", CASES)
def test_the_site_pointing_elsewhere_is_refused_by_every_verb(
    tmp_path: Path, token: str, verb: str, case: str, elsewhere: Listener
) -> None:
    tls = case.startswith("downgrade")
    with Listener(front_answer(case, elsewhere.url), tls=tls, cert_dir=tmp_path) as front:
        posts = tmp_path / "posts"
        slug = plant(posts, verb, token, site_url=front.url, rest_root=None)
        env = {
            "WORDPRESS_URL": front.url,
            "WORDPRESS_USERNAME": "editor",
            "WORDPRESS_APP_PASSWORD": APP_PASSWORD,
            "WORDPRESS_TIMEOUT": "5",
            "DIGEST_NO_DOTENV": "1",
            "DIGEST_POSTS_DIR": str(posts),
            "DIGEST_CACHE_DIR": str(tmp_path / "cache"),
            **({"REQUESTS_CA_BUNDLE": str(front.ca_bundle)} if front.ca_bundle else {}),
        }

        result = run_cli(env, *verb_args(verb, slug))

    fixes = {
        "redirect": [f"redirects (HTTP 301) to {elsewhere.url}", f"Set WORDPRESS_URL to the address the site "
                     f"redirects to ({elsewhere.url}"],
        "link": ['Link rel="https://api.w.org/" header',
                 f"Set WORDPRESS_URL to the site's real address ({elsewhere.url}"],
        "downgrade-redirect": ["plain http", "Settings > General"],
        "downgrade-link": ["plain http", "Settings > General"],
    }[case]  # fmt: skip
    assert_refused(result, *fixes)
    assert elsewhere.credentialed() == [], "credentials went to the wrong address"
    assert [s for s in elsewhere.seen if s.method != "GET" or "wp-json" in s.path] == []
    assert front.credentialed() == [], "nothing authenticated is sent before the REST root is settled"
    assert APP_PASSWORD not in result.output and APP_PASSWORD.replace(" ", "") not in result.output


def test_a_rebind_binds_only_the_records_whose_post_is_theirs(
    wp_lab: Lab, tmp_path: Path, token: str, old_site: Listener
) -> None:
    """``--rebind-site`` points a moved record at the post with its id on WORDPRESS_URL only when that post
    holds what the record published; another post under that id is never touched, ``--force`` or not."""
    posts = tmp_path / "posts"
    env = env_for(wp_lab, wp_lab.author, posts)
    mine, theirs = f"rebind-mine-{token}", f"rebind-theirs-{token}"
    write_source(posts, mine, title="Mine")
    write_source(posts, theirs, title="Theirs", detail="other")
    ids = {}
    for slug in (mine, theirs):
        published = run_cli(env, "publish", slug, "--status", "publish")
        assert published.exit_code == 0, published.output
        ids[slug] = int(published.output.split()[2])
    # "theirs" was moved from the old site, but its record names the id of "mine" at the new one.
    record_path = posts / theirs / "record.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    moved = {**record, "site_url": old_site.url, "wordpress_id": ids[mine]}
    record_path.write_text(json.dumps(moved), encoding="utf-8")
    mine_record = json.loads((posts / mine / "record.json").read_text(encoding="utf-8"))
    (posts / mine / "record.json").write_text(json.dumps({**mine_record, "site_url": None}), encoding="utf-8")
    before = run_cli(env, "history", mine, "--json")
    site = Rest(wp_lab, wp_lab.admin)
    stored = site.get(f"posts/{ids[mine]}?context=edit")

    rebound = run_cli(env, "republish", "--all", "--force", "--rebind-site", old_site.url, "--json")

    rows = {row["slug"]: row for row in json.loads(rebound.stdout)["posts"]}
    assert rebound.exit_code == 1
    assert rows[theirs]["action"] == "refused"
    assert f"post {ids[mine]} on {wp_lab.url.rstrip('/')}" in rows[theirs]["message"]
    assert "does not hold what" in rows[theirs]["message"]
    assert rows[mine]["action"] == "unchanged"  # the record without site_url: its own post, now bound
    assert json.loads((posts / mine / "record.json").read_text(encoding="utf-8"))["site_url"] == wp_lab.url.rstrip("/")
    assert json.loads(record_path.read_text(encoding="utf-8"))["site_url"] == old_site.url
    assert before.exit_code != 0  # history refused the record without site_url before the rebind
    after = run_cli(env, "history", mine, "--json")
    assert after.exit_code == 0, after.output
    now = site.get(f"posts/{ids[mine]}?context=edit")  # "theirs" never wrote to the post of "mine"
    assert (now["modified_gmt"], now["title"]["raw"], now["content"]["raw"]) == (
        stored["modified_gmt"], stored["title"]["raw"], stored["content"]["raw"]
    )
    assert old_site.seen == []
