"""A featured image's size read from its header with the standard library (``records.images.image_size``),
which the upload check uses instead of Pillow: it must agree with Pillow on every format and variant the
check accepts, and refuse what Pillow cannot read either (a cut-short or foreign header)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from digest_publisher.records.images import image_size

# (format, mode, save options): baseline and progressive JPEG, grey and CMYK JPEG, palette and RGBA PNG,
# GIF, and the three kinds of WebP (lossy VP8, lossless VP8L, extended VP8X with alpha).
VARIANTS = [
    ("PNG", "RGB", {}),
    ("PNG", "RGBA", {}),
    ("PNG", "P", {}),
    ("JPEG", "RGB", {}),
    ("JPEG", "RGB", {"progressive": True}),
    ("JPEG", "L", {"quality": 30}),
    ("JPEG", "CMYK", {}),
    ("GIF", "P", {}),
    ("WEBP", "RGB", {"lossless": False}),
    ("WEBP", "RGB", {"lossless": True}),
    ("WEBP", "RGBA", {"lossless": False}),
]


def _encoded(fmt: str, mode: str, size: tuple[int, int], options: dict[str, object]) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "mode", "options"), VARIANTS)
@pytest.mark.parametrize("size", [(1, 1), (1200, 630), (37, 4001), (16383, 3)])
def test_the_header_size_is_what_pillow_reads(
    fmt: str, mode: str, options: dict[str, object], size: tuple[int, int]
) -> None:
    data = _encoded(fmt, mode, size, options)
    with Image.open(io.BytesIO(data)) as image:
        assert image_size(data) == image.size == size


def test_a_jpeg_with_metadata_before_its_frame() -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "a description long enough to push the frame header further" * 20
    Image.new("RGB", (640, 480)).save(out, format="JPEG", exif=exif.tobytes(), icc_profile=b"\0" * 3000)
    assert image_size(out.getvalue()) == (640, 480)


@pytest.mark.parametrize(("fmt", "mode", "options"), VARIANTS)
def test_a_cut_short_header_is_refused_as_pillow_refuses_it(fmt: str, mode: str, options: dict[str, object]) -> None:
    data = _encoded(fmt, mode, (300, 200), options)[:9]  # shorter than any of their headers
    with pytest.raises(ValueError):
        image_size(data)
    with pytest.raises((OSError, ValueError, SyntaxError)), Image.open(io.BytesIO(data)) as image:
        image.load()


OTHERS = [b"", b"not an image at all", b"BM" + b"\0" * 60, b"RIFF\0\0\0\0WEBPVP8Q" + b"\0" * 20]


@pytest.mark.parametrize("data", OTHERS)
def test_other_files_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        image_size(data)
