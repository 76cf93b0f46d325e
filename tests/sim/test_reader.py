"""The faithful Asterisk reader itself, against small stand-in applications."""

import json
import sys
import textwrap

import pytest

from progmoh.cache.audio_format import FRAME_BYTES
from progmoh.player.sim import asterisk_reader as ar


def script(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return "%s %s" % (sys.executable, path)


def test_application_lines_split_on_single_spaces():
    assert ar.split_application("/bin/app play  --x 1") == ["/bin/app", "play", "", "--x", "1"]
    with pytest.raises(ValueError, match="256 characters, over 255"):
        ar.split_application("x" * 256)


def test_spawned_as_asterisk_does(tmp_path):
    report = tmp_path / "report.json"
    line = script(tmp_path, "app.py", f"""
        import json, os, sys, time
        info = {{"pgid": os.getpgid(0), "pid": os.getpid(),
                 "stdin": os.readlink("/proc/self/fd/0"),
                 "fds": sorted(map(int, os.listdir("/proc/self/fd")))}}
        open({str(report)!r}, "w").write(json.dumps(info))
        while True:
            os.write(1, bytes(3200))
            time.sleep(0.2)
    """)
    channel = ar.play(line, 0.3)
    info = json.loads(report.read_text())
    assert info["pgid"] == info["pid"]                 # its own process group
    assert info["stdin"] == "/dev/null"
    assert info["fds"][:3] == [0, 1, 2] and len(info["fds"]) <= 4   # + the listing's own fd
    assert channel.frames_read >= 5


def test_short_reads_are_counted_and_discarded(tmp_path):
    line = script(tmp_path, "slow.py", """
        import os, time
        start = time.monotonic()
        for i in range(1000):
            os.write(1, bytes([1]) * %d)                 # half a frame per tick: half speed
            time.sleep(max(0.0, start + (i + 1) * 0.04 - time.monotonic()))
    """ % (FRAME_BYTES // 2))
    channel = ar.play(line, 1.0, wav_path=tmp_path / "x.wav")
    assert channel.short_reads >= 10 and channel.frames_read <= 2
    assert len(channel.heard()) == channel.frames_read * FRAME_BYTES


def test_stubborn_application_is_killed_after_hup_and_term(tmp_path):
    line = script(tmp_path, "stubborn.py", """
        import os, signal, time
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.write(1, bytes(3200))
        while True:
            time.sleep(1)
    """)
    channel = ar.Channel(line).start()
    ar.await_first_audio([channel])
    channel.stop()
    assert channel.stopped_by == "SIGKILL"
    assert 190 <= channel.exit_ms() < 400
