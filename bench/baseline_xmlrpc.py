"""The baseline of the publishing benchmark: the design card's own stack, python-wordpress-xmlrpc +
Python-Markdown, publishing a post.md the way a short script on that stack would.

    python -m bench.baseline_xmlrpc POST_FOLDER STATE_FILE     (WORDPRESS_URL/USERNAME/APP_PASSWORD)

It reads the front matter (PyYAML), converts the body with Python-Markdown (tables, fenced code,
footnotes), uploads the featured image and creates the post with its categories and tags by name
(``terms_names``: WordPress creates missing terms). The post's id and the image's attachment id are kept
in STATE_FILE, so a second run edits the post instead of creating another (``wp.editPost``): that stack
has no way to tell an unchanged post, so it sends it again. Prints one JSON line: requests and seconds.

No verification, no crash safety, no residue check: it is the floor to compare wall time against, not
an alternative.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from xmlrpc.client import Transport

import markdown
import yaml
from wordpress_xmlrpc import Client, WordPressPost
from wordpress_xmlrpc.compat import xmlrpc_client
from wordpress_xmlrpc.methods import media, posts


class CountingTransport(Transport):
    """Counts the HTTP requests the XML-RPC client makes (one per method call)."""

    requests = 0

    def request(self, host: Any, handler: Any, request_body: Any, verbose: bool = False) -> Any:
        CountingTransport.requests += 1
        return super().request(host, handler, request_body, verbose)


def publish(folder: Path, state_file: Path) -> dict[str, Any]:
    text = (folder / "post.md").read_text(encoding="utf-8")
    _, head, body = text.split("---", 2)
    meta = yaml.safe_load(head)
    html = markdown.markdown(body, extensions=["tables", "fenced_code", "footnotes"])
    state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
    url = os.environ["WORDPRESS_URL"].rstrip("/") + "/xmlrpc.php"
    client = Client(url, os.environ["WORDPRESS_USERNAME"], os.environ["WORDPRESS_APP_PASSWORD"],
                    transport=CountingTransport())  # fmt: skip

    thumbnail = state.get("thumbnail")
    if thumbnail is None:
        image = folder / str(meta["featured_image"])
        upload = {"name": image.name, "type": "image/png", "bits": xmlrpc_client.Binary(image.read_bytes())}
        thumbnail = client.call(media.UploadFile(upload))["id"]
    post = WordPressPost()
    post.title = meta["title"]
    post.content = html
    post.excerpt = meta.get("excerpt") or ""
    post.slug = meta.get("slug") or folder.name
    post.post_status = meta.get("status") or "draft"
    post.terms_names = {"category": list(meta.get("categories") or []), "post_tag": list(meta.get("tags") or [])}
    post.thumbnail = thumbnail
    if "id" in state:
        client.call(posts.EditPost(state["id"], post))
        post_id = state["id"]
    else:
        post_id = int(client.call(posts.NewPost(post)))
    state_file.write_text(json.dumps({"id": post_id, "thumbnail": thumbnail}), encoding="utf-8")
    return {"id": post_id, "requests": CountingTransport.requests}


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    result = publish(Path(argv[0]), Path(argv[1]))
    print(json.dumps({**result, "seconds": round(time.perf_counter() - started, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
