"""The simulated call's billing system: ``python demo_billing.py NUMBER [LANGUAGE]``.

serve's "command" billing backend runs it (argv, no shell) and reads JSON
accounts from its stdout, as it would a legacy billing tool.  It lives in
the package, beside the simulation, so every install can find it; it is a
script of its own, never imported by the player or serve.  Every number
has the same demo account; the amount suits the language so the demo says
a currency its voice knows.  Beside the accounts it says when the next payment is
due, for the demo's key 6.
"""

import json
import sys

NEXT_PAYMENT = {                    # what key 6's template reads (demo.toml)
    "en": {"due": "49.90", "currency": "USD", "due_date": "2026-12-15"},
    "ru": {"due": "1490", "currency": "RUB", "due_date": "2026-12-15"},
}
ACCOUNTS = {
    "en": [{"account": "40817810", "balance": "1234.56", "currency": "USD", "locked": False}],
    "ru": [{"account": "40817810", "balance": "-1234.05", "currency": "RUB", "locked": False}],
}


def answer(number: str, language: str = "en") -> str:
    if not number:
        return json.dumps({"accounts": []})
    return json.dumps({"accounts": ACCOUNTS.get(language, ACCOUNTS["en"]),
                       **NEXT_PAYMENT.get(language, NEXT_PAYMENT["en"])})


if __name__ == "__main__":
    sys.stdout.write(answer(*sys.argv[1:3]) + "\n")
