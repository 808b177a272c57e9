"""Block validity in WordPress's real block editor (headless Debian chromium, offline).

The project's copy of the measured reference tool (shared notes, ``block_editor_check.py``): a logged-in
playwright session opens a post in ``post.php?post=ID&action=edit`` and reads every block the editor
holds, inner blocks included. Every request to a host other than the WordPress host is aborted, so the
run is hermetic. Never ``playwright install``: the wheel drives Debian's ``/usr/bin/chromium``.

Verdict for one post: ``valid`` = every block ``isValid`` and none is ``core/freeform`` (classic HTML)
or ``core/missing`` (unknown type); ``migrated`` lists blocks that are valid only through a deprecated
version; ``canonical`` = valid and ``serialize(blocks) == raw`` (the editor would save it unchanged).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import BrowserContext, Page, Playwright, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


_shared: dict[str, Any] = {"playwright": None, "users": 0}


@contextmanager
def playwright_session() -> Iterator[Playwright]:
    """The one Playwright of this process, started by its first user and stopped by its last.

    Playwright's sync API runs an event loop for as long as it is started, and a second ``sync_playwright()``
    in the same thread fails ("Sync API inside the asyncio loop"): module-scoped editors of two test modules
    can be alive at once (pytest groups tests by WordPress version), so every browser test shares this one.
    """
    if _shared["users"] == 0:
        _shared["playwright"] = sync_playwright().start()
    _shared["users"] += 1
    try:
        yield _shared["playwright"]
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            _shared["playwright"].stop()
            _shared["playwright"] = None


READY_JS = """(id) => { const e = window.wp && wp.data && wp.blocks && wp.data.select('core/editor');
  return !!(e && e.__unstableIsEditorReady() && (id === null || e.getCurrentPostId() === id)); }"""

DISMISS_GUIDE_JS = """() => { const p = wp.data.select('core/preferences');
  const on = !!(p && p.get('core/edit-post', 'welcomeGuide'));
  if (on) wp.data.dispatch('core/preferences').set('core/edit-post', 'welcomeGuide', false);
  return on; }"""

TREE_JS = r"""
const fmt = (i) => { if (!i || !i.args) return String(i); const a = i.args.slice(1); let k = 0;
  return String(i.args[0]).replace(/%[so]/g, () => { const v = a[k++];
    if (typeof v === 'string') return v.length > 2000 ? v.slice(0, 2000) + '...' : v;
    if (v && v.name && v.attributes) return v.name;
    try { return JSON.stringify(v); } catch (e) { return String(v); } }); };
const tree = (bs) => bs.map(b => ({ name: b.name, isValid: b.isValid,
  migrated: b.originalContent === undefined ? null : (b.isValid && !wp.blocks.validateBlock(b)[0]),
  issues: (b.validationIssues || []).map(fmt), innerBlocks: tree(b.innerBlocks || []) }));
"""

EDITOR_STATE_JS = (
    "() => {"
    + TREE_JS
    + r"""
  const ed = wp.data.select('core/editor'), be = wp.data.select('core/block-editor');
  const blocks = be.getBlocks();
  return { postId: ed.getCurrentPostId(), raw: ed.getCurrentPost().content, blocks: tree(blocks),
           serialized: wp.blocks.serialize(blocks), dirty: ed.isEditedPostDirty(),
           domWarnings: [...document.querySelectorAll('.block-editor-warning__message')].map(e => e.textContent) };
}"""
)

PARSE_JS = (
    "(raw) => {"
    + TREE_JS
    + r"""
  const blocks = wp.blocks.parse(raw);
  return { raw, blocks: tree(blocks), serialized: wp.blocks.serialize(blocks), domWarnings: [] };
}"""
)


SAVE_JS = """async () => { await wp.data.dispatch('core/editor').savePost();
  return wp.data.select('core/editor').didPostSaveRequestSucceed(); }"""

# String(content): 6.1 keeps rich text as an HTML string, 6.8 as RichTextData (whose toString is the HTML).
APPEND_JS = """(text) => {
  const b = wp.data.select('core/block-editor').getBlocks().find(b => b.name === 'core/paragraph');
  if (!b) return false;
  wp.data.dispatch('core/block-editor').updateBlockAttributes(
    b.clientId, { content: String(b.attributes.content) + text });
  return true; }"""


@dataclass
class EditorVerdict:
    raw: str
    serialized: str
    blocks: list[dict[str, Any]]
    dom_warnings: list[str]
    invalid: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.invalid

    @property
    def canonical(self) -> bool:
        return self.valid and self.serialized.strip() == self.raw.strip()

    def names(self) -> set[str]:
        return {block["name"] for _, block in walk(self.blocks)}


def walk(blocks: list[dict[str, Any]], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for index, block in enumerate(blocks):
        here = f"{path}{index}:{block['name']}"
        yield here, block
        yield from walk(block["innerBlocks"], here + "/")


def verdict(result: dict[str, Any]) -> EditorVerdict:
    out = EditorVerdict(
        raw=result.get("raw") or "",
        serialized=result["serialized"],
        blocks=result["blocks"],
        dom_warnings=list(result.get("domWarnings") or []),
    )
    for path, block in walk(out.blocks):
        if not block["isValid"]:
            out.invalid.append(f"{path} INVALID: " + " / ".join(i.split("\n")[0] for i in block["issues"]))
        elif block["name"] == "core/freeform":
            out.invalid.append(f"{path} is classic HTML (no block delimiters)")
        elif block["name"] == "core/missing":
            out.invalid.append(f"{path} unknown block type")
        elif block["migrated"]:
            out.migrated.append(f"{path} valid only through a deprecated version")
    return out


class BlockEditor:
    """A logged-in headless chromium session on one WordPress site."""

    def __init__(self, base_url: str, user: str, password: str, timeout_ms: int = 60000) -> None:
        self.base = base_url.rstrip("/")
        self.host = urlparse(self.base).hostname
        self.user = user
        self.password = password
        self.timeout = timeout_ms
        self.blocked: list[str] = []
        self._pw: Playwright | None = None
        self._stack = ExitStack()
        self._ctx: BrowserContext | None = None
        self._page: Page | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> BlockEditor:
        self._pw = self._stack.enter_context(playwright_session())
        self._profile = tempfile.TemporaryDirectory(prefix="render-chromium-")
        self._ctx = self._pw.chromium.launch_persistent_context(
            self._profile.name,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        self._ctx.route("**/*", self._route)
        self._page = self._ctx.pages[0] if self._ctx.pages else self._ctx.new_page()
        self._page.on("dialog", lambda dialog: dialog.accept())
        self._page.set_default_timeout(self.timeout)
        self._login()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if self._ctx is not None:
                self._ctx.close()
        finally:
            self._stack.close()
            if self._profile is not None:
                self._profile.cleanup()

    @property
    def page(self) -> Page:
        assert self._page is not None, "use BlockEditor as a context manager"
        return self._page

    def _route(self, route: Route) -> None:
        url = route.request.url
        if urlparse(url).hostname == self.host:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _login(self) -> None:
        page = self.page
        page.goto(self.base + "/wp-login.php", wait_until="domcontentloaded")
        page.fill("#user_login", self.user)
        page.fill("#user_pass", self.password)
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.click("#wp-submit")
        if "/wp-admin" not in page.url:
            raise RuntimeError(f"login failed at {page.url}: {page.locator('#login_error').all_inner_texts()}")

    def check_post(self, post_id: int) -> EditorVerdict:
        """Open the post in the editor and judge the blocks the editor holds."""
        page = self.page
        page.goto(f"{self.base}/wp-admin/post.php?post={int(post_id)}&action=edit", wait_until="domcontentloaded")
        page.wait_for_function(READY_JS, arg=int(post_id), timeout=self.timeout)
        page.evaluate(DISMISS_GUIDE_JS)
        return verdict(page.evaluate(EDITOR_STATE_JS))

    def save(self) -> None:
        """Click Update, in effect: ``savePost()`` of the post opened last, unchanged or as edited here."""
        ok = self.page.evaluate(SAVE_JS)
        if not ok:
            raise RuntimeError(f"the editor could not save post {self.page.url}")

    def append_to_first_paragraph(self, text: str) -> None:
        """A person's edit: type ``text`` at the end of the first paragraph of the post opened last."""
        if not self.page.evaluate(APPEND_JS, text):
            raise RuntimeError("the post opened last has no paragraph")

    def check_markup(self, raw: str) -> EditorVerdict:
        """``wp.blocks.parse(raw)`` in the page of the post opened last (the core blocks are registered there)."""
        return verdict(self.page.evaluate(PARSE_JS, raw))

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path), full_page=False)
