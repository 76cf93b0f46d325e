"""When an advice item may play: dayparts, weekdays and date ranges.

Checked against a ``time.struct_time`` of local time rather than
``datetime`` objects, because ``datetime`` costs the player 0.6 MB.
"""

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from time import struct_time
    from typing import Any


def _minutes(text: object) -> int:
    hours, _, minutes = str(text).partition(":")
    return int(hours) * 60 + int(minutes)


def in_window(start: object, end: object, minute: int) -> bool:
    """Half-open [start, end) in minutes of the day; end before start wraps midnight."""
    start, end = _minutes(start), _minutes(end)
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end


def allowed(limits: "dict[str, Any]", local: "struct_time") -> bool:
    """True when ``limits`` (the manifest's dict; empty lists mean no limit)
    allow playing at ``local`` (a ``time.struct_time``)."""
    if not limits:
        return True
    minute = local.tm_hour * 60 + local.tm_min
    dayparts = limits.get("dayparts") or ()
    if dayparts and not any(in_window(w[0], w[1], minute) for w in dayparts):
        return False
    weekdays = limits.get("weekdays") or ()
    if weekdays and local.tm_wday not in weekdays:
        return False
    dates = limits.get("dates") or ()
    today = "%04d-%02d-%02d" % (local.tm_year, local.tm_mon, local.tm_mday)
    return not dates or any(first <= today <= last for first, last in dates)
