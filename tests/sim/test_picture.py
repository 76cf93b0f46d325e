"""`progmoh simulate-call --png`: what the caller heard, drawn with every timeline event."""

import struct

import matplotlib.pyplot as plt
from click.testing import CliRunner

from progmoh.cli.commands import progmoh
from progmoh.player.sim.call_events import classify
from progmoh.player.sim.picture import DPI, HEIGHT_IN, WIDTH_IN, draw, read_wav
from tests.support.simulated_call import build_cache, config, timeline


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_call_is_drawn_with_every_event(short_dir):
    build_cache(short_dir)
    wav, png = short_dir / "call.wav", short_dir / "call.png"
    result = CliRunner().invoke(progmoh, [
        "simulate-call", str(wav), "--seconds", "5", "--keys", "2@1.5,3@2.5,4@3.5",
        "--ahead-leaves", "0.6", "--png", str(png), "--config", config(short_dir)],
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"WAV: {wav}\nPNG: {png}\n")
    assert png_size(png) == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
    assert png.stat().st_size > 20_000                   # a picture, not an empty canvas

    events = timeline(result.output[:result.output.index("\nPNG: ")])
    figure = draw(read_wav(wav), events, "test")
    try:
        drawn = {artist.get_gid() for artist in figure.findobj() if artist.get_gid()}
        texts = [t.get_text() for t in figure.findobj(plt.Text)]
    finally:
        plt.close(figure)
    assert {f"event-{i}" for i in range(len(events))} <= drawn
    kinds = [e.kind for e in classify(events)]
    for kind in ("music", "class", "insert", "insert_end", "key", "queue", "other"):
        assert kind in kinds
    assert "key 2" in texts and "key 4" in texts and "class jazz: jazz/00-track" in texts
    assert any(t.startswith("balance: balance_is minus") for t in texts)
    assert "position 1 answered (2 waiting)" in texts
    assert not any("+1555" in t for t in texts)          # no caller number in the picture


def test_events_are_sorted_into_what_the_caller_hears_or_does():
    events = classify([
        (0.0, "music music:calm/01-dawn"), (20.0, "advice hours start (01-dawn at 30.0 s)"),
        (25.0, "advice hours cut (plays later)"), (25.1, "insert balance [balance_is n5]: 2 clips"),
        (26.0, "insert end"), (26.5, "AMI DTMFEnd: key 2 pressed by +15551230001 (Direction: "
                                     "Received)"),
        (27.0, "class jazz, music music:jazz/00-a"), (28.0, "serve: AMI connection up")])
    assert [(e.kind, e.label) for e in events] == [
        ("music", "calm/01-dawn"), ("advice", "advice hours"), ("advice_end", "advice hours cut"),
        ("insert", "balance: balance_is n5"), ("insert_end", ""), ("key", "key 2"),
        ("class", "class jazz: jazz/00-a"), ("other", "")]
