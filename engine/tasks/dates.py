"""The date-translation task (encoder-decoder, ``T_x ≠ T_y``): "25th of March 2026" → "2026-03-25".

Public API::

    DatesTask.build(config) -> DatesTask
    task.translate(text, beam_width=3, alpha=0.7) -> Translation      # greedy output + beam candidates
    Translation(source, output, log_prob, candidates, attention)

Data: :mod:`engine.tasks.dates_data`, ``n_dates`` training pairs and a tenth of that (≥ 200)
for validation and for test, all generated from ``split_seed`` with no source string shared
between the three. Characters in, characters out; the output vocabulary is ``<s>``, ``</s>``
and the characters of the ISO dates. The loss is the mean cross-entropy per output character
(EOS included, teacher forcing); the metric is the exact match of greedy outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engine.errors import InputError
from engine.tasks.base import Batch, Evaluation, TaskModel
from engine.tasks.beam import Candidate, beam_search, greedy_decode
from engine.tasks.config import TaskConfig
from engine.tasks.dates_data import date_splits
from engine.tasks.seq2seq import Translator
from engine.tasks.split import subsample
from engine.tasks.vocab import BOS, EOS, PAD, UNK, TokenVocab, pad_batch

MAX_SOURCE = 64
"""Longest source accepted (characters); the generated dates have at most 28."""


@dataclass(frozen=True)
class BeamCandidate:
    text: str
    log_prob: float
    """log P(output, EOS | input), natural log."""
    score: float
    """Length-normalised log P (the beam's ranking)."""
    finished: bool


@dataclass(frozen=True)
class Translation:
    source: str
    output: str
    """The greedy decoding."""
    log_prob: float
    candidates: tuple[BeamCandidate, ...]
    """Beam search's best ``beam_width`` outputs, best first."""
    attention: np.ndarray | None
    """``(T_y, T_x)`` α⟨t,t'⟩ of the greedy output (rows: output characters then EOS; columns: input
    characters); None for a model without attention."""
    source_tokens: tuple[str, ...] = ()
    output_tokens: tuple[str, ...] = ()


def _n_eval(n: int) -> int:
    return max(200, n // 10)


class DatesTask(TaskModel):
    task = "dates"
    metric = "exact_match"

    @classmethod
    def build(cls, config: TaskConfig) -> "DatesTask":
        cfg = config.for_task()
        raw = cls._pairs(cfg)
        src = TokenVocab.build((list(p.source) for p in raw["train"]), min_count=1)
        tgt = TokenVocab.build((list(p.target) for p in raw["train"]), specials=(BOS, EOS))
        vocabs = {"source": src, "target": tgt}
        info = {"embedding_dim": cfg.embedding_dim, "data": "synthetic", "train_examples": len(raw["train"])}
        torch.manual_seed(cfg.seed)
        task = cls(cfg, cls._model_from(cfg, vocabs, info), vocabs, info)
        task._raw = raw
        return task

    @staticmethod
    def _pairs(cfg: TaskConfig) -> dict[str, list]:
        n_eval = _n_eval(cfg.n_dates)
        train, val, test = date_splits(cfg.n_dates, n_eval, n_eval, cfg.split_seed)
        if cfg.train_size is not None:
            if cfg.train_size > len(train):
                raise InputError(f"train_size {cfg.train_size} is more than the {len(train)} training dates",
                                 field="train_size")
            train = [train[i] for i in subsample(np.arange(len(train)), cfg.train_size, cfg.split_seed)]
        return {"train": train, "val": val, "test": test}

    @classmethod
    def _model_from(cls, config: TaskConfig, vocabs: dict[str, Any], info: dict[str, Any]) -> torch.nn.Module:
        return Translator(len(vocabs["source"]), len(vocabs["target"]), int(info["embedding_dim"]), config.hidden,
                          config.cell, config.bidirectional, config.attention)

    @classmethod
    def _vocabs_from_json(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {"source": TokenVocab.from_json(data["source"]), "target": TokenVocab.from_json(data["target"])}

    def describe(self) -> str:
        cfg = self.config
        enc = f"{'bi' if cfg.bidirectional else ''}{cfg.cell} {cfg.hidden}"
        att = "with attention" if cfg.attention else "without attention"
        return f"dates: character encoder-decoder ({enc}) {att}, {self.info.get('train_examples', '?')} training pairs"

    @property
    def source_vocab(self) -> TokenVocab:
        return self.vocabs["source"]

    @property
    def target_vocab(self) -> TokenVocab:
        return self.vocabs["target"]

    # ------------------------------------------------------------------ data

    def _load_examples(self) -> dict[str, list]:
        if getattr(self, "_raw", None) is None:
            self._raw = self._pairs(self.config)
        src, tgt = self.source_vocab, self.target_vocab
        eos = tgt.index(EOS)
        return {name: [(src.encode(p.source), tgt.encode(p.target) + [eos], p.target) for p in pairs]
                for name, pairs in self._raw.items()}

    def collate(self, examples: list) -> Batch:
        src, lengths = pad_batch([e[0] for e in examples])
        bos = self.target_vocab.index(BOS)
        target, _ = pad_batch([e[1] for e in examples], pad_id=-100)
        prev, _ = pad_batch([[bos] + e[1][:-1] for e in examples], pad_id=bos)
        dev = self.device
        t = lambda a: torch.from_numpy(a).to(dev)  # noqa: E731
        return Batch((t(src), t(lengths), t(prev)), t(target), int(lengths.sum() + sum(len(e[1]) for e in examples)),
                     len(examples))

    # ------------------------------------------------------------------ training and scores

    def loss(self, batch: Batch) -> tuple[torch.Tensor, int]:
        logits = self.model(*batch.inputs)  # (B, T_y, V)
        n = int((batch.target != -100).sum())
        return F.cross_entropy(logits.flatten(0, 1), batch.target.flatten(), ignore_index=-100), n

    def evaluate_examples(self, examples: list) -> Evaluation:
        total, n = 0.0, 0
        hits = 0
        for start in range(0, len(examples), self.eval_batch_size):
            part = examples[start : start + self.eval_batch_size]
            batch = self.collate(part)
            logits = self.model(*batch.inputs)
            total += float(F.cross_entropy(logits.flatten(0, 1), batch.target.flatten(), ignore_index=-100,
                                           reduction="sum"))
            n += int((batch.target != -100).sum())
            outputs = self.greedy_batch(batch.inputs[0], batch.inputs[1], max(len(e[1]) for e in part) + 2)
            hits += sum(o == e[2] for o, e in zip(outputs, part))
        em = hits / len(examples) if examples else float("nan")
        return Evaluation(total / n if n else float("nan"), "exact_match", em, {"exact_match": em}, len(examples))

    @torch.no_grad()
    def greedy_batch(self, src: torch.Tensor, lengths: torch.Tensor, max_len: int) -> list[str]:
        """Greedy decoding of a whole batch at once (the arg-max at every step; EOS ends a row)."""
        model: Translator = self.model  # type: ignore[assignment]
        tgt = self.target_vocab
        bos, eos = tgt.index(BOS), tgt.index(EOS)
        memory = model.memory(src, lengths)
        state = model.initial_state(src.shape[0], memory.states)
        prev = torch.full((src.shape[0],), bos, device=src.device, dtype=torch.long)
        rows: list[list[int]] = [[] for _ in range(src.shape[0])]
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        for _ in range(max_len):
            logits, state, _ = model.step(prev, state, memory)
            logits[:, bos] = float("-inf")
            prev = logits.argmax(-1)
            for i, y in enumerate(prev.tolist()):
                if not done[i] and y != eos:
                    rows[i].append(y)
            done |= prev == eos
            if bool(done.all()):
                break
        return ["".join(tgt.decode(r)) for r in rows]

    # ------------------------------------------------------------------ one input

    def _source(self, text: str) -> list[int]:
        if not text or not text.strip():
            raise InputError("the text is empty; give a date such as '25th of March 2026'")
        text = text.strip()
        if len(text) > MAX_SOURCE:
            raise InputError(f"the date is {len(text)} characters long; give at most {MAX_SOURCE}")
        ids = self.source_vocab.encode(list(text))
        if all(i == self.source_vocab.unk_id for i in ids):
            raise InputError(f"none of the characters of {text!r} was seen in training; give a date written in letters and digits")
        return ids

    def _trace_inputs(self, text: str) -> tuple[tuple[str, ...], torch.Tensor]:
        ids = self._source(text)
        return tuple(text.strip()), self.model.src_embedding(torch.tensor([ids], device=self.device))

    def step_fn(self, memory):
        """The model's :meth:`~engine.tasks.seq2seq.Translator.step_fn` with ``<s>`` never chosen."""
        inner = self.model.step_fn(memory)
        bos = self.target_vocab.index(BOS)

        def fn(prev, state):
            log_probs, state = inner(prev, state)
            log_probs = log_probs.clone()
            log_probs[:, bos] = float("-inf")
            return log_probs, state

        return fn

    @torch.no_grad()
    def translate(self, text: str, beam_width: int = 3, alpha: float = 0.7, max_len: int = 16) -> Translation:
        """Greedy output, the beam's ``beam_width`` candidates, and the greedy output's attention."""
        ids = self._source(text)
        self.model.eval()
        dev = self.device
        model: Translator = self.model  # type: ignore[assignment]
        memory = model.memory(torch.tensor([ids], device=dev), torch.tensor([len(ids)], device=dev))
        tgt = self.target_vocab
        bos, eos = tgt.index(BOS), tgt.index(EOS)
        fn = self.step_fn(memory)
        greedy = greedy_decode(fn, model.start_state(memory), bos, eos, max_len)
        beams = beam_search(fn, model.start_state(memory), bos, eos, max_len, beam_width, alpha)

        def text_of(c: Candidate) -> str:
            return "".join(tgt.decode(c.tokens))

        attention = greedy.state[-1][0].cpu().numpy() if model.attention else None
        return Translation(
            source=text.strip(), output=text_of(greedy), log_prob=greedy.log_prob,
            candidates=tuple(BeamCandidate(text_of(c), c.log_prob, c.score, c.finished) for c in beams),
            attention=attention, source_tokens=tuple(text.strip()),
            output_tokens=tuple(tgt.decode(greedy.tokens)) + ((EOS,) if greedy.finished else ()),
        )


__all__ = ["DatesTask", "Translation", "BeamCandidate", "PAD", "UNK"]
