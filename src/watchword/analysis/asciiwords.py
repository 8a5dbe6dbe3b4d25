"""The words of ASCII text, split in C.

`pattern.findall(text)` makes a match object and a string per word; for an email body that was most
of a tokenisation's time. For a pattern `[chars]+` over ASCII text, the same words are the text with
every other character turned into a space (`bytes.translate`, one table lookup per byte) split on
the spaces: a few C passes and no match object.
"""

from __future__ import annotations

from collections.abc import Callable


def table(kept: Callable[[str], bool]) -> bytes:
    """A translation table keeping the ASCII characters `kept` accepts (never whitespace), a space
    for every other byte."""
    return bytes(c if c < 128 and kept(chr(c)) and not chr(c).isspace() else 0x20 for c in range(256))


def runs(text: str, kept: bytes) -> list[str]:
    """The maximal runs of the characters `kept` (a `table`) holds, in an ASCII `text`: what
    `re.findall("[those characters]+", text)` gives."""
    return text.encode("ascii").translate(kept).decode("ascii").split()
