"""``digest-publisher render`` and ``digest-publisher preview``: a post source -> WordPress content + preview."""

from __future__ import annotations

from pathlib import Path

import click

from .. import config, pipeline
from ..wordpress.markup_versions import CURRENT_WP_VERSION, TESTED_WP_VERSIONS
from ._common import content_format_option, echo_json, info, posts_dir_option, topics_option, warn_render


def _render(
    ref: str, posts_dir: Path | None, topics_path: Path, content_format: str, wp_version: str | None = None
) -> pipeline.RenderResult:
    # The site's URL (not a secret) only changes the :mrgreen: smiley's image URL in the post object;
    # publish renders with the same URL, so the preview is what is uploaded.
    result = pipeline.render(
        ref,
        posts_dir=config.posts_dir(posts_dir),
        topics_path=topics_path,
        site_url=config.site_url(),
        content_format=content_format,
        wp_version=wp_version,
    )
    for warning in result.folder.source.warnings:
        info(f"warning: {warning}")
    warn_render(result.post, result.folder.source_file)
    return result


@click.command("render")
@click.argument("ref", metavar="SLUG|FILE.md")
@content_format_option
@click.option(
    "--wp-version",
    "wp_version",
    default=None,
    metavar="X.Y",
    help=(
        "The WordPress version to render for: block markup as its editor saves it, the post object as it "
        f"returns it (tested: {', '.join(TESTED_WP_VERSIONS)}; others get the closest: 6.1 up to 6.1, else 6.8). "
        "Default: the version check/publish found for WORDPRESS_URL, else the current line "
        f"({CURRENT_WP_VERSION})."
    ),
)
@click.option("--json", "as_json", is_flag=True, help="Print the WordPress-shaped post object to stdout.")
@topics_option
@posts_dir_option
def render_command(
    ref: str, content_format: str, wp_version: str | None, as_json: bool, topics_path: Path, posts_dir: Path | None
) -> None:
    """Render a post source; write preview.html, render.json and featured.png beside it.

    A post folder's files go into it; a loose my-note.md's into the folder my-note/ beside it."""
    result = _render(ref, posts_dir, topics_path, content_format, wp_version)
    post_object = result.folder.path / "render.json"
    if as_json:
        echo_json(result.post.post_object)
        info(f"Wrote {result.page} and {post_object}")
    else:
        click.echo(
            f"Rendered {result.post.slug} ({content_format} for WordPress {result.wp_version}, "
            f"{len(result.post.content)} characters)"
        )
        click.echo(f"Preview: {result.page}")
        click.echo(f"Post object: {post_object}")


@click.command("preview")
@click.argument("ref", metavar="SLUG|FILE.md")
@click.option("--serve", "port", type=click.IntRange(0, 65535), default=None,
              help="Serve the preview on http://127.0.0.1:PORT until interrupted.")  # fmt: skip
@content_format_option
@topics_option
@posts_dir_option
def preview_command(ref: str, port: int | None, content_format: str, topics_path: Path, posts_dir: Path | None) -> None:
    """Write the preview page of a post (and serve it on 127.0.0.1 with --serve)."""
    result = _render(ref, posts_dir, topics_path, content_format)
    click.echo(str(result.page))
    if port is None:
        return
    from ..render.preview import make_preview_server

    server = make_preview_server(result.folder.path, port)
    host, bound = server.server_address[:2]
    info(f"Serving http://{host!s}:{bound}/{result.page.name} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        info("Stopped.")
    finally:
        server.server_close()
