"""A picture of what the caller heard: waveform and telephone-band spectrogram over time,
with the call's events marked and labelled (``progmoh simulate-call --png``).

The only module of the project that imports matplotlib, an optional extra
(``pip install 'progmoh[plot]'``; ``make demo`` installs it).  Each event of
the timeline is drawn as one artist whose gid is ``event-<index>``, so a
test can check that none was left out.
"""

import wave

import numpy as np
from matplotlib.figure import Figure  # not pyplot: files only, no display, no GUI backend
from matplotlib.lines import Line2D

from progmoh.cache.audio_format import SAMPLE_RATE_HZ
from progmoh.player.sim.call_events import classify

WIDTH_IN, HEIGHT_IN, DPI = 14.0, 7.0, 80
COLOURS = {"music": "#1f77b4", "class": "#9467bd", "advice": "#2ca02c", "advice_end": "#2ca02c",
           "insert": "#d62728",
           "insert_end": "#d62728", "key": "#ff7f0e", "queue": "#8c564b", "other": "#999999"}
LANE_KINDS = ("music", "class", "advice", "insert", "key", "queue")
LABEL_GAP = 0.011                        # minimum label spacing, as a fraction of the call


def read_wav(path) -> np.ndarray:
    """Mono 16-bit samples of a WAV the simulated call wrote, as floats in -1..1."""
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def draw(samples: np.ndarray, timeline, title: str):
    """The figure (not saved): an event lane over the waveform over the spectrogram."""
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    lane, wave_ax, spec_ax = figure.subplots(
        3, 1, sharex=True,
        gridspec_kw={"height_ratios": [2.4, 1.0, 1.6], "hspace": 0.06})
    seconds = max(len(samples) / SAMPLE_RATE_HZ, 1.0)
    events = classify(timeline)
    start = min([0.0] + [e.at_s for e in events])
    _waveform(wave_ax, samples)
    _spectrogram(spec_ax, samples)
    _events(figure, (lane, wave_ax, spec_ax), events, seconds)
    lane.set_xlim(start, seconds * 1.015)
    lane.set_title(title, loc="left", fontsize=11)
    spec_ax.set_xlabel("seconds into the call")
    figure.subplots_adjust(left=0.06, right=0.985, top=0.94, bottom=0.08)
    return figure


def save_picture(wav_path, timeline, png_path, title: str) -> None:
    draw(read_wav(wav_path), timeline, title).savefig(str(png_path), dpi=DPI)


def _waveform(ax, samples: np.ndarray) -> None:
    buckets = max(1, len(samples) // 1600)
    usable = samples[:len(samples) // buckets * buckets].reshape(-1, buckets) if len(samples) else \
        np.zeros((1, 1))
    times = np.arange(len(usable)) * buckets / SAMPLE_RATE_HZ
    ax.fill_between(times, usable.min(axis=1), usable.max(axis=1), color="#444444", linewidth=0)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("level")
    ax.set_yticks([-1, 0, 1])


def _spectrogram(ax, samples: np.ndarray) -> None:
    if len(samples) >= 512:
        ax.set_facecolor("black")
        ax.specgram(samples, NFFT=256, Fs=SAMPLE_RATE_HZ, noverlap=128, cmap="magma",
                    vmin=-120, vmax=-20)
    ax.axhspan(300, 3400, fill=False, edgecolor="#00bcd4", linestyle=":", linewidth=1)
    ax.set_ylim(0, SAMPLE_RATE_HZ / 2)
    ax.set_ylabel("Hz (band 300-3400)")


def _events(figure, axes, events, seconds: float) -> None:
    lane = axes[0]
    lane.set_ylim(0, 1)
    lane.set_yticks([])
    for side in ("top", "right", "left"):
        lane.spines[side].set_visible(False)
    started: dict[str, float] = {}               # "insert"/"advice" -> its start, seconds
    last_label_x = -1e9
    gap = LABEL_GAP * seconds
    for index, event in enumerate(events):
        gid, colour = f"event-{index}", COLOURS[event.kind]
        if event.kind == "insert_end":
            _span(axes, started.pop("insert", event.at_s), event.at_s, colour, gid)
            continue
        if event.kind == "advice_end":
            _span(axes, started.pop("advice", event.at_s), event.at_s, colour, None)
        if event.kind == "other":
            lane.plot([event.at_s], [0.02], marker="|", markersize=7, color=colour, gid=gid)
            continue
        if event.kind in ("insert", "advice"):
            started[event.kind] = event.at_s
        for ax in axes[1:]:
            ax.axvline(event.at_s, color=colour, linewidth=0.8, alpha=0.8)
        x = max(event.at_s, last_label_x + gap)
        last_label_x = x
        lane.plot([event.at_s, x], [0.0, 0.06], color=colour, linewidth=0.8)
        lane.text(x, 0.07, event.label, rotation=90, va="bottom", ha="center", fontsize=7.5,
                  color=colour, gid=gid)
    _legend(lane)


def _span(axes, start_s: float, end_s: float, colour: str, gid: str | None) -> None:
    """An insert or an advice, from its start to its end, shaded behind the waveform."""
    axes[1].axvspan(start_s, max(end_s, start_s + 0.05), color=colour, alpha=0.18, gid=gid)


def _legend(lane) -> None:
    handles = [Line2D([], [], color=COLOURS[kind], linewidth=2) for kind in LANE_KINDS]
    names = ["music track", "class switch", "advice (shaded)", "insert (shaded)", "key", "queue"]
    lane.legend(handles, names, loc="upper right", fontsize=7.5, ncol=6, frameon=False,
                bbox_to_anchor=(1.0, 1.02))
