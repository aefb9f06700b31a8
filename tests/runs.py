"""A stand-in for a training run, stepped with the literal port's update rule."""

from nanoneuron_tui.core.data import DataSet


class SteppedRun:
    """w, b at any epoch by applying ``w += alpha·dW, b += alpha·dB`` one epoch at a time
    (through the data's summaries, so a long run is still quick)."""

    def __init__(self, data: DataSet, w0: float, b0: float, alpha: float, first_epoch: int = 0) -> None:
        self.data, self.w0, self.b0, self.alpha, self.first_epoch = data, w0, b0, alpha, first_epoch
        self._fit = data.training_fits[0]
        self._trained = [data.to_training(w0, b0)]

    def trained_neuron(self, epoch: int) -> tuple[float, float]:
        while len(self._trained) <= epoch - self.first_epoch:
            w, b = self._trained[-1]
            dW, dB = self._fit.gradient(w, b)
            self._trained.append((w + self.alpha * dW, b + self.alpha * dB))
        return self._trained[epoch - self.first_epoch]

    def neuron(self, epoch: int) -> tuple[float, float]:
        return self.data.from_training(*self.trained_neuron(epoch))

    def cost(self, epoch: int) -> float:
        return self._fit.cost(*self.trained_neuron(epoch))

    def curves(self, epoch: int, goal: int = 70_000, paused: bool = True):
        """The cost plot's inputs at ``epoch``, every epoch drawn."""
        from nanoneuron_tui.widgets.cost_plot import CostCurves

        epochs = list(range(self.first_epoch, epoch + 1))
        return CostCurves((epochs, [self.cost(e) for e in epochs]), ((), ()), self.first_epoch, epoch, goal, paused)
