"""The unit of work: one transaction, every repository on the same session.

async with UnitOfWork(db, clock) as uow:
    contact = await uow.contacts.get_or_create_for_identity("telegram", "42")
    ...
# committed here; rolled back if the block raised
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from crm_store.clock import Clock, SystemClock
from crm_store.database import Database
from crm_store.repositories.audit import AuditRepository
from crm_store.repositories.consents import ConsentRepository
from crm_store.repositories.contacts import ContactRepository
from crm_store.repositories.conversations import ConversationRepository
from crm_store.repositories.events import EventRepository
from crm_store.repositories.follow_ups import FollowUpRepository
from crm_store.repositories.leads import LeadRepository
from crm_store.repositories.messages import MessageRepository
from crm_store.repositories.personal_data import PersonalDataRepository
from crm_store.repositories.reps import RepRepository
from crm_store.repositories.surveys import SurveyRepository
from crm_store.repositories.tasks import TaskRepository
from crm_store.repositories.unanswered import UnansweredRepository


class UnitOfWork:
    session: AsyncSession
    contacts: ContactRepository
    leads: LeadRepository
    conversations: ConversationRepository
    messages: MessageRepository
    reps: RepRepository
    follow_ups: FollowUpRepository
    surveys: SurveyRepository
    tasks: TaskRepository
    consents: ConsentRepository
    audit: AuditRepository
    unanswered: UnansweredRepository
    personal_data: PersonalDataRepository
    events: EventRepository

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self._db = db
        self.clock = clock or SystemClock()

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._db.session()
        await self.session.begin()
        s, c = self.session, self.clock
        self.contacts = ContactRepository(s, c)
        self.leads = LeadRepository(s, c)
        self.conversations = ConversationRepository(s, c)
        self.messages = MessageRepository(s, c)
        self.reps = RepRepository(s, c)
        self.follow_ups = FollowUpRepository(s, c)
        self.surveys = SurveyRepository(s, c)
        self.tasks = TaskRepository(s, c)
        self.consents = ConsentRepository(s, c)
        self.audit = AuditRepository(s, c)
        self.unanswered = UnansweredRepository(s, c)
        self.personal_data = PersonalDataRepository(s, c)
        self.events = EventRepository(s, c)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                await self.session.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()
