"""Writing a tree of plain values as TOML text: ``config check`` and the example file."""

import json


def toml_lines(table: dict, prefix: tuple = ()) -> list[str]:
    """The tree as TOML: plain keys first, then each sub-table as its own section."""
    lines = []
    plain = {k: v for k, v in table.items() if not isinstance(v, dict)}
    if prefix and (plain or not table):
        lines += ["", f"[{'.'.join(prefix)}]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in plain.items()]
    for key, value in table.items():
        if isinstance(value, dict):
            lines += toml_lines(value, prefix + (key,))
    return lines


def toml_value(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
