"""Precision and recall of each shipped topic on the labelled sample of the real year.

The sample (``tests/data/topic_labels/``, see its README) is papers of the year 2025-05 .. 2026-05 drawn in
strata per topic, each labelled by hand for the topics it was labelled for (the first 310 for topics 03, 07
and 12 and the catalogue's nine others; those drawn for the catalogue for the nine), with a one-line
reason. Two figures per topic:

* **sample**: precision and recall over every paper labelled for the topic (what the test holds);
* **year (estimated)**: from the papers drawn at random from one of the topic's strata, i.e. the 60 drawn
  from the whole year and those drawn for this topic's own strata, each weighted by its stratum's size in
  the year over the number of such papers in it (a stratified estimate over all 61,172 papers). Papers
  drawn for another topic's strata are left out of the estimate: they are not a random draw of this
  topic's strata (the 07-selected papers would stand for a reasoning topic's "core" stratum, for
  instance). The strata are fixed when drawn; re-weighting stays valid when the rules change, since every
  paper of the year belongs to exactly one stratum per topic. With about a hundred such papers per topic, a
  single paper of a large stratum moves the estimate by several points: the 90% interval printed with it
  is a stratified bootstrap (the papers of each stratum resampled, 2,000 times, seed 20261206).

``python -m bench.topic_recall [topics.toml]`` prints the table; ``make bench`` includes it.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from digest_publisher.corpus.fields import listing_paper
from digest_publisher.models import Paper
from digest_publisher.topics import load_topics, match_topic

from .table import Row, render_table

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "tests" / "data" / "topic_labels"


@dataclass(frozen=True)
class Labelled:
    paper: Paper
    labels: dict[str, bool]  # topic number -> in the topic, by the labeller's judgement
    strata: dict[str, str]  # topic number -> the paper's stratum for that topic
    reason: str
    drawn: str  # "random", or "<topic>-<stratum>" it was drawn for

    def random_in(self, number: str) -> bool:
        """Whether the paper was drawn at random from its stratum of topic ``number`` (or from the year)."""
        return self.drawn == "random" or self.drawn.startswith(f"{number}-")


@dataclass(frozen=True)
class Scores:
    topic: str
    tp: int
    fp: int
    fn: int
    year_precision: float
    year_recall: float
    year_selected: float  # estimated papers of the year the rules select
    labelled: int  # papers labelled for the topic (the sample's size)
    positives: int  # of them, in the topic
    weighted: int  # of them, drawn at random from the topic's strata (the year estimate's basis)
    precision_interval: tuple[float, float] = (0.0, 0.0)  # 90% stratified-bootstrap interval of year_precision
    recall_interval: tuple[float, float] = (0.0, 0.0)  # ... of year_recall

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def load_labelled(folder: Path = LABELS) -> list[Labelled]:
    found: list[Labelled] = []
    path = folder / "papers.jsonl"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        record = json.loads(line)
        paper = listing_paper(record, f"{path}:{number}", None)
        found.append(Labelled(paper, record["labels"], record["strata"], record["reason"], record["drawn"]))
    return found


def stratum_sizes(folder: Path = LABELS) -> dict[str, dict[str, int]]:
    sizes: dict[str, dict[str, int]] = json.loads((folder / "strata.json").read_text(encoding="utf-8"))["sizes"]
    return sizes


def _ratio(tp: float, other: float) -> float:
    return tp / (tp + other) if tp + other else 0.0


def bootstrap_intervals(
    strata: dict[str, list[str]], sizes: dict[str, int], rounds: int = 2000, seed: int = 20261206
) -> tuple[tuple[float, float], tuple[float, float]]:
    """90% intervals of the weighted precision and recall: each stratum's outcomes ("tp", "fp", "fn" or "")
    resampled with replacement, each draw weighted by the stratum's size over its sample's size."""
    rng = random.Random(seed)
    precisions, recalls = [], []
    for _ in range(rounds):
        year = {"tp": 0.0, "fp": 0.0, "fn": 0.0, "": 0.0}
        for stratum, kinds in strata.items():
            for kind in rng.choices(kinds, k=len(kinds)):
                year[kind] += sizes[stratum] / len(kinds)
        precisions.append(_ratio(year["tp"], year["fp"]))
        recalls.append(_ratio(year["tp"], year["fn"]))
    precisions.sort()
    recalls.sort()
    low, high = int(0.05 * rounds), int(0.95 * rounds) - 1
    return (precisions[low], precisions[high]), (recalls[low], recalls[high])


def measure(topics_path: Path, folder: Path = LABELS) -> dict[str, Scores]:
    """Each topic of ``topics_path`` that the sample labels, scored on the sample and estimated on the year."""
    labelled = load_labelled(folder)
    sizes = stratum_sizes(folder)
    scores: dict[str, Scores] = {}
    for topic in load_topics(topics_path):
        if topic.number not in sizes:
            continue
        mine = [item for item in labelled if topic.number in item.labels]
        drawn: dict[str, int] = {}
        for item in mine:
            if item.random_in(topic.number):
                drawn[item.strata[topic.number]] = drawn.get(item.strata[topic.number], 0) + 1
        tp = fp = fn = 0
        year = {"tp": 0.0, "fp": 0.0, "fn": 0.0}
        outcomes: dict[str, list[str]] = {}
        for item in mine:
            relevant, selected = item.labels[topic.number], match_topic(topic, item.paper) is not None
            kind = "tp" if relevant and selected else "fp" if selected else "fn" if relevant else ""
            if item.random_in(topic.number):
                stratum = item.strata[topic.number]
                outcomes.setdefault(stratum, []).append(kind)
                if kind:
                    year[kind] += sizes[topic.number][stratum] / drawn[stratum]
            tp, fp, fn = tp + (kind == "tp"), fp + (kind == "fp"), fn + (kind == "fn")
        chosen = year["tp"] + year["fp"]
        found = year["tp"] + year["fn"]
        scores[topic.number] = Scores(
            topic.number, tp, fp, fn, year["tp"] / chosen if chosen else 0.0, year["tp"] / found if found else 0.0,
            chosen, len(mine), sum(item.labels[topic.number] for item in mine), sum(drawn.values()),
            *bootstrap_intervals(outcomes, sizes[topic.number]),
        )  # fmt: skip
    return scores


def run(topics_path: Path = REPO / "topics.toml") -> list[Row]:
    rows: list[Row] = []
    for number, s in sorted(measure(topics_path).items()):
        rows.append(
            Row(
                f"topic {number} rules on {s.labelled} hand-labelled papers of the year ({s.positives} in it)",
                f"sample P {s.precision:.0%} R {s.recall:.0%} (TP {s.tp}, FP {s.fp}, FN {s.fn}); "
                f"year estimate P {s.year_precision:.0%} ({s.precision_interval[0]:.0%}-{s.precision_interval[1]:.0%}) "
                f"R {s.year_recall:.0%} ({s.recall_interval[0]:.0%}-{s.recall_interval[1]:.0%}) from {s.weighted} "
                f"papers drawn at random from its strata, ~{s.year_selected:,.0f} selected",
                "sample P and R at or above the floors in tests/topics/test_topic_recall.py",
            )
        )
    return rows


if __name__ == "__main__":
    print(render_table(run(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "topics.toml")))
