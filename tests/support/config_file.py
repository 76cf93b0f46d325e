"""A configuration file in a test's folder (relative paths in it resolve against that folder)."""

from pathlib import Path


def write(folder: Path, text: str) -> Path:
    path = folder / "progmoh.toml"
    path.write_text(text)
    return path
