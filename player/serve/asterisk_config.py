"""The Asterisk and systemd snippets ``progmoh asterisk-config`` prints, filled from config.

Every line that matters carries a comment saying why, because each one
encodes something learned the hard way on a real Asterisk (see docs/asterisk.md):
per-call realtime classes, ``%20`` answers, MOH restarts around queue
announcements, a manager user with only the read classes serve needs, and
the PJSIP settings that let keys pressed on phones and trunks (RFC 4733,
SIP INFO or inband tones) and the caller's identity reach AMI.  Every line is
the same for each tested Asterisk version (docs/asterisk.md, "Tested versions").
The AMI secret is never printed: the admin copies it from the config file.

Each program of the config gets a dialplan context of its own that sets the
class naming it (player/programs.py) before ``Queue()``, and a queue named
after it; the default program keeps ``[progmoh-queue]`` and its queue
``support`` exactly as before programs.
"""

from collections.abc import Sequence
from pathlib import Path

from progmoh.player.programs import DEFAULT_PROGRAM, class_name
from progmoh.player.serve.ami.client import EVENTS, OWN_EVENTS
from progmoh.player.serve.callback_dialplan import WRITE_CLASSES, callback_dialplan
from progmoh.player.serve.core import AMI_EVENTS
from progmoh.player.serve.settings import AmiSettings, ServeSettings

DEFAULT_CONFIG = Path("/etc/progmoh/progmoh.toml")
TESTED_VERSIONS = ("22.10.1", "20.20.1")
CALLER_TEMPLATE = "progmoh-caller"
QUEUE_CONTEXT = "progmoh-queue"         # the default program's; another's adds "-<program>"
DEFAULT_QUEUE = "support"               # the default program's queue; another's is its name


def snippets(serve: ServeSettings, ami: AmiSettings, config_path: Path | None,
             user: str = "asterisk", programs: Sequence[str] = (DEFAULT_PROGRAM,),
             callbacks: bool = False) -> str:
    """Everything to paste, for the default program and each of ``programs``; with
    ``callbacks`` (a program offers them) the dialplan and AMI rights they need too."""
    config = config_path.resolve() if config_path else DEFAULT_CONFIG
    units = [f"# ===== /etc/systemd/system/{name} =====\n{text}"
             for name, text in unit_files(serve, config, user).items()]
    others = [name for name in programs if name != DEFAULT_PROGRAM]
    parts = (_versions(), _extconfig(serve), _musiconhold(), _modules(callbacks),
             _extensions(others) + (_callbacks(serve) if callbacks else ""),
             _queues(others), pjsip_template(), _manager(ami, config, callbacks), *units)
    return "\n".join(parts)


def queue_of(program: str) -> str:
    """The queue ``asterisk-config`` names for a program's calls."""
    return DEFAULT_QUEUE if program == DEFAULT_PROGRAM else program


def context_of(program: str) -> str:
    """The dialplan context that puts a call in ``program`` before its queue."""
    return QUEUE_CONTEXT if program == DEFAULT_PROGRAM else f"{QUEUE_CONTEXT}-{program}"


def _versions() -> str:
    tested = " and ".join(f"{version.split('.')[0]} LTS ({version})" for version in TESTED_VERSIONS)
    return f"""\
; Tested with Asterisk {tested} and chan_pjsip:
; every line below is the same for each of them.
"""


def _extconfig(serve: ServeSettings) -> str:
    host = serve.listen if ":" not in serve.listen else f"[{serve.listen}]"
    return f"""\
; ===== /etc/asterisk/extconfig.conf =====
; Music-on-hold classes come from `progmoh serve` through res_config_curl: at
; every MOH start Asterisk POSTs name=<class> to {serve.prefix}/single, and serve
; answers progmoh-<uniqueid> with that call's own player command line.
[settings]
musiconhold => curl,http://{host}:{serve.port}{serve.prefix}
"""


def _musiconhold() -> str:
    return """\
; ===== /etc/asterisk/musiconhold.conf =====
[general]
; Required: a realtime class gets its own player process per call only when
; realtime classes are not cached.  With "yes", per-call players keep running
; after the call ends until "moh reload".
cachertclasses=no

; Keep a static default class: if progmoh serve is down, the realtime lookup
; fails and callers hear this instead of silence.
[default]
mode=files
directory=moh
"""


def _callbacks(serve: ServeSettings) -> str:
    return f"""
; Callbacks (keys.callback): serve originates each placeholder into
; progmoh-callback-hold; the agent who answers it hears the whisper serve writes
; into {serve.spool_dir} (Asterisk must be able to read it), a ringback tone, then
; the customer dialled through callback.dial.
""" + callback_dialplan()


def _modules(callbacks: bool = False) -> str:
    playtones = ("load => app_playtones.so      ; the ringback an agent hears while a callback "
                 "rings\n" if callbacks else "")
    return f"""\
; ===== /etc/asterisk/modules.conf =====
[modules]
{playtones}load => res_curl.so            ; libcurl for the realtime driver
load => func_curl.so
load => res_config_curl.so     ; the "curl" realtime driver named in extconfig.conf
load => res_timing_timerfd.so  ; a timing module: without one Asterisk reads MOH pipes
                               ; in 100 ms gulps and Local channels hear nothing
load => res_pjsip_dtmf_info.so ; keys sent as SIP INFO (application/dtmf-relay)
load => res_pjsip_caller_id.so ; the caller's number from P-Asserted-Identity
"""


def _extensions(programs: Sequence[str]) -> str:
    return """\
; ===== /etc/asterisk/extensions.conf =====
; Give each call its own MOH class BEFORE Queue(): the class name carries the
; call's unique id, so the player Asterisk starts knows whose call it plays.
; (Never Set(ENV(...)) for this: the environment is shared by all calls.)
; Queue()'s arguments after the options moved in Asterisk 21 (its macro
; argument is gone): this line names none, so it is the same on 20 and 22.
""" + _context(DEFAULT_PROGRAM) + "".join(_program_context(name) for name in programs)


def _context(program: str) -> str:
    music_class = class_name(program, "${UNIQUEID}")
    return f"""\
[{context_of(program)}]
exten => _X.,1,Answer()
 same => n,Set(CHANNEL(musicclass)={music_class})
 same => n,Queue({queue_of(program)})
 same => n,Hangup()
"""


def _program_context(program: str) -> str:
    return f"""
; Program "{program}": the class names it, so its caller hears its hold from the
; first sample, and a call transferred here (Goto({context_of(program)},${{EXTEN}},1),
; or an endpoint whose context this is) hears it from the moment its music restarts.
""" + _context(program)


def _queues(programs: Sequence[str]) -> str:
    own = dict.fromkeys(queue_of(name) for name in programs if queue_of(name) != DEFAULT_QUEUE)
    return """\
; ===== /etc/asterisk/queues.conf =====
; app_queue stops and restarts MOH around each of its own announcements, which
; restarts the player; progmoh announces positions itself (keys.* in its config).
""" + _queue(DEFAULT_QUEUE) + "".join(
        f"\n; the queue of program \"{name}\" ({context_of(name)} above)\n" + _queue(name)
        for name in own)


def _queue(name: str) -> str:
    return f"""\
[{name}]
announce-position = no
announce-holdtime = no
announce-frequency = 0
periodic-announce-frequency = 0
; no periodic-announce line at all
; no musicclass line needed: the channel's class set in the dialplan wins
"""


def pjsip_template() -> str:
    """The endpoint template for queue callers; the lab's endpoints inherit it too."""
    return f"""\
; ===== /etc/asterisk/pjsip.conf =====
; A template for the endpoints queue callers come in on, phones and trunks:
; write `[name]({CALLER_TEMPLATE})` and the endpoint's own aors, auth, transport.
[{CALLER_TEMPLATE}](!)
type = endpoint
context = progmoh-queue    ; the dialplan above: the call's own class, then Queue()
disallow = all
allow = ulaw,alaw          ; G.711: inband key tones do not survive compressed codecs
dtmf_mode = auto           ; keys as RFC 4733 events when the phone offers telephone-event,
                           ; else its inband tones are detected; SIP INFO keys arrive in
                           ; any mode (res_pjsip_dtmf_info).  A phone that offers
                           ; telephone-event yet plays tones needs dtmf_mode = inband.
trust_id_inbound = no      ; yes only on a trunk you trust: its P-Asserted-Identity then
                           ; gives the caller's number (else From's user part does)
direct_media = no          ; Asterisk plays the music: the audio must pass through it
"""


def _manager(ami: AmiSettings, config: Path, callbacks: bool = False) -> str:
    rights = (f"write = {WRITE_CLASSES}  ; callbacks: Originate, Hangup, CoreSettings, "
              "CoreShowChannels" if callbacks else "write =")
    return f"""\
; ===== /etc/asterisk/manager.conf =====
[general]
enabled = yes
bindaddr = 127.0.0.1
port = {ami.port}

[{ami.username}]
secret = CHANGE-ME     ; the same value as ami.secret in {config} (chmod 600)
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
; serve only listens: queue callers (agent), MOH and hangups (call), keys (dtmf),
; FullyBooted/Shutdown (system).  Its actions (Login, Ping, QueueStatus) need no
; write class.
read = {EVENTS}
{rights}
; Of those, only the events serve reads, so a busy Asterisk's storm of others
; (Newstate, DialBegin, BridgeEnter, QueueMemberStatus, ...) is never queued
; for it (advanced filters by name: Asterisk compares a hash, no regex; read in
; 20.20's and 22's manager.c).
; List replies such as QueueEntry are not events and pass anyway.
{event_filters()}
"""


def event_filters() -> str:
    """manager.conf lines that let through only the events serve reads (docs/asterisk.md)."""
    names = sorted(set(AMI_EVENTS) | set(OWN_EVENTS))
    return "\n".join(f"eventfilter(action(include),name({name})) =" for name in names)


SERVE_UNIT = "progmoh-serve.service"
RENDER_UNIT = "progmoh-render.service"


def unit_files(serve: ServeSettings, config: Path, user: str) -> dict[str, str]:
    """The systemd units by file name; ``make install`` writes them, this prints them."""
    return {SERVE_UNIT: _serve_unit(serve, config, user),
            RENDER_UNIT: _render_unit(serve, config, user)}


def _runtime_directory(serve: ServeSettings) -> str:
    """systemd creates the socket's folder at each start when it lives under /run."""
    folder = serve.socket_path.parent
    if folder.parent != Path("/run"):
        return f"# the socket's folder {folder} is not under /run: create it yourself"
    return (f"RuntimeDirectory={folder.name}\nRuntimeDirectoryMode=0750\n"
            "RuntimeDirectoryPreserve=yes")


def _serve_unit(serve: ServeSettings, config: Path, user: str) -> str:
    return f"""\
# Runs as the {user} user so the players Asterisk starts can reach its socket
# ({serve.socket_path}, mode {serve.socket_mode:04o}).
[Unit]
Description=progmoh serve: per-caller music on hold control plane
After=network.target
Before=asterisk.service

[Service]
Type=simple
User={user}
{_runtime_directory(serve)}
ExecStart={serve.executable} serve --config {config}
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
"""


def _render_unit(serve: ServeSettings, config: Path, user: str) -> str:
    return f"""\
# Renders the library into {serve.cache_dir} on the schedule in the config
# (render.schedule, plus each daypart boundary).
[Unit]
Description=progmoh render --schedule: keep the music-on-hold cache up to date
After=network.target

[Service]
Type=simple
User={user}
UMask=0027
ExecStart={serve.executable} render --schedule --config {config}
Restart=on-failure
Nice=10

[Install]
WantedBy=multi-user.target
"""
