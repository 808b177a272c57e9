"""Claude, below the stages: the client seam (the only ``import anthropic``), settings and prices, prompt
files, and the :class:`ClaudeService` that drafting's and curation's stages call through.

    client.py    ClaudeClient protocol, Reply, BatchFailure
    anthropic_client.py  AnthropicClient: the real SDK (import it only where a Claude run starts)
    model_settings.py  ClaudeSettings, ModelPrice, load_settings (prompts/models.toml)
    prompts.py   prompt files with checked front matter
    service.py   ClaudeService: requests, stage cache, checked answers, retries, batches, usage and cost
    usage.py     StageUsage
    estimate.py  calls, tokens and dollars of a stage before any call (``--estimate``)

The package imports no stage, so both drafting and curation use it without importing each other.
"""

from __future__ import annotations

from .client import BatchFailure, ClaudeClient, Reply, RetryHook, Usage
from .model_settings import ClaudeSettings, ModelPrice, load_settings
from .prompts import Prompt, PromptSet, load_prompt, load_prompt_folder
from .service import (
    Call,
    ClaudeService,
    SpendListener,
    StageCache,
    StageProgress,
    Validator,
    json_answer,
    parse_json,
    stable_hash,
)
from .usage import StageUsage

__all__ = [
    "BatchFailure",
    "Call",
    "ClaudeClient",
    "ClaudeService",
    "ClaudeSettings",
    "ModelPrice",
    "Prompt",
    "PromptSet",
    "Reply",
    "RetryHook",
    "SpendListener",
    "StageCache",
    "StageProgress",
    "StageUsage",
    "Usage",
    "Validator",
    "json_answer",
    "load_prompt",
    "load_prompt_folder",
    "load_settings",
    "parse_json",
    "stable_hash",
]
