"""The per-call data plane: what Asterisk runs for one call (standard library only)."""
