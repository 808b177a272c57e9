"""The featured image: a generated 1200x630 PNG card, or a user-supplied image file.

The card uses DejaVu Sans (Debian ``fonts-dejavu-core``); characters DejaVu lacks (CJK) are drawn with
Noto Sans CJK when ``fonts-noto-cjk`` is installed. Identical inputs give identical bytes: Pillow writes
no timestamp or other varying metadata into a PNG unless asked to.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RenderError
from ..models import FeaturedImage
from ..names import readable_latex
from ..records.images import IMAGE_SCALE_HINT, MAX_IMAGE_BYTES, featured_image_file, image_size, read_post_image
from .wpformat import sanitize_text_field

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = DEJAVU_DIR / "DejaVuSans.ttf"
FONT_BOLD = DEJAVU_DIR / "DejaVuSans-Bold.ttf"
NOTO_CJK_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
)
BACKGROUND = (15, 23, 42)
ACCENT = (56, 189, 248)
TEXT = (248, 250, 252)
MUTED = (148, 163, 184)

if TYPE_CHECKING:  # Pillow is loaded by the functions that draw the card: a user's image is checked without it
    from PIL import ImageDraw
    from PIL.ImageFont import FreeTypeFont as FontT

    from ..records.source import PostFolder


@dataclass(frozen=True)
class CardText:
    """Everything printed on the card (and so everything its bytes depend on)."""

    title: str
    topic: str
    paper_count: int
    window: str  # "2026-05-18 – 2026-05-22", or "" when unknown
    series: str = "Frontier AI Research Digest"
    kind: str = ""


@functools.lru_cache(maxsize=64)
def _font(path: str, size: int) -> FontT:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size)
    except OSError as exc:
        raise RenderError(
            f"cannot load the card font {path} ({exc})",
            "Install Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core)",
        ) from exc


def _fallback_path() -> str | None:
    for candidate in NOTO_CJK_CANDIDATES:
        if candidate.is_file():
            return str(candidate)
    return None


@functools.lru_cache(maxsize=4096)
def _has_glyph(path: str, size: int, char: str) -> bool:
    """A font lacks a glyph when the character renders exactly like an unassigned code point (.notdef)."""
    if char.isspace():
        return True
    font = _font(path, size)
    mask = font.getmask(char)
    notdef = font.getmask("\U0010fffd")
    return (mask.size, bytes(mask)) != (notdef.size, bytes(notdef))


def _runs(text: str, path: str, size: int) -> list[tuple[str, FontT]]:
    """Split text into runs drawn with the primary font or, per character, with the CJK fallback. Control
    characters (ESC, NEL, ...) are not drawn: the text layout engine (raqm) fails on some of them."""
    fallback = _fallback_path()
    runs: list[tuple[str, FontT]] = []
    for char in text:
        if unicodedata.category(char) == "Cc":
            if not char.isspace():
                continue
            char = " "
        use = path
        if fallback is not None and not _has_glyph(path, size, char) and _has_glyph(fallback, size, char):
            use = fallback
        font = _font(use, size)
        if runs and runs[-1][1] is font:
            runs[-1] = (runs[-1][0] + char, font)
        else:
            runs.append((char, font))
    return runs


def _width(text: str, path: str, size: int) -> float:
    return sum(font.getlength(run) for run, font in _runs(text, path, size))


def _draw(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, path: str, size: int,
          fill: tuple[int, int, int]) -> None:  # fmt: skip
    x, y = xy
    for run, font in _runs(text, path, size):
        draw.text((x, y), run, font=font, fill=fill)
        x += font.getlength(run)


def _wrap(text: str, path: str, size: int, width: float) -> list[str]:
    """Greedy word wrap; words wider than a line (CJK runs) are broken by character."""
    tokens = re.findall(r"\S+\s*", text)
    lines: list[str] = []
    line = ""
    for token in tokens:
        candidate = line + token
        if _width(candidate.rstrip(), path, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line.rstrip())
            line = ""
        while _width(token.rstrip(), path, size) > width:
            cut = len(token)
            while cut > 1 and _width(token[:cut], path, size) > width:
                cut -= 1
            lines.append(token[:cut])
            token = token[cut:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit_title(title: str, width: float, max_lines: int = 4) -> tuple[int, list[str]]:
    for size in (64, 58, 52, 46, 40):
        lines = _wrap(title, str(FONT_BOLD), size, width)
        if len(lines) <= max_lines:
            return size, lines
    size = 40
    lines = _wrap(title, str(FONT_BOLD), size, width)[:max_lines]
    last = lines[-1]
    while last and _width(last + "\u2026", str(FONT_BOLD), size) > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + "\u2026"
    return size, lines


def render_card(text: CardText) -> bytes:
    """PNG bytes of the card. Deterministic for identical ``text`` (and the same fonts and Pillow)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 14, HEIGHT), fill=ACCENT)
    regular, bold = str(FONT_REGULAR), str(FONT_BOLD)
    _draw(draw, (MARGIN, 56), text.series.upper(), bold, 24, ACCENT)
    if text.topic:
        label = text.topic
        pill_w = _width(label, regular, 26) + 36
        draw.rounded_rectangle((MARGIN, 100, MARGIN + pill_w, 146), radius=23, outline=MUTED, width=2)
        _draw(draw, (MARGIN + 18, 108), label, regular, 26, TEXT)
    size, lines = _fit_title(text.title, WIDTH - 2 * MARGIN)
    line_h = int(size * 1.22)
    top = 190 + max(0, (4 - len(lines)) * line_h // 4)
    for i, line in enumerate(lines):
        _draw(draw, (MARGIN, top + i * line_h), line, bold, size, TEXT)
    facts = [f"{text.paper_count} paper{'s' if text.paper_count != 1 else ''}"]
    if text.window:
        facts.append(text.window)
    if text.kind:
        facts.append(text.kind)
    _draw(draw, (MARGIN, HEIGHT - 92), "  \u00b7  ".join(facts), regular, 28, MUTED)
    out = io.BytesIO()
    # compress_level 6 (zlib default) keeps the file small; no pnginfo, so no varying metadata.
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


_cached_card = functools.lru_cache(maxsize=32)(render_card)


def card_alt_text(text: CardText) -> str:
    parts = [f"{text.series}: {text.title}"]
    details = [text.topic] if text.topic else []
    details.append(f"{text.paper_count} paper{'s' if text.paper_count != 1 else ''}")
    if text.window:
        details.append(text.window)
    return parts[0] + " (" + ", ".join(details) + ")"


def image_alt_text(text: str) -> str:
    """Alt text as WordPress keeps it, so the first upload verifies as the second does: LaTeX made
    readable, no backslash (``update_post_meta`` unslashes the value: "$\\alpha$" would be stored as
    "$alpha$"), then ``sanitize_text_field``."""
    return sanitize_text_field(readable_latex(text).replace("\\", ""))


def featured_card(text: CardText, slug: str) -> FeaturedImage:
    """The generated card as a :class:`FeaturedImage` (memoised: identical inputs, identical bytes)."""
    return FeaturedImage(
        data=_cached_card(text),
        filename=f"{slug}-featured.png",
        mime_type="image/png",
        alt_text=image_alt_text(card_alt_text(text)),
    )


_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", ".png"),
    (b"\xff\xd8\xff", 0, "image/jpeg", ".jpg"),
    (b"GIF87a", 0, "image/gif", ".gif"),
    (b"GIF89a", 0, "image/gif", ".gif"),
)


def sniff_image_type(data: bytes) -> str | None:
    """The MIME type from the file's first bytes (PNG, JPEG, GIF, WebP), or None."""
    for magic, offset, mime, _ in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def featured_file_image(folder: PostFolder) -> FeaturedImage | None:
    """The featured image a post folder names as a file (its alt text the front matter's, else the title), or
    None when it names none (no image, or the generated card): what the render sends, known without rendering."""
    name = featured_image_file(folder.source)
    if name is None:
        return None
    alt = folder.source.featured_image_alt or folder.source.title
    return load_featured_file(folder.source_file.parent, name, image_alt_text(alt))


def load_featured_file(folder: Path, name: str, alt_text: str) -> FeaturedImage:
    """A user-supplied featured image (``name`` relative to the post's ``folder``, read as
    :func:`~digest_publisher.records.source.read_post_image` allows); its type comes from its bytes, never
    from its name."""
    path, data = read_post_image(folder, name, MAX_FEATURED_BYTES)
    mime = sniff_image_type(data)
    if mime is None:
        raise RenderError(
            f"{path}: the featured image is not a PNG, JPEG, WebP or GIF",  # its bytes are never shown
            "Convert it to PNG or JPEG, or set 'featured_image: generated'",
        )
    _check_featured_size(path, data)
    return FeaturedImage(data=data, filename=path.name, mime_type=mime, alt_text=alt_text)


#: Limits checked before an upload. WordPress decodes every upload to make its sizes (GD/Imagick hold about
#: 4-5 bytes a pixel), and scales anything over 2560 px down anyway: a 30000x30000 PNG uploads for minutes,
#: then the server runs out of memory while WordPress has already created the attachment.
MAX_FEATURED_BYTES = MAX_IMAGE_BYTES
MAX_FEATURED_PIXELS = 25_000_000  # e.g. 5000 x 5000
_SCALE_HINT = IMAGE_SCALE_HINT


def _check_featured_size(path: Path, data: bytes) -> None:
    """Refuse an image too big to upload safely, from its size and its header (no pixel is decoded, and
    Pillow is not loaded: :func:`~digest_publisher.records.images.image_size` reads the header)."""
    if len(data) > MAX_FEATURED_BYTES:
        raise RenderError(
            f"{path}: the featured image has {len(data) / 1e6:.1f} MB, over the {MAX_FEATURED_BYTES / 1e6:.0f} MB "
            "this tool uploads",
            _SCALE_HINT,
        )
    try:
        width, height = image_size(data)
    except ValueError as exc:
        raise RenderError(f"{path}: the featured image cannot be read ({exc})", _SCALE_HINT) from exc
    size = f"{width} x {height} pixels"
    if width * height > MAX_FEATURED_PIXELS:
        raise RenderError(
            f"{path}: the featured image has {size}, over the {MAX_FEATURED_PIXELS / 1e6:.0f} megapixels "
            "WordPress can decode safely",
            _SCALE_HINT,
        )
