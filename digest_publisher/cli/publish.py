"""``digest-publisher publish | check | status``: the WordPress end of the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import config, pipeline
from ..errors import ConfigError
from ._common import (
    command_site,
    date_option,
    dry_run_option,
    echo_json,
    info,
    json_option,
    posts_dir_option,
    report_json_option,
    status_option,
    topics_option,
    transport_option,
)


@click.command("publish")
@click.argument("slug", metavar="SLUG|FILE.md")
@status_option
@date_option
@transport_option
@dry_run_option
@click.option("--json", "as_json", is_flag=True, help="Print the server's post object (or the dry-run plan).")
@click.option(
    "--force",
    is_flag=True,
    help="Send even if unchanged, and overwrite edits made in WordPress since the last publish.",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Make this folder's record the owner of the WordPress post that already holds its slug and content "
    "(record.json lost); without it such a post, maybe another posts folder's, is never taken over.",
)
@topics_option
@posts_dir_option
def publish_command(
    slug: str,
    status: str | None,
    date_gmt: str | None,
    transport: str,
    dry_run: bool,
    as_json: bool,
    force: bool,
    adopt: bool,
    topics_path: Path,
    posts_dir: Path | None,
) -> None:
    """Create or update the WordPress post of SLUG|FILE.md, exactly once.

    SLUG is a folder under the posts directory; a loose Markdown file keeps its records in the folder of
    the same name beside it."""
    report = pipeline.publish(
        slug,
        posts_dir=config.posts_dir(posts_dir),
        site=command_site(posts_dir, dry_run=dry_run),
        topics_path=topics_path,
        status=status,
        date_gmt=date_gmt,
        transport=transport,
        force=force,
        adopt=adopt,
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
                click.echo("  " + json.dumps(request["body"], ensure_ascii=False, indent=2).replace("\n", "\n  "))
        for note in outcome.notes:
            info(f"note: {note}")
        info(f"dry run: {sum(1 for r in report.planned if not r['sent'])} write(s) not sent; nothing written")
        return
    if as_json:
        echo_json(outcome.post_object)
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
@json_option
@posts_dir_option
def check_command(categories: tuple[str, ...], as_json: bool, posts_dir: Path | None) -> None:
    """Diagnose the WordPress connection: credentials, Application Passwords, headers, plugins, roles."""
    report = pipeline.check(command_site(posts_dir), categories=categories)
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
@click.argument("refs", nargs=-1, metavar="[SLUG|FILE.md]...")
@report_json_option
@transport_option
@topics_option
@posts_dir_option
def status_command(
    refs: tuple[str, ...], as_json: bool, transport: str, topics_path: Path, posts_dir: Path | None
) -> None:
    """Each local post with its WordPress id, status, link, and whether local and remote differ.

    Given SLUG|FILE.md arguments (loose Markdown files too): only those posts."""
    try:
        site = command_site(posts_dir)
    except ConfigError as exc:
        site = None
        info(f"note: remote not compared ({exc.message})")
    report = pipeline.status(config.posts_dir(posts_dir), site, topics_path=topics_path, transport=transport, refs=refs)
    if as_json:
        echo_json(report.to_dict())
        raise click.exceptions.Exit(report.exit_code)
    if not report.posts:
        click.echo("no posts")
    for row in report.posts:
        ident = f"#{row.wordpress_id}" if row.wordpress_id else "-"
        click.echo(
            f"{row.slug}  {ident}  {row.status or '-'}  local: {row.local}  remote: {row.remote}"
            + (f"  {row.link}" if row.link else "")
        )
    if report.error:
        info(f"Error: {report.error}")
    raise click.exceptions.Exit(report.exit_code)
