"""The per-call player (player/play/, cli/play_fast.py), its words and the wire format."""
