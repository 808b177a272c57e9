"""Claude settings and the price table, read from ``prompts/models.toml`` (editable, documented there).

Every problem in the file is collected and reported at once, as one :class:`ConfigError`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .usage import StageUsage

DEFAULT_MODELS_FILE = Path("prompts") / "models.toml"
# Stages on ``cards_model``: they extract short facts or a score from many abstracts.
CHEAP_STAGES = frozenset({"cards", "triage"})


@dataclass(frozen=True)
class ModelPrice:
    """US dollars per million tokens."""

    input: float
    output: float
    cache_write: float
    cache_read: float
    cache_write_1h: float = 0.0
    batch_discount: float = 0.5
    context_tokens: int = 200_000
    min_cache_tokens: int = 1024

    def cost(self, usage: StageUsage, *, batch: bool = False, ttl: str = "5m") -> float:
        write = self.cache_write_1h if ttl == "1h" and self.cache_write_1h else self.cache_write
        dollars = (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_creation_input_tokens * write
            + usage.cache_read_input_tokens * self.cache_read
        ) / 1_000_000
        return dollars * (self.batch_discount if batch else 1.0)


@dataclass(frozen=True)
class ClaudeSettings:
    model: str = "claude-sonnet-4-6"
    # The card stage only extracts short facts from abstracts: a cheaper model does it ("" = ``model``).
    cards_model: str = "claude-haiku-4-5"
    prices: dict[str, ModelPrice] = field(default_factory=dict)
    max_concurrency: int = 8
    max_retries: int = 4
    # First backoff wait when the server names none (doubles per retry, + up to 25% jitter, <= 60 s); the retry
    # rule itself is digest_publisher/retry.py's.
    retry_base_s: float = 0.5
    timeout_s: float = 600.0
    cards_per_call: int = 10
    # Drafting's paper cards are excerpts of the abstracts made by code (no call) while all of them together
    # stay within this many tokens; a larger selection gets shorter model-written cards (``cards_model``).
    excerpt_cards_max_tokens: int = 100_000
    max_continuations: int = 2
    unverified: str = "remove"
    cache_ttl: str = "5m"
    batch_poll_s: float = 10.0
    source: str = ""

    @property
    def price(self) -> ModelPrice:
        """Prices of the main model (outline, sections, meta)."""
        return self.price_of(self.model)

    def model_for(self, stage: str) -> str:
        """The model a stage calls: ``cards_model`` for the stages that read every abstract (cards, and
        curation's triage), ``model`` for the others."""
        return (self.cards_model or self.model) if stage in CHEAP_STAGES else self.model

    def price_for(self, stage: str) -> ModelPrice:
        return self.price_of(self.model_for(stage))

    def price_of(self, model: str) -> ModelPrice:
        try:
            return self.prices[model]
        except KeyError:
            raise ConfigError(
                f"no price for model {model!r} in {self.source or 'the settings'}",
                f"Add a [models.\"{model}\"] table with input/output/cache_write/cache_read prices",
            ) from None

    def with_model(self, model: str | None) -> ClaudeSettings:
        return replace(self, model=model) if model else self

    def fingerprint(self, stage: str = "") -> dict[str, Any]:
        """What, besides inputs and prompts (whose max_tokens live in their front matter), changes a
        stage's answer: part of every cache key (the card stage's holds ``cards_model``)."""
        return {"model": self.model_for(stage)}


_FLOATS = ("input", "output", "cache_write", "cache_read")
_DRAFTING_KEYS: dict[str, type] = {
    "model": str,
    "cards_model": str,
    "max_concurrency": int,
    "max_retries": int,
    "retry_base_s": float,
    "timeout_s": float,
    "cards_per_call": int,
    "excerpt_cards_max_tokens": int,
    "max_continuations": int,
    "unverified": str,
    "cache_ttl": str,
    "batch_poll_s": float,
}


def load_settings(path: Path = DEFAULT_MODELS_FILE, *, model: str | None = None) -> ClaudeSettings:
    """Read ``[drafting]`` and ``[models."<name>"]`` tables; ``model`` (``--model``) overrides."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no Claude settings file at {path}", "Run from the project folder (it ships "
                          "prompts/models.toml) or pass --prompts-dir") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path} ({exc})", "Check the file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc})", "Fix the syntax") from exc
    problems: list[str] = []
    drafting = data.get("drafting", {})
    values: dict[str, Any] = {}
    if not isinstance(drafting, dict):
        problems.append("[drafting] must be a table")
        drafting = {}
    for key, value in drafting.items():
        kind = _DRAFTING_KEYS.get(key)
        if kind is None:
            problems.append(f"[drafting] has unknown key {key!r} (known: {', '.join(_DRAFTING_KEYS)})")
        elif kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            values[key] = float(value)
        elif not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"[drafting] {key} must be a {kind.__name__}")
        else:
            values[key] = value
    if values.get("unverified", "remove") not in ("remove", "report", "fail"):
        problems.append("[drafting] unverified must be \"remove\" or \"report\" (\"fail\" is the old name of "
                        "\"remove\": a number never fails a draft)")
    if values.get("cache_ttl", "5m") not in ("5m", "1h"):
        problems.append("[drafting] cache_ttl must be \"5m\" or \"1h\"")
    prices: dict[str, ModelPrice] = {}
    models = data.get("models", {})
    for name, table in models.items() if isinstance(models, dict) else []:
        if not isinstance(table, dict):
            problems.append(f"[models.{name!r}] must be a table")
            continue
        missing = [k for k in _FLOATS if not isinstance(table.get(k), int | float)]
        if missing:
            problems.append(f"[models.\"{name}\"] lacks numeric {', '.join(missing)}")
            continue
        prices[name] = ModelPrice(
            input=float(table["input"]),
            output=float(table["output"]),
            cache_write=float(table["cache_write"]),
            cache_read=float(table["cache_read"]),
            cache_write_1h=float(table.get("cache_write_1h", 0.0)),
            batch_discount=float(table.get("batch_discount", 0.5)),
            context_tokens=int(table.get("context_tokens", 200_000)),
            min_cache_tokens=int(table.get("min_cache_tokens", 1024)),
        )
    if problems:
        raise ConfigError(
            f"{path} has {len(problems)} problem(s): " + "; ".join(problems), "Fix them and run again"
        )
    settings = ClaudeSettings(prices=prices, source=str(path), **values).with_model(model)
    settings.price  # noqa: B018 - fails now, naming the file, if the chosen model has no price
    settings.price_for("cards")  # the same for the card stage's model
    return settings
