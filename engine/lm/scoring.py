"""Sentence probability under a language model.

Public API::

    sentence_probability(model, text) -> SentenceScore
    SentenceScore(tokens: tuple[TokenScore, ...], log_probability, perplexity, probability, n_unk)
    TokenScore(token, probability, log_probability, is_unk, is_eos)

The chain rule, with EOS as the last token::

    P(y⟨1⟩ … y⟨T⟩) = Π_t P(y⟨t⟩ | y⟨1⟩ … y⟨t−1⟩)
    log P = Σ_t log ŷ⟨t⟩_{y⟨t⟩} = −L            (natural log; L is the training loss of this sentence)
    perplexity = exp(−log P / T)

A word outside the vocabulary is scored as UNK, and flagged. A text of more than
:data:`engine.limits.MAX_SCORE_TOKENS` tokens is refused; a long one is run in chunks that carry
the recurrent state, so memory stays bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from engine.errors import InputError
from engine.limits import MAX_SCORE_TOKENS
from engine.lm.sampling import prepare_text
from engine.text import EOS, EOS_ID, UNK_ID


@dataclass(frozen=True)
class TokenScore:
    token: str
    """The token as written in the text (EOS as ``"<eos>"``; an unknown word keeps its spelling)."""
    probability: float
    """P(y⟨t⟩ | y⟨1⟩ … y⟨t−1⟩)."""
    log_probability: float
    is_unk: bool = False
    """True where the word is outside the vocabulary and was scored as UNK."""
    is_eos: bool = False


@dataclass(frozen=True)
class SentenceScore:
    tokens: tuple[TokenScore, ...]
    log_probability: float
    """Natural log of the sentence probability (EOS included)."""
    perplexity: float
    probability: float
    """exp(log_probability); may underflow to 0 for long texts, use log_probability."""
    n_unk: int = 0


@torch.no_grad()
def sentence_probability(model, text: str) -> SentenceScore:
    """Score ``text`` as one sequence ending with EOS."""
    text = prepare_text(model, text)
    vocab = model.vocab
    words = vocab.tokenize(text)
    if not words:
        raise InputError("the text to score is empty; give at least one character or word")
    if len(words) > MAX_SCORE_TOKENS:
        raise InputError(f"the text has {len(words):,} tokens, more than the {MAX_SCORE_TOKENS:,} that can be scored at once; "
                         "score a shorter text", field="text")
    ids = vocab.encode(words) + [EOS_ID]
    was_training = model.training
    model.eval()
    prev = torch.tensor([[-1] + ids[:-1]], device=model.device)  # (1, T): x⟨1⟩ = 0, x⟨t⟩ = y⟨t−1⟩ (teacher forcing)
    chunk = max(64, min(4096, (1 << 26) // len(vocab)))  # (chunk, V) float64 log-probabilities: ≤ 512 MB
    picked: list[float] = []
    state = None
    for i in range(0, len(ids), chunk):  # one piece when the text is short; the state carries across pieces
        logits, state, _ = model.run(model.embed(prev[:, i : i + chunk]), state)  # (1, C, V)
        logp = torch.log_softmax(logits[0].double(), dim=-1)  # (C, V)
        part = torch.tensor(ids[i : i + chunk])
        picked += logp[torch.arange(len(part)), part].cpu().tolist()
    model.train(was_training)
    shown = words + [EOS]
    tokens = tuple(
        TokenScore(tok, math.exp(lp), lp, is_unk=(i == UNK_ID), is_eos=(k == len(ids) - 1))
        for k, (tok, i, lp) in enumerate(zip(shown, ids, picked))
    )
    total = float(sum(picked))
    mean_nll = -total / len(ids)
    perplexity = math.exp(mean_nll) if mean_nll < 709.0 else math.inf  # exp overflows past e^709
    return SentenceScore(tokens, total, perplexity, math.exp(total), sum(t.is_unk for t in tokens))
