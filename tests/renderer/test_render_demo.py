"""The demo library shipped in music/ renders cleanly with the default config."""

from collections import Counter

from progmoh.cache.audio_format import SAMPLE_RATE_HZ
from progmoh.cli.config import load
from progmoh.cli.render_cmd import render_programs
from progmoh.renderer.render import render


def test_the_demo_library_renders_without_problems(tmp_path):
    config = load(None)
    result = render(render_programs(config), config.render, tmp_path / "cache")
    assert result.problems == ()
    from progmoh.cache.store import Store
    manifest = Store(tmp_path / "cache").current()
    assert len(manifest.classes) >= 2 and manifest.default_class == manifest.classes[0]
    music = [s for s in manifest.segments if s.kind == "music"]
    assert {s.sources[0].rsplit(".", 1)[1] for s in music} >= {"mp3", "ogg", "m4a", "flac"}
    assert all(60 * SAMPLE_RATE_HZ <= s.samples <= 120 * SAMPLE_RATE_HZ for s in music)
    advice = [s for s in manifest.segments if s.kind == "advice"]
    groups = Counter(s.group for s in advice)
    assert set(groups) == {"first", "middle", "last"}
    kinds = {s.sources[1].rsplit(".", 1)[1] for s in advice}
    assert "txt" in kinds and kinds & {"wav", "flac", "ogg", "mp3"}
    assert any(s.limits.daypart_names == ("morning",) for s in advice)
    assert manifest.program == {k: getattr(config.program, k) for k in manifest.program}
