"""``digest-publisher backfill``: the editor's one command: draft, render, publish, print the link."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click

from .. import pipeline
from ..corpus import FORMATS
from ..models import PostKind
from ..publishing import TRANSPORTS
from ..records import resolve_posts_dir
from ..wordpress.settings import load_wordpress_settings
from ._common import echo_json, info, posts_dir_option
from .draft import DEFAULT_CACHE_DIR, RichProgress, _to_date, build_drafter
from .publish import STATUSES, _to_gmt


@click.command("backfill")
@click.option("--topic", "topic_ref", required=True, help="Topic number or slug from topics.toml.")
@click.option("--corpus", "corpus_paths", multiple=True, required=True, type=click.Path(path_type=Path),
              help="Corpus file or folder (repeat for more).")
@click.option("--from", "date_from", callback=_to_date, default=None, help="First day (default: the topic's).")
@click.option("--to", "date_to", callback=_to_date, default=None, help="Last day (default: the topic's).")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Post status (default: draft).")
@click.option("--date", "date_gmt", callback=_to_gmt, default=None, metavar="ISO8601",
              help="Publication date, sent as date_gmt (for --status future).")
@click.option("--kind", type=click.Choice([k.value for k in PostKind]), default=None,
              help="Post kind (default: the topic's).")
@click.option("--drafter", "drafter_name", type=click.Choice(["claude", "builtin"]), default=None,
              help="Default: claude when ANTHROPIC_API_KEY is set, else builtin.")
@click.option("--model", default=None, help="Claude model (default: prompts/models.toml).")
@click.option("--transport", type=click.Choice(TRANSPORTS), default="rest", show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Corpus format.")
@click.option("--topics", "topics_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("topics.toml"), show_default=True)
@click.option("--prompts-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("prompts"),
              show_default=True)
@click.option("--force", is_flag=True, help="Replace a post.md that was edited since it was drafted.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@posts_dir_option
def backfill_command(
    topic_ref: str,
    corpus_paths: tuple[Path, ...],
    date_from: date | None,
    date_to: date | None,
    status: str | None,
    date_gmt: str | None,
    kind: str | None,
    drafter_name: str | None,
    model: str | None,
    transport: str,
    fmt: str | None,
    topics_path: Path,
    prompts_dir: Path,
    force: bool,
    as_json: bool,
    posts_dir: Path | None,
) -> None:
    """Draft a topic's post, render its preview and publish it to WordPress; print the post's link."""
    settings = load_wordpress_settings()  # before any work: missing settings are reported all at once
    name = drafter_name or ("claude" if os.environ.get("ANTHROPIC_API_KEY") else "builtin")
    cache = Path(os.environ.get("DIGEST_CACHE_DIR") or DEFAULT_CACHE_DIR)
    drafter = build_drafter(name, model=model, batch=False, prompts_dir=prompts_dir, cache_dir=cache)
    info(f"Drafter: {drafter.describe()}")
    with RichProgress() as progress:
        result = pipeline.backfill(
            list(corpus_paths), topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to,
            fmt=fmt, kind=PostKind(kind) if kind else None, drafter=drafter,
            posts_dir=resolve_posts_dir(posts_dir), settings=settings, status=status, date_gmt=date_gmt,
            transport=transport, progress=progress, overwrite=force,
        )
    summary = result.publish.summary()
    info(f"Preview: {result.preview}")
    info(f"{summary['action']} post {summary['id']} ({summary['status']}) via {summary['transport']}; "
         f"{summary['requests']} request(s)")
    if as_json:
        echo_json({"slug": result.slug, "preview": str(result.preview), "publish": summary,
                   "draft": result.draft_report})
    else:
        click.echo(summary["link"])
