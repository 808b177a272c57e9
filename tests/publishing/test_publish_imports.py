"""What a ``publish`` process loads, pinned (issue 19: publishing no slower than the plain stack): the real CLI
in a subprocess against the real WordPress, listing the modules loaded when it exits.

* an unchanged re-publish (the render cache hit, one read of the post) loads no Markdown parser, no Pillow,
  no Claude SDK, no httpx and no requests/urllib3 (the publishing side's HTTP is ``http.client``); with JSON
  front matter it does not load PyYAML either, with YAML front matter it must (and does);
* a first publish with a user's image file renders (markdown-it) but checks the image without Pillow, and sends
  the image's upload before markdown-it is loaded (the post renders while the image uploads).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from digest_publisher.render.card import CardText, render_card
from tests.publishing.pubhelpers import Lab

pytestmark = pytest.mark.wordpress

HEAVY = ("markdown_it", "PIL", "yaml", "anthropic", "httpx", "requests", "urllib3")
PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('LOADED', sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr))\n"
    # what was loaded when the image upload was sent (the HTTP side is loaded before it anyway)
    "from digest_publisher.wordpress.transport import Transport\n"
    "send = Transport.send\n"
    "def spy(self, method, url, **kw):\n"
    "    if method == 'POST' and '/wp/v2/media?' in url:\n"
    "        print('AT_UPLOAD', sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n"
    "    return send(self, method, url, **kw)\n"
    "Transport.send = spy\n"
    "from digest_publisher.cli import main\n"
    "sys.argv = ['digest-publisher', 'publish', {slug!r}]\n"
    "main()\n"
)
BODY = "## Why post-training matters\n\nReward models drift; careful data beats more data.\n"


def _write(folder: Path, head: Mapping[str, object], *, json_head: bool) -> None:
    folder.mkdir(parents=True)
    (folder / "card.png").write_bytes(render_card(CardText(title=folder.name, topic="", paper_count=0, window="")))
    yaml_lines = "\n".join(f"{key}: {json.dumps(value)}" for key, value in head.items())  # block style
    text = json.dumps(head) if json_head else yaml_lines
    (folder / "post.md").write_text(f"---\n{text}\n---\n\n{BODY}", encoding="utf-8")


def _publish(lab: Lab, posts: Path, slug: str) -> tuple[str, list[str], list[str] | None]:
    env = {
        **os.environ,
        "WORDPRESS_URL": lab.url,
        "WORDPRESS_USERNAME": lab.admin.username,
        "WORDPRESS_APP_PASSWORD": lab.admin.app_password,
        "DIGEST_NO_DOTENV": "1",
        "DIGEST_POSTS_DIR": str(posts),
    }
    code = PROBE.format(heavy=HEAVY, slug=slug)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in done.stderr.splitlines() if line[:1].isupper()}
    at_upload = list(eval(lines["AT_UPLOAD"])) if "AT_UPLOAD" in lines else None  # noqa: S307 - our own print
    return done.stdout.split()[0], list(eval(lines["LOADED"])), at_upload  # noqa: S307 - our own print


@pytest.mark.parametrize("json_head", [True, False], ids=["json-front-matter", "yaml-front-matter"])
def test_what_a_publish_loads(wp_lab: Lab, token: str, tmp_path: Path, json_head: bool) -> None:
    posts = tmp_path / "posts"
    slug = f"imports-{token}-{'json' if json_head else 'yaml'}"
    head = {"title": "What a publish loads", "slug": slug, "status": "draft", "tags": ["imports"],
            "featured_image": "card.png", "featured_image_alt": "A card"}  # fmt: skip
    _write(posts / slug, head, json_head=json_head)

    action, first, at_upload = _publish(wp_lab, posts, slug)
    assert action == "created"
    assert "markdown_it" in first and "PIL" not in first  # rendered; the image checked from its header
    assert not {"anthropic", "httpx", "requests", "urllib3"} & set(first)
    # The upload went out before the Markdown side was loaded: the post renders while the image uploads.
    assert at_upload == ([] if json_head else ["yaml"])

    action, again, at_upload = _publish(wp_lab, posts, slug)
    assert action == "unchanged" and at_upload is None
    assert again == ([] if json_head else ["yaml"])
