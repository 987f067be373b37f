"""Neuron (神经元): a weighted sum of the inputs plus a bias, passed through an activation.

A neuron with weights ``w`` and bias ``b`` computes ``z = w·x + b`` (a linear
function of its inputs) and outputs ``a = g(z)`` for an activation function
``g``. In Keras a neuron is one unit of a ``Dense`` layer: one column of the
layer's kernel and one entry of its bias. The bias is the negative of a
threshold: ``w·x + b > 0`` is the same test as ``w·x > -b``.

>>> pre_activation([1.0, 2.0], w=[3.0, 1.0], b=-1.0)
4.0
>>> neuron_numpy([1.0, 2.0], w=[3.0, 1.0], b=-1.0, activation="relu")
4.0
>>> neuron_numpy([0.0, 0.0], w=[3.0, 1.0], b=-1.0, activation="relu")
0.0
>>> round(neuron_numpy([0.0, 0.0], w=[3.0, 1.0], b=1.0, activation="sigmoid"), 4)
0.7311
"""

from __future__ import annotations

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import table

#: The example neuron of the page: fires when 2·x1 − x2 exceeds the threshold 1.
W = (2.0, -1.0)
B = -1.0

#: Activations in NumPy, by their Keras names ("linear" is no activation at all).
ACTIVATIONS = {
    "linear": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
}


def pre_activation(x, w, b: float):
    """The linear part ``z = w·x + b`` for one input ``x`` or a batch of rows.

    >>> pre_activation([[1.0, 0.0], [0.0, 1.0]], w=[2.0, -1.0], b=-1.0).tolist()
    [1.0, -2.0]
    """
    z = np.asarray(x, dtype="float64") @ np.asarray(w, dtype="float64") + b
    return float(z) if np.ndim(z) == 0 else z


def neuron_numpy(x, w, b: float, activation: str = "sigmoid"):
    """One neuron in NumPy: ``g(w·x + b)`` with ``g`` named as in Keras."""
    out = ACTIVATIONS[activation](np.asarray(pre_activation(x, w, b)))
    return float(out) if np.ndim(out) == 0 else out


def keras_neuron(w, b: float, activation: str = "sigmoid"):
    """A ``Dense(1)`` layer holding exactly the weights ``w`` and the bias ``b``.

    Keras stores a layer's weights as a kernel of shape (inputs, units) and a
    bias of shape (units,); a single neuron is a kernel with one column.
    """
    w = np.asarray(w, dtype="float32")
    layer = keras.layers.Dense(1, activation=activation)
    layer.build((None, w.size))
    layer.set_weights([w.reshape(-1, 1), np.array([b], dtype="float32")])
    return layer


def neuron_keras(x, w, b: float, activation: str = "sigmoid") -> np.ndarray:
    """The same neuron run by Keras on a batch of inputs (one row each)."""
    layer = keras_neuron(w, b, activation)
    return layer(np.asarray(x, dtype="float32")).numpy()[:, 0]


def example_inputs() -> np.ndarray:
    """A few 2-D inputs on both sides of the example neuron's threshold."""
    return np.array([[0, 0], [1, 0], [1, 1], [0, 1], [2, 1], [-1, -2]], dtype="float32")


def cross_check(n: int = 200, inputs: int = 3, seed: int = 0) -> dict[str, float]:
    """Keras's ``Dense(1, activation=g)`` equals ``g(x @ w + b)`` in NumPy.

    Random inputs, weights and bias; one comparison per activation, asserted
    with ``np.testing.assert_allclose`` before the differences are returned.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, inputs)).astype("float32")
    w = rng.normal(size=inputs).astype("float32")
    b = float(rng.normal())
    result: dict[str, float] = {}
    for name in ACTIVATIONS:
        by_keras = neuron_keras(x, w, b, name)
        by_numpy = neuron_numpy(x, w, b, name)
        np.testing.assert_allclose(by_keras, by_numpy, rtol=1e-5, atol=1e-6)
        result[f"max |Keras - NumPy|, {name}"] = float(np.abs(by_keras - by_numpy).max())
    layer = keras_neuron(w, b, "sigmoid")
    result["Keras kernel shape"] = str(tuple(layer.kernel.shape))
    result["Keras bias shape"] = str(tuple(layer.bias.shape))
    return result


def plot_neuron():
    """Left: one sigmoid neuron over the input plane. Right: w and b in 1-D."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")

    grid = np.linspace(-3, 3, 241)
    x1, x2 = np.meshgrid(grid, grid)
    a = neuron_numpy(np.stack([x1.ravel(), x2.ravel()], axis=1), W, B, "sigmoid")
    image = ax1.contourf(x1, x2, a.reshape(x1.shape), levels=np.linspace(0, 1, 11), cmap="RdBu_r")
    fig.colorbar(image, ax=ax1, label="output a = sigmoid(z)")
    ax1.plot(grid, (W[0] * grid + B) / -W[1], "k-", lw=2, label="w·x + b = 0 (a = 0.5)")
    ax1.annotate("", xy=(W[0] / 2, -1 + W[1] / 2), xytext=(0.0, -1.0),
                 arrowprops=dict(arrowstyle="->", lw=2, color="k"))
    ax1.text(1.1, -1.9, "w", fontsize=12, fontweight="bold")
    pts = example_inputs()
    ax1.scatter(pts[:, 0], pts[:, 1], c="k", s=18, zorder=3, label="example inputs")
    ax1.set(xlim=(-3, 3), ylim=(-3, 3), xlabel="x1", ylabel="x2", aspect="equal")
    ax1.set_title(f"One sigmoid neuron, w = {list(W)}, b = {B}", fontsize=10)
    ax1.legend(loc="upper left", fontsize=8)

    x = np.linspace(-4, 4, 401)
    for w, b in [(1.0, 0.0), (4.0, 0.0), (4.0, -4.0), (-2.0, -2.0)]:
        a = neuron_numpy(x[:, None], [w], b, "sigmoid")
        (line,) = ax2.plot(x, a, label=f"w = {w:g}, b = {b:g}")
        ax2.axvline(-b / w, color=line.get_color(), ls=":", lw=1)
    ax2.set(xlabel="input x", ylabel="output a", ylim=(-0.05, 1.05))
    ax2.set_title("w sets the slope, b moves the step to x = -b/w", fontsize=10)
    ax2.legend(loc="center right", fontsize=8)
    return fig


def show_example() -> None:
    """The example neuron, run by Keras, on a few inputs, with two activations."""
    x = example_inputs()
    wx = x @ np.asarray(W, dtype="float32")
    z = wx + B
    sig = neuron_keras(x, W, B, "sigmoid")
    relu = neuron_keras(x, W, B, "relu")
    print(f"w = {list(W)}, b = {B}, threshold = -b = {-B}")
    print(f"{'x1':>5} {'x2':>5} {'w·x':>6} {'z=w·x+b':>8} {'sigmoid':>8} {'relu':>6}  w·x > threshold")
    for row, p, q, s, r in zip(x, wx, z, sig, relu):
        print(f"{row[0]:5.1f} {row[1]:5.1f} {p:6.2f} {q:8.2f} {s:8.3f} {r:6.2f}  {bool(p > -B)}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_neuron, show_cross_check)
