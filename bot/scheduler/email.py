"""The e-mail outbox: ``EmailMessage`` rows sent over SMTP with ``aiosmtplib``.

A row with an ``ics`` becomes a calendar invite: a ``text/calendar; method=...`` alternative
part (what Outlook, Gmail and Apple Mail act on) plus the same file attached as
``invite.ics``. The Message-ID is derived from the row id, so a retry after a crash carries
the same id and a mail system can recognise the duplicate.
"""

from __future__ import annotations

import re
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime

import aiosmtplib

from bot.scheduler.row_outbox import DeliveryRound, RowOutbox
from bot.settings.scheduler import EmailSettings
from channels.base import DeliveryError
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models.ops import EmailMessage

_METHOD = re.compile(r"^METHOD:(\w+)", re.MULTILINE)


def compose(row: EmailMessage, settings: EmailSettings) -> MimeMessage:
    msg = MimeMessage()
    msg["From"] = settings.sender
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Message-ID"] = f"<salesbot-email-{row.id}@{settings.domain}>"
    msg["Date"] = format_datetime(row.created_at)
    msg.set_content(row.body_text)
    if row.ics:
        found = _METHOD.search(row.ics)
        method = found.group(1) if found else "REQUEST"
        msg.add_alternative(row.ics, subtype="calendar", params={"method": method})
        msg.add_attachment(
            row.ics.encode("utf-8"), maintype="application", subtype="ics", filename="invite.ics"
        )
    return msg


class SmtpSender:
    def __init__(self, settings: EmailSettings, password: str | None = None) -> None:
        self.settings = settings
        self.password = password

    async def send(self, row: EmailMessage) -> str | None:
        s = self.settings
        message = compose(row, s)
        try:
            await aiosmtplib.send(
                message,
                hostname=s.server,
                port=s.port,
                username=s.username or None,
                password=self.password if s.username else None,
                start_tls=s.starttls and not s.use_tls,
                use_tls=s.use_tls,
                timeout=s.timeout_seconds,
            )
        except aiosmtplib.SMTPResponseException as exc:
            # 4xx is "try again later"; 5xx (bad address, refused) will not get better.
            raise DeliveryError(
                f"SMTP {exc.code}: {exc.message}", transient=400 <= exc.code < 500
            ) from exc
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc}", transient=False) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", transient=True) from exc
        return str(message["Message-ID"])


class EmailOutbox:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        sender: SmtpSender,
        *,
        max_attempts: int = 10,
        batch: int = 50,
    ) -> None:
        self.sender = sender
        self._rows = RowOutbox(
            db,
            clock,
            EmailMessage,
            sender.send,
            sent_field="sent_at",
            max_attempts=max_attempts,
            batch=batch,
        )

    async def deliver_due(self) -> DeliveryRound:
        return await self._rows.deliver_due()
