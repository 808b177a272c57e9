"""topics.toml's ``category = { name, slug }`` decides the slug of the topic's category (issue 11, item 13): it
is created with that slug, an existing category with that slug is reused, and a category of that name under
another slug (made before topics.toml gave one) is used, with a warning that says how to align them. Through
the real CLI (``--topics``) against the real WordPress, as admin and as author."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest_publisher.models import PostKind
from digest_publisher.records import PostSource, write_post
from tests.publishing.pubhelpers import Lab, LabUser, Rest, png_bytes
from tests.republish.rephelpers import env_for, record_of, run_cli

pytestmark = pytest.mark.wordpress

REAL_TOPICS = Path(__file__).resolve().parents[2] / "topics.toml"


def _topics(tmp_path: Path, name: str, slug: str) -> Path:
    """The real topics.toml with topic 07's category renamed for this test."""
    text = REAL_TOPICS.read_text(encoding="utf-8")
    line = f'category = {{ name = "{name}", slug = "{slug}" }}'
    text, count = re.subn(r"(?m)^category = \{.*\}$", line, text, count=1)  # topic 07 comes first
    assert count == 1 and 'number = "07"' in text.split(line)[0]
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _post(posts: Path, slug: str, category: str) -> None:
    folder = posts / slug
    folder.mkdir(parents=True)
    (folder / "figure.png").write_bytes(png_bytes(slug))
    source = PostSource(
        title=f"Post-training notes {slug}",
        slug=slug,
        topic="07",
        kind=PostKind.BRIEF,
        body="## Findings\n\nReward models drift.\n",
        categories=(category,),
        featured_image="figure.png",
        papers_covered=False,
    )
    write_post(folder, source, [])


def _categories(rest: Rest, name_part: str) -> list[tuple[str, str]]:
    return sorted((c["name"], c["slug"]) for c in rest.get(f"categories?search={name_part}&per_page=100"))


def test_the_topic_category_gets_the_slug_topics_toml_gives_it(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    name, slug = f"RL & Post-Training {token}", f"topic-07-{token}"
    topics = _topics(tmp_path, name, slug)
    env = env_for(wp_lab, wp_lab.admin, tmp_path / "posts")
    for post in (f"cat-a-{token}", f"cat-b-{token}"):
        _post(tmp_path / "posts", post, name)
        done = run_cli(env, "publish", post, "--topics", str(topics))
        assert done.exit_code == 0, done.output

    assert _categories(admin_rest, token) == [("RL &amp; Post-Training " + token, slug)]  # created once, reused
    category = admin_rest.get(f"categories?slug={slug}")[0]
    for post in (f"cat-a-{token}", f"cat-b-{token}"):
        post_id = record_of(tmp_path / "posts" / post)["wordpress_id"]
        assert admin_rest.get(f"posts/{post_id}?context=edit")["categories"] == [category["id"]]


def test_an_existing_category_with_that_slug_is_reused(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    """Found by its slug, even when an editor renamed it since (the slug is what ties it to the topic)."""
    name, slug = f"Topic seven {token}", f"topic-07-{token}"
    existing = admin_rest.post("categories", {"name": f"Topic 7, renamed {token}", "slug": slug})
    _post(tmp_path / "posts", f"cat-reuse-{role}-{token}", name)

    done = run_cli(env_for(wp_lab, user, tmp_path / "posts"), "publish", f"cat-reuse-{role}-{token}",
                   "--topics", str(_topics(tmp_path, name, slug)))  # fmt: skip

    assert done.exit_code == 0, done.output
    post_id = record_of(tmp_path / "posts" / f"cat-reuse-{role}-{token}")["wordpress_id"]
    assert admin_rest.get(f"posts/{post_id}?context=edit")["categories"] == [existing["id"]]
    assert _categories(admin_rest, token) == [(f"Topic 7, renamed {token}", slug)]


def test_a_category_of_that_name_under_another_slug_is_used_with_a_warning(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    """A site whose topic category predates topics.toml's slug (an older version named it from its name):
    publishing goes on under that category, says so with both fixes, and never makes a second category."""
    name, slug = f"Topic seven {token}", f"topic-07-{token}"
    existing = admin_rest.post("categories", {"name": name, "slug": f"seven-{token}"})
    post = f"cat-clash-{role}-{token}"
    _post(tmp_path / "posts", post, name)

    topics = str(_topics(tmp_path, name, slug))
    done = run_cli(env_for(wp_lab, user, tmp_path / "posts"), "publish", post, "--topics", topics)
    assert done.exit_code == 0, done.output
    said = f"the category {name!r} exists on the site with the slug 'seven-{token}', not topics.toml's {slug!r}"
    assert said in done.output and f"slug = 'seven-{token}'" in done.output  # the fixes, either way
    again = run_cli(env_for(wp_lab, user, tmp_path / "posts"), "publish", post, "--topics", topics)
    assert again.exit_code == 0 and again.stdout.startswith("unchanged post"), again.output
    assert _categories(admin_rest, token) == [(name, f"seven-{token}")]
    [created] = admin_rest.get(f"posts?slug={post}&status=any&context=edit")
    assert created["categories"] == [existing["id"]]
