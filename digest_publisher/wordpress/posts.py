"""The WordPress post routes (``wp/v2/posts`` and its revisions) and the shapes of their answers, for
publishing, status, republish, restore and history; and the ONE rule for "edited in WordPress".

    list_posts_by_id(client, ids)            GET posts?include=...&context=edit, 100 per request
    fetch_recorded_post(client, id, slug)    GET posts/<id>?context=edit, with the recovery for 404 / trash
    fetch_edit(client, id)                   GET posts/<id>?context=edit (the whole post, for a saved copy)
    fetch_as_reader(client, id, status)      the post as a visitor's browser gets it
    update_post(client, id, body, label)     POST posts/<id> (idempotent: retried safely; ``fields``: _fields)
    try_as_autosave(client, id, fields)      POST posts/<id>/autosaves: the fields as WordPress would store
                                             them, the post itself untouched
    fetch_revision(client, id, rev)          GET posts/<id>/revisions/<rev>, or None when there is none
    list_revisions(client, id)               every revision, all pages
    is_remote_edit(known, post)              was the post changed in WordPress since our last write?
    verify_post_response(body, got, ...)     did WordPress keep what was sent (it answers 200 and drops some)?
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..errors import WordPressError
from .client import ApiResponse, WordPressClient
from .fingerprints import fingerprint, first_html_difference, remote_edit, same_text, verification_error
from .migration import normal_form
from .publisher import KnownState, parse_gmt, update_intent

PAGE = 100  # WordPress's per_page maximum

# The fields of a post that the edit check, the verification of a write and the record read (edit context):
# asked for on the listings and on the answers to our writes (``_fields``: WordPress then leaves out the rest,
# and does not run the content filters for ``content.rendered``, which nothing here reads from a write's answer).
LISTING_FIELDS = (
    "id,slug,status,date_gmt,modified_gmt,link,title.raw,content.raw,excerpt.raw,categories,tags,featured_media"
)

_REVISION_MISSING = frozenset({"rest_post_invalid_id", "rest_revision_parent_id_mismatch", "rest_post_invalid_parent"})


def raw_field(post: Mapping[str, Any], key: str) -> Any:
    value = post.get(key)
    return value.get("raw") if isinstance(value, dict) else value


def fields_fingerprint(post: Mapping[str, Any]) -> str:
    """The fields a write of ours sets, as WordPress stores them (edit context); no date (WordPress
    picks one when none is sent), no status."""
    return fingerprint(
        "rest-fields",
        {
            "title": raw_field(post, "title"),
            "content": raw_field(post, "content"),
            "excerpt": raw_field(post, "excerpt"),
            "slug": post.get("slug"),
            "categories": sorted(post.get("categories") or []),
            "tags": sorted(post.get("tags") or []),
            "featured_media": int(post.get("featured_media") or 0),
        },
    )


def body_fingerprint(body: Mapping[str, Any]) -> str:
    """:func:`fields_fingerprint` of the post WordPress will store for this request body."""
    return fields_fingerprint({k: v for k, v in body.items() if k not in ("status", "date_gmt")})


def remote_holds(post: Mapping[str, Any], body: Mapping[str, Any], status: str) -> bool:
    """Does the post (edit context) already hold exactly what ``body`` would write?"""
    if fields_fingerprint(post) != body_fingerprint(body) or post.get("status") != status:
        return False
    sent_date = body.get("date_gmt")
    return not sent_date or (
        bool(post.get("date_gmt")) and parse_gmt(str(post["date_gmt"])) == parse_gmt(str(sent_date))
    )


def is_remote_edit(known: KnownState, remote: Mapping[str, Any]) -> bool:
    """Was the post (edit context) changed in WordPress since our last recorded write? A change that
    carries exactly the fields of a write we announced (``update:`` intent) but never recorded, because
    the run died, is our own. A re-save that only re-spelled our markup (the editor of another WordPress
    version migrating it, kses) is no edit: the fingerprint is of the markup's normal form. A person who
    changed the status (unpublished the post, say) did edit it; WordPress publishing a scheduled post did not."""
    status, was = remote.get("status"), known.status
    if was and status and status != was and not (was == "future" and status == "publish"):
        return update_intent(fields_fingerprint(remote)) not in known.pending
    if not remote_edit(known, remote.get("modified_gmt"), rest_fingerprint(remote)):
        return False
    return update_intent(fields_fingerprint(remote)) not in known.pending


# Fingerprints of the content's normal form (wordpress.migration): records written before it hold "rest:"
# fingerprints, which are not compared with these (the modified date decides for them until the next write).
NORMAL_REST = "rest-normal"


def rest_fingerprint(post: Mapping[str, Any]) -> str:
    """The stored fields of a post (edit context) that an editor could change in wp-admin. Status is left
    out: a scheduled post going live is not an edit."""

    def raw(key: str) -> Any:
        value = post.get(key)
        return value.get("raw") if isinstance(value, dict) else value

    return fingerprint(
        NORMAL_REST,
        {
            "title": raw("title"),
            "content": normal_form(str(raw("content") or "")),
            "excerpt": raw("excerpt"),
            "slug": post.get("slug"),
            "categories": sorted(post.get("categories") or []),
            "tags": sorted(post.get("tags") or []),
            "featured_media": post.get("featured_media"),
            # A draft's date floats: WordPress moves it to the time of every save (measured on 6.1 and 6.8),
            # so only a fixed date (scheduled or published) is part of what an editor could change.
            "date_gmt": post.get("date_gmt") if post.get("status") in ("publish", "future", "private") else None,
        },
    )


def fetch_recorded_post(
    client: WordPressClient, post_id: int, slug: str, fields: str | None = None, *, kind: str = "post",
    again: str | None = None,
) -> dict[str, Any]:
    """The post (``kind`` "page": the page) a local record points at (``context=edit``), or an error that says
    how to recover when WordPress no longer has it or holds it in the trash (``again``: how to make it anew)."""
    params: dict[str, Any] = {"context": "edit"}
    if fields:
        params["_fields"] = fields
    response = client.get(
        f"wp/v2/{kind}s/{post_id}",
        params,
        accept_codes=frozenset({"rest_post_invalid_id"}),
        label=f"{kind} {post_id}",
    )
    if response.status == 404:
        raise WordPressError(
            f"{kind} {slug!r}: its record says WordPress id {post_id}, but {client.settings.site_url} has no "
            f"such {kind} (deleted permanently?)",
            again[0].upper() + again[1:] if again
            else f"Delete posts/{slug}/record.json and run `digest-publisher publish {slug}` to publish it as new",
            status=404,
            code="rest_post_invalid_id",
            url=response.url,
        )
    data: dict[str, Any] = response.data
    if data.get("status") == "trash":
        raise WordPressError(
            f"{kind} {slug!r} (WordPress id {post_id}) is in the trash on {client.settings.site_url}",
            f"Restore it in wp-admin ({kind.capitalize()}s > Trash), or delete it permanently and "
            + (again or f"remove posts/{slug}/record.json to publish it as new"),
            code="post_in_trash",
            url=response.url,
        )
    return data


def list_posts_by_id(client: WordPressClient, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The posts with these ids, 100 per request, in edit context (raw fields, any status). Posts in the
    trash or deleted are missing from the answer."""
    out: dict[int, dict[str, Any]] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), PAGE):
        chunk = unique[start : start + PAGE]
        response = client.get(
            "wp/v2/posts",
            {
                "include": chunk,
                "per_page": PAGE,
                "status": "any",
                "context": "edit",
                "_fields": LISTING_FIELDS,
            },
            label=f"{len(chunk)} post(s) by id",
        )
        for item in response.data if isinstance(response.data, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                out[item["id"]] = item
    return out


def revision_count(post_object: dict[str, Any] | None) -> int | None:
    try:
        count = (post_object or {})["_links"]["version-history"][0]["count"]
    except (KeyError, IndexError, TypeError):
        return None
    return int(count) if isinstance(count, int) else None


def newest_revision_id(post: dict[str, Any]) -> int | None:
    try:
        ident = post["_links"]["predecessor-version"][0]["id"]
    except (KeyError, IndexError, TypeError):
        return None
    return int(ident) if isinstance(ident, int) else None


def find_post(client: WordPressClient, post_id: int) -> dict[str, Any] | None:
    """The post (edit context, any status, the trash included), or None when WordPress has no such post."""
    response = client.get(
        f"wp/v2/posts/{post_id}",
        {"context": "edit"},
        accept_codes=frozenset({"rest_post_invalid_id"}),
        label=f"post {post_id}",
    )
    if response.status == 404:
        return None
    data: dict[str, Any] = response.data
    return data


def fetch_edit(client: WordPressClient, post_id: int) -> dict[str, Any]:
    """The whole post as stored (edit context): what a saved copy keeps before ``--force`` overwrites it."""
    data: dict[str, Any] = client.get(f"wp/v2/posts/{post_id}", {"context": "edit"}, label=f"post {post_id}").data
    return data


def fetch_as_reader(client: WordPressClient, post_id: int, status: str) -> ApiResponse:
    """Published posts are fetched anonymously, exactly as a visitor's browser would; drafts and scheduled
    posts are not public, so they are fetched in the reader's (view) context as the user."""
    if status == "publish":
        return client.get(f"wp/v2/posts/{post_id}", auth=False, label="post as a reader")
    return client.get(f"wp/v2/posts/{post_id}", {"context": "view"}, label="post as a reader")


def update_post(
    client: WordPressClient, post_id: int, body: Mapping[str, Any], label: str, fields: str | None = None
) -> ApiResponse:
    """Update fields of an existing post; the same body twice leaves the same post, so it is retried.
    ``fields``: only these fields in the answer (``_fields``; e.g. :data:`LISTING_FIELDS`)."""
    params = {"_fields": fields} if fields else None
    return client.post(f"wp/v2/posts/{post_id}", dict(body), params=params, idempotent=True, label=label)


def try_as_autosave(client: WordPressClient, post_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Title, content and excerpt as WordPress would store them for this user (its kses filter applies
    to users without ``unfiltered_html``), without touching the post: a published post's autosave is a
    revision of its own. The autosave stays; once the update is sent it equals the post."""
    response = client.post(
        f"wp/v2/posts/{post_id}/autosaves",
        {key: fields[key] for key in ("title", "content", "excerpt") if key in fields},
        idempotent=True,
        label=f"try post {post_id} as an autosave",
    )
    data: dict[str, Any] = response.data
    return data


def fetch_revision(
    client: WordPressClient, post_id: int, revision_id: int
) -> tuple[dict[str, Any] | None, ApiResponse]:
    """Revision ``revision_id`` of the post (edit context), or None (and the answer) when it has none."""
    response = client.get(
        f"wp/v2/posts/{post_id}/revisions/{revision_id}",
        {"context": "edit"},
        accept_codes=_REVISION_MISSING,
        label=f"revision {revision_id}",
    )
    return (None if response.status == 404 else response.data), response


def list_revisions(client: WordPressClient, post_id: int) -> list[dict[str, Any]]:
    """Every revision WordPress keeps of the post (edit context), all pages, in the order returned."""
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        response = client.get(
            f"wp/v2/posts/{post_id}/revisions",
            {"context": "edit", "per_page": PAGE, "page": page},
            label="revisions",
        )
        out += [r for r in response.data if isinstance(r, dict)] if isinstance(response.data, list) else []
        if page >= response.total_pages:
            return out
        page += 1


def verify_post_response(
    body: Mapping[str, Any], got: Mapping[str, Any], status: str, url: str, who: str = ""
) -> None:
    """Compare the post WordPress answered with (edit context) with the body sent; raise on any
    difference. WordPress answers 200/201 while dropping unknown term ids and bad featured_media."""
    problems: list[str] = []
    if sorted(got.get("categories") or []) != sorted(body["categories"]):
        problems.append(f"categories are {got.get('categories')}, sent {body['categories']}")
    if sorted(got.get("tags") or []) != sorted(body["tags"]):
        problems.append(f"tags are {got.get('tags')}, sent {body['tags']}")
    if int(got.get("featured_media") or 0) != int(body["featured_media"]):
        problems.append(f"featured_media is {got.get('featured_media')}, sent {body['featured_media']}")
    if got.get("slug") != body["slug"]:
        problems.append(f"slug is {got.get('slug')!r}, sent {body['slug']!r}")
    got_status = got.get("status")
    if got_status != status and not (
        status in ("publish", "future")
        and got_status in ("publish", "future")
        and _near_boundary(body.get("date_gmt"))
    ):
        problems.append(f"status is {got_status!r}, expected {status!r}")
    if (
        body.get("date_gmt")
        and got.get("date_gmt")
        and parse_gmt(str(got["date_gmt"])) != parse_gmt(str(body["date_gmt"]))
    ):
        problems.append(f"date_gmt is {got['date_gmt']}, sent {body['date_gmt']}")
    title = (got.get("title") or {}).get("raw", "")
    if not same_text(body["title"], str(title)):
        problems.append(f"title is {title!r}, sent {body['title']!r}")
    excerpt = (got.get("excerpt") or {}).get("raw", "")
    if first_html_difference(body["excerpt"], str(excerpt)):
        problems.append(f"excerpt is {excerpt!r}, sent {body['excerpt']!r}")
    content = str((got.get("content") or {}).get("raw", ""))
    difference = first_html_difference(body["content"], content)
    if difference:
        problems.append(
            f"content was changed by WordPress {difference} (the user {who} may lack "
            "unfiltered_html, so WordPress filters script, style, iframe and on* attributes)"
        )
    if problems:
        raise verification_error(f"post {body['slug']!r} (WordPress id {got.get('id')})", url, problems, url)


def _near_boundary(date_gmt: Any) -> bool:
    """A date within a few seconds of the 60 s rule: the server's clock decides, accept either status."""
    if not date_gmt:
        return False
    ahead = (parse_gmt(str(date_gmt)) - datetime.now(UTC)).total_seconds()
    return 50 <= ahead <= 70
