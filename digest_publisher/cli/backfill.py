"""``digest-publisher backfill``: the editor's one command: draft, render, publish, print the link."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .. import config, pipeline
from ..corpus import FORMATS
from ..models import PostKind
from ._common import (
    date_option,
    drafter_option,
    echo_json,
    info,
    json_option,
    model_option,
    posts_dir_option,
    prompts_dir_option,
    status_option,
    to_date,
    topics_option,
    transport_option,
)
from .draft import RichProgress, build_drafter, claims_line


@click.command("backfill")
@click.option("--topic", "topic_ref", required=True, help="Topic number or slug from topics.toml.")
@click.option("--corpus", "corpus_paths", multiple=True, required=True, type=click.Path(path_type=Path),
              help="Corpus file or folder (repeat for more).")
@click.option("--from", "date_from", callback=to_date, default=None, help="First day (default: the topic's).")
@click.option("--to", "date_to", callback=to_date, default=None, help="Last day (default: the topic's).")
@status_option
@date_option
@click.option("--kind", type=click.Choice([k.value for k in PostKind]), default=None,
              help="Post kind (default: the topic's).")
@drafter_option
@model_option
@transport_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Corpus format.")
@topics_option
@prompts_dir_option
@click.option("--force", is_flag=True, help="Replace a post.md that was edited since it was drafted.")
@json_option
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
    settings = config.wordpress_settings()  # before any work: missing settings are reported all at once
    name = drafter_name or ("claude" if config.claude_key_set() else "builtin")
    drafter = build_drafter(name, model=model, batch=False, prompts_dir=prompts_dir, cache_dir=config.cache_dir())
    info(f"Drafter: {drafter.describe()}")
    with RichProgress() as progress:
        result = pipeline.backfill(
            list(corpus_paths), topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to,
            fmt=fmt, kind=PostKind(kind) if kind else None, drafter=drafter,
            posts_dir=config.posts_dir(posts_dir), settings=settings, status=status, date_gmt=date_gmt,
            transport=transport, progress=progress, overwrite=force,
        )
    summary = result.publish.summary()
    info(claims_line(result.draft_report, config.posts_dir(posts_dir) / result.slug))
    info(f"Preview: {result.preview}")
    info(f"{summary['action']} post {summary['id']} ({summary['status']}) via {summary['transport']}; "
         f"{summary['requests']} request(s)")
    if as_json:
        echo_json({"slug": result.slug, "preview": str(result.preview), "publish": summary,
                   "draft": result.draft_report})
    else:
        click.echo(summary["link"])
