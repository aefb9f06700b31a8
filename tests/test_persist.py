"""Saving, loading, exporting: atomic writes, and files that are not what they claim."""

import csv
import json
import os

import pytest

from nanoneuron_tui import persist
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session, State

pytestmark = pytest.mark.unit


def trained_session(epochs_done: int = 2500) -> Session:
    session = Session(Hyperparameters(w0=0.9492, b0=0.457, every=500, alpha=0.0004))
    session.step(epochs_done)
    return session


def test_a_session_comes_back_exactly(tmp_path):
    session = trained_session()
    path = tmp_path / "session.json"
    persist.save_session(session, path)
    restored = persist.load_session(path)
    before, after = session.view(), restored.view()
    for name in ("epoch", "w", "b", "w0", "b0"):
        assert getattr(after, name) == getattr(before, name), name
    assert after.hyper == before.hyper
    assert after.run.segments == before.run.segments
    assert after.train_history == before.train_history and after.test_history == before.test_history
    assert after.state is State.PAUSED
    # And it trains on exactly as the original would have.
    session.step(1000)
    restored.step(1000)
    assert (restored.view().w, restored.view().b) == (session.view().w, session.view().b)


def test_a_running_session_is_saved_paused_and_a_diverged_one_stays_diverged(tmp_path):
    session = Session(Hyperparameters(w0=0.3, b0=0.7, alpha=0.001))
    session.start()
    persist.save_session(session, tmp_path / "running.json")
    assert persist.load_session(tmp_path / "running.json").state is State.PAUSED
    session.step(100)
    assert session.state is State.DIVERGED
    persist.save_session(session, tmp_path / "diverged.json")
    restored = persist.load_session(tmp_path / "diverged.json")
    assert restored.state is State.DIVERGED
    assert restored.view().diverged_at == session.view().diverged_at


def test_model_round_trip_and_carry_on(tmp_path):
    session = trained_session()
    view = session.view()
    path = tmp_path / "model.json"
    persist.save_model(path, w=view.w, b=view.b, epoch=view.epoch, init=(view.w0, view.b0), hyper=view.hyper)
    model = persist.load_model(path)
    other = Session()
    other.adopt_model(model)
    adopted = other.view()
    assert (adopted.w, adopted.b, adopted.epoch, adopted.hyper) == (view.w, view.b, view.epoch, view.hyper)
    assert adopted.state is State.PAUSED


def test_export_history_csv(tmp_path):
    session = trained_session(3000)
    path = tmp_path / "history.csv"
    rows = persist.export_history(session, path)
    with path.open() as file:
        table = list(csv.reader(file))
    assert table[0] == ["epoch", "cost", "test_cost"]
    assert len(table) - 1 == rows == 3001  # epochs 0..3000
    assert float(table[1][1]) == session.view().train_history[1][0]
    assert table[-1][2] != ""  # the test cost at the last report


def test_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        persist.export_history(trained_session(10), tmp_path / "h.csv")
    finally:
        os.umask(old)
    assert (tmp_path / "h.csv").stat().st_mode & 0o777 == 0o644


def test_atomic_write_leaves_the_old_file_on_a_crash(tmp_path):
    path = tmp_path / "session.json"
    persist.save_session(trained_session(), path)
    original = path.read_bytes()
    with pytest.raises(RuntimeError):
        with persist.atomic_writer(path) as file:
            file.write('{"format": "nanoneuron-session", "ver')
            raise RuntimeError("the machine died here")
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["session.json"]


def good_document(tmp_path) -> dict:
    path = tmp_path / "good.json"
    persist.save_session(trained_session(600), path)
    return json.loads(path.read_text())


BAD_FILES = {
    "empty": b"",
    "truncated": b'{"format": "nanoneuron-session", "version": 1, "session": {"hyper',
    "binary": bytes(range(256)),
    "not an object": b"[1, 2, 3]",
    "another program's": b'{"format": "something-else", "version": 1}',
    "a model, not a session": b'{"format": "nanoneuron-model", "version": 1}',
    "a future version": b'{"format": "nanoneuron-session", "version": 99, "session": {}}',
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_refused_with_one_clear_line(tmp_path, name):
    path = tmp_path / "bad.json"
    path.write_bytes(BAD_FILES[name])
    with pytest.raises(persist.PersistError) as caught:
        persist.load_session(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    assert path.read_bytes() == BAD_FILES[name]  # nothing changed


HOSTILE_EDITS = {
    "nan w": lambda d: d["session"]["run"]["start"].__setitem__(0, float("nan")),
    "string epoch": lambda d: d["session"].__setitem__("epoch", "1000"),
    "negative epoch": lambda d: d["session"].__setitem__("epoch", -5),
    "huge epoch": lambda d: d["session"].__setitem__("epoch", 10**30),
    "bool alpha": lambda d: d["session"]["hyperparameters"].__setitem__("alpha", True),
    "zero alpha": lambda d: d["session"]["hyperparameters"].__setitem__("alpha", 0),
    "no run": lambda d: d["session"].pop("run"),
    "no initial w": lambda d: d["session"]["run"].pop("w0"),
    "state running wild": lambda d: d["session"].__setitem__("state", "exploding"),
    "segments backwards": lambda d: d["session"]["run"]["segments"].insert(0, {"start": 5, "alpha": 0.0001}),
    "segment twice": lambda d: d["session"]["run"]["segments"].append(dict(d["session"]["run"]["segments"][-1])),
    "segment alpha zero": lambda d: d["session"]["run"]["segments"][0].__setitem__("alpha", 0),
    "no segments": lambda d: d["session"]["run"].__setitem__("segments", []),
    "epoch before the run": lambda d: d["session"]["run"].update(
        first_epoch=700, segments=[{"start": 700, "alpha": 1e-4}]),
    "negative cost": lambda d: d["session"]["run"].__setitem__("start_cost", -1.0),
    "giant run": lambda d: d["session"]["run"]["segments"].extend(
        {"start": 10 + i, "alpha": 1e-4 * (1 + i % 2)} for i in range(200_000)),
    "list for hyperparameters": lambda d: d["session"].__setitem__("hyperparameters", [1, 2]),
}


@pytest.mark.parametrize("name", HOSTILE_EDITS)
def test_damaged_or_hostile_sessions_are_refused(tmp_path, name):
    document = good_document(tmp_path)
    HOSTILE_EDITS[name](document)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))
    with pytest.raises(persist.PersistError, match="damaged|not a"):
        persist.load_session(path)


def test_writing_where_one_cannot_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(persist.PersistError, match="cannot write"):
        persist.save_session(trained_session(10), blocker / "session.json")
    with pytest.raises(persist.PersistError, match="cannot write"):
        persist.export_history(trained_session(10), blocker / "h.csv")


def test_default_state_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert persist.default_state_path() == tmp_path / "nanoneuron" / "session.json"


def test_a_resumed_run_rewinds_to_epoch_0_exactly(tmp_path):
    session = Session(Hyperparameters(w0=0.9492, b0=0.457))
    session.step(300)
    session.update(alpha=0.0002)
    session.step(200)
    persist.save_session(session, tmp_path / "s.json")
    restored = persist.load_session(tmp_path / "s.json")
    assert restored.epoch == 500 and restored.run.segments == session.run.segments
    for epoch in (0, 299, 300, 301, 500):
        restored.go_to(epoch)
        session.go_to(epoch)
        assert restored.view().moment == session.view().moment


def test_a_version_1_session_still_loads_where_it_stood(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": "nanoneuron-session", "version": 1, "session": {
        "hyperparameters": {"epochs": 70000, "alpha": 0.0005, "every": 1000, "w0": 0.9492, "b0": 0.457,
                            "seed": None, "pace": 20.0},
        "data": {"preset": "c2f", "csv": None, "noise": 0.0, "noise_seed": 0, "test_ratio": None,
                 "split_seed": 0, "normalize": False},
        "init": {"w": 0.9492, "b": 0.457}, "epoch": 1401, "w": 1.9, "b": 20.5, "start_cost": 3014.3,
        "diverged_at": None, "state": "paused",
        "train_history": {"capacity": 4096, "stride": 1, "epochs": [0], "costs": [3014.3], "last": None},
        "test_history": {"capacity": 4096, "stride": 1, "epochs": [], "costs": [], "last": None},
    }}))
    session = persist.load_session(path)
    view = session.view()
    assert (view.epoch, view.w, view.b) == (1401, 1.9, 20.5)
    assert session.run.start_cost == 3014.3
    session.go_to(0)  # it kept no past: the run begins where it was saved
    assert session.epoch == 1401
