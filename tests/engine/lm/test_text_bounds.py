"""Reading a corpus in bounded memory: long lines, odd files, encodings, the spilled token file."""

from __future__ import annotations

import os
import random
import sys
import tempfile

import numpy as np
import pytest

from engine.errors import InputError
from engine.limits import MAX_LINE_CHARS
from engine.text import build_vocab, encode_corpus, read_lines, remove_orphan_token_files
from tests._bounded import run_bounded


def test_a_line_longer_than_the_cap_is_refused_by_line_number(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("short\n" + "x" * (MAX_LINE_CHARS + 5) + "\nafter\n")
    with pytest.raises(InputError, match=r"line 2 is longer than 1,048,576 characters") as exc:
        list(read_lines(path))
    assert "\n" not in str(exc.value)
    path.write_text("y" * MAX_LINE_CHARS + "\nok")  # exactly the cap is fine
    assert [len(line) for line in read_lines(path)] == [MAX_LINE_CHARS, 2]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf_16_and_32_are_read(tmp_path, encoding):
    path = tmp_path / "u.txt"
    path.write_text("dinosaur\nçà\n", encoding=encoding)
    assert list(read_lines(path, encoding)) == ["dinosaur", "çà"]


def test_wrong_or_odd_encodings_are_one_line(tmp_path):
    path = tmp_path / "u.txt"
    path.write_text("dinosaur\n" * 10, encoding="utf-16")
    with pytest.raises(InputError, match="looks binary.*utf-16") as exc:  # UTF-16 read as UTF-8
        list(read_lines(path))
    assert exc.value.field is None
    for bad in ("rot13", "no-such-codec", ""):
        with pytest.raises(InputError) as exc:
            list(read_lines(path, bad))
        assert exc.value.field == "encoding"


def test_a_fifo_or_a_device_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(InputError, match="not a regular file"):
        list(read_lines(tmp_path / "fifo"))
    with pytest.raises(InputError, match="not a regular file"):
        list(read_lines("/dev/zero"))


def test_the_spilled_token_file_never_shows_in_the_temporary_folder(tmp_path):
    path = tmp_path / "t.txt"
    rng = random.Random(0)
    path.write_text("\n".join("".join(rng.choice("abc") for _ in range(40)) for _ in range(3000)))
    prefix = f"seq-explorer-tokens-{os.getpid()}-"
    v = build_vocab(read_lines(path), "char")
    spilled = encode_corpus(read_lines(path), v, spill_tokens=1000)
    kept = encode_corpus(read_lines(path), v)
    assert isinstance(spilled.tokens, np.memmap) and np.array_equal(np.asarray(spilled.tokens), kept.tokens)
    assert not [n for n in os.listdir(tempfile.gettempdir()) if n.startswith(prefix)]  # unlinked at birth
    spilled.close()


def test_orphan_token_files_only_of_dead_processes_are_removed(tmp_path):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    dead, live, legacy = (tmp_path / f"seq-explorer-tokens-{pid}-x.i32", tmp_path / f"seq-explorer-tokens-{os.getppid()}-x.i32",
                          tmp_path / "seq-explorer-tokens-abc123.i32")
    for f in (dead, live, legacy):
        f.write_bytes(b"\0" * 8)
    assert remove_orphan_token_files(str(tmp_path)) == [str(dead)]
    assert live.exists() and legacy.exists()


def _write_corpus(path, mb: int) -> None:
    rng = random.Random(0)
    syllables = ["ka", "ro", "mi", "sa", "tu", "ne", "lo", "vi", "da", "pe", "an", "ex"]
    with open(path, "w") as fh:
        size = 0
        while size < mb << 20:
            line = " ".join("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(3, 12)))
            fh.write(line + "\n")
            size += len(line) + 1


_READ = """
import sys
from engine.text import build_vocab, encode_corpus, read_lines
path, mode = sys.argv[1], sys.argv[2]
vocab = build_vocab(read_lines(path), "char")
corpus = encode_corpus(read_lines(path), vocab, sequence=mode, spill_tokens=4_000_000)
print(corpus.n_tokens, len(corpus.train_spans))
"""


@pytest.mark.slow
def test_reading_a_large_corpus_stays_in_bounded_memory(tmp_path):
    """8 MB of text, and 8 MB without a line break, read and encoded as ``train lm`` does, in a child
    under a 1 GB data limit (no torch, so the figure is the reader's own: ~30 MB of Python and numpy).
    The old reader held a whole line as a list of one-character strings (~18 bytes a character: ~150 MB
    for the flat file); now the flat file is refused after 1 MiB, and the token ids go to disk."""
    lines, flat = tmp_path / "lines.txt", tmp_path / "flat.txt"
    _write_corpus(lines, 8)
    flat.write_text("abcdefghij" * (8 << 17))
    ok = run_bounded([sys.executable, "-c", _READ, str(lines), "stream"], timeout=300)
    assert ok.rc == 0, ok.err
    assert int(ok.out.split()[0]) > 8_000_000
    assert ok.peak_rss < 120 << 20, ok.peak_rss >> 20
    refused = run_bounded([sys.executable, "-c", _READ, str(flat), "line"], timeout=300)
    assert refused.rc == 1 and "longer than 1,048,576 characters" in refused.err
    assert refused.peak_rss < 80 << 20, refused.peak_rss >> 20
