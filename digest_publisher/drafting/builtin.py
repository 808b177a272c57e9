"""The built-in drafter: deterministic, offline and extractive.

It writes a complete post of either kind from the corpus alone. Themes come from the selection's own
vocabulary (:mod:`.themes`); every sentence about a paper is taken from that paper's abstract (first
person turned into "the authors"), so every number it states is the paper's own, and every such
sentence carries the paper's citation in the same paragraph. Connective text is fixed wording with no
numbers. Same input, same output, byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import DraftError
from ..models import PostKind
from ..names import author_name
from ..phrases import topic_vocabulary
from .base import DraftContent, DraftRequest, Progress, Section
from .prose import (
    detex,
    format_window,
    join_names,
    md_escape,
    third_person,
    word_count,
)
from .themes import PaperText, Theme, analyse_paper, discover_themes, keyness

BRIEF_SECTIONS = (
    "Key Research Themes",
    "Methodological Approaches",
    "Notable Papers to Read First",
    "What Is New in This Window",
    "Challenges and Future Directions",
    "Concluding Overview",
)

UNUSABLE = "its abstract has no sentence the built-in drafter can quote (too short, or not prose)"
_SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def in_words(n: int) -> str:
    """Counts in running text are written as words, so they never pose as claims from a paper."""
    if n < 20:
        return _SMALL[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens - 2] + (f"-{_SMALL[unit]}" if unit else "")
    return "many"


def _lower_first(sentence: str) -> str:
    """Lower-case a sentence's first letter when it is an ordinary capitalised word."""
    first = sentence.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower() and first not in {"I"}:
        return sentence[0].lower() + sentence[1:]
    return sentence


def _lower(label: str) -> str:
    """Lower-case a heading label for running text, keeping acronyms ("RLVR") as they are."""
    return " ".join(w if w.isupper() or any(c.isdigit() for c in w) else w.lower() for w in label.split())


def _quote(sentence: str) -> str:
    return md_escape(third_person(sentence))


@dataclass
class BuiltinDrafter:
    """Extractive drafter; ``max_words`` caps the body (papers beyond it are listed as left out)."""

    max_words: int = 2900
    key_papers_per_theme: int = 2
    name: str = "builtin"

    def describe(self) -> str:
        return "built-in drafter (extractive, offline, deterministic; no model)"

    # -- entry point -----------------------------------------------------------------------------

    def draft(self, request: DraftRequest, progress: Progress) -> DraftContent:
        progress.stage("analyse", len(request.papers))
        texts: list[PaperText] = []
        unusable: dict[str, str] = {}
        for paper in request.papers:
            text = analyse_paper(paper)
            # One odd record (an abstract of a few words, or no prose at all) never blocks the topic.
            if text.sentences:
                texts.append(text)
            else:
                unusable[text.key] = UNUSABLE
            progress.advance("analyse")
        if not texts:
            raise DraftError(
                f"none of the {len(request.papers)} papers has an abstract the built-in drafter can quote "
                "(each needs a sentence of at least six words)",
                "Check the corpus records, or draft with --drafter claude",
            )
        progress.stage("themes", 1)
        themes = discover_themes(texts, vocabulary=topic_vocabulary(request.topic))
        progress.advance("themes")
        progress.stage("write", 1)
        write = self._brief if request.kind is PostKind.BRIEF else self._backfill
        content = write(request, themes)
        content.left_out = {**unusable, **content.left_out}
        progress.advance("write")
        return content

    # -- shared pieces ---------------------------------------------------------------------------

    def _cite(self, pt: PaperText) -> str:
        return f"[@{pt.key}]"

    def _who(self, request: DraftRequest, pt: PaperText) -> str:
        """"AMR-SD (Zhang et al., May 2026)" or "Zhang et al. (May 2026)" with the citation as the name."""
        when = f"{pt.paper.submitted:%B %Y}" if pt.paper.submitted else ""
        name = request.short_names.get(pt.key, "")
        lead = author_name(pt.paper) or "anonymous authors"
        if name.startswith(lead.removesuffix(" et al.")):  # the short name is the authors already
            return f"{self._cite(pt)} ({when})" if when else self._cite(pt)
        return f"{self._cite(pt)} ({lead}, {when})" if when else f"{self._cite(pt)} ({lead})"

    def _mention(self, pt: PaperText, index: int) -> str | None:
        """One sentence about a non-key paper, its citation as the sentence's subject or scene."""
        candidates = [c for c in (pt.method, *pt.results[:1], pt.context) if c]
        if not candidates:
            return None
        # The method sentence unless it rambles; then the shortest of the paper's candidates.
        sentence = candidates[0] if len(candidates[0].split()) <= 38 else min(candidates, key=len)
        body = _quote(sentence)
        cite = self._cite(pt)
        forms = (
            f"In {cite}, {_lower_first(body)}",
            f"{cite} takes a related angle: {body}",
            f"Along the same lines, in {cite}, {_lower_first(body)}",
            f"{cite} is also worth a look: {body}",
        )
        return forms[index % len(forms)]

    def _key_paper(self, request: DraftRequest, pt: PaperText, index: int) -> str:
        """A ### subsection: problem and method, then the result with its numbers."""
        openers = (
            "{who} starts from this problem: {context}",
            "{who} takes up a related question. {context}",
            "The starting point of {who} is this: {context}",
        )
        who = self._who(request, pt)
        title = md_escape(detex(" ".join(pt.paper.title.split())))
        parts: list[str] = [f"### {title}"]
        first = ""
        # A rambling method sentence stands alone; otherwise the problem comes first.
        context = pt.context if pt.context and (not pt.method or len(pt.method.split()) <= 35) else None
        if context:
            first = openers[index % len(openers)].format(who=who, context=_quote(context))
            if pt.method:
                first += " " + _quote(pt.method)
        elif pt.method:
            first = f"In {who}, {_lower_first(_quote(pt.method))}"
        else:
            first = f"{who} is summarised by its abstract: {_quote(pt.sentences[0])}" if pt.sentences else who
        parts.append(first)
        if pt.results:
            lead = ("The headline result: ", "What the authors report: ", "On the evidence: ")[index % 3]
            shown = pt.results if sum(len(r.split()) for r in pt.results) <= 45 else pt.results[:1]
            parts.append(lead + " ".join(_quote(s) for s in shown) + f" ({self._cite(pt)})")
        return "\n\n".join(parts)

    def _implication(self, theme: Theme, keys: list[PaperText]) -> str | None:
        for pt in keys + theme.members:
            if pt.implication:
                return f"> **Key implication:** {_quote(pt.implication)} ({self._cite(pt)})"
        return None

    def _ranked(self, theme: Theme) -> list[PaperText]:
        return sorted(theme.members, key=lambda pt: (-keyness(pt, theme), theme.members.index(pt)))

    # -- backfill --------------------------------------------------------------------------------

    def _backfill(self, request: DraftRequest, themes: list[Theme]) -> DraftContent:
        sections: list[Section] = []
        left_out: dict[str, str] = {}
        mentions_by_theme: list[list[str]] = []
        bodies: list[list[str]] = []
        for t_index, theme in enumerate(themes):
            ranked = self._ranked(theme)
            keys = ranked[: self.key_papers_per_theme]
            others = [pt for pt in theme.members if pt not in keys]
            names = join_names(self._cite(pt) for pt in keys)
            intro = (
                f"{in_words(len(theme.members)).capitalize()} papers in this selection share the thread of "
                f"{_lower(theme.label)}. The clearest entry points are {names}."
                if len(theme.members) > 1
                else f"One paper in this selection stands for {_lower(theme.label)}: {names}."
            )
            parts = [intro]
            for k_index, pt in enumerate(keys):
                parts.append(self._key_paper(request, pt, t_index + k_index))
            implication = self._implication(theme, keys)
            mentions: list[str] = []
            for m_index, pt in enumerate(others):
                line = self._mention(pt, t_index + m_index)
                if line is None:
                    left_out[pt.key] = UNUSABLE
                else:
                    mentions.append(line)
            bodies.append(parts + ([implication] if implication else []))
            mentions_by_theme.append(mentions)

        # Keep the post inside the word budget: drop mentions from the fullest themes first.
        def total() -> int:
            return sum(word_count("\n".join(b)) + sum(word_count(m) for m in ms)
                       for b, ms in zip(bodies, mentions_by_theme, strict=True)) + 350

        while total() > self.max_words and any(mentions_by_theme):
            fullest = max(range(len(themes)), key=lambda i: (len(mentions_by_theme[i]), -i))
            dropped = mentions_by_theme[fullest].pop()
            key = re.search(r"\[@([^\]]+)\]", dropped)
            if key:
                left_out[key.group(1)] = "beyond the post's word budget (see papers.json)"

        for theme, body, mentions in zip(themes, bodies, mentions_by_theme, strict=True):
            parts = list(body)
            if mentions:
                chunk = [mentions[i:i + 3] for i in range(0, len(mentions), 3)]
                heading = "### Also in This Theme"
                parts.append(heading + "\n\n" + "\n\n".join(" ".join(c) for c in chunk))
            covered = tuple(pt.key for pt in theme.members if pt.key not in left_out)
            sections.append(Section(theme.label, "\n\n".join(parts), covered))

        sections.append(self._outlook(themes, left_out))
        labels = [t.short_label for t in themes]
        hook = self._hook(request, labels)
        window = format_window(*request.window)
        title = f"{request.topic.name}, {window}: {join_names(labels[:3])}"
        return DraftContent(
            title=title,
            excerpt=self._excerpt(hook),
            tags=self._tags(request, themes),
            hook=hook,
            sections=sections,
            drafter=self.name,
            left_out=left_out,
        )

    def _hook(self, request: DraftRequest, labels: list[str]) -> str:
        count = in_words(len(labels))
        return (
            f"What did this window's research on {request.topic.name} actually say? Read "
            f"paper by paper, the selection clusters around {count} recurring ideas: "
            f"{join_names(_lower(label) for label in labels)}.\n\n"
            "Each section below follows one of those ideas through its clearest papers: the problem they "
            "start from, the method they propose and the results they report, in the authors' own words. "
            "Each closes with the implication that matters most, and the rest of the theme's papers follow "
            "in a sentence each.\n\nLet's dive into what the research actually says."
        )

    def _outlook(self, themes: list[Theme], left_out: dict[str, str]) -> Section:
        limits: list[str] = []
        for theme in themes:
            for pt in self._ranked(theme):
                if pt.limitation and pt.key not in left_out:
                    limits.append(f"{_quote(pt.limitation)} ({self._cite(pt)})")
                    break
        labels = [_lower(t.short_label) for t in themes]
        paragraphs = [
            "Taken together, these papers read less like separate results than like one agenda: "
            f"{join_names(labels)} are being worked on at the same time, often by the same ideas.",
        ]
        if limits:
            paragraphs.append("The open problems are stated plainly in the papers themselves. "
                              + " ".join(limits[:4]))
        paragraphs.append(
            "The next window's question is integration: whether these pieces combine into pipelines that "
            "behave predictably, and which of the reported gains survive outside the benchmarks they were "
            "measured on."
        )
        keys = tuple(re.findall(r"\[@([^\]]+)\]", " ".join(paragraphs)))
        return Section("Outlook: What to Watch Next", "\n\n".join(paragraphs), keys)

    # -- brief -----------------------------------------------------------------------------------

    def _brief(self, request: DraftRequest, themes: list[Theme]) -> DraftContent:
        ranked_themes = sorted(themes, key=lambda t: (-len(t.members), themes.index(t)))
        theme_items: list[str] = []
        for theme in ranked_themes:
            ranked = self._ranked(theme)
            names = join_names(self._cite(pt) for pt in ranked[:4])
            lead = ranked[0]
            sentence = lead.context or lead.method
            item = (f"**{theme.label}**: {in_words(len(theme.members)).capitalize()} "
                    f"{'papers share' if len(theme.members) != 1 else 'paper takes'} this thread, among them "
                    f"{names}.")
            if sentence:
                item += f" {_quote(sentence)} ({self._cite(lead)})"
            theme_items.append(item)

        method_items: list[str] = []
        for theme in ranked_themes:
            pieces = []
            for pt in self._ranked(theme)[:2]:
                if pt.method:
                    pieces.append(f"{_quote(pt.method)} ({self._cite(pt)})")
            if pieces:
                method_items.append(f"**{theme.label}**: " + " ".join(pieces))

        everyone = [pt for t in ranked_themes for pt in t.members]
        best = sorted(everyone, key=lambda pt: (-keyness(pt, _theme_of(pt, themes)), everyone.index(pt)))
        notable = [pt for pt in best if pt.results][:6] or best[:6]
        notable_items = []
        for pt in notable:
            who = author_name(pt.paper) or "anonymous authors"
            item = f"**{md_escape(detex(pt.paper.title))}** {self._cite(pt)}, by {who}"
            item += "" if who.endswith(".") else "."
            if pt.results:
                item += f" {_quote(pt.results[0])}"
            elif pt.method:
                item += f" {_quote(pt.method)}"
            notable_items.append(item)

        new_items = []
        for pt in best:
            if pt in notable or not pt.results:
                continue
            new_items.append(f"{self._cite(pt)}: {_quote(pt.results[0])}")
            if len(new_items) == 6:
                break
        if not new_items:
            new_items = [f"{self._cite(pt)}: {_quote(pt.method)}" for pt in best if pt.method][:5]

        challenge_items = []
        for theme in ranked_themes:
            for pt in self._ranked(theme):
                if pt.limitation:
                    challenge_items.append(f"**{theme.label}**: {_quote(pt.limitation)} ({self._cite(pt)})")
                    break
        if len(challenge_items) < 2:
            for pt in best:
                if pt.implication and len(challenge_items) < 4:
                    challenge_items.append(f"{self._cite(pt)}: {_quote(pt.implication)}")

        labels = [_lower(t.short_label) for t in ranked_themes]
        order = join_names(self._cite(pt) for pt in notable[:4])
        overview = (
            f"This window's {request.topic.name} research divides into {in_words(len(themes))} threads: "
            f"{join_names(labels)}. The largest, {labels[0]}, sets the tone for the rest: the same concerns "
            "recur across the other threads in different forms.\n\n"
            f"For a reading order, start with {order}; each states its method and its evidence plainly in "
            "the abstract, and together they cover most of the threads above."
        )

        def numbered(items: list[str]) -> str:
            return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))

        bodies = [numbered(theme_items), numbered(method_items), numbered(notable_items),
                  numbered(new_items), numbered(challenge_items), overview]
        sections = [
            Section(heading, body, tuple(dict.fromkeys(re.findall(r"\[@([^\]]+)\]", body))))
            for heading, body in zip(BRIEF_SECTIONS, bodies, strict=True)
            if body.strip()
        ]
        window = format_window(*request.window)
        hook = (f"Recent-paper synthesis for fast technical orientation: what this window's "
                f"{request.topic.name} papers propose, how, and what to read first.")
        covered = {k for s in sections for k in s.papers}
        left_out = {
            pt.key: "not among the papers the brief's sections quote (listed in papers.json)"
            for pt in everyone if pt.key not in covered
        }
        return DraftContent(
            title=f"{request.topic.name}: Latest arXiv Summary, {window}",
            excerpt=self._excerpt(hook + " Themes: " + ", ".join(labels) + "."),
            tags=self._tags(request, themes),
            hook=hook,
            sections=sections,
            drafter=self.name,
            left_out=left_out,
        )

    # -- metadata --------------------------------------------------------------------------------

    def _excerpt(self, text: str, limit: int = 55) -> str:
        plain = re.sub(r"\s+", " ", re.sub(r"\[@[^\]]*\]", "", text)).strip()
        tokens = plain.split(" ")
        if len(tokens) <= limit:
            return plain
        cut = " ".join(tokens[:limit])
        sentence_end = cut.rfind(". ")
        return cut[: sentence_end + 1] if sentence_end > 40 else cut.rstrip(",;:") + "…"

    def _tags(self, request: DraftRequest, themes: list[Theme]) -> tuple[str, ...]:
        tags = list(request.topic.tags)
        for theme in themes[:4]:
            tag = theme.short_label
            if tag and tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
        return tuple(tags)


def _theme_of(pt: PaperText, themes: list[Theme]) -> Theme:
    for theme in themes:
        if pt in theme.members:
            return theme
    return themes[0]
