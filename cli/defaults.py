"""Every configuration default, in one place.

The loader checks a user's file against this tree: a key that is not here is
unknown, and a value whose type differs from the default's is wrong.  Paths
are relative to the configuration file's folder (or, with no file, to the
project folder, so that the demo runs from a fresh clone).  In an install
(``cli.paths``) the path keys of ``INSTALLED_PATHS`` default to system folders
instead.  The player's own defaults (lead, program) are written once in
``player/play/defaults.py``, which ``progmoh play`` reads without loading any
configuration.
"""

from progmoh.player.play.defaults import LEAD_MS, PROGRAM_DEFAULTS

DEFAULTS = {
    "library": {
        "music_dir": "music/classes",
        "advice_dir": "music/advice",
        "prompts_dir": "music/prompts",
        "default_class": "",
    },
    "dayparts": {
        "morning": "06:00-10:00",
        "day": "10:00-18:00",
        "evening": "18:00-23:00",
    },
    "render": {
        "schedule": "*/15 * * * *",
        "slot_spacing_s": 30.0,
        "duck_db": -20.0,
        "duck_fade_ms": 1000,
        "speech_dbfs": -24.0,
        "music_dbfs": -30.0,
        "band_low_hz": 300,
        "band_high_hz": 3400,
        "languages": ["en", "ru"],
        "max_position": 20,
        "tts_timeout_s": 120.0,
        "voices": {
            "en": "cmu_us_slt_arctic_hts",
            "ru": "msu_ru_nsh_clunits",
        },
    },
    "program": dict(PROGRAM_DEFAULTS),
    "cache": {
        "dir": "var/cache",
        "gc_grace_hours": 6.0,
    },
    "player": {
        "lead_ms": LEAD_MS,
        "log": "var/log/progmoh-play.log",
    },
    "serve": {
        "listen": "127.0.0.1",
        "port": 8088,
        "prefix": "/moh",
        "executable": "",
        "socket": "var/run/progmoh.sock",
        "socket_mode": "0660",
        "asterisk_executables": ["/usr/sbin/asterisk", "/usr/local/sbin/asterisk"],
        "language": "en",
        "call_grace_s": 600.0,
        "log": "",
        "metrics_enabled": True,
        "metrics_listen": "127.0.0.1",
        "metrics_port": 9466,
        "status_socket": "var/run/progmoh-status.sock",
        "status_socket_mode": "0660",
    },
    "keys": {
        "balance": "2",
        "next_music": "3",
        "position": "4",
        "min_interval_s": 3.0,
        "position_every_s": 120.0,
        "announce_position_change": True,
        "wait": "5",
        "announce_wait": False,
    },
    "ami": {
        "enabled": False,
        "host": "127.0.0.1",
        "port": 5038,
        "username": "progmoh",
        "secret": "",
        "ping_s": 20.0,
        "resync_s": 60.0,
        "reconnect_max_s": 30.0,
    },
    "billing": {
        "backend": "none",
        "url": "",
        "auth": "none",
        "username": "",
        "password": "",
        "token": "",
        "command": [],
        "timeout_s": 2.0,
        "verify_tls": True,
        "max_age_s": 60.0,
        "max_body_bytes": 65536,
        "rewrite": [],
        "fields": {
            "accounts": "accounts",
            "account": "account",
            "balance": "balance",
            "currency": "currency",
            "locked": "locked",
        },
    },
    "store": {
        "url": "sqlite:///var/progmoh.db",
        "timeout_s": 0.5,
    },
}

# In an install (cli/paths.py), these keys default to absolute paths under its
# STATEDIR ({state}) and RUNDIR ({run}) instead of the checkout's demo folders;
# `make install` writes them into the progmoh.toml it creates.
INSTALLED_PATHS = {
    ("library", "music_dir"): "{state}/music/classes",
    ("library", "advice_dir"): "{state}/music/advice",
    ("library", "prompts_dir"): "{state}/music/prompts",
    ("cache", "dir"): "{state}/cache",
    ("player", "log"): "syslog",
    ("serve", "socket"): "{run}/progmoh.sock",
    ("serve", "status_socket"): "{run}/progmoh-status.sock",
    ("store", "url"): "sqlite:///{state}/progmoh.db",
}

# Keys whose values are never printed or logged.
SECRET_KEYS = frozenset({
    ("ami", "secret"),
    ("billing", "password"),
    ("billing", "token"),
    ("store", "url"),
})

# Sections whose keys are user-chosen names rather than a fixed set.
OPEN_SECTIONS = frozenset({"dayparts"})
OPEN_TABLES = frozenset({("render", "voices")})
