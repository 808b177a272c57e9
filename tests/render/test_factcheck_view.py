"""The editor's fact-check view of `preview` (issue 18), in real Chromium: marks on every number and cited
claim, linked to the abstract sentence each rests on; what was removed listed with its reason; a number a
hand edit added is flagged; with the view off the content is what WordPress will show, and nothing of the
view is in render.json. The post is drafted through the real CLI by the fake Claude, lying."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_claude import FakeClaude
from tests.republish.rephelpers import REPO, run_cli

from .block_editor import CHROMIUM, CHROMIUM_ARGS, playwright_session

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]

SAMPLE = REPO / "samples" / "arxiv-week-2026-05-18"
EDIT = "An editor's aside: this method reaches 91.7% on every benchmark"


@pytest.fixture
def drafted(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    with FakeClaude(min_cache_tokens=200) as fake:
        fake.behave("liar")
        env = {"ANTHROPIC_API_KEY": "sk-ant-test-VIEW", "ANTHROPIC_BASE_URL": fake.base_url, "DIGEST_NO_DOTENV": "1",
               "DIGEST_CACHE_DIR": str(tmp_path / "cache"), "DIGEST_POSTS_DIR": str(tmp_path / "posts")}
        result = run_cli(env, "draft", "--topic", "07", "--corpus", str(SAMPLE / "2026-05-18.jsonl"),
                         "--drafter", "claude", "--topics", str(REPO / "topics.toml"),
                         "--prompts-dir", str(REPO / "prompts"))
        assert result.exit_code == 0, result.output
        yield tmp_path / "posts" / result.stdout.strip(), env


def test_the_fact_check_view_marks_links_and_stays_out_of_wordpress(drafted: tuple[Path, dict[str, str]]) -> None:
    folder, env = drafted
    report = json.loads((folder / "draft-report.json").read_text(encoding="utf-8"))
    assert report["numbers_removed"], "the liar's lies were removed and listed"
    # A hand edit: an unsupported number in a sentence that cites a paper of the post.
    post = (folder / "post.md").read_text(encoding="utf-8")
    key = report["covered"][0]
    post = post.replace("\n## ", f"\n{EDIT} [@{key}].\n\n## ", 1)
    (folder / "post.md").write_text(post, encoding="utf-8")
    shown = run_cli(env, "preview", folder.name, "--topics", str(REPO / "topics.toml"))
    assert shown.exit_code == 0, shown.output
    page_file = Path(shown.stdout.strip())
    page_html = page_file.read_text(encoding="utf-8")
    render = (folder / "render.json").read_text(encoding="utf-8")
    content = json.loads(render)["content"]["rendered"]
    # Off: the content is WordPress's, byte for byte; the view lives outside it and never in render.json.
    assert f'<div class="entry-content">\n{content}\n</div>' in page_html
    assert "fc-" not in render and "Fact-check" not in render and "91.7%" in content

    with playwright_session() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.route("http*://**/*", lambda route: route.abort())
            page.goto(page_file.as_uri(), wait_until="load")
            off_html = page.inner_html(".entry-content")
            assert page.locator(".entry-content .fc").count() == 0
            assert page.locator("#fc-panel").is_hidden()
            page.check("#fc-toggle")
            numbers = page.locator(".entry-content a.fc-number")
            citations = page.locator(".entry-content .fc-citation")
            numbers_on = numbers.count()
            assert numbers_on >= 5 and citations.count() >= 10, (numbers_on, citations.count())
            # The hand-edited number is flagged, with the reason on its card.
            edited = page.locator(".entry-content a.fc-number", has_text="91.7%")
            assert edited.count() == 1 and "fc-flagged" in (edited.get_attribute("class") or "")
            assert "not stated by" in (edited.get_attribute("title") or "")
            # An ok number links to the sentence of its abstract that states it.
            ok = page.locator(".entry-content a.fc-number.fc-ok").first
            target = (ok.get_attribute("href") or "")[1:]
            assert re.fullmatch(r"fc-src-\d{4}\.\d{5}-\d+", target), target
            value = re.sub(r"[^\d.]", "", (ok.inner_text().split() or [""])[-1]).rstrip(".")
            source_sentence = page.inner_text(f"#{target.replace('.', chr(92) + '.')}")
            assert value.split(".")[0] in source_sentence, (ok.inner_text(), source_sentence)
            ok.click()
            assert page.evaluate("() => location.hash") == f"#{target}"
            # Each cited claim links to a sentence of its paper's abstract, and says so on hover.
            first = citations.first
            assert "ok" in (first.get_attribute("title") or "") or "flagged" in (first.get_attribute("title") or "")
            ref = first.locator("a.fc-ref").get_attribute("href") or ""
            assert ref.startswith("#fc-src-")
            # What the checks removed is listed with the reason.
            removed = page.locator("#fc-panel li.fc-removed")
            assert removed.count() == len(report["numbers_removed"])
            assert "97.3%" in page.inner_text("#fc-panel")
            # Off again: the content is back as it was, byte for byte.
            page.uncheck("#fc-toggle")
            assert page.inner_html(".entry-content") == off_html
            assert page.locator("#fc-panel").is_hidden()
            # Opened with ?factcheck, the view starts on; the page's script never fails.
            page.goto(page_file.as_uri() + "?factcheck", wait_until="load")
            assert page.locator(".entry-content a.fc-number").count() == numbers_on
            assert errors == []
        finally:
            browser.close()
