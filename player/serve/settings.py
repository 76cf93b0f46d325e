"""Settings of the control plane, ``progmoh serve``, each field declared as its configuration
key.  Secrets live only here."""

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from progmoh.cache.declared import (
    ABSOLUTE_PATHS,
    DTMF,
    EXECUTABLE,
    LOG,
    PATH,
    PLAYER_ARGV,
    REGEX,
    SOCKET_MODE,
    STORE_URL,
    URL_PASSWORD,
    URL_PREFIX,
    WHOLE,
    declared,
    declared_port,
    open_table,
    same_as,
    table,
)
from progmoh.cache.settings import CacheSettings
from progmoh.player.programs import DEFAULT_PROGRAM
from progmoh.player.settings import PlayerSettings

_MODE_HELP = "Permissions of that socket (octal string)"


@dataclass(frozen=True, kw_only=True)
class ServeSettings:
    """The ``[serve]`` section, with the sections it shares: what a player's command line
    carries comes from ``player`` and ``cache``, read through, never copied."""
    listen: str = declared(
        "127.0.0.1", help="Address of the HTTP endpoint Asterisk's res_config_curl asks for "
                          "per-call music classes.")
    port: int = declared_port(8088, help="Its port (0 picks a free port).")
    prefix: str = declared(
        "/moh", read_as=URL_PREFIX,
        help="URL prefix given to res_config_curl in extconfig.conf, e.g.\n"
             "musiconhold => curl,http://127.0.0.1:8088/moh")
    executable: Path = declared(
        "", read_as=EXECUTABLE,
        help='Absolute path of the `progmoh` program Asterisk runs per call; "" means the one '
             "installed beside the Python that runs serve (e.g. /opt/progmoh/.venv/bin/progmoh).")
    socket_path: Path = declared(
        "var/run/progmoh.sock", name="socket", installed="{run}/progmoh.sock", read_as=PATH,
        help="Unix socket over which players talk to serve.")
    socket_mode: int = declared(
        "0660", read_as=SOCKET_MODE, help=f"{_MODE_HELP}; never world-writable.")
    asterisk_executables: tuple[str, ...] = declared(
        ("/usr/sbin/asterisk", "/usr/local/sbin/asterisk"), check=ABSOLUTE_PATHS,
        help="Absolute paths of the Asterisk binary: a player proves which call it plays for "
             "by being a child of a process running one of these (read from /proc/<pid>/exe "
             "and compared after resolving symlinks; process names are not trusted, any "
             "process can rename itself). Add yours if Asterisk lives elsewhere.")
    language: str = declared(
        "en", help="Language of announcements (one of render.languages).")
    call_grace_s: float = declared(
        600.0, low=10.0, high=86400.0,
        help="Seconds a call's state (advice played, music class) is kept after its last player "
             "stopped, since app_queue restarts music on hold within a call; 10..86400, so a "
             "restart around a long announcement still finds it.")
    log: str = declared(
        "", read_as=LOG, help='Serve log: a file path, "syslog", or "" for standard error.')
    metrics_enabled: bool = declared(
        True, help="Prometheus metrics at http://<metrics_listen>:<metrics_port>/metrics, on a "
                   'listener of their own (README "Operations").')
    metrics_listen: str = declared(
        "127.0.0.1", help="Address of the metrics listener; keep it on loopback unless a "
                          "firewall guards it (the metrics name call ids, nothing personal).")
    metrics_port: int = declared_port(9466, help="Its port (0 picks a free port).")
    status_socket: Path | None = declared(
        "var/run/progmoh-status.sock", installed="{run}/progmoh-status.sock", read_as=PATH,
        help="Unix socket `progmoh status` reads the calls on hold from; never the network.")
    status_socket_mode: int = declared(
        "0660", read_as=SOCKET_MODE,
        help=f"{_MODE_HELP}: who may connect may see the calls on hold (numbers masked). "
             "Never world-writable.")
    server_name: str = declared(
        "", name="name",
        help='This server\'s name in the store: its callbacks are the ones it dials ("" the '
             "host name).  Give each Asterisk server's serve its own when they share one "
             "MariaDB.")
    spool_dir: Path = declared(
        "var/spool", installed="{state}/spool", read_as=PATH,
        help="Folder of the whispers serve writes for callbacks (Asterisk plays them to the "
             "agent): Asterisk must be able to read it.")
    # render.languages: a caller's channel language is used when it is one of these,
    # else ``language``.
    languages: tuple[str, ...] = same_as("render.languages")
    player: PlayerSettings = same_as("player")
    cache: CacheSettings = same_as("cache")
    # The player's command before its options: () means `executable play`; an
    # install gives its lean start (interpreter -I -S, entry script).
    player_argv: tuple[str, ...] = same_as("serve.executable", read_as=PLAYER_ARGV)

    @property
    def cache_dir(self) -> Path:
        return self.cache.root

    @property
    def player_log(self) -> str:
        return self.player.log

    @property
    def lead_ms(self) -> int:
        return self.player.lead_ms


@dataclass(frozen=True, kw_only=True)
class KeySettings:
    balance: str = declared("2", check=DTMF, help="DTMF key that reads the caller's balance.")
    next_music: str = declared(
        "3", check=DTMF,
        help="DTMF key that switches to the next music class (the choice is remembered).")
    position: str = declared(
        "4", check=DTMF, help="DTMF key that announces the caller's position in the queue.")
    min_interval_s: float = declared(
        3.0, high=600.0,
        help="Seconds a caller must wait before the same key works again (at most 600).")
    position_every_s: float = declared(
        120.0, low=10.0, high=3600.0, off=True,
        help="Seconds between periodic queue position announcements: 0 turns them off, "
             "otherwise 10..3600.")
    announce_position_change: bool = declared(
        True, help="Announce the position whenever it changes.")
    wait: str = declared(
        "5", check=DTMF,
        help='DTMF key that says the caller\'s estimated wait ("about 3 to 5 minutes", "less '
             "than a minute\"), from the agents serving the queue and their handle times "
             '(README "Estimated wait").')
    announce_wait: bool = declared(
        False, help="Follow every periodic and on-change position announcement with the "
                    "estimated wait (when there is an estimate).")
    callback: str = declared(
        "", check=DTMF,
        help='DTMF key that offers a callback which keeps the caller\'s place ([callback]); '
             '"" (the default) offers none.')
    advice_within_wait: bool = declared(
        False, help="Start no advice item longer than the caller's expected remaining wait "
                    "(serve sends the player the estimate; no estimate, no limit).")


@dataclass(frozen=True, kw_only=True)
class CallbackSettings:
    """A program's callbacks (docs/architecture.md, "Callbacks"); the key is keys.callback."""
    confirm_key: str = declared(
        "1", check=DTMF, help="DTMF key that confirms the offer (it does only that while the "
                              "offer is open).")
    confirm_s: float = declared(
        10.0, low=2.0, high=120.0, help="Seconds the offer stays open (2..120).")
    numbers: str = declared(
        r"^\+?[1-9]\d{6,14}$", check=REGEX,
        help="A regular expression a caller's whole number must match to be called back "
             "(here: E.164-like, 7 to 15 digits); everyone else hears that a callback is not "
             "possible for their number.  It also keeps the number safe to dial: never allow "
             "anything but digits and +.")
    last_digits: int = declared(
        4, low=2, high=8, help="How many of the number's last digits the offer reads (2..8).")
    dial: str = declared(
        "PJSIP/{number}@trunk",
        help="Asterisk dial string of the callback; {number} is the caller's number, e.g. "
             '"PJSIP/{number}@trunk" or "Local/{number}@outbound".')
    ring_s: int = declared(30, low=5, high=300,
                           help="Seconds the customer's phone rings per attempt (5..300).")
    retries: int = declared(
        2, high=10, help="Attempts after the first when the customer does not answer, is busy "
                         "or the call fails (at most 10); then the callback is given up.")
    retry_s: float = declared(
        120.0, low=10.0, high=3600.0,
        help="Seconds between attempts (10..3600); a retry goes to the head of the queue.")
    offer_after_s: float = declared(
        0.0, low=30.0, high=7200.0, off=True,
        help="Seconds of waiting after which the periodic position announcement also offers "
             "the callback, once per call (keys.callback must be set): 0 (the default) never, "
             "otherwise 30..7200.")
    offer_over_s: float = declared(
        0.0, low=60.0, high=14400.0, off=True,
        help="Estimated wait left (docs/architecture.md, \"Waits\") over which the periodic "
             "position announcement also offers the callback, once per call: 0 (the default) "
             "never, otherwise 60..14400.")
    wait_max_s: float = declared(
        14400.0, low=60.0, high=86400.0,
        help="Longest a placeholder waits in the queue for an agent before it is placed again "
             "(60..86400).")


@dataclass(frozen=True, kw_only=True)
class AmiSettings:
    enabled: bool = declared(
        False, help="Connect to the Asterisk Manager Interface (needed for keys, queue "
                    "positions and caller numbers).")
    host: str = declared("127.0.0.1", help="Address of Asterisk's manager interface.")
    port: int = declared_port(5038, low=1,
                              help="Its port (manager.conf [general] port).")
    username: str = declared("progmoh", help="The manager.conf user progmoh logs in as.")
    secret: str = declared("", secret=WHOLE, help="That user's secret (never printed).")
    ping_s: float = declared(20.0, low=1.0, high=600.0,
                             help="Seconds between keepalive pings (1..600).")
    resync_s: float = declared(
        60.0, low=5.0, high=3600.0,
        help="Seconds between QueueStatus resynchronisations of queue positions (5..3600: "
             "each one lists every queued caller).")
    reconnect_max_s: float = declared(
        30.0, low=1.0, high=600.0,
        help="Longest wait between reconnection attempts, in seconds (backoff cap; 1..600).")
    max_number_chars: int = declared(
        32, low=1, high=256,
        help="Longest caller number serve accepts from AMI (1..256). A longer one, or one "
             "holding a control character, is refused where it enters: that caller gets no "
             "billing lookup (the balance is \"unavailable\") and no remembered music, and hears "
             "music as usual.")


@dataclass(frozen=True)
class RewriteRule:
    """A caller-number rewrite: ``re.fullmatch(match)`` then ``expand(replace)``."""
    match: str = declared(check=REGEX, help="A regular expression the whole number matches.")
    replace: str = declared(help=r"What the number becomes; \1 is the first group.")


@dataclass(frozen=True, kw_only=True)
class BillingFields:
    """Names of the fields in the billing system's JSON answer."""
    accounts: str = declared("accounts", help="the list of accounts for the number,")
    account: str = declared("account", help="an account's id,")
    balance: str = declared("balance", help="its balance,")
    currency: str = declared("currency", help="its currency (RUB, USD or EUR),")
    locked: str = declared("locked", help="and whether it is locked.")


@dataclass(frozen=True, kw_only=True)
class LookupSettings:
    """Where a lookup's answers come from: one JSON object per caller number, fetched over
    HTTP or from a program, bounded in time and size (docs/architecture.md, "Lookups").
    ``[billing]`` is the lookup named "billing"; ``[lookups.<name>]`` declares others."""
    backend: str = declared(
        "none", choices=("none", "http", "command"),
        help='Where the answers come from: "none", "http" (a JSON endpoint) or "command" (a '
             "program that prints the same JSON).")
    url: str = declared(
        "", help="HTTP(S) URL template; {number} is replaced by the caller number, URL-encoded.\n"
                 'e.g. url = "https://billing.example.com/api/balance?number={number}"')
    auth: str = declared(
        "none", choices=("none", "basic", "bearer"),
        help='HTTP authentication: "none", "basic" (username and password) or "bearer" (token).')
    username: str = declared("", help="User name for basic authentication.")
    password: str = declared(
        "", secret=WHOLE, help="Password for basic authentication (a secret: never printed).")
    token: str = declared(
        "", secret=WHOLE, help="Token for bearer authentication (a secret: never printed).")
    command: tuple[str, ...] = declared(
        (), help='Command backend: argv of a program run without a shell; an item "{number}" '
                 'becomes the caller number.\ne.g. command = ["/usr/local/bin/balance", '
                 '"{number}"]')
    timeout_s: float = declared(
        2.0, low=0.1, high=60.0,
        help="Seconds a lookup may take before the caller hears \"information "
             "unavailable\" (0.1..60).")
    verify_tls: bool = declared(True, help="Check the server's TLS certificate.")
    max_age_s: float = declared(
        60.0, high=3600.0,
        help="Seconds a fetched answer is reused before it is fetched again (at most 3600).")
    max_body_bytes: int = declared(65536, help="Largest answer accepted, in bytes.")
    rewrite: tuple[RewriteRule, ...] = declared(
        (), help="Caller-number rewrites tried in order before the lookup: the first whose "
                 r"`match` fully matches is applied (`replace` may use \1 groups), e.g."
                 "\nrewrite = [{ match = '^8(\\d{10})$', replace = '7\\1' }]")

    def source(self) -> "LookupSettings":
        """Only what says where answers come from: two lookups equal by it share fetches."""
        return LookupSettings(**{f.name: getattr(self, f.name)
                                 for f in dataclasses.fields(LookupSettings)})


@dataclass(frozen=True, kw_only=True)
class BillingSettings(LookupSettings):
    """The lookup "billing": balances read by the built-in balance key, and the fields any
    say template names from the same answer."""
    fields: BillingFields = table(help="Field names in the billing JSON answer:")


@dataclass(frozen=True, kw_only=True)
class SayKey:
    """A key that says a sentence template over a lookup's answer (player/words/template.py
    has the syntax)."""
    template: str = declared(
        help='What the key says, e.g. "next_payment {due:money} due {due_date:date}"; "" '
             "turns off a key the program inherited.")
    lookup: str = declared(
        "", help='The lookup whose answer fills the fields: "billing", a name of [lookups], or '
                 '"" for a sentence without fields.')


def say_table() -> Any:
    """``[say]`` of the default program and ``[programs.<name>.say]``: one declaration."""
    return open_table(
        keep_defaults=False, item=SayKey,
        help="Keys that say a sentence template over a lookup's answer, by DTMF key "
             "(docs/architecture.md, \"Templates\"), e.g.\n"
             '[say.6] lookup = "billing", template = "next_payment {due:money} due '
             '{due_date:date}"\n'
             "Types: number, money, digits, date, minutes, phrase; every other word is a "
             "prompt key: the vocabulary's or one of [texts.<language>].  A field missing "
             "from the answer, or that its type cannot say, makes the caller hear "
             "\"unavailable\" and serve log one line.")


def lookups_table() -> Any:
    """``[lookups]`` and ``[programs.<name>.lookups]``: one declaration."""
    return open_table(
        keep_defaults=False, item=LookupSettings,
        help="Named lookups besides billing, each a table of the same keys as [billing] "
             "(backend, url, auth, command, timeout_s, ...): a JSON object per caller "
             "number whose fields say templates name.  Secrets here are never printed.")


def phrases_table() -> Any:
    """``[phrases]`` and ``[programs.<name>.phrases]``: one declaration."""
    return open_table(
        keep_defaults=False, item=dict[str, str],
        help="Phrase mappings for a template's {field:phrase} (or {field:phrase:mapping}): "
             "each maps a value of the answer to a prompt key, e.g.\n"
             '[phrases.status] open = "status_open", closed = "status_closed"')


@dataclass(frozen=True, kw_only=True)
class StoreSettings:
    url: str = declared(
        "sqlite:///var/progmoh.db", installed="sqlite:///{state}/progmoh.db", read_as=STORE_URL,
        secret=URL_PASSWORD,
        help='Where remembered music choices are kept: "sqlite:///path" (default), or '
             '"mysql://user:password@host:3306/database" for MySQL/MariaDB (the password is a '
             "secret: never printed).  The table queue_music is created on first use.")
    timeout_s: float = declared(
        0.5, low=0.05, high=10.0,
        help="Seconds a read of the remembered choice may take at call start (0.05..10).")


@dataclass(frozen=True)
class ServeProgram:
    """What serve plays a program by (docs/architecture.md, "Programs"): its keys, its
    announcements' rhythm (both ``keys``) and the language said when the caller's is not
    rendered.  cli/config.py builds one from each ``[programs.<name>]`` table."""
    name: str
    keys: KeySettings
    language: str
    say: tuple[tuple[str, SayKey], ...] = ()        # (digit, what it says)
    lookups: tuple[tuple[str, LookupSettings], ...] = ()     # (name, source), billing's apart
    phrases: tuple[tuple[str, dict[str, str]], ...] = ()     # (mapping, {value: prompt key})
    callback: CallbackSettings = CallbackSettings()


@dataclass(frozen=True)
class ControlPlaneSettings:
    """Everything ``progmoh serve`` runs on: its own section and the ones only it reads.

    ``programs`` holds every program, the default one first.  The default
    program's keys and language are always made here from ``keys`` and
    ``serve.language``, their one owner (its say keys, lookups and phrases are
    kept as given), so a copy with other keys (``dataclasses.replace``) plays them, and
    a caller that names no programs gets the default program alone.
    """
    serve: ServeSettings
    keys: KeySettings
    ami: AmiSettings
    billing: BillingSettings
    store: StoreSettings
    programs: tuple[ServeProgram, ...] = ()

    def __post_init__(self) -> None:
        given = [p for p in self.programs if p.name == DEFAULT_PROGRAM]
        start = given[0] if given else ServeProgram(DEFAULT_PROGRAM, self.keys, self.serve.language)
        default = dataclasses.replace(start, keys=self.keys, language=self.serve.language)
        others = tuple(p for p in self.programs if p.name != DEFAULT_PROGRAM)
        object.__setattr__(self, "programs", (default,) + others)

