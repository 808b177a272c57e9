"""Curation through the real CLI on the bundled year subset: curation.md and a decision per candidate,
--papers K, --pin/--exclude and topics.toml pins, --shortlist, the header's two numbers, the window said."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from digest_publisher.cli import cli
from tests.paths import REPO_ROOT, SAMPLE_YEAR

TOPICS = REPO_ROOT / "topics.toml"
SLUG = "backfill-07-rl-post-training"


def run(tmp_path: Path, *args: str, topics: Path = TOPICS) -> tuple[int, str, str]:
    base = ["draft", "--topic", "07", "--corpus", str(SAMPLE_YEAR), "--topics", str(topics), "--drafter", "builtin",
            "--posts-dir", str(tmp_path / "posts")]  # fmt: skip
    result = CliRunner().invoke(cli, [*base, *args], env={"ANTHROPIC_API_KEY": None, "DIGEST_NO_DOTENV": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_a_year_backfill_discusses_k_papers_spread_over_its_quarters(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "--json", "--papers", "24")
    assert code == 0, err
    report = json.loads(out)
    curation = report["curation"]
    assert curation["scorer"] == "builtin" and curation["k"] == 24 == curation["discussed"] == report["papers"]["in"]
    # The default window: the 12 months ending at the corpus's newest listing (2026-05-05), said on stderr.
    assert report["window"] == {"from": "2025-05-05", "to": "2026-05-05"}
    assert "window: 2025-05-05 to 2026-05-05 (backfill default; 12 months ending at the corpus's newest listing" in err
    assert report["selection"]["window"]["applied"] == "backfill default"
    candidates = report["selection"]["selected"]
    assert curation["candidates"] == candidates == len(curation["decisions"]) > 400
    discussed = [d for d in curation["decisions"] if d["discussed"]]
    assert len(discussed) == 24 and all({"rank", "score", "reason", "why"} <= d.keys() for d in discussed)
    assert all(q["discussed"] >= 0.15 * 24 for q in curation["quarters"]), curation["quarters"]
    folder = tmp_path / "posts" / SLUG
    body = (folder / "post.md").read_text(encoding="utf-8")
    cited = report["papers"]["covered"]
    assert f"**{cited} papers discussed of {candidates} screened** | May 2025 – May 2026" in body
    assert f"covering {cited} papers on RL & Post-Training from May 2025 – May 2026." in body
    papers = json.loads((folder / "papers.json").read_text(encoding="utf-8"))
    assert len(papers) == 24  # only the discussed papers reach the drafter
    shortlist = (folder / "curation.md").read_text(encoding="utf-8")
    assert shortlist.startswith("# Curation: 07 - RL & Post-Training")
    rows = re.findall(r"^\| (\d+) \| ", shortlist.split("## Below the cut")[0], re.M)
    assert len(rows) == 24 and rows == sorted(rows, key=int)
    assert "## Below the cut (the next 20 of" in shortlist


def test_pins_and_excludes_from_the_command_line_and_topics_toml(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "--shortlist", "--json", "--papers", "10")
    assert code == 0, err
    decisions = json.loads(out)["curation"]["decisions"]
    top, low, lower = decisions[0]["id"], decisions[-1]["id"], decisions[-2]["id"]
    topics = tmp_path / "topics.toml"
    topics.write_text(TOPICS.read_text(encoding="utf-8").replace(
        'slug = "rl-post-training"\n', f'slug = "rl-post-training"\npin = ["{low}"]\n'), encoding="utf-8")
    code, out, err = run(tmp_path, "--json", "--papers", "10", "--pin", lower, "--exclude", top, "--pin", "2401.00001",
                         topics=topics)  # fmt: skip
    assert code == 0, err
    by_id = {d["id"]: d for d in json.loads(out)["curation"]["decisions"]}
    assert by_id[low]["discussed"] and by_id[lower]["discussed"] and by_id[low]["why"] == "pinned by the editor"
    assert not by_id[top]["discussed"] and by_id[top]["why"] == "excluded by the editor"
    assert "note: pinned id 2401.00001 is not among the" in err
    shortlist = (tmp_path / "posts" / SLUG / "curation.md").read_text(encoding="utf-8")
    assert "## Excluded by the editor" in shortlist and top in shortlist.split("## Excluded by the editor")[1]


def test_shortlist_prints_the_ranking_and_writes_nothing(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "--shortlist", "--papers", "5")
    assert code == 0, err
    assert out.startswith("# Curation: 07 - RL & Post-Training\n\n5 papers discussed of ")
    assert "window: 2025-05-05 to 2026-05-05" in err
    assert not (tmp_path / "posts").exists()


def test_explicit_dates_win_over_the_default_window(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "--json", "--from", "2025-09-01", "--to", "2025-12-31")
    assert code == 0, err
    report = json.loads(out)
    assert report["selection"]["window"]["applied"] == "--from/--to"
    dates = {d["submitted"] for d in json.loads((tmp_path / "posts" / SLUG / "papers.json").read_text())}
    assert dates and all("2025-09-01" <= d <= "2025-12-31" for d in dates)
