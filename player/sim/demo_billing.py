"""The simulated call's billing system: ``python demo_billing.py NUMBER [LANGUAGE]``.

serve's "command" billing backend runs it (argv, no shell) and reads JSON
accounts from its stdout, as it would a legacy billing tool.  It lives in
the package, beside the simulation, so every install can find it; it is a
script of its own, never imported by the player or serve.  Every number
has the same demo account; the amount suits the language so the demo says
a currency its voice knows.
"""

import json
import sys

ACCOUNTS = {
    "en": [{"account": "40817810", "balance": "1234.56", "currency": "USD", "locked": False}],
    "ru": [{"account": "40817810", "balance": "-1234.05", "currency": "RUB", "locked": False}],
}


def answer(number: str, language: str = "en") -> str:
    accounts = ACCOUNTS.get(language, ACCOUNTS["en"]) if number else []
    return json.dumps({"accounts": accounts})


if __name__ == "__main__":
    sys.stdout.write(answer(*sys.argv[1:3]) + "\n")
