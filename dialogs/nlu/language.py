"""Which language a message is in (English or Chinese), and requests to switch language.

Only the two supported languages matter, and they are told apart by script, so counting
characters is exact enough and costs microseconds; a statistical detector would misread the
short messages typical of chat ("ok", "好").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Lang = Literal["en", "zh"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_OTHER_SCRIPT = re.compile(r"[\u0400-\u04ff\u0590-\u06ff\u3040-\u30ff\uac00-\ud7af]")


def detect_language(text: str) -> Lang | None:
    """``"zh"`` for Chinese script, ``"en"`` for Latin, None when neither decides.

    Each Chinese character weighs as much as one Latin word, so "iPhone 15 多少钱" is
    Chinese while "send it to 北京 please" is English. Digits, emoji, punctuation and
    other scripts (kana, Hangul, Cyrillic...) decide nothing.
    """
    han = len(_HAN.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    if han == 0 and latin == 0:
        return None
    if han >= latin:
        return "zh"
    if len(_OTHER_SCRIPT.findall(text)) > latin:
        return None
    return "en"


def language_of_hint(hint: str | None) -> Lang | None:
    """A channel's language hint (Telegram's ``language_code``, the browser's ``zh-CN``)."""
    if hint and hint.lower().startswith("zh"):
        return "zh"
    if hint and hint.lower().startswith("en"):
        return "en"
    return None


_FILLER_EN = r"(?:please|pls|plz|can|could|would|will|you|u|we|i|me|let's|lets|let|us|just|now)"
_EN_TARGET = {"en": r"english", "zh": r"(?:chinese|mandarin)"}
_ZH_TARGET = {"en": r"(?:英文|英语|英語)", "zh": r"(?:中文|汉语|漢語|普通话|国语|國語|华语)"}
_ZH_VERB = r"(?:说|講|讲|用|改用|换成|换回|切换到|切换成|切换回|切到|回复|回答|写|说话用)"
_ZH_LEAD = r"(?:请|麻烦|能|能不能|可以|可不可以|你|您|我们|咱们|我要|我想|还是|换)*"
_ZH_TAIL = r"(?:吧|好吗|好不好|行吗|可以吗|谢谢|呢|吗|啊|呀|交流|沟通|聊|回复|回答|说|说话)*"


def _en_pattern(target: str) -> re.Pattern[str]:
    verbs = r"(?:speak|talk|write|reply|respond|answer|chat|continue|switch|change|use|go)"
    fillers = rf"(?:{_FILLER_EN}\s+)*"
    return re.compile(
        rf"{fillers}(?:(?:{verbs})(?:\s+(?:back|over))?(?:\s+(?:to|in))?\s+)?(?:in\s+)?"
        rf"{target}(?:\s+(?:language|please|pls|plz|only|now|thanks|thank you))*"
        rf"|{fillers}do\s+you\s+(?:speak|understand)\s+{target}"
    )


def _zh_pattern(target: str) -> re.Pattern[str]:
    return re.compile(rf"{_ZH_LEAD}(?:{_ZH_VERB})?{target}{_ZH_TAIL}")


_PATTERNS: tuple[tuple[Lang, re.Pattern[str]], ...] = tuple(
    (lang, pattern)
    for lang in ("en", "zh")
    for pattern in (_en_pattern(_EN_TARGET[lang]), _zh_pattern(_ZH_TARGET[lang]))
)


def language_switch_request(text: str) -> Lang | None:
    """The language asked for by a message like "English please" or "请用中文", else None.

    The whole message must be the request: "do you ship the Chinese manual?" asks nothing.
    """
    normal = _normalise(text)
    if not normal or len(normal) > 60:
        return None
    for lang, pattern in _PATTERNS:
        if pattern.fullmatch(normal):
            return lang
    return None


def _normalise(text: str) -> str:
    lowered = unicodedata.normalize("NFKC", text).lower().strip().replace("'", "")
    lowered = lowered.replace("\u2019", "")
    # Punctuation and emoji carry nothing here; spaces between Chinese characters neither.
    cleaned = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in lowered)
    cleaned = " ".join(cleaned.split())
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", cleaned)
