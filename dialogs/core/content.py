"""What a business edits in ``config/``: catalog, FAQ, texts, lead form, survey, booking, reps,
and which intent does what (``intents.yaml``).

Loaded once at start into frozen models; every problem is reported as
``<file>: <key>: <what is wrong>`` before anything starts serving.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from dialogs.core.behaviours import Behaviours, load_behaviours
from dialogs.core.catalog import Catalog, Fact, Plan, Product
from dialogs.core.config import ConfigError, load_model, read_yaml
from dialogs.core.schema import LANGS, Lang, Localized, LocalizedList, Strict, unique
from dialogs.core.settings import check_timezone
from dialogs.core.wording import default_text, text_problems

# Re-exported: content is where flows look for the catalog's and the FAQ's types.
__all__ = [
    "LANGS",
    "Catalog",
    "Content",
    "Fact",
    "FaqEntry",
    "Lang",
    "Localized",
    "LocalizedList",
    "Plan",
    "Product",
    "faq_key",
    "load_content",
]
_Model = Strict
_unique = unique
# A button must fit Telegram's 64 bytes of callback data ("qa:faq:" + key): an id longer
# than this is sent as "~" + a digest, found again among the FAQ's ids.
FAQ_KEY_LIMIT = 40


def faq_key(entry_id: str) -> str:
    """The short, stable stand-in for an FAQ entry's id in button payloads."""
    if len(entry_id) <= FAQ_KEY_LIMIT:
        return entry_id
    return "~" + hashlib.sha256(entry_id.encode("utf-8")).hexdigest()[:12]


class FaqEntry(_Model):
    # Any length: buttons carry ``faq_key(id)``, which is short.
    id: str = Field(pattern=r"^[a-z0-9_-]+$", max_length=200)
    topic: str
    question: Localized
    alternatives: LocalizedList = LocalizedList()
    answer: Localized
    products: tuple[str, ...] = ()


class Faq(_Model):
    entries: tuple[FaqEntry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Faq:
        _unique([e.id for e in self.entries], "entries")
        _unique([faq_key(e.id) for e in self.entries], "entries (digest of a long id)")
        return self

    def entry(self, key: str) -> FaqEntry | None:
        """The entry whose id or ``faq_key`` is ``key`` (a button's payload)."""
        return next((e for e in self.entries if key in (e.id, faq_key(e.id))), None)


class Choice(_Model):
    value: str
    label: Localized


# Where a form field's answer is copied besides the lead's answers (#16): the contact's
# columns or the lead's own value and product, whatever the business calls the field.
MapsTo = Literal["estimated_value", "product_interest", "company", "name", "email", "phone"]
# Before ``maps_to``, only these names filled the lead's columns; they still do.
_LEGACY_NAMES: dict[str, str] = {"estimated_value": "budget"}
# A value only fits a column of its kind: an e-mail field cannot fill the phone.
_MAPS_TO_VALIDATORS: dict[str, tuple[str, ...]] = {
    "estimated_value": ("number",),
    "email": ("email",),
    "phone": ("phone",),
}


class AskIf(_Model):
    """Ask a question only when an earlier answer is this value (or, for several choices,
    includes it)."""

    field: str
    equals: str | int | float


class FormField(_Model):
    name: str = Field(pattern=r"^[a-z_]+$")
    validator: Literal["text", "email", "phone", "choice", "number"]
    required: bool = True
    prompt: Localized
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    maps_to: MapsTo | None = None
    ask_if: AskIf | None = None

    @model_validator(mode="after")
    def _choices_for_choice(self) -> FormField:
        if self.validator == "choice" and not self.choices:
            raise ValueError(f"field {self.name!r} uses validator 'choice' but has no choices")
        fits = _MAPS_TO_VALIDATORS.get(self.maps_to or "")
        if fits and self.validator not in fits:
            raise ValueError(
                f"maps_to: {self.maps_to!r} needs validator {' or '.join(fits)}, "
                f"not {self.validator!r}"
            )
        return self


class ScoringRule(_Model):
    field: str
    op: Literal["eq", "ne", "gte", "lte", "gt", "lt", "present", "in"]
    value: str | float | int | list[str] | None = None
    points: int


class Scoring(_Model):
    threshold: int = Field(ge=0)
    rules: tuple[ScoringRule, ...] = ()


class ConsentText(_Model):
    purpose: str
    text: Localized


class LeadForm(_Model):
    consent: ConsentText
    fields: tuple[FormField, ...] = Field(min_length=1)
    scoring: Scoring

    @model_validator(mode="after")
    def _rules_name_fields(self) -> LeadForm:
        names = [f.name for f in self.fields]
        _unique(names, "fields")
        for i, rule in enumerate(self.scoring.rules):
            if rule.field not in names:
                raise ValueError(f"scoring.rules.{i}.field: no form field named {rule.field!r}")
        for i, form_field in enumerate(self.fields):
            condition = form_field.ask_if
            # Only an earlier question: a later one is not answered yet when this is asked.
            if condition is not None and condition.field not in names[:i]:
                raise ValueError(
                    f"fields.{i}.ask_if.field: no earlier form field named {condition.field!r}"
                )
        seen: set[str] = set()
        for i, form_field in enumerate(self.fields):
            target = form_field.maps_to
            if target in seen:  # the later one is the mistake in a form read top-down
                raise ValueError(f"fields.{i}.maps_to: more than one field maps to {target!r}")
            if target:
                seen.add(target)
        return self

    def field_for(self, target: str) -> FormField | None:
        """The field whose answer fills ``target`` (a contact or lead column): the one that
        says ``maps_to: target``, else the one named so (or by its old name, ``budget``)."""
        for form_field in self.fields:
            if form_field.maps_to == target:
                return form_field
        names = (target, _LEGACY_NAMES.get(target, target))
        for form_field in self.fields:
            # A field mapped elsewhere keeps its name to itself: no double duty.
            if form_field.name in names and form_field.maps_to in (None, target):
                return form_field
        return None


class SurveyQuestion(_Model):
    id: str
    kind: Literal["csat", "nps", "comment"]
    prompt: Localized
    optional: bool = False


class Survey(_Model):
    questions: tuple[SurveyQuestion, ...] = Field(min_length=1)
    answer_words: dict[Lang, dict[str, int]] = {}
    csat_labels: dict[Lang, tuple[str, str, str, str, str]] = {}


class Booking(_Model):
    slot_minutes: int = Field(default=30, ge=5, le=480)
    min_notice_minutes: int = Field(default=120, ge=0)
    buffer_minutes: int = Field(default=10, ge=0)
    horizon_days: int = Field(default=14, ge=1, le=90)
    slots_offered: int = Field(default=3, ge=1, le=10)
    reminder_offsets_minutes: tuple[int, ...] = (1440, 15)
    # Contact details asked before a new call is confirmed, unless the contact already has
    # them (from the lead form, an earlier booking, or the channel's display name).
    require: tuple[Literal["name", "email", "phone", "email_or_phone"], ...] = (
        "name",
        "email_or_phone",
    )


_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class RepConfig(_Model):
    name: str
    email: str
    slack_user_id: str | None = None
    timezone: str
    languages: tuple[Lang, ...] = ("en",)
    working_hours: dict[Weekday, tuple[str, ...]] = {}

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for day, spans in value.items():
            for span in spans:
                if not _HOURS.match(span) or span[:5] >= span[6:]:
                    raise ValueError(f"{day}: {span!r} is not a span like '09:00-17:00'")
        return value


class Reps(_Model):
    reps: tuple[RepConfig, ...] = ()


@dataclass(frozen=True)
class Content:
    catalog: Catalog
    faq: Faq
    texts: dict[str, dict[str, str]]  # lang -> key -> text
    lead_form: LeadForm
    survey: Survey
    booking: Booking
    reps: Reps
    # intents.yaml: the business's intent names -> behaviours (none: the built-in routes).
    behaviours: Behaviours = Behaviours()
    business: str = ""  # settings' business.name, for {business} in every text

    def text(self, key: str, lang: str, **values: object) -> str:
        template = (
            self.texts.get(lang, {}).get(key)
            or self.texts.get("en", {}).get(key)
            or default_text(key, lang)
        )
        # Every text may name the business and what it sells: a new business renames itself
        # in settings.yaml and its catalog, never in each text.
        shared = {"business": self.business, "products": self.catalog.names(lang)}
        return template.format(**(shared | values))


def load_texts(config_dir: Path) -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        path = config_dir / "texts" / f"{lang}.yaml"
        data = read_yaml(path)
        for key, value in data.items():
            if not isinstance(value, str):
                raise ConfigError(str(path), str(key), "must be a text")
        for key, problem in text_problems(data):
            # A text the bot asks for mid-conversation must not fail there: refuse to start.
            raise ConfigError(str(path), key, problem)
        texts[lang] = {str(k): v for k, v in data.items()}
    missing = set(texts["en"]) ^ set(texts["zh"])
    if missing:
        key = sorted(missing)[0]
        where = "zh" if key in texts["en"] else "en"
        raise ConfigError(
            str(config_dir / "texts" / f"{where}.yaml"),
            key,
            "missing (en and zh need the same keys)",
        )
    return texts


def load_content(config_dir: Path | str, business: str | None = None) -> Content:
    """``business`` is the name ``{business}`` says; by default settings.yaml's (the shell
    passes its own, which may come from an environment override)."""
    config_dir = Path(config_dir)
    if business is None:
        settings = config_dir / "settings.yaml"
        section = read_yaml(settings).get("business") if settings.is_file() else None
        name = section.get("name") if isinstance(section, dict) else None
        business = name if isinstance(name, str) else ""
    booking_path = config_dir / "booking.yaml"
    faq = load_model(Faq, config_dir / "catalog" / "faq.yaml")
    return Content(
        catalog=load_model(Catalog, config_dir / "catalog" / "products.yaml"),
        faq=faq,
        texts=load_texts(config_dir),
        lead_form=load_model(LeadForm, config_dir / "lead_form.yaml"),
        survey=load_model(Survey, config_dir / "survey.yaml"),
        booking=load_model(Booking, booking_path) if booking_path.exists() else Booking(),
        reps=load_model(Reps, config_dir / "reps.yaml"),
        behaviours=load_behaviours(
            config_dir, {e.id for e in faq.entries}, {e.topic for e in faq.entries}
        ),
        business=business,
    )
