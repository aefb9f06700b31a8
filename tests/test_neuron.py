"""The literal port reproduces what the original NanoNeuron.js prints."""

import pytest

from nanoneuron_tui.core.neuron import (
    NanoNeuron,
    backward_propagation,
    celsius_to_fahrenheit,
    forward_propagation,
    generate_data_sets,
    prediction_cost,
    train_model,
)
from tests.helpers import REFERENCE, close

pytestmark = pytest.mark.unit


def test_reproduces_the_original_run():
    model = NanoNeuron(REFERENCE["w0"], REFERENCE["b0"])
    x_train, y_train, x_test, y_test = generate_data_sets()
    history = train_model(model, REFERENCE["epochs"], REFERENCE["alpha"], x_train, y_train)
    _, test_cost = forward_propagation(model, x_test, y_test)

    assert len(history) == REFERENCE["epochs"]
    assert close(history[0], REFERENCE["cost_first"])
    assert close(history[-1], REFERENCE["cost_last"])
    assert close(model.w, REFERENCE["w"])
    assert close(model.b, REFERENCE["b"])
    assert close(test_cost, REFERENCE["test_cost"])
    assert close(model.predict(70), REFERENCE["predict_70"])


def test_data_sets_follow_the_article():
    x_train, y_train, x_test, y_test = generate_data_sets()
    assert x_train == list(range(100))
    assert x_test == [i + 0.5 for i in range(100)]
    assert y_train[:3] == [32, 33.8, 35.6]
    assert y_test[0] == pytest.approx(32.9)
    assert celsius_to_fahrenheit(100) == 212


def test_cost_and_gradient_signs():
    assert prediction_cost(10, 7) == 4.5
    # Predictions that are too low must push w and b up (positive dW, dB).
    dW, dB = backward_propagation([0.0, 0.0], [1.0, 2.0], [3.0, 5.0])
    assert (dW, dB) == ((3 * 1 + 5 * 2) / 2, (3 + 5) / 2)


def test_functions_use_the_model_they_are_given():
    # The original's forward_propagation read a global neuron; ours must not.
    a, b = NanoNeuron(1.0, 0.0), NanoNeuron(2.0, 0.0)
    assert forward_propagation(a, [1.0], [1.0])[1] == 0.0
    assert forward_propagation(b, [1.0], [1.0])[1] == 0.5
    train_model(b, 1, 0.1, [1.0], [1.0])
    assert (a.w, a.b) == (1.0, 0.0)
    assert b.w != 2.0
