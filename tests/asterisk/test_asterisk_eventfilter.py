"""On a real Asterisk: the manager.conf ``eventfilter`` lines `progmoh asterisk-config` prints
let through exactly the events serve reads, and the ``Filter`` action serve sends at login is
taken from a user with the ``system`` write class and refused, harmlessly, from serve's own
user (``write =``)."""

import pytest

from progmoh.player.serve.ami.client import EVENTS, OWN_EVENTS
from progmoh.player.serve.asterisk_config import event_filters
from progmoh.player.serve.core import AMI_EVENTS
from tests.support import asterisk_lab as lab
from tests.support.ami_session import AmiSession

pytestmark = pytest.mark.asterisk

FILTERED, FILTERED_SECRET = "filtered", "filtered-secret"
PLAIN, PLAIN_SECRET = "plain", "plain-secret"
WANTED = set(AMI_EVENTS) | set(OWN_EVENTS)


class FilteringAsterisk(lab.Asterisk):
    """The lab's Asterisk with two more manager users of serve's read classes: one with the
    printed eventfilter lines, one without."""

    def _write_config(self, files) -> None:
        super()._write_config(files)
        manager = self.folder / "etc" / "manager.conf"
        users = ""
        for user, secret, extra in ((FILTERED, FILTERED_SECRET, event_filters()),
                                    (PLAIN, PLAIN_SECRET, "")):
            users += (f"\n[{user}]\nsecret = {secret}\ndeny = 0.0.0.0/0.0.0.0\n"
                      f"permit = 127.0.0.1/255.255.255.255\nread = {EVENTS}\nwrite =\n{extra}\n")
        manager.write_text(manager.read_text() + users)


def names(session: AmiSession) -> set:
    return {m["Event"] for m in session.messages if "Event" in m and "ActionID" not in m}


def test_eventfilter_lines_and_the_filter_action_on_a_real_asterisk(asterisk_prefix, tmp_path):
    asterisk = FilteringAsterisk(asterisk_prefix, tmp_path)
    asterisk.start()
    try:
        filtered = AmiSession(asterisk.ami_port, FILTERED, FILTERED_SECRET)
        plain = AmiSession(asterisk.ami_port, PLAIN, PLAIN_SECRET)
        lab_session = asterisk.session()
        refused = plain.action("Filter", Operation="Add", Filter="",
                               MatchCriteria="action(include),name(Hangup)")
        taken = [lab_session.action("Filter", Operation="Add", Filter="",
                                    MatchCriteria=f"action(include),name({name})")
                 for name in sorted(WANTED)]
        mark = len(lab_session.messages)
        lab_session.action("Originate", Channel="Local/caller@callers/n", Application="Wait",
                           Data="1", Async="true", Variable=["NUM=+15551230001",
                                                             "QUEUE=support"])
        for session in (filtered, plain, lab_session):
            session.wait(lambda m: m.get("Event") == "Hangup", 20, "Hangup")
        lab_names = {m["Event"] for m in lab_session.messages[mark:]
                     if "Event" in m and "ActionID" not in m}
        got, unfiltered = names(filtered), names(plain)
    finally:
        asterisk.stop()
    assert refused["Response"] == "Error" and "ermission" in refused.get("Message", "")
    assert all(reply["Response"] == "Success" for reply in taken), taken
    assert {"Newchannel", "QueueCallerJoin", "Hangup"} <= got and got <= WANTED, got
    assert unfiltered - WANTED, unfiltered          # the storm the filter keeps away
    assert {"Newchannel", "Hangup"} <= lab_names <= WANTED, lab_names
