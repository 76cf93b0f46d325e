"""The control plane, ``progmoh serve``: realtime answers, AMI, billing, remembered music,
the players' socket."""
