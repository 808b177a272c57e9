"""A fake Claude: a local HTTP server speaking the Messages API (plain and streaming SSE) and the
Message Batches API, that the REAL ``anthropic`` SDK reaches through ``base_url``.

- Scripted per test: by default a deterministic "model" answers each drafting stage (it recognises
  ``<task name="...">`` in the prompt) with well-formed, grounded output built from the papers in the
  request; :meth:`FakeClaude.fail` queues faults for a stage (HTTP 429 with retry-after, 529, 500,
  ``stop_reason: max_tokens``, invalid JSON, a citation of a paper that is not in the corpus, a number
  no paper states, a section that leaves out one of its papers, a card too long, a slow stream).
- Behaviours, scripted per test with :meth:`FakeClaude.behave`: ``"careful"`` writes sections as a
  careful model does (number words, hedged roundings, method-name headings, a list right after a line
  of text, up to 25% over the word limit), ``"liar"`` lies in every section (a number moved to another
  cited paper, a number changed by 10-40%, an invented number, two numbers of one paper swapped (when a
  paper whose abstract it was given states two in one sentence), a citation of a paper it was not given, the
  realistic lies of :func:`planted_lies` (numbers crossed between papers, ratio words, dropped and invented
  hedges), an external link, a remote image - one in a heading -, raw HTML, a shortcode) and, asked to repair its
  numbers, repeats them; ``plant`` makes triage score the given papers highest (``plant_topics``: a series' triage, per
  topic, each (paper, topic) pair otherwise scored by a hash of both); ``fault_rate`` fails that
  share of calls at random (429, 529, 500 and an error event in the middle of a stream), reproducibly from a
  seed.
- Records every request (path, JSON body, stage, status) so tests assert on what was sent; the API key
  is checked for presence and never stored.
- Reports usage like the API: input/output tokens (~4 characters per token) and prompt-cache writes and
  reads for prefixes that end in a ``cache_control`` block and are at least ``min_cache_tokens`` long.
- Latency mode for benchmarks: ``ttft_s`` before the first token and ``tokens_per_s`` after it; a Message
  Batch then ends no sooner than its slowest request would have taken streamed.

Run it alone (``python tests/fake_claude.py --port 8765 --ttft 1 --tps 60``) to point
``ANTHROPIC_BASE_URL`` at it.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MISSING_PAPER = "2605.99999"
HTTP_ERRORS = tuple(str(status) for status in range(400, 600))  # fault kinds answered as that HTTP status
MENTIONED_PAPER = "2503.10460"  # an id an abstract mentions ("see 2503.10460"), never asked about


@dataclass
class Fault:
    stage: str  # "cards", "outline", "section", "meta" or "*"
    # "429", "529", "500" (or any other HTTP error status, "400".."599"), "midstream", "max_tokens",
    # "invalid_json", "bad_citation", "invented_number", "omit_paper" (a section that does not mention one of
    # the papers it was given), "long_card" (a card field of 400 characters), "slow", "extra_id" (a card or
    # triage score for an id not asked: MENTIONED_PAPER), "drop_ids" (a cards or triage answer without its
    # last two items), "wrong_n" (a repair answer naming its fixes by numbers no sentence has)
    kind: str
    times: int = 1
    retry_after: float = 0.0
    delay_s: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    body: dict[str, Any] | None
    stage: str
    status: int
    stream: bool = False
    had_api_key: bool = False


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content if isinstance(b, dict))


def _esc(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _sentences(text: str) -> list[str]:
    protected = text.replace("e.g.", "e\x00g\x00").replace("i.e.", "i\x00e\x00").replace("et al.", "et al\x00")
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", protected)
    return [p.replace("\x00", ".").strip() for p in parts if p.strip()]


@dataclass
class PaperIn:
    id: str
    short: str
    title: str
    abstract: str
    key: bool = False
    card: str = ""  # the "card: ..." line of its block, when it has one


def _papers_in(text: str) -> list[PaperIn]:
    out = []
    for m in re.finditer(r'<paper id="([^"]+)"(?: short_name="([^"]*)")?>(.*?)</paper>(  \(key paper\))?', text, re.S):
        body = m.group(3)
        title = re.search(r"^title: (.*)$", body, re.M)
        abstract = re.search(r"^abstract: (.*)$", body, re.M)
        card = re.search(r"^card: (.*)$", body, re.M)
        out.append(PaperIn(m.group(1), m.group(2) or m.group(1), title.group(1) if title else "",
                           abstract.group(1) if abstract else "", bool(m.group(4)), card.group(1) if card else ""))
    return out


def _cards_in(text: str) -> dict[str, str]:
    """The cards block's lines ("id | short name | ..."): each paper's card, the column its header names "what
    the paper does ..." (an excerpt) or "contribution" (a model card's first field)."""
    header = re.search(r"^Paper cards \(([^)]*)\):$", text, re.M)
    columns = [c.strip() for c in header.group(1).split("|")] if header else []
    column = next((i for i, c in enumerate(columns) if c.startswith(("what the paper does", "contribution"))), 2)
    return {m.group(1): (m.group(0).split(" | ") + [""] * column)[column]
            for m in re.finditer(r"^(\d{4}\.\d{4,5}\S*) \| .*$", text, re.M)}


def _about(p: PaperIn, cards: dict[str, str]) -> str:
    """A sentence on a paper as a model writes it from what it was given: the abstract's first sentence, else
    its card's (the cards block above, or its block's "card:" line), else its title."""
    for source in (p.abstract, p.card, cards.get(p.id, "")):
        own = [s for s in _sentences(source) if " et al." not in s]  # never a sentence citing other work
        if own:
            return own[0]
    return p.title.rstrip(".") + "."


def _clip(text: str, words: int, chars: int) -> str:
    """The first ``words`` words of ``text``, fewer if needed to stay within ``chars`` characters."""
    kept = text.split()[:words]
    while kept and len(" ".join(kept)) > chars:
        kept.pop()
    return " ".join(kept)


def _number_sentence(p: PaperIn) -> str | None:
    for s in _sentences(p.abstract):
        if re.search(r"\d", s) and "$" not in s and len(s.split()) <= 45 and " et al." not in s:  # its own result
            return s
    return None


_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
EVIL = "https://evil.example"
LIES = {  # what the liar writes, as it appears in its Markdown
    "link": f"[Read the full results]({EVIL}/results)",
    "image": f"![]({EVIL}/pixel.gif)",
    "heading_image": f"![track]({EVIL}/h.gif)",
    "html": '<div onclick="steal()">Click here</div>',
    "shortcode": f'[button link="{EVIL}/login"]Log in to continue[/button]',
    "invented": "97.3%",
}


def _careful_numbers(sentence: str) -> str:
    """As a careful writer states numbers: small counts in words, decimals as hedged roundings, a percentage
    just under a round figure as "nearly" that figure, a factor near two or three as a ratio word."""
    out = re.sub(r"(?<![\w.\-$])([2-9])(?= [a-z])", lambda m: _WORDS[int(m.group(1))], sentence)

    def percent(m: re.Match[str]) -> str:
        value = float(m.group(1))
        ceiling = -(-value // 10) * 10
        if value >= 20 and ceiling - value <= ceiling * 0.05 and ceiling != value:
            return f"nearly {int(ceiling)}%"
        return f"about {round(value)}%"

    out = re.sub(r"(?<![\w.\-$+=])(\d+\.\d+)%", percent, out)

    def factor(m: re.Match[str]) -> str:
        value = float(m.group(1))
        word = "twice" if abs(value - 2) <= 0.1 else "three times" if abs(value - 3) <= 0.1 else None
        return f"roughly {word}" if word else m.group(0)

    return re.sub(r"(?<![\w.\-$])(\d+(?:\.\d+)?)\s?[x×](?![\w])", factor, out)


def _method_name(p: PaperIn) -> str | None:
    """The name the paper gives its method (title prefix, or "we propose X" in the abstract)."""
    head = p.title.split(":", 1)[0].strip() if ":" in p.title else ""
    if head and len(head.split()) == 1:
        return head
    found = re.search(r"\b(?:propose|introduce|present)s?\s+([A-Z][\w-]*[A-Z0-9][\w-]*)\b", p.abstract)
    return found.group(1) if found else None


class Model:
    """The deterministic stand-in for Claude's answers, stage by stage."""

    behaviour = "plain"  # or "careful", "liar" (see FakeClaude.behave)
    planted: frozenset[str] = frozenset()  # ids triage scores highest (see FakeClaude.plant)
    planted_topics: dict[str, frozenset[str]] = {}  # topic -> ids a series' triage scores highest there  # noqa: RUF012

    def answer(self, stage: str, body: dict[str, Any]) -> str:
        user = self.user_text(body)
        if stage == "triage":  # papers as "[n] id: title" then the abstract
            listed = re.findall(r"^\[(\d+)\] (\S+): (.*)$", user, re.M)
            return json.dumps({"scores": [self.triage(int(n), pid, title) for n, pid, title in listed]})
        if stage == "series_triage":  # "[n] id: title", then "Topics: 03, 07", then the abstract
            listed = re.findall(r"^\[(\d+)\] (\S+): (.*)\nTopics: (.*)$", user, re.M)
            return json.dumps({"scores": [self.series_triage(int(n), pid, title, topic)
                                          for n, pid, title, topics in listed for topic in topics.split(", ")]})
        if stage == "repair":
            return json.dumps({"fixes": self.repair(user)})
        if stage == "place":  # each new paper into a listed section, by a hash of its id
            headings = re.findall(r"^- (.+): ", user.split('<task name="place">', 1)[-1], re.M)
            return json.dumps({"placements": [
                {"id": p.id, "section": headings[int(hashlib.sha256(p.id.encode()).hexdigest(), 16) % len(headings)]}
                for p in _papers_in(user)], "left_out": []})
        if stage == "update":
            return " ".join(f"[@{p.id}] adds a related angle: {_esc(_about(p, {}))}"
                            for p in _papers_in(user.split("New papers:", 1)[-1]))
        if stage == "condense":  # cuts repetition: each paragraph said once
            section = user.split("cut repetition and detail,", 1)[-1].split("\n\n", 1)[-1].rsplit("</task>", 1)[0]
            paragraphs = list(dict.fromkeys(section.strip().split("\n\n")))
            return "\n\n".join(paragraphs)
        if stage == "cards":
            return json.dumps({"cards": [self.card(p, user) for p in _papers_in(user)]})
        if stage == "outline":
            return json.dumps(self.outline(user))
        if stage == "section":
            return self.section(user)
        if stage == "meta":
            return json.dumps({
                "title": "Post-Training Moves Into the Training Loop",
                "hook": "The most useful work in this window is not a bigger model but a better loop.\n\n"
                        "Here is what the papers actually say.",
                "excerpt": "What this window's papers say about rewards, credit assignment and data.",
                "tags": ["rlhf", "grpo", "post-training"],
            })
        return "OK"

    def triage(self, number: int, paper_id: str, title: str) -> dict[str, Any]:
        """A planted paper scores 10; any other 0-7 by a hash of its id (stable); a reason of up to 8 words."""
        digest = int(hashlib.sha256(paper_id.encode()).hexdigest(), 16)
        themes = ("reward models", "rl for reasoning", "preference optimization", "agents", "efficiency")
        if paper_id in self.planted:
            return {"i": number, "s": 10, "t": themes[digest % 5], "r": "central to the topic (planted)"}
        words = " ".join(title.split()[:6]).lower()
        return {"i": number, "s": digest % 8, "t": themes[digest % 5], "r": f"about {words}"}

    def series_triage(self, number: int, paper_id: str, title: str, topic: str) -> dict[str, Any]:
        """A series' triage item for (paper, topic): 10 when the paper is planted for that topic
        (:meth:`FakeClaude.plant_topics`), else 0-7 by a hash of the id and the topic (so a paper two topics
        select is usually more central to one of them, as with a real model); under 7, only i, k and s."""
        planted = self.planted_topics.get(topic, frozenset())
        item = self.triage(number, f"{paper_id}#{topic}", title)
        item["k"] = topic
        if paper_id in planted:
            item.update(s=10, r="central to the topic (planted)")
        if item["s"] < 7:  # as the prompt asks: a low score's pair gets no theme and no reason
            return {"i": number, "k": topic, "s": item["s"]}
        return item

    def repair(self, user: str) -> list[dict[str, Any]]:
        """An honest repair drops each unsupported number and gives an over-certain word the paper's hedge (or
        leaves it out); the liar repeats its sentences unchanged."""
        fixes = []
        for m in re.finditer(r"^(\d+)\. (.*)\n   unsupported: (.*)((?:\n   \(.*\))*)", user, re.M):
            index, sentence, numbers = int(m.group(1)), m.group(2), [n.strip() for n in m.group(3).split(",")]
            hedges = dict(re.findall(r'"([^"]+)": the paper(?:\'s own sentence)? (?:only )?says "([^"]+)"', m.group(4)))
            rewrite = sentence
            if self.behaviour != "liar":
                for number in numbers:
                    if not re.search(r"\d", number):  # a word too certain: the paper's hedge, or left out
                        rewrite = re.sub(rf"\b{re.escape(number)}\b\s?", f"{hedges[number]} " if number in hedges
                                         else "", rewrite, count=1)
                        continue
                    rewrite = re.sub(rf"(?:\s(?:by|of|to|at|a|an))?\s{re.escape(number)}", "", rewrite, count=1)
            fixes.append({"n": index, "rewrite": rewrite})  # each fix by its sentence's number, as the prompt asks
        return fixes

    @staticmethod
    def user_text(body: dict[str, Any]) -> str:
        return "\n".join(_text_of(m["content"]) for m in body["messages"] if m["role"] == "user")

    def card(self, p: PaperIn, prompt: str = "") -> dict[str, str]:
        sentences = _sentences(p.abstract)
        # Within the cards prompt's word limits (read from it; 12 and 20 words if it states none) and the
        # engine's character caps, as a model that follows the prompt would be.
        limits = {f: int(m.group(1)) for f, m in (
            (f, re.search(rf"- {f}: [^\n]*?at most (\d+) words", prompt)) for f in ("contribution", "key_result")) if m}
        first_words, result_words = limits.get("contribution", 12), limits.get("key_result", 20)
        first = _clip(sentences[0], first_words, 115) if sentences else _clip(p.title, first_words, 115)
        result = _clip(_number_sentence(p) or "", result_words, 175)
        return {
            "id": p.id,
            "contribution": re.sub(r"\d", "", first),
            "method": "See the abstract.",
            "key_result": result,
            "limitations": "",
        }

    def outline(self, user: str) -> dict[str, Any]:
        ids = re.findall(r"^(\S+) \| ", user, re.M)
        ids = [i for i in ids if i != "Paper" and re.match(r"^[\w.:/-]+$", i)]
        fixed = re.findall(r'^\d\. "([^"]+)"', user, re.M)
        if fixed:  # the brief: fixed sections, papers dealt round-robin
            buckets: list[list[str]] = [[] for _ in fixed]
            for index, key in enumerate(ids):
                buckets[index % len(fixed)].append(key)
            sections = [{"heading": h, "angle": f"What the papers say about {h.lower()}.",
                         "papers": b, "key_papers": b[:2]} for h, b in zip(fixed, buckets, strict=True) if b]
            return {"sections": sections, "left_out": []}
        n = 5 if len(ids) >= 20 else max(1, min(4, len(ids)))
        buckets = [[] for _ in range(n)]
        for key in ids:  # by a hash of the id: adding papers does not move the others
            buckets[int(hashlib.sha256(key.encode()).hexdigest(), 16) % n].append(key)
        sections = [{"heading": f"Theme {'ABCDEFG'[i]}: Where Rewards Come From", "angle": "Rewards matter.",
                     "papers": b, "key_papers": b[:2]} for i, b in enumerate(buckets) if b]
        if ids:
            sections.append({"heading": "The Road Ahead: What to Watch", "angle": "Open problems.",
                             "papers": ids[:2], "key_papers": ids[:1]})
        return {"sections": sections, "left_out": []}

    def section(self, user: str, omit: frozenset[str] = frozenset()) -> str:
        """Cites every paper it is given (the engine checks that), except the ``omit`` ones."""
        task = user.split('<task name="section">', 1)[-1]
        papers = [p for p in _papers_in(task) if p.id not in omit]
        if not papers:
            return "No papers."
        if self.behaviour == "careful":
            return self.careful_section(task, papers)
        if self.behaviour == "liar":
            return self.liar_section(user, task, papers)
        names = ", ".join(f"{_esc(p.short)} [@{p.id}]" for p in papers[:6])
        parts = [f"This part of the story runs through {names}. Together they show where the field is "
                 "heading and why the details of the training loop matter for anyone shipping models."]
        for p in [p for p in papers if p.key] or papers[:1]:
            # A sentence citing other work ("Kirk et al. (2024) ...") is not the paper's own: never quoted.
            sentences = [s for s in _sentences(p.abstract) if "$" not in s and " et al." not in s]
            lead = " ".join(_esc(s) for s in sentences[:2])
            result = _number_sentence(p)
            parts.append(f"### {_esc(p.short)}: What It Shows\n\n{lead} [@{p.id}]")
            if result and result not in sentences[:2]:
                parts.append(f"The headline result: {_esc(result)} [@{p.id}]")
        others = [p for p in papers if not p.key]
        if others:
            cards = _cards_in(user)
            parts.append(" ".join(f"{_esc(p.short)} [@{p.id}] adds a related angle: {_esc(_about(p, cards))}"
                                  for p in others))
        parts.append(f"> **Key implication:** Treat the training loop as the product, as {_esc(papers[0].short)} "
                     f"[@{papers[0].id}] argues.")
        # A model that follows the prompt writes at least the minimum it is given.
        bounds = re.search(r"Write (\d+) to (\d+) words", task)
        missing = (int(bounds.group(1)) if bounds else 0) - len(" ".join(parts).split())
        if missing > 0:
            filler = " Each of these papers changes one part of the loop and measures what that part is worth."
            parts[0] += filler * (missing // 15 + 1)
        return "\n\n".join(parts)

    def careful_section(self, task: str, papers: list[PaperIn]) -> str:
        bounds = re.search(r"Write (\d+) to (\d+) words", task)
        max_words = int(bounds.group(2)) if bounds else 300
        closing = "No ### subsections" in task
        parts = [f"This part of the story runs through {', '.join(f'[@{p.id}]' for p in papers[:6])}, and the "
                 "details of the training loop decide what each of them achieves.\nWhat they share:\n"
                 + "\n".join(f"- a concrete change to the loop ([@{p.id}])" for p in papers[:3])]
        for p in [] if closing else [p for p in papers if p.key] or papers[:1]:
            name = _method_name(p) or p.short
            sentences = [_careful_numbers(s) for s in _sentences(p.abstract) if "$" not in s and "\\" not in s]
            parts.append(f"### {_esc(name)}: What It Shows\n\n{_esc(' '.join(sentences[:2]))} [@{p.id}]")
            result = _number_sentence(p)
            if result:
                parts.append(f"The headline result: {_esc(_careful_numbers(result))} [@{p.id}]")
        others = [p for p in papers if not p.key or closing]
        if others:
            parts.append(" ".join(f"[@{p.id}] adds a related angle." for p in others))
        if not closing:
            parts.append(f"> **Key implication:** Treat the training loop as the product ([@{papers[0].id}]).")
        text = "\n\n".join(parts)
        # A careful writer still overruns a word limit a little (up to 25%).
        filler = f" The same pattern holds across the section's papers ([@{papers[0].id}])."
        words = len(text.split())
        target = int(max_words * 1.2)
        pad = "".join(filler for _ in range(max(0, (target - words) // 10)))
        return text.replace("\n\n", pad + "\n\n", 1) if pad else text

    def liar_section(self, user: str, task: str, papers: list[PaperIn]) -> str:
        honest = Model.section(Model(), user)
        first, last = papers[0], papers[-1]
        numbers = [n for n in re.findall(r"(?<![\w.\-$])(\d+(?:\.\d+)?)(?![\w.\-])", first.abstract)
                   if float(n) >= 2 and n not in last.abstract]
        everyone = re.findall(r"^(\d{4}\.\d{5}) \| ", user, re.M)
        stranger = next((i for i in everyone if i not in {p.id for p in papers}), MISSING_PAPER)
        lies = [
            f"Its error rate drops by {LIES['invented']} [@{first.id}].",
            f"Another paper of the corpus does the same [@{stranger}].",
            f"{LIES['link']} {LIES['image']} {LIES['html']}",
            LIES["shortcode"],
        ]
        if numbers:
            changed = f"{float(numbers[0]) * 1.3:.1f}"  # 30% off: outside any rounding of the stated value
            lies.insert(0, f"It improves the result by {changed} points [@{first.id}].")
            if last.id != first.id:  # a number of the first paper, in a sentence that cites only the last
                lies.insert(0, f"[@{last.id}] reaches {numbers[0]} on its benchmark.")
        lies += [lie for _, lie in planted_lies(papers)]
        lines = honest.split("\n\n")
        lines.insert(1, " ".join(lies))
        text = "\n\n".join(lines)
        return re.sub(r"^(### .*)$", lambda m: m.group(1) + " " + LIES["heading_image"], text, count=1, flags=re.M)


_UNIT_NUMBER = re.compile(r"(?<![\w.\-$@])\d+(?:\.\d+)?(?:%| points)(?![\w])")
_MODAL_VERB = re.compile(r"\b(can|may|could|might) (?!only|also|further|still|even|thus|then|now|more|not|be|have)"
                         r"([a-z]{4,})\b")
_SUGGEST = re.compile(r"\b(suggests?|indicates?)\b")


def _clean(sentence: str) -> bool:
    return "$" not in sentence and "\\" not in sentence and len(sentence.split()) <= 45


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def planted_lies(papers: list[PaperIn]) -> list[tuple[str, str]]:
    """The liar's realistic lies about ``papers`` (kind, Markdown), built from their abstracts, as a model that
    misreads them would write them:

    - ``swap_within``: two numbers of one sentence of a paper exchanged (two benchmarks, two metrics);
    - ``swap_one_sentence``: a sentence about two papers, each given the other's number;
    - ``swap_sentences``: "[@A] ... . [@B] ... ." with A's and B's numbers exchanged;
    - ``ratio``: a ratio word the paper does not state ("triples" for a 2x gain, "doubles" otherwise);
    - ``hedge_dropped``: "suggests" made "proves", "can reinforce" made "reinforces";
    - ``hedge_invented``: a certainty no abstract states ("making the model reliably robust").
    """
    lies: list[tuple[str, str]] = []
    swapped = _swapped_sentence(papers)
    if swapped:
        lies.append(("swap_within", swapped))
    with_numbers = []
    for p in papers:
        for sentence in _sentences(p.abstract):
            found = list(_UNIT_NUMBER.finditer(sentence))
            if _clean(sentence) and found:
                with_numbers.append((p, sentence, found[0]))
                break
    for (a, sa, na), (b, sb, nb) in itertools.pairwise(with_numbers):
        if na.group(0) == nb.group(0) or na.group(0) in b.abstract or nb.group(0) in a.abstract:
            continue
        sa_lie = sa[:na.start()] + nb.group(0) + sa[na.end():]
        sb_lie = sb[:nb.start()] + na.group(0) + sb[nb.end():]
        lies.append(("swap_one_sentence", f"{_esc(sa_lie.rstrip('.'))} ([@{a.id}]), while "
                                          f"{_esc(_lower_first(sb_lie.rstrip('.')))} ([@{b.id}])."))
        lies.append(("swap_sentences", f"[@{a.id}] reports that {_esc(_lower_first(sa_lie.rstrip('.')))}. "
                                       f"[@{b.id}] reports that {_esc(_lower_first(sb_lie.rstrip('.')))}."))
        break
    for p in papers:
        factor = re.search(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:x|×)(?![\w])", p.abstract)
        if factor:
            word = "triples" if abs(float(factor.group(1)) - 2) < 0.5 else "doubles"
            lies.append(("ratio", f"[@{p.id}] {word} the efficiency of its baseline."))
            break
    for p in papers:
        suggesting = next((s for s in _sentences(p.abstract) if _clean(s) and _SUGGEST.search(s)), None)
        if suggesting:
            lies.append(("hedge_dropped", f"{_esc(_SUGGEST.sub('proves', suggesting, count=1).rstrip('.'))} "
                                          f"([@{p.id}])."))
            break
    for p in papers:
        # A modal of the main clause ("X can reinforce Y"), not of a question ("whether X can ...").
        modal = next((s for s in _sentences(p.abstract) if _clean(s) and _MODAL_VERB.search(s)
                      and not re.search(r"\b(?:whether|if|how|what|which|that)\b[^,;]*$",
                                        s[:_MODAL_VERB.search(s).start()])), None)  # type: ignore[union-attr]
        if modal:
            sentence = modal
            m = _MODAL_VERB.search(sentence)
            assert m is not None
            verb = m.group(2) + ("es" if m.group(2).endswith(("s", "sh", "ch", "x")) else "s")
            lies.append(("hedge_dropped", f"{_esc((sentence[:m.start()] + verb + sentence[m.end():]).rstrip('.'))} "
                                          f"([@{p.id}])."))
            break
    if papers and "reliabl" not in papers[0].abstract.lower():
        lies.append(("hedge_invented", f"[@{papers[0].id}] trains the policy online, making the model reliably "
                                       "robust."))
    return lies


def _swapped_sentence(papers: list[PaperIn]) -> str | None:
    """The liar's swap: a sentence of one of the papers that states two different numbers with a unit,
    written with the two numbers exchanged ("accuracy rises 12% and latency falls 45%" for "... 45% ... 12%"),
    citing that paper."""
    unit = re.compile(r"(?<![\w.\-$])\d+(?:\.\d+)?(?:%| points)(?![\w])")
    for p in papers:
        for sentence in _sentences(p.abstract):
            found = list(unit.finditer(sentence))
            if "$" in sentence or "\\" in sentence or len(found) < 2 or found[0].group(0) == found[1].group(0):
                continue
            a, b = found[0], found[1]
            swapped = sentence[:a.start()] + b.group(0) + sentence[a.end():b.start()] + a.group(0) + sentence[b.end():]
            return f"{_esc(swapped.rstrip('.'))} [@{p.id}]."
    return None


class FakeClaude:
    """The server. Use as a context manager; ``base_url`` is what the SDK gets."""

    def __init__(
        self,
        *,
        ttft_s: float = 0.0,
        tokens_per_s: float = 0.0,
        min_cache_tokens: int = 1024,
        batch_polls_in_progress: int = 1,
        port: int = 0,
    ) -> None:
        self.ttft_s = ttft_s
        self.tokens_per_s = tokens_per_s
        self.min_cache_tokens = min_cache_tokens
        self.batch_polls_in_progress = batch_polls_in_progress
        self.model = Model()
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.batches: dict[str, dict[str, Any]] = {}
        self.cache: set[str] = set()
        self.omitted: list[str] = []  # ids left out of section answers by "omit_paper" faults
        self.random_faults: tuple[float, random.Random] | None = None
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeClaude:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- scripting -------------------------------------------------------------------------------

    def behave(self, behaviour: str) -> None:
        """Answer sections as ``"plain"`` (default), ``"careful"`` or ``"liar"`` (see the module docstring)."""
        self.model.behaviour = behaviour

    def plant(self, ids: list[str]) -> None:
        """Triage scores these papers 10 (the others 0-7): the planted importance a curation test checks."""
        self.model.planted = frozenset(ids)

    def plant_topics(self, planted: dict[str, list[str]]) -> None:
        """A series' triage scores these papers 10 for that topic (topic number -> ids), others 0-7."""
        self.model.planted_topics = {topic: frozenset(ids) for topic, ids in planted.items()}

    def fault_rate(self, rate: float, seed: int = 0) -> None:
        """Fail ``rate`` of all Messages calls at random (429, 529, 500, or mid-stream for streamed calls)."""
        self.random_faults = (rate, random.Random(seed))

    def random_fault(self, stream: bool) -> str | None:
        if self.random_faults is None:
            return None
        rate, rng = self.random_faults
        with self.lock:
            if rng.random() >= rate:
                return None
            kinds = ["429", "529", "500", "midstream"] if stream else ["429", "529", "500"]
            return rng.choice(kinds)

    def fail(self, stage: str, kind: str, times: int = 1, *, retry_after: float = 0.0, delay_s: float = 0.0) -> None:
        with self.lock:
            self.faults.append(Fault(stage, kind, times, retry_after, delay_s))

    def take_fault(self, stage: str, kinds: tuple[str, ...] | None = None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.stage in (stage, "*") and (kinds is None or fault.kind in kinds):
                    fault.times -= 1
                    return fault
        return None

    def calls(self, stage: str | None = None, path: str = "/v1/messages") -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path == path and (stage is None or r.stage == stage)]

    @staticmethod
    def authorised(headers: Any) -> bool:
        """A key was sent (x-api-key, or Authorization: Bearer as the 2.x SDK does); it is not kept."""
        bearer = str(headers.get("authorization") or "")
        return bool(headers.get("x-api-key")) or (bearer.startswith("Bearer ") and len(bearer) > 7)

    # -- the model's side ------------------------------------------------------------------------

    @staticmethod
    def stage_of(body: dict[str, Any]) -> str:
        text = "\n".join(_text_of(m["content"]) for m in body.get("messages", []))
        found = re.search(r'<task name="(\w+)">', text)
        return found.group(1) if found else "other"

    def usage_for(self, body: dict[str, Any], output: str) -> dict[str, int]:
        """Token counts, with prompt caching of the prefix ending at the last cache_control block."""
        blocks: list[tuple[str, bool]] = []
        system = body.get("system", [])
        for b in system if isinstance(system, list) else [{"text": system}]:
            blocks.append((b.get("text", ""), "cache_control" in b))
        for m in body["messages"]:
            content = m["content"]
            for b in content if isinstance(content, list) else [{"text": content}]:
                blocks.append((b.get("text", ""), "cache_control" in b))
        total = sum(_tokens(t) for t, _ in blocks)
        # Like the API: each cache_control block is a breakpoint; the longest prefix already cached (and
        # at least min_cache_tokens long) is read, the rest up to the last breakpoint is written.
        points = [i for i, (_, cc) in enumerate(blocks) if cc]
        write = read = 0
        seen_digests: list[tuple[str, int]] = []
        for i in points:
            prefix = sum(_tokens(t) for t, _ in blocks[: i + 1])
            if prefix < self.min_cache_tokens:
                continue
            text = "\x00".join(t for t, _ in blocks[: i + 1])
            seen_digests.append((hashlib.sha256((body.get("model", "") + text).encode()).hexdigest(), prefix))
        if seen_digests:
            with self.lock:
                hits = [size for digest, size in seen_digests if digest in self.cache]
                read = max(hits, default=0)
                write = seen_digests[-1][1] - read
                self.cache.update(digest for digest, _ in seen_digests)
        return {"input_tokens": total - write - read, "output_tokens": _tokens(output),
                "cache_creation_input_tokens": write, "cache_read_input_tokens": read}

    def respond(self, body: dict[str, Any], stage: str) -> tuple[str, str, Fault | None]:
        """(text, stop_reason, fault used for streaming speed) for one request."""
        messages = body["messages"]
        retrying = messages[-1]["role"] == "user" and _text_of(messages[-1]["content"]).startswith(
            "Your answer failed these checks"
        )
        prefill = _text_of(messages[-1]["content"]) if messages[-1]["role"] == "assistant" else None
        if prefill is not None:  # a continuation after max_tokens: the rest of the answer
            full = self.model.answer(stage, {**body, "messages": messages[:-1]})
            rest = full[len(prefill):] if full.startswith(prefill) else full
            return rest, "end_turn", None
        # A retry (told what failed) is answered like the original request, unless a fault is still queued.
        full = self.model.answer(stage, {**body, "messages": messages[:-2]} if retrying else body)
        fault = self.take_fault(
            stage, ("max_tokens", "invalid_json", "bad_citation", "invented_number", "omit_paper", "long_card", "slow",
                    "long_section", "extra_id", "drop_ids", "wrong_n")
        )
        if fault is None:
            return full, "end_turn", None
        if fault.kind in ("extra_id", "drop_ids"):  # a card or score for an id not asked; the last two left out
            data = json.loads(full)
            field = "scores" if stage == "triage" else "cards"
            if fault.kind == "drop_ids":
                data[field] = data[field][:-2]
            elif stage == "triage":  # a number past the papers it was given
                data[field].append({**data[field][0], "i": len(data[field]) + 1})
            else:
                data[field].append({**data[field][0], "id": MENTIONED_PAPER})
            return json.dumps(data), "end_turn", None
        if fault.kind == "omit_paper":  # the last non-key paper (or the last one) goes unmentioned
            user = self.model.user_text({**body, "messages": messages[:-2]} if retrying else body)
            given = _papers_in(user)
            dropped = ([p for p in given if not p.key] or given)[-1].id
            with self.lock:
                self.omitted.append(dropped)
            return self.model.section(user, frozenset({dropped})), "end_turn", None
        if fault.kind == "long_section":  # twice the maximum: one paragraph said over and over
            bounds = re.search(r"Write (\d+) to (\d+) words", self.model.user_text(body))
            cited = re.search(r"\[@([^\]]+)\]", full)
            filler = (f"This paragraph says again what the section already said about the loop "
                      f"[@{cited.group(1) if cited else 'x'}].")
            extra = [filler] * (2 * int(bounds.group(2) if bounds else 300) // len(filler.split()))
            head, _, quote = full.rpartition("\n\n> ")
            return head + "\n\n" + "\n\n".join(extra) + "\n\n> " + quote, "end_turn", None
        if fault.kind == "wrong_n":  # a repair's fixes numbered past its sentences
            data = json.loads(full)
            data["fixes"] = [{**fix, "n": fix["n"] + 100} for fix in data["fixes"]]
            return json.dumps(data), "end_turn", None
        if fault.kind == "max_tokens":
            return full[: max(1, len(full) // 2)], "max_tokens", None
        if fault.kind == "long_card":
            data = json.loads(full)
            data["cards"][0]["method"] = ("a long-winded description of the method " * 10)[:400]
            return json.dumps(data), "end_turn", None
        if fault.kind == "invalid_json":
            return '{"cards": [ {"id": oops', "end_turn", None
        if fault.kind == "bad_citation":
            return full + f"\n\nA further result comes from elsewhere [@{MISSING_PAPER}].", "end_turn", None
        if fault.kind == "invented_number":
            first = re.search(r"\[@([^\]]+)\]", full)
            cite = first.group(1) if first else "x"
            return full + f"\n\nThis yields a 97.3% gain in practice [@{cite}].", "end_turn", None
        return full, "end_turn", fault  # slow

    def message(self, body: dict[str, Any], text: str, stop: str) -> dict[str, Any]:
        return {
            "id": f"msg_fake_{next(self.ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-fake"),
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": self.usage_for(body, text),
        }

    # -- HTTP ------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("request-id", f"req_fake_{next(fake.ids):06d}")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _record(self, body: dict[str, Any] | None, stage: str, status: int, stream: bool = False) -> None:
                with fake.lock:
                    fake.requests.append(Recorded(self.command, self.path.split("?")[0], body, stage, status, stream,
                                                  fake.authorised(self.headers)))

            def _error(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
                self._json(status, {"type": "error", "error": {"type": kind, "message": message}}, headers)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                path = self.path.split("?")[0]
                if path == "/v1/messages":
                    self.messages(body)
                elif path == "/v1/messages/batches":
                    self.create_batch(body)
                else:
                    self._record(body, "other", 404)
                    self._error(404, "not_found_error", f"no route {path}")

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                m = re.match(r"^/v1/messages/batches/([\w-]+)(/results)?$", path)
                if not m or m.group(1) not in fake.batches:
                    self._record(None, "other", 404)
                    self._error(404, "not_found_error", f"no batch at {path}")
                    return
                batch = fake.batches[m.group(1)]
                self._record(None, "batch", 200)
                if m.group(2):
                    raw = "".join(json.dumps(line) + "\n" for line in batch["results"]).encode()
                    self.send_response(200)
                    self.send_header("content-type", "application/binary")
                    self.send_header("content-length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                    return
                batch["polls"] += 1
                self._json(200, fake.batch_object(batch))

            def messages(self, body: dict[str, Any]) -> None:
                stage = fake.stage_of(body)
                stream = bool(body.get("stream"))
                fault = fake.take_fault(stage, ("midstream", *HTTP_ERRORS))
                chance = fake.random_fault(stream)
                if fault is None and chance is not None:
                    fault = Fault(stage, chance)
                if fault is not None and fault.kind == "midstream" and not stream:
                    fault = Fault(stage, "500")
                if fault is not None and fault.kind == "midstream":
                    text, stop, _ = fake.respond(body, stage)
                    self._record(body, stage, 200, stream)
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    for n, (event, data) in enumerate(fake.sse(fake.message(body, text, stop), None)):
                        if n == 4:  # a few events in, the stream breaks with an error event
                            error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
                            self.wfile.write(f"event: error\ndata: {json.dumps(error)}\n\n".encode())
                            break
                        self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                    self.wfile.flush()
                    return
                if fault is not None:
                    self._record(body, stage, int(fault.kind), stream)
                    if fault.kind == "429":
                        self._error(429, "rate_limit_error", "Number of requests has exceeded your rate limit",
                                    {"retry-after": f"{fault.retry_after:g}",
                                     "retry-after-ms": str(int(fault.retry_after * 1000))})
                    elif fault.kind == "529":
                        self._error(529, "overloaded_error", "Overloaded")
                    elif fault.kind == "500":
                        self._error(500, "api_error", "Internal server error")
                    else:
                        self._error(int(fault.kind), "api_error", f"HTTP {fault.kind}")
                    return
                text, stop, slow = fake.respond(body, stage)
                self._record(body, stage, 200, stream)
                message = fake.message(body, text, stop)
                if not stream:
                    fake.pace(message["usage"]["output_tokens"], None)
                    self._json(200, message)
                    return
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("request-id", f"req_fake_{next(fake.ids):06d}")
                self.send_header("connection", "close")
                self.end_headers()
                self.close_connection = True
                for event, data in fake.sse(message, slow):
                    self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                    self.wfile.flush()

            def create_batch(self, body: dict[str, Any]) -> None:
                results = []
                for item in body.get("requests", []):
                    params = item["params"]
                    stage = fake.stage_of(params)
                    fault = fake.take_fault(stage, ("500", "529"))
                    if fault is not None:
                        results.append({"custom_id": item["custom_id"], "result": {
                            "type": "errored", "error": {"type": "error", "error": {
                                "type": "api_error", "message": "Internal server error"}}}})
                        continue
                    text, stop, _ = fake.respond(params, stage)
                    results.append({"custom_id": item["custom_id"],
                                    "result": {"type": "succeeded", "message": fake.message(params, text, stop)}})
                batch_id = f"msgbatch_fake_{next(fake.ids):06d}"
                # In latency mode a batch takes as long as its slowest request would streamed (a lower bound:
                # real batches queue for minutes or hours); otherwise it ends after batch_polls_in_progress polls.
                slowest = max((fake.ttft_s + r["result"]["message"]["usage"]["output_tokens"] / fake.tokens_per_s
                               for r in results if r["result"]["type"] == "succeeded" and fake.tokens_per_s),
                              default=0.0)
                fake.batches[batch_id] = {"id": batch_id, "results": results, "polls": 0,
                                          "requests": body.get("requests", []), "ready_at": time.monotonic() + slowest}
                self._record(body, "batch", 200)
                self._json(200, fake.batch_object(fake.batches[batch_id]))

        return Handler

    def batch_object(self, batch: dict[str, Any]) -> dict[str, Any]:
        ended = batch["polls"] >= self.batch_polls_in_progress and time.monotonic() >= batch.get("ready_at", 0.0)
        ok = sum(1 for r in batch["results"] if r["result"]["type"] == "succeeded")
        return {
            "id": batch["id"],
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else len(batch["results"]),
                "succeeded": ok if ended else 0,
                "errored": len(batch["results"]) - ok if ended else 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": "2026-05-25T00:00:00Z",
            "expires_at": "2026-05-26T00:00:00Z",
            "ended_at": "2026-05-25T00:01:00Z" if ended else None,
            "cancel_initiated_at": None,
            "archived_at": None,
            "results_url": f"{self.base_url}/v1/messages/batches/{batch['id']}/results" if ended else None,
        }

    def pace(self, output_tokens: int, slow: Fault | None) -> None:
        if self.ttft_s:
            time.sleep(self.ttft_s)
        if self.tokens_per_s:
            time.sleep(output_tokens / self.tokens_per_s)
        if slow is not None:
            time.sleep(slow.delay_s)

    def sse(self, message: dict[str, Any], slow: Fault | None) -> Iterator[tuple[str, dict[str, Any]]]:
        usage = message["usage"]
        start = {**message, "content": [], "stop_reason": None,
                 "usage": {**usage, "output_tokens": 1}}
        if self.ttft_s:
            time.sleep(self.ttft_s)
        yield "message_start", {"type": "message_start", "message": start}
        yield "content_block_start", {"type": "content_block_start", "index": 0,
                                      "content_block": {"type": "text", "text": ""}}
        yield "ping", {"type": "ping"}
        text = message["content"][0]["text"]
        chunks = [text[i:i + 64] for i in range(0, len(text), 64)] or [""]
        per_chunk = (16 / self.tokens_per_s) if self.tokens_per_s else 0.0
        for chunk in chunks:
            if per_chunk:
                time.sleep(per_chunk)
            if slow is not None:
                time.sleep(slow.delay_s / len(chunks))
            yield "content_block_delta", {"type": "content_block_delta", "index": 0,
                                          "delta": {"type": "text_delta", "text": chunk}}
        yield "content_block_stop", {"type": "content_block_stop", "index": 0}
        yield "message_delta", {"type": "message_delta",
                                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                                "usage": {"output_tokens": usage["output_tokens"]}}
        yield "message_stop", {"type": "message_stop"}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--ttft", type=float, default=1.0, help="seconds to the first token")
    parser.add_argument("--tps", type=float, default=60.0, help="output tokens per second")
    args = parser.parse_args()
    with FakeClaude(ttft_s=args.ttft, tokens_per_s=args.tps, port=args.port) as fake:
        print(f"fake Claude on {fake.base_url} (ttft {args.ttft}s, {args.tps} tokens/s); Ctrl-C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
