"""Categories and tags by name (``wp/v2/categories``, ``wp/v2/tags``): one lookup per taxonomy, creation
of the missing ones, and the ids remembered per site (a hint the post's verification checks)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from ..errors import WordPressError
from .client import WordPressClient
from .common import same_text, verification_error, wp_slug

TAXONOMY_LABEL = {"categories": "category", "tags": "tag"}


def resolve_terms(
    client: WordPressClient,
    taxonomy: str,
    names: tuple[str, ...],
    *,
    search_misses: bool,
    cached: Mapping[str, int] | None = None,
    from_cache: set[str] | None = None,
) -> tuple[dict[str, int], list[str]]:
    """Term ids by name for ``names`` (existing ones) and the names not found.

    The ids remembered for this site (``cached``) when they cover every name: no request, and the
    taxonomy is added to ``from_cache`` (a stale id is caught after the write: see
    ``RestPublisher._resend_terms``). Else one GET by slug for the taxonomy. A name whose slug we
    guessed wrong is either created later (WordPress answers ``term_exists`` with its id: no harm) or,
    for a user who may not create terms (``search_misses``), looked up by name before calling it missing.
    """
    if not names:
        return {}, []
    wanted = list(dict.fromkeys(names))
    if cached and from_cache is not None and all(name in cached for name in wanted):
        from_cache.add(taxonomy)
        return {name: cached[name] for name in wanted}, []
    response = client.get(
        f"wp/v2/{taxonomy}",
        {"slug": [wp_slug(n) for n in wanted], "per_page": 100, "_fields": "id,name,slug"},
        label=f"{taxonomy} by slug",
    )
    found = _match_terms(wanted, response.data)
    for name in [n for n in wanted if n not in found and search_misses]:
        # WordPress stores "R&D" as "R&amp;D" and searches the stored text: search by the name's
        # longest word, then compare whole names.
        words = re.findall(r"\w+", name)
        searched = client.get(
            f"wp/v2/{taxonomy}",
            {"search": max(words, key=len) if words else name, "per_page": 100, "_fields": "id,name,slug"},
            label=f"{TAXONOMY_LABEL[taxonomy]} {name!r} by name",
        )
        found.update(_match_terms([name], searched.data))
    return {n: found[n] for n in wanted if n in found}, [n for n in wanted if n not in found]


def existing_names(client: WordPressClient, taxonomy: str) -> list[str]:
    response = client.get(f"wp/v2/{taxonomy}", {"per_page": 100, "_fields": "name"})
    return [html.unescape(str(t.get("name"))) for t in response.data if isinstance(t, dict)]


def create_term(client: WordPressClient, taxonomy: str, name: str, notes: list[str]) -> int:
    label = TAXONOMY_LABEL[taxonomy]
    response = client.post(
        f"wp/v2/{taxonomy}",
        {"name": name},
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
    if not same_text(name, str(response.data.get("name", ""))):
        raise verification_error(
            f"new {label} {name!r}",
            response.url,
            [f"name came back as {response.data.get('name')!r}"],
            response.url,
        )
    notes.append(f"created {label} {name!r} (id {response.data['id']})")
    return int(response.data["id"])


def _match_terms(wanted: list[str], terms: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in wanted:
        slug = wp_slug(name)
        for term in terms if isinstance(terms, list) else []:
            if not isinstance(term, dict):
                continue
            term_name = html.unescape(str(term.get("name", "")))
            if term_name.casefold() == name.casefold() or (slug and term.get("slug") == slug):
                found[name] = int(term["id"])
                break
    return found
