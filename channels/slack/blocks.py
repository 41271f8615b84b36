"""Block Kit builders that stay inside Slack's limits.

Limits (https://api.slack.com/reference/block-kit): 50 blocks a message, 3,000 characters in a
section's text, 10 fields of 2,000, 25 elements in an actions block, 75 characters on a
button, 2,000 in its value, 255 in an ``action_id``, 150 in a header. Long text is split
into several sections (never inside an ``&amp;`` entity or a ``<...>`` link); more than 50
blocks become several messages (``paginate``).

Button ``action_id``s carry a prefix saying whose button it is: ``desk:`` for the reps'
cards and staff messages, ``reply:`` for buttons shown to a customer who talks to us in
Slack. The value is always the payload, so one listener per prefix can dispatch on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dialogs.core.types import Button

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_ACTIONS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_HEADER = 150
MAX_CONTEXT = 3000
MAX_FALLBACK = 39_000  # chat.postMessage truncates its top-level text at 40,000
DESK = "desk:"
REPLY = "reply:"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _safe_cut(text: str, cut: int) -> int:
    """Move a cut point back so it does not fall inside ``&amp;`` or ``<...|...>``."""
    head = text[:cut]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:] and cut - amp <= 6:
        cut = amp
    head = text[:cut]
    lt = head.rfind("<")
    if lt > 0 and ">" not in head[lt:]:
        cut = lt
    return cut


def split_text(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Mrkdwn -> pieces of at most ``limit`` characters, cut at lines or words if possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        cut = _safe_cut(rest, min(cut, limit)) or limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def mrkdwn(text: str, *, verbatim: bool = True) -> dict[str, Any]:
    # verbatim: Slack must not turn "@channel" or bare URLs in our (escaped) text into
    # mentions and links on its own.
    return {"type": "mrkdwn", "text": text, "verbatim": verbatim}


def plain(text: str, limit: int = MAX_BUTTON_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text or " ", limit), "emoji": True}


def sections(text: str) -> list[Block]:
    """One or more section blocks showing ``text`` (already mrkdwn-safe)."""
    return [{"type": "section", "text": mrkdwn(piece)} for piece in split_text(text) if piece]


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(_clip(text, MAX_CONTEXT))]}


def fields(pairs: Sequence[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as section fields, ten per section."""
    items = [mrkdwn(_clip(f"*{label}*\n{value}", MAX_FIELD)) for label, value in pairs]
    return [
        {"type": "section", "fields": items[i : i + MAX_FIELDS]}
        for i in range(0, len(items), MAX_FIELDS)
    ]


def button(title: str, payload: str, *, prefix: str = DESK, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(title),
        "action_id": (prefix + payload)[:MAX_ACTION_ID],
        "value": payload[:MAX_BUTTON_VALUE],
    }
    if style in ("primary", "danger"):
        element["style"] = style
    return element


def actions(elements: Sequence[Block], block_id: str | None = None) -> list[Block]:
    """Buttons as actions blocks of at most 25 elements, ``action_id``s unique per message."""
    seen: set[str] = set()
    unique: list[Block] = []
    for element in elements:
        if element["action_id"] not in seen:
            seen.add(element["action_id"])
            unique.append(element)
    blocks: list[Block] = []
    for i in range(0, len(unique), MAX_ACTIONS):
        block: Block = {"type": "actions", "elements": unique[i : i + MAX_ACTIONS]}
        if block_id:
            block["block_id"] = f"{block_id}-{i // MAX_ACTIONS}"
        blocks.append(block)
    return blocks


def reply_buttons(buttons: Iterable[Button]) -> list[Block]:
    """A customer's buttons: the index keeps ``action_id``s unique, the value is the payload."""
    return actions(
        [button(b.title, b.payload, prefix=f"{REPLY}{i}:") for i, b in enumerate(buttons)]
    )


def paginate(blocks: Sequence[Block], limit: int = MAX_BLOCKS) -> list[list[Block]]:
    """Blocks -> messages of at most ``limit`` blocks each."""
    return [list(blocks[i : i + limit]) for i in range(0, len(blocks), limit)] or [[]]


def fallback(text: str) -> str:
    """The top-level ``text`` (notifications, screen readers) of a message."""
    return _clip(text, MAX_FALLBACK)


def payload_of(action_id: str, value: str | None) -> str:
    """The payload a clicked button carries (the value; the action_id if it was cut)."""
    if value:
        return value
    for prefix in (DESK,):
        if action_id.startswith(prefix):
            return action_id[len(prefix) :]
    return action_id.split(":", 2)[-1] if action_id.startswith(REPLY) else action_id
