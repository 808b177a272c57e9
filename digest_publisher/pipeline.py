"""The stages composed as plain functions, top to bottom: corpus -> selection -> draft -> render -> publish.

Each function takes explicit inputs and returns plain data; the CLI calls exactly one of them per command.

Everything after drafting renders a post through ONE function, :func:`render_for_site`: ``render`` and
``preview`` (which write the preview page), ``publish``, ``status`` and ``republish`` all get the same
post object and the same featured card (topic label from topics.toml, the site's URL), so what was
previewed is byte for byte what is uploaded.

Stage modules are imported inside the functions that use them, so a command loads only its own stages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .candidates import Window as Window  # re-exported: the CLI reaches the stages through the pipeline
from .candidates import corpus_stats as corpus_stats
from .candidates import corpus_window as corpus_window
from .candidates import curate_topic as curate_topic
from .candidates import default_scorer, screened
from .candidates import estimate_topic as estimate_topic
from .candidates import fetch as fetch
from .candidates import select as select
from .topics import load_topics, topic_category_slugs, topic_label

if TYPE_CHECKING:  # the heavier stages are imported where they are used, so each command stays light
    from .candidates import Curated
    from .curation import Curation, Scorer
    from .drafting import DraftResult
    from .drafting.base import Drafter, Progress
    from .models import Paper, PostKind, RenderedPost, Topic
    from .publishing.history import PostHistory
    from .publishing.publish import PublishReport
    from .publishing.results import RepublishReport
    from .publishing.status import StatusReport
    from .records import PostFolder
    from .wordpress.check import CheckReport
    from .wordpress.site import Site


@dataclass(frozen=True)
class TopicDraft:
    topic: Topic
    result: DraftResult
    selection_stats: dict[str, Any]
    curation: Curation | None = None
    window: Window | None = None


def draft(
    paths: list[Path],
    topic_ref: str,
    *,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None,
    kind: PostKind | None,
    drafter: Drafter,
    posts_dir: Path,
    progress: Progress | None = None,
    unverified: str | None = None,
    overwrite: bool = False,
    slug: str | None = None,
    keep: Sequence[Paper] = (),
    papers: int | None = None,
    pins: Sequence[str] = (),
    excludes: Sequence[str] = (),
    scorer: Scorer | None = None,
) -> TopicDraft:
    """Select the topic's papers in the post's window (:func:`draft_window`), curate them to the K the
    post discusses (:func:`curate_topic`; ``scorer`` default :func:`default_scorer`), draft the post from
    those, and write the shortlist ``curation.md`` beside it; the draft report gains ``selection`` (the
    counts and the window applied) and ``curation`` (a decision for every candidate). ``unverified``: by
    default the drafter's policy, so ``draft``, ``backfill`` and ``republish --refresh-corpus`` apply one.

    Redrafting an existing post (``republish --refresh-corpus``) passes its ``slug`` and the papers it
    already covers (``keep``): they stay, and the best of the papers the corpus gained join them."""
    curated = curate_topic(
        paths, topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to, fmt=fmt, kind=kind,
        papers=papers, pins=pins, excludes=excludes, scorer=scorer or default_scorer(drafter),
        progress=progress, keep=keep,
    )
    return draft_curated(curated, drafter=drafter, posts_dir=posts_dir, progress=progress, unverified=unverified,
                         overwrite=overwrite, slug=slug)  # fmt: skip


def draft_curated(curated: Curated, *, drafter: Drafter, posts_dir: Path, progress: Progress | None = None,
                  unverified: str | None = None, overwrite: bool = False, slug: str | None = None) -> TopicDraft:
    """:func:`draft` after its curation: draft the curated papers, write ``curation.md`` beside the post."""
    from . import records
    from .curation import SHORTLIST_FILE, curation_usage, report_dict, shortlist_markdown
    from .drafting import draft_post, unverified_policy

    result = draft_post(
        curated.topic, list(curated.curation.discussed), slug=slug, kind=curated.kind, drafter=drafter,
        posts_dir=posts_dir, window=curated.span, progress=progress, overwrite=overwrite,
        unverified=unverified or unverified_policy(drafter),
        report_extra={"selection": curated.selection_stats, "curation": report_dict(curated.curation, curated.span)},
        screened=curated.curation.candidates,
        stages_before=curation_usage(curated.curation),
    )
    records.atomic_write_text(result.folder / SHORTLIST_FILE,
                              shortlist_markdown(curated.curation, curated.topic, curated.span))  # fmt: skip
    return TopicDraft(topic=curated.topic, result=result, selection_stats=curated.selection_stats,
                      curation=curated.curation, window=curated.window)  # fmt: skip


@dataclass(frozen=True)
class BackfillResult:
    """What the editor's one command did: the draft, the rendered preview and the publish."""

    slug: str
    draft_report: dict[str, Any]
    preview: Path
    publish: PublishReport


def backfill(
    paths: list[Path],
    topic_ref: str,
    *,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None,
    kind: PostKind | None,
    drafter: Drafter,
    posts_dir: Path,
    site: Site,
    status: str | None = None,
    date_gmt: str | None = None,
    transport: str = "rest",
    content_format: str = "blocks",
    progress: Progress | None = None,
    overwrite: bool = False,
    papers: int | None = None,
    pins: Sequence[str] = (),
    excludes: Sequence[str] = (),
    scorer: Scorer | None = None,
) -> BackfillResult:
    """Draft the topic's post (curated as :func:`draft` curates), render it (writing the local preview),
    publish it: one post, exactly once.

    A draft that fails its grounding checks, or content that fails the residue check, stops the run
    before anything is sent to WordPress.
    """
    outcome = draft(
        paths, topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to, fmt=fmt, kind=kind,
        drafter=drafter, posts_dir=posts_dir, progress=progress, overwrite=overwrite, papers=papers, pins=pins,
        excludes=excludes, scorer=scorer,
    )
    shown = render(
        outcome.result.slug, posts_dir=posts_dir, topics_path=topics_path, site_url=site.site_url,
        content_format=content_format, wp_version=site.markup_version(posts_dir),
    )
    report = _publish_rendered(shown.post, shown.folder.path, site, status=status, date_gmt=date_gmt,
                               transport=transport, force=False)  # fmt: skip
    preview = shown.page
    return BackfillResult(outcome.result.slug, outcome.result.report, preview, report)


# -- after drafting: one render path for render, preview, publish, status and republish -----------------


def render_for_site(
    folder: Path,
    *,
    topics_path: Path,
    site_url: str = "",
    content_format: str = "blocks",
    wp_version: str | None = None,
    cache: Literal["off", "read", "use", "refresh"] = "off",
) -> tuple[PostFolder, RenderedPost]:
    """THE render of a post folder: what ``render``/``preview`` show is what ``publish``, ``status`` and
    ``republish`` send (same card label, site URL, and markup for ``wp_version``, default the current line);
    ``cache``: "use" reuses the folder's last render when nothing it reads changed and keeps a new one,
    "read" only reuses, "refresh" only keeps (:mod:`~digest_publisher.records.render_cache`)."""
    from .records import load_folder
    from .records.render_cache import cached_render
    from .wordpress.connection_settings import normalise_site_url
    from .wordpress.markup_versions import CURRENT_WP_VERSION

    post = load_folder(folder)
    params = {"topic_label": topic_label(post.source.topic, topics_path), "site_url": normalise_site_url(site_url),
              "content_format": content_format, "wp_version": wp_version or CURRENT_WP_VERSION}  # fmt: skip

    def fresh() -> RenderedPost:
        from .render import render_post

        return render_post(post, content_format=content_format, topic_label=params["topic_label"],
                           site_url=params["site_url"] or "", wp_version=params["wp_version"])  # fmt: skip

    rendered = cached_render(post, params, fresh, cache)
    # The topic's category keeps the slug topics.toml gives it (publish looks it up and creates it by that slug).
    slugs = topic_category_slugs(post.source.topic, topics_path)
    return post, replace(rendered, category_slugs={n: s for n, s in slugs.items() if n in rendered.categories})


@dataclass(frozen=True)
class RenderResult:
    folder: PostFolder
    post: RenderedPost
    page: Path  # preview.html, beside render.json and featured.png
    wp_version: str  # the WordPress version whose markup it has


def render(
    ref: str,
    *,
    posts_dir: Path,
    topics_path: Path,
    site_url: str = "",
    content_format: str = "blocks",
    wp_version: str | None = None,
) -> RenderResult:
    """Render a post and write its preview page, post object and card, for the WordPress version asked,
    else the one remembered for ``site_url`` (what publish sends), else the current line."""
    from .drafting import fact_check_view
    from .records import find_post_folder, posts_dir_of
    from .render import write_preview
    from .wordpress.connection_settings import normalise_site_url
    from .wordpress.markup_versions import CURRENT_WP_VERSION as CURRENT
    from .wordpress.site import remembered_markup_version

    folder = find_post_folder(ref, posts_dir)
    wp_version = wp_version or remembered_markup_version(normalise_site_url(site_url), posts_dir_of(folder)) or CURRENT
    post, rendered = render_for_site(folder, topics_path=topics_path, site_url=site_url,
                                     content_format=content_format, wp_version=wp_version, cache="refresh")  # fmt: skip
    view, patterns = fact_check_view(post.path, post.source.body, post.papers.values())
    page = write_preview(post, rendered, topic_label=topic_label(post.source.topic, topics_path),
                         factcheck=view, patterns=patterns)
    return RenderResult(post, rendered, page, wp_version)


def _publish_rendered(
    rendered: RenderedPost,
    folder: Path,
    site: Site,
    *,
    status: str | None,
    date_gmt: str | None,
    transport: str,
    force: bool,
    adopt: bool = False,
) -> PublishReport:
    from .publishing.publish import apply_overrides, publish_post
    from .records import posts_dir_of

    return publish_post(apply_overrides(rendered, status, date_gmt), folder, site, transport=transport, force=force,
                        posts_dir=posts_dir_of(folder), adopt=adopt)  # fmt: skip


def publish(
    ref: str,
    *,
    posts_dir: Path,
    site: Site,
    topics_path: Path,
    status: str | None = None,
    date_gmt: str | None = None,
    transport: str = "rest",
    force: bool = False,
    content_format: str = "blocks",
    adopt: bool = False,
) -> PublishReport:
    """Render the post as ``render`` does and create or update it on WordPress through ``site``, exactly once
    (``adopt``: see :func:`~digest_publisher.publishing.publish.publish_post`; a dry run: ``site.dry_run``).
    A post whose featured image is a file is rendered while that image uploads (``publishing.publish.PendingPost``)."""
    from .publishing.publish import apply_overrides, pending_post, publish_post
    from .records import find_post_folder, posts_dir_of

    folder = find_post_folder(ref, posts_dir)
    wp_version = site.markup_version(posts_dir_of(folder))
    warnings: list[str] = []

    def render() -> RenderedPost:
        post, rendered = render_for_site(folder, topics_path=topics_path, site_url=site.site_url,
                                         content_format=content_format, wp_version=wp_version,
                                         cache="read" if site.dry_run else "use")  # fmt: skip
        warnings.extend(post.source.warnings)
        return apply_overrides(rendered, status, date_gmt)

    report = publish_post(pending_post(folder, render), folder, site, transport=transport, force=force,
                          posts_dir=posts_dir_of(folder), adopt=adopt)  # fmt: skip
    report.outcome.notes[:0] = warnings
    return report


def status(posts_dir: Path, site: Site | None, *, topics_path: Path, transport: str = "rest",
           refs: Sequence[str] = ()) -> StatusReport:  # fmt: skip
    """Each local post (``refs``: the posts they name, loose files too) with its WordPress id, status and link,
    and whether local and remote differ, the local side rendered as ``publish`` would (``site`` None: local
    only; the site's markup version is read per posts folder, when the first of its posts is rendered)."""
    from .publishing.status import post_statuses
    from .records import find_post_folder, list_post_folders, posts_dir_of

    folders = [find_post_folder(ref, posts_dir) for ref in refs] if refs else list_post_folders(posts_dir)
    site_url = site.site_url if site is not None else ""
    versions: dict[Path, str | None] = {}

    def rendered(folder: Path) -> RenderedPost:
        if (where := posts_dir_of(folder)) not in versions:  # not answering: post_statuses says so for each post
            versions[where] = site.markup_version(where, quiet=True) if site is not None else None
        return render_for_site(folder, topics_path=topics_path, site_url=site_url, wp_version=versions[where],
                               cache="use")[1]  # fmt: skip

    return post_statuses(folders, site, rendered, transport=transport)


@dataclass(frozen=True)
class CorpusRefresh:
    """``republish --refresh-corpus``: redraft a post when its topic window gained papers in these files."""

    paths: tuple[Path, ...]
    topics_path: Path
    drafter: Drafter
    fmt: str | None = None
    overwrite_edits: bool = False  # redraft a post.md edited since its draft too (the edits are replaced)


def _redraft_from(refresh: CorpusRefresh) -> Callable[[Path, bool], tuple[int, str | None]]:
    """For republish: (post folder, dry run) -> (papers the corpus adds to the post's window, a note).
    A post is redrafted through :func:`draft`, as ``draft`` drafts it; nothing is written unless the new
    draft passed every check."""
    from .drafting import edited_since_draft
    from .errors import DigestError, DraftError
    from .records import load_folder, posts_dir_of
    from .selection import select_corpus

    def redraft(folder: Path, dry_run: bool) -> tuple[int, str | None]:
        post = load_folder(folder)
        source = post.source
        if not (source.window_from and source.window_to and source.topic and source.kind):
            return 0, "no topic, kind or window in post.md: not refreshed from the corpus"
        start, end = date.fromisoformat(source.window_from[:10]), date.fromisoformat(source.window_to[:10])
        topic_ref = source.topic.split(" - ", 1)[0].strip()
        topic = load_topics(refresh.topics_path).get(topic_ref)
        with select_corpus(list(refresh.paths), topic, start, end, refresh.fmt, allow_empty=True) as selection:
            # New: neither in the post nor screened by its last draft's curation (those lost their place).
            seen = set(post.papers) | screened(folder)
            new = [p for p in selection.papers if (p.arxiv_id or p.key) not in seen]
        if not new:
            return 0, None
        what = f"the corpus has {len(new)} new paper(s) in {source.window_from} .. {source.window_to}"
        if not refresh.overwrite_edits and edited_since_draft(folder):
            return 0, (  # the editor's version wins: published as it is, without the new papers
                f"{what}, but {folder / 'post.md'} was edited since it was drafted: kept as edited, not redrafted; "
                f"to redraft it with them, replacing the edits, add --overwrite-edits to the republish command"
            )
        if dry_run:
            return len(new), f"{what}: would redraft and update"
        try:
            draft(
                list(refresh.paths), topic_ref, topics_path=refresh.topics_path, date_from=start, date_to=end,
                fmt=refresh.fmt, kind=source.kind, drafter=refresh.drafter, posts_dir=posts_dir_of(folder),
                slug=source.slug, keep=list(post.papers.values()), overwrite=refresh.overwrite_edits,
            )
        except DigestError as exc:
            raise DraftError(
                f"{what}, but redrafting failed, so nothing was published: {exc.message}", exc.hint
            ) from exc
        return len(new), f"{what}: redrafted with the {refresh.drafter.name} drafter"

    return redraft


def republish(
    posts_dir: Path,
    site: Site,
    *,
    topics_path: Path,
    slugs: Sequence[str] = (),
    force: bool = False,
    wait: float = 0.0,
    refresh: CorpusRefresh | None = None,
    rebind_from: str | None = None,
) -> RepublishReport:
    """Bring WordPress up to date with the changed post sources (``slugs``, or all), rendered as ``publish``
    renders them (``refresh``: redraft where the topic window gained papers; ``rebind_from``: the old site)."""
    from .publishing.republish import republish as republish_posts

    versions: list[str] = []  # the site's, read when the first post needs rendering (not at all if none)

    def rendered(folder: Path) -> RenderedPost:
        if not versions:
            versions.append(site.markup_version(posts_dir) or "")
        return render_for_site(folder, topics_path=topics_path, site_url=site.site_url,
                               wp_version=versions[0], cache="read" if site.dry_run else "use")[1]  # fmt: skip

    return republish_posts(
        posts_dir,
        site,
        render=rendered,
        slugs=slugs,
        force=force,
        wait=wait,
        refresh=_redraft_from(refresh) if refresh is not None else None,
        rebind_from=rebind_from,
    )


def restore(ref: str, *, posts_dir: Path, site: Site, revision: int, wait: float = 0.0) -> RepublishReport:
    """Make WordPress revision ``revision`` of the post the current version again (as a new revision)."""
    from .publishing.revisions import restore_revision
    from .records import find_post_folder

    return restore_revision(find_post_folder(ref, posts_dir), site, revision, wait=wait)


def history(ref: str, *, posts_dir: Path, site: Site | None, transport: str = "rest") -> PostHistory:
    """The local publish history of a post beside its WordPress revisions (``site`` None: local only)."""
    from .publishing.history import history as post_history
    from .records import find_post_folder

    return post_history(find_post_folder(ref, posts_dir), site, transport=transport)


def check(site: Site, *, categories: Sequence[str] = ()) -> CheckReport:
    """What is wrong with the WordPress connection, or who we are there; the site's WordPress version is
    remembered for the posts in the Site's posts folder (the markup they get)."""
    from .publishing.results import records_of_other_sites
    from .wordpress.check import Finding, check_site

    report = check_site(site, categories=tuple(categories))
    posts_dir = site.posts_dir
    if posts_dir is not None and report.wordpress_version:
        site.remember_version(posts_dir, report.wordpress_version)
    for error in records_of_other_sites(posts_dir, site) if posts_dir is not None else []:
        report.problems.append(Finding("other-site", error.message, error.hint or ""))
    return report
