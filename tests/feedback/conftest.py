"""Fixtures of the feedback tests: a private media root and real images made with Pillow."""

import base64
import io
import os

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Store screenshots in a fresh directory per test, so a test can list what was stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    """Return the paths of the files under `root`, relative to it."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def image_bytes(image_format: str = "PNG", size=(40, 30), noise: bool = False) -> bytes:
    """Return an encoded image; with `noise` its pixels are random, so it does not compress."""
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def data_url(content: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode()}"


def same_picture(stored: bytes, sent: bytes) -> bool:
    """Return whether two encoded images decode to the same format, size and pixels."""
    with Image.open(io.BytesIO(stored)) as left, Image.open(io.BytesIO(sent)) as right:
        return (left.format, left.size, left.convert("RGB").tobytes()) == (
            right.format,
            right.size,
            right.convert("RGB").tobytes(),
        )
