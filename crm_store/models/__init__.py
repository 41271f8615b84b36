"""The CRM schema: SQLAlchemy 2 typed ORM models, one module per part of the business.

Invariants that must hold under concurrency live in the database, not only in Python:
unique channel identities, unique channel message ids (the duplicate guard), one open
conversation per address, one response per survey question, and non-overlapping follow-ups
(an exclusion constraint on PostgreSQL, triggers on SQLite; see the initial migration).

Importing this package registers every table on ``Base.metadata`` (Alembic, tests).
"""

from crm_store.models.api import (
    ApiToken,
    DeliveryState,
    EventCursor,
    TokenRole,
    WebhookDelivery,
)
from crm_store.models.base import (
    ACTIVE_FOLLOW_UP,
    Base,
    ConversationStatus,
    Delivery,
    Direction,
    FollowUpStatus,
    Id,
    LeadStatus,
    Role,
    SurveyKind,
    TaskState,
)
from crm_store.models.conversations import (
    Conversation,
    Message,
)
from crm_store.models.ops import (
    EmailMessage,
    SlackCard,
    StaffMessage,
    Suppression,
    User,
)
from crm_store.models.people import (
    ChannelIdentity,
    Contact,
    Lead,
    LeadTransition,
    Rep,
)
from crm_store.models.records import (
    AuditLog,
    Consent,
    DomainEvent,
    UnansweredQuestion,
)
from crm_store.models.work import (
    FollowUp,
    ScheduledTask,
    SurveyRequest,
    SurveyResponse,
)

__all__ = [
    "ACTIVE_FOLLOW_UP",
    "ApiToken",
    "AuditLog",
    "Base",
    "ChannelIdentity",
    "Consent",
    "Contact",
    "Conversation",
    "ConversationStatus",
    "Delivery",
    "DeliveryState",
    "Direction",
    "DomainEvent",
    "EmailMessage",
    "EventCursor",
    "FollowUp",
    "FollowUpStatus",
    "Id",
    "Lead",
    "LeadStatus",
    "LeadTransition",
    "Message",
    "Rep",
    "Role",
    "ScheduledTask",
    "SlackCard",
    "StaffMessage",
    "Suppression",
    "SurveyKind",
    "SurveyRequest",
    "SurveyResponse",
    "TaskState",
    "TokenRole",
    "UnansweredQuestion",
    "User",
    "WebhookDelivery",
]
