"""progmoh render (renderer/): library scan, conditioning, mixing, prompts, the schedule."""
