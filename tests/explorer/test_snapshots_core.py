"""SVG snapshots of the Train and Generate screens (and the help and error dialogs; Gates: test_snapshots_gates.py), at
120×40 and at 80×24 (which must work: tab bar, key line, Save button, samples panel), and of the
Train screen watching a run started elsewhere (``--watch``).

Every screen is fed deterministic scripted data (no training, no timing), so the
pictures only change when the layout does. Update with
``.venv/bin/python -m pytest tests/explorer/test_snapshots_core.py --snapshot-update``.
"""

from __future__ import annotations

import math

import numpy as np

from engine.events import Finished, Sample
from engine.lm.sampling import Candidate, SampleConfig, StepChoices
from explorer.app import make_app
from explorer.jobs.lm import ModelInfo, ModelLoaded, Walked
from tests.explorer.conftest import diverging_events, feed, form_ready, training_events

SIZE = (120, 40)

LSTM_EQUATIONS = (
    "Γu = σ(W_u[a⟨t−1⟩, x⟨t⟩] + b_u)",
    "Γf = σ(W_f[a⟨t−1⟩, x⟨t⟩] + b_f)",
    "Γo = σ(W_o[a⟨t−1⟩, x⟨t⟩] + b_o)",
    "c̃⟨t⟩ = tanh(W_c[a⟨t−1⟩, x⟨t⟩] + b_c)",
    "c⟨t⟩ = Γu ∗ c̃⟨t⟩ + Γf ∗ c⟨t−1⟩",
    "a⟨t⟩ = Γo ∗ tanh(c⟨t⟩)",
)
INFO = ModelInfo(path="assets/checkpoints/dinos-lstm", cell="lstm", layers=1, hidden=12, level="char",
                 variant_note="LSTM as torch.nn.LSTM: a = Γo∗tanh(c) (the lecture slide drops the tanh; we keep it)",
                 equations=LSTM_EQUATIONS, corpus="dinos")


def app(screen: str):
    return make_app(screen=screen, device="cpu", preload_torch=False, options={"autoload": False, "train_in": "thread"})


def test_train_screen_during_a_run(snap_compare):
    async def run_before(pilot):
        await form_ready(pilot.app, pilot)  # its fields follow the first frame
        await feed(pilot.app.screen, training_events(), "train")
        await pilot.pause()

    assert snap_compare(app("train"), terminal_size=SIZE, run_before=run_before)


def test_train_screen_finished_at_80x24(snap_compare):
    async def run_before(pilot):
        await form_ready(pilot.app, pilot)  # its fields follow the first frame
        await feed(pilot.app.screen, training_events() + [Finished(step=120, reason="completed", final_loss=1.42,
                                                              val_loss=1.51, elapsed_s=6.0)], "train")
        await pilot.pause()

    assert snap_compare(app("train"), terminal_size=(80, 24), run_before=run_before)


def test_train_screen_diverged(snap_compare):
    async def run_before(pilot):
        await form_ready(pilot.app, pilot)  # its fields follow the first frame
        await feed(pilot.app.screen, diverging_events(), "train")
        await pilot.pause()

    assert snap_compare(app("train"), terminal_size=SIZE, run_before=run_before)


def scripted_walk(temperature: float = 0.8, top_k: int | None = 4) -> Walked:
    """A step-through of "velocisaurus": the model's own probabilities and those sampled from."""
    chars = list("velocisaurus") + ["<eos>"]
    steps = []
    for t, chosen in enumerate(chars):
        others = [tok for tok in ("a", "o", "s", "<eos>", "r", "e") if tok != chosen][:5]
        own = [(chosen, 0.42)] + list(zip(others, (0.2, 0.1, 0.07, 0.05, 0.04)))
        kept = own[:top_k] if top_k else own
        weights = [p ** (1 / temperature) for _, p in kept]
        cands = tuple(Candidate(tok, p, (weights[i] / sum(weights)) if i < len(kept) else 0.0)
                      for i, (tok, p) in enumerate(own))
        steps.append(StepChoices(tuple(chars[:t]), cands, chosen))
    return Walked("velocisaurus", tuple(steps), temperature, top_k)


def generate_with_samples_and_bars(score: bool = True):
    async def run_before(pilot):
        from engine.lm import SentenceScore, TokenScore

        screen = pilot.app.screen
        screen.show_model(ModelLoaded(None, INFO))
        screen.show_samples([Sample("tyrannosaurus", True), Sample("velocisaurus", False),
                             Sample("aerotitan", False), Sample("stegoceras", True)],
                            SampleConfig(n=4, temperature=0.8, top_k=4, seed=0))
        screen.show_walk(scripted_walk())
        await pilot.press("right", "right", "right")
        if score:
            probs = [0.07, 0.5, 0.9, 0.3]
            tokens = tuple(TokenScore(tok, p, math.log(p), is_unk=(tok == "Q"), is_eos=(tok == "<eos>"))
                           for tok, p in zip(["r", "Q", "x", "<eos>"], probs))
            total = sum(math.log(p) for p in probs)
            screen.show_score(SentenceScore(tokens, total, math.exp(-total / 4), math.exp(total), 1))
        await pilot.pause()

    return run_before


def test_generate_screen(snap_compare):
    assert snap_compare(app("generate"), terminal_size=SIZE, run_before=generate_with_samples_and_bars())


def test_generate_screen_at_80x24(snap_compare):
    """The samples panel keeps its width and title; the bars show sampled (T 0.8, top 4) and the model's own."""
    assert snap_compare(app("generate"), terminal_size=(80, 24), run_before=generate_with_samples_and_bars(False))


def test_train_screen_idle_at_80x24(snap_compare):
    async def run_before(pilot):
        await form_ready(pilot.app, pilot)
        await pilot.pause()

    assert snap_compare(app("train"), terminal_size=(80, 24), run_before=run_before)


def test_train_screen_during_a_run_at_80x24(snap_compare):
    """Mid-run: two-line stats with the steady tok/s, both charts, the samples and every button (Save too)."""
    async def run_before(pilot):
        await form_ready(pilot.app, pilot)
        screen = pilot.app.screen
        screen.running = True  # as start_training sets it: Pause, Stop and Save are live
        await feed(screen, training_events(), "train")
        await pilot.pause()

    assert snap_compare(app("train"), terminal_size=(80, 24), run_before=run_before)


def test_watching_a_run_started_elsewhere_at_80x24(snap_compare, monkeypatch):
    """--watch runs/elsewhere: no form (charts get the width), the read-only note, dimmed run keys."""
    import threading

    from explorer.jobs import watch

    events = training_events(steps=90)

    def scripted(run_dir, stop: threading.Event):
        yield from events
        stop.wait(30)

    monkeypatch.setattr(watch, "events", scripted)

    async def run_before(pilot):
        screen = pilot.app.screen
        for _ in range(500):
            await pilot.pause(0.01)
            points = screen.query_one("#loss-chart").series["loss"].points
            if points and points[-1][0] == 90 and "samples at step 60" in str(screen.query_one("#samples").render()):
                break
        for chart in screen.query("LineChart"):
            chart.flush()
        screen.flush_stats()
        await pilot.pause()

    watching = make_app(screen="train", device="cpu", preload_torch=False,
                        options={"autoload": False, "train_in": "thread", "watch": "runs/elsewhere"})
    assert snap_compare(watching, terminal_size=(80, 24), run_before=run_before)


def test_help_screen(snap_compare):
    assert snap_compare(app("train"), press=["question_mark"], terminal_size=SIZE)


def test_help_screen_at_80x24(snap_compare):
    """Keys in words (no binding ids), this screen's first, then everywhere, then moving around."""
    assert snap_compare(app("generate"), press=["question_mark"], terminal_size=(80, 24))


def test_error_dialog(snap_compare):
    async def run_before(pilot):
        from engine.errors import InputError

        await form_ready(pilot.app, pilot)  # the screen behind the dialog is not repainted under it
        pilot.app.show_error(InputError("hidden_size must be > 0, got -3"))
        await pilot.pause()

    assert snap_compare(app("train"), terminal_size=SIZE, run_before=run_before)
