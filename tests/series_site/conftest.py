"""Fixtures of the series-site tests; helpers are in serieshelpers.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from digest_publisher.publishing.series_site import SeriesMember
from tests.republish.fixtures import posts
from tests.series_site.serieshelpers import draft_series, member_of

__all__ = ["drafted", "members", "posts"]


@pytest.fixture(scope="session")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three topics' backfill posts, drafted once per session (about 20 s)."""
    return draft_series(tmp_path_factory.mktemp("drafted"))


@pytest.fixture
def members(drafted: dict[str, Path], posts: Path, token: str) -> Callable[..., list[SeriesMember]]:
    """``members("03", "07")``: copies of those topics' posts in this test's posts folder (made once each)."""
    made: dict[str, SeriesMember] = {}

    def make(*numbers: str) -> list[SeriesMember]:
        for number in numbers:
            if number not in made:
                made[number] = member_of(drafted[number], posts, token)
        return [made[n] for n in numbers]

    return make
