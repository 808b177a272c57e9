"""post.md front matter a hostile contributor controls: read safely, refused clearly (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from digest_publisher.cli import cli
from digest_publisher.errors import PostSourceError
from digest_publisher.records import parse_post_source
from digest_publisher.records.source import WORDPRESS_TEXT_BYTES
from digest_publisher.render.card import image_alt_text

BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
)


def _post(front_matter: str) -> str:
    return f"---\n{front_matter}---\n\nBody text.\n"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("key", ["title", "excerpt", "topic"])
def test_an_alias_bomb_is_refused_before_it_is_built(key: str) -> None:
    """Before issue 20 this reached 1.6 GB in 30 s and was killed."""
    text = _post(BOMB + f"{key}: *i\n" + ("title: T\n" if key != "title" else ""))
    with pytest.raises(PostSourceError, match=r"post.md:\d+: front matter uses a YAML alias \(\*"):
        parse_post_source(text, "posts/bomb/post.md")


def test_an_anchor_without_alias_is_still_read() -> None:
    assert parse_post_source(_post("title: &t Plain title\n"), "p/post.md").title == "Plain title"


@pytest.mark.parametrize("title", ["'   '", '"\\t\\n "', '"\\x00\\x01"'])
def test_a_blank_title_is_refused(title: str) -> None:
    """A whitespace-only title published with an empty title before issue 20."""
    with pytest.raises(PostSourceError, match="lacks title"):
        parse_post_source(_post(f"title: {title}\n"), "p/post.md")


def test_a_title_is_trimmed_to_one_line_without_control_characters() -> None:
    source = parse_post_source(_post('title: "  Two\\n lines\\x07 here  "\n'), "p/post.md")
    assert source.title == "Two lines here"


def test_a_title_longer_than_wordpress_stores_is_refused_naming_the_limit() -> None:
    """A 5 MB title rendered, then failed publish forever with "try again" advice before issue 20."""
    with pytest.raises(PostSourceError, match=f"over the {WORDPRESS_TEXT_BYTES:,} WordPress stores") as info:
        parse_post_source(_post(f"title: {'x' * 100_000}\n"), "p/post.md")
    assert "p/post.md" in str(info.value)
    with pytest.raises(PostSourceError, match="front matter has 5,000,007 characters"):
        parse_post_source(_post(f"title: {'x' * 5_000_000}\n"), "p/post.md")


def test_a_title_at_the_limit_is_accepted_and_entities_count() -> None:
    at_limit = "x" * WORDPRESS_TEXT_BYTES
    assert parse_post_source(_post(f"title: {at_limit}\n"), "p/post.md").title == at_limit
    with pytest.raises(PostSourceError, match="WordPress stores"):
        parse_post_source(_post(f"title: '{'&' * (WORDPRESS_TEXT_BYTES // 4)}'\n"), "p/post.md")


def test_a_huge_front_matter_or_field_is_refused() -> None:
    with pytest.raises(PostSourceError, match=r"front matter has .* characters, over the"):
        parse_post_source(_post("title: T\nx: " + "y" * 2_000_000 + "\n"), "p/post.md")
    with pytest.raises(PostSourceError, match="'topic' has 10,000 characters, over the 4,096 allowed"):
        parse_post_source(_post("title: T\ntopic: " + "y" * 10_000 + "\n"), "p/post.md")


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(PostSourceError, match=r"lone surrogate|invalid Unicode"):  # Python or libyaml reader
        parse_post_source(_post('title: "a\\ud800b"\n'), "p/post.md")


def test_alt_text_is_what_wordpress_keeps_so_every_run_sends_the_same() -> None:
    """WordPress unslashes alt text: "$\\alpha$" was stored as "$alpha$", so the first publish failed its
    check and the second passed with the stripped text (before issue 20)."""
    alt = image_alt_text(r"Scaling $\alpha$-Divergence")
    assert "\\" not in alt and alt == "Scaling α-Divergence"
    assert image_alt_text(alt) == alt  # a fixed point: what is stored is what is sent
    assert image_alt_text(r"a \\ b") == "a b"


@pytest.mark.timeout(60)
def test_one_hostile_post_does_not_take_status_down_for_the_folder(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    for slug, front in (("bomb", BOMB + "title: *i\n"), ("good", "title: Good post\n")):
        (posts / slug).mkdir(parents=True)
        (posts / slug / "post.md").write_text(_post(front), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["render", "bomb", "--posts-dir", str(posts)], env={"DIGEST_NO_DOTENV": "1"}
    )
    assert result.exit_code == 1 and "YAML alias" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["render", "good", "--posts-dir", str(posts)], env={"DIGEST_NO_DOTENV": "1"})
    assert result.exit_code == 0, result.output
    # `status` of the folder lists both posts (the bomb is never expanded: this runs in well under a second).
    result = CliRunner().invoke(cli, ["status", "--posts-dir", str(posts)], env={"DIGEST_NO_DOTENV": "1"})
    assert "Traceback" not in result.output
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["bomb", "good"], result.output
