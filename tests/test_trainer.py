"""The fast trainer agrees with the literal port, and behaves at the edges."""

import math
import random
import tracemalloc
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoneuron_tui.core.data import DataSet, LineFit, celsius_to_fahrenheit_data
from nanoneuron_tui.core.neuron import NanoNeuron, forward_propagation, train_model
from nanoneuron_tui.core.trainer import CostHistory, Trainer, _modes
from tests.helpers import REFERENCE, close

pytestmark = pytest.mark.unit


def agree(fast: float, literal: float) -> bool:
    return math.isclose(fast, literal, rel_tol=1e-9, abs_tol=1e-12)


def fast_history(trainer: Trainer, epochs: int, every: int) -> list[float]:
    history: list[float] = []
    for report in trainer.reports(epochs, every):
        history.extend(report.costs)
    return history


def test_matches_the_reference_run():
    data = celsius_to_fahrenheit_data()
    trainer = Trainer(data.train, REFERENCE["w0"], REFERENCE["b0"], REFERENCE["alpha"], test=data.test)
    history = fast_history(trainer, REFERENCE["epochs"], every=1000)
    assert len(history) == REFERENCE["epochs"]
    assert close(history[0], REFERENCE["cost_first"])
    assert close(history[-1], REFERENCE["cost_last"])
    assert close(trainer.w, REFERENCE["w"])
    assert close(trainer.b, REFERENCE["b"])
    assert close(trainer.progress().test_cost, REFERENCE["test_cost"])


def test_every_epoch_matches_the_literal_port_on_the_seed_run():
    data = celsius_to_fahrenheit_data()
    model = NanoNeuron(REFERENCE["w0"], REFERENCE["b0"])
    literal = train_model(model, 20000, REFERENCE["alpha"], list(data.x_train), list(data.y_train))
    trainer = Trainer(data.train, REFERENCE["w0"], REFERENCE["b0"], REFERENCE["alpha"])
    fast = fast_history(trainer, 20000, every=777)
    assert all(agree(f, l) for f, l in zip(fast, literal, strict=True))


def points(draw, n_min=2, n_max=25):
    n = draw(st.integers(n_min, n_max))
    xs = draw(st.lists(st.floats(-60, 60, allow_nan=False), min_size=n, max_size=n))
    if max(xs) - min(xs) < 1.0:  # a line through one x is not defined
        xs[0] = min(xs) - 1.0
    slope = draw(st.floats(-5, 5))
    intercept = draw(st.floats(-50, 50))
    noise = draw(st.sampled_from([0.0, 0.5, 5.0]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    ys = [slope * x + intercept + rng.gauss(0, noise) for x in xs]
    return xs, ys


@st.composite
def runs(draw):
    xs, ys = points(draw)
    fit = LineFit.of(xs, ys)
    fastest_curvature = _modes(fit, 0.0)[0].h
    # Any alpha below 2 / (largest curvature) converges; probe the whole range.
    alpha = draw(st.floats(0.001, 0.95)) * 2 / fastest_curvature
    w0 = draw(st.floats(-3, 3))
    b0 = draw(st.floats(-3, 3))
    epochs = draw(st.integers(1, 400))
    every = draw(st.integers(1, 500))
    return xs, ys, w0, b0, alpha, epochs, every


@settings(max_examples=150, deadline=None)
@given(runs())
def test_every_epoch_agrees_with_the_literal_port(run):
    xs, ys, w0, b0, alpha, epochs, every = run
    model = NanoNeuron(w0, b0)
    literal = train_model(model, epochs, alpha, xs, ys)
    trainer = Trainer(LineFit.of(xs, ys), w0, b0, alpha)
    fast = fast_history(trainer, epochs, every)
    assert len(fast) == len(literal)
    for epoch, (f, l) in enumerate(zip(fast, literal)):
        assert agree(f, l), f"epoch {epoch}: fast {f!r} literal {l!r}"
    assert agree(trainer.w, model.w) and agree(trainer.b, model.b)


@settings(max_examples=40, deadline=None)
@given(runs(), st.floats(-100, 100))
def test_line_fit_cost_and_gradient_match_the_literal_functions(run, shift):
    xs, ys, w0, b0, *_ = run
    fit = LineFit.of(xs, ys)
    model = NanoNeuron(w0 + shift / 50, b0 + shift)
    predictions, cost = forward_propagation(model, xs, ys)
    from nanoneuron_tui.core.neuron import backward_propagation

    dW, dB = backward_propagation(predictions, xs, ys)
    assert agree(fit.cost(model.w, model.b), cost)
    # The gradient near the optimum is a difference of nearly equal terms in
    # the literal version; compare it on the scale of its parts.
    fw, fb = fit.gradient(model.w, model.b)
    scale = max(1.0, math.sqrt(2 * cost)) * max(1.0, max(abs(x) for x in xs))
    assert abs(fw - dW) <= 1e-9 * scale and abs(fb - dB) <= 1e-9 * scale


def test_alpha_can_change_between_chunks():
    data = celsius_to_fahrenheit_data()
    model = NanoNeuron(0.3, 0.7)
    literal = train_model(model, 500, 0.0005, list(data.x_train), list(data.y_train))
    literal += train_model(model, 500, 0.0002, list(data.x_train), list(data.y_train))
    trainer = Trainer(data.train, 0.3, 0.7, 0.0005)
    fast = trainer.advance(500).costs
    trainer.alpha = 0.0002
    fast += trainer.advance(500).costs
    assert all(agree(f, l) for f, l in zip(fast, literal, strict=True))
    assert agree(trainer.w, model.w) and agree(trainer.b, model.b)


def test_divergence_stops_with_the_last_finite_neuron():
    data = celsius_to_fahrenheit_data()
    trainer = Trainer(data.train, 0.3, 0.7, 0.001)
    reports = list(trainer.reports(70000, 10))
    last = reports[-1]
    assert last.diverged and trainer.diverged_at == last.diverged_at
    assert last.diverged_at < 50  # the original passes 1e38 within 50 epochs
    assert last.epoch == last.diverged_at
    assert math.isfinite(trainer.w) and math.isfinite(trainer.b)
    # The blow-up itself is reported, and it is past the limit.
    assert last.costs[-1] > trainer.divergence_limit
    # The literal port, run as far, agrees on every cost it reported.
    literal = train_model(NanoNeuron(0.3, 0.7), last.diverged_at + 1, 0.001, list(data.x_train), list(data.y_train))
    fast = [c for r in reports for c in r.costs]
    assert all(agree(f, l) for f, l in zip(fast, literal, strict=True))
    # Nothing more happens once diverged, and nothing raises.
    assert trainer.advance(100).costs == []
    assert list(trainer.reports(70000, 10)) == []


def test_divergence_to_infinity_never_raises():
    fit = LineFit.of([0.0, 1e150], [0.0, 1e150])
    trainer = Trainer(fit, 0.0, 0.0, 1.0)
    report = trainer.advance(1000)
    assert report.diverged
    assert all(math.isfinite(c) for c in report.costs)
    assert math.isfinite(trainer.w) and math.isfinite(trainer.b)


def test_work_per_epoch_does_not_depend_on_data_size():
    # Same line, 100 points or 100000: identical arithmetic per epoch, so the
    # results are the same; the data is read once, in LineFit.of.
    small = [float(x) for x in range(100)]
    big = [x / 1000 for x in range(100000)]
    for xs in (small, big):
        fit = LineFit.of(xs, [1.8 * x + 32 for x in xs])
        trainer = Trainer(fit, 0.0, 0.0, 0.1 / _modes(fit, 0)[0].h)
        assert len(trainer.advance(1000).costs) == 1000


def test_cost_stays_accurate_near_zero():
    # Exact data: the cost of a neuron a hair off the line is tiny but exact.
    xs = [float(x) for x in range(100)]
    fit = LineFit.of(xs, [2.0 * x + 1.0 for x in xs])
    literal = forward_propagation(NanoNeuron(2.0 + 1e-7, 1.0), xs, [2.0 * x + 1.0 for x in xs])[1]
    assert math.isclose(fit.cost(2.0 + 1e-7, 1.0), literal, rel_tol=1e-6)
    assert fit.cost(2.0, 1.0) >= 0.0


def test_full_history_keeps_every_epoch():
    history = CostHistory()
    history.extend(0, [5.0, 4.0, 3.0])
    history.extend(3, [2.0])
    assert history.points() == ([0, 1, 2, 3], [5.0, 4.0, 3.0, 2.0])
    restored = CostHistory.from_dict(history.to_dict())
    assert restored.points() == history.points() and restored.stride == history.stride


def test_bounded_history_stays_bounded_and_spread():
    history = CostHistory(capacity=100)
    for start in range(0, 100_000, 1000):
        history.extend(start, [float(e) for e in range(start, start + 1000)])
    epochs, costs = history.points()
    assert len(history) <= 100
    assert epochs[0] == 0 and epochs[-1] == 99_999
    assert costs == [float(e) for e in epochs]
    gaps = {b - a for a, b in zip(epochs[:-2], epochs[1:-1])}
    assert gaps == {history.stride}


def test_bounded_history_memory_does_not_grow_with_epochs():
    data = celsius_to_fahrenheit_data()
    trainer = Trainer(data.train, 0.5, 0.5, 0.0005)
    history = CostHistory(capacity=1000)
    tracemalloc.start()
    for report in trainer.reports(2_000_000, 10_000):
        history.extend(report.first_epoch, report.costs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(history) <= 1000
    assert peak < 5_000_000  # one chunk of 10,000 costs, not two million


def test_data_set_rejects_a_single_x():
    with pytest.raises(ValueError, match="two different x"):
        DataSet("flat", "x", "y", array("d", [1, 1]), array("d", [1, 2]), array("d"), array("d"))


def test_core_does_not_import_textual():
    import subprocess
    import sys

    code = (
        "import sys, nanoneuron_tui.core.neuron, nanoneuron_tui.core.trainer, nanoneuron_tui.core.data;"
        "print([m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'plotext')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_test_costs_of_every_epoch_match_the_literal_port():
    data = celsius_to_fahrenheit_data()
    x_train, y_train = list(data.x_train), list(data.y_train)
    x_test, y_test = list(data.x_test), list(data.y_test)
    model = NanoNeuron(0.2, 0.9)
    literal = []
    for _ in range(1500):
        literal.append(forward_propagation(model, x_test, y_test)[1])
        train_model(model, 1, 0.0005, x_train, y_train)
    trainer = Trainer(data.train, 0.2, 0.9, 0.0005, test=data.test, track_test=True)
    fast = [c for report in trainer.reports(1500, 400) for c in report.test_costs]
    assert all(agree(f, l) for f, l in zip(fast, literal, strict=True))
    # Without tracking, nothing extra is computed.
    assert Trainer(data.train, 0.2, 0.9, 0.0005, test=data.test).advance(10).test_costs == []
