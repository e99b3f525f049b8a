"""GloVe's co-occurrence counts X_ij, streamed with bounded memory (the Stanford tool's cooccur + shuffle).

Public API::

    count_cooccurrences(corpus, window, memory_mb, workdir, stop) -> generator of Counting events,
                                                                    returning a Cooccurrences
    Cooccurrences.entries                              # non-zero X_ij
    Cooccurrences.shuffled(rng) -> Iterator[(i, j, x)] # every entry once, in a random order
    Cooccurrences.close()                              # deletes the shard files

**What is counted** (Pennington et al. 2014, §4.2, and ``cooccur.c``): for every word w_t and
every word w_{t+d} at distance ``1 ≤ d ≤ window`` in the same sentence, both ``X[w_t, w_{t+d}]``
and ``X[w_{t+d}, w_t]`` grow by ``1/d`` (a symmetric window, "words d apart count 1/d of a
co-occurrence"). Words outside the vocabulary are dropped first, as word2vec does.

**How, with bounded memory.** Each chunk of the corpus (a few hundred thousand words) gives its
pairs as keys ``i·V + j`` with weights, summed by a sort (``np.unique``) into a sorted sparse
block. Blocks accumulate in memory up to ``memory_mb``; beyond that, they are merged and written
to disk as a sorted *shard* (``cooccur.c`` writes its overflow files the same way). At the end the
shards are merged by key ranges — each range read from every shard by binary search in a
memory-mapped file, so only one range is ever in memory — and every merged entry is sent to one
of several *bucket* files chosen at random (``shuffle.c``'s job); training reads the buckets in a
random order and shuffles each in memory. When everything fits in ``memory_mb`` nothing is
written and the entries stay in memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generator, Iterator

import numpy as np

from engine.embeddings.chunks import ChunkedCorpus
from engine.embeddings.glove_events import Counting
from engine.errors import InputError

ENTRY = np.dtype([("i", "<i4"), ("j", "<i4"), ("x", "<f4")])
"""One co-occurrence entry on disk and in memory (12 bytes)."""
_BYTES_PER_PENDING = 40
"""Memory per accumulated entry while counting: key + weight (16 bytes), room for the merge."""


@dataclass
class Cooccurrences:
    """The non-zero co-occurrence counts, in memory (one block) or in shuffled bucket files."""

    vocab_size: int
    entries: int
    memory: np.ndarray | None = None
    """(entries,) ENTRY records when everything fitted in memory."""
    buckets: list[Path] = field(default_factory=list)
    workdir: Path | None = None
    shards_written: int = 0
    """How many sorted shards the counting spilled to disk (0: it all fitted)."""

    def shuffled(self, rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Every entry once, as ``(i, j, x)`` arrays of a block, in a random order."""
        if self.memory is not None:
            order = rng.permutation(len(self.memory))
            block = self.memory[order]
            yield block["i"], block["j"], block["x"]
            return
        for k in rng.permutation(len(self.buckets)):
            block = np.fromfile(self.buckets[k], dtype=ENTRY)
            block = block[rng.permutation(len(block))]
            yield block["i"], block["j"], block["x"]

    def close(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __del__(self) -> None:  # pragma: no cover - a safety net; callers close()
        self.close()


def _chunk_pairs(ids: np.ndarray, sent: np.ndarray, window: int, v: int) -> tuple[np.ndarray, np.ndarray]:
    """The chunk's co-occurrences summed: sorted unique keys ``i·V + j`` and their weights Σ 1/d."""
    keys, weights = [], []
    ids64 = ids.astype(np.int64)
    for d in range(1, min(window, len(ids) - 1) + 1):
        same = sent[:-d] == sent[d:]
        a, b = ids64[:-d][same], ids64[d:][same]
        if a.size == 0:
            continue
        keys += [a * v + b, b * v + a]  # symmetric window
        weights.append(np.full(2 * a.size, 1.0 / d))
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    return _sum_by_key(np.concatenate(keys), np.concatenate(weights))


def _sum_by_key(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=weights, minlength=unique.size)


class _Shards:
    """Sorted (keys, values) shards written to ``workdir`` when the accumulator is full."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.paths: list[tuple[Path, Path]] = []

    def write(self, keys: np.ndarray, values: np.ndarray) -> None:
        n = len(self.paths)
        kp, vp = self.workdir / f"shard-{n:04d}.keys.npy", self.workdir / f"shard-{n:04d}.values.npy"
        np.save(kp, keys)
        np.save(vp, values)
        self.paths.append((kp, vp))

    def open(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(np.load(k, mmap_mode="r"), np.load(v, mmap_mode="r")) for k, v in self.paths]


def count_cooccurrences(
    corpus: ChunkedCorpus, window: int, memory_mb: float, workdir: str | os.PathLike | None = None,
    stop: threading.Event | None = None,
) -> Generator[Counting, None, Cooccurrences | None]:
    """Count X_ij over one pass of ``corpus``; yields :class:`Counting` per chunk, returns the counts.

    Returns None when ``stop`` was set (nothing is left on disk then).
    """
    v = len(corpus.vocab)
    budget = max(int(memory_mb * 2**20 / _BYTES_PER_PENDING), 64)
    tmp = Path(tempfile.mkdtemp(prefix="glove-cooccur-", dir=workdir))
    shards = _Shards(tmp)
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    held = words = 0
    try:
        for chunk in corpus.chunks():
            if stop is not None and stop.is_set():
                shutil.rmtree(tmp, ignore_errors=True)
                return None
            words += chunk.span
            enc = chunk.encoded
            if enc is not None and enc.ids.size > 1:
                keys, values = _chunk_pairs(enc.ids, enc.sentence_of_word(), window, v)
                pending.append((keys, values))
                held += keys.size
            if held > budget:
                keys, values = _sum_by_key(np.concatenate([k for k, _ in pending]),
                                           np.concatenate([x for _, x in pending]))
                pending = [(keys, values)]
                held = keys.size
                if held > budget // 2:  # merging did not free enough: spill a sorted shard
                    shards.write(keys, values)
                    pending, held = [], 0
            yield Counting(words_read=words, total_words=corpus.pass_span, entries_held=held,
                           shards=len(shards.paths))
        if pending:
            keys, values = _sum_by_key(np.concatenate([k for k, _ in pending]),
                                       np.concatenate([x for _, x in pending]))
            pending = []
        else:
            keys, values = np.zeros(0, np.int64), np.zeros(0, np.float64)
        if not shards.paths:
            shutil.rmtree(tmp, ignore_errors=True)
            if keys.size == 0:
                raise InputError("no two vocabulary words occur together within the window; give a bigger "
                                 "corpus or lower min_count", field="min_count")
            return Cooccurrences(vocab_size=v, entries=int(keys.size), memory=_records(keys, values, v))
        if keys.size:
            shards.write(keys, values)
        del keys, values
        return _merge_into_buckets(shards, v, budget, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _records(keys: np.ndarray, values: np.ndarray, v: int) -> np.ndarray:
    out = np.empty(keys.size, dtype=ENTRY)
    out["i"], out["j"], out["x"] = keys // v, keys % v, values
    return out


def _merge_into_buckets(shards: _Shards, v: int, budget: int, tmp: Path, seed: int = 0) -> Cooccurrences:
    """Merge sorted shards range by range; scatter the merged entries into random buckets."""
    opened = shards.open()
    upper = sum(len(k) for k, _ in opened)  # at least the merged count
    n_buckets = max(1, -(-upper // budget))
    bucket_paths = [tmp / f"bucket-{b:04d}.bin" for b in range(n_buckets)]
    files = [open(p, "wb") for p in bucket_paths]
    rng = np.random.default_rng(seed)
    entries = 0
    try:
        for lo, hi in _key_ranges(opened, budget):
            parts_k, parts_v = [], []
            for keys, values in opened:
                a, b = np.searchsorted(keys, [lo, hi])
                if b > a:
                    parts_k.append(np.asarray(keys[a:b]))
                    parts_v.append(np.asarray(values[a:b]))
            if not parts_k:
                continue
            mk, mv = _sum_by_key(np.concatenate(parts_k), np.concatenate(parts_v))
            recs = _records(mk, mv, v)
            entries += len(recs)
            which = rng.integers(0, n_buckets, len(recs))
            order = np.argsort(which, kind="stable")
            bounds = np.searchsorted(which[order], np.arange(n_buckets + 1))
            for b in range(n_buckets):
                recs[order[bounds[b] : bounds[b + 1]]].tofile(files[b])
    finally:
        for f in files:
            f.close()
        del opened
    for kp, vp in shards.paths:  # the shards are merged: only the buckets stay
        kp.unlink(missing_ok=True)
        vp.unlink(missing_ok=True)
    return Cooccurrences(vocab_size=v, entries=entries, buckets=bucket_paths, workdir=tmp,
                         shards_written=len(shards.paths))


def _key_ranges(opened: list[tuple[np.ndarray, np.ndarray]], budget: int) -> Iterator[tuple[int, int]]:
    """Half-open key ranges ``[lo, hi)`` covering every key, each holding at most ~``budget`` entries."""
    step = max(budget // (2 * len(opened)), 1)
    candidates = np.unique(np.concatenate([np.asarray(k[::step]) for k, _ in opened] +
                                          [np.array([max(int(k[-1]) for k, _ in opened if len(k)) + 1])]))
    below = sum(np.searchsorted(k, candidates) for k, _ in opened)  # entries below each candidate
    lo, lo_count = int(min(int(k[0]) for k, _ in opened if len(k))), 0
    for key, count in zip(candidates.tolist(), below.tolist()):
        if key <= lo:
            continue
        if count - lo_count >= budget // 2 or key == candidates[-1]:
            yield lo, key
            lo, lo_count = key, count
