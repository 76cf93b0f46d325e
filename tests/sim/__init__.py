"""What plays Asterisk for the demo and the tests (player/sim/): the simulated call, the AMI
emulator, the reader, the picture."""
