"""``bot:`` checks on the latest turn, and the picture of a turn a failure shows.

A failure says what the story expected in one line and what actually happened, as an author
would want to see it to fix either the story or the bot: every reply with its buttons, the
active flow and the conversation's status.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.stories.model import NOTHING, Check
from bot.stories.recorder import Sent
from bot.stories.stage import Stage
from crm_store.models import Conversation, Direction, Message
from dialogs.core.state import DialogState


class StepFailed(Exception):
    def __init__(self, expected: str, actual: tuple[str, ...] = ()) -> None:
        super().__init__(expected)
        self.expected = expected
        self.actual = actual


async def check_turn(
    world: Stage, turn: list[Sent], conversation_id: int | None, check: Check
) -> None:
    problems = _reply_problems(turn, check)
    if check.flow is not None or check.status is not None or check.intent is not None:
        conversation = await _conversation(world, conversation_id)
        if check.flow is not None:
            flow = DialogState.from_json(conversation.state if conversation else None).flow
            if (flow or NOTHING) != check.flow:
                problems.append(f"active flow {_name(check.flow)}, not {_name(flow)}")
        if check.status is not None:
            status = conversation.status if conversation else None
            if status != check.status:
                problems.append(f"conversation status {check.status}, not {status}")
        if check.intent is not None:
            intent = await _last_intent(world, conversation_id)
            if (intent or NOTHING) != check.intent:
                problems.append(f"intent {_name(check.intent)}, not {_name(intent)}")
    if problems:
        actual = await describe_turn(world, turn, conversation_id)
        raise StepFailed("bot: expected " + "; ".join(problems), actual)


def _reply_problems(turn: list[Sent], check: Check) -> list[str]:
    problems: list[str] = []
    text = "\n".join(s.reply.text for s in turn)
    if check.silent and turn:
        problems.append("no reply")
    if (check.contains or check.buttons) and not turn:
        problems.append("a reply")
        return problems
    missing = [part for part in check.contains if part not in text]
    if missing:
        problems.append("a reply containing " + ", ".join(f'"{m}"' for m in missing))
    present = [part for part in check.not_contains if part in text]
    if present:
        problems.append("no reply containing " + ", ".join(f'"{p}"' for p in present))
    titles = {b.title for s in turn for b in (*s.reply.buttons, *s.reply.quick_replies)}
    absent = [title for title in check.buttons if title not in titles]
    if absent:
        problems.append("buttons " + ", ".join(f"[{t}]" for t in absent))
    return problems


async def describe_turn(
    world: Stage, turn: list[Sent], conversation_id: int | None
) -> tuple[str, ...]:
    """The turn as lines: who said what, the buttons, then the flow and status after it."""
    lines: list[str] = []
    for sent in turn:
        said = sent.reply.text.replace("\n", "\n     ")
        lines.append(f'{sent.role}: "{said}"')
        buttons = [*sent.reply.buttons, *sent.reply.quick_replies]
        if buttons:
            lines.append("     buttons: " + " ".join(f"[{b.title}]" for b in buttons))
    if not turn:
        lines.append("(no reply)")
    conversation = await _conversation(world, conversation_id)
    if conversation is not None:
        state = DialogState.from_json(conversation.state)
        flow = f"{state.flow} (step {state.step})" if state.flow and state.step else state.flow
        lines.append(f"active flow: {flow or 'none'}; conversation: {conversation.status}")
    return tuple(lines)


async def _conversation(world: Stage, conversation_id: int | None) -> Conversation | None:
    if conversation_id is None:
        return None
    async with world.uow() as uow:
        return await uow.session.get(Conversation, conversation_id)


async def _last_intent(world: Stage, conversation_id: int | None) -> str | None:
    if conversation_id is None:
        return None
    async with world.uow() as uow:
        stmt = (
            select(Message.intent)
            .where(Message.conversation_id == conversation_id, Message.direction == Direction.IN)
            .order_by(Message.seq.desc())
            .limit(1)
        )
        return (await uow.session.execute(stmt)).scalar_one_or_none()


def _name(value: str | None) -> str:
    return value or "none"
