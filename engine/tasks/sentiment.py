"""The sentiment task (many-to-one): a sentence → negative / positive.

Public API::

    SentimentTask.build(config) -> SentimentTask          # data, vocabulary, model (average or rnn)
    task.predict(text) -> SentimentPrediction              # label and probabilities
    task.prefix_probabilities(text) -> PrefixReading       # P(positive) after each word is read
    task.by_direction(text) -> DirectionParts              # bidirectional RNN: W_→ →a⟨T_x⟩ + W_← ←a⟨1⟩ + b_y
    task.probabilities(split) -> (P (N, 2), gold (N,))     # for comparing models on one split
    task.texts(split) -> tuple[str, ...]

Data: ``config.data`` (rt-polarity by default) split at random into train / validation / test
by ``split_seed`` (:mod:`engine.tasks.split`); ``train_size`` keeps a nested subset of the
training part. The vocabulary is the training words seen ``min_count`` times plus the
``pretrained_vocab`` most frequent words of the pretrained vectors (:mod:`engine.tasks.transfer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engine.errors import InputError
from engine.tasks.base import Batch, Evaluation, TaskModel
from engine.tasks.ner import DirectionParts
from engine.tasks.config import TaskConfig
from engine.tasks.sentiment_data import LABELS, load_sentiment
from engine.tasks.sentiment_models import AveragingClassifier, RecurrentClassifier
from engine.tasks.split import split_indices, subsample
from engine.tasks.transfer import embedding_matrix, load_pretrained, pretrained_words
from engine.tasks.vocab import TokenVocab, pad_batch, words


@dataclass(frozen=True)
class SentimentPrediction:
    tokens: tuple[str, ...]
    """The words as the model read them (lower-cased, clitics split)."""
    known: tuple[bool, ...]
    """False where a word is outside the vocabulary (read as UNK)."""
    label: str
    probabilities: tuple[tuple[str, float], ...]
    """(label, probability) for negative and positive."""


@dataclass(frozen=True)
class PrefixReading:
    """The prediction as each word is read: ``positive[t]`` is P(positive | words 1…t+1)."""

    tokens: tuple[str, ...]
    known: tuple[bool, ...]
    positive: tuple[float, ...]


def encode_words(vocab: TokenVocab, text: str) -> tuple[list[str], list[int], list[bool]]:
    """Tokens, ids and known-flags of ``text``; one-line errors for empty or all-unknown text."""
    if not text or not text.strip():
        raise InputError("the text is empty; give a sentence to classify")
    toks = words(text)
    if not toks:
        raise InputError(f"{text!r} holds no words; give a sentence")
    ids = vocab.encode(toks)
    known = [vocab.index(t) >= 0 for t in toks]
    if not any(known):
        raise InputError(f"none of the words of {text!r} is in the model's vocabulary; "
                         "the model would only see UNK; try other words")
    return toks, ids, known


def _read(cfg: TaskConfig):
    """(data, tokens per sentence, Split, training indices) of the configured data set."""
    data = load_sentiment(cfg.data)
    tokens = [words(t) for t in data.texts]
    split = split_indices(len(data), cfg.split_seed, cfg.val_fraction, cfg.test_fraction)
    if cfg.train_size is not None and cfg.train_size > len(split.train):
        raise InputError(f"train_size {cfg.train_size} is more than the {len(split.train)} training sentences",
                         field="train_size")
    return data, tokens, split, subsample(split.train, cfg.train_size, cfg.split_seed)


class SentimentTask(TaskModel):
    task = "sentiment"
    metric = "accuracy"

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, config: TaskConfig) -> "SentimentTask":
        cfg = config.for_task()
        raw = _read(cfg)
        data, tokens, _, train_idx = raw
        vectors = load_pretrained(cfg.embeddings)
        extra = pretrained_words(vectors, cfg.pretrained_vocab) if vectors is not None else []
        vocab = TokenVocab.build((tokens[i] for i in train_idx), min_count=cfg.min_count, extra=extra)
        dim = vectors.dim if vectors is not None else cfg.embedding_dim
        matrix, found = embedding_matrix(vocab, vectors, dim, cfg.seed)
        info = {"embedding_dim": dim, "pretrained_rows": found, "vectors": vectors.name if vectors is not None else None,
                "data": data.name, "train_examples": int(len(train_idx))}
        torch.manual_seed(cfg.seed)
        model = cls._model_from(cfg, {"words": vocab}, info, matrix)
        task = cls(cfg, model, {"words": vocab}, info)
        task._raw = raw
        return task

    @classmethod
    def _model_from(cls, config: TaskConfig, vocabs: dict[str, Any], info: dict[str, Any],
                    matrix: np.ndarray | None = None) -> torch.nn.Module:
        V, dim = len(vocabs["words"]), int(info["embedding_dim"])
        common = dict(dropout=config.dropout, matrix=matrix, freeze_embeddings=config.freeze_embeddings)
        if config.model == "average":
            return AveragingClassifier(V, dim, len(LABELS), **common)
        return RecurrentClassifier(V, dim, config.cell, config.hidden, config.layers, config.bidirectional,
                                   len(LABELS), **common)

    @classmethod
    def _vocabs_from_json(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {"words": TokenVocab.from_json(data["words"])}

    def describe(self) -> str:
        cfg, info = self.config, self.info
        if cfg.model == "average":
            arch = "average of embeddings → softmax"
        else:
            arch = f"{'bi' if cfg.bidirectional else ''}{cfg.cell} {cfg.layers}×{cfg.hidden} many-to-one"
        emb = f"{info.get('vectors') or 'random'} embeddings" + (" (frozen)" if cfg.freeze_embeddings else "")
        n = info.get("train_examples")
        return f"sentiment on {info.get('data', cfg.data)}: {arch}, {emb}, vocabulary {len(self.vocab)}" + (
            f", {n} training sentences" if n else "")

    @property
    def vocab(self) -> TokenVocab:
        return self.vocabs["words"]

    # ------------------------------------------------------------------ data

    def _raw_data(self):
        if getattr(self, "_raw", None) is None:
            self._raw = _read(self.config)
        return self._raw

    def _indices(self, split: str) -> np.ndarray:
        _, _, sp, train_idx = self._raw_data()
        return {"train": train_idx, "val": sp.val, "test": sp.test}[split]

    def _load_examples(self) -> dict[str, list]:
        data, tokens, _, _ = self._raw_data()
        out = {}
        for name in ("train", "val", "test"):
            out[name] = [(self.vocab.encode(tokens[i]) or [self.vocab.unk_id], int(data.labels[i]))
                         for i in self._indices(name)]
        return out

    def texts(self, split: str) -> tuple[str, ...]:
        data = self._raw_data()[0]
        return tuple(data.texts[i] for i in self._indices(split))

    def collate(self, examples: list) -> Batch:
        ids, lengths = pad_batch([e[0] for e in examples])
        dev = self.device
        labels = torch.tensor([e[1] for e in examples], device=dev)
        return Batch((torch.from_numpy(ids).to(dev), torch.from_numpy(lengths).to(dev)), labels,
                     int(lengths.sum()), len(examples))

    # ------------------------------------------------------------------ training and scores

    def loss(self, batch: Batch) -> tuple[torch.Tensor, int]:
        logits = self.model(*batch.inputs)  # (B, 2)
        return F.cross_entropy(logits, batch.target), batch.size

    def evaluate_examples(self, examples: list) -> Evaluation:
        probs, gold, loss = self._probabilities(examples)
        acc = float((probs.argmax(1) == gold).mean()) if len(gold) else float("nan")
        return Evaluation(loss, "accuracy", acc, {"accuracy": acc}, len(gold))

    @torch.no_grad()
    def _probabilities(self, examples: list) -> tuple[np.ndarray, np.ndarray, float]:
        probs, gold, total = [], [], 0.0
        for start in range(0, len(examples), self.eval_batch_size):
            batch = self.collate(examples[start : start + self.eval_batch_size])
            logits = self.model(*batch.inputs)
            total += float(F.cross_entropy(logits, batch.target, reduction="sum"))
            probs.append(torch.softmax(logits, 1).cpu().numpy())
            gold.append(batch.target.cpu().numpy())
        n = sum(len(g) for g in gold)
        return (np.concatenate(probs) if probs else np.zeros((0, 2)), np.concatenate(gold) if gold else np.zeros(0, int),
                total / n if n else float("nan"))

    def probabilities(self, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
        """``(P (N, 2), gold (N,))`` on ``split``, in the order of :meth:`texts`."""
        was = self.model.training
        self.model.eval()
        try:
            probs, gold, _ = self._probabilities(self.examples(split))
        finally:
            self.model.train(was)
        return probs, gold

    # ------------------------------------------------------------------ one sentence

    @torch.no_grad()
    def predict(self, text: str) -> SentimentPrediction:
        """The label of ``text`` with both probabilities."""
        toks, ids, known = encode_words(self.vocab, text)
        self.model.eval()
        dev = self.device
        logits = self.model(torch.tensor([ids], device=dev), torch.tensor([len(ids)], device=dev))
        p = torch.softmax(logits[0], 0).cpu().tolist()
        return SentimentPrediction(tuple(toks), tuple(known), LABELS[int(np.argmax(p))],
                                   tuple(zip(LABELS, (float(x) for x in p))))

    def predict_many(self, texts: list[str]) -> np.ndarray:
        """P(positive) for each text (no error for unknown words: UNK is read), ``(N,)``."""
        examples = [(self.vocab.encode(words(t)) or [self.vocab.unk_id], 0) for t in texts]
        was = self.model.training
        self.model.eval()
        try:
            probs, _, _ = self._probabilities(examples)
        finally:
            self.model.train(was)
        return probs[:, 1]

    def _trace_inputs(self, text: str) -> tuple[tuple[str, ...], torch.Tensor]:
        toks, ids, _ = encode_words(self.vocab, text)
        return tuple(toks), self.model.embedding(torch.tensor([ids], device=self.device))

    @torch.no_grad()
    def by_direction(self, text: str) -> DirectionParts:
        """A bidirectional RNN's logits split by direction: ``W_→ →a⟨T_x⟩ + W_← ←a⟨1⟩ + b_y``.

        ``forward``/``backward`` are ``(1, 2)`` (one summary, the classes in ``LABELS`` order): what
        reading left to right and right to left each add to the negative and positive logits.
        """
        if self.config.model != "rnn" or not self.config.bidirectional:
            raise InputError("the directions exist only for a bidirectional RNN; this model is "
                             f"{'averaging' if self.config.model == 'average' else 'forward-only'}",
                             field="bidirectional")
        toks, ids, _ = encode_words(self.vocab, text)
        self.model.eval()
        dev = self.device
        fwd, bwd, bias = self.model.by_direction(torch.tensor([ids], device=dev), torch.tensor([len(ids)], device=dev))
        return DirectionParts(tuple(toks), fwd.cpu().numpy(), bwd.cpu().numpy(), bias.detach().cpu().numpy(), LABELS)

    @torch.no_grad()
    def prefix_probabilities(self, text: str) -> PrefixReading:
        """P(positive) after each word: what the model would answer if the sentence stopped there.

        The RNN reads left to right, so a uni-directional model gives all of them in one pass
        (``W_y a⟨t⟩ + b_y`` at every t, O(T)); the average is a running mean (O(T)).
        """
        toks, ids, known = encode_words(self.vocab, text)
        self.model.eval()
        logits = self.model.prefix_logits(torch.tensor([ids], device=self.device))  # (T, 2)
        pos = torch.softmax(logits, 1)[:, 1].cpu().tolist()
        return PrefixReading(tuple(toks), tuple(known), tuple(float(p) for p in pos))
