"""Huffman tree over the vocabulary for hierarchical softmax (Morin & Bengio 2005; Mikolov 2013).

Public API::

    HuffmanTree.build(counts) -> HuffmanTree
    tree.codes[w], tree.points[w]        # bits and inner-node ids on the path root → leaf of word w
    tree.padded(pad) -> (points (V, L), labels (V, L), lengths (V,))

Hierarchical softmax replaces the V-way softmax by ``L(w) ≈ log2 V`` binary decisions: the
probability of word w is the product, along the path from the root to the leaf of w, of
``σ(±u_n · v)`` where u_n is the output vector of inner node n and the sign is the branch
taken. The tree is a Huffman tree of the word counts, so frequent words sit near the root
and their paths (and costs) are short: the expected path length is the entropy of the
unigram distribution, within one bit.

Bit convention (the C tool's): ``label = 1 − code``, so the SGD step for one decision is
``g = (1 − code − σ(u_n · v)) · α``. There are ``V − 1`` inner nodes, numbered ``0 … V−2``;
the root is ``V − 2``.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from engine.errors import InputError


@dataclass(frozen=True)
class HuffmanTree:
    codes: tuple[np.ndarray, ...]
    """codes[w]: (L_w,) uint8 branch bits from the root to the leaf of word w."""
    points: tuple[np.ndarray, ...]
    """points[w]: (L_w,) int64 inner-node ids on that path (root first)."""

    @property
    def n_inner(self) -> int:
        return max(len(self.codes) - 1, 1)

    @classmethod
    def build(cls, counts: np.ndarray) -> "HuffmanTree":
        """Huffman tree of ``counts`` (one per word; any order)."""
        counts = np.asarray(counts, dtype=np.int64)
        v = len(counts)
        if v == 0:
            raise InputError("cannot build a Huffman tree over an empty vocabulary")
        if v == 1:  # one word: a single decision against a lone inner node
            return cls(codes=(np.zeros(1, np.uint8),), points=(np.zeros(1, np.int64),))
        # heap of (count, tiebreak, node); leaves are 0..v-1, inner nodes v..2v-2
        heap = [(int(c), i, i) for i, c in enumerate(counts)]
        heapq.heapify(heap)
        parent = np.zeros(2 * v - 1, dtype=np.int64)
        bit = np.zeros(2 * v - 1, dtype=np.uint8)
        next_node = v
        while len(heap) > 1:
            c1, _, n1 = heapq.heappop(heap)
            c2, _, n2 = heapq.heappop(heap)
            parent[n1], bit[n1] = next_node, 0
            parent[n2], bit[n2] = next_node, 1
            heapq.heappush(heap, (c1 + c2, next_node, next_node))
            next_node += 1
        root = 2 * v - 2
        codes, points = [], []
        for w in range(v):
            bits, nodes = [], []
            node = w
            while node != root:
                bits.append(bit[node])
                node = parent[node]
                nodes.append(node - v)  # inner node id 0..v-2
            codes.append(np.array(bits[::-1], dtype=np.uint8))
            points.append(np.array(nodes[::-1], dtype=np.int64))
        return cls(codes=tuple(codes), points=tuple(points))

    def lengths(self) -> np.ndarray:
        return np.array([len(c) for c in self.codes], dtype=np.int64)

    def padded(self, pad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rectangular ``(points, labels, lengths)``; short paths are filled with node ``pad``.

        ``labels = 1 − code`` as float32 (0 in the padding, which the trainer masks out).
        """
        lengths = self.lengths()
        width = int(lengths.max())
        v = len(self.codes)
        points = np.full((v, width), pad, dtype=np.int64)
        labels = np.zeros((v, width), dtype=np.float32)
        for w in range(v):
            n = lengths[w]
            points[w, :n] = self.points[w]
            labels[w, :n] = 1.0 - self.codes[w]
        return points, labels, lengths
