"""The series' one triage pass against the fake Claude (through the real SDK), drafting only: each distinct
paper read once for all its topics, in one Message Batch; the overlap rule; a re-run makes no call."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from digest_publisher.series import run_series
from tests.fake_claude import FakeClaude
from tests.series.helpers import SERIES, candidates, claude, job


def decisions(posts: Path, slug: str) -> dict[str, dict[str, Any]]:
    report = json.loads((posts / slug / "draft-report.json").read_text(encoding="utf-8"))
    return {d["id"]: d for d in report["curation"]["decisions"]}


def listed(fake: FakeClaude) -> tuple[Counter[str], dict[str, set[str]], int]:
    """Every paper the series' triage requests listed (how often), with the topics asked, and the number of
    Message Batches that carried them."""
    seen: Counter[str] = Counter()
    topics: dict[str, set[str]] = {}
    batches = 0
    for created in fake.calls(path="/v1/messages/batches"):
        bodies = [r["params"] for r in (created.body or {}).get("requests", [])]
        triage = [b for b in bodies if fake.stage_of(b) == "series_triage"]
        batches += bool(triage)
        for body in triage:
            text = body["messages"][0]["content"][-1]["text"]
            for pid, asked in re.findall(r"^\[\d+\] (\S+): .*\nTopics: (.*)$", text, re.M):
                seen[pid] += 1
                topics[pid] = set(asked.split(", "))
    return seen, topics, batches


def test_each_paper_is_read_once_in_one_batch_and_central_papers_go_to_their_topic(tmp_path: Path) -> None:
    selected = candidates()
    shared_03 = sorted(selected["07"] & selected["03"] - selected["12"])
    shared_12 = sorted(selected["07"] & selected["12"] - selected["03"])
    assert shared_03 and shared_12, "the subset must hold papers two topics select"
    only_03, both = shared_03[0], shared_12[0]
    posts = tmp_path / "posts"
    with FakeClaude() as fake:
        fake.plant_topics({"03": [only_03], "07": [both], "12": [both]})  # central to 03; to 07 and 12 alike
        drafter, triage = claude(fake, tmp_path / "cache", batch=True)
        report = run_series(job(posts), drafter=drafter, triage=triage, site=None)
        assert not report.failed, [r.error for r in report.rows]

        seen, asked, batches = listed(fake)
        distinct = set().union(*selected.values())
        assert batches == 1 and fake.calls("series_triage") == []  # all triage requests in ONE batch, none streamed
        assert set(seen) == distinct and set(seen.values()) == {1}  # each distinct paper listed once
        assert report.papers == len(distinct)
        assert asked[only_03] == {"07", "03"} and asked[both] == {"07", "12"}
        assert all(asked[pid] == {n for n in SERIES if pid in selected[n]} for pid in distinct)
        shared = {pid for pid in distinct if sum(pid in selected[n] for n in SERIES) > 1}
        assert report.shared == len(shared) > 0

        by_topic = {n: decisions(posts, f"backfill-{n}-{slug}") for n, slug in
                    (("07", "rl-post-training"), ("03", "agents-tool-use"), ("12", "vision-language-models"))}
        assert set(by_topic["07"]) == selected["07"]  # every candidate has a decision
        assert by_topic["03"][only_03]["discussed"] and by_topic["03"][only_03]["score"] == 10
        held = by_topic["07"][only_03]
        assert not held["discussed"] and held["why"].startswith("shared with topic 03, where it is central (score 10")
        assert by_topic["07"][both]["discussed"] and by_topic["12"][both]["discussed"]  # a tie keeps both
        # No shared paper is discussed in a topic where another topic scored it higher.
        for pid in shared:
            scores = {n: by_topic[n][pid]["score"] for n in SERIES if pid in by_topic[n]}
            for n, score in scores.items():
                if by_topic[n][pid]["discussed"]:
                    assert score == max(scores.values()), (pid, scores)
        assert sum(r.held for r in report.rows) > 0
        # A low score's pair is answered without theme and reason (the answer is most of the pass's cost).
        low = [d for d in by_topic["07"].values() if d["score"] < 7]
        assert low and all(d["reason"] == "scored under 7: no reason asked" and "theme" not in d for d in low)
        assert all(d["reason"].startswith(("about ", "central")) for d in by_topic["07"].values() if d["score"] >= 7)
        assert report.triage_usd_run > 0 and all(r.cost_usd > 0 for r in report.rows)

        before = len(fake.requests)
        again = run_series(job(posts), drafter=drafter, triage=triage, site=None)
        assert len(fake.requests) == before  # no call at all: scores, batch and drafts all kept
        assert again.spent_usd_run == 0 and [r.resumed for r in again.rows] == [["draft"]] * 3
        assert [(r.discussed, r.words) for r in again.rows] == [(r.discussed, r.words) for r in report.rows]


def test_streamed_triage_and_a_new_topic_asks_only_its_new_pairs(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    selected = candidates()
    with FakeClaude() as fake:
        drafter, triage = claude(fake, tmp_path / "cache", batch=False)
        first = run_series(dataclasses.replace(job(posts), topic_refs=("07", "03")), drafter=drafter, triage=triage,
                           site=None)
        assert not first.failed
        calls = fake.calls("series_triage")
        assert calls and fake.calls(path="/v1/messages/batches") == []
        text = "".join(c.body["messages"][0]["content"][-1]["text"] for c in calls if c.body)
        assert "Topics: 07, 03" in text and all("12" not in t for t in re.findall(r"^Topics: (.*)$", text, re.M))
        fake.requests.clear()
        run_series(job(posts), drafter=drafter, triage=triage, site=None)
        asked = "".join(c.body["messages"][0]["content"][-1]["text"] for c in fake.calls("series_triage") if c.body)
        topics_asked = set(re.findall(r"^Topics: (.*)$", asked, re.M))
        assert topics_asked == {"12"}  # 07's and 03's pairs were scored before: only topic 12's are asked
        assert len(re.findall(r"^\[\d+\] ", asked, re.M)) == len(selected["12"])
