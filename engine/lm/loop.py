"""The training loop behind :func:`engine.training.train` (one run, its state and its events).

Kept apart from :mod:`engine.training` (the configuration and the public entry point) so that each
module stays one concept. Nothing here is public API; read :mod:`engine.training` first.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Generator, Iterator

import numpy as np
import torch

from engine.checkpoint import event_record, read_checkpoint
from engine.clipping import clip_by_norm, clip_by_value
from engine.corpora import resolve_corpus
from engine.device import auto_cpu_threads, select_device, seed_everything
from engine.distributed import DataParallelRun, writes_here
from engine.errors import CheckpointError, InputError
from engine.events import Diverged, Evaluated, Event, Finished, Sampled, Saved, Started, Step
from engine.limits import MAX_STEP_BYTES
from engine.lm.io import MODEL_KIND, model_from_checkpoint
from engine.lm.model import LanguageModel, ModelConfig
from engine.lm.optim import make_optimizer
from engine.lm.run_folder import RunFolder
from engine.lm.sampling import sample
from engine.smoothing import smoothed
from engine.text import EncodedCorpus, Vocab, build_vocab, encode_corpus, read_lines

ADVICE = (
    "{what}: lower the learning rate (lr, e.g. {lr:g}), clip the gradient "
    "(clip by norm with threshold 1, or by value with 5), or use a gated cell (lstm, gru); the last good checkpoint is kept"
)
"""What a diverged run is told (``Diverged.advice``)."""


def clip_gradients(params: list[torch.Tensor], mode: str, threshold: float) -> tuple[float, float, bool]:
    """Clip gradients in place with :mod:`engine.clipping`; (‖g‖ before, ‖g‖ after, clipped)."""
    if mode == "none":
        grads = [p.grad for p in params if p.grad is not None]
        norm = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))) if grads else 0.0
        return norm, norm, False
    fn = clip_by_value if mode == "value" else clip_by_norm
    before, after, clipped = fn(params, threshold)
    return float(before), float(after), bool(clipped)


@torch.no_grad()
def fast_clip(params: list[torch.Tensor], mode: str, threshold: float) -> None:
    """Clip by value without measuring norms (an element-wise clamp: bit-identical to ``clip_by_value``)."""
    if mode == "value":
        torch.nn.utils.clip_grad_value_(params, threshold)
    elif mode == "norm":  # pragma: no cover - the loop always measures for "norm"
        raise AssertionError("clip by norm goes through clip_gradients")


@torch.no_grad()
def evaluate(model: LanguageModel, corpus: EncodedCorpus, device: torch.device, max_sequences: int) -> float:
    """Per-token mean cross-entropy (nats) over the first ``max_sequences`` validation sequences."""
    was = model.training
    model.eval()
    spans = corpus.val_spans[:max_sequences]
    total, count = 0.0, 0
    for i in range(0, len(spans), 256):
        y = torch.from_numpy(corpus.batch(spans[i : i + 256])).to(device)
        loss_sum, n = model.loss(y)
        total += float(loss_sum)
        count += n
    model.train(was)
    return total / max(count, 1)


class TrainingRun:
    """One run: data, model, optimiser, and the event generator :meth:`events`."""

    def __init__(self, config, stop: threading.Event, resume_from: str | Path | None,
                 save_request: threading.Event | None = None, pause: threading.Event | None = None) -> None:
        self.cfg = config
        self.stop = stop
        self.save_request = save_request
        self.pause = pause
        self.resume_from = resume_from
        self.corpus: EncodedCorpus | None = None
        self.out = Path(config.out).expanduser() if config.out else (Path(resume_from) if resume_from else None)
        if not writes_here():  # torchrun's other ranks: rank 0 alone locks and writes the run folder
            self.out = None
        self.folder = RunFolder(self.out, resume_from=resume_from, overwrite=config.overwrite) if self.out else None

    def close(self) -> None:
        if getattr(self, "parallel", None) is not None:  # data-parallel hook (engine/distributed.py)
            self.parallel.close()
        if self.folder is not None:
            self.folder.close()
        if getattr(self, "_threads_before", None) is not None:
            torch.set_num_threads(self._threads_before)
            self._threads_before = None
        if self.corpus is not None:
            self.corpus.close()
            self.corpus = None

    # ------------------------------------------------------------------ set-up

    def _setup(self) -> None:
        cfg = self.cfg
        self.device = select_device(cfg.device)
        threads = auto_cpu_threads(cfg.cpu_threads)
        if threads is not None:
            self._threads_before = torch.get_num_threads()
            torch.set_num_threads(threads)
        ckpt = read_checkpoint(self.resume_from, model_kind=MODEL_KIND) if self.resume_from else None
        if ckpt is not None and not ckpt.training:
            raise CheckpointError(f"{self.resume_from} holds no training state (a bundled or exported model); it cannot be resumed")
        if self.folder is not None:  # locked, writable, not someone else's checkpoint: before the corpus is read
            self.folder.open()
        seed_everything(cfg.seed)
        spec = resolve_corpus(cfg.data)
        case = spec.case if cfg.case == "auto" else cfg.case
        mode = spec.sequence if cfg.sequence == "auto" else cfg.sequence

        encoding = "utf-8" if spec.bundled else cfg.encoding  # the bundled corpora are UTF-8 whatever is asked

        def lines():
            return read_lines(spec.path, encoding, case)

        if ckpt is not None:
            vocab = Vocab.from_json(ckpt.meta["vocab"])
        else:
            vocab = build_vocab(lines(), cfg.level, max_size=cfg.max_vocab, min_count=cfg.min_count, skip_blank=mode == "line")
        self.corpus = corpus = encode_corpus(
            lines(), vocab, sequence=mode, seq_len=cfg.seq_len, val_fraction=cfg.val_fraction, split_seed=cfg.split_seed
        )
        n_train = len(corpus.train_spans)
        if n_train < cfg.batch_size:
            raise InputError(
                f"the corpus has only {n_train} training sequences, fewer than one batch of {cfg.batch_size}; "
                "lower batch_size or use a bigger file", field="batch_size"
            )
        stored = cfg.to_json()
        stored.update(data=spec.name if spec.bundled else str(spec.path.resolve()), case_mode=case, sequence_mode=mode)
        model_config = ModelConfig(len(vocab), cfg.cell, cfg.layers, cfg.hidden, cfg.dropout, cfg.input, cfg.embedding_dim)
        if ckpt is not None:
            model = model_from_checkpoint(ckpt)
            if model.model_config != model_config:
                raise CheckpointError(
                    f"{self.resume_from} holds a {model.model_config.cell} {model.model_config.layers}×{model.model_config.hidden} "
                    f"model; resume with the same cell, layers, hidden and input"
                )
            model.config = stored
        else:
            self._check_step_memory(model_config, corpus)
            model = LanguageModel(vocab, model_config, config=stored)
        model.known_lines = corpus.known_lines
        self.model = model.to(self.device)
        # data-parallel hook (engine/distributed.py): under torchrun, DDP-wrap the model, shard each
        # batch, agree on stop/divergence, and let rank 0 alone write (others get out=None)
        self.parallel = DataParallelRun.attach(self)
        self.opt = make_optimizer(cfg.optimizer, model.parameters(), cfg.lr)
        if self.folder is not None:  # the last checkpoint with optimiser moments, and best/: before training starts
            n = model_config.parameter_count() * 4
            self.folder.check_space(n * (2 + (2 if cfg.optimizer == "adam" else 0)))
        self.start_step, self.ema = 0, 0.0
        if ckpt is not None:
            self._restore(ckpt)
        if self.folder is not None:  # every check passed: a fresh run now drops the old run's best/ and metrics
            self.folder.begin()
        self.batches_per_epoch = n_train // cfg.batch_size
        self._perm_epoch, self._perm = -1, np.zeros(0, dtype=np.int64)
        self.description = (
            f"{cfg.cell} {cfg.layers}×{cfg.hidden} {cfg.level}-level LM on {spec.name}: {n_train} train / "
            f"{len(corpus.val_spans)} validation sequences ({mode}), vocabulary {len(vocab)}"
        )

    def _check_step_memory(self, model_config: ModelConfig, corpus: EncodedCorpus) -> None:
        """Refuse a step whose activations alone would exceed :data:`~engine.limits.MAX_STEP_BYTES`
        (rough: float32 inputs, gates and states per layer, logits and their gradients)."""
        from engine.recurrent.kinds import KINDS

        cfg = self.cfg
        longest = int(corpus.train_spans[:, 1].max()) if len(corpus.train_spans) else 1
        tokens = cfg.batch_size * min(cfg.seq_len, longest)
        per_token = model_config.input_size + 3 * model_config.vocab_size + \
            model_config.layers * model_config.hidden * (KINDS[model_config.cell].n_chunks + 2) * 2
        need = 4 * tokens * per_token
        if need > MAX_STEP_BYTES:
            raise InputError(
                f"one step would need about {need / 2**30:,.0f} GiB for activations ({tokens:,} tokens × vocabulary "
                f"{model_config.vocab_size:,}); lower batch_size or seq_len, or use input = embedding", field="batch_size")

    def _restore(self, ckpt) -> None:
        tr = ckpt.training
        if tr.get("optimizer") != self.cfg.optimizer:
            raise CheckpointError(f"{self.resume_from} was trained with {tr.get('optimizer')!r}; resume with the same optimizer")
        try:
            self.opt.load_state_tensors(ckpt.training_tensors)
            if "rng.torch" in ckpt.training_tensors:
                torch.set_rng_state(ckpt.training_tensors["rng.torch"])
        except InputError as exc:
            raise CheckpointError(f"{self.resume_from}: {exc}") from None
        except (RuntimeError, ValueError, TypeError) as exc:  # a training file of the wrong shapes or types
            raise CheckpointError(f"{self.resume_from} has a malformed training state ({' '.join(str(exc).split())[:100]}); "
                                  "it cannot be resumed") from None
        step, ema = tr.get("step"), tr.get("ema")
        if isinstance(step, bool) or not isinstance(step, int) or step < 0 or isinstance(ema, bool) \
                or not isinstance(ema, (int, float)) or not math.isfinite(ema):
            raise CheckpointError(f"{self.resume_from} has a malformed training state (step {step!r}, ema {ema!r}); it cannot be resumed")
        self.start_step = step
        self.ema = float(ema)

    def _spans(self, step: int) -> np.ndarray:
        """The batch of step ``step`` (1-based): a function of (seed, step) only."""
        assert self.corpus is not None
        epoch, k = divmod(step - 1, self.batches_per_epoch)
        if epoch != self._perm_epoch:
            self._perm = np.random.default_rng([self.cfg.seed, epoch]).permutation(len(self.corpus.train_spans))
            self._perm_epoch = epoch
        B = self.cfg.batch_size
        return self.corpus.train_spans[self._perm[k * B : (k + 1) * B]]

    # ------------------------------------------------------------------ saving

    def _save(self, step: int) -> Saved:
        tensors = {"rng.torch": torch.get_rng_state(), **self.opt.state_tensors()}
        epoch, k = divmod(step, self.batches_per_epoch)
        training = {"step": step, "ema": self.ema, "epoch": epoch, "batch_in_epoch": k,
                    "optimizer": self.cfg.optimizer}
        assert self.folder is not None
        path = self.folder.save_last(self.model, training, tensors)
        return Saved(step=step, path=str(path))

    def _evaluated(self, step: int) -> Evaluated:
        """Validation loss now; ``best/`` is saved when it is the lowest so far."""
        val = evaluate(self.model, self.corpus, self.device, self.cfg.max_eval_sequences)
        if self.folder is not None:
            self.folder.offer_best(self.model, step, val)
        return Evaluated(step=step, val_loss=val)

    # ------------------------------------------------------------------ the loop

    def events(self) -> Iterator[Event]:
        for event in self._events():
            if self.folder is not None:
                self.folder.append(event_record(event))
            yield event

    def _events(self) -> Iterator[Event]:
        self._setup()
        cfg, model, corpus, device = self.cfg, self.model, self.corpus, self.device
        assert corpus is not None
        beta = cfg.smoothing
        yield Started(total_steps=cfg.steps, device=str(device), description=self.description, start_step=self.start_step)
        params = [p for p in model.parameters()]
        t0 = time.perf_counter()
        last_report_t, last_report_step, window_tokens = t0, self.start_step, 0
        last_loss, last_val, last_saved = float("nan"), None, None
        reason = "completed"
        step = self.start_step
        pending: tuple[int, float, float, bool] | None = None  # a step done, not reported: (step, ‖g‖, ‖g‖ clipped, clipped)
        pause = self.pause
        for step in range(self.start_step + 1, cfg.steps + 1):
            if pause is not None and pause.is_set():
                if pending is not None:  # show where it paused: the last step done, reported
                    yield self._step_event(*pending, last_loss, window_tokens, last_report_t, t0)
                    last_report_t, last_report_step, window_tokens, pending = time.perf_counter(), step - 1, 0, None
                waited, saved = yield from self._hold(step - 1)
                last_saved = saved or last_saved
                t0, last_report_t = t0 + waited, last_report_t + waited  # time paused is not training time
            if self.parallel.stop(self.stop.is_set()):
                step -= 1
                reason = "stopped"
                break
            y = torch.from_numpy(corpus.batch(self.parallel.shard(self._spans(step)))).to(device)  # (B, T)
            model.train()
            loss_sum, n_tokens = self.parallel.loss(y)
            loss = loss_sum / n_tokens  # per-token mean of L = Σ_t L⟨t⟩
            last_loss = float(loss.detach())
            if not self.parallel.all_finite(last_loss):
                yield from self._diverged(step, last_loss, "the loss became NaN" if math.isnan(last_loss) else "the loss became infinite", last_val, last_saved, t0)
                return
            self.opt.zero_grad()
            loss.backward()
            report = (step - last_report_step >= cfg.report_every_steps or step == cfg.steps or self.stop.is_set()
                      or time.perf_counter() - last_report_t >= cfg.report_every_s)
            if report or cfg.clip == "norm":  # measure ‖g‖ (clip by norm needs it anyway: one code path, same floats)
                before, after, clipped = clip_gradients(params, cfg.clip, cfg.clip_threshold)
                if not math.isfinite(before):
                    yield from self._diverged(step, before, "the gradient norm became NaN or infinite", last_val, last_saved, t0)
                    return
            else:  # clamp (bit-identical to clip_by_value) or nothing, no norms: unseen steps cost what a bare loop costs
                fast_clip(params, cfg.clip, cfg.clip_threshold)
                before = after = float("nan")
                clipped = False
            self.opt.step()
            self.ema = beta * self.ema + (1.0 - beta) * last_loss
            window_tokens += n_tokens
            pending = None
            if report:
                yield self._step_event(step, before, after, clipped, last_loss, window_tokens, last_report_t, t0)
                last_report_t, last_report_step, window_tokens = time.perf_counter(), step, 0
            else:
                pending = (step, before, after, clipped)
            if step % cfg.eval_every == 0 and step != cfg.steps:
                evaluated = self._evaluated(step)
                last_val = evaluated.val_loss
                yield evaluated
            if cfg.sample_every and step % cfg.sample_every == 0:
                yield Sampled(step=step, samples=tuple(self._samples(step)))
            asked = self.save_request is not None and self.save_request.is_set()
            if asked:
                self.save_request.clear()
            if self.out is not None and (step % cfg.checkpoint_every == 0 or asked) and step != cfg.steps:
                if not self._finite_params():  # never overwrite the last good checkpoint with inf/NaN weights
                    yield from self._diverged(step, float("nan"), "the weights became NaN or infinite", last_val, last_saved, t0)
                    return
                last_saved = self._save(step)
                yield last_saved
        if pending is not None:  # a stop between reports: the last step done is reported all the same
            yield self._step_event(*pending, last_loss, window_tokens, last_report_t, t0, final=True)
        if reason == "completed" and step > self.start_step:
            evaluated = self._evaluated(step)
            last_val = evaluated.val_loss
            yield evaluated
        if self.out is not None and step > 0:
            if not self._finite_params():
                yield from self._diverged(step, float("nan"), "the weights became NaN or infinite", last_val, last_saved, t0)
                return
            last_saved = self._save(step)
            yield last_saved
        yield Finished(
            step=step, reason=reason, final_loss=None if math.isnan(last_loss) else last_loss, val_loss=last_val,
            elapsed_s=time.perf_counter() - t0, checkpoint=last_saved.path if last_saved else None,
        )

    def _step_event(self, step: int, before: float, after: float, clipped: bool, loss: float, window_tokens: int,
                    last_report_t: float, t0: float, final: bool = False) -> Step:
        """The ``Step`` report of ``step`` (norms NaN where they were not measured); ``final``: the run
        ends after it (no time left). Speed is over the window since the last report."""
        cfg = self.cfg
        now = time.perf_counter()
        elapsed = now - t0
        return Step(
            step=step, total_steps=cfg.steps, loss=loss, smoothed_loss=smoothed(self.ema, step, cfg.smoothing),
            grad_norm=before, grad_norm_clipped=after, clipped=clipped, lr=self.opt.lr,
            tokens_per_s=window_tokens / max(now - last_report_t, 1e-9), elapsed_s=elapsed,
            eta_s=0.0 if final else elapsed / max(step - self.start_step, 1) * (cfg.steps - step),
            clip_threshold=cfg.clip_threshold if cfg.clip != "none" else None, clip_mode=cfg.clip,
        )

    def _hold(self, done: int) -> Generator[Event, None, tuple[float, Saved | None]]:
        """Hold the run while ``pause`` is set (until it is cleared or ``stop`` is set). A save asked for
        meanwhile is written at once, at step ``done``. Returns the seconds held and that ``Saved``."""
        start, saved = time.perf_counter(), None
        while self.pause is not None and self.pause.is_set() and not self.stop.is_set():
            if self.save_request is not None and self.save_request.is_set():
                self.save_request.clear()
                if self.out is not None and done > 0 and self._finite_params():
                    saved = self._save(done)
                    yield saved
            self.stop.wait(0.05)
        return time.perf_counter() - start, saved

    def _finite_params(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self.model.parameters())

    def _samples(self, step: int):
        return sample(self.model, n=self.cfg.n_samples, temperature=1.0, max_len=self.cfg.sample_max_len, seed=self.cfg.seed * 1_000_003 + step)

    def _diverged(self, step, value, what, last_val, last_saved, t0) -> Iterator[Event]:
        lr = self.cfg.lr / 10
        yield Diverged(step=step, loss=float(value), advice=ADVICE.format(what=what, lr=lr))
        yield Finished(
            step=step, reason="diverged", final_loss=float(value), val_loss=last_val,
            elapsed_s=time.perf_counter() - t0, checkpoint=last_saved.path if last_saved else None,
        )
