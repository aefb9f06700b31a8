"""NanoNeuron: seven small functions that show how a machine learns.

A literal Python port of the article "NanoNeuron - 7 simple JS functions that
explain how machines learn". It is the lesson, kept deliberately plain: every
loop walks the data one point at a time, exactly as the original does, so the
numbers it prints agree with the JavaScript to the last bit or so.

The app trains with ``trainer.py``, which is much faster; a test proves that
the two agree.
"""

from __future__ import annotations


class NanoNeuron:
    """One linear neuron: it predicts y from x as ``x * w + b``.

    ``w`` (weight) and ``b`` (bias) are all it knows. Training nudges them
    until its predictions match the data.
    """

    def __init__(self, w: float, b: float) -> None:
        self.w = w
        self.b = b

    def predict(self, x: float) -> float:
        return x * self.w + self.b


def celsius_to_fahrenheit(c: float) -> float:
    """The rule NanoNeuron has to discover: f = 1.8 * c + 32."""
    w = 1.8
    b = 32
    return c * w + b


def generate_data_sets() -> tuple[list[float], list[float], list[float], list[float]]:
    """Examples to learn from (training) and to check on (test).

    Training uses whole degrees 0..99; test uses the half degrees in between
    (0.5..99.5), so the neuron is judged on values it never saw.
    """
    x: float  # whole degrees, then the half degrees
    x_train: list[float] = []
    y_train: list[float] = []
    for x in range(100):
        x_train.append(x)
        y_train.append(celsius_to_fahrenheit(x))

    x_test: list[float] = []
    y_test: list[float] = []
    x = 0.5
    while x < 100:
        x_test.append(x)
        y_test.append(celsius_to_fahrenheit(x))
        x += 1

    return x_train, y_train, x_test, y_test


def prediction_cost(y: float, prediction: float) -> float:
    """How wrong one prediction is: half the squared difference.

    Squaring makes every error positive and punishes big misses most; the
    half cancels the 2 that appears when the square is differentiated.
    """
    return (y - prediction) ** 2 / 2


def forward_propagation(model: NanoNeuron, x_train: list[float], y_train: list[float]) -> tuple[list[float], float]:
    """Predict every example and measure the average cost of those predictions."""
    m = len(x_train)
    predictions: list[float] = []
    cost = 0.0
    for i in range(m):
        prediction = model.predict(x_train[i])
        cost += prediction_cost(y_train[i], prediction)
        predictions.append(prediction)
    # The average, so that the cost does not depend on how many examples there are.
    cost /= m
    return predictions, cost


def backward_propagation(predictions: list[float], x_train: list[float], y_train: list[float]) -> tuple[float, float]:
    """Which way, and how far, should w and b move to lower the cost?

    dW and dB are the average of (y - prediction) * x and of (y - prediction):
    the *negative* gradient of the cost, so training adds them (``w += alpha * dW``).
    A prediction that is too low gives a positive difference and pushes w and b up.
    """
    m = len(x_train)
    dW = 0.0
    dB = 0.0
    for i in range(m):
        dW += (y_train[i] - predictions[i]) * x_train[i]
        dB += y_train[i] - predictions[i]
    dW /= m
    dB /= m
    return dW, dB


def train_model(
    model: NanoNeuron,
    epochs: int,
    alpha: float,
    x_train: list[float],
    y_train: list[float],
) -> list[float]:
    """Repeat predict, measure, adjust -- ``epochs`` times.

    ``alpha`` (the learning rate) sets how big each adjustment is: too small and
    learning crawls, too large and every step overshoots until the cost explodes.
    Returns the cost measured before each adjustment, so ``history[0]`` is the
    cost of the untrained neuron.
    """
    cost_history: list[float] = []
    for _epoch in range(epochs):
        predictions, cost = forward_propagation(model, x_train, y_train)
        cost_history.append(cost)
        dW, dB = backward_propagation(predictions, x_train, y_train)
        model.w += alpha * dW
        model.b += alpha * dB
    return cost_history
