"""Chinese numerals (三, 十五, 两千, 1.5万) to numbers, for money and date expressions."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

CN_DIGITS = "零〇一二两三四五六七八九"
_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_DIGIT |= {"七": 7, "八": 8, "九": 9}
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG_UNIT = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL_CHARS = CN_DIGITS + "十百千万亿"


def cn_to_int(text: str) -> int | None:
    """``"二十三"`` -> 23, ``"十五"`` -> 15, ``"二〇二四"`` -> 2024; None if not a numeral."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if all(ch in _DIGIT for ch in text):
        # Digit by digit, as years are written: 二〇二四.
        return int("".join(str(_DIGIT[ch]) for ch in text))
    total = section = digit = 0
    for ch in text:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        elif ch in _SMALL_UNIT:
            section += (digit or 1) * _SMALL_UNIT[ch]
            digit = 0
        elif ch in _BIG_UNIT:
            total += (section + digit) * _BIG_UNIT[ch]
            section = digit = 0
        else:
            return None
    return total + section + digit


def to_decimal(text: str) -> Decimal | None:
    """Arabic (``"1,200.50"``) or Chinese (``"三千"``) numerals; None if neither."""
    cleaned = text.replace(",", "").replace("，", "").strip()
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        value = cn_to_int(cleaned)
        return Decimal(value) if value is not None else None
