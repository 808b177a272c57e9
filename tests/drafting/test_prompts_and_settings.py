"""Prompt files and Claude settings: the shipped ones load, and broken ones are reported in full."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digest_publisher.claude.model_settings import load_settings
from digest_publisher.drafting.prompts import STAGES, load_prompt, load_prompt_set
from digest_publisher.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", ["backfill", "brief"])
def test_shipped_prompt_sets_load(kind: str) -> None:
    prompts = load_prompt_set(ROOT / "prompts" / kind)
    assert set(prompts.prompts) == set(STAGES)
    assert prompts["cards"].output == "json" and prompts["section"].output == "markdown"
    text = prompts["meta"].render({"topic": "07 - RL", "window": "May 2026", "outline": "- A: b"})
    assert '<task name="meta">' in text and "07 - RL" in text and "{{" not in text


def test_prompt_declaration_problems_are_all_named(tmp_path: Path) -> None:
    path = tmp_path / "section.md"
    path.write_text("---\nvariables: [topic, unused]\nmax_tokens: 0\ncolour: red\n---\n"
                    "Write about {{ topic }} and {{ heading }} and {papers}.\n")
    with pytest.raises(ConfigError) as caught:
        load_prompt(path)
    message = str(caught.value)
    assert str(path) in message
    for expected in ("undeclared variable {{ heading }}", "declares 'unused' but never uses it",
                     "'max_tokens' must be a positive integer", "unknown front matter key 'colour'", "stray {papers}"):
        assert expected in message


def test_rendering_names_missing_and_unknown_values(tmp_path: Path) -> None:
    path = tmp_path / "meta.md"
    path.write_text("---\nvariables: [topic, window]\nmax_tokens: 100\n---\n{{ topic }} in {{ window }}\n")
    prompt = load_prompt(path)
    assert prompt.render({"topic": "RL", "window": "May"}) == "RL in May"
    with pytest.raises(ConfigError) as caught:
        prompt.render({"topic": "RL", "tone": "dry"})
    assert "missing window" in str(caught.value) and "unknown tone" in str(caught.value)


def test_a_set_with_a_missing_file_fails_before_any_call(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "prompts" / "brief", tmp_path / "brief")
    (tmp_path / "brief" / "outline.md").unlink()
    with pytest.raises(ConfigError, match=r"no prompt file .*outline\.md"):
        load_prompt_set(tmp_path / "brief")


def test_settings_and_price_table(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "prompts" / "models.toml")
    assert settings.price.input > 0 and settings.price.cache_read < settings.price.input
    assert load_settings(ROOT / "prompts" / "models.toml", model="claude-haiku-4-5").price.output == 5.0
    with pytest.raises(ConfigError, match="no price for model 'claude-nope'"):
        load_settings(ROOT / "prompts" / "models.toml", model="claude-nope")
    bad = tmp_path / "models.toml"
    bad.write_text('[drafting]\nmodel = "m"\nmax_concurrency = "four"\nspeed = 3\nunverified = "ignore"\n'
                   'excerpt_cards_max_tokens = "lots"\n[models.m]\ninput = 1.0\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(bad)
    message = str(caught.value)
    assert load_settings(ROOT / "prompts" / "models.toml").excerpt_cards_max_tokens == 100_000
    for expected in ("max_concurrency must be a int", "unknown key 'speed'", "unverified must be",
                     "excerpt_cards_max_tokens must be a int",
                     'lacks numeric output, cache_write, cache_read'):
        assert expected in message


def test_cards_model_has_its_own_price_and_cache_key(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "prompts" / "models.toml")
    assert settings.cards_model == "claude-haiku-4-5"
    assert settings.model_for("cards") == "claude-haiku-4-5" and settings.model_for("section") == settings.model
    assert settings.price_for("cards").output == 5.0 and settings.price_for("outline").output == 15.0
    # --model changes the main model only; the cache key of the card stage follows the cards model.
    opus = load_settings(ROOT / "prompts" / "models.toml", model="claude-opus-4-6")
    assert opus.fingerprint("cards") == settings.fingerprint("cards") != opus.fingerprint("outline")
    table = (ROOT / "prompts" / "models.toml").read_text()
    same = tmp_path / "same.toml"
    same.write_text(table.replace('cards_model = "claude-haiku-4-5"', 'cards_model = ""'))
    assert load_settings(same).model_for("cards") == settings.model
    nope = tmp_path / "nope.toml"
    nope.write_text(table.replace('cards_model = "claude-haiku-4-5"', 'cards_model = "claude-nope"'))
    with pytest.raises(ConfigError, match="no price for model 'claude-nope'"):
        load_settings(nope)
