"""A caller whose number Asterisk does not have, or who withheld it, through the real serve
and a real player process: key 2 says "unavailable" without asking billing, and the
placeholder AMI shows instead of a number (``<unknown>``; ``anonymous`` and the like from
a SIP From of a withheld caller ID) is nobody's number, so no remembered class is read or
written for it: another withheld caller's choice is never heard."""

import pytest

from tests.support.ami_events import A, join, key
from tests.support.service_scenario import connect, run

UNAVAILABLE = {"v": 1, "type": "balance", "status": "unavailable", "language": "en",
               "accounts": []}


@pytest.mark.parametrize("shown", ["<unknown>", "anonymous", "Anonymous", "Restricted",
                                   "Private"])
def test_key_2_without_a_caller_number_is_unavailable_and_no_class_is_shared(tmp_path, shown):
    async def scenario(service, clock, players, path):
        service.ami_event(join(A, shown, 1))
        player = await connect(players, path, A)
        welcome, position = await player.message(), await player.message()
        service.ami_event(key(A, "2"))
        balance = await player.message()
        await player.send("class_changed", music_class="rock")
        service.ami_event(key(A, "3"))
        await player.message()                               # serve has read the class
        return welcome, position, balance, await service.choices.get(shown)

    welcome, position, balance, kept = run(tmp_path, scenario, remembered=(shown, "jazz"))
    assert welcome["music_class"] == "" and position["position"] == 1
    assert balance == UNAVAILABLE
    assert kept == "jazz"                    # the other withheld caller's, untouched
