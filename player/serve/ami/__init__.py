"""The Asterisk Manager Interface client of ``progmoh serve``.

Framing (bytes to message blocks), parsing (blocks to headers) and the
client (login, ActionID matching, keepalive, reconnect) are separate so each
can be tested against the recorded sessions on its own.
"""
