"""The configuration files of the Asterisk servers of a lab, by role.

The PBX is the Asterisk progmoh serves: realtime MOH classes from ``serve``, the
queues, Local callers' dialplan, and chan_pjsip for SIP callers on loopback.
Each kind of SIP caller comes from its own loopback address, so an ``identify``
section gives it its own endpoint (docs/asterisk.md, "A real Asterisk for the
tests"):

- 127.0.0.1 ``phone``: baresip, DTMF as RFC 4733 events;
- 127.0.0.3 ``phone-inband``: baresip whose microphone plays the tones;
- 127.0.0.2 ``trunk``: the second Asterisk, keys as SIP INFO, its
  P-Asserted-Identity trusted;
- 127.0.0.4 ``carrier``: the second Asterisk again, not trusted: From counts.

The caller side withholds its callers' identity (tests/sip_callers.py): From
is anonymous, the number only in P-Asserted-Identity.

The endpoints inherit the ``progmoh-caller`` template that ``progmoh
asterisk-config`` prints (its pjsip.conf snippet); the config test loads the
whole output instead of these files.  The caller side (``trunk_files``) is a
second Asterisk that dials the PBX over PJSIP from 127.0.0.2 and 127.0.0.4.
"""

import dataclasses
from pathlib import Path

from progmoh.player.serve.ami.client import EVENTS
from progmoh.player.serve.asterisk_config import CALLER_TEMPLATE, pjsip_template
from progmoh.player.serve.callback_dialplan import WRITE_CLASSES, callback_dialplan

LAB_USER, LAB_SECRET = "lab", "lab-secret"
SERVE_USER, SERVE_SECRET = "progmoh", "serve-secret"
NO_SUCH_SOUND = "progmoh-test-no-such-sound"
PHONE_IP, TRUNK_IP, INBAND_IP, CARRIER_IP = "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"
# The dialed number says which queue a SIP caller joins, and tells its channel apart.
QUEUE_PREFIXES = {"support": "1", "restarts": "2", "sales": "3"}
# The queues whose calls play another program than the default, as `progmoh asterisk-config`
# writes their class: progmoh-<program>-${UNIQUEID} (player/programs.py).
QUEUE_PROGRAMS = {"sales": "sales"}


# The manager user a lab's own AMI sessions log in as: it may read and do anything.
LAB_MANAGER = f"""[{LAB_USER}]
secret = {LAB_SECRET}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = all
write = all
"""


@dataclasses.dataclass(frozen=True)
class Ports:
    ami: int
    http: int = 0        # serve's realtime lookup (the PBX only)
    sip: int = 0         # chan_pjsip's UDP transport


def base_files(folder: Path, prefix: Path, ami_port: int) -> dict[str, str]:
    """asterisk.conf, modules, logger and manager: what every Asterisk of a lab needs."""
    dirs = {name: folder / name for name in ("etc", "run", "log", "db", "spool", "lib")}
    directories = "\n".join(f"ast{name}dir => {path}" for name, path in dirs.items()
                            if name not in ("etc", "db", "lib"))
    # astdatadir stays the installed one: Stasis refuses to start without its XML docs.
    return {
        "asterisk.conf": f"""[directories]
astetcdir => {dirs['etc']}
astdbdir => {dirs['db']}
astvarlibdir => {dirs['lib']}
astmoddir => {prefix}/lib/asterisk/modules
astsbindir => {prefix}/sbin
astkeydir => {dirs['lib']}
astagidir => {dirs['lib']}
astdatadir => {prefix}/var/lib/asterisk
{directories}
[options]
documentation_language = en_US
""",
        "modules.conf": MODULES,
        "logger.conf": """[general]
dateformat = %F %T.%3q
[logfiles]
messages.log => notice,warning,error,debug
""",
        "manager.conf": f"""[general]
enabled = yes
bindaddr = 127.0.0.1
port = {ami_port}
{LAB_MANAGER}[{SERVE_USER}]
secret = {SERVE_SECRET}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = {EVENTS}
write = {WRITE_CLASSES}
""",
    }


MODULES = """[modules]
autoload = yes
noload => res_timing_pthread.so
load => res_timing_timerfd.so
"""


def pbx_files(folder: Path, prefix: Path, ports: Ports) -> dict[str, str]:
    """Every config file, by name, of the Asterisk progmoh serves, living in ``folder``."""
    return {**base_files(folder, prefix, ports.ami),
            "extconfig.conf": f"[settings]\nmusiconhold => curl,http://127.0.0.1:{ports.http}/moh\n",
            "musiconhold.conf": f"""[general]
cachertclasses = no
[default]
mode = files
directory = {folder / 'moh-default'}
""",
            "queues.conf": QUEUES,
            "extensions.conf": lab_globals(folder) + EXTENSIONS,
            "pjsip.conf": pbx_pjsip(ports.sip)}


AGENT_RECORDS_S = 12       # an agent of the callback tests records this long, then speaks
CUSTOMER_RECORDS_S = 8     # a called-back customer speaks, then records this long


def lab_globals(folder: Path) -> str:
    """Where the lab's agents and customers keep what they hear and what they say."""
    (folder / "rec").mkdir(parents=True, exist_ok=True)
    return (f"[globals]\nLAB_REC={folder / 'rec'}\nLAB_AGENT_S={AGENT_RECORDS_S}\n"
            f"LAB_CUSTOMER_S={CUSTOMER_RECORDS_S}\n")


QUEUES = f"""[general]
persistentmembers = no
[support]
ringinuse = no
joinempty = yes
leavewhenempty = no
announce-frequency = 0
announce-position = no
periodic-announce-frequency = 0
[restarts]
joinempty = yes
leavewhenempty = no
announce-frequency = 0
announce-position = no
periodic-announce = {NO_SUCH_SOUND}
periodic-announce-frequency = 4
[sales]
joinempty = yes
leavewhenempty = no
announce-frequency = 0
announce-position = no
periodic-announce-frequency = 0
[waits]
joinempty = yes
leavewhenempty = no
announce-frequency = 0
announce-position = no
periodic-announce-frequency = 0
ringinuse = no
"""

# Local callers set their number (and their channel's language, if given) from the
# Originate; SIP callers bring theirs, and
# the first digit of the number they dial picks the queue.  A SIP caller's From
# and P-Asserted-Identity headers go into variables (AMI VarSet events), so a
# test can say what identity the PBX was given.  An agent answers for
# a moment and hangs up (app_queue then counts an answered call and its hold time);
# ``talk1`` .. ``talk9`` talk 30 s each (handle times for the wait estimate), one call at
# a time in the ``waits`` queue (``ringinuse = no``: a Local agent in a call is in use);
# ``ringer`` rings and never answers: a member on duty who takes no call.
# A queue of another program sets PROGRAM_PART, so its class names the program; a
# caller redirected to transfer,sales moves to the sales queue and its program.
EXTENSIONS = """[callers]
exten => caller,1,Set(CALLERID(num)=${NUM})
 same => n,ExecIf($["${LANG}" != ""]?Set(CHANNEL(language)=${LANG}))
 same => n,Answer()
 same => n,Set(CHANNEL(musicclass)=progmoh-${UNIQUEID})
 same => n,Queue(${QUEUE})
 same => n,Hangup()
[phones]
""" + "".join(f"exten => _{digit}XXX,1,Set(QUEUE={queue})\n"
              + (f" same => n,Set(PROGRAM_PART={QUEUE_PROGRAMS[queue]}-)\n"
                 if queue in QUEUE_PROGRAMS else "")
              + " same => n,Goto(sip,s,1)\n"
              for queue, digit in QUEUE_PREFIXES.items()) + """[sip]
exten => s,1,Set(SIP_FROM=${PJSIP_HEADER(read,From)})
 same => n,Set(SIP_PAI=${PJSIP_HEADER(read,P-Asserted-Identity)})
 same => n,Goto(enter,s,1)
[enter]
exten => s,1,Answer()
 same => n,Set(CHANNEL(musicclass)=progmoh-${PROGRAM_PART}${UNIQUEID})
 same => n,Queue(${QUEUE})
 same => n,Hangup()
[transfer]
exten => sales,1,Set(CHANNEL(musicclass)=progmoh-sales-${UNIQUEID})
 same => n,Queue(sales)
 same => n,Hangup()
[agents]
exten => agent,1,Answer()
 same => n,Wait(0.5)
 same => n,Hangup()
exten => ringer,1,Wait(3600)
exten => _talkX,1,Answer()
 same => n,Wait(30)
 same => n,Hangup()
exten => recording,1,Answer()
 same => n,Record(${LAB_REC}/agent-${UNIQUEID}.wav,0,${LAB_AGENT_S},qkx)
 same => n,Playback(${LAB_REC}/agent-says)
 same => n,Hangup()
[customers]
exten => _X.,1,GotoIf($["${DB(lab/refuse/${EXTEN})}" = "1"]?refuse)
 same => n,Wait(1)
 same => n,Answer()
 same => n,Playback(${LAB_REC}/customer-says)
 same => n,Record(${LAB_REC}/customer-${EXTEN}-${UNIQUEID}.wav,0,${LAB_CUSTOMER_S},qkx)
 same => n,Hangup()
 same => n(refuse),Set(DB(lab/refuse/${EXTEN})=0)
 same => n,Wait(120)
 same => n,Hangup()
""" + callback_dialplan()

PBX_ENDPOINTS = (("phone", PHONE_IP, "dtmf_mode = rfc4733"),
                 ("phone-inband", INBAND_IP, "dtmf_mode = inband"),
                 ("trunk", TRUNK_IP, "dtmf_mode = info\ntrust_id_inbound = yes"),
                 ("carrier", CARRIER_IP, "dtmf_mode = info\ntrust_id_inbound = no"))


def pbx_pjsip(sip_port: int) -> str:
    endpoints = "".join(f"""[{name}]({CALLER_TEMPLATE})
context = phones
{options}
[{name}]
type = identify
endpoint = {name}
match = {address}
""" for name, address, options in PBX_ENDPOINTS)
    return f"""[lab-udp]
type = transport
protocol = udp
bind = 127.0.0.1:{sip_port}
{pjsip_template()}
{endpoints}"""


def trunk_files(folder: Path, prefix: Path, ports: Ports, pbx_sip_port: int) -> dict[str, str]:
    """The caller side: endpoints ``pbx-trusted`` and ``pbx-carrier`` dial the PBX."""
    routes = "".join(f"""[from-{address}]
type = transport
protocol = udp
bind = {address}:{ports.sip}
[{name}]
type = endpoint
transport = from-{address}
aors = {name}
context = dialer
disallow = all
allow = ulaw
dtmf_mode = info
send_pai = yes
trust_id_outbound = yes
direct_media = no
[{name}]
type = aor
contact = sip:{PHONE_IP}:{pbx_sip_port}
""" for name, address in (("pbx-trusted", TRUNK_IP), ("pbx-carrier", CARRIER_IP)))
    return {**base_files(folder, prefix, ports.ami), "pjsip.conf": routes,
            "extensions.conf": "[dialer]\nexten => s,1,Hangup()\n"}
