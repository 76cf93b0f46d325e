"""Reading a manifest a piece at a time, so its text is never held whole.

The manifest is one JSON object (cache/manifest.py); for a large library its
``segments`` list is megabytes of text.  ``json.loads`` would hold the text
and every parsed dict at once; this reader decodes the top-level values one
by one and the segments one by one from a 16 KiB window, handing each
segment to ``object_hook`` as soon as it is parsed.  It decodes with
``player.lean_json`` (no ``json`` package on the way to the first audio) and
keeps ``MARGIN_CHARS`` of text ahead of the value it decodes, so a value is
not normally cut by the window's end: a cut one is retried with more text.
"""

from progmoh.player.lean_json import Scanner

CHUNK_CHARS = 16384             # small: the window's text is most of a start's memory peak
MARGIN_CHARS = 8192
_WHITESPACE = " \t\n\r"


class _Window:
    """A sliding window over the file's text."""

    def __init__(self, handle):
        self.handle, self.text, self.pos, self.eof = handle, "", 0, False

    def more(self):
        chunk = self.handle.read(CHUNK_CHARS)
        if not chunk:
            self.eof = True
            raise ValueError("manifest ends too early")
        if self.pos > CHUNK_CHARS:
            self.text, self.pos = self.text[self.pos:], 0
        self.text += chunk

    def peek(self):
        """The next character that is not whitespace (not consumed)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            self.more()

    def expect(self, char):
        if self.peek() != char:
            raise ValueError("expected %r at character %d of the window" % (char, self.pos))
        self.pos += 1

    def value(self, decoder):
        """The next JSON value; more text is read until it is surely complete."""
        self.peek()
        while len(self.text) - self.pos < MARGIN_CHARS and not self.eof:
            self._read_ahead()
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
                if end < len(self.text) or self.eof:      # a number could go on
                    self.pos = end
                    return value
            except ValueError:
                pass
            self.more()

    def _read_ahead(self):
        try:
            self.more()
        except ValueError:          # the end of the file: what is there is all there is
            self.eof = True


def read(handle, object_hook):
    """The manifest as a dict whose ``segments`` are what ``object_hook`` made of them."""
    decoder = Scanner(object_hook)
    window = _Window(handle)
    window.expect("{")
    data = {}
    while window.peek() != "}":
        key = window.value(decoder)
        window.expect(":")
        data[key] = _segments(window, decoder) if key == "segments" else window.value(decoder)
        if window.peek() == ",":
            window.pos += 1
    return data


def _segments(window, decoder):
    window.expect("[")
    segments = []
    while window.peek() != "]":
        segments.append(window.value(decoder))
        if window.peek() == ",":
            window.pos += 1
    window.pos += 1
    return segments
