"""Settings of the control plane, ``progmoh serve``.  Secrets live only here."""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ServeSettings:
    listen: str
    port: int
    prefix: str                 # URL prefix res_config_curl is pointed at, e.g. /moh
    executable: Path            # absolute path of the progmoh console script
    socket_path: Path
    socket_mode: int
    asterisk_executables: tuple[str, ...]   # absolute paths; a player's parent must run one
    language: str
    call_grace_s: float
    log: str
    cache_dir: Path
    player_log: str
    lead_ms: int
    metrics_enabled: bool = True
    metrics_listen: str = "127.0.0.1"
    metrics_port: int = 0             # 0 picks a free port
    status_socket: Path | None = None      # None: no `progmoh status` channel
    status_socket_mode: int = 0o660
    languages: tuple[str, ...] = ()    # render.languages: a caller's channel language is used
                                       # when it is one of these, else ``language``
    # The player's command before its options: () means `executable play`; an
    # install gives its lean start (interpreter -I -S, entry script).
    player_argv: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeySettings:
    balance: str
    next_music: str
    position: str
    min_interval_s: float
    position_every_s: float
    announce_position_change: bool
    wait: str = "5"
    announce_wait: bool = False


@dataclass(frozen=True)
class AmiSettings:
    enabled: bool
    host: str
    port: int
    username: str
    secret: str = field(repr=False)
    ping_s: float
    resync_s: float
    reconnect_max_s: float


@dataclass(frozen=True)
class RewriteRule:
    """A caller-number rewrite: ``re.fullmatch(match)`` then ``expand(replace)``."""
    match: str
    replace: str


@dataclass(frozen=True)
class BillingFields:
    """Names of the fields in the billing system's JSON answer."""
    accounts: str
    account: str
    balance: str
    currency: str
    locked: str


@dataclass(frozen=True)
class BillingSettings:
    backend: str                # "none", "http" or "command"
    url: str                    # template; {number} is replaced, URL-encoded
    auth: str                   # "none", "basic" or "bearer"
    username: str
    password: str = field(repr=False)
    token: str = field(repr=False)
    command: tuple[str, ...]    # argv, no shell; "{number}" in an item is replaced
    timeout_s: float
    verify_tls: bool
    max_age_s: float
    max_body_bytes: int
    rewrite: tuple[RewriteRule, ...]
    fields: BillingFields


@dataclass(frozen=True)
class StoreSettings:
    url: str = field(repr=False)    # sqlite:///path or mysql://user:pass@host:port/db
    timeout_s: float
