"""Front matter written as one JSON object (YAML's flow style) is read by ``json``, without loading PyYAML,
and reads exactly as the YAML reader reads it; anything JSON and this YAML reader may read differently (a
float: an arXiv id like ``2605.21630`` is a string to the YAML reader) goes to the YAML reader."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from digest_publisher.errors import PostSourceError
from digest_publisher.records import parse_post_source
from digest_publisher.records.front_matter import json_front_matter, yaml_front_matter

HEAD = {
    "title": "Post-training notes: \u201cRL\u201d \u2014 \u00e9t\u00e9 \U0001f680",
    "slug": "post-training-notes",
    "topic": "07 - Post-training",
    "categories": ["Research", "RL"],
    "tags": ["rl", "reward models"],
    "status": "draft",
    "date": "2026-05-18T09:00:00",
    "featured_image": "card.png",
    "excerpt": "Why post-training matters.\nTwo lines.",
    "papers_covered": False,
    "short_names": {"2605.21630": "ACC"},
    "series": {"name": "Weekly", "number": 3},
}


def _text(head: str) -> str:
    return f"---\n{head}\n---\n\n## A section\n\nBody.\n"


@pytest.mark.parametrize("indent", [None, 2])
def test_json_front_matter_reads_as_the_yaml_reader_reads_it(indent: int | None) -> None:
    head = json.dumps(HEAD, indent=indent, ensure_ascii=False)
    assert json_front_matter(head) == yaml_front_matter(head, "p/post.md") == HEAD
    post = parse_post_source(_text(head), "p/post.md")
    assert (post.title, post.tags, post.slug) == (HEAD["title"], ("rl", "reward models"), "post-training-notes")


def test_json_escapes_of_a_character_outside_the_bmp_are_read() -> None:
    """``json.dumps`` writes U+1F680 as the surrogate pair ``\\ud83d\\ude80``: valid JSON, which PyYAML refuses
    ("invalid Unicode character escape code"); the JSON reader reads the character."""
    head = json.dumps(HEAD)
    assert "\\ud83d\\ude80" in head
    with pytest.raises(PostSourceError, match="invalid Unicode character escape"):
        yaml_front_matter(head, "p/post.md")
    assert parse_post_source(_text(head), "p/post.md").title == HEAD["title"]


def test_a_float_goes_to_the_yaml_reader() -> None:
    head = '{"title": "T", "short_names": {"x": 1}, "papers": [2605.21630]}'
    assert json_front_matter(head) is None
    assert yaml_front_matter(head, "p/post.md")["papers"] == ["2605.21630"]  # the id keeps its last zero


@pytest.mark.parametrize("head", ["title: T", "[1, 2]", '{"title": "T",}', "{" * 100_000])
def test_what_is_not_one_json_object_goes_to_the_yaml_reader(head: str) -> None:
    assert json_front_matter(head) is None


def test_json_front_matter_is_checked_as_yaml_front_matter_is() -> None:
    with pytest.raises(PostSourceError, match="lacks title"):
        parse_post_source(_text('{"title": "  ", "slug": "s"}'), "p/post.md")
    with pytest.raises(PostSourceError, match="must be a mapping"):
        parse_post_source(_text("[1, 2]"), "p/post.md")


def test_reading_json_front_matter_does_not_load_pyyaml() -> None:
    code = (
        "import sys\n"
        "from digest_publisher.records import parse_post_source\n"
        f"post = parse_post_source({_text(json.dumps(HEAD))!r}, 'p/post.md')\n"
        "print(post.title == " + repr(HEAD["title"]) + ", 'yaml' in sys.modules)\n"
        "parse_post_source('---\\ntitle: T\\n---\\nBody\\n', 'p/post.md')\n"
        "print('yaml' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False", "True"]
