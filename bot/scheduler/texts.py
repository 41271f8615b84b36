"""Texts of scheduled messages: to customers, to staff, and e-mail.

A business may override any of them in ``config/texts/<lang>.yaml`` under the same key.
They are built in (not in those files) because some callers may run without loaded
content (``record_outcome``'s ``content`` is optional). Placeholders in {curly braces} are
filled in at send time.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, dict[str, str]] = {
    "en": {
        # To customers (chat)
        "survey_reminder": "A quick reminder — we'd love to hear how we did. {question}",
        "followup_missed_customer": (
            "Sorry we missed each other for your call with {rep}. Would you like to pick a new "
            "time?"
        ),
        "followup_rebook_customer": (
            "{rep} asked to move your call. Please pick a new time that suits you."
        ),
        # To staff
        "staff_reminder": "Reminder: your call with {customer} is on {when}.",
        "staff_followup_check": "Did your call with {customer} on {when} take place?",
        "staff_button_done": "Done",
        "staff_button_noshow": "No-show",
        "staff_button_reschedule": "Reschedule",
        "staff_button_claim": "Claim",
        "staff_handoff_reannounce": (
            "Still waiting for a rep: {customer} asked for a person {minutes} min ago."
        ),
        "staff_handoff_escalate": (
            "Escalation: {customer} has waited {minutes} min for a rep and nobody has claimed "
            "the conversation."
        ),
        "staff_handoff_after_hours": (
            "Nobody is working right now: {customer} was told to expect an answer {when}."
        ),
        "staff_detractor": "Detractor alert: {customer} answered the survey with {scores}.",
        "staff_detractor_comment": "Comment: “{comment}”",
        "staff_field_customer": "Customer",
        "staff_field_when": "When",
        "staff_field_email": "E-mail",
        "staff_field_phone": "Phone",
        "staff_field_company": "Company",
        "staff_field_conversation": "Conversation",
        # E-mail
        "email_booked_subject": "Your call with {business}: {when}",
        "email_booked_body": (
            "Hello {name},\n\nyour call with {rep} from {business} is booked for {when}.\n"
            "The invitation is attached — add it to your calendar.\n\n"
            "To move or cancel it, just tell us in the chat (“reschedule” or “cancel my "
            "call”).\n\n{business}"
        ),
        "email_rescheduled_subject": "Your call with {business} has moved: {when}",
        "email_rescheduled_body": (
            "Hello {name},\n\nyour call with {rep} from {business} has moved to {when}.\n"
            "The updated invitation is attached.\n\n{business}"
        ),
        "email_cancelled_subject": "Your call with {business} is cancelled",
        "email_cancelled_body": (
            "Hello {name},\n\nyour call with {rep} from {business} on {when} is cancelled.\n"
            "If you'd like a new time, just write to us in the chat.\n\n{business}"
        ),
        "email_reminder_subject": "Reminder: your call with {business} on {when}",
        "email_reminder_body": (
            "Hello {name},\n\nthis is a reminder of your call with {rep} from {business} on "
            "{when}.\nIf the time no longer works, tell us in the chat (“reschedule”).\n\n"
            "{business}"
        ),
        "email_there": "there",
        "button_book_call": "Book a call",
        "outcome_done": "Marked as done. {lead_note}The customer gets the survey in {minutes} min.",
        "outcome_done_no_survey": "Marked as done. {lead_note}",
        "outcome_lead_note": "Lead stage: {status}. ",
        "outcome_no_show": "Marked as a no-show. The customer was offered a new time.",
        "outcome_reschedule": "The call is off; the customer was asked to pick a new time.",
        "outcome_already": "Already recorded: this call is {status}.",
        "ics_summary": "Call with {rep} ({business})",
        "ics_location": "Phone or video call — {rep} will contact you",
    },
    "zh": {
        "survey_reminder": "温馨提醒：我们很想听听您的评价。{question}",
        "followup_missed_customer": "很抱歉，您与 {rep} 的通话未能进行。要重新选择一个时间吗？",
        "followup_rebook_customer": "{rep} 需要调整您的通话时间，请选择一个方便的新时间。",
        "staff_reminder": "提醒：您与 {customer} 的通话安排在 {when}。",
        "staff_followup_check": "您与 {customer} 在 {when} 的通话进行了吗？",
        "staff_button_done": "已完成",
        "staff_button_noshow": "客户未出席",
        "staff_button_reschedule": "改期",
        "staff_button_claim": "接手",
        "staff_handoff_reannounce": (
            "仍在等待销售代表：{customer} 在 {minutes} 分钟前请求人工服务。"
        ),
        "staff_handoff_escalate": "升级：{customer} 已等待 {minutes} 分钟，仍无人接手该对话。",
        "staff_handoff_after_hours": "当前无人值班：已告知 {customer} 预计在 {when} 得到答复。",
        "staff_detractor": "差评提醒：{customer} 的调查结果为 {scores}。",
        "staff_detractor_comment": "评论：“{comment}”",
        "staff_field_customer": "客户",
        "staff_field_when": "时间",
        "staff_field_email": "邮箱",
        "staff_field_phone": "电话",
        "staff_field_company": "公司",
        "staff_field_conversation": "对话",
        "email_booked_subject": "您与 {business} 的通话：{when}",
        "email_booked_body": (
            "{name}，您好：\n\n您与 {business} 的 {rep} 的通话已预约在 {when}。\n"
            "附件为日历邀请，可添加到您的日历。\n\n如需改期或取消，请在聊天中告诉我们"
            "（“改期”或“取消通话”）。\n\n{business}"
        ),
        "email_rescheduled_subject": "您与 {business} 的通话已改期：{when}",
        "email_rescheduled_body": (
            "{name}，您好：\n\n您与 {business} 的 {rep} 的通话已改到 {when}。\n"
            "附件为更新后的日历邀请。\n\n{business}"
        ),
        "email_cancelled_subject": "您与 {business} 的通话已取消",
        "email_cancelled_body": (
            "{name}，您好：\n\n您与 {business} 的 {rep} 在 {when} 的通话已取消。\n"
            "如需重新预约，请在聊天中告诉我们。\n\n{business}"
        ),
        "email_reminder_subject": "提醒：您与 {business} 的通话在 {when}",
        "email_reminder_body": (
            "{name}，您好：\n\n提醒您：您与 {business} 的 {rep} 的通话安排在 {when}。\n"
            "如时间不便，请在聊天中回复“改期”。\n\n{business}"
        ),
        "email_there": "客户",
        "button_book_call": "预约通话",
        "outcome_done": "已标记为完成。{lead_note}客户将在 {minutes} 分钟后收到满意度调查。",
        "outcome_done_no_survey": "已标记为完成。{lead_note}",
        "outcome_lead_note": "线索阶段：{status}。",
        "outcome_no_show": "已标记为客户未出席，并请客户重新选择时间。",
        "outcome_reschedule": "本次通话已取消，并请客户选择新的时间。",
        "outcome_already": "已记录：该通话状态为 {status}。",
        "ics_summary": "与 {rep} 的通话（{business}）",
        "ics_location": "电话或视频通话——{rep} 会联系您",
    },
}


def text(content: Any, key: str, lang: str, **values: Any) -> str:
    """The business's text for ``key`` if its texts files have one, else the default."""
    texts = getattr(content, "texts", {}) if content is not None else {}
    template = (
        texts.get(lang, {}).get(key)
        or DEFAULTS.get(lang, {}).get(key)
        or texts.get("en", {}).get(key)
        or DEFAULTS["en"][key]
    )
    if content is not None:  # like Content.text: every text may name the business
        values = {"business": getattr(content, "business", ""), **values}
        catalog = getattr(content, "catalog", None)
        if catalog is not None and "products" not in values:
            values["products"] = catalog.names(lang)
    return template.format(**values) if values else template
