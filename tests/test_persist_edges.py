"""Saving and loading at their edges: each way a file or a path can be refused, in its own words."""

import contextlib
import dataclasses
import errno
import io
import json
import math
import os
import sys

import pytest

from nanoneuron_tui import persist
from nanoneuron_tui.core.data import DataSpec, build_data
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session

pytestmark = pytest.mark.unit


def saved_document(tmp_path, session: Session | None = None) -> dict:
    path = tmp_path / "saved.json"
    if session is None:
        session = Session(Hyperparameters(w0=0.9492, b0=0.457, every=100))
        session.step(300)
    persist.save_session(session, path)
    return json.loads(path.read_text())


def refusal(tmp_path, document: dict, load=persist.load_session) -> str:
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document))
    with pytest.raises(persist.PersistError) as caught:
        load(path)
    return str(caught.value).replace(str(path), "FILE")


# -- where a file is written ------------------------------------------------------------------


def test_a_path_through_a_regular_file_is_refused_in_the_system_s_words(tmp_path):
    (tmp_path / "file").write_text("")
    target = tmp_path / "file" / "session.json"
    with pytest.raises(persist.PersistError) as caught:
        persist.replaceable_target(target)
    assert str(caught.value) == f"cannot write {target}: Not a directory"


def test_a_name_with_a_nul_byte_is_refused():
    with pytest.raises(persist.PersistError) as caught:
        persist.replaceable_target("session\0.json")
    assert str(caught.value) == "cannot write 'session\\x00.json': not a usable file name"


def test_a_new_file_or_a_symlink_is_replaced_where_it_leads(tmp_path):
    assert persist.replaceable_target(tmp_path / "new.json") == tmp_path / "new.json"
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert persist.replaceable_target(tmp_path / "link.json") == tmp_path / "real.json"


def test_dash_writes_to_standard_output_and_flushes_it(monkeypatch):
    class Recording(io.StringIO):
        flushed_with = None

        def flush(self):
            self.flushed_with = self.getvalue()

    out = Recording()
    monkeypatch.setattr(sys, "stdout", out)
    with persist.output_writer("-") as file:
        file.write("epoch,cost\n")
    assert out.flushed_with == "epoch,cost\n"


def test_any_other_name_is_written_atomically(tmp_path):
    target = tmp_path / "history.csv"
    with persist.output_writer(target) as file:
        file.write("epoch,cost\n")
        assert not target.exists()  # not until the whole file is written
    assert target.read_text() == "epoch,cost\n"


def test_a_history_over_the_limit_is_refused_saying_both_sizes():
    persist.check_history_size(1000, limit=persist.history_size(1000))  # at the limit: fine
    with pytest.raises(persist.PersistError) as caught:
        persist.check_history_size(1001, limit=persist.history_size(1000))
    assert str(caught.value) == (
        "a history of 1,001 epochs would take about 55.1 KB, over the limit of 55 KB "
        "(raise it with --history-limit SIZE)"
    )


# -- what a file says --------------------------------------------------------------------------


def test_a_number_too_long_to_read_is_damage_not_a_crash(tmp_path):
    path = tmp_path / "long.json"
    path.write_text('{"format": "nanoneuron-session", "version": ' + "9" * 5000 + "}")
    with pytest.raises(persist.PersistError) as caught:
        persist.load_session(path)
    assert str(caught.value) == f"{path} is damaged: a value cannot be read"


def test_a_test_share_out_of_range_is_refused_with_the_parser_s_reason(tmp_path):
    document = saved_document(tmp_path)
    document["session"]["data"]["test_ratio"] = 0.99
    assert (
        refusal(tmp_path, document)
        == "FILE is damaged: test ratio must be from 0 to 0.9 (the share of points held out)"
    )


def test_a_pinned_run_comes_back(tmp_path):
    session = Session(Hyperparameters(w0=0.9492, b0=0.457, every=100))
    session.step(300)
    session.toggle_pin()
    session.reset()
    session.step(50)
    path = tmp_path / "pinned.json"
    persist.save_session(session, path)
    restored = persist.load_session(path)
    assert restored.pinned is not None
    assert restored.pinned.epoch == 300
    assert restored.pinned.run.to_dict() == session.pinned.run.to_dict()


PINNED_EDITS = {
    "a list": (lambda pinned: [pinned], "FILE is damaged: the pinned run is malformed"),
    "an epoch before its run began": (
        lambda pinned: {
            **pinned,
            "run": {**pinned["run"], "first_epoch": 200, "segments": [{"start": 200, "alpha": 5e-4}]},
            "epoch": 199,
        },
        "FILE is damaged: the pinned run's epoch is before it began",
    ),
    "no epoch": (
        lambda pinned: {"run": pinned["run"]},
        "FILE is damaged: the pinned run's epoch is not a whole number from 0 to 1,000,000,000",
    ),
}


@pytest.mark.parametrize("name", PINNED_EDITS)
def test_a_damaged_pinned_run_is_refused(tmp_path, name):
    session = Session(Hyperparameters(w0=0.9492, b0=0.457, every=100))
    session.step(300)
    session.toggle_pin()
    document = saved_document(tmp_path, session)
    edit, message = PINNED_EDITS[name]
    document["session"]["pinned"] = edit(document["session"]["pinned"])
    assert refusal(tmp_path, document) == message


def test_a_pinned_run_at_its_first_epoch_loads(tmp_path):
    session = Session(Hyperparameters(w0=0.9492, b0=0.457, every=100))
    session.toggle_pin()  # pinned at epoch 0, where the run begins
    document = saved_document(tmp_path, session)
    path = tmp_path / "at-zero.json"
    path.write_text(json.dumps(document))
    assert persist.load_session(path).pinned.epoch == 0


def test_a_version_1_session_without_its_initial_neuron_is_refused(tmp_path):
    document = saved_document(tmp_path)
    document["version"] = 1
    document["session"]["init"] = [0.9492, 0.457]
    assert refusal(tmp_path, document) == "FILE is damaged: the initial w and b are missing"


def test_a_model_whose_data_file_is_gone_says_which_model(tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("x,y\n" + "".join(f"{x},{2 * x + 1}\n" for x in range(10)))
    data = build_data(DataSpec(csv=str(csv)))
    model_path = tmp_path / "model.json"
    persist.save_model(model_path, w=2.0, b=1.0, epoch=10, init=(0.5, 0.5), hyper=Hyperparameters(), data=data)
    csv.unlink()
    model = persist.load_model(model_path)
    with pytest.raises(persist.PersistError) as caught:
        model.training_data("model.json")
    assert str(caught.value).startswith("model.json: the data it was trained on cannot be loaded: ")
    assert str(csv) in str(caught.value)


# -- a write reaches the disk whole, with the usual permissions ------------------------------------


def test_the_data_is_flushed_and_synced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: events.append(("fsync", os.fstat(fd).st_size)) or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: events.append(("replace", None)) or real_replace(a, b))
    with persist.atomic_writer(tmp_path / "history.csv") as file:
        file.write("epoch,cost\n")
    assert events == [("fsync", len("epoch,cost\n")), ("replace", None)]


def test_a_new_file_follows_the_umask_and_leaves_it_as_it_was(tmp_path):
    old = os.umask(0o027)
    try:
        persist.save_session(Session(), tmp_path / "session.json")
        assert os.umask(0o027) == 0o027  # the umask read for the new file is put back
    finally:
        os.umask(old)
    assert (tmp_path / "session.json").stat().st_mode & 0o777 == 0o640


def test_a_session_is_saved_into_directories_made_for_it(tmp_path):
    path = tmp_path / "new" / "nested" / "session.json"
    persist.save_session(Session(), path)
    assert persist.load_session(path).epoch == 0


def test_a_file_not_written_says_why_in_the_system_s_words(tmp_path):
    (tmp_path / "file").write_text("")
    for name, save in (("session.json", persist.save_session), ("history.csv", persist.export_history)):
        path = tmp_path / "file" / name
        with pytest.raises(persist.PersistError) as caught:
            save(Session(), path)
        assert str(caught.value) == f"cannot write {path}: Not a directory"


def test_a_document_with_a_nan_is_not_written_as_invalid_json(tmp_path):
    path = tmp_path / "nan.json"
    with pytest.raises(persist.PersistError) as caught:
        persist._write_json(path, {"w": math.nan})
    assert str(caught.value) == f"cannot write {path}: Out of range float values are not JSON compliant: nan"
    assert not path.exists()


# -- what kind of file it is ---------------------------------------------------------------------


def test_each_kind_of_file_is_named_in_its_refusal(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"format": "nanoneuron-model", "version": 2}')
    with pytest.raises(persist.PersistError, match=r"other.json is not a nanoneuron session file$"):
        persist.load_session(path)
    path.write_text('{"format": "nanoneuron-session", "version": 2}')
    with pytest.raises(persist.PersistError, match=r"other.json is not a nanoneuron model file$"):
        persist.load_model(path)


def test_an_unknown_version_is_quoted_short(tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"format": "nanoneuron-session", "version": "a-version-of-20-chars"}))
    with pytest.raises(persist.PersistError) as caught:
        persist.load_session(path)
    assert str(caught.value) == (
        f"{path} is a version 'a-version-o…' session file; this nanoneuron reads version 1 and 2"
    )


def test_a_full_disk_is_said_in_the_system_s_words_and_leaves_nothing(tmp_path, monkeypatch):
    def no_space(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    for name, save in (("session.json", persist.save_session), ("history.csv", persist.export_history)):
        with pytest.raises(persist.PersistError) as caught:
            save(Session(), tmp_path / name)
        assert str(caught.value) == f"cannot write {tmp_path / name}: No space left on device"
    assert os.listdir(tmp_path) == []


# -- the data a session was trained on ----------------------------------------------------------


def loaded_data(tmp_path, edit) -> DataSpec:
    document = saved_document(tmp_path)
    edit(document["session"])
    path = tmp_path / "data.json"
    path.write_text(json.dumps(document))
    return persist.load_session(path).view().data.spec


def test_missing_data_fields_take_their_defaults(tmp_path):
    assert loaded_data(tmp_path, lambda saved: saved.pop("data")) == DataSpec()
    for name in ("normalize", "noise_seed", "split_seed"):
        assert loaded_data(tmp_path, lambda saved: saved["data"].pop(name)) == DataSpec(), name


SEED_LIMIT = "from 0 to 9,223,372,036,854,775,808"


@pytest.mark.parametrize("name", ["noise_seed", "split_seed"])
def test_a_seed_is_a_whole_number_from_0_to_2_to_the_63(tmp_path, name):
    for seed in (0, 2**63):
        assert getattr(loaded_data(tmp_path, lambda saved: saved["data"].update({name: seed})), name) == seed
    for seed in (-1, 2**63 + 1):
        document = saved_document(tmp_path)
        document["session"]["data"][name] = seed
        assert refusal(tmp_path, document) == f"FILE is damaged: {name} is not a whole number {SEED_LIMIT}"


def test_a_file_s_stale_preset_is_ignored(tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("x,y\n" + "".join(f"{x},{2 * x + 1}\n" for x in range(10)))
    spec = loaded_data(tmp_path, lambda saved: saved["data"].update(csv=str(csv), preset="no-such-preset"))
    assert spec.csv == str(csv) and spec.preset == DataSpec.preset


def test_a_data_file_name_holds_at_most_4096_characters(tmp_path):
    document = saved_document(tmp_path)
    document["session"]["data"]["csv"] = "/" + "d" * 4095  # 4096: a name, though no such file
    assert "its data cannot be loaded" in refusal(tmp_path, document)
    document["session"]["data"]["csv"] = "/" + "d" * 4096
    assert refusal(tmp_path, document) == "FILE is damaged: the data file name is not a usable text"


@pytest.mark.parametrize("value", [True, "0.0005", None])
def test_a_hyperparameter_that_is_not_a_number_is_said_so(tmp_path, value):
    document = saved_document(tmp_path)
    document["session"]["hyperparameters"]["alpha"] = value
    assert refusal(tmp_path, document) == "FILE is damaged: alpha is not a number"


def test_a_starting_cost_of_zero_is_a_cost(tmp_path):
    document = saved_document(tmp_path)
    document["session"]["run"]["start_cost"] = 0.0
    path = tmp_path / "zero.json"
    path.write_text(json.dumps(document))
    assert persist.load_session(path).run.start_cost == 0.0
    document["session"]["run"]["start_cost"] = -1e-300
    assert refusal(tmp_path, document) == "FILE is damaged: the starting cost is out of range"


def test_what_is_read_cannot_be_changed_after_its_checks():
    saved = persist.SavedSession.of(Session())
    with pytest.raises(dataclasses.FrozenInstanceError):
        saved.epoch = 5


# Every check of a session file, each with its own words. The edits are of a session saved at
# epoch 300 of the article's run.
SESSION_DAMAGE = {
    "no session": (
        lambda d: d.pop("session"),
        "FILE is damaged: the session is missing",
    ),
    "session a list": (
        lambda d: d.__setitem__("session", []),
        "FILE is damaged: the session is missing",
    ),
    "no state": (
        lambda d: d["session"].pop("state"),
        "FILE is damaged: the training state is unknown",
    ),
    "state a number": (
        lambda d: d["session"].__setitem__("state", 3),
        "FILE is damaged: the training state is unknown",
    ),
    "state unknown": (
        lambda d: d["session"].__setitem__("state", "exploding"),
        "FILE is damaged: the training state is unknown",
    ),
    "no hyperparameters": (
        lambda d: d["session"].pop("hyperparameters"),
        "FILE is damaged: the hyperparameters are missing",
    ),
    "epochs missing": (
        lambda d: d["session"]["hyperparameters"].pop("epochs"),
        "FILE is damaged: epochs is not a number",
    ),
    "epoch before run": (
        lambda d: d["session"].__setitem__("epoch", -1),
        "FILE is damaged: epoch is not a whole number from 0 to 1,000,000,000",
    ),
    "run a list": (
        lambda d: d["session"].__setitem__("run", []),
        "FILE is damaged: the run is missing",
    ),
    "start 3 long": (
        lambda d: d["session"]["run"].__setitem__("start", [1, 2, 3]),
        "FILE is damaged: the run's starting neuron is malformed",
    ),
    "start a dict": (
        lambda d: d["session"]["run"].__setitem__("start", {}),
        "FILE is damaged: the run's starting neuron is malformed",
    ),
    "first_epoch missing": (
        lambda d: d["session"]["run"].pop("first_epoch"),
        "FILE is damaged: the run's first epoch is not a whole number from 0 to 1,000,000,000",
    ),
    "w0 a string": (
        lambda d: d["session"]["run"].__setitem__("w0", "1"),
        "FILE is damaged: initial w is not a number",
    ),
    "w0 huge": (
        lambda d: d["session"]["run"].__setitem__("w0", 1e16),
        "FILE is damaged: initial w is not a finite number of at most 1e+15 in size",
    ),
    "b0 huge": (
        lambda d: d["session"]["run"].__setitem__("b0", -1e16),
        "FILE is damaged: initial b is not a finite number of at most 1e+15 in size",
    ),
    "start w huge": (
        lambda d: d["session"]["run"]["start"].__setitem__(0, 1e116),
        "FILE is damaged: the starting w is not a finite number of at most 1e+115 in size",
    ),
    "start b huge": (
        lambda d: d["session"]["run"]["start"].__setitem__(1, -1e116),
        "FILE is damaged: the starting b is not a finite number of at most 1e+115 in size",
    ),
    "start_cost inf": (
        lambda d: d["session"]["run"].__setitem__("start_cost", 1e309),
        "FILE is damaged: the starting cost is not a finite number of at most 1.79769e+308 in size",
    ),
    "segments a dict": (
        lambda d: d["session"]["run"].__setitem__("segments", {}),
        "FILE is damaged: the run's segments are missing",
    ),
    "segment a list": (
        lambda d: d["session"]["run"]["segments"].__setitem__(0, [0, 1]),
        "FILE is damaged: a segment of the run is malformed",
    ),
    "segment start missing": (
        lambda d: d["session"]["run"]["segments"][0].pop("start"),
        "FILE is damaged: a segment's start is not a whole number from 0 to 1,000,000,000",
    ),
    "segment alpha str": (
        lambda d: d["session"]["run"]["segments"][0].__setitem__("alpha", "0.1"),
        "FILE is damaged: a segment's alpha is not a number",
    ),
    "segment alpha bool": (
        lambda d: d["session"]["run"]["segments"][0].__setitem__("alpha", True),
        "FILE is damaged: a segment's alpha is not a number",
    ),
    "segment alpha 5": (
        lambda d: d["session"]["run"]["segments"][0].__setitem__("alpha", 5),
        "FILE is damaged: the run does not reach epoch 300 paused",
    ),
    "segment same start": (
        lambda d: d["session"]["run"]["segments"].append({"start": 0, "alpha": 0.0004}),
        "FILE is damaged: the run's segments are out of order",
    ),
    "segments first not at first_epoch": (
        lambda d: d["session"]["run"]["segments"].__setitem__(0, {"start": 1, "alpha": 0.0005}),
        "FILE is damaged: the run's segments are out of order",
    ),
    "data a list": (
        lambda d: d["session"].__setitem__("data", []),
        "FILE is damaged: the data description is malformed",
    ),
    "preset unknown": (
        lambda d: d["session"]["data"].__setitem__("preset", "nope"),
        "FILE is damaged: there is no data preset called 'nope'",
    ),
    "normalize str": (
        lambda d: d["session"]["data"].__setitem__("normalize", "yes"),
        "FILE is damaged: normalize is not true or false",
    ),
    "noise str": (
        lambda d: d["session"]["data"].__setitem__("noise", "1"),
        "FILE is damaged: noise is not a number",
    ),
    "noise -1": (
        lambda d: d["session"]["data"].__setitem__("noise", -1),
        "FILE is damaged: noise is a standard deviation: 0 or more",
    ),
    "test_ratio str": (
        lambda d: d["session"]["data"].__setitem__("test_ratio", "0.2"),
        "FILE is damaged: test_ratio is not a number",
    ),
    "csv empty": (
        lambda d: d["session"]["data"].__setitem__("csv", ""),
        "FILE is damaged: the data file name is not a usable text",
    ),
    "csv nul": (
        lambda d: d["session"]["data"].__setitem__("csv", "a\0b"),
        "FILE is damaged: the data file name is not a usable text",
    ),
    "csv number": (
        lambda d: d["session"]["data"].__setitem__("csv", 5),
        "FILE is damaged: the data file name is not a usable text",
    ),
    "epoch before its run began": (
        lambda d: d["session"]["run"].update(first_epoch=301, segments=[{"start": 301, "alpha": 0.0005}]),
        "FILE is damaged: the epoch is before the run began",
    ),
}


@pytest.mark.parametrize("name", SESSION_DAMAGE)
def test_each_damage_to_a_session_is_refused_in_its_own_words(tmp_path, name):
    document = saved_document(tmp_path)
    edit, message = SESSION_DAMAGE[name]
    edit(document)
    assert refusal(tmp_path, document) == message


def test_optional_hyperparameters_may_be_missing(tmp_path):
    document = saved_document(tmp_path)
    for name in ("pace", "seed", "w0", "b0"):
        document["session"]["hyperparameters"].pop(name)
    path = tmp_path / "optional.json"
    path.write_text(json.dumps(document))
    hyper = persist.load_session(path).view().hyper
    assert (hyper.pace, hyper.seed, hyper.w0, hyper.b0) == (None, None, None, None)


def test_a_session_without_practice_saves_none(tmp_path):
    assert "practice" not in saved_document(tmp_path)["session"]


def test_the_farthest_start_a_file_may_hold_has_a_finite_cost_on_the_largest_data(tmp_path):
    # MAX_NEURON keeps the cost finite, so a loaded run always has a cost to compare with: here
    # (1e115 · 1e15)² / 2, about 5e259.
    csv = tmp_path / "huge.csv"
    csv.write_text("x,y\n1e15,0\n-1e15,0\n0,1e15\n")
    session = Session(Hyperparameters(w0=0.5, b0=0.5), build_data(DataSpec(csv=str(csv), test_ratio=0.0)))
    document = saved_document(tmp_path, session)
    document["session"]["run"]["start"] = [persist.MAX_NEURON * 1e15, -persist.MAX_NEURON * 1e15]
    document["session"]["state"] = "diverged"  # at once: its cost is far past the divergence limit
    path = tmp_path / "far.json"
    path.write_text(json.dumps(document))
    restored = persist.load_session(path)
    assert 1e259 < restored.run.cost(0) < math.inf


def test_a_session_may_stand_at_the_first_epoch_of_its_run(tmp_path):
    document = saved_document(tmp_path)
    document["session"]["run"].update(first_epoch=300, segments=[{"start": 300, "alpha": 0.0005}])
    path = tmp_path / "resumed.json"
    path.write_text(json.dumps(document))
    assert persist.load_session(path).epoch == 300


# -- models ---------------------------------------------------------------------------------------


def a_model(**changes) -> persist.SavedModel:
    settings = dict(
        w=1.7, b=30.5, epoch=1200, w0=0.5, b0=0.25, hyper=Hyperparameters(), data=DataSpec(), data_name="C to F"
    )
    return persist.SavedModel(**{**settings, **changes})


def test_a_model_that_would_not_load_is_not_written_and_says_why(tmp_path):
    path = tmp_path / "far.json"
    with pytest.raises(persist.PersistError) as caught:
        a_model(w=1e200).save(path)  # JSON can hold it; a model file may not
    assert str(caught.value) == f"{path} is damaged: w is not a finite number of at most 1e+100 in size"
    assert not path.exists()


def test_a_model_without_its_initial_neuron_is_refused(tmp_path):
    document = a_model().to_document()
    document["init"] = [0.5, 0.25]
    assert refusal(tmp_path, document, persist.load_model) == "FILE is damaged: the initial w and b are missing"


@pytest.mark.parametrize(
    ("name", "kept"), [("x" * 100, "x" * 80), (5, ""), (None, ""), ("Kilometres to miles", "Kilometres to miles")]
)
def test_a_model_s_data_name_is_text_of_at_most_80_characters(tmp_path, name, kept):
    document = a_model().to_document()
    if name is None:
        del document["data"]["name"]
    else:
        document["data"]["name"] = name
    path = tmp_path / "named.json"
    path.write_text(json.dumps(document))
    assert persist.load_model(path).data_name == kept


def test_a_model_without_a_data_name_names_its_file_or_preset():
    on_file = a_model(data=DataSpec(csv="/data/points.csv"), data_name="")
    assert on_file.data_mismatch(DataSpec()) == "the model was trained on /data/points.csv, other data than this"
    on_preset = a_model(data=DataSpec(preset="km2mi"), data_name="")
    assert on_preset.data_mismatch(DataSpec()) == "the model was trained on preset km2mi, other data than this"


def test_save_model_records_the_start_and_the_data(tmp_path):
    data = build_data(DataSpec(preset="km2mi"))
    persist.save_model(tmp_path / "m.json", w=0.6, b=0.1, epoch=9, init=(0.5, 0.25), hyper=Hyperparameters(), data=data)
    model = persist.load_model(tmp_path / "m.json")
    assert (model.w0, model.b0, model.data, model.data_name) == (0.5, 0.25, data.spec, data.name)
    persist.save_model(tmp_path / "bare.json", w=0.6, b=0.1, epoch=9, init=(0.5, 0.25), hyper=Hyperparameters())
    bare = persist.load_model(tmp_path / "bare.json")
    assert (bare.data, bare.data_name) == (DataSpec(), "")  # no data given: the article's, unnamed


def test_a_model_read_cannot_be_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        a_model().w = 2.0


# -- exporting the history ------------------------------------------------------------------------


def session_at(epoch: int) -> Session:
    session = Session(Hyperparameters(w0=0.9492, b0=0.457, every=1000))
    session.step(epoch)
    return session


def test_an_export_looks_whether_it_is_still_wanted_every_10000_rows(tmp_path):
    for epoch, looks in ((0, 1), (9_999, 1), (10_000, 2)):  # rows 0 … epoch: looks at rows 0, 10000, …
        calls = []
        persist.export_history(session_at(epoch), tmp_path / "h.csv", cancelled=lambda: calls.append(1) and False)
        assert len(calls) == looks, epoch


def test_a_cancelled_export_writes_nothing(tmp_path):
    with pytest.raises(persist.ExportCancelled, match="the export to .*h.csv was cancelled"):
        persist.export_history(session_at(0), tmp_path / "h.csv", cancelled=lambda: True)
    assert os.listdir(tmp_path) == []


def test_an_export_over_its_size_limit_is_refused_before_writing(tmp_path):
    with pytest.raises(persist.PersistError, match="a history of 1,001 epochs would take about"):
        persist.export_history(session_at(1000), tmp_path / "h.csv", limit=persist.history_size(1000))
    assert os.listdir(tmp_path) == []


def test_an_export_goes_into_directories_made_for_it_however_deep(tmp_path):
    assert persist.export_history(session_at(3), tmp_path / "new" / "nested" / "h.csv") == 4


# -- files' sizes and names ----------------------------------------------------------------------


def test_a_file_of_up_to_8_000_000_bytes_is_read(tmp_path):
    content = json.dumps(saved_document(tmp_path))
    path = tmp_path / "padded.json"
    path.write_text(content + " " * (persist.MAX_FILE_BYTES - len(content)))
    assert persist.load_session(path).epoch == 300
    path.write_text(content + " " * (persist.MAX_FILE_BYTES - len(content) + 1))
    with pytest.raises(
        persist.PersistError, match=r"too large for a nanoneuron session file \(8,000,001 bytes; at most 8,000,000\)"
    ):
        persist.load_session(path)


def test_every_temporary_name_is_recognised_as_one(tmp_path):
    names = []

    @contextlib.contextmanager
    def track(temporary):
        names.append(temporary.name)
        yield

    with persist.atomic_writer(tmp_path / "session.json", track) as file:
        file.write("{}")
    assert persist.temporary_name_pattern(tmp_path / "session.json").fullmatch(names[0])
    assert persist.ANY_TEMPORARY_NAME.fullmatch(names[0])
    for other in ("session.json", ".session.json.tmp", "session.json.abcdefgh.tmp"):
        assert not persist.ANY_TEMPORARY_NAME.fullmatch(other), other


def test_a_write_into_a_missing_directory_fails_as_the_system_says(tmp_path):
    with pytest.raises(FileNotFoundError):
        with persist.atomic_writer(tmp_path / "missing" / "session.json"):
            pass
