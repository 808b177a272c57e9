"""``digest-publisher backfill``: the editor's one command: draft, render, publish, print the link."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .. import config, pipeline
from ..errors import ConfigError
from ..models import PostKind
from ._common import (
    DRAFT_WINDOW_HELP,
    command_site,
    corpus_format_option,
    corpus_option,
    date_option,
    drafter_option,
    echo_json,
    exclude_option,
    from_to_options,
    info,
    json_option,
    kind_option,
    model_option,
    papers_option,
    pin_option,
    posts_dir_option,
    prompts_dir_option,
    status_option,
    topic_option,
    topics_option,
    transport_option,
)
from .draft import RichProgress, build_drafter, claims_line


@click.command("backfill")
@topic_option(required=False)
@corpus_option()
@from_to_options(default=DRAFT_WINDOW_HELP)
@status_option
@date_option
@kind_option
@drafter_option
@model_option
@transport_option
@corpus_format_option
@topics_option
@prompts_dir_option
@click.option("--force", is_flag=True, help="Replace a post.md that was edited since it was drafted.")
@papers_option
@pin_option
@exclude_option
@click.option("--estimate", is_flag=True,
              help="Print the Claude run's calls, tokens and dollars per stage (streamed and batched) and exit; "
                   "no API call, nothing published.")
@click.option("--series", "as_series", is_flag=True,
              help="Every topic's backfill as one job (the same as `series`; --topic then names one topic of it).")
@json_option
@posts_dir_option
@click.pass_context
def backfill_command(
    ctx: click.Context,
    topic_ref: str | None,
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
    papers_k: int | None,
    pins: tuple[str, ...],
    excludes: tuple[str, ...],
    estimate: bool,
    as_series: bool,
    as_json: bool,
    posts_dir: Path | None,
) -> None:
    """Draft a topic's post, render its preview and publish it to WordPress; print the post's link."""
    if as_series:
        if date_gmt or kind or force or pins or excludes:
            raise ConfigError("backfill --series takes no --date, --kind, --force, --pin or --exclude",
                              "Drop them (pins and excludes go in topics.toml), or run `backfill --topic ID` per topic")
        from .series import series_command

        ctx.invoke(series_command, topic_ref=(topic_ref,) if topic_ref else (), corpus_paths=corpus_paths,
                   date_from=date_from, date_to=date_to, status=status, drafter_name=drafter_name, model=model,
                   batch=False, estimate=estimate, papers_k=papers_k, transport=transport, fmt=fmt,
                   topics_path=topics_path, prompts_dir=prompts_dir, as_json=as_json, posts_dir=posts_dir)
        return
    if topic_ref is None:
        raise ConfigError("backfill needs --topic", "Name the topic (--topic 07), or add --series for every topic")
    if estimate:
        from .estimate import print_estimate

        print_estimate(pipeline.estimate_topic(
            list(corpus_paths), topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to, fmt=fmt,
            kind=PostKind(kind) if kind else None, prompts_dir=prompts_dir, cache_dir=config.cache_dir(),
            model=model, papers=papers_k,
        ), as_json)
        return
    site = command_site(posts_dir)  # before any work: missing settings are reported all at once
    name = drafter_name or ("claude" if config.claude_key_set() else "builtin")
    drafter = build_drafter(name, model=model, batch=False, prompts_dir=prompts_dir, cache_dir=config.cache_dir())
    info(f"Drafter: {drafter.describe()}")
    with RichProgress(enabled=not as_json) as progress:
        result = pipeline.backfill(
            list(corpus_paths), topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to,
            fmt=fmt, kind=PostKind(kind) if kind else None, drafter=drafter,
            posts_dir=config.posts_dir(posts_dir), site=site, status=status, date_gmt=date_gmt,
            transport=transport, progress=progress, overwrite=force, papers=papers_k, pins=pins, excludes=excludes,
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
