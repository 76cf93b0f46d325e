"""What the realtime backend's tests share: serve settings built by hand (an install's
paths, no config file) and the answer's row decoded."""

import dataclasses
import urllib.parse
from pathlib import Path

from progmoh.cache.settings import CacheSettings
from progmoh.player.serve.settings import ServeSettings
from progmoh.player.settings import PlayerSettings


def serve_settings(cache_dir=Path("/var/cache/progmoh"), player_log="/var/log/progmoh/play.log",
                   **changes) -> ServeSettings:
    base = ServeSettings(
        listen="127.0.0.1", port=0, prefix="/moh", executable=Path("/opt/progmoh/bin/progmoh"),
        socket_path=Path("/run/progmoh/serve.sock"), socket_mode=0o660,
        asterisk_executables=("/usr/sbin/asterisk",), language="en", call_grace_s=600.0, log="",
        status_socket=None, status_socket_mode=0o660, languages=("en",), player_argv=(),
        spool_dir=Path("/var/lib/progmoh/spool"),
        cache=CacheSettings(root=cache_dir, gc_grace_s=3600.0),
        player=PlayerSettings(lead_ms=200, log=player_log))
    return dataclasses.replace(base, **changes)


def decoded_row(body: bytes) -> dict:
    pairs = [item.split("=", 1) for item in body.decode("ascii").split("&")]
    return {key: urllib.parse.unquote(value) for key, value in pairs}
