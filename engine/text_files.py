"""Reading a text file line by line in bounded memory (the corpus readers of :mod:`engine.text`).

Public API (re-exported by :mod:`engine.text`)::

    check_encoding(name) -> str                      # a text encoding Python knows, else InputError(field="encoding")
    check_text_file(path, encoding="utf-8") -> Path  # regular, non-empty, not binary; else a one-line InputError
    read_lines(path, encoding="utf-8", case="keep")  # streams the lines, none longer than MAX_LINE_CHARS

A file is never read at once, nor a line: ``readline`` is given a limit, and a line longer than
:data:`engine.limits.MAX_LINE_CHARS` characters (a file without line breaks: 200 MB of it took
3.5 GB before) is refused with one line naming it. "Binary" is judged after decoding the first
8 KiB with the asked encoding, so UTF-16 and UTF-32 text (whose bytes hold NULs) is text.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import Iterator

from engine.errors import InputError
from engine.limits import MAX_LINE_CHARS


def check_encoding(encoding: object) -> str:
    """``encoding`` when Python can decode text with it, else a one-line InputError (field "encoding")."""
    if not isinstance(encoding, str) or not encoding:
        raise InputError(f"encoding must be the name of a text encoding, got {encoding!r}", field="encoding")
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}; try utf-8, latin-1 or cp1252", field="encoding") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64 and the like: str↔str or bytes↔bytes
        raise InputError(f"{encoding!r} is not a text encoding; try utf-8, latin-1 or cp1252", field="encoding")
    return encoding


def check_text_file(path: str | os.PathLike, encoding: str = "utf-8") -> Path:
    """Refuse a missing, empty, non-regular (directory, FIFO, device) or binary file with a one-line InputError.

    "Binary" means NUL characters in the first 8 KiB once decoded with ``encoding`` (so UTF-16 and
    UTF-32 text, whose bytes hold NULs, is text; a NUL byte in UTF-8 text is binary).
    """
    p = Path(path).expanduser()
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"file not found: {p}; give a corpus name (dinos, names, shakespeare) or an existing text file") from None
    except OSError as exc:
        raise InputError(f"cannot read {p} ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{p} is a directory; give a text file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{p} is not a regular file (a pipe or a device); give a text file")
    if st.st_size == 0:
        raise InputError(f"{p} is empty; give a text file with one sequence (name, sentence) per line")
    check_encoding(encoding)
    with open(p, "rb") as fh:
        head = fh.read(8192)
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    except UnicodeError as exc:  # e.g. "UTF-16 stream does not start with BOM"
        raise InputError(f"{p} is not {encoding} text ({exc}); set encoding to the file's real one "
                         "(utf-16-le or utf-16-be for UTF-16 without a byte order mark)", field="encoding") from None
    if "\x00" in text:
        raise InputError(f"{p} looks binary (it holds NUL characters as {encoding}); give a plain text file, "
                         "or set encoding to the file's real one (utf-16, say)")
    return p


def read_lines(path: str | os.PathLike, encoding: str = "utf-8", case: str = "keep") -> Iterator[str]:
    """Yield the lines of a text file without their line ends, streaming (never the whole file,
    never more than :data:`~engine.limits.MAX_LINE_CHARS` characters of one line).

    ``case="lower"`` lower-cases each line. A decoding failure becomes one InputError naming the
    line and suggesting another ``encoding``; so does a line longer than the cap.
    """
    p = check_text_file(path, encoding)
    fh = open(p, "r", encoding=encoding, errors="strict", newline=None)
    lineno = 0
    with fh:
        try:
            while True:
                line = fh.readline(MAX_LINE_CHARS + 1)
                if not line:
                    break
                lineno += 1
                line = line[:-1] if line.endswith("\n") else line
                if len(line) > MAX_LINE_CHARS:
                    raise InputError(
                        f"{p} line {lineno} is longer than {MAX_LINE_CHARS:,} characters (a file without line breaks?); "
                        "text is read line by line — break it into lines, one paragraph or sentence each"
                    )
                yield line.lower() if case == "lower" else line
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{p} is not valid {encoding} (byte 0x{exc.object[exc.start]:02x} near line {lineno + 1}); "
                "set encoding to latin-1 (or the file's real encoding)", field="encoding"
            ) from None
        except UnicodeError as exc:  # a codec's own complaint, without a byte position
            raise InputError(f"{p} is not valid {encoding} near line {lineno + 1} ({exc}); "
                             "set encoding to the file's real one", field="encoding") from None
