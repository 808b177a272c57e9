"""Categories and tags by name (``wp/v2/categories``, ``wp/v2/tags``): one lookup per taxonomy, creation
of the missing ones, and the ids remembered per site (a hint the post's verification checks)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..errors import WordPressError
from ..models import RenderedPost
from .client import WordPressClient
from .fingerprints import same_text, verification_error
from .posts import LISTING_FIELDS, body_fingerprint, update_post
from .publisher import Journal, update_intent

TAXONOMY_LABEL = {"categories": "category", "tags": "tag"}
PAGE = 100  # WordPress's per_page maximum: a lookup of more slugs than that would miss some
# The longest slug list one lookup sends, URL-encoded: URLs stay well under the 8 KB many servers accept.
MAX_SLUGS_CHARS = 1500


def slug_batches(slugs: list[str]) -> list[list[str]]:
    """The slugs in lookups of at most :data:`PAGE` slugs and :data:`MAX_SLUGS_CHARS` URL-encoded characters
    each (10,000 tags make many short GETs, not one 90 KB URL)."""
    batches: list[list[str]] = []
    size = 0
    for slug in dict.fromkeys(s for s in slugs if s):
        length = len(quote(slug, safe="")) + 1
        if not batches or len(batches[-1]) >= PAGE or size + length > MAX_SLUGS_CHARS:
            batches.append([])
            size = 0
        batches[-1].append(slug)
        size += length
    return batches or [[]]


def wp_slug(name: str) -> str:
    """What WordPress's ``sanitize_title`` makes of a term name, for ASCII-ish names (a lookup key only:
    names it gets wrong are looked up by search instead)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"<[^>]*>", "", text).lower()
    text = re.sub(r"&[^;\s]+;", "", text).replace("&", "").replace(".", "-")
    text = re.sub(r"[^a-z0-9 _-]", "", text)
    text = re.sub(r"\s+", "-", text)
    return re.sub(r"-+", "-", text).strip("-")


def resolve_terms(
    client: WordPressClient,
    taxonomy: str,
    names: tuple[str, ...],
    *,
    search_misses: bool,
    cached: Mapping[str, int] | None = None,
    from_cache: set[str] | None = None,
    slugs: Mapping[str, str] | None = None,
    notes: list[str] | None = None,
) -> tuple[dict[str, int], list[str]]:
    """Term ids by name for ``names`` (existing ones) and the names not found.

    ``slugs``: the slug a name should have (a topic's category, from topics.toml): that term is found by its
    slug; a term of the same name under another slug (a site older than topics.toml's slug, or one an
    editor made) is used as it is, and ``notes`` say how to align the two (WordPress keeps one category per
    name, and renaming a slug moves its archive's address: that is the editor's call, not a publish's).

    The ids remembered for this site (``cached``) when they cover every name: no request, and the
    taxonomy is added to ``from_cache`` (a stale id is caught after the write: see
    ``RestPublisher._resend_terms``). Else one GET by slug for the taxonomy. A name whose slug we
    guessed wrong is either created later (WordPress answers ``term_exists`` with its id: no harm) or,
    for a user who may not create terms (``search_misses``), looked up by name before calling it missing.
    """
    if not names:
        return {}, []
    wanted = list(dict.fromkeys(names))
    slugs = {name: slug for name, slug in (slugs or {}).items() if name in wanted}
    if cached and from_cache is not None and not slugs and all(name in cached for name in wanted):
        from_cache.add(taxonomy)
        return {name: cached[name] for name in wanted}, []
    listed: list[Any] = []
    for batch in slug_batches([slugs.get(n) or wp_slug(n) for n in wanted]):
        params = {"slug": batch, "per_page": PAGE, "_fields": "id,name,slug"}
        response = client.get(f"wp/v2/{taxonomy}", params, label=f"{taxonomy} by slug")
        listed.extend(response.data)
    found = _match_terms(wanted, listed, slugs)
    for name in [n for n in wanted if n not in found and (search_misses or n in slugs)]:
        # WordPress stores "R&D" as "R&amp;D" and searches the stored text: search by the name's
        # longest word, then compare whole names.
        words = re.findall(r"\w+", name)
        searched = client.get(
            f"wp/v2/{taxonomy}",
            {"search": max(words, key=len) if words else name, "per_page": 100, "_fields": "id,name,slug"},
            label=f"{TAXONOMY_LABEL[taxonomy]} {name!r} by name",
        )
        found.update(_match_terms([name], searched.data))
        if name in slugs and name in found and notes is not None:
            notes.append(_slug_differs(taxonomy, name, slugs[name], searched.data))
    return {n: found[n] for n in wanted if n in found}, [n for n in wanted if n not in found]


def _slug_differs(taxonomy: str, name: str, slug: str, terms: Any) -> str:
    """The note for a term of ``name`` that exists under another slug than the one topics.toml gives it."""
    label = TAXONOMY_LABEL[taxonomy]
    same = [t for t in (terms if isinstance(terms, list) else []) if isinstance(t, dict)
            and html.unescape(str(t.get("name", ""))).casefold() == name.casefold()]  # fmt: skip
    have = same[0].get("slug") if same else ""
    return (
        f"the {label} {name!r} exists on the site with the slug {have!r}, not topics.toml's {slug!r}: the post "
        f"is filed under it; to match, change its slug in wp-admin (Posts > Categories > Quick Edit) or set "
        f"category = {{ name = {name!r}, slug = {have!r} }} for the topic in topics.toml"
    )


def existing_names(client: WordPressClient, taxonomy: str) -> list[str]:
    response = client.get(f"wp/v2/{taxonomy}", {"per_page": 100, "_fields": "name"})
    return [html.unescape(str(t.get("name"))) for t in response.data if isinstance(t, dict)]


def create_term(
    client: WordPressClient, taxonomy: str, name: str, notes: list[str], slug: str | None = None
) -> int:
    """Create the term (with ``slug`` when given, else WordPress derives it from the name)."""
    label = TAXONOMY_LABEL[taxonomy]
    response = client.post(
        f"wp/v2/{taxonomy}",
        {"name": name, **({"slug": slug} if slug else {})},
        accept_codes=frozenset({"term_exists"}),
        label=f"new {label} {name!r}",
    )
    if response.status == 400:
        # A term with this name exists under another slug (or was created meanwhile): use it.
        term_id = (response.data.get("data") or {}).get("term_id")
        if not isinstance(term_id, int):
            raise WordPressError(
                f"creating the {label} {name!r} answered term_exists without a term id",
                "Look the term up in wp-admin and put its exact name in post.md",
                url=response.url,
            )
        notes.append(f"{label} {name!r} already existed (id {term_id})")
        return term_id
    if client.dry_run:
        return int(response.data["id"])
    problems = [] if same_text(name, str(response.data.get("name", ""))) else [
        f"name came back as {response.data.get('name')!r}"
    ]
    if slug and response.data.get("slug") != slug:
        problems.append(f"slug came back as {response.data.get('slug')!r}, sent {slug!r}")
    if problems:
        raise verification_error(f"new {label} {name!r}", response.url, problems, response.url)
    notes.append(f"created {label} {name!r} (id {response.data['id']})")
    return int(response.data["id"])


def _match_terms(wanted: list[str], terms: Any, slugs: Mapping[str, str] | None = None) -> dict[str, int]:
    """Ids by name: a term of that name or of its slug; for a name in ``slugs``, only the term of that slug."""
    found: dict[str, int] = {}
    for name in wanted:
        slug = (slugs or {}).get(name)
        for term in terms if isinstance(terms, list) else []:
            if not isinstance(term, dict):
                continue
            term_name = html.unescape(str(term.get("name", "")))
            if slug is not None:
                if term.get("slug") == slug:
                    found[name] = int(term["id"])
                    break
                continue
            if term_name.casefold() == name.casefold() or (wp_slug(name) and term.get("slug") == wp_slug(name)):
                found[name] = int(term["id"])
                break
    return found


def resend_terms(
    client: WordPressClient,
    post_id: int,
    post: RenderedPost,
    body: dict[str, Any],
    terms: dict[str, dict[str, int]],
    stale: list[str],
    can_create_categories: bool,
    journal: Journal,
    notes: list[str],
) -> tuple[Mapping[str, Any], str]:
    """Look the stale taxonomies of a post just written up again (creating what is gone) and send its terms again
    (WordPress drops unknown term ids without an error: ids remembered for the site were stale)."""
    for taxonomy in stale:
        names = post.categories if taxonomy == "categories" else post.tags
        slugs = post.category_slugs if taxonomy == "categories" else {}
        found, missing = resolve_terms(
            client,
            taxonomy, names, search_misses=taxonomy == "categories" and not can_create_categories, slugs=slugs,
            notes=notes,
        )
        for name in missing:
            found[name] = create_term(client, taxonomy, name, notes, slugs.get(name))
        terms[taxonomy] = found
        body[taxonomy] = list(found.values())
    journal.intend(update_intent(body_fingerprint(body)))
    written = update_post(
        client, post_id, {t: body[t] for t in stale}, f"terms of post {post.slug!r}", LISTING_FIELDS
    )
    notes.append(f"the {' and '.join(stale)} ids remembered for this site were stale: looked up again, sent again")
    return written.data, written.url
