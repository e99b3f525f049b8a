"""Character- and word-level recurrent language models.

Public API (what the app and the command line call)::

    load_language_model(path, device="cpu", which="best") -> LanguageModel   # best/ of a run folder when it has one
    default_checkpoint(name="dinos-lstm") -> Path                  # bundled: dinos-lstm, dinos-gru, dinos-rnn, shakespeare-lstm
    sample(model, n=10, temperature=1.0, top_k=None, prefix="", max_len=50, seed=None) -> list[Sample]
    iter_samples(model, n=10, ...) -> Iterator[Sample]             # the same, streamed batch by batch
    step_distribution(model, prefix_tokens, k=10) -> list[(token, probability)]
    sentence_probability(model, text) -> SentenceScore
    record_trace(model, text) -> (tokens, Trace)
    trace_to_json(model, tokens, trace, parameters=False, layer=None) -> dict   # "seq-explorer.trace/1"
    save_language_model(model, path, ...) -> Path
    LanguageModel, ModelConfig, SentenceScore, TokenScore

Training lives in :mod:`engine.training` (``TrainConfig``, ``train``).
"""

from engine.lm.io import BUNDLED_CHECKPOINTS, MODEL_KIND, default_checkpoint, load_language_model, save_language_model
from engine.lm.model import LanguageModel, ModelConfig
from engine.lm.sampling import iter_samples, sample, step_distribution
from engine.lm.scoring import SentenceScore, TokenScore, sentence_probability
from engine.lm.tracing import TRACE_FORMAT, record_trace, trace_to_json

__all__ = [
    "BUNDLED_CHECKPOINTS", "MODEL_KIND", "LanguageModel", "ModelConfig", "SentenceScore", "TokenScore", "TRACE_FORMAT",
    "default_checkpoint", "iter_samples", "load_language_model", "record_trace", "sample", "save_language_model",
    "sentence_probability", "step_distribution", "trace_to_json",
]
