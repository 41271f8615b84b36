"""Splitting long texts into Telegram-sized messages on natural boundaries.

Telegram refuses a message over 4096 characters (counted after entity parsing, in UTF-16
code units, so an emoji outside the BMP counts twice). A cut is made at the last paragraph
break, else line break, else sentence end (Latin or Chinese), else space in the window; a
hard cut happens only for a single unbroken run longer than the limit.
"""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096

# Boundaries by preference. Each pattern matches the gap *after* which a new chunk may start.
_BOUNDARIES = (
    re.compile(r"\n\s*\n\s*"),  # paragraph
    re.compile(r"\n\s*"),  # line
    re.compile(r"(?<=[.!?…])[\"')\]]*\s+|(?<=[。！？；…])[”』」）]*\s*"),  # sentence
    re.compile(r"(?<=[，、,;:：])\s*|\s+"),  # clause or word
)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """How many characters of ``text`` fit into ``limit`` UTF-16 code units."""
    if utf16_len(text) <= limit:
        return len(text)
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _cut(window: str) -> tuple[int, int] | None:
    """(end of this chunk, start of the next) inside ``window``, preferring late boundaries.

    A boundary in the first half would leave a stub message, so each kind is first looked
    for in the second half of the window, then anywhere; None means cut hard.
    """
    half = len(window) // 2
    for floor in (half, 1):
        for pattern in _BOUNDARIES:
            best: re.Match[str] | None = None
            for match in pattern.finditer(window):
                if match.start() >= floor:
                    best = match
            if best is not None:
                return best.start(), best.end()
    return None


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """``text`` as chunks of at most ``limit`` UTF-16 units; whitespace at cuts is dropped."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        size = _fit(rest, limit)
        if size >= len(rest):
            chunks.append(rest)
            break
        # Looking one character past the window lets a boundary right at the limit count.
        cut = _cut(rest[: size + 1])
        end, start = cut if cut is not None else (size, size)
        chunk = rest[:end].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[start:].lstrip()
    return chunks
