"""Precision and recall of each shipped topic on the labelled sample of the real year.

The sample (``tests/data/topic_labels/``, see its README) is 310 papers of the year 2025-05 .. 2026-05, drawn
in strata per topic (papers the topic's rules selected when the sample was drawn, near-misses found by
broader keywords, for topic 07 also papers naming technical reports or large-scale RL, and 60 at random),
each labelled by hand for every topic with a one-line reason. Two figures per topic:

* **sample**: precision and recall over the 310 labelled papers as they are (what the test holds);
* **year (estimated)**: each labelled paper weighted by its stratum's size in the year over the number
  labelled in it, so the figures estimate the rules' precision and recall over all 61,172 papers. The
  strata are those of the rules at drawing time; re-weighting stays valid when the rules change, since
  every paper of the year belongs to exactly one stratum.

``python -m bench.topic_recall [topics.toml]`` prints the table; ``make bench`` includes it.
"""

from __future__ import annotations

import json
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
    strata: dict[str, str]  # topic number -> stratum it was drawn from
    reason: str


@dataclass(frozen=True)
class Scores:
    topic: str
    tp: int
    fp: int
    fn: int
    year_precision: float
    year_recall: float
    year_selected: float  # estimated papers of the year the rules select

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
        found.append(Labelled(paper, record["labels"], record["strata"], record["reason"]))
    return found


def stratum_sizes(folder: Path = LABELS) -> dict[str, dict[str, int]]:
    sizes: dict[str, dict[str, int]] = json.loads((folder / "strata.json").read_text(encoding="utf-8"))["sizes"]
    return sizes


def measure(topics_path: Path, folder: Path = LABELS) -> dict[str, Scores]:
    """Each topic of ``topics_path`` that the sample labels, scored on the sample and estimated on the year."""
    labelled = load_labelled(folder)
    sizes = stratum_sizes(folder)
    scores: dict[str, Scores] = {}
    for topic in load_topics(topics_path):
        if topic.number not in sizes:
            continue
        drawn: dict[str, int] = {}
        for item in labelled:
            drawn[item.strata[topic.number]] = drawn.get(item.strata[topic.number], 0) + 1
        tp = fp = fn = 0
        year = {"tp": 0.0, "fp": 0.0, "fn": 0.0}
        for item in labelled:
            stratum = item.strata[topic.number]
            weight = sizes[topic.number][stratum] / drawn[stratum]
            relevant, selected = item.labels[topic.number], match_topic(topic, item.paper) is not None
            kind = "tp" if relevant and selected else "fp" if selected else "fn" if relevant else ""
            if kind:
                year[kind] += weight
            tp, fp, fn = tp + (kind == "tp"), fp + (kind == "fp"), fn + (kind == "fn")
        chosen = year["tp"] + year["fp"]
        found = year["tp"] + year["fn"]
        scores[topic.number] = Scores(
            topic.number, tp, fp, fn, year["tp"] / chosen if chosen else 0.0, year["tp"] / found if found else 0.0,
            chosen,
        )  # fmt: skip
    return scores


def run(topics_path: Path = REPO / "topics.toml") -> list[Row]:
    rows: list[Row] = []
    n = len(load_labelled())
    for number, s in sorted(measure(topics_path).items()):
        rows.append(
            Row(
                f"topic {number} rules on {n} hand-labelled papers of the year",
                f"sample P {s.precision:.0%} R {s.recall:.0%} (TP {s.tp}, FP {s.fp}, FN {s.fn}); "
                f"year estimate P {s.year_precision:.0%} R {s.year_recall:.0%}",
                "sample P and R at or above the floors in tests/topics/test_topic_recall.py",
            )
        )
    return rows


if __name__ == "__main__":
    print(render_table(run(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "topics.toml")))
