"""Watching a run from outside: metrics.jsonl tailed back into the engine's frozen events, through a
run that has not started, partial lines, rotation, truncation and damaged lines; stop ends it."""

from __future__ import annotations

import json
import os
import queue
import threading
import time

import pytest

from engine import events as ev
from engine.checkpoint import event_record
from engine.embeddings import events as te
from engine.run_watch import Restarted, Skipped, Waiting, event_from_record, tail_metrics


def test_replay_of_a_real_language_model_run_gives_back_its_events(tmp_path):
    from engine.training import TrainConfig, train

    out = tmp_path / "run"
    live = list(train(TrainConfig(steps=30, hidden=8, eval_every=10, sample_every=15, report_every_steps=5,
                                  checkpoint_every=20, device="cpu", out=str(out))))
    replay = list(tail_metrics(out, follow=False))
    assert [type(e) for e in replay] == [type(e) for e in live]
    for a, b in zip(live, replay):
        if isinstance(a, ev.Step):
            assert (a.step, a.loss, a.lr) == (b.step, b.loss, b.lr)
        if isinstance(a, ev.Sampled):
            assert a.samples == b.samples
    assert replay[-1] == live[-1]


def test_word2vec_records_come_back_as_embedding_events():
    started = te.EmbeddingsStarted(total_words=10, vocab_size=3, corpus_words=5, device="cpu", workers=1, description="x")
    progress = te.Progress(words_done=4, total_words=10, epoch=1, loss=float("nan"), epoch_loss=1.5, words_per_s=2.0,
                           lr=0.02, elapsed_s=1.0, eta_s=float("inf"))
    for event in (started, progress):
        back = event_from_record(json.loads(json.dumps({**event_record(event), "source": "word2vec"})))
        assert type(back) is type(event) and repr(back) == repr(event)  # nan/inf survive the trip
    finished = event_from_record({"event": "Finished", "source": "glove", "reason": "completed", "words_done": 10,
                                  "elapsed_s": 1.0, "final_loss": 0.1})
    assert isinstance(finished, te.EmbeddingsFinished) and finished.vectors is None
    assert event_from_record({"event": "Mystery"}) is None


def _line(event) -> str:
    return json.dumps(event_record(event)) + "\n"


def _next(q: queue.Queue, timeout: float = 5.0):
    return q.get(timeout=timeout)


def test_following_a_run_that_starts_later_rotates_and_writes_half_lines(tmp_path):
    run = tmp_path / "run"
    stop = threading.Event()
    q: queue.Queue = queue.Queue()

    def watch():
        for event in tail_metrics(run, stop, poll_s=0.01):
            q.put(event)
        q.put("ended")

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    assert _next(q) == Waiting(path=str(run / "metrics.jsonl"), reason="no-folder")
    run.mkdir()
    assert _next(q).reason == "no-metrics"
    step1 = ev.Step(step=1, total_steps=5, loss=2.0, smoothed_loss=2.0, grad_norm=1.0, grad_norm_clipped=1.0,
                    clipped=False, lr=0.01, tokens_per_s=10.0, elapsed_s=0.1, eta_s=0.4)
    metrics = run / "metrics.jsonl"
    text = _line(ev.Started(total_steps=5, device="cpu")) + _line(step1)
    with open(metrics, "w") as fh:
        fh.write(text[:-20])  # the writer is mid-line
        fh.flush()
        assert isinstance(_next(q), ev.Started)
        time.sleep(0.1)
        assert q.empty()  # the half line is held back
        fh.write(text[-20:] + "{not json\n")
    assert _next(q) == step1
    assert isinstance(_next(q), Skipped)
    replacement = tmp_path / "new.jsonl"
    replacement.write_text(_line(ev.Started(total_steps=9, device="cpu", description="second run")))
    os.replace(replacement, metrics)  # rotation: a new file under the same name
    assert isinstance(_next(q), Restarted)
    assert _next(q).description == "second run"
    metrics.write_text("")  # truncated
    assert isinstance(_next(q), Restarted)
    with open(metrics, "a") as fh:
        fh.write(_line(ev.Finished(step=9, reason="completed")))
    assert _next(q).reason == "completed"
    stop.set()
    assert _next(q) == "ended"
    thread.join(5)


@pytest.mark.parametrize("follow", [False])
def test_nothing_there_without_follow_returns_at_once(tmp_path, follow):
    assert [type(e) for e in tail_metrics(tmp_path / "none", follow=follow)] == [Waiting]
