"""Prompt templates as files (``prompts/<kind>/<stage>.md`` for drafting, ``prompts/curation/`` for triage).

Each file starts with a small YAML front matter::

    ---
    variables: [topic, cards]     # every {{ name }} the body uses, no more, no less
    max_tokens: 4000              # output limit of the call
    output: json                  # "json" (structured output) or "markdown"
    ---
    ...body with {{ topic }} and {{ cards }}...

Loading checks the declaration against the body and rendering checks the values against the
declaration; both report every missing or unknown variable at once, naming the file, so an editor
who changes a prompt learns exactly what is wrong before any call is made.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

VARIABLE = re.compile(r"{{\s*([A-Za-z_][A-Za-z0-9_]*)\s*}}")
_KNOWN_KEYS = {"variables", "max_tokens", "output", "description"}


@dataclass(frozen=True)
class Prompt:
    name: str
    path: Path
    body: str
    variables: tuple[str, ...]
    max_tokens: int
    output: str  # "json" or "markdown"

    @property
    def digest(self) -> str:
        """Hash of the file's text: part of every cache key, so editing a prompt re-runs its stage."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]

    def render(self, values: dict[str, Any]) -> str:
        missing = [v for v in self.variables if v not in values]
        unknown = sorted(k for k in values if k not in self.variables)
        if missing or unknown:
            parts = []
            if missing:
                parts.append("missing " + ", ".join(missing))
            if unknown:
                parts.append("unknown " + ", ".join(unknown))
            raise ConfigError(
                f"{self.path}: cannot fill the prompt ({'; '.join(parts)})",
                "Declare the variables the code passes in the file's 'variables:' list",
            )
        return VARIABLE.sub(lambda m: str(values[m.group(1)]), self.body).strip()


def load_prompt(path: Path) -> Prompt:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no prompt file {where}", "Restore it from the repository's prompts/ folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {where} ({exc})", "Check the file") from exc
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n(.*)$", text, re.DOTALL)
    if not match:
        raise ConfigError(f"{where}: no front matter", "Start with '---', 'variables: [...]', 'max_tokens: N', '---'")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: front matter is not valid YAML ({exc})", "Fix the YAML") from exc
    problems: list[str] = []
    if not isinstance(meta, dict):
        raise ConfigError(f"{where}: front matter must be a mapping", "Write 'key: value' lines")
    for key in sorted(set(meta) - _KNOWN_KEYS):
        problems.append(f"unknown front matter key {key!r}")
    declared = meta.get("variables")
    if not isinstance(declared, list) or not all(isinstance(v, str) for v in declared):
        problems.append("'variables' must be a list of names")
        declared = []
    max_tokens = meta.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens <= 0:
        problems.append("'max_tokens' must be a positive integer")
        max_tokens = 0
    output = meta.get("output", "markdown")
    if output not in ("json", "markdown"):
        problems.append("'output' must be json or markdown")
    body = match.group(2)
    used = list(dict.fromkeys(VARIABLE.findall(body)))
    for name in used:
        if name not in declared:
            problems.append(f"uses undeclared variable {{{{ {name} }}}}")
    for name in declared:
        if name not in used:
            problems.append(f"declares {name!r} but never uses it")
    # Single braces that look like a variable are almost always a typo for {{ }}.
    for stray in re.findall(r"(?<!{){\s*[A-Za-z_]\w*\s*}(?!})", body):
        problems.append(f"stray {stray} (variables are written {{{{ name }}}})")
    if problems:
        raise ConfigError(f"{where}: {len(problems)} problem(s): " + "; ".join(problems), "Fix the prompt file")
    return Prompt(path.stem, path, body, tuple(declared), int(max_tokens), str(output))


@dataclass(frozen=True)
class PromptSet:
    folder: Path
    prompts: dict[str, Prompt]

    def __getitem__(self, stage: str) -> Prompt:
        return self.prompts[stage]


def load_prompt_folder(folder: Path, stages: tuple[str, ...]) -> PromptSet:
    """The prompts ``<folder>/<stage>.md`` of ``stages``; every problem of every file is reported together."""
    problems: list[str] = []
    prompts: dict[str, Prompt] = {}
    for stage in stages:
        try:
            prompts[stage] = load_prompt(folder / f"{stage}.md")
        except ConfigError as exc:
            problems.append(exc.message)
    if problems:
        raise ConfigError(" | ".join(problems), "Fix the prompt files (see prompts/README.md)")
    return PromptSet(folder, prompts)
