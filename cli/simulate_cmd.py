"""``progmoh simulate-call``: one call through the real player, keys pressed at set times."""

import math

import click

from progmoh.cli.options import config_option, load_config
from progmoh.player.sim.simulate import simulate_call


def _presses(ctx, param, value):
    """``2@25,3@40`` -> (("2", 25.0), ("3", 40.0))."""
    presses = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        key, at, seconds = item.partition("@")
        try:
            presses.append((key, float(seconds)))
        except ValueError:
            raise click.BadParameter(f"{item!r} is not KEY@SECONDS, e.g. 2@25") from None
        if not at or not key or not math.isfinite(presses[-1][1]):
            raise click.BadParameter(f"{item!r} is not KEY@SECONDS, e.g. 2@25")
    return tuple(presses)


def _finite(ctx, param, value):
    """click's FloatRange lets nan through (every comparison with it is false)."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number of seconds")
    return value


@click.command(name="simulate-call")
@click.argument("out_wav", type=click.Path(dir_okay=False, writable=True))
@click.option("--seconds", type=click.FloatRange(1, 3600), default=90.0, show_default=True,
              callback=_finite, help="How long the caller holds.")
@click.option("--keys", "presses", default="2@25,3@40,4@55", show_default=True,
              callback=_presses, help="Keys pressed, as KEY@SECONDS separated by commas.")
@click.option("--ahead-leaves", "ahead_leaves_at_s", type=click.FloatRange(0), default=None,
              callback=_finite,
              help="Second at which an agent answers the caller ahead, so the position "
                   "and the estimated wait change.")
@click.option("--program", default="default", show_default=True,
              help="The program the dialplan chooses for the call ([programs.<name>] in the "
                   "config), given in the class name as Asterisk gives it.")
@click.option("--standin", is_flag=True,
              help="Use the stand-in control plane instead of the real serve.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False, writable=True),
              help="Also draw what the caller heard (waveform, spectrogram, events) to this "
                   "PNG; needs the plot extra (pip install 'progmoh[plot]').")
@config_option
def command(out_wav, seconds, presses, ahead_leaves_at_s, program, standin, png_path,
            config_file):
    """Simulate a call: the real player under an Asterisk-like reader, keys pressed at set
    times.  By default the call goes through the real control plane (serve, with an AMI
    emulator playing Asterisk and a demo billing script); --standin uses a stand-in that
    sends the player its commands directly.  What the caller heard is written to OUT_WAV."""
    config = load_config(config_file)
    draw = _picture_maker() if png_path else None
    settings = config.control_plane
    if program not in config.program_configs():
        raise click.BadParameter(f"{program!r} is not a program of the configuration (known: "
                                 f"{', '.join(config.program_configs())})", param_hint="--program")
    report = simulate_call(out_wav, settings, seconds, presses, standin=standin,
                           ahead_leaves_at_s=ahead_leaves_at_s, program=program)
    first = "-" if report.first_audio_ms is None else f"{report.first_audio_ms:.0f} ms"
    click.echo(f"Simulated call {report.uniqueid} of program {program} through {report.through}: "
               f"{report.seconds_heard:.1f} s heard, first audio {first}, "
               f"{report.short_reads} short reads, stopped by {report.stopped_by or '-'}")
    for at_s, what in report.timeline:
        click.echo(f"{at_s:8.3f}  {what}")
    click.echo(f"WAV: {report.wav_path}")
    if draw is not None:
        draw(report.wav_path, report.timeline, png_path,
             f"Simulated call {report.uniqueid} through {report.through}: what the caller heard")
        click.echo(f"PNG: {png_path}")


def _picture_maker():
    """The drawing function, checked before the call so a missing extra fails fast."""
    try:
        from progmoh.player.sim.picture import save_picture
    except ImportError as error:
        raise click.ClickException(f"--png needs matplotlib ({error}): "
                                   "pip install 'progmoh[plot]' (make demo does)") from None
    return save_picture
