# The C module under `signal`, which the player imports to skip `signal`'s enum
# (player/play/engine.py); typeshed has no stub for it, so it is `signal`'s own.
from signal import SIGHUP as SIGHUP
from signal import SIGINT as SIGINT
from signal import SIGTERM as SIGTERM
from signal import signal as signal
