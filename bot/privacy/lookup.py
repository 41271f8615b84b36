"""Finding the person an operator means: ``42``, ``id:42``, an e-mail or a phone number."""

from __future__ import annotations

from sqlalchemy import func, select

from crm_store.errors import NotFound
from crm_store.models import Contact
from crm_store.uow import UnitOfWork
from dialogs.validators import check_phone


class Ambiguous(ValueError):
    pass


async def find_contact(uow: UnitOfWork, ref: str, *, regions: tuple[str, ...] = ("US",)) -> int:
    """The contact id ``ref`` names; ``NotFound`` or ``Ambiguous`` (both say what to do)."""
    ref = ref.strip()
    if ref.lower().startswith("id:"):
        ref = ref[3:].strip()
        if not ref.isdigit():
            raise NotFound("id: must be followed by a contact id, e.g. id:42")
    if ref.isdigit() and len(ref) < 7:
        if await uow.session.get(Contact, int(ref)) is None:
            raise NotFound(f"contact {ref} not found")
        return int(ref)
    if "@" in ref:
        stmt = select(Contact.id).where(func.lower(Contact.email) == ref.lower())
        what = "e-mail"
    else:
        checked = check_phone(ref, regions)
        if not checked.ok:
            raise NotFound(
                f"{ref!r} is neither a contact id, an e-mail nor a phone number "
                "(use id:<n> for a long id, or +<country code> for a phone number)"
            )
        stmt = select(Contact.id).where(Contact.phone == checked.value)
        what = "phone number"
    found = list((await uow.session.scalars(stmt.order_by(Contact.id))).all())
    if not found:
        raise NotFound(f"no contact with that {what}")
    if len(found) > 1:
        listed = ", ".join(f"id:{i}" for i in found)
        raise Ambiguous(f"{len(found)} contacts have that {what}: {listed}; name one by id")
    return int(found[0])
