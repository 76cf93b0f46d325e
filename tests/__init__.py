"""progmoh's test suite: one folder per room, shared helpers in support/ (README, "Development")."""
