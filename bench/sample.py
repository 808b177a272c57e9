"""A synthetic post for benchmarks: ``make_benchmark_post(tmp, words=2500, citations=60)``.

The text is deterministic (a fixed seed), uses every construct the converter handles (headings,
nested lists, quotes, a table, code, separators, footnotes, typography WordPress rewrites) and cites
``citations`` distinct papers, so ``render_post`` does all of its work on it.
"""

from __future__ import annotations

import random
from pathlib import Path

from digest_publisher.models import Paper, PostKind
from digest_publisher.records import PostFolder, PostSource, write_post

_WORDS_TEXT = (
    "post-training reward model policy gradient preference data credit assignment token level rollout verifier "
    "curriculum distillation alignment benchmark agent trajectory sample efficiency objective variance baseline "
    "it's the model's \"helpful\" answer -- a 2x speedup... R&D at scale"
)
_WORDS = _WORDS_TEXT.split()


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def make_benchmark_post(tmp: Path, words: int = 2500, citations: int = 60) -> PostFolder:
    """Write ``tmp/posts/bench-post/{post.md,papers.json}`` and return the folder (no network, no corpus)."""
    rng = random.Random(20260518)
    papers = [
        Paper(
            title=f"Bench-{i}: A Study of Reward Shaping Number {i}",
            authors=tuple(f"Author{j} Surname{i}x{j}" for j in range(1 + i % 5)),
            abstract="Synthetic.",
            arxiv_id=f"2605.{10000 + i}",
        )
        for i in range(citations)
    ]
    ids = [p.arxiv_id or "" for p in papers]
    parts: list[str] = [f"**{citations} papers analyzed** | May 18 \u2013 22, 2026", "---"]
    count = 0
    cited = 0
    section = 0
    while count < words or cited < citations:
        if count % 400 < 60:
            section += 1
            parts.append(f"## Section {section}: what's \"new\"")
        n = rng.randint(35, 70)
        text = _sentence(rng, n)
        if cited < citations:
            text += f" See [@{ids[cited]}]"
            cited += 1
            if cited < citations and rng.random() < 0.3:
                text += f" and [@{ids[cited]}; @{ids[cited - 1]}]"
                cited += 1
            text += "."
        parts.append(text)
        count += n
        roll = rng.random()
        if roll < 0.12:
            parts.append("Key points:\n- first point with **bold**\n- second point\n  - nested *detail*\n  - another")
            count += 12
        elif roll < 0.18:
            parts.append("> **Key implication:** audit the post-training pipeline, not just the corpus.")
            count += 10
        elif roll < 0.21:
            parts.append("| Method | Score |\n|:--|--:|\n| OPPO | 71.2 |\n| ReBel | 69.8 |")
            count += 6
        elif roll < 0.23:
            parts.append("```python\nloss = -(adv * logp).mean()  # it's fine && [ok]\n```")
            count += 6
        elif roll < 0.26:
            parts.append("---")
    parts.append("A closing note with a footnote[^1].")
    parts.append("[^1]: Synthetic benchmark text.")
    source = PostSource(
        title="Benchmark: Post-Training Is the New Pre-Training",
        slug="bench-post",
        topic="07",
        kind=PostKind.BACKFILL,
        body="\n\n".join(parts),
        papers=tuple(ids),
        window_from="2026-05-18",
        window_to="2026-05-22",
    )
    return write_post(tmp / "posts" / source.slug, source, papers)


def measure_render(folder: PostFolder, *, content_format: str = "blocks", repeat: int = 50,
                   cold_card: bool = False) -> float:  # fmt: skip
    """Posts per second of ``render_post`` on ``folder`` (for ``make bench``).

    The generated card is memoised (identical inputs give identical bytes), so repeated renders of one
    post reuse it; ``cold_card=True`` clears that cache before every render to include drawing the PNG.
    """
    import time
    from datetime import UTC, datetime

    from digest_publisher.render import card, render_post

    now = datetime(2026, 5, 24, tzinfo=UTC)
    render_post(folder, content_format=content_format, now=now)  # warm imports and regex caches
    start = time.perf_counter()
    for _ in range(repeat):
        if cold_card:
            card._cached_card.cache_clear()
        render_post(folder, content_format=content_format, now=now)
    return repeat / (time.perf_counter() - start)
