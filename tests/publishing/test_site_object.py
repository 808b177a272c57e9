"""Issue 19: one :class:`~digest_publisher.wordpress.site.Site` per command.

The Site itself (against a local listener that must hear nothing): the same-site rule refuses another site's
record, and one naming no site, before any request, with THE one message, and hands a record of this site the
command's one client (its REST root first); ``.sites.json`` is read once and kept up to date in memory.
Through the real CLI against the real WordPress: a command's requests all go over ONE session, the REST root is
discovered once per command, and one ``publish path/to/post.md`` reads the posts folder's facts once.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from digest_publisher.errors import WordPressError
from digest_publisher.records.record import SITES_FILE, PostRecord, load_record, load_site_facts, save_record
from digest_publisher.wordpress import site as site_module
from digest_publisher.wordpress import transport
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.site import Site, other_site_error
from tests.paths import REPO_ROOT
from tests.publishing.listeners import Listener, as_json
from tests.publishing.pubhelpers import Lab
from tests.republish.rephelpers import env_for, record_of, retitle, run_cli, write_source

APP_PASSWORD = "abcd efgh ijkl mnop qrst uvwx"  # made up


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener(lambda method, path, headers: as_json(200, {})) as server:
        yield server


def _settings(url: str) -> WordPressSettings:
    return WordPressSettings(url=url, username="editor", app_password=APP_PASSWORD, timeout=5, attempts=1)


def _record(slug: str, site_url: str | None, rest_root: str | None = None) -> PostRecord:
    return PostRecord(slug=slug, site_url=site_url, rest_root=rest_root, transport="rest", wordpress_id=7,
                      status="publish")  # fmt: skip


# -- the Site on its own --------------------------------------------------------------------------------


def test_a_record_of_another_site_is_refused_before_any_request(listener: Listener, tmp_path: Path) -> None:
    site = Site(_settings(listener.url), tmp_path)
    folder = tmp_path / "moved"
    record = _record("moved", "https://old.example", "https://old.example/wp-json/")

    with pytest.raises(WordPressError) as refused:
        site.client_for(folder, record)

    expected = other_site_error(folder, "https://old.example", listener.url)
    assert (refused.value.code, refused.value.message, refused.value.hint) == (
        "other_site", expected.message, expected.hint
    )
    assert "--rebind-site https://old.example`" in str(refused.value)
    assert listener.seen == []
    assert site._client is None or site.client.log == []  # no client was even asked for a request


def test_a_record_naming_no_site_is_refused_until_rebound(listener: Listener, tmp_path: Path) -> None:
    site = Site(_settings(listener.url), tmp_path)

    with pytest.raises(WordPressError) as refused:
        site.client_for(tmp_path / "old", _record("old", None, "http://127.0.0.1:9/wp-json/"))

    assert refused.value.code == "other_site"
    assert "names no site_url" in refused.value.message
    assert f"--rebind-site {listener.url}`" in str(refused.value)
    assert listener.seen == []


def test_records_of_this_site_get_the_one_client_with_their_root_first(listener: Listener, tmp_path: Path) -> None:
    """Faithful input is not refused: a record of WORDPRESS_URL (a trailing slash is the same site) gets the
    command's client, its REST root tried first; a second record gets the same client and the root it has."""
    site = Site(_settings(listener.url + "/"), tmp_path)
    root = listener.url + "/index.php/wp-json/"

    first = site.client_for(tmp_path / "a", _record("a", listener.url, root))
    second = site.client_for(tmp_path / "b", _record("b", listener.url, listener.url + "/elsewhere/"))
    fresh = site.client_for(tmp_path / "c", None)  # never published: nothing to refuse

    assert first is second is fresh is site.client
    assert first.session is site.session
    assert first.cached_root == root
    assert listener.seen == []  # handing out a client sends nothing


def test_the_posts_folder_s_facts_are_read_once_and_kept_up_to_date(listener: Listener, tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    url = listener.url
    (posts / SITES_FILE).write_text(json.dumps({"version": 1, "sites": {url: {
        "rest_root": url + "/wp-json/", "terms": {"tags": {"rl": 3}}, "media": {"aa": 5}}}}), encoding="utf-8")
    site = Site(_settings(url), posts)

    assert site.facts().rest_root == url + "/wp-json/"
    assert site.facts(posts).terms == {"tags": {"rl": 3}}
    site.remember(posts, terms={"tags": {"ppo": 4}, "categories": {"ML": 2}}, media={"bb": 6})
    after = site.facts()

    assert site.facts_read == 1
    assert after.terms == {"tags": {"rl": 3, "ppo": 4}, "categories": {"ML": 2}}
    assert after.media == {"aa": 5, "bb": 6}
    assert load_site_facts(posts, url) == after  # what the next command reads
    assert Site(_settings(url)).facts() == type(after)()  # no posts folder: nothing read
    assert listener.seen == []


# -- through the real CLI, against the real WordPress -------------------------------------------------


class RecordingSession(transport.Session):
    """THE session type (``transport.Session``), remembering each instance made and every request sent through it."""

    made: ClassVar[list[RecordingSession]] = []

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []
        RecordingSession.made.append(self)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        self.sent.append((method, url))
        return super().request(method, url, **kwargs)


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> list[RecordingSession]:
    RecordingSession.made = []
    monkeypatch.setattr(site_module, "Session", RecordingSession)
    return RecordingSession.made


def _discoveries(session: RecordingSession, site_url: str) -> int:
    """REST-root discoveries: each starts with a HEAD of the home page (discovery.py)."""
    return sum(1 for method, url in session.sent if method == "HEAD" and url.rstrip("/") == site_url.rstrip("/"))


@pytest.mark.wordpress
def test_one_publish_goes_over_one_session_and_reads_the_facts_once(
    wp_lab: Lab, tmp_path: Path, token: str, sessions: list[RecordingSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``publish path/to/post.md``: the posts folder is the post's (not --posts-dir's), its .sites.json read
    once; every request of the command goes over one session, to WORDPRESS_URL."""
    posts, elsewhere = tmp_path / "posts", tmp_path / "default-posts"
    elsewhere.mkdir()
    slug = f"one-site-{token}"
    write_source(posts, slug)
    env = env_for(wp_lab, wp_lab.author, elsewhere)
    reads: list[Path] = []
    real_load = load_site_facts

    def counting(posts_dir: Path, site_url: str) -> Any:
        reads.append(posts_dir)
        return real_load(posts_dir, site_url)

    monkeypatch.setattr(site_module, "load_site_facts", counting)

    result = run_cli(env, "publish", str(posts / slug / "post.md"))

    assert result.exit_code == 0, result.output
    assert reads == [posts], "one read of the post's posts folder's .sites.json, none of --posts-dir's"
    assert len(sessions) == 1 and sessions[0].sent, "one session per command"
    assert {url.split("/", 3)[2] for _, url in sessions[0].sent} == {wp_lab.url.split("/", 3)[2]}
    assert _discoveries(sessions[0], wp_lab.url) <= 1
    assert load_site_facts(posts, wp_lab.url.rstrip("/")).rest_root is not None  # remembered for the next one


@pytest.mark.wordpress
def test_republish_discovers_the_root_once_for_all_its_posts(
    wp_lab: Lab, tmp_path: Path, token: str, sessions: list[RecordingSession]
) -> None:
    """Two changed posts whose records and posts folder remember no REST root: one discovery, one session
    (before: the run's client and each post's publish had their own)."""
    posts = tmp_path / "posts"
    env = env_for(wp_lab, wp_lab.author, posts)
    slugs = [f"root-once-a-{token}", f"root-once-b-{token}"]
    for slug in slugs:
        write_source(posts, slug)
        assert run_cli(env, "publish", slug).exit_code == 0
    for slug in slugs:
        folder = posts / slug
        save_record(folder, replace(load_record_strict(folder), rest_root=None))
        retitle(folder, f"Retitled {slug}")
    facts = json.loads((posts / SITES_FILE).read_text(encoding="utf-8"))
    for entry in facts["sites"].values():
        entry.pop("rest_root", None)
    (posts / SITES_FILE).write_text(json.dumps(facts), encoding="utf-8")
    sessions.clear()

    result = run_cli(env, "republish", "--all", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [p["action"] for p in report["posts"]] == ["updated", "updated"]
    assert len(sessions) == 1
    assert _discoveries(sessions[0], wp_lab.url) == 1
    assert report["requests"] == len(sessions[0].sent)  # the report counts each request once
    assert all(record_of(posts / slug)["rest_root"] for slug in slugs)


def load_record_strict(folder: Path) -> PostRecord:
    record = load_record(folder)
    assert record is not None
    return record


def test_no_verb_can_build_its_own_client() -> None:
    """The clients and XML-RPC connections of a site are built in one place, the Site (read from the source):
    a verb that wants WordPress has to ask the Site, and so passes its same-site rule."""
    package = REPO_ROOT / "digest_publisher"
    built = {"WordPressClient", "UserClient", "XmlRpcPublisher", "XmlRpcReader"}
    where: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in built:
                    where.add(str(path.relative_to(package)))
    assert where == {"wordpress/site.py"}
