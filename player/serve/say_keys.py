"""A program's say keys: what each says, parsed once, and the checks ``config check`` makes.

A say key is a DTMF key whose action is a sentence template
(player/words/template.py) over the answer of one of the program's lookups
(docs/architecture.md, "Templates").  Everything that can be known before a
call is checked here, so a caller never meets it: the syntax and types, that
every prompt key is rendered in every language, that every phrase mapping
exists and maps to rendered prompts, that the lookup is declared and the key
is no other key of the program.  Each problem names the program, the key and
the template.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from progmoh.cache import declared as d
from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.serve.lookups import BILLING
from progmoh.player.serve.settings import KeySettings, ServeProgram
from progmoh.player.words.compose import number_words
from progmoh.player.words.template import Template, TemplateError, check_prompts, parse
from progmoh.player.words.vocabulary import prompt_texts


@dataclass(frozen=True)
class SayRule:
    """One say key, ready for a call: its digit, the lookup it asks ("" none), its template."""
    digit: str
    lookup: str
    template: Template


def say_rules(program: ServeProgram) -> dict[str, SayRule]:
    """The program's say keys by digit; a key whose template is "" is off.  The config
    check has refused what would not parse, so a ValueError here is a bug."""
    return {digit: SayRule(digit, key.lookup, parse(key.template))
            for digit, key in program.say if key.template.strip()}


def table_name(program: str, table: str) -> str:
    return table if program == DEFAULT_PROGRAM else f"programs.{program}.{table}"


def check_program(program: ServeProgram, texts: Mapping[str, Mapping[str, str]],
                  languages: Iterable[str], max_position: int) -> list[str]:
    """Every problem of the program's say keys, phrases and texts, each naming where it is.

    ``texts`` are the program's own prompt texts by language, ``languages`` the
    rendered ones: a prompt key must be rendered in each of them, and what is rendered
    is what the renderer renders (``prompt_texts``, up to ``max_position``)."""
    languages = tuple(languages)
    problems = [f"'{table_name(program.name, 'texts')}.{language}' is not a language of "
                f"render.languages ({', '.join(languages)})"
                for language in texts if language not in languages]
    known = {language: set(prompt_texts(language, max_position, number_words))
             | set(texts.get(language, {})) for language in languages}
    phrases = dict(program.phrases)
    for digit, key in program.say:
        if key.template.strip():
            problems += _key_problems(program, digit, key.template, key.lookup, known, phrases)
    return problems


def _key_problems(program: ServeProgram, digit: str, text: str, lookup: str,
                  known: Mapping[str, set[str]], phrases) -> list[str]:
    where = f"'{table_name(program.name, 'say')}.{digit}'"
    problems = [f"{where}: {problem}" for problem in _digit_problems(program.keys, digit)]
    lookups = {name for name, _ in program.lookups} | {BILLING}
    if lookup and lookup not in lookups:
        problems.append(f"{where}: lookup {lookup!r} is not declared (billing, or a table of "
                        f"[{table_name(program.name, 'lookups')}])")
    try:
        template = parse(text)
    except TemplateError as error:
        return problems + [f"{where}: {error}"]
    if template.fields() and not lookup:
        problems.append(f"{where}: template {text!r} has fields but no lookup to fill them")
    for language, keys in known.items():
        try:
            check_prompts(template, keys, phrases)
        except TemplateError as error:
            problems.append(f"{where} in language {language!r}: {error}")
    return problems


def _digit_problems(keys: KeySettings, digit: str) -> list[str]:
    if len(digit) != 1 or digit not in d.DTMF_KEYS:
        return [f"{digit[:8]!r} is not one DTMF key (0-9, * or #)"]
    return [f"is also '{key.name}' of the program's keys" for key in fields(KeySettings)
            if d.declaration(key).check == d.DTMF and getattr(keys, key.name) == digit]
