"""Recurrent neural network (循环神经网络): one layer applied at every step, fed its own last state.

With the same weights at every step, h_t = tanh(W_x x_t + W_h h_(t−1) + b).

The hidden state ``h_t`` carries what the network has seen so far from one
step to the next. A *recurrent neuron* (循环神经元) is one unit of such a
layer: a neuron whose input includes its own output at the previous step.
Keras's ``SimpleRNN`` works with row vectors, h_t = tanh(x_t W_xᵀ + h_(t−1) W_hᵀ + b):
it stores ``W_xᵀ`` as ``kernel`` (features × units), ``W_hᵀ`` as
``recurrent_kernel`` (units × units) and ``b`` as ``bias``.

One recurrent neuron with input weight 1 and recurrent weight 0.5, fed a
single pulse: the pulse is remembered, and fades, step after step.

>>> h = numpy_rnn(np.array([[[1.0], [0.0], [0.0]]]), [[1.0]], [[0.5]], [0.0])
>>> np.round(h[0, :, 0], 4).tolist()
[0.7616, 0.3634, 0.1797]
>>> rnn_parameter_count(features=4, units=5)  # 4·5 + 5·5 + 5, for any sequence length
50
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import table

FEATURES = 4
UNITS = 5
LENGTHS = (5, 50, 500)  # sequence lengths for the parameter count
PULSE_GAINS = (0.5, 0.9, 1.5)  # recurrent weights of the one-neuron plot


def numpy_rnn(x, kernel, recurrent_kernel, bias, h0=None) -> np.ndarray:
    """A tanh RNN in NumPy: the hidden state after every step, shape (batch, time, units).

    The loop applies the *same* three weight arrays at every step:
    ``h_t = tanh(x_t @ kernel + h_(t-1) @ recurrent_kernel + bias)``, from
    ``h_0 = 0`` unless ``h0`` is given (Keras's layout: row vectors).
    """
    x = np.asarray(x, dtype="float64")
    kernel, recurrent_kernel, bias = (np.asarray(a, dtype="float64")
                                      for a in (kernel, recurrent_kernel, bias))
    batch, steps, _ = x.shape
    h = np.zeros((batch, kernel.shape[1])) if h0 is None else np.asarray(h0, dtype="float64")
    states = []
    for t in range(steps):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        states.append(h)
    return np.stack(states, axis=1)


def rnn_parameter_count(features: int, units: int) -> int:
    """Weights of a SimpleRNN: kernel, recurrent kernel, bias; no time axis anywhere.

    >>> rnn_parameter_count(features=1, units=1)
    3
    """
    return features * units + units * units + units


def random_inputs(batch: int = 3, steps: int = 12, seed_value: int = 0) -> np.ndarray:
    """A batch of random sequences, shape (batch, steps, FEATURES)."""
    rng = np.random.default_rng(seed_value)
    return rng.normal(size=(batch, steps, FEATURES)).astype("float32")


def keras_simple_rnn(units: int = UNITS, seed_value: int = 0, **kwargs):
    """A built ``SimpleRNN`` (Keras's default initializers) with a random, non-zero bias.

    Keras starts the bias at zero; a random one makes the comparison with
    NumPy test the bias too.
    """
    keras.utils.set_random_seed(seed_value)
    layer = keras.layers.SimpleRNN(units, seed=seed_value, **kwargs)
    layer.build((None, None, FEATURES))
    kernel, recurrent_kernel, bias = layer.get_weights()
    bias = np.random.default_rng(seed_value).normal(scale=0.5, size=bias.shape)
    layer.set_weights([kernel, recurrent_kernel, bias.astype("float32")])
    return layer


def cross_check() -> dict[str, object]:
    """The NumPy loop, given ``SimpleRNN``'s own weights, reproduces every time step.

    Compared with ``return_sequences=True`` (all hidden states), with the
    state the layer returns at the end (``return_state=True``), and with the
    unrolled version (``unroll=True``: the loop written out as 12 copies of
    the step, same weights).
    """
    x = random_inputs()
    layer = keras_simple_rnn(return_sequences=True, return_state=True)
    outputs, final_state = (v.numpy() for v in layer(x))
    kernel, recurrent_kernel, bias = layer.get_weights()
    ours = numpy_rnn(x, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(outputs, ours, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(final_state, ours[:, -1], rtol=1e-5, atol=1e-6)
    unrolled = keras_simple_rnn(return_sequences=True, unroll=True)
    unrolled.set_weights(layer.get_weights())
    np.testing.assert_allclose(unrolled(x).numpy(), outputs, rtol=1e-6, atol=1e-6)
    return {
        "input shape (batch, time, features)": x.shape,
        "kernel, recurrent_kernel, bias shapes": [kernel.shape, recurrent_kernel.shape,
                                                  bias.shape],
        "hidden states compared": ours.size,
        "max |Keras − NumPy|, all steps": float(np.abs(outputs - ours).max()),
        "final state equals last output": bool(np.array_equal(final_state, outputs[:, -1])),
        "max |unroll=True − loop|": float(np.abs(unrolled(x).numpy() - outputs).max()),
    }


def parameter_counts() -> dict[int, int]:
    """``count_params()`` of one ``SimpleRNN(UNITS)`` built for several sequence lengths.

    The same layer (the same weights) then runs on sequences of any length.
    """
    counts = {}
    for steps in LENGTHS:
        layer = keras.layers.SimpleRNN(UNITS)
        layer.build((None, steps, FEATURES))
        counts[steps] = layer.count_params()
    return counts


def pulse_response(gain: float, steps: int = 25) -> np.ndarray:
    """One recurrent neuron (input weight 1, recurrent weight ``gain``, no bias)
    after a single pulse of 1 at the first step: h_1 … h_steps."""
    x = np.zeros((1, steps, 1))
    x[0, 0, 0] = 1.0
    return numpy_rnn(x, [[1.0]], [[gain]], [0.0])[0, :, 0]


@functools.cache
def trajectories(steps: int = 40) -> dict[str, np.ndarray]:
    """A 3-unit ``SimpleRNN`` (default initializers, seed 0) reading a noisy sine wave."""
    keras.utils.set_random_seed(0)
    t = np.arange(steps)
    noise = np.random.default_rng(0).normal(scale=0.1, size=steps)
    x = (np.sin(2 * np.pi * t / 20) + noise).astype("float32")[None, :, None]
    layer = keras.layers.SimpleRNN(3, return_sequences=True, seed=0)
    return {"input": x[0, :, 0], "hidden": layer(x).numpy()[0]}


def plot_trajectories():
    """Hidden states over time: a 3-unit layer (left) and one neuron after a pulse (right)."""
    import matplotlib.pyplot as plt

    traj = trajectories()
    steps = np.arange(1, len(traj["input"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(steps, traj["input"], color="gray", lw=1, ls="--", label="input $x_t$")
    for i in range(traj["hidden"].shape[1]):
        ax1.plot(steps, traj["hidden"][:, i], lw=1.8, label=f"$h_t$, unit {i + 1}")
    ax1.set(xlabel="time step t", ylabel="value", ylim=(-1.25, 1.75),
            title="SimpleRNN(3) reading a noisy sine wave")
    ax1.legend(fontsize=7, ncol=4, loc="upper center", handlelength=1.2, columnspacing=0.8)
    for gain in PULSE_GAINS:
        h = pulse_response(gain)
        ax2.plot(np.arange(1, len(h) + 1), h, marker="o", ms=3, label=f"$w_h$ = {gain}")
    ax2.set(xlabel="time step t (pulse $x_1 = 1$, then $x_t = 0$)", ylabel="$h_t$",
            title=r"One recurrent neuron: $h_t = \tanh(x_t + w_h h_{t-1})$")
    ax2.legend(fontsize=8)
    return fig


def show_example() -> None:
    """One SimpleRNN layer: its weights, its output shapes, its steps."""
    x = random_inputs()
    layer = keras_simple_rnn()
    kernel, recurrent_kernel, bias = layer.get_weights()
    every_step = keras_simple_rnn(return_sequences=True)
    print(table({
        "input x (batch, time, features)": x.shape,
        "kernel = W_xᵀ (features, units)": kernel.shape,
        "recurrent_kernel = W_hᵀ (units, units)": recurrent_kernel.shape,
        "bias b (units,)": bias.shape,
        "output, return_sequences=False": tuple(layer(x).shape),
        "output, return_sequences=True": tuple(every_step(x).shape),
    }))
    print()
    print("A 4-step unit pulse through one neuron (input weight 1, recurrent weight 0.5):")
    with np.printoptions(precision=4, suppress=True):
        print("h_t =", pulse_response(0.5, steps=4))


def show_unrolling() -> None:
    """The parameter count does not depend on the number of steps."""
    rows = {f"SimpleRNN({UNITS}) on {steps} steps of {FEATURES} features: parameters": n
            for steps, n in parameter_counts().items()}
    rows[f"{FEATURES}·{UNITS} + {UNITS}·{UNITS} + {UNITS}"] = rnn_parameter_count(FEATURES, UNITS)
    print(table(rows))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_unrolling, plot_trajectories, show_cross_check)
