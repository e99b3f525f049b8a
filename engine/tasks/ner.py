"""The named-entity task (many-to-many, ``T_x = T_y``): a BIO tag for every token.

Public API::

    NERTask.build(config) -> NERTask
    task.predict(text) -> TagPrediction                     # tags, their probabilities, the entities
    task.by_direction(text) -> DirectionParts               # bi only: W_→ →a + W_← ←a + b = logits
    task.teddy(sentences=TEDDY) -> TeddyReport              # the course's "Teddy" example
    split_tokens(text) -> list[str]                         # tweet-like tokens (@user, #tag kept whole)

Data: the bundled WNUT-17 train / dev / test (``data="wnut17"``), or a CoNLL file split at
random by ``split_seed``. The loss is the mean cross-entropy per (non-padding) token; the metric
is entity-level F1 (:func:`engine.tasks.metrics.entity_scores`, conlleval's definition).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engine.errors import InputError
from engine.tasks.base import Batch, Evaluation, TaskModel
from engine.tasks.config import TaskConfig
from engine.tasks.metrics import entity_scores, entity_spans
from engine.tasks.ner_data import WNUT_TAGS, TaggedSentence, case_feature, load_wnut, read_conll
from engine.tasks.split import split_indices, subsample
from engine.tasks.tagger import Tagger
from engine.tasks.transfer import embedding_matrix, load_pretrained, pretrained_words
from engine.tasks.vocab import TokenVocab, pad_batch

IGNORE = -100
TEDDY: tuple[str, str] = ("He said , Teddy Roosevelt was a great President", "He said , Teddy bears are on sale")
"""The course's two sentences: the same words up to "Teddy", a person in the first and part of a toy in the second."""

_TOKEN_RE = re.compile(r"[@#]?[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]")


def split_tokens(text: str) -> list[str]:
    """Words (``@user`` and ``#tag`` kept whole) and punctuation marks, case kept."""
    return _TOKEN_RE.findall(text)


@dataclass(frozen=True)
class TagPrediction:
    tokens: tuple[str, ...]
    known: tuple[bool, ...]
    tags: tuple[str, ...]
    """The most probable tag of each token."""
    probabilities: tuple[float, ...]
    """P(that tag) for each token."""
    distribution: np.ndarray
    """``(T, n_tags)`` every tag's probability at every token (columns in ``tag_names`` order)."""
    tag_names: tuple[str, ...]
    entities: tuple[tuple[int, int, str], ...]
    """(first token, last token, type) of each predicted entity."""


@dataclass(frozen=True)
class DirectionParts:
    """A bidirectional tagger's logits split by direction: ``forward + backward + bias = logits``."""

    tokens: tuple[str, ...]
    forward: np.ndarray
    """``(T, n_tags)`` ``W_→ →a⟨t⟩``: what the words up to t say about t's tag."""
    backward: np.ndarray
    """``(T, n_tags)`` ``W_← ←a⟨t⟩``: what the words from t to the end say."""
    bias: np.ndarray
    """``(n_tags,)`` ``b_y``."""
    tag_names: tuple[str, ...]

    @property
    def logits(self) -> np.ndarray:
        return self.forward + self.backward + self.bias


@dataclass(frozen=True)
class TeddyReport:
    """The tag distribution of the first "Teddy" in each sentence."""

    sentences: tuple[str, ...]
    predictions: tuple[TagPrediction, ...]
    positions: tuple[int, ...]
    """Index of "Teddy" in each sentence."""
    bidirectional: bool
    max_difference: float
    """The largest |P(tag | sentence 1) − P(tag | sentence 2)| at "Teddy", over tags."""


def _read(cfg: TaskConfig) -> dict[str, list[TaggedSentence]]:
    if cfg.data == "wnut17":
        train, val, test = load_wnut("train"), load_wnut("dev"), load_wnut("test")
    else:
        all_ = read_conll(cfg.data)
        sp = split_indices(len(all_), cfg.split_seed, cfg.val_fraction, cfg.test_fraction)
        train, val, test = ([all_[i] for i in idx] for idx in (sp.train, sp.val, sp.test))
    if cfg.train_size is not None:
        if cfg.train_size > len(train):
            raise InputError(f"train_size {cfg.train_size} is more than the {len(train)} training sentences",
                             field="train_size")
        train = [train[i] for i in subsample(np.arange(len(train)), cfg.train_size, cfg.split_seed)]
    return {"train": train, "val": val, "test": test}


class NERTask(TaskModel):
    task = "ner"
    metric = "f1"

    @classmethod
    def build(cls, config: TaskConfig) -> "NERTask":
        cfg = config.for_task()
        raw = _read(cfg)
        vectors = load_pretrained(cfg.embeddings)
        extra = pretrained_words(vectors, cfg.pretrained_vocab) if vectors is not None else []
        vocab = TokenVocab.build(([t.lower() for t in s.tokens] for s in raw["train"]), min_count=cfg.min_count,
                                 extra=extra)
        tag_names = list(WNUT_TAGS) if cfg.data == "wnut17" else sorted({t for s in raw["train"] for t in s.tags} | {"O"})
        tags = TokenVocab(tag_names, specials=())
        dim = vectors.dim if vectors is not None else cfg.embedding_dim
        matrix, found = embedding_matrix(vocab, vectors, dim, cfg.seed)
        info = {"embedding_dim": dim, "pretrained_rows": found, "vectors": vectors.name if vectors is not None else None,
                "data": cfg.data, "train_examples": len(raw["train"])}
        vocabs = {"words": vocab, "tags": tags}
        torch.manual_seed(cfg.seed)
        task = cls(cfg, cls._model_from(cfg, vocabs, info, matrix), vocabs, info)
        task._raw = raw
        return task

    @classmethod
    def _model_from(cls, config: TaskConfig, vocabs: dict[str, Any], info: dict[str, Any],
                    matrix: np.ndarray | None = None) -> torch.nn.Module:
        return Tagger(len(vocabs["words"]), int(info["embedding_dim"]), len(vocabs["tags"]), config.cell, config.hidden,
                      config.layers, config.bidirectional, dropout=config.dropout, matrix=matrix,
                      freeze_embeddings=config.freeze_embeddings)

    @classmethod
    def _vocabs_from_json(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {"words": TokenVocab.from_json(data["words"]), "tags": TokenVocab.from_json(data["tags"])}

    @property
    def vocab(self) -> TokenVocab:
        return self.vocabs["words"]

    @property
    def tag_names(self) -> tuple[str, ...]:
        return self.vocabs["tags"].tokens

    def describe(self) -> str:
        cfg, info = self.config, self.info
        arch = f"{'bi' if cfg.bidirectional else 'forward-only '}{cfg.cell} {cfg.layers}×{cfg.hidden} tagger"
        emb = f"{info.get('vectors') or 'random'} embeddings" + (" (frozen)" if cfg.freeze_embeddings else "")
        return f"ner on {info.get('data', cfg.data)}: {arch}, {emb}, vocabulary {len(self.vocab)}, " \
               f"{info.get('train_examples', '?')} training sentences"

    # ------------------------------------------------------------------ data

    def _encode(self, tokens: tuple[str, ...] | list[str]) -> tuple[list[int], list[int]]:
        return self.vocab.encode([t.lower() for t in tokens]), [case_feature(t) for t in tokens]

    def _load_examples(self) -> dict[str, list]:
        if getattr(self, "_raw", None) is None:
            self._raw = _read(self.config)
        tags = self.vocabs["tags"]
        out = {}
        for name, sentences in self._raw.items():
            rows = []
            for s in sentences:
                ids, cases = self._encode(s.tokens)
                rows.append((ids, cases, [tags.index(t) if tags.index(t) >= 0 else tags.index("O") for t in s.tags]))
            out[name] = rows
        return out

    def gold_tags(self, split: str) -> list[tuple[str, ...]]:
        self.examples(split)
        return [s.tags for s in self._raw[split]]

    def collate(self, examples: list) -> Batch:
        ids, lengths = pad_batch([e[0] for e in examples])
        cases, _ = pad_batch([e[1] for e in examples])
        target, _ = pad_batch([e[2] for e in examples], pad_id=IGNORE)
        dev = self.device
        t = lambda a: torch.from_numpy(a).to(dev)  # noqa: E731
        return Batch((t(ids), t(cases), t(lengths)), t(target), int(lengths.sum()), len(examples))

    # ------------------------------------------------------------------ training and scores

    def loss(self, batch: Batch) -> tuple[torch.Tensor, int]:
        logits = self.model(*batch.inputs)  # (B, T, n_tags)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.target.flatten(), ignore_index=IGNORE)
        return loss, batch.tokens

    def evaluate_examples(self, examples: list) -> Evaluation:
        names = self.tag_names
        gold, pred = [], []
        total, n_tok, correct = 0.0, 0, 0
        for start in range(0, len(examples), self.eval_batch_size):
            part = examples[start : start + self.eval_batch_size]
            batch = self.collate(part)
            logits = self.model(*batch.inputs)
            total += float(F.cross_entropy(logits.flatten(0, 1), batch.target.flatten(), ignore_index=IGNORE,
                                           reduction="sum"))
            best = logits.argmax(-1).cpu().numpy()
            for row, (_, _, tags) in zip(best, part):
                p = row[: len(tags)]
                correct += int((p == np.asarray(tags)).sum())
                n_tok += len(tags)
                gold.append([names[i] for i in tags])
                pred.append([names[i] for i in p])
        s = entity_scores(gold, pred)
        metrics = {"f1": s.f1, "precision": s.precision, "recall": s.recall,
                   "token_accuracy": correct / n_tok if n_tok else float("nan")}
        return Evaluation(total / n_tok if n_tok else float("nan"), "f1", s.f1, metrics, len(examples))

    # ------------------------------------------------------------------ one sentence

    def _sentence(self, text: str) -> tuple[list[str], list[int], list[int], list[bool]]:
        if not text or not text.strip():
            raise InputError("the text is empty; give a sentence to tag")
        toks = split_tokens(text)
        if not toks:
            raise InputError(f"{text!r} holds no words; give a sentence")
        ids, cases = self._encode(toks)
        known = [self.vocab.index(t.lower()) >= 0 for t in toks]
        if not any(known):
            raise InputError(f"none of the words of {text!r} is in the model's vocabulary; "
                             "the tagger would only see UNK; try other words")
        return toks, ids, cases, known

    @torch.no_grad()
    def predict(self, text: str) -> TagPrediction:
        """Tags with their probabilities for every token of ``text``."""
        toks, ids, cases, known = self._sentence(text)
        self.model.eval()
        dev = self.device
        logits = self.model(torch.tensor([ids], device=dev), torch.tensor([cases], device=dev),
                            torch.tensor([len(ids)], device=dev))[0]
        dist = torch.softmax(logits, -1).cpu().numpy()  # (T, n_tags)
        best = dist.argmax(1)
        tags = tuple(self.tag_names[i] for i in best)
        return TagPrediction(tuple(toks), tuple(known), tags, tuple(float(dist[t, i]) for t, i in enumerate(best)),
                             dist, self.tag_names, tuple(entity_spans(tags)))

    def _trace_inputs(self, text: str) -> tuple[tuple[str, ...], torch.Tensor]:
        toks, ids, cases, _ = self._sentence(text)
        dev = self.device
        return tuple(toks), self.model.inputs(torch.tensor([ids], device=dev), torch.tensor([cases], device=dev))

    def by_direction(self, text: str) -> DirectionParts:
        """Each direction's contribution to every token's logits (bidirectional taggers)."""
        toks, ids, cases, _ = self._sentence(text)
        self.model.eval()
        dev = self.device
        fwd, bwd, bias = self.model.by_direction(torch.tensor([ids], device=dev), torch.tensor([cases], device=dev))
        return DirectionParts(tuple(toks), fwd.cpu().numpy(), bwd.cpu().numpy(), bias.detach().cpu().numpy(),
                              self.tag_names)

    def teddy(self, sentences: tuple[str, ...] = TEDDY, word: str = "Teddy") -> TeddyReport:
        """Tag sentences that share a word (``Teddy``) and compare that word's tag distributions.

        A forward-only tagger's distribution at "Teddy" depends only on the words up to it, so
        when those are the same in both sentences ("He said , Teddy") the two distributions must be
        identical (``max_difference`` 0); a bidirectional one reads what follows and may tell the
        president from the bear.
        """
        preds = tuple(self.predict(s) for s in sentences)
        positions = []
        for s, p in zip(sentences, preds):
            if word not in p.tokens:
                raise InputError(f"{word!r} is not a token of {s!r}")
            positions.append(p.tokens.index(word))
        dists = [p.distribution[i] for p, i in zip(preds, positions)]
        diff = float(np.abs(dists[0] - dists[1]).max()) if len(dists) >= 2 else 0.0
        return TeddyReport(tuple(sentences), preds, tuple(positions), self.config.bidirectional, diff)
