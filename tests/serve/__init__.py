"""The control plane, progmoh serve (player/serve/): AMI, realtime, billing, the players' socket."""
