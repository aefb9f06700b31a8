"""The session: a cursor on the run that steps, rewinds and jumps exactly, and a state machine."""

import math
import threading
import time
from array import array
from dataclasses import asdict

import pytest

from nanoneuron_tui.core.data import DataSet, DataSpec, build_data, celsius_to_fahrenheit_data
from nanoneuron_tui.core.neuron import NanoNeuron, forward_propagation, train_model
from nanoneuron_tui.core.run import Run
from nanoneuron_tui.core.trainer import max_stable_alpha
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Beat, Session, State, sample_epochs

pytestmark = pytest.mark.unit


def literal_after(epochs: int, w0: float = 0.9492, b0: float = 0.457, alpha: float = 0.0005):
    data = celsius_to_fahrenheit_data()
    model = NanoNeuron(w0, b0)
    train_model(model, epochs, alpha, list(data.x_train), list(data.y_train))
    cost = forward_propagation(model, list(data.x_train), list(data.y_train))[1]
    return model.w, model.b, cost


def session(**hyper) -> Session:
    return Session(Hyperparameters(**{"w0": 0.9492, "b0": 0.457, **hyper}))


def assert_at_literal(s: Session, epoch: int) -> None:
    view = s.view()
    w, b, cost = literal_after(epoch)
    assert view.epoch == epoch
    assert math.isclose(view.w, w, rel_tol=1e-12) and math.isclose(view.b, b, rel_tol=1e-12)
    assert math.isclose(view.cost, cost, rel_tol=1e-9)


def test_forward_five_back_three_to_twenty_thousand_and_back_to_two():
    s = session()
    for _ in range(5):
        s.step()
    assert_at_literal(s, 5)
    s.back()
    s.back(2)
    assert_at_literal(s, 2)
    s.go_to(20_000)
    assert_at_literal(s, 20_000)
    s.go_to(2)
    assert_at_literal(s, 2)
    assert s.state is State.PAUSED


def test_going_back_stops_at_the_start_and_forward_at_the_goal():
    s = session(epochs=100)
    s.back(5)
    assert s.epoch == 0 and s.state is State.PAUSED
    s.go_to(10**9)
    assert s.epoch == 100 and s.state is State.FINISHED
    s.back()
    assert s.epoch == 99 and s.state is State.PAUSED


def test_the_goal_is_reached_exactly():
    s = session(epochs=10)
    s.step(9)
    assert s.state is State.PAUSED
    s.step(1)
    assert s.epoch == 10 and s.state is State.FINISHED
    s.step(5)
    assert s.epoch == 10


def test_reports_stop_at_the_goal_not_the_next_multiple():
    s = session(epochs=2500, every=1000)
    s.step_report()
    s.step_report()
    assert s.epoch == 2000 and s.state is State.PAUSED
    s.step_report()
    assert s.epoch == 2500 and s.state is State.FINISHED
    s.back_report()
    assert s.epoch == 2000
    s.step(300)
    s.back_report()
    assert s.epoch == 2000
    s.back_report()
    assert s.epoch == 1000


def test_fast_forward_reaches_the_goal_in_one_beat_and_pause_cancels_it():
    s = session(epochs=10**9)
    s.run_to_end()
    assert s.fast_forward and s.state is State.RUNNING
    s.pause()
    assert not s.fast_forward and s.state is State.PAUSED
    s.run_to_end()
    beat = s.train_towards_report()
    assert beat.at_report and not beat.running and beat.pace is None
    assert s.epoch == 10**9 and s.state is State.FINISHED and not s.fast_forward


def test_the_worker_gets_nothing_to_do_unless_running():
    s = session(every=100, pace=7)
    beat = s.train_towards_report()
    assert not beat.at_report and s.epoch == 0
    assert s.start() is None
    beat = s.train_towards_report()
    assert beat.at_report and beat.running and beat.pace == 7
    assert s.epoch == 100


def test_divergence_is_a_place_on_the_timeline():
    s = session(w0=0.3, b0=0.7, alpha=0.001)
    s.run_to_end()
    s.train_towards_report()
    view = s.view()
    assert s.state is State.DIVERGED and view.diverged_at == s.run.diverged_at == view.epoch
    s.step()
    assert s.epoch == view.epoch  # nothing after a blow-up
    s.back(3)
    assert s.state is State.PAUSED and s.view().diverged_at is None
    # A smaller alpha from here is a new future: no blow-up any more.
    s.update(alpha=0.0005)
    assert s.run.diverged_at is None
    s.go_to(70_000)
    assert s.state is State.FINISHED


def test_changing_alpha_after_rewinding_discards_the_old_future():
    s = session(alpha=0.0005)
    s.step(500)
    s.update(alpha=0.0002)
    s.step(500)
    assert [(seg.start, seg.alpha) for seg in s.run.segments] == [(0, 0.0005), (500, 0.0002)]
    s.go_to(100)
    assert s.hyper.alpha == 0.0005  # the alpha field shows the alpha in force here
    s.go_to(700)
    assert s.hyper.alpha == 0.0002
    s.go_to(300)
    s.update(alpha=0.0004)
    assert [(seg.start, seg.alpha) for seg in s.run.segments] == [(0, 0.0005), (300, 0.0004)]
    s.update(every=50)  # other settings leave the run alone
    assert len(s.run.segments) == 2


def test_starting_is_refused_with_a_reason():
    s = session(epochs=10)
    assert s.start("alpha is not a number") == "Not started: alpha is not a number"
    assert s.state is State.PAUSED
    s.go_to(10)
    assert "Finished" in s.start()
    assert s.toggle() is not None and s.state is State.FINISHED


def test_epochs_extends_a_finished_run_and_shortening_moves_to_the_new_end():
    s = session(epochs=100)
    s.go_to(100)
    s.update(epochs=200)
    assert s.state is State.PAUSED and s.epoch == 100
    s.update(epochs=50)
    assert s.state is State.FINISHED and s.epoch == 50


def test_a_view_shows_the_run_up_to_the_cursor():
    s = session()
    s.step(30)
    epochs, costs = s.view().train_history
    assert epochs == list(range(31))
    assert costs[5] == s.run.cost(5)
    s.go_to(10)
    assert s.view().train_history[0] == list(range(11))


@pytest.mark.parametrize("first, last", [(0, 0), (0, 10), (0, 70_000), (5, 10**9)])
def test_samples_are_bounded_and_end_where_training_is(first, last):
    epochs = sample_epochs(first, last, count=100)
    assert epochs[0] == first and epochs[-1] == last
    assert len(epochs) <= 101 and epochs == sorted(set(epochs))


# -- from the mutation check (README, "Mutation check"): behaviours no test above pinned down --


@pytest.mark.parametrize("first, last", [(0, 99), (0, 100), (0, 70_000), (5, 10**9)])
def test_samples_never_exceed_the_count_and_use_all_of_it_on_long_runs(first, last):
    epochs = sample_epochs(first, last, count=100)
    assert len(epochs) <= 100
    if last - first + 1 <= 100:
        assert epochs == list(range(first, last + 1))
    if last - first >= 1000:
        assert len(epochs) == 100  # evenly spread, and no fewer than asked for


def test_a_view_answers_with_the_neuron_on_screen():
    s = session()
    s.step(3000)
    view = s.view()
    moment = s.run.at(3000)
    assert (view.w, view.b, view.dW, view.dB) == (moment.w, moment.b, moment.dW, moment.dB)
    assert (view.cost, view.test_cost) == (moment.cost, moment.test_cost)
    assert (view.w0, view.b0) == (0.9492, 0.457)
    assert view.predict(70) == 70 * view.w + view.b
    assert view.target == (1.8, 32) and view.correct(70) == 158
    assert view.distance_to_target == math.hypot(view.w - 1.8, view.b - 32)
    assert view.epochs == 70_000 and view.hyper == s.hyper and view.data is s.data


def test_the_history_leaves_out_costs_that_overflowed_and_data_without_test_points():
    # x as large as 1e150: the first step overshoots so far that the cost is infinite.
    points = DataSet("huge", "x", "y", array("d", [0.0, 1e150]), array("d", [0.0, 1e150]), array("d"), array("d"))
    s = Session(Hyperparameters(w0=0.0, b0=0.0, alpha=1.0), points)
    s.go_to(10)
    view = s.view()
    assert s.state is State.DIVERGED and view.epoch == 1 and math.isinf(view.cost)
    assert view.train_history == ([0], [s.run.cost(0)])
    assert view.test_history == ([], []) and view.test_cost is None


def test_a_changed_initial_neuron_waits_for_a_reset():
    s = session()
    s.step(10)
    assert not s.view().init_pending
    s.update(w0=0.1)
    view = s.view()
    assert view.init_pending and view.w0 == 0.9492 and view.epoch == 10
    s.reset()
    view = s.view()
    assert not view.init_pending and view.epoch == 0 and (view.w, view.b) == (0.1, 0.457)


def test_a_new_random_start_draws_a_new_seed_and_a_plain_reset_keeps_it():
    s = session(seed=5)
    s.step(10)
    s.reset(new_random_start=True)
    view = s.view()
    assert view.epoch == 0 and s.hyper.seed is not None and s.hyper.seed != 5
    assert (s.hyper.w0, s.hyper.b0) == (None, None)
    assert (view.w0, view.b0) == s.hyper.initial_neuron() and 0 <= view.w0 < 1 and 0 <= view.b0 < 1
    s.step(10)
    s.reset()
    assert (s.view().w0, s.view().b0, s.epoch) == (view.w0, view.b0, 0)


def test_start_pause_and_toggle_from_every_state():
    s = session(epochs=100)
    assert s.toggle() is None and s.state is State.RUNNING
    assert s.start() is None and s.state is State.RUNNING  # already running: nothing to say
    assert s.toggle() is None and s.state is State.PAUSED
    s.go_to(100)
    assert s.start().startswith("Finished") and s.toggle().startswith("Finished")
    s.run_to_end()
    assert s.state is State.FINISHED and not s.fast_forward
    blown = session(w0=0.3, b0=0.7, alpha=0.001)
    blown.go_to(10**6)
    assert blown.state is State.DIVERGED and blown.start().startswith("Diverged")
    blown.pause()
    blown.run_to_end()
    assert blown.state is State.DIVERGED and not blown.fast_forward


def test_a_paused_worker_waits_instead_of_spinning_and_wakes_at_once_on_a_change():
    s = session()
    # Lower bounds only: a busy machine makes a wait longer, never shorter.
    started = time.monotonic()
    assert s.wait_until_running(0.05) is False
    assert time.monotonic() - started >= 0.045
    started = time.monotonic()
    s.wait_for_change(0.05)
    assert time.monotonic() - started >= 0.045
    woke = []
    waiter = threading.Thread(target=lambda: woke.append(s.wait_until_running(120)))
    waiter.start()
    s.start()
    waiter.join(60)
    assert woke == [True]
    changed = threading.Thread(target=lambda: s.wait_for_change(120))
    changed.start()
    deadline = time.monotonic() + 60
    while changed.is_alive() and time.monotonic() < deadline:
        s.pause()  # every call is a change; one of them lands while the thread waits
        changed.join(0.05)
    assert not changed.is_alive()


def test_fast_forward_ends_when_the_cursor_is_moved():
    s = session(epochs=10**6)
    s.run_to_end()
    s.go_to(500)
    assert not s.fast_forward and s.state is State.PAUSED
    s.run_to_end()
    s.step()
    assert not s.fast_forward and s.epoch == 501


def test_a_saved_running_session_says_paused_and_comes_back_where_it_stood():
    s = session(every=100)
    s.step(250)
    s.update(alpha=0.0004)
    s.start()
    s.train_towards_report()
    saved = s.to_dict()
    assert (saved["state"], saved["epoch"], saved["hyperparameters"]["alpha"]) == ("paused", 300, 0.0004)
    assert saved["hyperparameters"] == asdict(s.hyper) and saved["data"] == asdict(s.data.spec)
    back = Session.restore(s.hyper, s.data, Run.from_dict(saved["run"], s.data), saved["epoch"])
    assert back.state is State.PAUSED and back.view().moment == s.view().moment
    assert back.run.segments == s.run.segments and back.run.start_cost == s.run.start_cost
    blown = session(w0=0.3, b0=0.7, alpha=0.001)
    blown.go_to(10**6)
    saved = blown.to_dict()
    assert saved["state"] == "diverged"
    back = Session.restore(blown.hyper, blown.data, Run.from_dict(saved["run"], blown.data), saved["epoch"])
    assert back.state is State.DIVERGED and back.epoch == blown.epoch


def test_a_model_is_adopted_in_the_data_units_even_when_training_normalized():
    data = build_data(DataSpec(normalize=True))
    s = Session(Hyperparameters(w0=0.5, b0=0.5), data)
    s.step(5)
    hyper = Hyperparameters(epochs=500, alpha=0.1, every=50, w0=0.25, b0=0.75)
    s.adopt_model({"w": 1.7, "b": 30.0, "epoch": 200, "init": {"w": 0.25, "b": 0.75}, "hyperparameters": asdict(hyper)})
    view = s.view()
    assert view.epoch == 200 and s.state is State.PAUSED and s.hyper == hyper
    assert view.w == pytest.approx(1.7, rel=1e-12) and view.b == pytest.approx(30.0, rel=1e-12)
    assert (view.w0, view.b0) == (0.25, 0.75)
    s.go_to(0)
    assert s.epoch == 200  # a model has no past before its epoch


def test_new_data_starts_over_with_the_same_settings():
    s = session(alpha=0.0004)
    s.step(100)
    data = build_data(DataSpec(preset="km2mi"))
    s.use_data(data)
    assert s.epoch == 0 and s.data is data and s.run.data is data and s.hyper.alpha == 0.0004
    assert s.max_stable_alpha == max_stable_alpha(data.train)


def test_a_view_and_a_beat_are_snapshots_nobody_can_change():
    from dataclasses import FrozenInstanceError

    s = session(every=10)
    view = s.view()
    s.start()
    beat = s.train_towards_report()
    with pytest.raises(FrozenInstanceError):
        view.state = State.RUNNING
    with pytest.raises(FrozenInstanceError):
        beat.running = False
    pinned = s.toggle_pin()
    with pytest.raises(FrozenInstanceError):
        pinned.epoch = 0
    assert view.state is State.PAUSED and view.epoch == 0 and s.epoch == 10 and pinned.epoch == 10
    s.pause()
    idle = s.train_towards_report()
    assert (idle.at_report, idle.running, idle.pace) == (False, False, None)  # the worker goes back to waiting


def test_a_pinned_run_keeps_its_alpha_and_goes_with_a_change_of_data():
    s = session(alpha=0.0005)
    s.step(10)
    pinned = s.toggle_pin()
    assert s.pinned is pinned and pinned.alpha == 0.0005 and pinned.epoch == 10
    s.update(alpha=0.0003)
    assert s.pinned.alpha == 0.0005  # the ghost keeps the alpha it ran with
    s.use_data(build_data(DataSpec(preset="km2mi")))
    assert s.pinned is None  # other data, other axes


def test_a_restored_session_keeps_its_pin():
    s = session()
    s.step(5)
    pinned = s.toggle_pin()
    restored = Session.restore(s.hyper, s.data, s.run, 5, pinned=pinned)
    assert restored.pinned is pinned and restored.epoch == 5


def test_the_test_history_is_the_test_cost_at_the_sampled_epochs():
    s = session()
    s.step(20)
    epochs, costs = s.view().test_history
    assert epochs == s.view().train_history[0] and epochs[-1] == 20
    assert costs == [s.run.test_cost(epoch) for epoch in epochs]


def test_every_move_is_a_new_version():
    s = session(epochs=30)
    versions = [s.view().version]
    for move in (lambda: s.step(3), lambda: s.back(), lambda: s.go_to(12), lambda: s.go_to(30)):
        move()
        versions.append(s.view().version)
    assert versions == sorted(set(versions))  # each move a newer view: the screen follows
    s.step(5)
    assert s.state is State.FINISHED and s.epoch == 30


def test_training_never_goes_backwards():
    s = session()
    s.step(10)
    s.step(0)
    s.step(-3)
    assert s.epoch == 10


def test_a_lower_alpha_one_epoch_before_the_blow_up_goes_on_past_it():
    s = session(alpha=0.001)
    s.go_to(70_000)
    assert s.state is State.DIVERGED
    blow_up = s.epoch
    s.back()
    s.update(alpha=0.0005)
    assert s.state is State.PAUSED and s.epoch == blow_up - 1
    s.step(2)
    assert s.state is State.PAUSED and s.epoch == blow_up + 1


def test_each_report_the_worker_trains_is_a_new_version():
    s = session(every=100)
    s.start()
    before = s.view().version
    beat = s.train_towards_report()
    assert beat.at_report and beat.running and s.epoch == 100
    assert s.view().version > before  # the screen learns of the report


def test_paced_playback_trains_to_the_epoch_due_only_while_running():
    s = session(every=100, pace=20)
    assert s.train_to(5) == Beat(at_report=False, running=False, pace=None) and s.epoch == 0
    s.start()
    assert s.train_to(5) == Beat(at_report=True, running=True, pace=20) and s.epoch == 5
    s.go_to(69_990)
    s.start()
    assert s.train_to(80_000) == Beat(at_report=True, running=False, pace=20)  # the end stops it
    assert s.epoch == 70_000 and s.state is State.FINISHED


def test_a_report_is_not_trained_while_paused():
    s = session(every=100)
    assert s.train_towards_report() == Beat(at_report=False, running=False, pace=None)
    assert s.epoch == 0


def test_going_to_an_epoch_pauses_a_running_session():
    s = session()
    s.start()
    s.go_to(250)
    assert s.state is State.PAUSED and s.epoch == 250
    s.run_to_end()
    s.go_to(10)
    assert s.state is State.PAUSED and not s.fast_forward


def test_fast_forward_and_pinning_are_new_versions():
    s = session()
    for change in (s.run_to_end, s.toggle_pin, s.toggle_pin):
        before = s.view().version
        change()
        assert s.view().version > before


def test_more_epochs_after_the_end_go_on_from_there():
    s = session(epochs=100)
    s.go_to(100)
    assert s.state is State.FINISHED
    s.update(epochs=200)
    assert s.state is State.PAUSED and s.epoch == 100
    s.step(50)
    assert s.epoch == 150


def test_a_change_while_running_keeps_it_running():
    s = session()
    s.start()
    s.update(alpha=0.0004)
    s.update(epochs=80_000)
    assert s.state is State.RUNNING


@pytest.mark.unit
def test_the_changes_update_takes_name_every_hyperparameter_and_nothing_else():
    """``Session.update``'s type lists the fields by hand: a field added to Hyperparameters must join it."""
    from dataclasses import fields

    from nanoneuron_tui.params import HyperparameterChanges, Hyperparameters

    assert set(HyperparameterChanges.__annotations__) == {field.name for field in fields(Hyperparameters)}
