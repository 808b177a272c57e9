"""``digest-publisher render`` and ``digest-publisher preview``: a post source -> WordPress content + preview."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import DigestError
from ..models import RenderedPost
from ..records import PostFolder, load_post, resolve_posts_dir
from ..render import (
    CONTENT_FORMATS,
    CURRENT_WP_VERSION,
    TESTED_WP_VERSIONS,
    make_preview_server,
    render_post,
    write_preview,
)
from ..wordpress.settings import URL_VAR
from ._common import echo_json, info, posts_dir_option

TOPICS_FILE = Path("topics.toml")


def topic_label_for(topic: str, topics_file: Path = TOPICS_FILE) -> str:
    """The editor-facing label ("07 - RL & Post-Training") from topics.toml, else the front matter's string."""
    try:
        from ..topics import load_topics
    except ImportError:
        return topic
    if not topics_file.is_file():
        return topic
    try:
        return load_topics(topics_file).get(topic).label
    except (DigestError, KeyError, LookupError):
        return topic


def _render(
    ref: str, posts_dir: Path | None, content_format: str, wp_version: str = CURRENT_WP_VERSION
) -> tuple[PostFolder, RenderedPost, Path]:
    folder = load_post(ref, resolve_posts_dir(posts_dir))
    label = topic_label_for(folder.source.topic)
    # The site's URL (not a secret) only changes the :mrgreen: smiley's image URL in the dry run.
    site_url = (os.environ.get(URL_VAR) or "").strip().rstrip("/")
    rendered = render_post(
        folder, content_format=content_format, topic_label=label, site_url=site_url, wp_version=wp_version
    )
    return folder, rendered, write_preview(folder, rendered, topic_label=label)


@click.command("render")
@click.argument("ref", metavar="SLUG|FILE.md")
@click.option(
    "--format",
    "content_format",
    type=click.Choice(CONTENT_FORMATS),
    default="blocks",
    show_default=True,
    help="WordPress block markup, or classic HTML.",
)
@click.option(
    "--wp-version",
    "wp_version",
    default=CURRENT_WP_VERSION,
    show_default=True,
    metavar="X.Y",
    help=(
        "The WordPress version to render for: block markup as its editor saves it, the post object as it "
        f"returns it (tested: {', '.join(TESTED_WP_VERSIONS)}; others get the closest: 6.1 up to 6.1, else 6.8)."
    ),
)
@click.option("--json", "as_json", is_flag=True, help="Print the WordPress-shaped post object to stdout.")
@posts_dir_option
def render_command(ref: str, content_format: str, wp_version: str, as_json: bool, posts_dir: Path | None) -> None:
    """Render a post source; write preview.html, render.json and featured.png beside it."""
    folder, rendered, page = _render(ref, posts_dir, content_format, wp_version)
    if as_json:
        echo_json(rendered.post_object)
        info(f"Wrote {page} and {folder.path / 'render.json'}")
    else:
        click.echo(
            f"Rendered {rendered.slug} ({content_format} for WordPress {wp_version}, "
            f"{len(rendered.content)} characters)"
        )
        click.echo(f"Preview: {page}")
        click.echo(f"Post object: {folder.path / 'render.json'}")


@click.command("preview")
@click.argument("ref", metavar="SLUG|FILE.md")
@click.option("--serve", "port", type=click.IntRange(0, 65535), default=None,
              help="Serve the preview on http://127.0.0.1:PORT until interrupted.")  # fmt: skip
@click.option("--format", "content_format", type=click.Choice(CONTENT_FORMATS), default="blocks", show_default=True)
@posts_dir_option
def preview_command(ref: str, port: int | None, content_format: str, posts_dir: Path | None) -> None:
    """Write the preview page of a post (and serve it on 127.0.0.1 with --serve)."""
    folder, _rendered, page = _render(ref, posts_dir, content_format)
    click.echo(str(page))
    if port is None:
        return
    server = make_preview_server(folder.path, port)
    host, bound = server.server_address[:2]
    info(f"Serving http://{host!s}:{bound}/{page.name} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        info("Stopped.")
    finally:
        server.server_close()
