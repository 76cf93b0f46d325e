"""The one base class for errors raised by the library packages."""


class ProgmohError(Exception):
    """An error a user can act on; its message names the file, field or value."""


class CacheError(ProgmohError):
    """The segment store is missing, corrupt or locked."""
