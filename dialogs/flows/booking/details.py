"""Who a booked call is with: the contact details booking.yaml ``require`` asks for.

A rep calling a customer needs a name and a way to reach them, so a new call is confirmed
only once the contact has them. What the contact already has (from the lead form, an
earlier booking, or the channel's display name) is never asked again. Answers are checked
with the lead form's validators and stored on the contact straight away, so a later
booking or quote form does not ask again either.
"""

from __future__ import annotations

from crm_store.models import Contact
from dialogs.core.turn import Turn
from dialogs.validators import Checked, check_email, check_phone, check_text

NAME, EMAIL, PHONE, EMAIL_OR_PHONE = "name", "email", "phone", "email_or_phone"


def missing(turn: Turn) -> str | None:
    """The first required detail the contact does not have yet; None when all are known."""
    contact = turn.contact
    for need in turn.content.booking.require:
        if not _known(contact, need):
            return need
    return None


def _known(contact: Contact, need: str) -> bool:
    if need == EMAIL_OR_PHONE:
        return bool(contact.email or contact.phone)
    return bool(getattr(contact, need))


def ask(turn: Turn, need: str) -> None:
    turn.say(turn.t(f"booking_ask_{need}"))


def checked(turn: Turn, need: str, text: str) -> tuple[str, Checked]:
    """The contact field an answer fills and its validated value (or why it is refused)."""
    if need == NAME:
        return NAME, check_text(text)
    regions = _regions(turn)
    if need == EMAIL:
        return EMAIL, check_email(text)
    if need == PHONE:
        return PHONE, check_phone(text, regions)
    # Either one: an "@" says which the customer meant, so the reason given fits the answer.
    if "@" in text:
        return EMAIL, check_email(text)
    phone = check_phone(text, regions)
    if phone.ok:
        return PHONE, phone
    return PHONE, Checked.invalid("booking_invalid_email_or_phone")


async def store(turn: Turn, field: str, value: str) -> None:
    """Keep the detail on the contact; a known e-mail or phone merges with its contact."""
    survivor = await turn.uow.contacts.update(turn.contact, **{field: value})
    turn.contact = survivor
    # The merge moved the conversation in SQL; keep the loaded row in step with it.
    turn.conversation.contact_id = survivor.id


def _regions(turn: Turn) -> tuple[str, ...]:
    region = turn.services.settings.business.default_phone_region
    # Mainland numbers are usually written without +86 by people writing Chinese.
    return (region, "CN") if turn.lang == "zh" and region != "CN" else (region,)
