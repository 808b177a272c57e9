"""``digest-publisher republish | history``: keep WordPress in step with the post sources, from cron.

Exit codes of ``republish`` (for cron mail and systemd): 0 all fine, 1 a post failed or was refused,
75 (EX_TEMPFAIL) another run holds the lock: try again later.
"""

from __future__ import annotations

from pathlib import Path

import click

from .. import config, pipeline
from ..errors import LockError
from ..pipeline import CorpusRefresh
from ..publishing.history import PostHistory
from ..publishing.results import EXIT_TEMPFAIL, RepublishReport
from ._common import (
    GreedyOption,
    command_site,
    drafter_option,
    dry_run_option,
    echo_json,
    info,
    model_option,
    posts_dir_option,
    prompts_dir_option,
    report_json_option,
    topics_option,
    transport_option,
)


@click.command("republish")
@click.argument("slugs", nargs=-1)
@click.option("--all", "all_posts", is_flag=True, help="Every published post under the posts folder.")
@click.option(
    "--refresh-corpus",
    "corpus_paths",
    cls=GreedyOption,
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    metavar="PATH...",
    help="Corpus files or folders (after the SLUGs): redraft posts whose topic window gained papers in them. "
    "A post.md edited since its draft is kept as edited (and published) unless --overwrite-edits.",
)
@click.option(
    "--overwrite-edits",
    is_flag=True,
    help="With --refresh-corpus: redraft posts whose post.md was edited since their draft too, replacing "
    "the edits.",
)
@topics_option
@drafter_option
@model_option
@prompts_dir_option
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite posts edited in WordPress since the last publish (their WordPress version is saved "
    "to remote-<time>.json beside the record first).",
)
@dry_run_option
@report_json_option
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print only posts that were written, refused or failed, and no summary: cron mails nothing when "
    "nothing happened.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another run that holds the lock before giving up with exit code 75.",
)
@click.option(
    "--to-revision",
    "revision",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="With one SLUG: make WordPress revision N (see `history SLUG`) the current version, as a new revision.",
)
@click.option(
    "--rebind-site",
    "rebind_from",
    default=None,
    metavar="OLD_URL",
    help="The site moved from OLD_URL to WORDPRESS_URL (http to https, a new domain): bind the records of "
    "OLD_URL to WORDPRESS_URL first (written to record.json; the post ids stay).",
)
@posts_dir_option
def republish_command(
    slugs: tuple[str, ...],
    all_posts: bool,
    corpus_paths: tuple[Path, ...],
    overwrite_edits: bool,
    topics_path: Path,
    drafter_name: str | None,
    model: str | None,
    prompts_dir: Path,
    force: bool,
    dry_run: bool,
    as_json: bool,
    quiet: bool,
    wait: float,
    revision: int | None,
    rebind_from: str | None,
    posts_dir: Path | None,
) -> None:
    """Update the published posts whose source changed since their last publish (SLUG..., or --all).

    Safe to run from cron: unchanged posts cost no write (one read per 100 posts), each change makes
    exactly one new WordPress revision, posts edited in WordPress are refused (the others go on), and
    scheduled posts that WordPress failed to publish on time are published.
    """
    if overwrite_edits and not corpus_paths:
        raise click.UsageError("--overwrite-edits goes with --refresh-corpus PATH...")
    if bool(slugs) == all_posts:
        raise click.UsageError("name the posts to republish (SLUG ...) or pass --all, not both")
    if revision is not None and len(slugs) != 1:
        raise click.UsageError("--to-revision restores one post: give exactly one SLUG")
    if rebind_from is not None and (dry_run or revision is not None):
        raise click.UsageError("--rebind-site writes the records: run it without --dry-run and --to-revision")
    site = command_site(posts_dir, dry_run=dry_run)
    folder_root = config.posts_dir(posts_dir)
    try:
        if revision is not None:
            report = pipeline.restore(slugs[0], posts_dir=folder_root, site=site, revision=revision, wait=wait)
        else:
            report = pipeline.republish(
                folder_root,
                site,
                topics_path=topics_path,
                slugs=slugs,
                force=force,
                wait=wait,
                refresh=_refresh(corpus_paths, overwrite_edits, topics_path, drafter_name, model, prompts_dir),
                rebind_from=rebind_from,
            )
    except LockError as exc:
        # Another run is at work: not a failure, cron should simply try again later.
        if as_json:
            echo_json({"exit_code": EXIT_TEMPFAIL, "error": str(exc), "posts": []})
        else:
            info(f"busy: {exc}")
        raise click.exceptions.Exit(EXIT_TEMPFAIL) from exc
    _print_report(report, as_json, quiet)
    raise click.exceptions.Exit(report.exit_code)


def _refresh(
    corpus_paths: tuple[Path, ...],
    overwrite_edits: bool,
    topics_path: Path,
    drafter_name: str | None,
    model: str | None,
    prompts_dir: Path,
) -> CorpusRefresh | None:
    if not corpus_paths:
        return None
    from ..corpus import corpus_files
    from .draft import build_drafter

    name = drafter_name or ("claude" if config.claude_key_set() else "builtin")
    drafter = build_drafter(name, model=model, batch=False, prompts_dir=prompts_dir, cache_dir=config.cache_dir())
    return CorpusRefresh(
        paths=tuple(corpus_files(list(corpus_paths))),
        topics_path=topics_path,
        drafter=drafter,
        overwrite_edits=overwrite_edits,
    )


QUIET_ACTIONS = frozenset({"unchanged", "skipped"})


def _print_report(report: RepublishReport, as_json: bool, quiet: bool) -> None:
    if as_json:
        echo_json(report.to_dict())
        return
    for post in report.posts:
        if quiet and post.action in QUIET_ACTIONS:
            continue
        click.echo(post.line())
        for note in post.notes:
            if note not in post.message:
                info(f"  note: {note}")
    if not quiet:
        info(report.summary() + (" (dry run: nothing written)" if report.dry_run else ""))


@click.command("history")
@click.argument("slug")
@report_json_option
@click.option("--local", "local_only", is_flag=True, help="Only the local record; ask WordPress nothing.")
@transport_option
@posts_dir_option
def history_command(slug: str, as_json: bool, local_only: bool, transport: str, posts_dir: Path | None) -> None:
    """The local publish history of SLUG beside its WordPress revisions (ids, dates, what changed)."""
    site = None if local_only else command_site(posts_dir)
    result = pipeline.history(slug, posts_dir=config.posts_dir(posts_dir), site=site, transport=transport)
    if as_json:
        echo_json(result.to_dict())
        return
    _print_history(result, local_only)


def _print_history(result: PostHistory, local_only: bool) -> None:
    if result.wordpress_id is None:
        click.echo(f"{result.slug}: never published")
    else:
        click.echo(f"{result.slug}: post {result.wordpress_id} ({result.status}) {result.link or ''}".rstrip())
    click.echo("local history (record.json):")
    for line in result.local or ["(none)"]:
        click.echo(f"  {line}")
    if result.remote_copies:
        click.echo("WordPress versions saved before --force overwrote them:")
        for name in result.remote_copies:
            click.echo(f"  {name}")
    if local_only or result.wordpress_id is None:
        return
    click.echo("WordPress revisions, newest first (restore one with `republish SLUG --to-revision ID`):")
    if not result.revisions:
        click.echo("  (none: WordPress keeps a revision per update; the first version is not one)")
    for rev in result.revisions:
        click.echo(f"  #{rev.id}  {rev.date_gmt} UTC  author {rev.author}  {', '.join(rev.changed)}  [{rev.title}]")
