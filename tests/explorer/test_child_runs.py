"""explorer.child_runs: engine generators in a child process, relayed event by event."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.events import Finished, Saved, Started, Step

from explorer import child_runs
from explorer.child_runs import ChildError, ChildEnded
from tests.explorer.child_targets import COUNT, COUNT_PAUSABLE, ECHO_TRAIN_CONFIG, FAIL, PRELOAD, FakeConfig

ROOT = Path(__file__).resolve().parents[2]
JOBS = {"count": COUNT, "count_pausable": COUNT_PAUSABLE, "fail": FAIL}


@pytest.fixture(autouse=True)
def importable(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


def start(job: str = "count", **settings):
    child = child_runs.take(PRELOAD)
    return child, child_runs.relay(child, JOBS[job], FakeConfig(**settings))


def next_of(events, kind: type, limit: int = 100_000):
    for _ in range(limit):
        event = next(events)
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__}")


def test_every_event_arrives_in_order_and_the_child_exits():
    child, events = start(n=500)
    got = list(events)
    assert isinstance(got[0], Started) and isinstance(got[-1], Finished)
    assert [e.step for e in got if isinstance(e, Step)] == list(range(1, 501))
    assert got[-1].reason == "completed"
    assert child.process.wait(5) == 0
    assert f"pid {child.process.pid}" == got[0].description  # it really ran in the child


def test_stop_ends_the_run_in_the_child():
    child, events = start(n=10**7, delay=0.001)
    next_of(events, Step)
    child.stop.set()
    rest = list(events)
    assert rest[-1].reason == "stopped" and rest[-1].step < 10**7
    assert child.process.wait(5) == 0


def test_pause_holds_the_child_and_resume_continues():
    child, events = start(n=10**7, delay=0.001)
    last = next_of(events, Step).step
    child.paused.set()
    while child.conn.poll(0.5):  # what the child sent before it saw the pause
        event = next(events)
        last = event.step if isinstance(event, Step) else last
    time.sleep(0.3)
    assert not child.conn.poll(0), "a paused child sent more events"
    child.paused.clear()
    assert next_of(events, Step).step == last + 1  # nothing lost, nothing skipped
    child.stop.set()
    list(events)


def test_a_job_that_holds_pause_itself_is_not_held_by_the_child():
    """The engine's train holds itself while paused (so that time paused is not training time): the child
    does not hold the generator, and flushes the last step before the wait."""
    child, events = start("count_pausable", n=10**7, delay=0.001)
    last = next_of(events, Step).step
    child.paused.set()
    while child.conn.poll(0.5):
        event = next(events)
        last = event.step if isinstance(event, Step) else last
    assert not child.conn.poll(0.3)
    child.paused.clear()
    while isinstance(event := next(events), Step):  # the rest of a batch the relay had already read
        assert event.step == last + 1
        last = event.step
    assert isinstance(event, Saved) and event.path == "held-by-the-target" and event.step == last + 1
    child.stop.set()
    list(events)


def test_save_request_reaches_the_child():
    child, events = start(n=10**7, delay=0.001)
    next_of(events, Step)
    child.save_request.set()
    saved = next_of(events, Saved)
    assert saved.path.startswith("saved-at-")
    child.stop.set()
    list(events)


def test_a_stop_sent_before_the_job_starts_is_kept():
    child = child_runs.Child(PRELOAD)
    child.stop.set()  # before "ready": the child applies it while waiting for its job
    child.taken = True
    got = list(child_runs.relay(child, COUNT, FakeConfig(n=10**7)))
    assert got[-1].reason == "stopped" and got[-1].step == 1


def test_the_config_crosses_to_the_child_as_json_and_equals_itself_there():
    """The Train screen's TrainConfig goes to the child as JSON; the child's rebuilt config, sent back, is equal."""
    from engine.training import TrainConfig

    config = TrainConfig(data="names", cell="gru-course", layers=2, hidden=24, lr=0.003, clip="norm",
                         clip_threshold=1.5, seed=7, device="cpu", out="/tmp/somewhere", max_vocab=None, cpu_threads=1)
    child = child_runs.take(PRELOAD)
    [received] = list(child_runs.relay(child, ECHO_TRAIN_CONFIG, config))
    assert received.config == config and received.pid == child.process.pid != os.getpid()


def test_a_config_of_the_wrong_type_is_refused_before_the_child_gets_a_job():
    child = child_runs.take(PRELOAD)
    with pytest.raises(TypeError, match="runs on a FakeConfig"):
        list(child_runs.relay(child, COUNT, {"n": 3}))
    assert child.process.wait(10) is not None


def test_engine_errors_keep_their_type_and_message():
    _, events = start("fail", how="input")
    with pytest.raises(InputError, match="corpus.txt: it is empty"):
        list(events)


def test_an_error_that_cannot_be_pickled_arrives_as_its_text():
    _, events = start("fail", how="unpicklable")
    with pytest.raises(ChildError, match="Unpicklable: left and right"):
        list(events)


def test_a_child_that_dies_is_an_error_with_its_exit_code():
    _, events = start("fail", how="crash")
    with pytest.raises(ChildEnded, match="exit code 3"):
        list(events)


def test_closing_the_relay_early_lets_the_child_finish_its_run(tmp_path):
    """The app quitting mid-run: the child is stopped, not killed, so it writes its checkpoint."""
    marker = tmp_path / "ended"
    child, events = start(n=10**7, delay=0.001, marker=str(marker))
    next_of(events, Step)
    events.close()
    assert marker.read_text().startswith("stopped ")
    assert child.process.returncode == 0


def test_the_child_stops_and_saves_when_the_app_disappears(tmp_path):
    marker = tmp_path / "ended"
    child, events = start(n=10**7, delay=0.001, marker=str(marker))
    next_of(events, Step)
    child.conn.close()  # as if the app's process had died
    assert child.process.wait(10) == 0
    assert marker.read_text().startswith("stopped ")


def test_the_child_ignores_ctrl_c():
    child, events = start(n=10**7, delay=0.001)
    next_of(events, Step)
    os.kill(child.process.pid, signal.SIGINT)
    time.sleep(0.2)
    assert child.alive()
    child.stop.set()
    assert list(events)[-1].reason == "stopped"


def test_the_spare_is_used_once_and_discarded():
    child_runs.warm_up(PRELOAD)
    spare = child_runs._spare
    assert spare is not None and spare.usable()
    deadline = time.monotonic() + 30
    while not child_runs.spare_ready():  # it says "ready" once its modules are imported
        assert time.monotonic() < deadline
        time.sleep(0.05)
    taken = child_runs.take(PRELOAD)
    assert taken is spare and not taken.usable()
    fresh = child_runs.take(PRELOAD)
    assert fresh is not spare  # none left: a new one
    child_runs.warm_up(PRELOAD)
    pid = child_runs._spare.process.pid
    child_runs.discard_spare()
    assert child_runs._spare is None
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
    for child in (taken, fresh):
        child.discard()


def test_a_module_in_the_current_directory_cannot_shadow_the_engine(tmp_path, monkeypatch):
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "__init__.py").write_text("raise SystemExit('the wrong engine')\n")
    monkeypatch.chdir(tmp_path)
    got = list(start(n=3)[1])
    assert [type(e).__name__ for e in got] == ["Started", "Step", "Step", "Step", "Finished"]


def test_the_child_finds_this_package_first(monkeypatch):
    """An app run from a source tree that is not installed: the child imports the same ``explorer``."""
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    path = child_runs._child_env()["PYTHONPATH"].split(os.pathsep)
    assert path == [str(ROOT), "/elsewhere"]
