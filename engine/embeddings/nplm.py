"""The neural language model that learns embeddings (Bengio et al. 2003), as the course tells it.

Public API::

    NPLMConfig(...)                                      # frozen, validated
    NeuralLM(vocab_size, context, dim, hidden)           # torch.nn.Module
    NeuralLM.forward(context_ids (B, n)) -> logits (B, V)
    train_nplm(config, stop=None, sentences=None) -> Iterator[Event]   # engine.embeddings.events; Finished.vectors = E
    predict_next(model, vocab, words, topn=5) -> list[(word, probability)]
    MODEL_KIND = "nplm"
    save_nplm(model, vocab, path, config=None) -> Path   # a checkpoint directory that is also a vectors directory
    load_nplm(path, device="cpu") -> (NeuralLM, WordCounts, config dict)

"I want a glass of orange ___": the previous n words w⟨t−n⟩ … w⟨t−1⟩ are looked up in the
embedding matrix E (``e_j = E·O_j``), their embeddings are concatenated, a hidden layer reads
them and a softmax over the vocabulary predicts w⟨t⟩::

    x = [e⟨t−n⟩ ; … ; e⟨t−1⟩]          (n·D,)    concatenation, oldest word first
    a = tanh(W_h x + b_h)              (H,)
    ŷ = softmax(W_y a + b_y)           (V,)      p(w⟨t⟩ | the n previous words)

Trained by cross-entropy (Adam), the rows of E become word embeddings: words that appear in
similar contexts ("orange", "apple") get similar vectors because the same hidden layer must
make the same predictions from them. word2vec (:mod:`engine.embeddings.word2vec`) keeps the
idea and drops the hidden layer and the full softmax to become fast enough for large corpora.
Windows do not cross sentence boundaries; a sentence's first words are padded with a
``<s>`` token (row 0 of E).

A saved model is a checkpoint directory (:mod:`engine.checkpoint`, ``model_kind`` "nplm":
``config.json`` + ``model.safetensors``) that also holds E in the project's vectors format
(``vectors.safetensors`` + ``vocab.json``), so ``--embeddings DIR`` of the query commands and of
the tasks (transfer learning) reads the learned embeddings from it directly.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Literal

import numpy as np
import torch
from torch import nn

from engine.embeddings.corpus import CorpusOptions, iter_sentences, corpus_files
from engine.embeddings.events import EmbeddingsFinished, EmbeddingsStarted, EpochFinished, Progress
from engine.embeddings.vocab import WordCounts, scan_corpus
from engine.errors import InputError
from engine.events import Event

PAD = "<s>"


MODEL_KIND = "nplm"


@dataclass(frozen=True)
class NPLMConfig:
    corpus: str = "default"
    """``"default"`` or a text file (ignored when ``sentences`` are given to :func:`train_nplm`)."""
    context: int = 4
    """n, the number of previous words the model reads."""
    dim: int = 50
    """D, the embedding size."""
    hidden: int = 100
    """H, the hidden layer size."""
    epochs: int = 1
    """Passes over the corpus."""
    batch_size: int = 256
    """Windows per optimiser step."""
    lr: float = 1e-3
    """Adam learning rate."""
    min_count: int = 5
    """Words seen fewer times are dropped from the corpus."""
    max_vocab: int | None = 20_000
    """The softmax costs O(V) per word: keep the vocabulary modest."""
    max_words: int | None = None
    """Read at most this many corpus words (whole sentences; None: the whole corpus)."""
    seed: int = 1
    """Seed of the weights and the window order."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where to train."""
    progress_interval_s: float = 0.1
    """Seconds between ``Progress`` events."""

    def __post_init__(self) -> None:
        from engine.limits import (
            MAX_BATCH_SIZE, MAX_EMBEDDING_DIM, MAX_HIDDEN, MAX_LR, MAX_PARAMETERS, MAX_VOCAB_SIZE, check_float, check_int,
            check_seed,
        )

        caps = {"context": 64, "dim": MAX_EMBEDDING_DIM, "hidden": MAX_HIDDEN, "epochs": 100_000,
                "batch_size": MAX_BATCH_SIZE, "min_count": 1_000_000_000}
        for name, cap in caps.items():
            check_int(getattr(self, name), name, 1, cap)
        check_seed(self.seed, "seed")
        if self.max_vocab is not None:
            check_int(self.max_vocab, "max_vocab", 1, MAX_VOCAB_SIZE)
        vocab = self.max_vocab or 100_000  # an upper guess until the corpus is counted
        params = vocab * self.dim + self.context * self.dim * self.hidden + self.hidden * vocab
        if params > MAX_PARAMETERS:
            raise InputError(f"max_vocab {vocab:,} × dim {self.dim:,} / hidden {self.hidden:,} make ~{params:,} weights, "
                             f"more than {MAX_PARAMETERS:,}; use a smaller dim, hidden or max_vocab", field="dim")
        check_float(self.lr, "lr", 0.0, MAX_LR, lo_open=True)
        if self.max_vocab is not None and self.max_vocab < 1:
            raise InputError(f"max_vocab must be >= 1 or None, got {self.max_vocab}", field="max_vocab")
        if self.max_words is not None and (not isinstance(self.max_words, int) or self.max_words < 1):
            raise InputError(f"max_words must be an integer >= 1 or None, got {self.max_words!r}", field="max_words")


class NeuralLM(nn.Module):
    """E → concatenate n embeddings → tanh hidden layer → softmax (logits returned)."""

    def __init__(self, vocab_size: int, context: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.context = context
        self.embedding = nn.Embedding(vocab_size, dim)  # E, one row per word
        self.hidden = nn.Linear(context * dim, hidden)  # W_h, b_h
        self.output = nn.Linear(hidden, vocab_size)  # W_y, b_y

    def forward(self, context_ids: torch.Tensor) -> torch.Tensor:
        x = self.embedding(context_ids).flatten(1)  # (B, n·D)  [e⟨t−n⟩; …; e⟨t−1⟩]
        a = torch.tanh(self.hidden(x))  # (B, H)
        return self.output(a)  # (B, V) logits; softmax in the loss


def _windows(ids: np.ndarray, starts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(contexts (N, n), targets (N,)): every word with its n predecessors, ``<s>``-padded per sentence."""
    pos = np.arange(ids.size)
    sentence_start = np.repeat(starts[:-1], np.diff(starts))
    shifted = ids + 1  # row 0 is <s>
    offsets = np.arange(-n, 0)
    cpos = pos[:, None] + offsets[None, :]
    ctx = np.where(cpos >= sentence_start[:, None], shifted[cpos.clip(0)], 0)
    return ctx.astype(np.int64), shifted.astype(np.int64)


def _first_words(sentences: Iterable[list[str]], limit: int) -> Iterator[list[str]]:
    """Whole sentences until ``limit`` words were read (the last one may pass the limit)."""
    seen = 0
    for sentence in sentences:
        if seen >= limit:
            return
        seen += len(sentence)
        yield sentence


def train_nplm(
    config: NPLMConfig, stop: threading.Event | None = None, sentences: Iterable[list[str]] | None = None
) -> Iterator[Event]:
    """Train the NPLM; yields ``Started``, ``Progress``, ``EpochFinished`` and ``Finished(vectors=E)``."""
    from engine.device import select_device
    from engine.embeddings.vectors import WordVectors

    stop = stop or threading.Event()
    device = select_device(config.device)
    torch.manual_seed(config.seed)
    if sentences is None:
        sentences = iter_sentences(corpus_files(config.corpus), CorpusOptions())
    if config.max_words is not None:
        sentences = _first_words(sentences, config.max_words)
    vocab, corpus = scan_corpus(sentences, config.min_count, config.max_vocab)
    ctx_all, tgt_all = _windows(corpus.ids, corpus.sentence_starts, config.context)
    model = NeuralLM(len(vocab) + 1, config.context, config.dim, config.hidden).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    rng = np.random.default_rng(config.seed)
    n = len(tgt_all)
    total = n * config.epochs
    yield EmbeddingsStarted(total_words=total, vocab_size=len(vocab), corpus_words=corpus.raw_words, device=str(device),
                  workers=1, description=f"NPLM n={config.context} D={config.dim} H={config.hidden}")
    t0 = time.perf_counter()
    done, reason, last, epoch_mean = 0, "completed", t0, float("nan")
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(n)
        ep_sum = ep_n = win_sum = win_n = 0.0
        for start in range(0, n, config.batch_size):
            if stop.is_set():
                reason = "stopped"
                break
            idx = order[start : start + config.batch_size]
            ctx = torch.from_numpy(ctx_all[idx]).to(device)
            tgt = torch.from_numpy(tgt_all[idx]).to(device)
            loss = nn.functional.cross_entropy(model(ctx), tgt)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            value, b = float(loss.detach()), len(idx)
            ep_sum, ep_n, win_sum, win_n = ep_sum + value * b, ep_n + b, win_sum + value * b, win_n + b
            done += b
            now = time.perf_counter()
            if now - last >= config.progress_interval_s or done == total:
                rate = done / max(now - t0, 1e-9)
                yield Progress(words_done=done, total_words=total, epoch=epoch, loss=win_sum / win_n,
                               epoch_loss=ep_sum / ep_n, words_per_s=rate, lr=config.lr, elapsed_s=now - t0,
                               eta_s=(total - done) / rate)
                win_sum = win_n = 0.0
                last = now
        epoch_mean = ep_sum / ep_n if ep_n else float("nan")
        if reason == "stopped":
            break
        yield EpochFinished(epoch=epoch, epochs=config.epochs, loss=epoch_mean, words_done=done,
                            elapsed_s=time.perf_counter() - t0)
    model.eval()
    matrix = model.embedding.weight.detach().cpu().numpy()[1:].copy()  # drop the <s> row
    wv = WordVectors(vocab.words, matrix, counts=vocab.counts, name="nplm")
    yield EmbeddingsFinished(vectors=wv, reason=reason, words_done=done, elapsed_s=time.perf_counter() - t0,
                   final_loss=epoch_mean, model=model, vocab=vocab)


def predict_next(model: NeuralLM, vocab: WordCounts, words: list[str], topn: int = 5) -> list[tuple[str, float]]:
    """The ``topn`` most probable next words after ``words`` (the last n are used; unknown → error)."""
    from engine.errors import UnknownWordError

    ids = []
    for w in words[-model.context :]:
        i = vocab.index(w)
        if i < 0:
            raise UnknownWordError(w)
        ids.append(i + 1)
    ids = [0] * (model.context - len(ids)) + ids
    device = next(model.parameters()).device
    with torch.no_grad():
        p = torch.softmax(model(torch.tensor([ids], device=device)), dim=1)[0, 1:].cpu().numpy()
    top = np.argsort(-p)[:topn]
    return [(vocab.words[i], float(p[i])) for i in top]


def save_nplm(model: NeuralLM, vocab: WordCounts, path: str | os.PathLike, config: NPLMConfig | dict | None = None) -> Path:
    """Write the model as a checkpoint (kind "nplm") and E as a vectors directory, both in ``path``."""
    from dataclasses import asdict

    from engine.checkpoint import write_checkpoint
    from engine.embeddings.io import save_vectors
    from engine.embeddings.vectors import WordVectors

    cfg = asdict(config) if isinstance(config, NPLMConfig) else dict(config or {})
    cfg.update(context=model.context, dim=model.embedding.embedding_dim, hidden=model.hidden.out_features)
    path = write_checkpoint(path, model_kind=MODEL_KIND, config=cfg, tensors=model.state_dict(),
                            extra={"vocab": {"words": list(vocab.words), "counts": [int(c) for c in vocab.counts]}})
    matrix = model.embedding.weight.detach().cpu().numpy()[1:].copy()  # drop the <s> row
    save_vectors(WordVectors(vocab.words, matrix, counts=vocab.counts, name=f"NPLM {path}"), str(path))
    return path


def load_nplm(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[NeuralLM, WordCounts, dict]:
    """A model saved by :func:`save_nplm`: ``(model in eval mode, vocabulary, its configuration)``."""
    from engine.checkpoint import read_checkpoint
    from engine.errors import CheckpointError

    data = read_checkpoint(path, model_kind=MODEL_KIND)
    try:
        cfg = data.config
        vocab = WordCounts(words=tuple(data.meta["vocab"]["words"]), counts=np.asarray(data.meta["vocab"]["counts"], dtype=np.int64))
        model = NeuralLM(len(vocab) + 1, int(cfg["context"]), int(cfg["dim"]), int(cfg["hidden"]))
        model.load_state_dict(data.tensors)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{data.path} does not hold a complete NPLM ({' '.join(str(exc).split())[:100]}); retrain it") from None
    return model.to(device).eval(), vocab, cfg
