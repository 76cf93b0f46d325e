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


class Spoken:
    """The keys to play, in order."""

    __slots__ = ("keys",)
    refused = False

    def __init__(self, keys):
        self.keys = keys

    def __repr__(self):
        return "Spoken(%r)" % (self.keys,)


class Refusal:
    """Why a template cannot be said with this answer: the field and the reason."""

    __slots__ = ("field", "reason")
    refused = True

    def __init__(self, field, reason):
        self.field, self.reason = field, reason

    def __str__(self):
        return "field %r %s" % (self.field, self.reason) if self.field else self.reason

    def __repr__(self):
        return "Refusal(%r, %r)" % (self.field, self.reason)


def render(template, language, fields, phrases=None):
    """Spoken keys of ``template`` in ``language`` over ``fields`` (the lookup's JSON
    object), or a Refusal.  ``phrases`` maps a phrase mapping's name to its
    {value: prompt key}.  An unknown language is a ValueError (a bug, not data)."""
    rules(language)
    if not isinstance(fields, dict):
        return Refusal(None, "the answer is %s, not an object" % kind(fields))
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


def _field_keys(part, language, fields, phrases):
    value = _value(fields, part.name)
    option = part.option if part.source is None else _source_text(fields, part.source)
    return part.type.speak(language, value, option, phrases)


def _value(fields, name):
    if name not in fields:
        raise FieldRefused("is missing from the answer", name)
    if fields[name] is None:
        raise FieldRefused("is null", name)
    return fields[name]


def _source_text(fields, name):
    """The text of a field another one takes its argument from (money's currency)."""
    try:
        return bounded_text(_value(fields, name), "text")
    except FieldRefused as refused:
        raise FieldRefused(refused.reason, name) from None
