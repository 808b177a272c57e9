"""Draw the catalogue's labelled sample of the real year (tests/data/topic_labels/, README there).

    python scripts/draw_topic_sample.py draw YEAR_DIR [2]    # strata sizes + papers to label (round 1, then 2)
    python scripts/draw_topic_sample.py merge LABELS.tsv     # the hand labels into papers.jsonl
    python scripts/draw_topic_sample.py heldout YEAR_DIR     # after the rules: 15 selected papers per topic

``draw`` puts every paper of the year (``YEAR_DIR``: the daily listing files, one JSON object a line) in
one stratum per new topic: ``core`` (a narrow keyword net: the topic's own words), ``near`` (a broad net,
not core) or ``rest``, by the regular expressions below, written before any rule of those topics existed.
It writes the stratum sizes into ``strata.json``, the strata of the 310 papers already labelled into
``papers.jsonl``, and appends, with seed 20261206 (round 1: ``DRAW`` papers per topic and stratum) or
20261207 (round 2: ``EXTRA``), papers not yet in the sample, with empty labels for the new topics (to be
labelled by reading title and abstract). Round 2 runs on the file round 1 and its labels left.
``merge`` reads ``id<TAB>topics in (comma-separated numbers, or -)<TAB>reason`` lines and sets the new
topics' labels of every paper that lacks them; a paper the file leaves out is an error. ``heldout`` (run
once the rules were fixed) prints, with seed 20261208, 15 papers at random from each new topic's selection in
the year that are not in the sample, to be judged by the same rules (``heldout-precision.tsv``).
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

LABELS = Path(__file__).resolve().parent.parent / "tests" / "data" / "topic_labels"
SEED = 20261206
DRAW = {"core": 18, "near": 14, "rest": 8}
# Round 2, drawn after round 1 was labelled and still before any rule existed: more of the core strata of the
# topics whose first sample held few papers in the topic (02, 06, 09, 11).
EXTRA = {"02": {"core": 16}, "06": {"core": 10}, "09": {"core": 10}, "11": {"core": 12}}

# topic: (core net, broad net); matched case-insensitively on title + " " + abstract.
NETS: dict[str, tuple[str, str]] = {
    "01": (
        r"chain.of.thought|\bCoT\b|test.time (?:scaling|compute)|inference.time (?:scaling|compute)|reasoning models?"
        r"|\bLRMs?\b|mathematical reasoning|math reasoning|overthinking|reasoning (?:length|traces?|chains?|paths?)"
        r"|thinking (?:budget|tokens?|mode)|slow thinking|self.consistency|theorem prov|\bo1\b|DeepSeek.R1"
        r"|reasoning (?:abilit|capabilit)|multi.step reasoning|long.context reasoning|latent reasoning",
        r"reason|think|test.time|inference.time|\bmath|theorem|proof|logic|puzzle|step.by.step|verif|deduct"
        r"|abduct|\bR1\b|planning|search",
    ),
    "02": (
        r"code generation|code LLMs?|code (?:models?|repair|review|completion|agents?|reasoning|editing)"
        r"|program synthesis|software engineering|SWE.bench|text.to.SQL|NL2SQL|unit test|vulnerability detection"
        r"|bug (?:fix|repair|locali)|repository.level|\bcoding\b|Verilog|\bRTL\b",
        r"\bcode|coding|program|software|repositor|\bbugs?\b|debug|compil|\bSQL\b|python|github|\bSWE|unit test"
        r"|test case|\bLean\b|formal verif|script|\bAPIs?\b|developer",
    ),
    "04": (
        r"quantiz|pruning|\bprune|KV.cache|speculative decoding|tokens? (?:pruning|merging|reduction|compression)"
        r"|model compression|knowledge distillation|inference (?:acceleration|efficiency|speed|latency)"
        r"|efficient inference|low.bit|sparse attention|early.exit|\bLLM serving|serving system|on.device",
        r"efficien|compress|sparsi|distill|latency|throughput|memory|low.rank|accelerat|speed|lightweight|FLOPs"
        r"|inference cost|mixture.of.experts|\bMoE\b|linear attention|quadratic|edge device|binar|\d.bit|FP8"
        r"|INT\d|hardware|cache|real.time",
    ),
    "05": (
        r"jailbreak|red.team|prompt injection|backdoor|adversarial attack|guardrail|harmful|safety alignment"
        r"|data poisoning|membership inference|unsafe|AI safety|LLM safety|deceptive|deception|sycophan|watermark"
        r"|misuse|deepfake",
        r"safe|secur|attack|adversarial|harm|toxic|poison|privacy|malicious|robust|unlearn|threat|vulnerab"
        r"|misinformation|forger|forgery|risk|bias|fairness|manipulat|align|trust",
    ),
    "06": (
        r"interpretab|explainab|mechanistic|sparse autoencoder|\bSAEs?\b|circuits?\b|probing|\bprobes?\b"
        r"|attribution|saliency|steering vector|activation steering|representation engineering|\bneurons?\b"
        r"|logit lens|\bXAI\b",
        r"interpret|explain|explanation|internal|hidden state|activation|attention (?:maps?|heads?|patterns?)"
        r"|concept|mechanis|probe|lens|steer|circuit|emergen|memoriz|superposition|layer.wise|representation",
    ),
    "08": (
        r"(?:introduce|present|propose|construct|build|release|curate)[^.]{0,80}\b(?:benchmark|evaluation (?:suite|set"
        r"|dataset|framework)|testbed)|[A-Za-z]Bench\b|LLM.as.a.judge|LLM.as.judge|evaluation (?:protocol|methodology)"
        r"|leaderboard|comprehensive evaluation|systematic evaluation|empirical study|large.scale evaluation",
        r"benchmark|evaluat|dataset|assess|judge|metric|empirical|study|survey|measur",
    ),
    "09": (
        r"retrieval.augmented|\bRAG\b|retriever|dense retrieval|re.?rank|information retrieval|document retrieval"
        r"|passage retrieval|embedding models?|text embedding|GraphRAG|search engine|query (?:rewriting|expansion)"
        r"|multi.hop question answering|open.domain question|retrieval models?",
        r"retriev|search|rank|embedding|knowledge base|knowledge graph|index|memory|question answering|\bQA\b"
        r"|document|passage|corpus|recommend|grounding",
    ),
    "10": (
        r"text.to.image|text.to.video|image generation|video generation|image editing|video editing"
        r"|diffusion models?|diffusion transformer|\bDiT\b|flow matching|image synthesis|video synthesis"
        r"|stable diffusion|image.to.video|talking (?:head|face)|virtual try.on|inpainting|visual generation"
        r"|autoregressive (?:image|visual|video)|generative models?",
        r"diffusion|generat|synthes|edit|render|\bflow|\bGAN|denois|sampling|style|texture|avatar|animat"
        r"|inpaint|super.resolution|restoration|\b3D|\b4D",
    ),
    "11": (
        r"robot|embodied|vision.language.action|\bVLAs?\b|manipulation|locomotion|grasp|humanoid|navigation"
        r"|sim.to.real|autonomous driving|end.to.end driving|quadruped|dexterous|teleoperation|imitation learning",
        r"action|manipulat|navigat|driving|vehicle|agent|control|physical|world model|simulat|trajector|motion"
        r"|drone|UAV|\bscene|spatial|affordance|policy|reinforcement",
    ),
}
TOPICS = sorted(NETS)
_COMPILED = {n: (re.compile(core, re.I), re.compile(near, re.I)) for n, (core, near) in NETS.items()}


def text_of(record: dict[str, object]) -> str:
    return re.sub(r"\s+", " ", f"{record['title']} {record['summary']}")


def strata_of(record: dict[str, object]) -> dict[str, str]:
    text = text_of(record)
    found = {}
    for number, (core, near) in _COMPILED.items():
        found[number] = "core" if core.search(text) else "near" if near.search(text) else "rest"
    return found


def load_year(folder: Path) -> dict[str, dict[str, object]]:
    """Every unique paper of the year in the sample's shape, dated by its first listing."""
    papers: dict[str, dict[str, object]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            if raw["id"] not in papers:
                papers[raw["id"]] = {
                    "id": raw["id"], "title": raw["title"], "categories": raw["categories"],
                    "date": path.stem, "summary": raw["summary"],
                }  # fmt: skip
    return papers


def draw(folder: Path, round_number: int = 1) -> None:
    year = load_year(folder)
    strata = {pid: strata_of(record) for pid, record in year.items()}
    meta = json.loads((LABELS / "strata.json").read_text(encoding="utf-8"))
    for number in TOPICS:
        sizes: dict[str, int] = {"core": 0, "near": 0, "rest": 0}
        for found in strata.values():
            sizes[found[number]] += 1
        meta["sizes"][number] = sizes
    meta["catalogue"] = {
        "seeds": {"round 1": SEED, "round 2": SEED + 1}, "round 1 per topic": DRAW, "round 2": EXTRA,
        "nets": {n: {"core": c, "near": b} for n, (c, b) in NETS.items()},
    }  # fmt: skip
    path = LABELS / "papers.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    taken = {r["id"] for r in records}
    for record in records:
        record["strata"].update(strata[record["id"]])
    rng = random.Random(SEED + round_number - 1)  # noqa: S311 (a reproducible sample, not a secret)
    ids = sorted(year)
    plan = {n: DRAW for n in TOPICS} if round_number == 1 else EXTRA
    for number, counts in plan.items():
        for stratum, count in counts.items():
            pool = [pid for pid in ids if strata[pid][number] == stratum and pid not in taken]
            for pid in rng.sample(pool, count):
                taken.add(pid)
                records.append({
                    "id": pid, "labels": {}, "reason": "", "drawn": f"{number}-{stratum}", "strata": strata[pid],
                    "round": round_number,
                    **{k: year[pid][k] for k in ("title", "categories", "date", "summary")},
                })  # fmt: skip
    (LABELS / "strata.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def merge(labels_path: Path) -> None:
    given: dict[str, tuple[set[str], str]] = {}
    for number, line in enumerate(labels_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        pid, topics, reason = line.split("\t")
        chosen = set() if topics.strip() == "-" else {t.strip() for t in topics.split(",")}
        if not chosen <= set(TOPICS) or pid in given:
            sys.exit(f"Error: {labels_path}:{number}: bad topics {topics!r} or repeated id {pid}. Fix the line.")
        given[pid] = (chosen, reason.strip())
    path = LABELS / "papers.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    unlabelled = [r for r in records if not set(TOPICS) <= set(r["labels"])]
    missing = [r["id"] for r in unlabelled if r["id"] not in given]
    if missing or len(given) != len(unlabelled):
        sys.exit(f"Error: {labels_path} labels {len(given)} papers, the sample has {len(unlabelled)} unlabelled "
                 f"(missing {missing[:5]}). Label every unlabelled paper, and only those.")  # fmt: skip
    for record in unlabelled:
        chosen, reason = given[record["id"]]
        record["labels"].update({n: n in chosen for n in TOPICS})
        record["reason"] = f"{record['reason']}; catalogue: {reason}" if record["reason"] else reason
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def heldout(folder: Path, per_topic: int = 15) -> None:
    from digest_publisher.corpus.fields import listing_paper
    from digest_publisher.topics import load_topics, match_topic

    year = load_year(folder)
    taken = {json.loads(line)["id"] for line in (LABELS / "papers.jsonl").read_text(encoding="utf-8").splitlines()}
    topics = load_topics(LABELS.parent.parent.parent / "topics.toml")
    papers = {pid: listing_paper(record, pid, None) for pid, record in sorted(year.items())}
    rng = random.Random(SEED + 2)  # noqa: S311 (a reproducible sample, not a secret)
    for number in TOPICS:
        topic = topics.get(number)
        chosen = [pid for pid, paper in papers.items() if pid not in taken and match_topic(topic, paper) is not None]
        for pid in rng.sample(chosen, per_topic):
            print(f"[{number}] {pid} | {year[pid]['title']}\n{text_of(year[pid])}\n")


if __name__ == "__main__":
    command, argument = sys.argv[1], Path(sys.argv[2])
    if command == "draw":
        draw(argument, int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    elif command == "heldout":
        heldout(argument)
    else:
        merge(argument)
