"""A real Asterisk configured from ``progmoh asterisk-config``'s own output puts a SIP call through.

The command runs as an admin runs it, on the lab's progmoh.toml; every
``/etc/asterisk`` file it prints becomes that file of the lab's Asterisk, with
only what an admin adds by hand: the manager secret where it says CHANGE-ME,
the machine's own modules.conf lines (autoload, the timing module choice), and
a phone endpoint written the way the pjsip.conf snippet says (inheriting its
template).  The lab keeps its asterisk.conf and logger.conf (folders and the
short-read log) and a manager user of its own to watch the call.  A baresip
phone then dials any number, hears progmoh's music, and key 2 gets its balance.
"""

import subprocess

import pytest

from progmoh.player.serve.asterisk_config import CALLER_TEMPLATE
from tests.support.asterisk_conf import LAB_MANAGER, MODULES, PHONE_IP, SERVE_SECRET
from tests.support.asterisk_lab import PROGMOH, toml_text

pytestmark = pytest.mark.asterisk

NUMBER = "15550042"
HEADER = "; ===== /etc/asterisk/"


def printed_files(output: str) -> dict[str, str]:
    """The /etc/asterisk files of the command's output, by name."""
    files, name = {}, None
    for line in output.splitlines(keepends=True):
        if line.startswith(HEADER):
            name = line[len(HEADER):].split(" =====")[0]
            files[name] = ""
        elif line.startswith("# ===== "):
            name = None
        elif name is not None:
            files[name] += line
    return files


def admin_additions(files: dict[str, str], sip_port: int) -> dict[str, str]:
    """What the snippets leave to the admin, done as an admin would."""
    assert "secret = CHANGE-ME" in files["manager.conf"], files["manager.conf"]
    loads = files["modules.conf"].replace("[modules]\n", "", 1)
    return {
        **files,
        "modules.conf": MODULES + loads,
        "manager.conf": (files["manager.conf"].replace("CHANGE-ME", SERVE_SECRET) + "\n"
                         + LAB_MANAGER),
        "pjsip.conf": f"""[udp]
type = transport
protocol = udp
bind = 127.0.0.1:{sip_port}
{files['pjsip.conf']}
[phone]({CALLER_TEMPLATE})
[phone]
type = identify
endpoint = phone
match = {PHONE_IP}
""",
    }


def test_the_printed_configuration_runs_a_queue_call(lab):
    config = lab.folder / "printed.toml"
    config.write_text(toml_text(lab.sections))
    config.chmod(0o600)
    done = subprocess.run([str(PROGMOH), "asterisk-config", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    files = printed_files(done.stdout)
    assert set(files) == {"extconfig.conf", "musiconhold.conf", "modules.conf", "extensions.conf",
                          "queues.conf", "pjsip.conf", "manager.conf"}, sorted(files)
    lab.asterisk.write_files(admin_additions(files, lab.asterisk.sip_port))
    lab.start({NUMBER: "15"})
    caller = lab.call(NUMBER)
    assert caller.variable("SIP_FROM") is None          # the lab's own dialplan is not loaded
    caller.hold_until(0.8)
    key = caller.press("2")
    caller.hold_until(key + lab.sentence_s(["balance_is", "n15", "cur_USD_n"]) + 1.0)
    caller.hang_up()
    recording = lab.recording(caller)
    begins = lab.clip_after(caller, recording, "prompt:en/balance_is", key, "key 2")
    lab.clip_after(caller, recording, "prompt:en/n15", key + begins, "the amount",
                   within_s=lab.sentence_s(["balance_is"]) + 0.5)
    lost = lab.check_everywhere()
    print(f"balance {begins} s after the key; lost at the start {lost}")
