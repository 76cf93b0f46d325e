"""The dialplan a callback needs (docs/architecture.md, "Callbacks"): printed by `progmoh
asterisk-config` and loaded as it is by the real-Asterisk tests, so both run one text.

``progmoh-callback-hold`` is the placeholder's queue half: serve originates
``Local/<id>@progmoh-callback-hold/n``, and it enters the queue at the
caller's place (``CB_POS``) with ringing instead of music, so no player runs
for it.  ``progmoh-callback-dial`` is its other half, run when an agent has
answered the placeholder: the agent hears the whisper serve wrote, then
a ringback tone while the customer is dialled (app_playtones), then the customer.  serve reads how
it went from AMI's own DialEnd of that half (no module beyond app_dial).
"""

from progmoh.player.serve.callbacks import DIAL_CONTEXT, HOLD_CONTEXT

WRITE_CLASSES = "originate,call,reporting"     # Originate, Hangup, CoreSettings, CoreShowChannels
# What the agent hears while the customer's phone rings: a ringback tone spelled out
# (440+480 Hz, 2 s on, 4 s off), so no indications.conf zone is needed.  Dial's r keeps
# it going while it rings (app_dial stops a generator only without r or m) and stops it
# when the customer answers.
RINGBACK = "440+480/2000,0/4000"


def callback_dialplan() -> str:
    return f"""\
[{HOLD_CONTEXT}]
; Queue()'s position is its 10th argument before Asterisk 21 (the macro one), its 9th
; from 21 on: serve says which in CB_PRE21 (AMI splits variables on commas, so the
; arguments are made here).
exten => _X.,1,GotoIf($[${{CB_PRE21}} = 1]?pre21)
 same => n,Queue(${{CB_QUEUE}},r,,,,,,,${{CB_POS}})
 same => n,Hangup()
 same => n(pre21),Queue(${{CB_QUEUE}},r,,,,,,,,${{CB_POS}})
 same => n,Hangup()

[{DIAL_CONTEXT}]
exten => s,1,Wait(0.3)
 same => n,Playback(${{CB_WHISPER}})
 same => n,Playtones({RINGBACK})
 same => n,Dial(${{CB_DIAL}},${{CB_RING_S}},r)
 same => n,Hangup()
"""
