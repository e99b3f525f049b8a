"""The Train screen's speed (explorer.token_rate): steady over a scripted event stream whose raw
``tokens_per_s`` swings as the engine's does (tiny windows, evaluations and saves inside others)."""

from __future__ import annotations

import math

import pytest

from engine.events import Started, Step
from explorer.token_rate import TokenRate, short_rate
from tests.explorer.conftest import SIZE, feed


def engine_like_stream(seconds: float = 30.0, step_s: float = 0.004, tokens: int = 400):
    """Steps as ``engine/lm/loop.py`` reports them: a report every 25 steps or 0.1 s (and every 97th step:
    some tiny windows), an evaluation (0.6 s) every 500 steps and a save (0.25 s) every 300, after the
    step's report, so counted in the next window;
    ``tokens_per_s`` = the window's tokens / its time. True speed: 100,000 tok/s while stepping."""
    t = since_report_t = 0.0
    step = last_report_step = window_tokens = 0
    out = []
    while t < seconds:
        step += 1
        t += step_s * (1.0 + 0.5 * math.sin(step / 7.0))  # uneven steps
        window_tokens += tokens
        if step - last_report_step >= 25 or t - since_report_t >= 0.1 or step % 97 == 0:
            out.append(Step(step=step, total_steps=10**6, loss=2.0, smoothed_loss=2.0, grad_norm=1.0,
                            grad_norm_clipped=1.0, clipped=False, lr=0.01,
                            tokens_per_s=window_tokens / (t - since_report_t), elapsed_s=t, eta_s=60.0))
            since_report_t, last_report_step, window_tokens = t, step, 0
        if step % 500 == 0:
            t += 0.6  # evaluation: after the report, inside the next window
        if step % 300 == 0:
            t += 0.25  # checkpoint save
    return out


def test_the_rate_is_steady_where_the_raw_reports_swing():
    steps = engine_like_stream()
    raw = [s.tokens_per_s for s in steps]
    assert max(raw) / min(raw) > 10  # the swings the issue saw (1,966 → 208,686 tok/s)
    meter = TokenRate(window_s=5.0)
    shown = [meter.add(s.elapsed_s, s.tokens_per_s) for s in steps]
    true = sum(400 for _ in range(steps[-1].step)) / steps[-1].elapsed_s  # tokens / training time
    settled = [r for r, s in zip(shown, steps) if s.elapsed_s > 6.0]
    assert max(settled) / min(settled) < 1.25
    assert sum(settled) / len(settled) == pytest.approx(true, rel=0.05)
    assert shown[0] == pytest.approx(raw[0])  # the first report: its own window since the start


def test_a_pause_or_a_new_run_in_a_watched_folder_starts_the_count_again():
    meter = TokenRate(window_s=2.0)
    for i in range(1, 40):
        meter.add(i * 0.1, 1000.0)
    assert meter.rate == pytest.approx(1000.0)
    meter.add(0.05, 50_000.0)  # the clock went back: another run
    assert meter.rate == pytest.approx(50_000.0)
    meter.add(float("nan"), 5.0)  # ignored
    assert meter.rate == pytest.approx(50_000.0)


@pytest.mark.parametrize(("rate", "text"), [(None, "–"), (0.0, "0.0"), (980.4, "980"), (5372.0, "5.37k"),
                                            (113_202.0, "113k"), (999_999.0, "1.00M"), (12.34, "12")])
def test_short_rate_keeps_three_significant_digits(rate, text):
    assert short_rate(rate) == text


async def test_the_train_screen_shows_the_steady_rate_of_a_scripted_stream(app_factory):
    steps = engine_like_stream(seconds=12.0)
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await feed(screen, [Started(total_steps=10**6, device="cpu")] + steps, "train")
        meter = TokenRate()
        for s in steps:
            meter.add(s.elapsed_s, s.tokens_per_s)
        stats = str(screen.query_one("#train-stats").render())
        assert f"{short_rate(meter.rate)} tok/s · cpu" in stats
        assert short_rate(meter.rate) != short_rate(steps[-1].tokens_per_s)  # not the last raw report
