"""The session: a cursor on the run that steps, rewinds and jumps exactly, and a state machine."""

import math

import pytest

from nanoneuron_tui.core.data import celsius_to_fahrenheit_data
from nanoneuron_tui.core.neuron import NanoNeuron, forward_propagation, train_model
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session, State, sample_epochs

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
