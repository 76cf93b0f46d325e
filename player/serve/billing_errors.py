"""The one error billing backends raise: the balance cannot be told right now."""

from progmoh.cache.errors import ProgmohError


class BillingUnavailable(ProgmohError):
    """The billing system did not give a usable answer; the message says why (never a secret)."""
