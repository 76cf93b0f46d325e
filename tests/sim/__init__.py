"""What plays Asterisk for the demo and the tests (player/sim/): simulated call, emulator, reader."""
