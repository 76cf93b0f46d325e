"""The words' public names, where the player, serve and the renderer have always
imported them from.

The logic lives once: how values read in ``readings.py`` (with the number
rules of ``numbers_en``/``numbers_ru``), sentences as templates in
``template.py`` and ``render.py``, the built-in announcements in
``announcements.py``.  Standard library only: the player imports this module
when its first insert arrives.
"""

from progmoh.player.words.announcements import balance_keys, position_keys, wait_keys
from progmoh.player.words.readings import (
    KNOWN_CURRENCIES,
    MAX_UNITS,
    AmountError,
    account_keys,
    amount_keys,
    digit_groups,
    number_keys,
    number_words,
    parse_amount,
)

__all__ = ["KNOWN_CURRENCIES", "MAX_UNITS", "AmountError", "account_keys", "amount_keys",
           "balance_keys", "digit_groups", "number_keys", "number_words", "parse_amount",
           "position_keys", "wait_keys"]
