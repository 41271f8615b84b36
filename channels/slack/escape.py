"""Text crossing between customers and Slack, in both directions.

Customer -> Slack: Slack reads ``<...>`` as mentions and links (``<!channel>`` pings everyone,
``<https://evil|your bank>`` hides a URL), so ``&``, ``<`` and ``>`` are escaped as Slack
asks (https://api.slack.com/reference/surfaces/formatting#escaping); nothing else changes.

Slack -> customer: a rep writes Slack mrkdwn (``*bold*``, ``<https://x|a link>``, ``<@U1>``);
the customer's channel shows plain text, so markup is turned into readable text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape_text(text: str) -> str:
    """Customer (or any untrusted) text -> mrkdwn that shows exactly that text."""
    return text.translate(_ESCAPES)


def unescape_text(text: str) -> str:
    # &amp; last, so "&amp;lt;" becomes "&lt;" and not "<".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_ANGLE = re.compile(r"<([^<>]*)>")
_CODE_BLOCK = re.compile(r"```\n?(.*?)\n?```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
# Emphasis markers only count at word edges, as in Slack: "2*3*4" stays as it is.
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_QUOTE = re.compile(r"^&gt;\s?", re.MULTILINE)
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}

UserName = Callable[[str], str | None]


def _angle(match: re.Match[str], user_name: UserName) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or user_name(target[1:]) or "someone")
    if target.startswith("#"):
        return "#" + (label or "channel")
    if target.startswith("!"):
        if target.startswith("!date^"):
            return label or ""
        keyword = target[1:].split("^")[0]
        if keyword.startswith("subteam"):
            return label or "@team"
        return label or _SPECIAL.get(keyword, "")
    if target.startswith("mailto:"):
        return label or target[len("mailto:") :]
    if target.startswith("tel:"):
        return label or target[len("tel:") :]
    if label and label != target:
        return f"{label} ({target})"
    return target


def to_plain_text(mrkdwn: str, users: Mapping[str, str] | UserName | None = None) -> str:
    """A message as a rep typed it in Slack -> what the customer should read.

    ``users`` names Slack user ids (``<@U123>`` -> ``@Maya Chen``), as a mapping or a function.
    """
    if users is None:
        user_name: UserName = lambda _uid: None  # noqa: E731
    elif isinstance(users, Mapping):
        user_name = users.get
    else:
        user_name = users
    text = mrkdwn.replace("\r\n", "\n")
    text = _CODE_BLOCK.sub(lambda m: m.group(1), text)
    text = _CODE.sub(lambda m: m.group(1), text)
    text = _QUOTE.sub("", text)  # "> quoted" lines arrive as "&gt; quoted"
    text = _ANGLE.sub(lambda m: _angle(m, user_name), text)
    for pattern in (_BOLD, _ITALIC, _STRIKE):
        text = pattern.sub(lambda m: m.group(1), text)
    return unescape_text(text).strip()
