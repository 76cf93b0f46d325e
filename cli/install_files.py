"""Files ``make install`` writes with the installed progmoh's own knowledge.

Run by scripts/install.py through the new release's interpreter, once
``cli/installed.py`` is in place::

    python -m progmoh.cli.install_files config EXAMPLE DEST   # progmoh.toml for ETCDIR
    python -m progmoh.cli.install_files units DIR             # the systemd units
"""

import re
import sys
from pathlib import Path

from progmoh.cli import paths
from progmoh.cli.config import config_path, installed_defaults, load

_SECTION = re.compile(r"^\[([a-z_.]+)\]\s*$")
_KEY = re.compile(r"^([a-z_]+) = ")


def installed_example(text: str) -> str:
    """The example configuration with each path key set to this install's default."""
    lines, section, installed = [], "", installed_defaults()
    for line in text.splitlines(keepends=True):
        heading, key = _SECTION.match(line), _KEY.match(line)
        if heading:
            section = heading.group(1)
        elif key and (section, key.group(1)) in installed:
            line = '%s = "%s"\n' % (key.group(1), installed[section, key.group(1)])
        lines.append(line)
    return "".join(lines)


def write_units(folder: Path) -> list[Path]:
    from progmoh.player.serve.asterisk_config import unit_files
    path = config_path(None)
    config = load(path)
    # The units name the install's configuration file even before it exists.
    named = path if path is not None else Path(paths.installed.ETC_DIR, paths.CONFIG_NAME)
    user = paths.service_user()
    if user is None:
        raise RuntimeError("the units are an install's: no service user in a checkout")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in unit_files(config.serve, named, user).items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o644)
        written.append(folder / name)
    return written


def main(argv: list[str]) -> int:
    if not paths.is_installed():
        sys.stderr.write("progmoh install_files: not an installed progmoh (no cli/installed.py)\n")
        return 2
    if argv[:1] == ["config"] and len(argv) == 3:
        Path(argv[2]).write_text(installed_example(Path(argv[1]).read_text()))
        return 0
    if argv[:1] == ["units"] and len(argv) == 2:
        write_units(Path(argv[1]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
