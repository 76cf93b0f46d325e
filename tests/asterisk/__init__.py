"""A real Asterisk with the real serve and players, and the script that builds it."""
