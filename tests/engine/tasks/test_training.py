"""Training a task: events in order, stop honoured, seeded, checkpoints round trip, the wrong task refused."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from engine.errors import CheckpointError, InputError
from engine.events import Saved, Started, Step
from engine.tasks.config import TaskConfig
from engine.tasks.events import TaskEvaluated, TaskFinished
from engine.tasks.io import checkpoint_task, load_task
from engine.tasks.training import build_task, train_task
from tests.engine.tasks.conftest import tiny


def test_sentiment_run_events_checkpoint_and_round_trip(sentiment_file, tmp_path):
    out = tmp_path / "sent"
    cfg = tiny("sentiment", sentiment_file, out=str(out), epochs=3)
    events = list(train_task(cfg))
    assert isinstance(events[0], Started) and isinstance(events[-1], TaskFinished)
    steps = [e for e in events if isinstance(e, Step)]
    evals = [e for e in events if isinstance(e, TaskEvaluated)]
    assert [e.epoch for e in evals] == [1, 2, 3] and steps[-1].step == events[0].total_steps
    assert all(0.0 <= e.value <= 1.0 and e.metric == "accuracy" for e in evals)
    assert any(isinstance(e, Saved) for e in events)
    fin = events[-1]
    assert fin.reason == "completed" and fin.checkpoint == str(out) and 0.0 <= fin.test_value <= 1.0
    assert fin.best_epoch == max(evals, key=lambda e: (e.value, -e.epoch)).epoch
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["event"] == "TaskFinished"
    loaded = load_task(out)
    assert checkpoint_task(out) == "sentiment" and loaded.config.model == "rnn"
    assert loaded.evaluate("test").value == pytest.approx(fin.test_value)  # the kept (best) weights were saved
    again = train_task(cfg)
    assert [e.value for e in again if isinstance(e, TaskEvaluated)] == [e.value for e in evals]  # seeded


def test_wrong_task_and_non_task_checkpoints_are_one_line_errors(sentiment_file, tmp_path):
    out = tmp_path / "sent"
    list(train_task(tiny("sentiment", sentiment_file, out=str(out), epochs=1, model="average")))
    with pytest.raises(CheckpointError, match="'task.sentiment' model, not a 'task.ner'"):
        load_task(out, task="ner")
    from engine.lm import save_language_model
    from tests.engine.lm.test_model import tiny_model

    lm = save_language_model(tiny_model("lstm"), tmp_path / "lm")
    with pytest.raises(CheckpointError, match="'language-model' model, not a task model") as info:
        load_task(lm)
    assert "\n" not in str(info.value)
    with pytest.raises(CheckpointError, match="not found"):
        load_task(tmp_path / "nowhere")


def test_stop_ends_the_run_and_keeps_a_checkpoint(sentiment_file, tmp_path):
    stop = threading.Event()
    out = tmp_path / "stopped"
    events = []
    for event in train_task(tiny("sentiment", sentiment_file, out=str(out), epochs=5), stop):
        events.append(event)
        if isinstance(event, TaskEvaluated):
            stop.set()
    fin = events[-1]
    assert fin.reason == "stopped" and fin.test_value is None and fin.checkpoint == str(out)
    assert len([e for e in events if isinstance(e, TaskEvaluated)]) == 1
    load_task(out)  # a complete checkpoint


def test_ner_on_a_conll_file(conll_file, tmp_path):
    cfg = tiny("ner", conll_file, bidirectional=True, epochs=6, out=str(tmp_path / "ner"))
    events = list(train_task(cfg))
    fin = events[-1]
    assert fin.metric == "f1" and dict(fin.test_metrics).keys() == {"f1", "precision", "recall", "token_accuracy"}
    assert fin.test_value > 0.5  # the planted pattern is easy
    task = load_task(tmp_path / "ner")
    pred = task.predict("i met Anna Smith in Oslo today")
    assert pred.tokens == ("i", "met", "Anna", "Smith", "in", "Oslo", "today")
    assert len(pred.tags) == 7 and pred.distribution.shape == (7, len(pred.tag_names))
    np.testing.assert_allclose(pred.distribution.sum(1), 1.0, rtol=1e-5)
    parts = task.by_direction("i met Anna in Lima")
    p = np.exp(parts.logits - parts.logits.max(1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(1, keepdims=True), task.predict("i met Anna in Lima").distribution, atol=1e-5)


def test_bidirectional_sentiment_splits_by_direction_into_its_prediction(sentiment_file):
    task = build_task(tiny("sentiment", sentiment_file, bidirectional=True, epochs=1))
    parts = task.by_direction("the film was not good")
    assert parts.forward.shape == parts.backward.shape == (1, 2) and parts.tag_names == ("negative", "positive")
    W = task.model.head.linear.weight.detach().numpy()  # (2, 2H): [W_→ ⋮ W_←] split by hand
    H = W.shape[1] // 2
    import torch

    ids = torch.tensor([task.vocab.encode("the film was not good".split())])
    out = task.model.encoder(task.model.embedding(ids), torch.tensor([5])).out[0].detach().numpy()
    np.testing.assert_allclose(parts.forward[0], W[:, :H] @ out[4, :H], rtol=1e-5, atol=1e-6)  # →a⟨T_x⟩
    np.testing.assert_allclose(parts.backward[0], W[:, H:] @ out[0, H:], rtol=1e-5, atol=1e-6)  # ←a⟨1⟩
    p = np.exp(parts.logits[0] - parts.logits[0].max())
    np.testing.assert_allclose(p / p.sum(), [q for _, q in task.predict("the film was not good").probabilities], atol=1e-5)
    with pytest.raises(InputError, match="bidirectional"):
        build_task(tiny("sentiment", sentiment_file, epochs=1)).by_direction("good")


def test_dates_run_translates_and_decodes(tmp_path):
    cfg = tiny("dates", hidden=16, epochs=1, bidirectional=True, out=str(tmp_path / "dates"))
    fin = list(train_task(cfg))[-1]
    assert fin.metric == "exact_match" and 0.0 <= fin.test_value <= 1.0
    task = load_task(tmp_path / "dates")
    tr = task.translate("25th of March 2026", beam_width=3)
    assert len(tr.candidates) == 3 and tr.candidates[0].score >= tr.candidates[-1].score
    assert tr.attention.shape == (len(tr.output_tokens), len("25th of March 2026"))
    np.testing.assert_allclose(tr.attention.sum(1), 1.0, rtol=1e-5)


def test_embeddings_from_a_directory_and_frozen(sentiment_file, tmp_path):
    from engine.embeddings.io import save_vectors
    from engine.embeddings.vectors import WordVectors

    words = ["good", "bad", "film", "zebra"]
    vectors = np.arange(len(words) * 6, dtype=np.float32).reshape(len(words), 6)
    save_vectors(WordVectors(words, vectors), str(tmp_path / "vec"))
    cfg = tiny("sentiment", sentiment_file, embeddings=str(tmp_path / "vec"), freeze_embeddings=True, epochs=1)
    task = build_task(cfg)
    E = task.model.embedding.weight.detach().numpy()
    assert E.shape[1] == 6 and task.info["pretrained_rows"] == 4
    assert "zebra" in task.vocab  # a pretrained word never seen in training still gets its row
    np.testing.assert_array_equal(E[task.vocab.index("bad")], vectors[1])
    list(train_task(cfg, task=task))
    np.testing.assert_array_equal(task.model.embedding.weight.detach().numpy()[task.vocab.index("bad")], vectors[1])


def test_config_validation_names_the_field():
    with pytest.raises(InputError, match="task must be one of") as info:
        TaskConfig(task="poetry")
    assert info.value.field == "task"
    with pytest.raises(InputError, match="word embeddings do not apply") as info:
        TaskConfig(task="dates", embeddings="glove")
    assert info.value.field == "embeddings"
    with pytest.raises(InputError, match="model 'average' is a sentiment classifier"):
        TaskConfig(task="ner", model="average")
    with pytest.raises(InputError, match="freeze_embeddings needs pretrained"):
        TaskConfig(embeddings="none", freeze_embeddings=True)
    assert TaskConfig(task="ner").for_task().embeddings == "glove"


def test_pause_holds_the_run_and_a_save_request_writes_at_once(sentiment_file, tmp_path):
    pause, save = threading.Event(), threading.Event()
    pause.set()
    save.set()
    threading.Timer(0.3, pause.clear).start()
    out = tmp_path / "p"
    t0 = time.perf_counter()
    events = list(train_task(tiny("sentiment", sentiment_file, out=str(out), epochs=1), pause=pause, save_request=save))
    assert time.perf_counter() - t0 >= 0.3
    first_saved = next(i for i, e in enumerate(events) if isinstance(e, Saved))
    first_eval = next(i for i, e in enumerate(events) if isinstance(e, TaskEvaluated))
    assert first_saved < first_eval and not save.is_set()  # written at the first step, before any evaluation
    assert events[-1].reason == "completed"
