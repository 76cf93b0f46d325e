"""`progmoh asterisk-config` prints working, commented snippets filled from the config."""

from click.testing import CliRunner

from progmoh.cli.commands import progmoh

CONFIG = """
[serve]
listen = "127.0.0.1"
port = 8123
prefix = "/progmoh-rt/"
executable = "/opt/progmoh/bin/progmoh"
socket = "/run/progmoh/serve.sock"
[ami]
enabled = true
port = 5039
username = "mohwatch"
secret = "s3cret-never-printed"
"""


def run(tmp_path):
    path = tmp_path / "progmoh.toml"
    path.write_text(CONFIG)
    path.chmod(0o600)
    result = CliRunner().invoke(progmoh, ["asterisk-config", "--config", str(path)],
                                catch_exceptions=False)
    return result, path


def section(text: str, name: str) -> str:
    return text.split(f"===== {name} =====", 1)[1].split("=====", 1)[0]


def test_snippets_are_filled_from_the_config(tmp_path):
    result, path = run(tmp_path)
    assert result.exit_code == 0
    out = result.output
    extconfig = section(out, "/etc/asterisk/extconfig.conf")
    assert "musiconhold => curl,http://127.0.0.1:8123/progmoh-rt\n" in extconfig
    assert "cachertclasses=no\n" in section(out, "/etc/asterisk/musiconhold.conf")
    modules = section(out, "/etc/asterisk/modules.conf")
    for module in ("res_curl.so", "func_curl.so", "res_config_curl.so", "res_timing_timerfd.so",
                   "res_pjsip_dtmf_info.so", "res_pjsip_caller_id.so"):
        assert f"load => {module}" in modules
    dialplan = section(out, "/etc/asterisk/extensions.conf")
    set_class = dialplan.index("Set(CHANNEL(musicclass)=progmoh-${UNIQUEID})")
    assert set_class < dialplan.index("n,Queue(")
    queues = section(out, "/etc/asterisk/queues.conf")
    assert "announce-position = no" in queues
    assert "periodic-announce =" not in queues and "periodic-announce-frequency = 0" in queues
    pjsip = section(out, "/etc/asterisk/pjsip.conf")
    for line in ("[progmoh-caller](!)\n", "type = endpoint\n", "context = progmoh-queue ",
                 "allow = ulaw,alaw ", "dtmf_mode = auto ", "trust_id_inbound = no ",
                 "direct_media = no "):
        assert line in pjsip, line
    manager = section(out, "/etc/asterisk/manager.conf")
    assert "[mohwatch]" in manager and "port = 5039" in manager
    assert "read = call,agent,dtmf,system\n" in manager and "write =\n" in manager
    serve_unit = section(out, "/etc/systemd/system/progmoh-serve.service")
    assert f"ExecStart=/opt/progmoh/bin/progmoh serve --config {path.resolve()}\n" in serve_unit
    render_unit = section(out, "/etc/systemd/system/progmoh-render.service")
    schedule = f"ExecStart=/opt/progmoh/bin/progmoh render --schedule --config {path.resolve()}"
    assert schedule in render_unit


def test_the_tested_versions_are_named_and_the_lines_are_the_same_for_each(tmp_path):
    result, _ = run(tmp_path)
    head = result.output.split("=====", 1)[0]
    assert "Asterisk 22 LTS (22.10.1) and 20 LTS (20.20.1)" in head
    assert "the same for each of them" in head


def test_the_secret_is_never_printed(tmp_path):
    result, _ = run(tmp_path)
    assert "s3cret" not in result.output
    assert "secret = CHANGE-ME" in result.output


def test_every_setting_line_of_the_asterisk_snippets_is_explained(tmp_path):
    result, _ = run(tmp_path)
    for name in ("extconfig.conf", "musiconhold.conf", "extensions.conf", "queues.conf",
                 "pjsip.conf"):
        body = section(result.output, f"/etc/asterisk/{name}")
        assert sum(line.lstrip().startswith(";") for line in body.splitlines()) >= 2, name


# -- programs: a dialplan context and a queue for each ---------------------------------
PROGRAMS = """
[programs.sales.keys]
balance = ""
[programs.support.library]
default_class = "calm"
[programs.collections]
language = "ru"
"""
DEFAULT_CONTEXT = """\
[progmoh-queue]
exten => _X.,1,Answer()
 same => n,Set(CHANNEL(musicclass)=progmoh-${UNIQUEID})
 same => n,Queue(support)
 same => n,Hangup()
"""


def run_with(tmp_path, extra: str):
    path = tmp_path / "progmoh.toml"
    path.write_text(CONFIG + extra)
    path.chmod(0o600)
    result = CliRunner().invoke(progmoh, ["asterisk-config", "--config", str(path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def contexts(dialplan: str) -> dict[str, list[str]]:
    """Each [context] of the dialplan and its lines that are not comments."""
    found: dict[str, list[str]] = {}
    name = None
    for line in dialplan.splitlines():
        if line.startswith("["):
            name = line.strip("[]")
            found[name] = []
        elif name and line.strip() and not line.startswith(";"):
            found[name].append(line)
    return found


def test_each_program_has_a_context_setting_its_class_before_its_queue(tmp_path):
    dialplan = section(run_with(tmp_path, PROGRAMS), "/etc/asterisk/extensions.conf")
    found = contexts(dialplan)
    assert list(found) == ["progmoh-queue", "progmoh-queue-collections", "progmoh-queue-sales",
                           "progmoh-queue-support"]
    for program, queue in (("collections", "collections"), ("sales", "sales"),
                           ("support", "support")):
        assert found[f"progmoh-queue-{program}"] == [
            "exten => _X.,1,Answer()",
            f" same => n,Set(CHANNEL(musicclass)=progmoh-{program}-${{UNIQUEID}})",
            f" same => n,Queue({queue})", " same => n,Hangup()"], program
    assert "Goto(progmoh-queue-sales,${EXTEN},1)" in dialplan


def test_the_default_program_keeps_todays_lines_exactly(tmp_path):
    today = run(tmp_path)[0].output
    with_programs = run_with(tmp_path, PROGRAMS)
    assert DEFAULT_CONTEXT in section(today, "/etc/asterisk/extensions.conf")
    for name in ("extensions.conf", "queues.conf"):          # today's, then the programs'
        today_part = section(today, f"/etc/asterisk/{name}").removesuffix("; ")
        assert section(with_programs, f"/etc/asterisk/{name}").startswith(today_part), name
    for name in ("extconfig.conf", "musiconhold.conf", "modules.conf", "pjsip.conf",
                 "manager.conf"):
        assert section(with_programs, f"/etc/asterisk/{name}") == section(
            today, f"/etc/asterisk/{name}"), name


def test_each_programs_queue_has_app_queues_announcements_off_once(tmp_path):
    queues = section(run_with(tmp_path, PROGRAMS), "/etc/asterisk/queues.conf")
    sections = [line for line in queues.splitlines() if line.startswith("[")]
    assert sections == ["[support]", "[collections]", "[sales]"]     # support once
    assert queues.count("announce-position = no") == 3
    assert queues.count("periodic-announce-frequency = 0") == 3
    assert "; the queue of program \"sales\" (progmoh-queue-sales above)" in queues
