"""Placeholder until the player issue lands."""


def main(argv):
    raise SystemExit("progmoh play is not built yet")
