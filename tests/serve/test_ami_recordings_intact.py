"""The recorded sessions must stay byte-exact (CRLF included): every replay
test depends on it, and a checkout that rewrites line ends would silently
turn them into tests of something Asterisk never sends."""

import hashlib

from tests.support.ami_recordings import AMI_DIR


def test_every_recording_matches_its_checksum():
    lines = (AMI_DIR / "SHA256SUMS").read_text().splitlines()
    assert len(lines) >= 40
    for line in lines:
        digest, name = line.split(maxsplit=1)
        data = (AMI_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name


def test_recordings_keep_their_crlf_line_ends():
    data = (AMI_DIR / "one-caller-dtmf.recv").read_bytes()
    assert data.startswith(b"Asterisk Call Manager/13.0.0\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
