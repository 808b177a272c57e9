"""The Claude service keeps every Message Batch's id in its stage cache before waiting for it, so a run that
stopped while a batch was processing collects that batch when run again, for any batched stage (the series'
triage, drafting's cards and sections under ``draft --batch``), and submits a new one only when it cannot."""

from __future__ import annotations

from pathlib import Path

from digest_publisher.claude import Call, ClaudeService, stable_hash
from digest_publisher.claude.anthropic_client import AnthropicClient
from digest_publisher.claude.service import BATCHES
from digest_publisher.models import NullProgress
from tests.fake_claude import FakeClaude
from tests.series.helpers import KEY, settings


def calls(service: ClaudeService) -> list[Call]:
    out = []
    for n in range(3):
        params = service.params("cards", 200, service.system_blocks("You write metadata."), [],
                                f'<task name="meta">post {n}</task>', None)  # fmt: skip
        out.append(Call("cards", f"meta-{n}", params, lambda text: []))
    return out


def test_a_batch_submitted_by_an_earlier_run_is_collected_not_paid_again(tmp_path: Path) -> None:
    s = settings()
    with FakeClaude() as fake:
        client = AnthropicClient.for_base_url(fake.base_url, KEY, s)
        service = ClaudeService(client, s, tmp_path / "cache", NullProgress(), batch=True)
        pending = calls(service)
        # An earlier run submitted the batch, kept its id, and was killed before any answer was cached.
        earlier = client.submit_batch({f"cards-{i:04d}": c.params for i, c in enumerate(pending)})
        service.cache.put(BATCHES, stable_hash("batch", "cards", [c.key for c in pending]), {"id": earlier})
        answers = service.ask_many(pending)
        assert len(fake.calls(path="/v1/messages/batches")) == 1 and fake.calls("meta") == []
        assert all('"title"' in a for a in answers) and service.stages["cards"].calls == 3

        # A kept id the API no longer knows (expired, deleted): a new batch is submitted, once.
        fresh = ClaudeService(client, s, tmp_path / "other", NullProgress(), batch=True)
        again = calls(fresh)
        fresh.cache.put(BATCHES, stable_hash("batch", "cards", [c.key for c in again]), {"id": "msgbatch_gone"})
        assert all('"title"' in a for a in fresh.ask_many(again))
        assert len(fake.calls(path="/v1/messages/batches")) == 2 and fake.calls("meta") == []
