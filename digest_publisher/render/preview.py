"""The standalone preview page: the post as a plain WordPress theme would show it, offline.

Everything is inline (CSS, the featured image as a data URI); the page makes no network request of its
own. The content is ``content.rendered`` of the dry-run object, i.e. what WordPress will display.
"""

from __future__ import annotations

import base64
import functools
import html
import urllib.parse
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..models import RenderedPost
from . import factcheck_view

if TYPE_CHECKING:
    import http.server

PREVIEW_FILE = "preview.html"
FEATURED_PNG = "featured.png"

_CSS = """
:root { --text:#1e1e1e; --muted:#6b6b6b; --accent:#0b5cad; --line:#e2e2e2; --bg:#fff; --code:#f4f4f4; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; background:var(--bg); color:var(--text);
  font: 18px/1.65 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "DejaVu Sans", "Noto Sans", sans-serif; }
.site-header { border-bottom:1px solid var(--line); padding:14px 20px; display:flex; justify-content:space-between;
  gap:12px; flex-wrap:wrap; font-size:15px; }
.site-title { font-weight:700; letter-spacing:.02em; }
.preview-flag { color:#8a4b00; background:#fff4e0; border:1px solid #f0c98a; border-radius:999px; padding:1px 10px; }
main { max-width: 720px; margin: 0 auto; padding: 28px 20px 64px; }
.entry-meta { color:var(--muted); font-size:15px; margin:0 0 8px; }
.entry-meta a { color:inherit; }
.cat-links a { text-decoration:none; border:1px solid var(--line); border-radius:999px; padding:1px 10px;
  margin-right:6px; color:var(--accent); }
h1.entry-title { font-size: clamp(28px, 6vw, 44px); line-height:1.15; margin: 12px 0 20px; }
.post-thumbnail { margin: 0 0 28px; }
.post-thumbnail img { width:100%; height:auto; display:block; border-radius:6px; }
.entry-content { overflow-wrap:anywhere; }
.entry-content img { max-width:100%; height:auto; }
.entry-content a { color:var(--accent); }
.entry-content h2 { font-size:1.6em; line-height:1.25; margin:1.6em 0 .5em; }
.entry-content h3 { font-size:1.3em; line-height:1.3; margin:1.4em 0 .4em; }
.entry-content blockquote, .wp-block-quote { border-left:4px solid var(--text); margin:1.5em 0;
  padding:.2em 0 .2em 1.2em; }
.wp-block-separator, .entry-content hr { border:none; border-top:2px solid var(--line); margin:2.2em auto; width:100%; }
.entry-content pre, .wp-block-code { background:var(--code); padding:14px 16px; overflow-x:auto; border-radius:4px;
  font-size:15px; line-height:1.5; }
.entry-content code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size:.9em; }
.wp-block-table, .table-scroll { overflow-x:auto; margin:1.5em 0; }
.entry-content table { border-collapse:collapse; width:100%; font-size:16px; }
.entry-content th, .entry-content td { border:1px solid var(--line); padding:6px 10px; vertical-align:top; }
.has-text-align-left { text-align:left; } .has-text-align-center { text-align:center; }
.has-text-align-right { text-align:right; }
.wp-block-image { margin:1.5em 0; } .wp-block-image img { max-width:100%; height:auto; }
.footnotes { font-size:15px; color:var(--muted); }
.excerpt-card { margin-top:48px; border:1px solid var(--line); border-radius:8px; overflow:hidden; }
.excerpt-card h2 { font-size:13px; text-transform:uppercase; letter-spacing:.08em; color:var(--muted);
  margin:0; padding:10px 16px; border-bottom:1px solid var(--line); background:#fafafa; }
.excerpt-card .card-body { display:flex; gap:16px; padding:16px; align-items:flex-start; }
.excerpt-card img { width:160px; max-width:35%; height:auto; border-radius:4px; flex:none; }
.excerpt-card h3 { margin:0 0 6px; font-size:20px; line-height:1.3; }
.excerpt-card p { margin:0; font-size:16px; color:#333; }
@media (max-width: 520px) {
  body { font-size:17px; }
  main { padding: 18px 14px 48px; }
  .excerpt-card .card-body { flex-direction:column; }
  .excerpt-card img { width:100%; max-width:100%; }
}
"""


def _data_uri(rendered: RenderedPost) -> str | None:
    image = rendered.featured_image
    if image is None:
        return None
    return f"data:{image.mime_type};base64," + base64.b64encode(image.data).decode("ascii")


def preview_html(rendered: RenderedPost, *, shown_date: datetime, topic_label: str = "",
                 factcheck: Mapping[str, Any] | None = None, patterns: Mapping[str, str] | None = None) -> str:
    """The preview page for one rendered post; with ``factcheck`` (and the page patterns of its numbers), a
    toggle for the fact-check view (:mod:`.factcheck_view`), off by default and never inside the content."""
    obj = rendered.post_object
    title = obj["title"]["rendered"]
    content = obj["content"]["rendered"]
    excerpt = obj["excerpt"]["rendered"]
    date_text = shown_date.strftime("%B %-d, %Y")
    categories = list(rendered.categories) or ([topic_label] if topic_label else [])
    cats = "".join(f'<a href="#" rel="category tag">{html.escape(c)}</a>' for c in categories)
    image = rendered.featured_image
    uri = _data_uri(rendered)
    thumb = ""
    card_img = ""
    if image is not None and uri is not None:
        alt = html.escape(image.alt_text)
        thumb = f'<figure class="post-thumbnail"><img src="{uri}" alt="{alt}" width="1200" height="630"></figure>'
        card_img = f'<img src="{uri}" alt="{alt}">'
    tags = ", ".join(html.escape(t) for t in rendered.tags)
    tag_line = f'<p class="entry-meta">Tags: {tags}</p>' if tags else ""
    status = html.escape(str(obj.get("status") or rendered.status))
    fmt = html.escape(rendered.content_format)
    view_toggle = factcheck_view.toggle() if factcheck is not None else ""
    view_panel = factcheck_view.panel(factcheck, patterns or {}) if factcheck is not None else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} &#8211; preview</title>
<style>{_CSS}{factcheck_view.CSS if factcheck is not None else ""}</style>
</head>
<body class="single single-post format-{html.escape(rendered.content_format)}">
<header class="site-header"><span class="site-title">Frontier AI Research Digest</span>
<span class="preview-flag">Preview &middot; {status} &middot; {fmt}</span>{view_toggle}</header>
<main>
<article class="post type-post status-{status}">
<p class="entry-meta"><time datetime="{shown_date.isoformat()}">{date_text}</time>
<span class="cat-links">{cats}</span></p>
<h1 class="entry-title">{title}</h1>
{thumb}
<div class="entry-content">
{content}
</div>
{tag_line}
</article>
<section class="excerpt-card" aria-label="How the post appears in lists">
<h2>In post lists</h2>
<div class="card-body">{card_img}<div><h3>{title}</h3>{excerpt}</div></div>
</section>
</main>
{view_panel}
</body>
</html>
"""


#: What ``preview --serve`` serves: the page, and the card it shows (also inlined, kept for "open image").
#: Nothing else of the post folder (post.md, record.json, papers.json, drafts) is reachable, and there is
#: no directory listing.
SERVED_FILES = (PREVIEW_FILE, FEATURED_PNG)


@functools.cache
def _handler_class() -> type[http.server.BaseHTTPRequestHandler]:
    """The preview's request handler, defined on first use: ``http.server`` is loaded by ``preview --serve``
    only, not by every command that renders."""
    import http.server

    class _PreviewHandler(http.server.BaseHTTPRequestHandler):
        """Serves the preview page at ``/`` and ``/preview.html`` and the files in :data:`SERVED_FILES`; 404
        for every other path, so a browser pointed at the folder never sees the post's sources or records."""

        folder: Path

        def do_GET(self) -> None:  # the name http.server dispatches to
            self._answer(with_body=True)

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def _answer(self, *, with_body: bool) -> None:
            name = urllib.parse.urlsplit(self.path).path.lstrip("/") or PREVIEW_FILE
            target = self.folder / name
            if name not in SERVED_FILES or not target.is_file():
                self.send_error(404, "Not in the preview")
                return
            body = target.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8" if name.endswith(".html") else "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return _PreviewHandler


def make_preview_server(directory: Path, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server for one post's preview on 127.0.0.1 (port 0 picks a free one); the caller serves it.

    Only the preview page and its card are served (:data:`SERVED_FILES`), never the rest of the folder."""
    import http.server

    handler = type("PreviewHandler", (_handler_class(),), {"folder": directory})
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
