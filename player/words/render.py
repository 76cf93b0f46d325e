"""A parsed template and a lookup's answer in, the prompt keys to play (or why not) out.

A pure function: the same template, language, answer and mappings always give
the same keys, which are exactly the clips the renderer speaks.  A field that
is missing, null, or that its type cannot say is a Refusal naming the field
and the reason; the caller plays the program's "unavailable" sentence and logs
the Refusal once (never silence, never a guess).
"""

from progmoh.player.words.field_types import FieldRefused, bounded_text, kind
from progmoh.player.words.readings import rules
from progmoh.player.words.template import Field
from progmoh.player.words.vocabulary import unsaid_keys

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Literal

    from progmoh.player.words.field_types import Phrases
    from progmoh.player.words.template import Template


class Spoken:
    """The keys to play, in order."""

    __slots__ = ("keys",)
    refused: "Literal[False]" = False        # a Spoken | Refusal is told apart by it

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def __repr__(self) -> str:
        return "Spoken(%r)" % (self.keys,)


class Refusal:
    """Why a template cannot be said with this answer: the field and the reason."""

    __slots__ = ("field", "reason")
    refused: "Literal[True]" = True

    def __init__(self, field: str | None, reason: str) -> None:
        self.field, self.reason = field, reason

    def __str__(self) -> str:
        return "field %r %s" % (self.field, self.reason) if self.field else self.reason

    def __repr__(self) -> str:
        return "Refusal(%r, %r)" % (self.field, self.reason)


def render(template: "Template", language: str, fields: object,
           phrases: "Phrases | None" = None) -> Spoken | Refusal:
    """Spoken keys of ``template`` in ``language`` over ``fields`` (the lookup's JSON
    object), or a Refusal.  ``phrases`` maps a phrase mapping's name to its
    {value: prompt key}.  An unknown language is a ValueError (a bug, not data)."""
    rules(language)
    if not isinstance(fields, dict):
        return Refusal(None, "the answer is %s, not an object" % kind(fields))
    keys: list[str]
    unsaid, keys = unsaid_keys(language), []
    for part in template.parts:
        if not isinstance(part, Field):
            keys.append(part.key)
            continue
        try:
            keys += _field_keys(part, language, fields, phrases)
        except FieldRefused as refused:
            return Refusal(refused.field or part.name, refused.reason)
    return Spoken([key for key in keys if key not in unsaid])


def _field_keys(part: Field, language: str, fields: "Mapping[str, object]",
                phrases: "Phrases | None") -> list[str]:
    value = _value(fields, part.name)
    option = part.option if part.source is None else _source_text(fields, part.source)
    return part.type.speak(language, value, option, phrases)


def _value(fields: "Mapping[str, object]", name: str) -> object:
    if name not in fields:
        raise FieldRefused("is missing from the answer", name)
    if fields[name] is None:
        raise FieldRefused("is null", name)
    return fields[name]


def _source_text(fields: "Mapping[str, object]", name: str) -> str:
    """The text of a field another one takes its argument from (money's currency)."""
    try:
        return bounded_text(_value(fields, name), "text")
    except FieldRefused as refused:
        raise FieldRefused(refused.reason, name) from None
