"""Tests of the drafting stage: built-in drafter, grounding, the Claude engine against tests/fake_claude.py."""
