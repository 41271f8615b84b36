"""The ``privacy:`` section of settings.yaml: retention periods and suppression.

Kept here (not in ``bot.settings.model``) so the privacy package owns its knobs; ``Settings``
carries it as ``privacy: PrivacySettings``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Periods are whole days; ``null`` (None) keeps that kind of data for good.
Days = int | None


class RetentionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # People who never became a lead: their whole record once they have been silent this long.
    transcripts_of_non_leads_days: Days = Field(default=90, ge=1)
    # People whose every lead was lost: anonymised this long after the last change.
    anonymise_lost_leads_days: Days = Field(default=730, ge=1)
    # Bodies and calendar invites of e-mails already sent (the row stays, for counts).
    sent_email_bodies_days: Days = Field(default=30, ge=1)
    # Questions the bot could not answer (the FAQ team's to-do list quotes customers).
    unanswered_questions_days: Days = Field(default=180, ge=1)
    # How long an erased person's channel identities stay blocked: late retries of their
    # old Telegram updates or Slack events are dropped instead of recreating them. Telegram
    # keeps undelivered updates for 24 hours and Slack retries within minutes; after this
    # the person can write again and starts as someone new.
    suppression_days: Days = Field(default=7, ge=1)
    # The audit log itself.
    audit_log_days: Days = Field(default=1095, ge=1)


class PrivacySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    retention: RetentionSettings = RetentionSettings()
