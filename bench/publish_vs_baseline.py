"""Publishing side by side with the design card's stack (python-wordpress-xmlrpc + Python-Markdown, see
baseline_xmlrpc.py), on one WordPress, one post, as a user runs them: one process per publish.

Rows: a first publish whose category and tag are new to the site, a first publish with existing terms,
and an unchanged re-publish. Per row and tool: HTTP requests, and the wall time of the whole process
(start-up included), median of 5, the two tools' runs alternating. The goal is wall time at or below the
baseline's in every row.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from .table import Row
from .wp import start_wordpress, stop_wordpress

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
BODY = """## Why post-training matters

Reinforcement learning after pre-training keeps improving reasoning. *Three* careful studies agree, and
**one** disagrees; the difference is in how rewards reach the tokens that earned them.

- token-level advantages
- step-level decomposition of tool calls
- rubric rewards that adapt to the policy

| paper | what it scales | signal |
|---|---|---|
| EnvFactory | environments | task success |
| ACC | trajectories | compiled traces |

```python
reward = sum(step.score for step in trajectory)
```

> Careful data beats more data.

## What to watch

Reward models drift, so audit where the reward lands, not only whether it lands.[^1]

[^1]: A position, not a measured result.
"""


def _write_post(folder: Path, slug: str, category: str, tag: str, image: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "card.png").write_bytes(image)
    head = {
        "title": "Post-training notes",
        "slug": slug,
        "categories": [category],
        "tags": [tag],
        "status": "draft",
        "featured_image": "card.png",
        "featured_image_alt": "Post-training notes",
        "excerpt": "Why post-training matters.",
    }
    (folder / "post.md").write_text(f"---\n{json.dumps(head)}\n---\n\n{BODY}", encoding="utf-8")


def _card(seed: str) -> bytes:
    """A featured image of realistic size (the generated card), different bytes per post."""
    from digest_publisher.render.card import CardText, render_card

    text = CardText(title=f"Post-training notes {seed}", topic="07", paper_count=3, window="", series="Bench")
    return render_card(text)


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-800:]}")
    return elapsed, done.stdout, done.stderr


def _ours(posts: Path) -> Callable[[Path], tuple[float, int]]:
    exe = str(Path(sys.executable).with_name("digest-publisher"))

    def run(folder: Path) -> tuple[float, int]:
        wall, _, err = _timed([exe, "publish", folder.name, "--posts-dir", str(posts)], _env)
        found = re.search(r"(\d+) request\(s\) in", err)
        return wall, int(found.group(1)) if found else -1

    return run


def _baseline(states: Path) -> Callable[[Path], tuple[float, int]]:
    def run(folder: Path) -> tuple[float, int]:
        state = states / f"{folder.name}.json"
        wall, out, _ = _timed([sys.executable, "-m", "bench.baseline_xmlrpc", str(folder), str(state)], _env)
        return wall, int(json.loads(out.strip().splitlines()[-1])["requests"])

    return run


_env: dict[str, str] = {}


def compile_bytecode() -> None:
    """Both tools' modules as an installed copy has them: compiled once (``pip install`` writes the .pyc of
    every module; an editable install under PYTHONDONTWRITEBYTECODE=1 would compile this package's ~50
    modules from source in every process, 150-300 ms that no installed copy spends)."""
    import compileall

    for folder in (ROOT / "digest_publisher", ROOT / "bench"):
        compileall.compile_dir(folder, quiet=1)


CASES = ("first publish, new terms", "first publish, existing terms", "unchanged re-publish")
OURS, BASE = "digest-publisher", "baseline (xmlrpc + Markdown)"


def compare(work: Path) -> list[Row]:
    """Every row for both tools; ``_env`` must hold the site's settings. The two tools' runs alternate
    (ours, baseline, baseline, ours, ...), so a change of the machine's load falls on both."""
    compile_bytecode()
    existing = ("Bench existing category", "bench-existing-tag")
    tools = {OURS: _ours(work / "posts"), BASE: _baseline(work / "states")}
    (work / "states").mkdir(parents=True, exist_ok=True)

    def fresh(name: str, new_terms: bool) -> Path:
        tag = "ours" if name == OURS else "base"
        folders = work / "posts" if name == OURS else work / "baseline-posts"
        token = uuid.uuid4().hex[:8]
        slug = f"bench-{tag}-{token}"
        category, term = (f"Bench new {token}", f"bench-new-{token}") if new_terms else existing
        _write_post(folders / slug, slug, category, term, _card(token))
        return folders / slug

    same: dict[str, Path] = {}
    for name, publish in tools.items():
        publish(fresh(name, False))  # warm-up: the existing terms exist, the site is known to the posts folder
        same[name] = fresh(name, False)
        publish(same[name])  # the post every "unchanged re-publish" run publishes again
    loads = [os.getloadavg()[0]]
    runs: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for case in CASES:
        for turn in range(RUNS):
            order = list(tools) if turn % 2 == 0 else list(reversed(tools))
            for name in order:
                folder = same[name] if case == "unchanged re-publish" else fresh(name, case.endswith("new terms"))
                runs.setdefault((case, name), []).append(tools[name](folder))
        loads.append(os.getloadavg()[0])

    load = f"load {min(loads):.1f}-{max(loads):.1f}"
    rows: list[Row] = []
    for case in CASES:
        ours_wall = statistics.median(w for w, _ in runs[(case, OURS)])
        base_wall = statistics.median(w for w, _ in runs[(case, BASE)])
        ours_requests, base_requests = runs[(case, OURS)][-1][1], runs[(case, BASE)][-1][1]
        rows.append(Row(
            f"publish vs baseline: {case}",
            f"{ours_requests} req, {ours_wall * 1000:.0f} ms vs {base_requests} req, {base_wall * 1000:.0f} ms "
            f"({load})",
            "wall <= baseline",
            ok=ours_wall <= base_wall,
        ))  # fmt: skip
    return rows


def run() -> list[Row]:
    import tempfile

    settings = start_wordpress()
    try:
        _env.clear()
        _env.update({
            **os.environ,
            "WORDPRESS_URL": settings.site_url,
            "WORDPRESS_USERNAME": settings.username,
            "WORDPRESS_APP_PASSWORD": settings.app_password,
            "DIGEST_NO_DOTENV": "1",
        })  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            return compare(Path(tmp))
    finally:
        stop_wordpress()
