"""Theme labels (digest_publisher/phrases.py), as an editor reads them: the built-in drafter's H2 headings
and the built-in scorer's curation themes, on the real week (tests/data/real) and the bundled year subset.

The allow-list of heading forms checked here, on real drafts:

* a phrase of one to three words, never "X and Y";
* its words appear as one contiguous phrase (plurals folded) in the title or abstract of at least two of
  the papers its section or theme holds, or it is a keyword of the topic;
* its first and last words are neither stopwords nor generic words ("Gains", "Accuracy", "Enhancing",
  "Efficient", "Missing"), nor a model family alone ("LLMs");
* a one-word heading is an acronym as written ("GRPO") or a keyword of the topic, of three letters or more;
* the papers grouped under it share it: every paper the curation gives a theme uses its phrase, and most
  of a drafted section's papers do (the rest joined by shared vocabulary).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest_publisher import records
from digest_publisher.cli import cli
from digest_publisher.drafting.grounding import citations_in
from digest_publisher.models import Paper
from digest_publisher.phrases import (
    GENERIC,
    MODEL_WORDS,
    STOPWORDS,
    _fold,
    phrase_themes,
    topic_vocabulary,
    uses_phrase,
)
from digest_publisher.topics import load_topics
from tests.paths import REAL_WEEK, REPO_ROOT, SAMPLE_YEAR

TOPIC = load_topics(REPO_ROOT / "topics.toml").get("07")
VOCABULARY = topic_vocabulary(TOPIC)
# The headings issue 17 showed: none of them may pass the form checks.
OLD_HEADINGS = ["Multimodal and Post-training", "Preference and Human", "Gains and Missing",
                "Policy and Trajectories", "Accuracy and Supervised", "Visual and Mllms", "Tokens and Effectiveness",
                "Enhancing", "Efficient", "Human", "Missing", "Visual", "LLMs", "RL"]


def phrase_key(label: str) -> str:
    return " ".join(_fold(w) for w in label.lower().split())


def form_problems(label: str) -> list[str]:
    """Why ``label`` is not an allowed heading form (empty: it is)."""
    words = phrase_key(label).split()
    problems = []
    if not 1 <= len(words) <= 3:
        problems.append("not one to three words")
    if "and" in words:
        problems.append("an 'X and Y' composition")
    for edge in {words[0], words[-1]}:
        if edge in STOPWORDS or edge in GENERIC:
            problems.append(f"'{edge}' opens or closes it")
    if len(words) == 1:
        raw = label.strip()
        acronym = re.fullmatch(r"[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*s?", raw) is not None
        if words[0] in MODEL_WORDS or len(words[0]) < 3 or not (acronym or words[0] in VOCABULARY):
            problems.append("a single word that is neither an acronym nor the topic's keyword")
    return problems


def uses(paper: Paper, label: str) -> bool:
    return uses_phrase(f"{paper.title}. {paper.abstract}", label)


def draft(corpus: Path, posts: Path) -> records.PostFolder:
    result = CliRunner().invoke(
        cli, ["draft", "--topic", "07", "--corpus", str(corpus), "--drafter", "builtin", "--posts-dir", str(posts)],
        env={"ANTHROPIC_API_KEY": None, "DIGEST_NO_DOTENV": "1"},
    )
    assert result.exit_code == 0, result.output
    return records.load_post("backfill-07-rl-post-training", posts)


@pytest.fixture(scope="module", params=[REAL_WEEK, SAMPLE_YEAR], ids=["real-week", "year-subset"])
def post(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> records.PostFolder:
    return draft(request.param, tmp_path_factory.mktemp("posts"))


def sections(folder: records.PostFolder) -> dict[str, list[Paper]]:
    body = folder.source.body
    out: dict[str, list[Paper]] = {}
    for chunk in re.split(r"^(?=## )", body, flags=re.M):
        if not chunk.startswith("## ") or chunk.startswith(("## Outlook", "## Run Metadata")):
            continue
        heading = chunk.splitlines()[0][3:].strip()
        keys = dict.fromkeys(k for k in citations_in(chunk) if k in folder.papers)
        out[heading] = [folder.papers[k] for k in keys]
    return out


def test_the_form_checks_reject_the_headings_of_issue_17() -> None:
    for label in OLD_HEADINGS:
        assert form_problems(label), label
    for label in ("Reward Models", "Policy Optimization", "GRPO", "Verifiable Rewards", "Agentic RL",
                  "Supervised Fine-Tuning", "Multimodal Reasoning"):
        assert form_problems(label) == [], label


def test_drafted_headings_are_shared_noun_phrases(post: records.PostFolder) -> None:
    found = sections(post)
    assert len(found) >= 3
    for heading, papers in found.items():
        assert form_problems(heading) == [], heading
        sharing = [p for p in papers if uses(p, heading)]
        assert len(sharing) >= 2 or phrase_key(heading) in VOCABULARY, (heading, len(sharing))
        # The section groups papers by the phrase: most of its papers use it.
        assert len(sharing) * 2 >= len(papers), (heading, len(sharing), len(papers))
    # Headings never repeat a word (no two sections about "reward").
    words = [w for h in found for w in phrase_key(h).split()]
    assert len(words) == len(set(words))


def curation_themes(folder: records.PostFolder) -> list[tuple[str, str]]:
    """(arXiv id, theme) of every row of curation.md that has a theme."""
    rows = []
    for line in (folder.path / "curation.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 6 and (m := re.search(r"\[(\d{4}\.\d{4,5})\]", cells[3])) and cells[5] not in ("-", ""):
            rows.append((m.group(1), cells[5]))
    return rows


def test_curation_themes_are_phrases_their_papers_use(post: records.PostFolder) -> None:
    rows = curation_themes(post)
    assert rows
    papers = {str(p.arxiv_id): p for p in post.papers.values()}
    for label in {theme for _, theme in rows}:
        assert form_problems(label) == [], label
    # A discussed paper with a theme uses its phrase in its title or abstract.
    checked = [(papers[i], t) for i, t in rows if i in papers]
    assert checked
    for paper, label in checked:
        assert uses(paper, label), (paper.arxiv_id, label)


def paper(i: int, title: str, abstract: str) -> Paper:
    return Paper(arxiv_id=f"2605.{i:05d}", title=title, abstract=abstract, authors=("A. Author",))


def test_faithful_phrases_are_kept_and_half_phrases_generic_words_and_urls_are_not() -> None:
    papers = [
        paper(1, "Reward Models for Code", "Enhancing reward models with human feedback. See https://github.com/x/y-z."),
        paper(2, "Better Reward Models", "We train reward models from labels at https://github.com/x/y-z."),
        paper(3, "Reward Models Under Shift", "Reward models drift; a human helps."),
        paper(4, "GRPO for Math", "We study GRPO. Enhancing accuracy gains."),
        paper(5, "Stable GRPO Training", "GRPO is unstable; we fix it. Enhancing accuracy gains."),
        paper(6, "Enhancing Efficient Agents", "Efficient agents; accuracy gains. https://github.com/x/y-z"),
        paper(7, "Enhancing Efficient Planners", "Efficient planning; accuracy gains with human feedback."),
    ]
    found = phrase_themes([p.title for p in papers], [p.abstract for p in papers], VOCABULARY, themes=4,
                          max_share=0.6)
    assert "Reward Models" in found.labels and "GRPO" in found.labels
    for label in found.labels:
        assert form_problems(label) == [], label
        assert not {"github", "y-z", "enhancing", "efficient", "gains", "accuracy", "human"} & set(
            label.lower().split()), label
    reward = found.labels.index("Reward Models")
    assert [k == reward for k in found.of_paper[:3]] == [True, True, True]
    # Deterministic: same papers, same themes.
    again = phrase_themes([p.title for p in papers], [p.abstract for p in papers], VOCABULARY, themes=4,
                          max_share=0.6)
    assert again == found
