"""What a key says, written as a sentence template, parsed once when the config loads.

The syntax::

    template  = part { blank part }           parts are separated by spaces
    part      = prompt | field
    prompt    = name                          a prompt key: balance_is, due, n5
    field     = "{" name ":" type [ ":" argument ] "}"
    argument  = name | "@" name               a word the type knows, or the field holding it
    type      = "number" | "money" | "digits" | "date" | "minutes" | "phrase"
    name      = ( letter | "_" ) { letter | digit | "_" }    (ASCII)

Arguments: number takes the gender of its noun (``m``, the default, ``f``, ``n``;
Russian only); money a currency (``RUB``, ``USD``, ``EUR``) or ``@field`` naming the
field that holds one (the default is ``@currency``); date the Russian case of
the day (``nom``, the default: "первое декабря"; ``gen``: "первого декабря");
phrase the name of the program's mapping from values to phrase keys (the
default is the field's own name); digits and minutes take none.

Parsing checks the syntax and the types; which prompt keys exist depends on
the program's phrases, so ``check_prompts`` is a separate step.  Both raise
TemplateError, which names the template and the problem and which a config
check prefixes with the program and key.  Standard library only (no ``re``):
the player may parse the built-in templates.
"""

from progmoh.cache.errors import ProgmohError
from progmoh.player.words.field_types import TYPES

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Container, Iterable

    from progmoh.player.words.field_types import FieldType, Phrases


class TemplateError(ProgmohError, ValueError):
    """A template that cannot be spoken as written."""

    def __init__(self, template: object, problem: str) -> None:
        super().__init__("template %r: %s" % (template, problem))
        self.template, self.problem = template, problem


class Prompt:
    """A fixed part: one prompt clip."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key


class Field:
    """A typed part: a field of the lookup's answer, and the type that says it.

    ``option`` is the type's literal argument (a gender, case, currency or
    mapping name); ``source`` the field that holds it instead (money's
    ``@currency``), or None.
    """

    __slots__ = ("name", "type", "option", "source")

    def __init__(self, name: str, field_type: "FieldType", option: str | None,
                 source: str | None) -> None:
        self.name, self.type, self.option, self.source = name, field_type, option, source


class Template:
    __slots__ = ("text", "parts")

    def __init__(self, text: str, parts: "Iterable[Prompt | Field]") -> None:
        self.text, self.parts = text, tuple(parts)

    def __repr__(self) -> str:
        return "Template(%r)" % (self.text,)

    def prompt_keys(self) -> list[str]:
        return [part.key for part in self.parts if isinstance(part, Prompt)]

    def fields(self) -> list[Field]:
        return [part for part in self.parts if isinstance(part, Field)]


def is_name(text: str) -> bool:
    return bool(text) and text.isascii() and (text[0].isalpha() or text[0] == "_") \
        and text.replace("_", "a").isalnum()


def parse(text: object) -> Template:
    """The Template of ``text``, or TemplateError naming it and what is wrong."""
    if not isinstance(text, str):
        raise TemplateError(text, "is %s, not text" % type(text).__name__)
    if not text.split():
        raise TemplateError(text, "says nothing")
    try:
        return Template(text, [_part(token) for token in text.split()])
    except ValueError as problem:
        raise TemplateError(text, str(problem)) from None


def _part(token: str) -> Prompt | Field:
    if token[0] == "{":
        return _field(token)
    if not is_name(token):
        raise ValueError("%r is neither a prompt key (letters, digits, _) nor a field "
                         "{name:type}" % (token,))
    return Prompt(token)


def _field(token: str) -> Field:
    inner = token[1:-1] if token.endswith("}") else None
    if inner is None or "{" in inner or "}" in inner:
        raise ValueError("%r is not one field {name:type} (a space between parts)" % (token,))
    name, _, rest = inner.partition(":")
    type_name, colon, argument = rest.partition(":")
    if not is_name(name):
        raise ValueError("%r: the field name %r is not a name (letters, digits, _)" % (token, name))
    field_type = TYPES.get(type_name)
    if field_type is None:
        raise ValueError("%r: unknown type %r; known: %s" % (token, type_name, ", ".join(TYPES)))
    if colon and not argument:
        raise ValueError("%r: an empty argument after ':'" % (token,))
    if argument:
        option, source = _argument(token, field_type, argument)
    else:
        option, source = _default(field_type, name)
    return Field(name, field_type, option, source)


def _default(field_type: "FieldType", name: str) -> tuple[str | None, str | None]:
    """(option, source) when the template gives no argument; a phrase's mapping
    is named after its field."""
    default = field_type.default
    if default.startswith("@"):
        return None, default[1:]
    return default or (name if field_type.words is None else None), None


def _argument(token: str, field_type: "FieldType",
              argument: str) -> tuple[str | None, str | None]:
    """(option, source) of a field's argument, as its type allows."""
    words = field_type.words
    if argument.startswith("@") and field_type.refers and is_name(argument[1:]):
        return None, argument[1:]
    if (words is None and is_name(argument)) or (words and argument in words):
        return argument, None
    allowed = ("a name" if words is None else ", ".join(words) if words else "no argument") \
        + (" or @field" if field_type.refers else "")
    raise ValueError("%r: %s takes %s, not %r" % (token, field_type.name, allowed, argument))


def check_prompts(template: Template, known: "Container[str]",
                  phrases: "Phrases | None" = None) -> None:
    """TemplateError naming every prompt key ``known`` lacks, and every phrase field
    whose mapping is missing or maps to an unknown key; ``known`` is the renderer's
    vocabulary plus the program's own phrases, ``phrases`` the program's mappings."""
    problems = ["unknown prompt %r" % key for key in template.prompt_keys() if key not in known]
    for field in template.fields():
        if field.type.name == "phrase":
            problems += _mapping_problems(field, known, phrases or {})
    if problems:
        raise TemplateError(template.text, "; ".join(problems))


def _mapping_problems(field: Field, known: "Container[str]", phrases: "Phrases") -> list[str]:
    mapping = phrases.get(field.option) if field.option is not None else None
    if mapping is None:
        return ["field %r has no phrase mapping %r" % (field.name, field.option)]
    return ["phrase mapping %r maps %r to unknown prompt %r" % (field.option, value, key)
            for value, key in sorted(mapping.items()) if key not in known]
