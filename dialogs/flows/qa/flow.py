"""Product Q&A: prices, features, availability, comparisons and FAQ answers, and the fallback.

Q&A is never the active flow: every question is answered in one turn. What it remembers
between turns lives in ``DialogState``: ``last_product`` (so "and how much is it?" refers to
the product of the previous answer) and the consecutive-fallback counter.

Buttons: ``qa:faq:<key>`` answers an FAQ entry (``faq_key``: the id, or a digest of a long
one, so the payload fits Telegram's 64 bytes); ``qa:product:<id>`` gives a product overview,
``qa:product:<id>:<aspect>`` one aspect (price, features, availability, compare), and
``qa:product:<id>:compare:<other>`` compares ``<other>`` with ``<id>``.

When unsure (nothing confident enough): the first time the customer is asked to rephrase and
offered the closest FAQ topics, then offered a sales rep, and at
``handoff.fallbacks_before_handoff`` consecutive misses handed to a rep (``turn.switch_to``
the ``handoff`` flow, by name). Every miss is recorded as an unanswered question for whoever
maintains the FAQ.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from dialogs.core.content import FaqEntry, Product, faq_key
from dialogs.core.flow import Outcome
from dialogs.core.menu import next_steps
from dialogs.core.turn import Turn
from dialogs.core.types import Button
from dialogs.flows.qa import answers as qa_answers
from dialogs.flows.qa import facts
from dialogs.flows.qa.answers import ASPECTS, Aspect
from dialogs.knowledge.index import CONFIDENT, TOPIC_CONFIDENT, Hit, KnowledgeBase
from dialogs.knowledge.text import is_follow_up, refers_back

PRODUCT_ASPECTS: dict[str, Aspect] = {
    "ask_price": "price",
    "ask_features": "features",
    "ask_availability": "availability",
    "compare_products": "compare",
}
TOPICS = {
    "ask_shipping": "shipping",
    "ask_returns": "returns",
    "ask_payment": "payment",
    "ask_warranty": "warranty",
}
REPHRASE_TOPICS = 3
# Below this NLU confidence, a "product question" that names no product and matches nothing
# in the knowledge base is treated as out of scope.
SURE_INTENT = 0.8


class QaFlow:
    name: ClassVar[str] = "qa"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        if self._answer_fact(turn, _named(turn)):  # "is there a setup fee for Managed IT?"
            return Outcome.DONE
        # A business's own intent names say what they ask through options (intents.yaml:
        # ``ask_rates: {start: qa, aspect: price}``, ``ask_billing: {start: qa, topic: billing}``).
        aspect = options.get("aspect") or PRODUCT_ASPECTS.get(turn.intent or "")
        if aspect in ASPECTS:
            await self._product_question(turn, cast(Aspect, aspect), _named(turn))
            return Outcome.DONE
        kb = _kb(turn)
        topic = options.get("topic") or TOPICS.get(turn.intent or "")
        on_topic = kb.search(turn.text, turn.lang, topic=topic) if topic else []
        general = kb.search(turn.text, turn.lang)
        # The intent's topic first; then anything confident (the classifier may have picked
        # the wrong topic: "is Cloud cheaper if we pay annually?" is pricing, not payment);
        # then the best entry of the intent's topic at the lower bar.
        for hits, bar in ((on_topic, CONFIDENT), (general, CONFIDENT), (on_topic, TOPIC_CONFIDENT)):
            if hits and hits[0].score >= bar:
                self._answer_hit(turn, hits[0])
                return Outcome.DONE
        named = _named(turn)
        if named:
            self._answer_products(turn, "overview", named)
            return Outcome.DONE
        await self._fallback(turn, on_topic or general)
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        parts = (turn.payload or "").split(":")
        kb = _kb(turn)
        if len(parts) == 3 and parts[1] == "faq":
            entry = turn.content.faq.entry(parts[2])
            if entry is not None:
                self._answer_faq(turn, entry)
            else:  # a stale button: the entry was removed from config since it was sent
                turn.say(turn.t("help_menu"), next_steps(turn))
            return Outcome.DONE
        if len(parts) >= 3 and parts[1] == "product":
            product = kb.product(parts[2])
            aspect = parts[3] if len(parts) > 3 else "overview"
            if product is not None and aspect in ASPECTS:
                other = kb.product(parts[4]) if len(parts) > 4 else None
                products = [other, product] if other and other.id != product.id else [product]
                self._answer_about(turn, cast(Aspect, aspect), products, None)
                return Outcome.DONE
        # A stale or malformed button (e.g. a product removed from config since it was sent).
        self._ask_which(turn, "overview")
        return Outcome.DONE

    async def reprompt(self, turn: Turn) -> None:
        return None

    # ── product questions ─────────────────────────────────────────────────
    async def _product_question(self, turn: Turn, aspect: Aspect, named: list[Product]) -> None:
        kb = _kb(turn)
        last = kb.product(turn.state.last_product or "")
        if named:
            if not self._answer_faq_about(turn, named):
                self._answer_about(turn, aspect, named, last)
            return
        if not is_follow_up(turn.text):
            # A product described rather than named ("白板有货吗": the whiteboard, not an
            # alias); then an FAQ entry ("do you have volume discounts?").
            products = kb.search(turn.text, turn.lang, 1, kind="product")
            if products and products[0].confident:
                product = kb.product(products[0].id)
                assert product is not None
                self._answer_about(turn, aspect, [product], last)
                return
            hits = kb.search(turn.text, turn.lang, kind="faq")
            if hits and hits[0].confident:
                self._answer_hit(turn, hits[0])
                return
            if turn.nlu.confidence < SURE_INTENT:
                # No product, nothing found and a hesitant classifier: more likely out of
                # scope ("who won the match?") than a product question.
                await self._fallback(turn, hits)
                return
        if last is None:
            self._ask_which(turn, aspect)
        elif aspect == "compare":
            self._ask_compare_with(turn, last)
        else:
            self._answer_products(turn, aspect, [last])

    def _answer_faq_about(self, turn: Turn, named: list[Product]) -> bool:
        """Answer with an FAQ entry about exactly these products, if one fits better than the
        catalog ("Is Cloud cheaper if we pay annually?"). Product names themselves do not
        count, and neither do words that only say what is asked ("多少钱")."""
        kb = _kb(turn)
        rest = _without_products(kb, turn.text)
        if is_follow_up(rest):
            return False
        hits = kb.search(rest, turn.lang, 1, kind="faq", about=[p.id for p in named])
        if hits and hits[0].confident:
            self._answer_hit(turn, hits[0])
            return True
        return False

    def _answer_about(
        self, turn: Turn, aspect: Aspect, products: list[Product], last: Product | None
    ) -> None:
        if aspect == "compare" and len(products) == 1:
            # "Compare it with the Speak" compares with the previous product; "how does the
            # Bar compare?" needs to know with what.
            if last is None or last.id == products[0].id or not refers_back(turn.text):
                self._ask_compare_with(turn, products[0])
                return
            products = [last, products[0]]
        self._answer_products(turn, aspect, products)

    def _answer_products(self, turn: Turn, aspect: Aspect, products: list[Product]) -> None:
        turn.say(qa_answers.answer(turn, aspect, products), next_steps(turn))
        turn.state.last_product = products[-1].id
        _answered(turn)

    def _ask_which(self, turn: Turn, aspect: Aspect) -> None:
        suffix = "" if aspect == "overview" else f":{aspect}"
        buttons = [
            Button(qa_answers.name(turn, p), f"qa:product:{p.id}{suffix}")
            for p in turn.content.catalog.products
        ]
        turn.say(turn.t("product_which"), buttons)
        _answered(turn)

    def _ask_compare_with(self, turn: Turn, product: Product) -> None:
        buttons = [
            Button(qa_answers.name(turn, p), f"qa:product:{p.id}:compare:{product.id}")
            for p in turn.content.catalog.products
            if p.id != product.id
        ]
        turn.say(turn.t("compare_which", product=qa_answers.name(turn, product)), buttons)
        turn.state.last_product = product.id
        _answered(turn)

    def _answer_fact(self, turn: Turn, named: list[Product]) -> bool:
        """A product's own fact, when the message asks about one (of a named product, or
        else of the product talked about last)."""
        last = _kb(turn).product(turn.state.last_product or "")
        found = facts.asked(turn.text, turn.lang, named or ([last] if last else []))
        if found is None:
            return False
        product, fact = found
        text = turn.t(
            "product_fact", product=qa_answers.name(turn, product), fact=fact.get(turn.lang)
        )
        turn.say(text, next_steps(turn))
        turn.state.last_product = product.id
        _answered(turn)
        return True

    # ── FAQ answers ───────────────────────────────────────────────────────
    def _answer_hit(self, turn: Turn, hit: Hit) -> None:
        kb = _kb(turn)
        if hit.kind == "product":
            product = kb.product(hit.id)
            assert product is not None
            self._answer_products(turn, "overview", [product])
            return
        entry = kb.faq_entry(hit.id)
        assert entry is not None
        self._answer_faq(turn, entry)

    def _answer_faq(self, turn: Turn, entry: FaqEntry) -> None:
        turn.say(entry.answer.get(turn.lang), next_steps(turn))
        if len(entry.products) == 1:  # "how is the Board delivered?" -> "and its price?"
            turn.state.last_product = entry.products[0]
        _answered(turn)

    # ── when unsure ───────────────────────────────────────────────────────
    async def _fallback(self, turn: Turn, hits: list[Hit]) -> None:
        state = turn.state
        state.fallbacks += 1
        if turn.text.strip():  # a sticker or a photo is no question for the FAQ team
            await turn.uow.unanswered.record(
                conversation_id=turn.conversation.id,
                text=turn.text,
                language=turn.lang,
                best_guess=hits[0].id if hits else turn.intent,
                message_id=None,
            )
        limit = turn.services.settings.handoff.fallbacks_before_handoff
        if state.fallbacks >= limit:
            turn.switch_to("handoff", reason="fallbacks")
            # Outside working hours the customer was offered a booking instead; start the
            # count again rather than repeating that offer on every further miss.
            state.fallbacks, state.rephrase_asked = 0, False
        elif state.fallbacks == 1:
            turn.say(turn.t("fallback_rephrase"), self._closest_topics(turn))
            state.rephrase_asked = True
        else:
            turn.say(
                turn.t("fallback_offer_rep"),
                (turn.button("button_talk_to_sales", "handoff:request"),),
            )

    def _closest_topics(self, turn: Turn) -> list[Button]:
        hits = _kb(turn).search(turn.text, turn.lang, REPHRASE_TOPICS, kind="faq")
        entries = [e for h in hits if (e := _kb(turn).faq_entry(h.id)) is not None]
        if not entries:  # nothing in common at all: one entry from each of the first topics
            seen: dict[str, FaqEntry] = {}
            for entry in turn.content.faq.entries:
                seen.setdefault(entry.topic, entry)
            entries = list(seen.values())[:REPHRASE_TOPICS]
        return [Button(e.question.get(turn.lang), f"qa:faq:{faq_key(e.id)}") for e in entries]


def _kb(turn: Turn) -> KnowledgeBase:
    return turn.services.knowledge


def _named(turn: Turn) -> list[Product]:
    """Products the message names: the knowledge base's matcher, then the NLU's entities."""
    kb = _kb(turn)
    found = [(m.start, m.product_id) for m in kb.mentions(turn.text)]
    found += [(e.start, e.value) for e in turn.nlu.entities if e.label == "product"]
    products: dict[str, Product] = {}
    for _, product_id in sorted(found, key=lambda f: f[0]):
        product = kb.product(str(product_id))
        if product is not None:
            products.setdefault(product.id, product)
    return list(products.values())


def _without_products(kb: KnowledgeBase, text: str) -> str:
    for mention in reversed(kb.mentions(text)):
        text = text[: mention.start] + " " + text[mention.end :]
    return text


def _answered(turn: Turn) -> None:
    turn.state.fallbacks = 0
    turn.state.rephrase_asked = False
