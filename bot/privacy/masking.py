"""Masking personal data and credentials in free text (log lines, error messages).

Logs end up in places with weaker protection than the database (log shippers, support
tickets, screenshots), so e-mail addresses and phone numbers are masked before a line is
written, and anything shaped like a credential is removed even when it is not one of the
configured secrets (an API token a caller sent, a visitor token, a Slack or Telegram token).

``mask_personal`` keeps enough to debug with: ``j***@a***.com``, ``+1 *** *** **00``.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"

_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9._%+-]{1,64})@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*)"
    r"\.([A-Za-z]{2,24})(?![\w-])"
)
# A run of digits with the separators people type in phone numbers; checked further below.
_PHONE = re.compile(r"(?<![\w.:/#=-])\+?\(?\d[\d ()./-]{5,22}\d(?![\w])")
_DATE_OR_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}:\d{2}")
_DECIMAL = re.compile(r"\d+\.\d+")
_SLACK_TS = re.compile(r"\d{10}\.\d{6}")

# Credentials by shape. Telegram bot tokens: "<bot id>:<35 characters>"; Slack: "xox?-...";
# salesbot's web chat visitor tokens: "v1.<payload>.<signature>"; bearer headers of any kind.
_CREDENTIALS = (
    re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{8,}"),
    re.compile(r"\bxapp-[A-Za-z0-9-]{8,}"),
    re.compile(r"\bv1\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{20,}"),
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._~+/=-]{8,}"),
)
_QUERY_SECRET = re.compile(r"(?i)([?&](?:token|secret|password|api_key|apikey)=)[^&\s\"']+")


def mask_email(match: re.Match[str]) -> str:
    local, domain, tld = match.group(1), match.group(2), match.group(3)
    return f"{local[0]}***@{domain[0]}***.{tld}"


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if not 7 <= digits <= 15:
        return text
    if _DATE_OR_TIME.search(text) or _DECIMAL.fullmatch(text) or _SLACK_TS.fullmatch(text):
        return text
    keep = 2
    out = []
    seen = 0
    for char in text:
        if char.isdigit():
            seen += 1
            out.append(char if seen > digits - keep else "*")
        else:
            out.append(char)
    return "".join(out)


def mask_personal(text: str) -> str:
    """E-mail addresses and phone numbers in ``text``, masked."""
    if "@" in text:
        text = _EMAIL.sub(mask_email, text)
    return _PHONE.sub(_mask_phone, text)


def redact_credentials(text: str) -> str:
    for pattern in _CREDENTIALS:
        text = pattern.sub(REDACTED, text)
    return _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, text)


def scrub(text: str) -> str:
    """Both: what a log line goes through before it is written."""
    return mask_personal(redact_credentials(text))
