"""The curation stage: N candidates -> the K papers a post discusses, by a documented coverage rule.

:func:`curate` asks a :class:`~.base.Scorer` for every candidate's importance, ranks them (score, then
newest first, then id: never id order alone), and fills K places in this order:

1. **pins**: the editor's pinned ids (``--pin``, topics.toml ``pin``) are discussed whatever their score
   (K grows to hold them all); **excludes** (``--exclude``, ``exclude_ids``) never are.
2. **time floor**: the window is cut into four equal periods ("quarters": three months of a year); each
   gets at least ``ceil(0.2 * K)`` places, filled by its own best papers (fewer when it has fewer
   candidates), so a year-long post is not its first two weeks. Windows under four weeks have no floor.
3. **by score**: the remaining places go to the best remaining papers.

Ids the scorer's answer holds out (``Scores.held``: a series' overlap rule) are never discussed, unless
pinned; their decision says why. Throughout, a **theme cap** holds: no theme (the scorer's
``PaperScore.theme``) takes more than ``ceil(0.3 * K)`` places while papers of other themes are left;
papers without a theme are not capped.

Every candidate gets a :class:`~.base.Decision` saying why it is or is not discussed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from ..models import NullProgress, Paper, PostKind, Topic
from ..names import cite_key
from .base import Curation, CurationProgress, Decision, Scorer, Scores

#: How many papers a post discusses unless ``--papers K`` says otherwise: a backfill about fifty (seed 000
#: discusses 51); a brief what its six sections quote (four threads of up to six papers, six notable).
DEFAULT_K = {PostKind.BACKFILL: 50, PostKind.BRIEF: 30}
TIME_FLOOR = 0.2  # of K, per quarter of the window
THEME_CAP = 0.3  # of K, per theme
PERIODS = 4
MIN_DAYS_FOR_FLOOR = 28


def default_k(kind: PostKind) -> int:
    return DEFAULT_K[kind]


def periods(window: tuple[date, date], count: int = PERIODS) -> list[tuple[date, date]]:
    """The window cut into ``count`` consecutive periods of (nearly) equal length, both ends inclusive."""
    start, end = window
    days = (end - start).days + 1
    cuts = [start + timedelta(days=days * i // count) for i in range(count + 1)]
    return [(cuts[i], cuts[i + 1] - timedelta(days=1)) for i in range(count) if cuts[i + 1] > cuts[i]]


def period_label(period: tuple[date, date]) -> str:
    """"Jun 2025 – Aug 2025" for a period of months, "2026-05-18 – 2026-05-19" for a shorter one."""
    a, b = period
    if (b - a).days < 56:
        return a.isoformat() if a == b else f"{a.isoformat()} – {b.isoformat()}"
    return f"{a:%b %Y}" if (a.year, a.month) == (b.year, b.month) else f"{a:%b %Y} – {b:%b %Y}"


def _period_of(paper: Paper, spans: list[tuple[date, date]]) -> int | None:
    if paper.submitted is None:
        return None
    for index, (a, b) in enumerate(spans):
        if a <= paper.submitted <= b:
            return index
    return None


def _ids(values: Iterable[str]) -> set[str]:
    return {v.strip().removeprefix("arXiv:").removeprefix("arxiv:") for v in values if v.strip()}


def curate(
    candidates: Sequence[Paper],
    topic: Topic,
    k: int,
    scorer: Scorer,
    *,
    pins: Iterable[str] = (),
    excludes: Iterable[str] = (),
    window: tuple[date, date] | None = None,
    progress: CurationProgress | None = None,
) -> Curation:
    """The K papers of ``candidates`` to discuss, in rank order, and a decision for every candidate (see
    the module docstring for the rule). ``pins``/``excludes`` are arXiv ids (or cite keys); an id that is
    not a candidate is named in ``Curation.notes``. ``window`` (default: the candidates' dates) is what
    the time floor divides."""
    progress = progress or NullProgress()
    keys = [cite_key(p) for p in candidates]
    by_key = dict(zip(keys, candidates, strict=True))
    pinned, excluded = _ids(pins), _ids(excludes)
    notes = [f"pinned id {i} is not among the {len(candidates):,} candidates: not discussed" for i in sorted(pinned)
             if i not in by_key] + [f"excluded id {i} is not among the candidates" for i in sorted(excluded)
                                    if i not in by_key]  # fmt: skip
    pinned &= by_key.keys()
    excluded = (excluded & by_key.keys()) - pinned
    scores = scorer.score(candidates, topic, progress) if candidates else Scores(by_id={})
    progress.stage("curate", 1)

    def score(key: str) -> float:
        found = scores.by_id.get(key)
        return found.score if found else 0.0

    def newest_first(key: str) -> int:
        when = by_key[key].submitted
        return -when.toordinal() if when else 0

    ranked = sorted(keys, key=lambda key: (-score(key), newest_first(key), key))
    rank = {key: i + 1 for i, key in enumerate(ranked)}
    k = max(k, len(pinned))
    dated = sorted(p.submitted for p in candidates if p.submitted)
    span = window or ((dated[0], dated[-1]) if dated else None)
    spans = periods(span) if span and (span[1] - span[0]).days + 1 >= MIN_DAYS_FOR_FLOOR else []
    period = {key: _period_of(by_key[key], spans) for key in keys}
    theme = {key: (scores.by_id[key].theme if key in scores.by_id else None) for key in keys}
    cap = max(2, math.ceil(THEME_CAP * k))

    chosen: dict[str, str] = {}  # key -> why
    per_theme: Counter[str] = Counter()
    capped: set[str] = set()

    def take(key: str, why: str) -> None:
        chosen[key] = why
        if theme[key]:
            per_theme[theme[key] or ""] += 1

    def allowed(key: str) -> bool:
        t = theme[key]
        if t and per_theme[t] >= cap:
            capped.add(key)
            return False
        return True

    for key in ranked:
        if key in pinned:
            take(key, "pinned by the editor")
    held = {key: why for key, why in scores.held.items() if key in by_key and key not in pinned}
    open_keys = [key for key in ranked if key not in chosen and key not in excluded and key not in held]
    floor = math.ceil(TIME_FLOOR * k) if spans else 0
    for index, (a, b) in enumerate(spans):
        have = sum(1 for key in chosen if period[key] == index)
        for key in open_keys:
            if have >= floor or len(chosen) >= k:
                break
            if key not in chosen and period[key] == index and allowed(key):
                take(key, f"coverage: among the best of {period_label((a, b))} (each quarter of the window "
                          f"gets at least {floor} places)")  # fmt: skip
                have += 1
    for key in open_keys:
        if len(chosen) >= k:
            break
        if key not in chosen and allowed(key):
            take(key, "top score")
    for key in open_keys:  # the cap only holds while other themes have papers left
        if len(chosen) >= k:
            break
        if key not in chosen:
            take(key, "top score (its theme is over the cap, but no other paper was left)")

    decisions: list[Decision] = []
    total = len(candidates)
    for key in ranked:
        found = scores.by_id.get(key)
        reason = found.reason if found else "not scored"
        if key in chosen:
            why = chosen[key]
        elif key in excluded:
            why = "excluded by the editor"
        elif key in held:
            why = held[key]
        elif key in capped:
            why = f"theme '{theme[key]}' already has {cap} papers (rank {rank[key]:,} of {total:,})"
        else:
            why = f"below the cut (rank {rank[key]:,} of {total:,}; {len(chosen)} discussed)"
        decisions.append(Decision(key, by_key[key].title, key in chosen, rank[key], score(key), reason, why,
                                  theme[key]))  # fmt: skip
    progress.advance("curate")
    discussed = tuple(by_key[key] for key in ranked if key in chosen)
    return Curation(discussed=discussed, decisions=tuple(decisions), scorer=scorer.name, k=k,
                    candidates=total, scores=scores, notes=tuple(notes))  # fmt: skip


def quarter_shares(curation: Curation, window: tuple[date, date]) -> list[tuple[str, int]]:
    """(period label, papers discussed in it) for the four periods of ``window``."""
    spans = periods(window)
    counts = Counter(_period_of(p, spans) for p in curation.discussed)
    return [(period_label(s), counts[i]) for i, s in enumerate(spans)]


def with_pins(topic: Topic, pins: Iterable[str], excludes: Iterable[str]) -> tuple[list[str], list[str]]:
    """The topic's pins and excludes (topics.toml) plus the command line's; the command line wins a
    conflict (``--pin`` of an id topics.toml excludes pins it, and the reverse)."""
    pin, exclude = list(pins), list(excludes)
    all_pins = [i for i in topic.pins if i not in exclude] + pin
    all_excludes = [i for i in topic.exclude_ids if i not in pin] + exclude
    return list(dict.fromkeys(all_pins)), list(dict.fromkeys(all_excludes))


__all__ = ["DEFAULT_K", "curate", "default_k", "periods", "quarter_shares", "with_pins"]
