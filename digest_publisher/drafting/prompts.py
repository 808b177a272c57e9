"""Drafting's prompt set: one file per stage in ``prompts/<kind>/`` (the file format and its checks are
:mod:`digest_publisher.claude.prompts`)."""

from __future__ import annotations

from pathlib import Path

from ..claude.prompts import Prompt as Prompt
from ..claude.prompts import PromptSet as PromptSet
from ..claude.prompts import load_prompt as load_prompt
from ..claude.prompts import load_prompt_folder

STAGES = ("system", "cards", "outline", "section", "meta", "repair", "condense", "place", "update")


def load_prompt_set(folder: Path) -> PromptSet:
    """All stage prompts of one kind; every problem of every file is reported together."""
    return load_prompt_folder(folder, STAGES)
