"""Training events, stop, resume, determinism, divergence, clipping, data errors."""

from __future__ import annotations

import math
import threading
import time

import pytest
import torch

from engine.errors import InputError
from engine.events import Diverged, Evaluated, Finished, Sampled, Saved, Started, Step
from engine.lm import load_language_model
from engine.training import TrainConfig, smoothed, train

from .conftest import tiny_config


def run(config, stop=None, resume_from=None):
    return list(train(config, stop or threading.Event(), resume_from))


def steps(events):
    return {e.step: e.loss for e in events if isinstance(e, Step)}


def test_events_come_in_order_and_loss_falls(names_file):
    events = run(tiny_config(names_file, steps=40, lr=0.03, eval_every=20, sample_every=20))
    assert isinstance(events[0], Started) and isinstance(events[-1], Finished)
    assert events[-1].reason == "completed" and events[-1].step == 40
    losses = steps(events)
    assert sorted(losses) == list(range(1, 41))  # report_every_steps=1 in tiny_config
    assert sum(list(losses.values())[-5:]) < sum(list(losses.values())[:5])
    evals = [e for e in events if isinstance(e, Evaluated)]
    assert [e.step for e in evals] == [20, 40] and evals[-1].val_loss < math.log(18)
    sampled = [e for e in events if isinstance(e, Sampled)]
    assert len(sampled) == 2 and len(sampled[0].samples) == 2


def test_smoothed_loss_is_bias_corrected(names_file):
    events = run(tiny_config(names_file, steps=3))
    s = [e for e in events if isinstance(e, Step)]
    assert s[0].smoothed_loss == pytest.approx(s[0].loss)  # no start-up bias: m_1/(1-β) = L_1
    ema = 0.0
    for e in s:
        ema = 0.98 * ema + 0.02 * e.loss
    assert s[-1].smoothed_loss == pytest.approx(smoothed(ema, 3, 0.98))


def test_event_rate_is_bounded_but_last_step_always_reported(names_file):
    events = run(tiny_config(names_file, steps=15, report_every_steps=100, report_every_s=1000.0, eval_every=100, sample_every=0))
    assert [e.step for e in events if isinstance(e, Step)] == [15]


def test_same_seed_same_run(names_file):
    a = steps(run(tiny_config(names_file, dropout=0.0)))
    b = steps(run(tiny_config(names_file)))
    c = steps(run(tiny_config(names_file, seed=1)))
    assert a == b and a != c


def test_stop_ends_within_one_step_and_saves(names_file, tmp_path):
    stop = threading.Event()
    seen = []
    for event in train(tiny_config(names_file, steps=50, out=str(tmp_path / "run")), stop):
        seen.append(event)
        if isinstance(event, Step) and event.step == 3:
            stop.set()
    last_step = max(e.step for e in seen if isinstance(e, Step))
    assert last_step == 3
    assert isinstance(seen[-1], Finished) and seen[-1].reason == "stopped" and seen[-1].step == 3
    assert any(isinstance(e, Saved) and e.step == 3 for e in seen)
    assert load_language_model(tmp_path / "run")  # the checkpoint is complete


@pytest.mark.parametrize("cell", ["lstm", "gru-simple"])
def test_resume_reproduces_the_unbroken_run(names_file, tmp_path, cell):
    cfg = tiny_config(names_file, cell=cell, steps=12, dropout=0.0, layers=2, eval_every=100, sample_every=0)
    unbroken = steps(run(cfg))
    stop = threading.Event()
    out = tmp_path / "ckpt"
    first = []
    for event in train(TrainConfig(**{**cfg.to_json(), "out": str(out)}), stop):
        first.append(event)
        if isinstance(event, Step) and event.step == 5:
            stop.set()
    resumed = run(TrainConfig(**{**cfg.to_json(), "out": str(out)}), resume_from=out)
    assert resumed[0].start_step == 5
    got = steps(resumed)
    assert sorted(got) == list(range(6, 13))
    assert got == {k: v for k, v in unbroken.items() if k > 5}  # bit for bit on the CPU
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert sum('"Started"' in line for line in lines) == 2  # appended, not overwritten


def test_resume_with_dropout_also_reproduces(names_file, tmp_path):
    cfg = tiny_config(names_file, steps=8, dropout=0.3, layers=2, eval_every=100, sample_every=0, checkpoint_every=4)
    unbroken = steps(run(cfg))
    out = tmp_path / "d"
    run(TrainConfig(**{**cfg.to_json(), "steps": 4, "out": str(out)}))
    got = steps(run(TrainConfig(**{**cfg.to_json(), "out": str(out)}), resume_from=out))
    assert got == {k: v for k, v in unbroken.items() if k > 4}


def test_resume_refuses_another_shape(names_file, tmp_path):
    out = tmp_path / "r"
    run(tiny_config(names_file, steps=2, out=str(out)))
    from engine.errors import CheckpointError

    with pytest.raises(CheckpointError, match="resume with the same"):
        run(tiny_config(names_file, steps=4, hidden=9, out=str(out)), resume_from=out)


def test_divergence_ends_with_advice_and_keeps_last_good_checkpoint(names_file, tmp_path, monkeypatch):
    # The learning rate is capped (engine.limits.MAX_LR), far below what overflows float32 in one
    # step, so the blow-up is made by hand: the 8th update turns a weight infinite.
    from engine.lm import optim

    real, calls = optim.SGD.step, []

    def exploding_step(self):
        real(self)
        calls.append(1)
        if len(calls) == 8:
            with torch.no_grad():
                self.params[0].fill_(float("inf"))

    monkeypatch.setattr(optim.SGD, "step", exploding_step)
    out = tmp_path / "div"
    events = run(tiny_config(names_file, optimizer="sgd", lr=0.1, clip="none", checkpoint_every=1, out=str(out)))
    div = [e for e in events if isinstance(e, Diverged)]
    assert len(div) == 1 and "lower the learning rate" in div[0].advice
    fin = events[-1]
    assert isinstance(fin, Finished) and fin.reason == "diverged"
    assert not any(isinstance(e, Saved) for e in events) or fin.checkpoint
    if fin.checkpoint:
        model = load_language_model(fin.checkpoint)
        assert all(p.isfinite().all() for p in model.parameters())


@pytest.mark.parametrize("mode", ["value", "norm"])
def test_clipping(names_file, mode):
    events = run(tiny_config(names_file, steps=3, clip=mode, clip_threshold=1e-3, sample_every=0))
    s = [e for e in events if isinstance(e, Step)]
    assert all(e.clipped and e.clip_mode == mode for e in s)
    assert all(e.grad_norm_clipped < e.grad_norm for e in s)
    if mode == "norm":
        assert all(e.grad_norm_clipped == pytest.approx(1e-3, rel=1e-3) for e in s)


def test_corpus_smaller_than_a_batch(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("abc\nabd\nabe\n")
    with pytest.raises(InputError, match="fewer than one batch"):
        run(tiny_config(path))


def test_bad_config_values_name_the_value():
    with pytest.raises(InputError, match="hidden must be in 1..16,384, got -3") as exc:
        TrainConfig(hidden=-3)
    assert exc.value.field == "hidden"
    with pytest.raises(InputError, match="cell must be one of"):
        TrainConfig(cell="lstmx")


def test_default_config_is_the_demo():
    cfg = TrainConfig()
    assert (cfg.data, cfg.level, cfg.cell, cfg.hidden) == ("dinos", "char", "lstm", 50)


def test_word_level_with_embeddings_and_unk(tmp_path):
    import random

    from engine.lm import sentence_probability

    rng = random.Random(0)
    words = ["the", "cat", "dog", "sat", "ran", "on", "mat", "log", "a", "big"]
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 7))) + " ." for _ in range(120)]
    lines += ["the zebra sat ."]  # "zebra" occurs once: min_count 2 makes it UNK
    path = tmp_path / "words.txt"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "w"
    events = run(tiny_config(path, level="word", input="embedding", min_count=2, steps=6, out=str(out)))
    assert events[-1].reason == "completed"
    model = load_language_model(out)
    assert model.vocab.level == "word" and "zebra" not in model.vocab
    score = sentence_probability(model, "the zebra sat .")
    assert [t.token for t in score.tokens] == ["the", "zebra", "sat", ".", "<eos>"]
    assert [t.is_unk for t in score.tokens] == [False, True, False, False, False]


def test_save_request_saves_after_the_current_step(names_file, tmp_path):
    ask = threading.Event()
    saved = []
    for event in train(tiny_config(names_file, steps=8, checkpoint_every=1000, out=str(tmp_path / "s")), threading.Event(),
                       save_request=ask):
        if isinstance(event, Step) and event.step == 2:
            ask.set()
        if isinstance(event, Saved):
            saved.append(event.step)
    assert saved == [2, 8] and not ask.is_set()


@pytest.mark.parametrize("mode", ["value", "norm"])
def test_result_does_not_depend_on_how_often_steps_are_reported(names_file, mode):
    every = run(tiny_config(names_file, steps=10, clip=mode, clip_threshold=0.05, sample_every=0, eval_every=100))
    rare = run(tiny_config(names_file, steps=10, clip=mode, clip_threshold=0.05, sample_every=0, eval_every=100,
                           report_every_steps=1000, report_every_s=1000.0))
    assert steps(rare) == {10: steps(every)[10]}
    assert every[-1].val_loss == rare[-1].val_loss


def test_cpu_threads_is_set_for_the_run_and_restored(names_file):
    import torch

    torch.set_num_threads(2)
    seen = []
    for event in train(tiny_config(names_file, steps=2, cpu_threads=1, sample_every=0)):
        seen.append(torch.get_num_threads())
    assert seen[0] == 1 and torch.get_num_threads() == 2


def test_stream_sequences_train_and_sample_across_line_ends(tmp_path):
    from engine.lm import sample

    text = "\n".join(f"line {i % 7} of a play, spoken twice." for i in range(300))
    path = tmp_path / "play.txt"
    path.write_text(text)
    out = tmp_path / "p"
    events = run(tiny_config(path, sequence="stream", seq_len=32, steps=4, out=str(out), sample_every=0))
    assert "(stream)" in events[0].description
    model = load_language_model(out)
    assert model.sequence == "stream" and model.known_lines is None
    s = sample(model, n=2, max_len=80, seed=0, temperature=2.0)
    assert all(x.in_training_set is None for x in s)
    assert all(len(x.text) == 80 for x in s)  # EOS is a line break, not the end


class PauseBeforeStep(threading.Event):
    """A pause key pressed just before step ``n`` (the run asks once per step), released ``hold_s`` later."""

    def __init__(self, n: int, hold_s: float) -> None:
        super().__init__()
        self.asked, self.n, self.hold_s = 0, n, hold_s

    def is_set(self) -> bool:
        if self.asked is not None and not super().is_set():
            self.asked += 1
            if self.asked == self.n:
                self.asked = None
                self.set()
                threading.Timer(self.hold_s, self.clear).start()
        return super().is_set()


@pytest.mark.parametrize("report_every_steps", [1, 1000])
def test_pause_holds_the_run_reports_where_and_is_not_training_time(names_file, report_every_steps):
    """A teacher pauses to explain: the run waits, shows the last step done, and its clock, speed and
    time left ignore the pause."""
    pause = PauseBeforeStep(5, hold_s=0.6)
    config = tiny_config(names_file, steps=12, sample_every=0, eval_every=100,
                         report_every_steps=report_every_steps, report_every_s=1000.0)
    t0 = time.perf_counter()
    seen, wall = [], {}
    for event in train(config, threading.Event(), pause=pause):
        if isinstance(event, Step):
            seen.append(event)
            wall[event.step] = time.perf_counter()
        if isinstance(event, Finished):
            finished = event
    total = time.perf_counter() - t0
    by_step = {e.step: e for e in seen}
    assert finished.reason == "completed" and finished.step == 12
    assert 4 in by_step and 12 in by_step  # step 4 is reported when the pause begins, even between reports
    if report_every_steps == 1000:
        assert sorted(by_step) == [4, 12] and math.isnan(by_step[4].grad_norm)
    assert wall[12] - wall[4] >= 0.55  # it did wait
    assert finished.elapsed_s < total - 0.5  # the wait is not training time
    assert by_step[12].elapsed_s - by_step[4].elapsed_s < 0.3
    assert 0 < by_step[4].eta_s < 0.5  # from the steps' own pace, not inflated
    assert by_step[12].tokens_per_s > 0


def test_stop_ends_a_paused_run(names_file):
    pause, stop = threading.Event(), threading.Event()
    pause.set()
    events = train(tiny_config(names_file, steps=50, sample_every=0), stop, pause=pause)
    assert isinstance(next(events), Started)  # set up: the run now holds before step 1
    threading.Timer(0.3, stop.set).start()
    rest = list(events)
    assert rest[-1].reason == "stopped" and rest[-1].step == 0


def test_a_save_asked_for_while_paused_is_written_at_once(names_file, tmp_path):
    pause, ask = threading.Event(), threading.Event()
    config = tiny_config(names_file, steps=10, sample_every=0, checkpoint_every=1000, out=str(tmp_path / "p"))
    events = train(config, threading.Event(), save_request=ask, pause=pause)
    saved_while_paused = []
    for event in events:
        if isinstance(event, Step) and event.step == 3 and not pause.is_set() and not saved_while_paused:
            pause.set()  # held before step 4
            ask.set()
            threading.Timer(10, pause.clear).start()  # a save that waits for resume fails, not hangs
        if isinstance(event, Saved) and pause.is_set():
            saved_while_paused.append(event.step)
            pause.clear()
        if isinstance(event, Finished):
            finished = event
    assert saved_while_paused == [3] and not ask.is_set()
    assert finished.reason == "completed" and finished.step == 10
