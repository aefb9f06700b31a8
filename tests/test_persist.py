"""Saving, loading, exporting: atomic writes, and files that are not what they claim."""

import csv
import json
import math
import os

import pytest

from nanoneuron_tui import persist
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session, State


def trained_session(epochs_done: int = 2500) -> Session:
    session = Session(Hyperparameters(w0=0.9492, b0=0.457, every=500, alpha=0.0004))
    session.step(epochs_done)
    return session


@pytest.mark.unit
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


@pytest.mark.unit
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


@pytest.mark.unit
def test_model_round_trip_and_carry_on(tmp_path):
    session = trained_session()
    view = session.view()
    path = tmp_path / "model.json"
    persist.save_model(
        path, w=view.w, b=view.b, epoch=view.epoch, init=(view.w0, view.b0), hyper=view.hyper, data=view.data
    )
    model = persist.load_model(path)
    other = Session()
    other.adopt_model(model.as_dict())
    adopted = other.view()
    assert (adopted.w, adopted.b, adopted.epoch, adopted.hyper) == (view.w, view.b, view.epoch, view.hyper)
    assert adopted.state is State.PAUSED


@pytest.mark.unit
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


@pytest.mark.unit
def test_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        persist.export_history(trained_session(10), tmp_path / "h.csv")
    finally:
        os.umask(old)
    assert (tmp_path / "h.csv").stat().st_mode & 0o777 == 0o644


@pytest.mark.unit
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


@pytest.mark.unit
def test_a_stop_signal_as_the_temporary_file_is_made_leaves_no_file(tmp_path, monkeypatch):
    # Seen beside busy loops: SIGTERM handled inside mkstemp, after it made the file and
    # before it gave its name back, left the file behind.
    import signal
    import tempfile
    import threading

    made = tempfile.mkstemp

    class Stopped(Exception):
        pass

    def stop(signum, frame):  # as `nanoneuron train` does: the stop unwinds the run
        raise Stopped

    def signalled_as_it_returns(*args, **kwargs):
        fd, name = made(*args, **kwargs)
        # To this thread, as to single-threaded `nanoneuron train` (a process-directed signal
        # here could go to a thread of the test runner's): handled at the next bytecode, unless held.
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", signalled_as_it_returns)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(Stopped):
            with persist.atomic_writer(tmp_path / "history.csv") as file:
                file.write("epoch,cost\n")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert os.listdir(tmp_path) == []


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


@pytest.mark.unit
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
        first_epoch=700, segments=[{"start": 700, "alpha": 1e-4}]
    ),
    "negative cost": lambda d: d["session"]["run"].__setitem__("start_cost", -1.0),
    "giant run": lambda d: d["session"]["run"]["segments"].extend(
        {"start": 10 + i, "alpha": 1e-4 * (1 + i % 2)} for i in range(200_000)
    ),
    "list for hyperparameters": lambda d: d["session"].__setitem__("hyperparameters", [1, 2]),
}


@pytest.mark.unit
@pytest.mark.parametrize("name", HOSTILE_EDITS)
def test_damaged_or_hostile_sessions_are_refused(tmp_path, name):
    document = good_document(tmp_path)
    HOSTILE_EDITS[name](document)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))
    with pytest.raises(persist.PersistError, match="damaged|not a"):
        persist.load_session(path)


@pytest.mark.unit
def test_writing_where_one_cannot_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(persist.PersistError, match="cannot write"):
        persist.save_session(trained_session(10), blocker / "session.json")
    with pytest.raises(persist.PersistError, match="cannot write"):
        persist.export_history(trained_session(10), blocker / "h.csv")


@pytest.mark.unit
def test_default_state_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert persist.default_state_path() == tmp_path / "nanoneuron" / "session.json"


@pytest.mark.unit
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


@pytest.mark.unit
def test_a_version_1_session_still_loads_where_it_stood(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(
        json.dumps(
            {
                "format": "nanoneuron-session",
                "version": 1,
                "session": {
                    "hyperparameters": {
                        "epochs": 70000,
                        "alpha": 0.0005,
                        "every": 1000,
                        "w0": 0.9492,
                        "b0": 0.457,
                        "seed": None,
                        "pace": 20.0,
                    },
                    "data": {
                        "preset": "c2f",
                        "csv": None,
                        "noise": 0.0,
                        "noise_seed": 0,
                        "test_ratio": None,
                        "split_seed": 0,
                        "normalize": False,
                    },
                    "init": {"w": 0.9492, "b": 0.457},
                    "epoch": 1401,
                    "w": 1.9,
                    "b": 20.5,
                    "start_cost": 3014.3,
                    "diverged_at": None,
                    "state": "paused",
                    "train_history": {"capacity": 4096, "stride": 1, "epochs": [0], "costs": [3014.3], "last": None},
                    "test_history": {"capacity": 4096, "stride": 1, "epochs": [], "costs": [], "last": None},
                },
            }
        )
    )
    session = persist.load_session(path)
    view = session.view()
    assert (view.epoch, view.w, view.b) == (1401, 1.9, 20.5)
    assert session.run.start_cost == 3014.3
    session.go_to(0)  # it kept no past: the run begins where it was saved
    assert session.epoch == 1401


# -- models: typed, validated, and they know their data (issue 11 item 10, issue 8) ---------------


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nanoneuron_tui import params  # noqa: E402
from nanoneuron_tui.core.data import PRESETS, DataError, DataSpec, build_data  # noqa: E402
from tests.helpers import Notifications, make_app, wait_for  # noqa: E402


def a_model(**changes) -> persist.SavedModel:
    settings_ = dict(
        w=1.7,
        b=30.5,
        epoch=1200,
        w0=0.5,
        b0=0.25,
        hyper=Hyperparameters(w0=0.5, b0=0.25, seed=None),
        data=DataSpec(preset="c2f"),
        data_name="Celsius to Fahrenheit",
    )
    return persist.SavedModel(**{**settings_, **changes})


HOSTILE_MODELS = {
    "a list for the preset": lambda d: d["data"].__setitem__("preset", ["c2f"]),
    "a 400-digit w": lambda d: d.__setitem__("w", 10**400),
    "a w whose cost overflows": lambda d: d.__setitem__("w", 1e300),
    "a huge initial w": lambda d: d["init"].__setitem__("w", 1e20),
    "a string epoch": lambda d: d.__setitem__("epoch", "5"),
    "a boolean b": lambda d: d.__setitem__("b", True),
    "no data description": lambda d: d.__setitem__("data", "c2f"),
    "a NUL in the data file name": lambda d: d["data"].__setitem__("csv", "a\0b.csv"),
    "an unknown preset": lambda d: d["data"].__setitem__("preset", "k2c"),
    "a non-boolean normalize": lambda d: d["data"].__setitem__("normalize", 1),
    "alpha as text": lambda d: d["hyperparameters"].__setitem__("alpha", "0.1"),
    "a version from the future": lambda d: d.__setitem__("version", 3),
    "a boolean version": lambda d: d.__setitem__("version", True),
}


@pytest.mark.unit
@pytest.mark.parametrize("name", HOSTILE_MODELS)
def test_hostile_models_are_refused_in_one_line(tmp_path, name):
    document = a_model().to_document()
    HOSTILE_MODELS[name](document)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    with pytest.raises(persist.PersistError) as caught:
        persist.load_model(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.unit
def test_a_version_1_model_still_loads_without_its_data(tmp_path):
    document = a_model().to_document()
    document["version"] = 1
    del document["data"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document))
    model = persist.load_model(path)
    assert model.data is None and model.data_mismatch(DataSpec(preset="km2mi")) is None
    assert (model.w, model.epoch) == (1.7, 1200)


@pytest.mark.unit
def test_a_model_names_the_data_it_does_not_belong_to():
    model = a_model(data=DataSpec(preset="km2mi"), data_name="Kilometres to miles")
    assert model.data_mismatch(DataSpec(preset="km2mi")) is None
    assert "Kilometres to miles" in model.data_mismatch(DataSpec(preset="c2f"))
    assert "Kilometres to miles" in model.data_mismatch(DataSpec(preset="km2mi", normalize=True))


@pytest.mark.unit
def test_a_model_that_would_not_load_is_not_written(tmp_path):
    with pytest.raises(persist.PersistError):
        a_model(w=math.inf).save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


FINITE = st.floats(-1e6, 1e6, allow_nan=False)
SPECS = st.builds(
    DataSpec,
    preset=st.sampled_from(sorted(PRESETS)),
    csv=st.one_of(st.none(), st.just("/data/points.csv")),
    noise=st.floats(0, 100),
    noise_seed=st.integers(0, 2**63),
    test_ratio=st.one_of(st.none(), st.floats(0, 0.9)),
    split_seed=st.integers(0, 2**63),
    normalize=st.booleans(),
)
MODELS = st.builds(
    persist.SavedModel,
    w=st.floats(-persist.MAX_NEURON, persist.MAX_NEURON),
    b=st.floats(-persist.MAX_NEURON, persist.MAX_NEURON),
    epoch=st.integers(0, params.MAX_EPOCHS),
    w0=FINITE,
    b0=FINITE,
    hyper=st.builds(
        Hyperparameters,
        epochs=st.integers(1, params.MAX_EPOCHS),
        alpha=st.floats(1e-12, 10),
        every=st.integers(1, 10**6),
        w0=st.one_of(st.none(), FINITE),
        b0=st.one_of(st.none(), FINITE),
        seed=st.one_of(st.none(), st.integers(0, 2**31)),
        pace=st.one_of(st.none(), st.floats(0.01, 1000)),
    ),
    data=SPECS,
    data_name=st.text(max_size=30),
)


@pytest.mark.unit
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(MODELS)
def test_every_model_saved_loads_back_the_same(tmp_path, model):
    path = tmp_path / "model.json"
    model.save(path)
    assert persist.load_model(path) == model


def mutations():
    """Small hostile edits of a JSON document: types, values, deletions, nesting."""
    values = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**400), 10**400),
        st.floats(allow_nan=False),
        st.sampled_from([1e300, -1e308, 1e-320, 0, -1, 2**63, "", "c2f", "paused", "diverged"]),
        st.text(max_size=5),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )
    return st.lists(
        st.tuples(st.sampled_from(["set", "delete", "nest"]), st.integers(0, 10**6), values), min_size=1, max_size=4
    )


def mutate(document, edits):
    for kind, where, value in edits:
        paths = list(_paths(document))
        if not paths:  # everything was deleted already: nothing left to edit
            break
        path = paths[where % len(paths)]
        parent, key = _walk(document, path[:-1]), path[-1]
        if kind == "set":
            parent[key] = value
        elif kind == "delete" and isinstance(parent, dict):
            del parent[key]
        else:
            parent[key] = [parent[key]]
    return document


def _paths(node, prefix=()):
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _walk(node, path):
    for key in path:
        node = node[key]
    return node


@pytest.mark.unit
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=mutations())
def test_a_mutated_model_loads_and_runs_or_fails_in_one_line(tmp_path, edits):
    document = mutate(a_model(data=DataSpec(preset="km2mi", test_ratio=0.3)).to_document(), edits)
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(document))
    try:
        model = persist.load_model(path)
    except persist.PersistError as problem:
        assert "\n" not in str(problem) and str(path) in str(problem)
        return
    try:
        data = build_data(model.data) if model.data is not None else build_data()
    except DataError as problem:  # say, the model names a data file that is not there: said in a line
        assert "\n" not in str(problem) and str(problem)
        return
    session = Session(model.hyper, data)
    session.adopt_model(model.as_dict())
    session.step(3)
    view = session.view()
    assert math.isfinite(view.cost) and view.epoch >= model.epoch


@pytest.mark.app
async def test_the_app_loads_a_model_with_its_data_and_says_so(tmp_path):
    path = tmp_path / "km.json"
    a_model(w=0.62, b=0.01, epoch=40, data=DataSpec(preset="km2mi"), data_name="Kilometres to miles").save(path)
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(100, 32), message_hook=notes) as pilot:
        app.run_worker(lambda: app._load_model(path), thread=True)
        await wait_for(pilot, lambda: app.session.data.name == "Kilometres to miles")
        await wait_for(pilot, lambda: app.session.view().epoch == 40)
        view = app.session.view()
        # Not pytest.approx: it looks numpy up, which the app may be importing in a thread right now.
        assert math.isclose(view.w, 0.62, rel_tol=1e-12) and math.isclose(view.b, 0.01, rel_tol=1e-12)
        await wait_for(pilot, lambda: notes.any("trained on Kilometres to miles"))


@pytest.mark.app
async def test_the_app_refuses_a_model_from_a_fifo_and_stays_live(tmp_path):
    import os

    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(100, 32), message_hook=notes) as pilot:
        app.action_load_model()
        await pilot.pause()
        app.screen.query_one("#path").value = str(fifo)
        await pilot.press("enter")
        await wait_for(pilot, lambda: notes.any("FIFO"))
        await pilot.press("s")
        await wait_for(pilot, lambda: app.session.view().epoch == 1)


# -- sessions: typed, checked as a whole, and what is saved loads (issue 11, item 10) -------------


def session_document(tmp_path, session: Session | None = None) -> dict:
    path = tmp_path / "good-session.json"
    persist.save_session(session or trained_session(600), path)
    return json.loads(path.read_text())


HOSTILE_SESSIONS = {
    "a list for the preset": lambda d: d["session"]["data"].__setitem__("preset", ["c2f"]),
    "a 400-digit initial w": lambda d: d["session"]["run"].__setitem__("w0", 10**400),
    "a 400-digit epoch": lambda d: d["session"].__setitem__("epoch", 10**400),
    "diverged, though the run never diverges": lambda d: d["session"].__setitem__("state", "diverged"),
    "finished before the goal": lambda d: d["session"].__setitem__("state", "finished"),
    "a starting w whose cost overflows": lambda d: d["session"]["run"].__setitem__("start", [1e300, 0.0]),
    "an epoch past the goal": lambda d: d["session"].__setitem__("epoch", 10**8),
    "running": lambda d: d["session"].__setitem__("state", "running"),
    "a state that is a list": lambda d: d["session"].__setitem__("state", ["paused"]),
    "a segment before the run": lambda d: d["session"]["run"]["segments"].insert(0, {"start": 0, "alpha": 0.1}),
    "segments out of order": lambda d: d["session"]["run"]["segments"].extend(
        [{"start": 9, "alpha": 0.0001}, {"start": 5, "alpha": 0.0002}]
    ),
    "a negative starting cost": lambda d: d["session"]["run"].__setitem__("start_cost", -1.0),
    "a NaN alpha": lambda d: d["session"]["run"]["segments"][0].__setitem__("alpha", float("nan")),
    "a data file that is gone": lambda d: d["session"]["data"].__setitem__("csv", "/nonexistent/data.csv"),
}


@pytest.mark.unit
@pytest.mark.parametrize("name", HOSTILE_SESSIONS)
def test_hostile_sessions_are_refused_in_one_line(tmp_path, name):
    document = session_document(tmp_path)
    HOSTILE_SESSIONS[name](document)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))
    with pytest.raises(persist.PersistError) as caught:
        persist.load_session(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("step"), st.integers(1, 5000)),
        st.tuples(st.just("back"), st.integers(1, 3000)),
        st.tuples(st.just("go_to"), st.integers(0, 80_000)),
        st.tuples(st.just("alpha"), st.sampled_from([0.0001, 0.0005, 0.0006, 0.001, 0.01])),
        st.tuples(st.just("epochs"), st.integers(1, 90_000)),
        st.tuples(st.just("run"), st.just(0)),
    ),
    max_size=8,
)


def act(session: Session, actions) -> None:
    for name, value in actions:
        if name == "step":
            session.step(value)
        elif name == "back":
            session.back(value)
        elif name == "go_to":
            session.go_to(value)
        elif name == "alpha":
            session.update(alpha=value)
        elif name == "epochs":
            session.update(epochs=value)
        else:
            session.toggle()


@pytest.mark.unit
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    preset=st.sampled_from(sorted(PRESETS)),
    normalize=st.booleans(),
    ratio=st.one_of(st.none(), st.floats(0, 0.9)),
    w0=st.floats(-1e3, 1e3),
    b0=st.floats(-1e3, 1e3),
    actions=ACTIONS,
)
def test_every_session_saved_loads_back_the_same(tmp_path, preset, normalize, ratio, w0, b0, actions):
    data = build_data(DataSpec(preset=preset, normalize=normalize, test_ratio=ratio))
    session = Session(Hyperparameters(w0=w0, b0=b0, alpha=0.0005 if not normalize else 0.5), data)
    act(session, actions)
    path = tmp_path / "session.json"
    persist.save_session(session, path)
    restored = persist.load_session(path)
    assert restored.to_dict() == session.to_dict()
    before, after = session.view(), restored.view()
    assert (after.epoch, after.w, after.b, after.cost) == (before.epoch, before.w, before.b, before.cost)


@pytest.mark.unit
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=mutations())
def test_a_mutated_session_loads_and_runs_or_fails_in_one_line(tmp_path, edits):
    session = Session(
        Hyperparameters(w0=0.3, b0=0.7, alpha=0.0005, epochs=5000), build_data(DataSpec(preset="km2mi", test_ratio=0.3))
    )
    session.step(700)
    session.update(alpha=0.0004)
    session.step(300)
    document = mutate(json.loads(json.dumps(persist.SavedSession.of(session).to_document())), edits)
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(document))
    try:
        restored = persist.load_session(path)
    except persist.PersistError as problem:
        assert "\n" not in str(problem) and str(path) in str(problem)
        return
    view = restored.view()
    assert math.isfinite(view.cost) or restored.state is State.DIVERGED
    for action in (
        lambda: restored.step(3),
        lambda: restored.back(2),
        lambda: restored.go_to(0),
        restored.step_report,
        lambda: restored.update(alpha=0.0003),
    ):
        action()
        restored.view()
    persist.save_session(restored, tmp_path / "again.json")
    persist.load_session(tmp_path / "again.json")


EDGE_SESSIONS = {
    "diverged": lambda: _acted(Session(Hyperparameters(w0=0.3, b0=0.7, alpha=0.001)), [("step", 200)]),
    "finished": lambda: _acted(Session(Hyperparameters(w0=0.3, b0=0.7, epochs=50)), [("step", 80)]),
    "a neuron far out": lambda: _acted(Session(Hyperparameters(w0=-1e15, b0=1e15, alpha=1e-9)), [("step", 3)]),
    "alpha changed twice": lambda: _acted(
        Session(Hyperparameters(w0=0.3, b0=0.7)), [("step", 100), ("alpha", 0.0001), ("step", 100), ("alpha", 0.0003)]
    ),
}


def _acted(session: Session, actions) -> Session:
    act(session, actions)
    return session


@pytest.mark.app
@pytest.mark.parametrize("name", EDGE_SESSIONS)
async def test_the_app_runs_from_every_kind_of_saved_session(tmp_path, name):
    from nanoneuron_tui.app import NanoNeuronApp

    path = tmp_path / "session.json"
    persist.save_session(EDGE_SESSIONS[name](), path)
    session = persist.load_session(path)
    app = NanoNeuronApp(session, state_path=tmp_path / "after.json")
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("space", "s", "b", "space"):
            await pilot.press(key)
        await pilot.pause()
        await pilot.press("ctrl+q")
    assert persist.load_session(tmp_path / "after.json").data.name == session.data.name


@pytest.mark.unit
def test_a_session_with_more_segments_than_a_run_keeps_is_refused_saying_the_limit(tmp_path):
    from nanoneuron_tui.core.run import MAX_SEGMENTS

    document = good_document(tmp_path)
    document["session"]["run"]["segments"].extend(
        {"start": 10 + i, "alpha": 1e-4 * (1 + i % 2)} for i in range(MAX_SEGMENTS)
    )
    path = tmp_path / "many.json"
    path.write_text(json.dumps(document))
    with pytest.raises(persist.PersistError, match=f"at most {MAX_SEGMENTS:,}"):
        persist.load_session(path)


@pytest.mark.unit
def test_a_session_with_as_many_segments_as_a_run_keeps_loads(tmp_path):
    from nanoneuron_tui.core.run import MAX_SEGMENTS

    document = good_document(tmp_path)
    document["session"]["run"]["segments"].extend(
        {"start": 10 + i, "alpha": 1e-4 * (1 + i % 2)} for i in range(MAX_SEGMENTS - 1)
    )
    path = tmp_path / "full.json"
    path.write_text(json.dumps(document))
    assert len(persist.load_session(path).run.segments) == MAX_SEGMENTS


@pytest.mark.unit
def test_an_alpha_change_past_the_limit_changes_nothing(monkeypatch):
    from nanoneuron_tui.core import run as run_module

    monkeypatch.setattr(run_module, "MAX_SEGMENTS", 3)
    session = Session(Hyperparameters(w0=0.9492, b0=0.457))
    for alpha in (0.0002, 0.0003):
        session.step(10)
        session.update(alpha=alpha)
    session.step(10)
    before = session.view()
    with pytest.raises(run_module.TooManySegments):
        session.update(alpha=0.0004)
    after = session.view()
    assert after.hyper.alpha == before.hyper.alpha == 0.0003
    assert after.run is before.run


@pytest.mark.unit
def test_a_model_trained_on_a_file_records_no_stale_preset(tmp_path):
    # Issue 17: a model trained on a CSV recorded "preset": "km2mi" beside "csv": ...
    from nanoneuron_tui.core.data import DataSpec, build_data

    points = tmp_path / "points.csv"
    points.write_text("x,y\n" + "".join(f"{x},{2 * x + 1}\n" for x in range(20)))
    session = Session(Hyperparameters(w0=0.5, b0=0.5), build_data(DataSpec(preset="km2mi")))
    # The data dialog keeps the preset it showed when a file is chosen.
    session.use_data(build_data(DataSpec(preset="km2mi", csv=str(points))))
    session.step(10)
    view = session.view()
    model_path, session_path = tmp_path / "model.json", tmp_path / "session.json"
    persist.save_model(
        model_path, w=view.w, b=view.b, epoch=view.epoch, init=(0.5, 0.5), hyper=view.hyper, data=view.data
    )
    persist.save_session(session, session_path)
    saved_model = json.loads(model_path.read_text())["data"]
    saved_session = json.loads(session_path.read_text())["session"]["data"]
    for data in (saved_model, saved_session):
        assert "preset" not in data and data["csv"] == str(points)
    assert persist.load_model(model_path).data_mismatch(view.data.spec) is None
    assert persist.load_session(session_path).view().data.spec == view.data.spec
    # A file written before this still loads, and still matches its data.
    saved_model["preset"] = "km2mi"
    document = json.loads(model_path.read_text())
    document["data"] = saved_model
    model_path.write_text(json.dumps(document))
    assert persist.load_model(model_path).data_mismatch(view.data.spec) is None
