"""What an install's service user could not reach, for ``config check`` and ``cache verify``.

In an install (cli/paths.py) the players run as the service user whoever
renders; a checkout has no service user and nothing to say.
"""

from collections.abc import Callable

from progmoh.cache.access import cache_problems, socket_problem
from progmoh.cli import paths
from progmoh.cli.config import Config


def cache_findings(config: Config) -> tuple[str | None, list[str]]:
    """(the service user or None, what it cannot read of the cache)."""
    user = paths.service_user()
    return user, _judged(user, lambda known: cache_problems(config.cache.root, known))


def socket_findings(config: Config) -> list[str]:
    user = paths.service_user()
    return _judged(user,
                   lambda known: [p for p in (socket_problem(config.serve.socket_path, known),)
                                  if p])


def _judged(user: str | None, judge: Callable[[str], list[str]]) -> list[str]:
    """What ``judge`` finds for the service user; nothing in a checkout (no such user)."""
    if user is None:
        return []
    try:
        return judge(user)
    except KeyError:
        return [f"the service user {user} does not exist"]
