"""Reading an import file a line at a time, so memory does not grow with the file.

A 200 MB CSV held as bytes, then as text, then as records took 3 GB. Here the binary stream
is decoded in 1 MB chunks; each line carries its number and, when some of its bytes are not
UTF-8, the file offset of the first one, so the parsers refuse exactly those rows with the
same message as when the whole file was decoded at once.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from itertools import chain
from typing import BinaryIO

from poise.conversations.importers.common import BadLines

CHUNK_BYTES = 1 << 20
PROBE_BYTES = 1 << 16  # a file with no \n here but a \r uses \r as line end (old Mac)
BOM = b"\xef\xbb\xbf"
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
CR_MARK = "\ud800"
"""Stands in for a carriage return inside a CSV value while the csv module reads the line.

A lone high surrogate never comes out of decoding (invalid bytes become U+DC80-U+DCFF), so
it cannot clash with anything in the file.
"""


class TextLines(BadLines):
    """The lines of a UTF-8 byte stream (a BOM dropped), each ending in ``\\n`` but the last.

    ``number`` is the line last read (1-based). ``bad_lines`` maps each line holding bytes
    that are not UTF-8 to the offset of its first bad one; those bytes are kept as surrogate
    escapes so the rest of the line still parses. A file with no ``\\n`` in its first 64 KB
    but a ``\\r`` uses ``\\r`` as line end (old Mac) and is read that way. ``sha256`` covers
    every byte read.
    """

    def __init__(self, binary: BinaryIO) -> None:
        self._binary = binary
        self.number = 0
        self.offset = 0  # bytes before the next line
        self.bad_lines: dict[int, int] = {}
        self.digest = hashlib.sha256()

    def __iter__(self) -> Iterator[str]:
        chunks = self._chunks()
        head: list[bytes] = []
        size = 0
        for chunk in chunks:  # line ends are decided on the first 64 KB, whatever the chunks
            head.append(chunk)
            size += len(chunk)
            if size >= PROBE_BYTES:
                break
        first = b"".join(head)
        if first.startswith(BOM):
            first = first[len(BOM) :]
            self.offset = len(BOM)
        old_mac = b"\n" not in first and b"\r" in first
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        pending: list[str] = []
        chunks_then_end: Iterator[bytes | None] = chain((first,), chunks, (None,))
        for piece in chunks_then_end:  # None: the end, flush the decoder
            text = decoder.decode(piece or b"", final=piece is None)
            if old_mac:
                text = text.replace("\r", "\n")
            if "\n" not in text:
                if text:
                    pending.append(text)
                continue
            parts = text.split("\n")
            pending.append(parts[0])
            parts[0] = "".join(pending)
            pending = [parts.pop()] if parts[-1] else []
            for part in parts:
                yield self._counted(part + "\n")
        if pending:
            yield self._counted("".join(pending))

    def _chunks(self) -> Iterator[bytes]:
        while chunk := self._binary.read(CHUNK_BYTES):
            self.digest.update(chunk)
            yield chunk

    def _counted(self, line: str) -> str:
        self.number += 1
        if line.isascii():
            self.offset += len(line)
            return line
        encoded = len(line.encode("utf-8", "surrogateescape"))
        if bad := ESCAPED_BYTE.search(line):
            before = len(line[: bad.start()].encode("utf-8", "surrogateescape"))
            self.bad_lines[self.number] = self.offset + before
        self.offset += encoded
        return line

    def drain(self) -> str:
        """Read what is left of the stream into the digest; the file's SHA-256 as hex."""
        while chunk := self._binary.read(CHUNK_BYTES):
            self.digest.update(chunk)
        return self.digest.hexdigest()


def shown_raw(lines: list[str]) -> str:
    """The physical lines of one record as the file has them, for ``rejected_lines``.

    Line ends go (a ``\\r`` too, on the last line only, as the record's own end); bytes that
    were not UTF-8 become U+FFFD so the text is always writable as UTF-8.
    """
    text = "".join(lines)
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    if not text.isascii():
        text = ESCAPED_BYTE.sub("\ufffd", text)
    return text


def protected(line: str) -> str:
    """A CSV line with each carriage return that is content (not the ``\\r\\n`` end) marked.

    In a file whose lines end with ``\\n`` (or ``\\r\\n``), a lone ``\\r`` is part of a value
    (twcs tweet 3399 holds two); left alone, the csv module would cut the record there.
    """
    if "\r" not in line:
        return line
    if line.endswith("\r\n"):
        return line[:-2].replace("\r", CR_MARK) + "\r\n"
    return line.replace("\r", CR_MARK)
