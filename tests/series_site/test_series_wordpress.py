"""The series on the real WordPress (both lab versions): three topics' drafted posts, each linking its
siblings, and one index page (a page, not a post) listing them; created once, updated in place, never over a
person's edits, never on another site's record. Everything is read back from WordPress: over REST as stored,
and as a visitor's browser gets the page and the posts."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from digest_publisher.publishing.series_site import SeriesMember, SeriesSiteReport
from digest_publisher.records import load_folder, write_post
from tests.publishing.pubhelpers import settings_for
from tests.republish.rephelpers import env_for, run_cli
from tests.series_site.serieshelpers import TOPICS, RecordingSession, SiteView, raw, run_series
from tests.wp_lab import WordPressLab

pytestmark = pytest.mark.wordpress

Members = Callable[..., list[SeriesMember]]


@pytest.fixture
def site(wp_lab: WordPressLab) -> SiteView:
    return SiteView(wp_lab, wp_lab.admin)


@pytest.fixture
def series(wp_lab: WordPressLab, posts: Path, token: str) -> Callable[..., SeriesSiteReport]:
    """Run the series publisher as the admin (``user=...`` for another) with this test's page slug."""

    def run(members: list[SeriesMember], *, user: object = None, **options: object) -> SeriesSiteReport:
        settings = settings_for(wp_lab, user or wp_lab.admin)  # type: ignore[arg-type]
        return run_series(members, settings, posts, wp_version=wp_lab.wp_version, page_slug=f"series-{token}",
                          **options)  # fmt: skip

    return run


def hrefs(content: str) -> set[str]:
    return {html.unescape(h) for h in re.findall(r'href="([^"]+)"', content)}


def the_page(site: SiteView, token: str) -> dict[str, object]:
    (page,) = site.pages_by_slug(f"series-{token}")  # one page, never a suffixed copy
    return page


def test_the_series_is_created_once_with_linked_posts_and_an_index_page_then_a_rerun_writes_nothing(
    wp_lab: WordPressLab, series: Callable[..., SeriesSiteReport], members: Members, site: SiteView, token: str,
    posts: Path,
) -> None:
    trio = members("03", "07", "12")
    report = series(trio, status="publish", page_status="publish")

    assert report.ok, report.lines()
    assert [m.action for m in report.members] == ["created", "created", "created"]
    assert report.page.action == "created"
    page = the_page(site, token)
    assert page["type"] == "page" and page["status"] == "publish" and page["id"] == report.page.wordpress_id
    links = {m.topic_number: str(m.link) for m in report.members}
    stored = {m.topic_number: site.item("posts", int(m.wordpress_id or 0)) for m in report.members}
    for member in trio:
        post = stored[member.topic_number]
        assert post["link"] == links[member.topic_number] and post["status"] == "publish"
        others = {links[o.topic_number] for o in trio if o is not member}
        # Each post's footer links its two siblings and the index page, never itself.
        assert others | {str(page["link"])} <= hrefs(raw(post, "content"))
        assert links[member.topic_number] not in hrefs(raw(post, "content"))
    # The page lists each topic: number, name, window, papers discussed, and the link to its post.
    content = raw(page, "content")
    for member in trio:
        row = content.split(f"<td>{member.topic_number}</td>", 1)[1].split("</tr>", 1)[0]
        assert f"<td>{html.escape(member.topic_name, quote=False)}</td>" in row
        assert "<td>May 2025 – May 2026</td>" in row
        assert f">{member.discussed:,}</td>" in row and member.discussed > 0
        assert f'href="{links[member.topic_number]}"' in row

    # As a visitor: the page shows a link to each post, and each link opens that post.
    view = requests.get(str(page["link"]), timeout=30)
    assert view.status_code == 200
    for member in trio:
        assert f'href="{links[member.topic_number]}"' in view.text
        opened = requests.get(links[member.topic_number], timeout=30)
        assert opened.status_code == 200
        assert str(stored[member.topic_number]["title"]["rendered"]) in opened.text
        assert f'href="{page["link"]}"' in opened.text  # the post's footer leads back to the index
    # The page's record mirrors WordPress's page as a reader gets it, like a post's record.
    record = json.loads((posts / ".series" / f"series-{token}" / "record.json").read_text("utf-8"))
    assert record["wordpress_id"] == page["id"] and record["pending"] == [] and record["site_url"] == wp_lab.url
    assert record["last_response"]["content"]["rendered"] == requests.get(
        f"{wp_lab.url}/?rest_route=/wp/v2/pages/{page['id']}", timeout=30).json()["content"]["rendered"]

    items = [("pages", int(str(page["id"])))] + [("posts", int(p["id"])) for p in stored.values()]
    before = {i: (site.item(k, i)["modified_gmt"], len(site.revisions(k, i))) for k, i in items}
    session = RecordingSession()
    again = series(trio, status="publish", page_status="publish", session=session)

    assert [m.action for m in again.members] == ["unchanged"] * 3 and again.page.action == "unchanged"
    assert session.writes() == [] and session.sent  # reads only
    after = {i: (site.item(k, i)["modified_gmt"], len(site.revisions(k, i))) for k, i in items}
    assert after == before

    # Every verb renders the footer the same way: status sees no change, republish sends nothing.
    env = env_for(wp_lab, wp_lab.admin, posts)
    status = run_cli(env, "status", "--json", "--topics", str(TOPICS), *(m.folder.name for m in trio))
    assert status.exit_code == 0, status.output
    assert [(p["local"], p["remote"]) for p in json.loads(status.stdout)["posts"]] == [("same", "same")] * 3
    republished = run_cli(env, "republish", "--all", "--json", "--topics", str(TOPICS))
    assert republished.exit_code == 0, republished.output
    assert {p["action"] for p in json.loads(republished.stdout)["posts"]} == {"unchanged"}
    assert {i: (site.item(k, i)["modified_gmt"], len(site.revisions(k, i))) for k, i in items} == before


def test_a_member_added_updates_the_page_in_place_and_each_sibling_once(
    wp_lab: WordPressLab, series: Callable[..., SeriesSiteReport], members: Members, site: SiteView, token: str
) -> None:
    first = series(members("03", "07"))  # drafts: WordPress serves them at ?p=ID
    assert first.ok, first.lines()
    ids = {m.topic_number: int(m.wordpress_id or 0) for m in first.members}
    assert {m.topic_number: m.link for m in first.members} == {n: f"{wp_lab.url}/?p={i}" for n, i in ids.items()}
    page_id = int(first.page.wordpress_id or 0)
    assert first.page.link == f"{wp_lab.url}/?page_id={page_id}"
    revisions = {n: len(site.revisions("posts", i)) for n, i in ids.items()}
    page_revisions = len(site.revisions("pages", page_id))

    added = series(members("03", "07", "12"))

    assert added.ok, added.lines()
    assert [m.action for m in added.members] == ["updated", "updated", "created"]
    assert added.page.action == "updated" and added.page.wordpress_id == page_id
    assert len(site.revisions("pages", page_id)) == page_revisions + 1  # updated in place: one new revision
    new = int(added.members[2].wordpress_id or 0)
    for number, ident in ids.items():
        assert len(site.revisions("posts", ident)) == revisions[number] + 1  # one update each
        assert f"{wp_lab.url}/?p={new}" in hrefs(raw(site.item("posts", ident), "content"))
    assert site.revisions("posts", new) == []  # created with its siblings' links: never rewritten
    assert {f"{wp_lab.url}/?p={i}" for i in ids.values()} <= hrefs(raw(site.item("posts", new), "content"))
    assert f'href="{wp_lab.url}/?p={new}"' in raw(the_page(site, token), "content")


def test_a_member_republished_updates_its_post_and_the_page_and_no_sibling(
    series: Callable[..., SeriesSiteReport], members: Members, site: SiteView, token: str
) -> None:
    trio = members("03", "07", "12")
    first = series(trio)
    ids = [int(m.wordpress_id or 0) for m in first.members]
    page_id = int(first.page.wordpress_id or 0)
    before = {i: len(site.revisions("posts", i)) for i in ids}
    page_revisions = len(site.revisions("pages", page_id))
    # 07 redrafted (as republish --refresh-corpus does): a new body and one more paper discussed.
    redrafted = trio[1]
    post = load_folder(redrafted.folder)
    write_post(redrafted.folder, replace(post.source, body=post.source.body + "\n\nOne more finding.\n"),
               list(post.papers.values()))  # fmt: skip
    trio[1] = replace(redrafted, discussed=redrafted.discussed + 1)

    report = series(trio)

    assert [m.action for m in report.members] == ["unchanged", "updated", "unchanged"]
    assert report.page.action == "updated" and report.page.wordpress_id == page_id
    assert len(site.revisions("pages", page_id)) == page_revisions + 1
    assert {i: len(site.revisions("posts", i)) for i in ids} == {**before, ids[1]: before[ids[1]] + 1}
    assert f">{redrafted.discussed + 1:,}</td>" in raw(site.item("pages", page_id), "content")
    assert any(line.startswith("index page series-") and "updated" in line for line in report.lines())


def test_publishing_a_drafted_series_moves_every_link_to_the_permalinks_in_one_run(
    wp_lab: WordPressLab, series: Callable[..., SeriesSiteReport], members: Members, site: SiteView
) -> None:
    trio = members("03", "07", "12")
    drafts = series(trio)
    assert {str(m.link) for m in drafts.members} == {f"{wp_lab.url}/?p={m.wordpress_id}" for m in drafts.members}

    published = series(trio, status="publish", page_status="publish")

    assert published.ok and [m.action for m in published.members] == ["updated"] * 3
    links = {str(m.link) for m in published.members}
    assert not any("?p=" in link for link in links)  # permalinks now
    for member in published.members:
        stored = site.item("posts", int(member.wordpress_id or 0))
        assert stored["status"] == "publish"
        assert links - {str(member.link)} <= hrefs(raw(stored, "content"))  # the siblings' new links
        assert not any("?p=" in h for h in hrefs(raw(stored, "content")))
    assert links <= hrefs(raw(site.item("pages", int(published.page.wordpress_id or 0)), "content"))
    session = RecordingSession()
    assert series(trio, status="publish", page_status="publish", session=session).ok
    assert session.writes() == []  # converged in one run


def test_edits_made_in_wordpress_are_left_alone_and_reported(
    wp_lab: WordPressLab, series: Callable[..., SeriesSiteReport], members: Members, site: SiteView, token: str,
    posts: Path,
) -> None:
    first = series(members("03", "07"))
    page_id = int(first.page.wordpress_id or 0)
    edited_post = int(first.members[0].wordpress_id or 0)
    note = "<!-- wp:paragraph -->\n<p>An editor's note.</p>\n<!-- /wp:paragraph -->"
    by_hand = raw(site.item("pages", page_id), "content") + "\n\n" + note
    site.edit("pages", page_id, content=by_hand)
    site.edit("posts", edited_post, title="Agents, retitled by the editor")

    report = series(members("03", "07", "12"))

    assert report.page.action == "edited-in-wordpress" and "left alone" in report.page.message
    assert report.members[0].action == "edited-in-wordpress"
    assert [m.action for m in report.members[1:]] == ["updated", "created"]
    assert report.ok  # the editor's edits are kept: reported, not a failure
    page = site.item("pages", page_id)
    assert raw(page, "content") == by_hand and "<td>12</td>" not in raw(page, "content")
    assert raw(site.item("posts", edited_post), "title") == "Agents, retitled by the editor"
    # The sibling that was not edited links the new post; the edited one keeps its old footer.
    new_link = str(report.members[2].link)
    assert new_link in hrefs(raw(site.item("posts", int(report.members[1].wordpress_id or 0)), "content"))
    assert new_link not in hrefs(raw(site.item("posts", edited_post), "content"))

    forced = series(members("03", "07", "12"), force_page=True)
    assert forced.page.action == "updated" and forced.page.wordpress_id == page_id
    assert "<td>12</td>" in raw(site.item("pages", page_id), "content")
    (copy,) = (posts / ".series" / f"series-{token}").glob("remote-*.json")
    assert "An editor's note." in json.loads(copy.read_text("utf-8"))["content"]["raw"]


def test_a_page_record_of_another_site_is_refused_and_the_posts_go_on(
    series: Callable[..., SeriesSiteReport], members: Members, site: SiteView, token: str, posts: Path
) -> None:
    first = series(members("07"))
    page_id = int(first.page.wordpress_id or 0)
    modified = site.item("pages", page_id)["modified_gmt"]
    path = posts / ".series" / f"series-{token}" / "record.json"
    record = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**record, "site_url": "https://elsewhere.example"}), "utf-8")

    report = series(members("07", "12"))

    assert report.page.action == "other-site" and not report.ok and report.exit_code == 1
    assert "belongs to https://elsewhere.example, not to WORDPRESS_URL" in report.page.message
    # 07 links 12 now, and no index page: its record is not this site's.
    assert [m.action for m in report.members] == ["updated", "created"]
    assert "?page_id=" not in raw(site.item("posts", int(report.members[0].wordpress_id or 0)), "content")
    assert site.item("pages", page_id)["modified_gmt"] == modified and len(site.pages_by_slug(f"series-{token}")) == 1


def test_an_author_publishes_the_posts_but_may_not_write_the_page(
    wp_lab: WordPressLab, series: Callable[..., SeriesSiteReport], members: Members, site: SiteView, token: str
) -> None:
    report = series(members("03", "07"), user=wp_lab.author)

    assert [m.action for m in report.members] == ["created", "created"]
    assert report.members[0].actions == ["created", "updated"]  # 03 learns 07's link in the second pass
    assert report.page.action == "failed" and report.exit_code == 1
    assert "lacks the capability 'edit_pages'" in report.page.message and "nothing was written" in report.page.message
    assert site.pages_by_slug(f"series-{token}") == []
    first, second = (site.item("posts", int(m.wordpress_id or 0)) for m in report.members)
    assert str(report.members[1].link) in hrefs(raw(first, "content"))
    assert str(report.members[0].link) in hrefs(raw(second, "content"))


def test_a_page_gone_from_wordpress_is_reported_with_the_way_back(
    series: Callable[..., SeriesSiteReport], members: Members, site: SiteView, token: str, posts: Path
) -> None:
    first = series(members("07"))
    page_id = int(first.page.wordpress_id or 0)
    requests.delete(site.url(f"pages/{page_id}"), auth=site.auth, timeout=30)  # to the trash

    trashed = series(members("07"))

    assert trashed.page.action == "failed" and not trashed.ok
    assert f"page 'series-{token}' (WordPress id {page_id}) is in the trash" in trashed.page.message
    assert "Pages > Trash" in trashed.page.message
    site.delete(f"pages/{page_id}")  # permanently
    gone = series(members("07"))
    assert "has no such page (deleted permanently?)" in gone.page.message
    record = posts / ".series" / f"series-{token}" / "record.json"
    assert f"Remove {record} to create it again" in gone.page.message
    record.unlink()
    again = series(members("07"))
    assert again.page.action == "created" and again.page.wordpress_id != page_id and again.ok


def test_one_member_that_cannot_be_published_is_reported_and_the_rest_go_on(
    series: Callable[..., SeriesSiteReport], members: Members, site: SiteView, token: str
) -> None:
    trio = members("03", "07", "12")
    broken = load_folder(trio[0].folder)  # cites a paper its papers.json does not hold: the render refuses it
    write_post(trio[0].folder, replace(broken.source, body=broken.source.body + "\n\nSee [@9999.99999].\n"),
               list(broken.papers.values()))  # fmt: skip

    report = series(trio)

    assert [m.action for m in report.members] == ["failed", "created", "created"] and report.exit_code == 1
    assert "9999.99999" in report.members[0].message and report.members[0].wordpress_id is None
    assert site.get(f"posts?slug={trio[0].folder.name}&status=any") == []
    page = raw(the_page(site, token), "content")
    assert "<td>03</td>" in page and "not published yet" in page.split("<td>03</td>", 1)[1].split("</tr>")[0]
    for member in report.members[1:]:  # the others link each other, and not the post that is not there
        content = raw(site.item("posts", int(member.wordpress_id or 0)), "content")
        assert "Agents &amp; Tool Use" not in content.split("More in the series", 1)[1]
