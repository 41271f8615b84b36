"""Reading what a customer typed into the lead form: commands, corrections, questions.

Pure functions over text (and the NLU's intent), so they are unit-tested without a store.
Field values themselves are checked by ``dialogs.validators``. Which intents are questions
for another flow comes from the manager's routing table at run time (``turn.routes``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from dialogs.core.intents import QUESTIONS

CANCEL = frozenset(
    {
        "cancel", "cancel it", "cancel that", "cancel the quote", "cancel quote", "quit", "exit",
        "never mind", "nevermind", "forget it", "stop the form", "i changed my mind",
        "取消", "取消吧", "取消报价", "算了", "不要了", "不用了", "退出", "不弄了",
    }
)  # fmt: skip
SKIP = frozenset(
    {
        "skip", "skip it", "skip this", "skip that", "pass", "next", "rather not", "i'd rather not",
        "prefer not to say", "n/a", "na", "-",
        "跳过", "跳过吧", "不填", "略过", "下一个", "下一题", "不想说", "不方便",
        "不方便透露", "保密",
    }
)  # fmt: skip
# "No" to an optional question ("a phone number?" - "no") means skip it.
NONE_GIVEN = frozenset(
    {"no", "nope", "none", "no thanks", "no thank you", "i don't have one", "没有", "不", "无",
     "不用", "不用了", "没"}
)  # fmt: skip
YES = frozenset(
    {
        "yes", "y", "yeah", "yep", "yes please", "sure", "ok", "okay", "of course", "i agree",
        "agree", "agreed", "fine", "go ahead", "i consent", "yes you may", "yes, you may",
        "是", "是的", "好", "好的", "可以", "同意", "我同意", "行", "没问题", "当然",
        "当然可以", "嗯",
    }
)  # fmt: skip
NO = frozenset(
    {
        "no", "n", "nope", "no thanks", "no thank you", "i don't agree", "i do not agree",
        "don't", "do not", "no you may not", "i don't consent",
        "不", "不要", "不同意", "我不同意", "不可以", "不行", "否", "不用",
    }
)  # fmt: skip

# Intents that are not an answer but something for the manager to handle.
COMMAND_INTENTS = frozenset(
    {
        "talk_to_human", "book_call", "reschedule_call", "cancel_call", "forget_me", "stop",
        "help", "bot_challenge", "greet", "thanks", "goodbye",
    }
)  # fmt: skip
# The demo classifier is sure of itself even on names ("Alice Person" is talk_to_human at
# 1.0), so a free-text answer is only doubted on these exact phrases, a question's shape,
# or a long message.
COMMAND_PHRASES = frozenset(
    {
        "hi", "hello", "hey", "hi there", "hello there", "good morning", "good afternoon",
        "good evening", "thanks", "thank you", "thanks a lot", "thank you very much", "thx",
        "bye", "goodbye", "see you", "help", "menu", "human", "agent", "a human", "a person",
        "real person", "talk to a person", "talk to a human", "talk to someone",
        "speak to a person", "speak to a human", "talk to sales", "are you a bot",
        "are you human", "are you a robot", "stop", "unsubscribe", "forget me",
        "delete my data",
        "你好", "您好", "嗨", "哈喽", "谢谢", "多谢", "谢谢你", "感谢", "再见", "拜拜", "帮助",
        "菜单", "人工", "转人工", "人工客服", "真人", "找人工", "你是机器人吗", "停止", "退订",
        "删除我的信息", "删除我的数据",
    }
)  # fmt: skip
CONFIDENT = 0.5  # enough to doubt a valid answer that is also written as a question
SURE = 0.8  # enough to treat a message that is no valid answer as a product question
VERY_SURE = 0.9  # enough, in a long message, to doubt a free-text answer


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    text = re.sub(r"[\s.!?。！？~～…]+$", "", text.strip())
    return " ".join(text.split())


# ── corrections ───────────────────────────────────────────────────────────
_EN_FIELDS = {
    "email": r"e-?mail(?: address)?|mail(?: address)?",
    "phone": r"(?:tele)?phone(?: number)?|mobile(?: number)?|cell(?: ?phone)?(?: number)?"
    r"|number",
    "name": r"(?:full |first )?name",
    "company": r"company(?: name)?|organi[sz]ation|employer",
}
_ZH_FIELDS = {
    "email": r"电子邮箱|电子邮件|邮箱地址|邮件地址|电邮|邮箱|邮件",
    "phone": r"手机号码|电话号码|联系电话|手机号|电话|手机|号码",
    "name": r"名字|姓名|称呼",
    "company": r"公司名称|公司名|公司|单位",
}
_EN_CUES = r"actually|sorry|oops|wait|correction|no|oh|ah|hmm|i mean"
_ZH_CUES = r"其实|不好意思|抱歉|对不起|更正一下|更正|不对|哦|噢|啊|等等|等一下|刚才说错了|说错了"
_EN_LEAD = rf"^(?:(?:{_EN_CUES})\b[\s,.!:;-]*)*"
_ZH_LEAD = rf"^(?:(?:{_ZH_CUES})[\s，,。！!：:]*)*"
_CUE = re.compile(rf"^(?:(?:{_EN_CUES})\b|{_ZH_CUES})", re.IGNORECASE)
_EN_PATTERNS = [
    re.compile(
        _EN_LEAD + rf"(?:my|our|the)\s+(?P<field>{alts})\s*(?:(?:is|'s|should be)\s+|[=:]\s*)"
        r"(?:actually\s+)?(?P<value>.+)$",
        re.IGNORECASE,
    )
    for alts in ["|".join(_EN_FIELDS.values())]
] + [
    re.compile(
        _EN_LEAD + rf"(?:please\s+)?(?:change|update|set)\s+(?:my|the)\s+(?P<field>{alts})\s+"
        r"to\s+(?P<value>.+)$",
        re.IGNORECASE,
    )
    for alts in ["|".join(_EN_FIELDS.values())]
]
_EN_NAME = re.compile(_EN_LEAD + r"(?:call me|i'm called|i am called)\s+(?P<value>.+)$", re.I)
_ZH_PATTERNS = [
    re.compile(
        _ZH_LEAD + rf"(?:把)?(?:我的|我们的|我|我们)?(?P<field>{'|'.join(_ZH_FIELDS.values())})"
        r"(?:应该|其实)?(?:是|为|改成|改为|换成|：|:)\s*(?P<value>.+)$"
    ),
]
_ZH_NAME = re.compile(_ZH_LEAD + r"(?:我叫|叫我|我的名字叫)\s*(?P<value>.+)$")
_TRAILING = re.compile(r"[\s.。!！,，;；\"'“”]+$")


@dataclass(frozen=True)
class Correction:
    field: str  # a form field name: name | email | phone | company
    value: str  # the text to validate as that field's answer


def parse_correction(text: str) -> Correction | None:
    """ "actually my email is jo@acme.com" -> Correction("email", "jo@acme.com")."""
    text = unicodedata.normalize("NFKC", text).strip().replace("’", "'")
    for pattern, table in [(p, _EN_FIELDS) for p in _EN_PATTERNS] + [
        (p, _ZH_FIELDS) for p in _ZH_PATTERNS
    ]:
        match = pattern.match(text)
        if match:
            field = _field_of(match.group("field"), table)
            value = _TRAILING.sub("", match.group("value")).strip("\"'“” ")
            if field and value:
                return Correction(field, value)
    for pattern in (_EN_NAME, _ZH_NAME):
        match = pattern.match(text)
        if match:
            value = _TRAILING.sub("", match.group("value"))
            if value:
                return Correction("name", value)
    return None


def correction_cue(text: str) -> bool:
    """Starts like a correction: "actually ...", "sorry, ...", "其实...", "不好意思，..."."""
    return bool(_CUE.match(unicodedata.normalize("NFKC", text).strip()))


def _field_of(word: str, table: dict[str, str]) -> str | None:
    for field, alternatives in table.items():
        if re.fullmatch(alternatives, word, re.IGNORECASE):
            return field
    return None


# ── questions in the middle of the form ──────────────────────────────────
_EN_QUESTION_START = re.compile(
    r"^(?:what|what's|whats|how|when|where|why|which|who|whose|do|does|did|can|could|is|are|"
    r"was|were|will|would|should|shall|may|have|has|any|tell me|i'd like to know|i want to know|"
    r"i wonder)"
    r"\b",
    re.IGNORECASE,
)
_ZH_QUESTION = re.compile(
    r"什么|怎么|怎样|多少|哪|几[个天周月年]|是否|能否|能不能|可不可以|有没有|是不是|为什么|为何|请问"
    r"|想知道|问一下|想问"
)
_ZH_PARTICLE = re.compile(r"[吗呢么嘛][\s。.!！]*$")


def question_shaped(text: str) -> bool:
    """Written as a question: a question mark, a question word first, 吗/呢 at the end."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    if stripped.endswith("?"):  # NFKC turns "？" into "?"
        return True
    if _ZH_QUESTION.search(stripped) or _ZH_PARTICLE.search(stripped):
        return True
    return bool(_EN_QUESTION_START.match(stripped)) and len(stripped.split()) >= 3


def is_interruption(
    text: str,
    intent: str | None,
    confidence: float,
    *,
    free_text: bool,
    valid_answer: bool,
    questions: Collection[str] = QUESTIONS,
) -> bool:
    """Whether the message is something to answer (then resume the form) rather than an answer.

    Company names look like product questions to a classifier ("Acme Shipping" is
    ask_shipping, sure), so a free-text answer is doubted only when written as a question,
    said as a known command ("talk to a person"), or long and clearly about something else.
    A message that is no valid answer anyway needs less evidence; a valid one ("5?") needs
    both shape and intent. ``questions`` are the intents another flow answers in one turn
    (the routing table's, so a business's own question intents count too).
    """
    stripped = unicodedata.normalize("NFKC", text).strip()
    shaped = question_shaped(stripped)
    command = normalize(stripped) in COMMAND_PHRASES
    interrupting = intent in questions or intent in COMMAND_INTENTS
    if free_text:
        if stripped.endswith("?"):
            return True
        if organisation_like(stripped):
            return False
        # A long statement on a question's topic is how free-text answers read ("Microsoft
        # 365 and eight Macs" at "your setup today?"): only a command interrupts unasked.
        clear = intent in COMMAND_INTENTS and confidence >= VERY_SURE
        return command or shaped or (clear and _long(stripped))
    if valid_answer:
        return shaped and interrupting and confidence >= CONFIDENT
    about_products = intent in questions and confidence >= SURE
    long_command = intent in COMMAND_INTENTS and confidence >= VERY_SURE and _long(stripped)
    return shaped or command or about_products or long_command


_QUOTE_WORDS = re.compile(r"\bquot(?:e|es|ation)\b|报价|询价|估价|报个价", re.IGNORECASE)


def asks_for_quote_again(text: str, intent: str | None, confidence: float) -> bool:
    """ "I want a quote" in the middle of the quote form (not "Acme Quotes Ltd")."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    return (
        intent == "request_quote"
        and confidence >= CONFIDENT
        and bool(_QUOTE_WORDS.search(stripped))
        and not organisation_like(stripped)
    )


def _long(text: str) -> bool:
    """Longer than a name or a company usually is."""
    words = text.split()
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return len(words) >= 5 or cjk >= 8


_ORGANISATION = re.compile(
    r"(?:\b(?:inc|ltd|llc|llp|plc|gmbh|ag|sa|sas|srl|bv|nv|oy|ab|as|kk|pty|corp|corporation|"
    r"co|company|group|holdings|partners|solutions|systems|technologies|labs|studio|agency|"
    r"university|college|school|hospital|bank|foundation)\.?"
    r"|有限公司|有限责任公司|股份公司|集团|公司|科技|大学|学院|医院|银行|事务所|工作室|研究所|研究院"
    r"|中心|协会|工厂|厂|店|酒店)$",
    re.IGNORECASE,
)


def organisation_like(text: str) -> bool:
    """Ends like a company or institution name ("Acme Shipping Ltd", "顺丰速运有限公司")."""
    return bool(_ORGANISATION.search(text.strip().rstrip(".。")))
