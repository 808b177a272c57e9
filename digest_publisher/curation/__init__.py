"""Curation: from the N papers a topic selects to the K papers its post discusses (see ``base``)."""

from __future__ import annotations

from .base import Curation, CurationProgress, Decision, PaperScore, Scorer, Scores

__all__ = ["Curation", "CurationProgress", "Decision", "PaperScore", "Scorer", "Scores"]
