"""``digest-publisher publish | check | status``: the WordPress end of the pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from ..errors import ConfigError
from ..models import RenderedPost
from ..publishing import TRANSPORTS, apply_overrides, check_site, post_statuses, publish_post
from ..records import load_post, load_record, resolve_posts_dir
from ..render import render_folder
from ..wordpress.client import dumps_for_humans
from ..wordpress.settings import load_wordpress_settings
from ._common import echo_json, info, posts_dir_option

STATUSES = ("draft", "pending", "private", "publish", "future")


def _to_gmt(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """ISO 8601 date and time; without a zone it is taken as UTC."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date and time; use ISO 8601, e.g. 2026-12-01T09:00:00Z", ctx, param
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.command("publish")
@click.argument("slug")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    default=None,
    help="Override post.md's status (default there: draft).",
)
@click.option(
    "--date",
    "date_gmt",
    callback=_to_gmt,
    default=None,
    metavar="ISO8601",
    help="Publication date, sent as date_gmt (UTC unless a zone is given). A future date with "
    "status publish/future schedules the post; less than 60 s ahead publishes at once.",
)
@click.option(
    "--transport",
    type=click.Choice(TRANSPORTS),
    default="rest",
    show_default=True,
    help="xmlrpc for sites whose REST API is turned off.",
)
@click.option("--dry-run", is_flag=True, help="Print every request it would send; write nothing anywhere.")
@click.option("--json", "as_json", is_flag=True, help="Print the server's post object (or the dry-run plan).")
@click.option(
    "--force",
    is_flag=True,
    help="Send even if unchanged, and overwrite edits made in WordPress since the last publish.",
)
@posts_dir_option
def publish_command(
    slug: str,
    status: str | None,
    date_gmt: str | None,
    transport: str,
    dry_run: bool,
    as_json: bool,
    force: bool,
    posts_dir: Path | None,
) -> None:
    """Create or update the WordPress post of SLUG (a folder under the posts directory), exactly once."""
    from ..render import check_residue

    settings = load_wordpress_settings()
    folder = load_post(slug, resolve_posts_dir(posts_dir))
    rendered = apply_overrides(render_folder(folder.path), status, date_gmt)
    report = publish_post(
        rendered,
        folder.path,
        settings,
        transport=transport,
        dry_run=dry_run,
        force=force,
        residue_check=check_residue,
        posts_dir=folder.path.parent,
    )
    outcome = report.outcome
    if dry_run:
        if as_json:
            echo_json({"dry_run": True, "requests": report.planned, "notes": outcome.notes})
            return
        for request in report.planned:
            sent = "sent (read-only)" if request["sent"] else "NOT sent (dry run)"
            name = f" {request['xmlrpc']}" if request.get("xmlrpc") else ""
            click.echo(f"{request['method']} {request['url']}{name}  [{sent}]")
            if request.get("body") is not None:
                click.echo("  " + dumps_for_humans(request["body"]).replace("\n", "\n  "))
        for note in outcome.notes:
            info(f"note: {note}")
        info(f"dry run: {sum(1 for r in report.planned if not r['sent'])} write(s) not sent; nothing written")
        return
    if as_json:
        record = load_record(folder.path)
        echo_json(
            outcome.post_object
            if outcome.post_object is not None
            else (record.last_response if record else None)
        )
    else:
        click.echo(
            f"{outcome.action} post {outcome.post_id} ({outcome.status}) via {outcome.transport}: "
            f"{outcome.link}"
        )
    for note in outcome.notes:
        info(f"note: {note}")
    info(f"{report.requests} request(s) in {report.seconds:.2f} s")


@click.command("check")
@click.option(
    "--category",
    "categories",
    multiple=True,
    metavar="NAME",
    help="A category a post will use: reports whether it exists or can be created.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check_command(categories: tuple[str, ...], as_json: bool) -> None:
    """Diagnose the WordPress connection: credentials, Application Passwords, headers, plugins, roles."""
    settings = load_wordpress_settings()
    report = check_site(settings, categories=categories)
    if as_json:
        echo_json(report.to_dict())
    else:
        if report.ok:
            click.echo(
                f"OK: {report.site_name or '?'} ({report.site_url}), WordPress "
                f"{report.wordpress_version or 'version hidden'}, REST API at {report.rest_root}"
            )
            click.echo(
                f"user {report.user} (id {report.user_id}), roles: {', '.join(report.roles) or 'none'}"
            )
        for finding in report.problems:
            click.echo(f"PROBLEM [{finding.kind}]: {finding.message}.\n  fix: {finding.hint}")
        for note in report.notes:
            click.echo(f"note: {note}")
    if not report.ok:
        raise click.exceptions.Exit(1)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per post.")
@posts_dir_option
def status_command(as_json: bool, posts_dir: Path | None) -> None:
    """Each local post with its WordPress id, status, link, and whether local and remote differ."""
    try:
        settings = load_wordpress_settings()
    except ConfigError as exc:
        settings = None
        info(f"note: remote not compared ({exc.message})")

    def render(folder: Path) -> RenderedPost:
        return render_folder(folder)

    rows = post_statuses(resolve_posts_dir(posts_dir), settings, render)
    if as_json:
        echo_json([row.to_dict() for row in rows])
        return
    if not rows:
        click.echo("no posts")
        return
    for row in rows:
        ident = f"#{row.wordpress_id}" if row.wordpress_id else "-"
        click.echo(
            f"{row.slug}  {ident}  {row.status or '-'}  local: {row.local}  remote: {row.remote}"
            + (f"  {row.link}" if row.link else "")
        )
