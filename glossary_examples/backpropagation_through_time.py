"""Backpropagation through time (通过时间的反向传播): backpropagation through an unrolled RNN.

Unrolled over T steps, a recurrent layer is a T-layer network whose layers
share one set of weights. The chain rule walks back through every step, and
the gradient of a shared weight is the *sum* of one contribution per step:

    δ_T = ∂L/∂h_T,   dz_t = δ_t ⊙ (1 − h_t²),   δ_(t−1) = dz_t W_hᵀ
    ∂L/∂W_h = Σ_t h_(t−1)ᵀ dz_t,   ∂L/∂W_x = Σ_t x_tᵀ dz_t,   ∂L/∂b = Σ_t dz_t

A one-neuron, two-step example: the gradient of W_h has one term per step,
the first is 0 because h_0 = 0, and their sum matches a finite difference.

>>> x, y = np.array([[[1.0], [1.0]]]), np.array([[0.0]])
>>> bptt = lambda w_h: numpy_bptt(x, y, [[1.0]], [[w_h]], [0.0], [[1.0]], [0.0])
>>> np.round(bptt(0.5)["W_h per step"][:, 0, 0], 4).tolist()
[0.0, 0.3001]
>>> finite_difference = (bptt(0.5 + 1e-6)["loss"] - bptt(0.5 - 1e-6)["loss"]) / 2e-6
>>> round(finite_difference, 4), round(float(bptt(0.5)["W_h"][0, 0]), 4)
(0.3001, 0.3001)
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from .recurrent_neural_network import numpy_rnn
from ._lib.report import glue, table

STEPS = 20
FEATURES = 4
UNITS = 16
BATCH = 32
TRUNCATIONS = (1, 2, 5, 10, 20)  # steps kept by truncated BPTT in the table


def numpy_bptt(x, y, kernel, recurrent_kernel, bias, w_out, b_out) -> dict[str, np.ndarray]:
    """BPTT for a tanh RNN with a linear read-out of its last state, in NumPy (float64).

    The loss is the mean squared error ``mean((h_T @ w_out + b_out - y)²)``,
    computed after the last step only. Returns the gradients of the three
    recurrent weights, the per-step contributions that add up to them (index
    0 = step 1) and ‖∂L/∂h_t‖ for every step.
    """
    x, y = np.asarray(x, "float64"), np.asarray(y, "float64")
    h = numpy_rnn(x, kernel, recurrent_kernel, bias)  # (batch, T, units)
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)  # h_(t-1)
    pred = h[:, -1] @ w_out + b_out
    delta = (2.0 * (pred - y) / y.size) @ np.asarray(w_out, "float64").T  # ∂L/∂h_T
    per_step = {"W_x": [], "W_h": [], "b": []}
    delta_norms = []
    for t in reversed(range(x.shape[1])):
        delta_norms.append(np.linalg.norm(delta))
        dz = delta * (1.0 - h[:, t] ** 2)  # through tanh
        per_step["W_x"].append(x[:, t].T @ dz)
        per_step["W_h"].append(h_prev[:, t].T @ dz)
        per_step["b"].append(dz.sum(axis=0))
        delta = dz @ np.asarray(recurrent_kernel, "float64").T  # back one step
    out = {}
    for name, terms in per_step.items():
        terms = np.stack(terms[::-1])
        out[name], out[f"{name} per step"] = terms.sum(axis=0), terms
    out["|dL/dh_t|"] = np.array(delta_norms[::-1])
    out["loss"] = float(np.mean((pred - y) ** 2))
    return out


def data(seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """BATCH random sequences of STEPS steps and FEATURES features, one target each."""
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    y = rng.normal(size=(BATCH, 1)).astype("float32")
    return x, y


@functools.cache
def model_layers():
    """An untrained ``SimpleRNN(UNITS)`` and a ``Dense(1)`` read-out (Keras's defaults)."""
    keras.utils.set_random_seed(0)
    rnn = keras.layers.SimpleRNN(UNITS, seed=0, return_state=True)
    head = keras.layers.Dense(1)
    rnn.build((None, None, FEATURES))
    head.build((None, UNITS))
    return rnn, head


def keras_gradients(keep_steps: int | None = None) -> dict[str, np.ndarray]:
    """∂L/∂(kernel, recurrent_kernel, bias) by ``tf.GradientTape``.

    With ``keep_steps`` = k, truncated BPTT: the layer runs the first T − k
    steps, the state is passed on through ``tf.stop_gradient`` and the same
    layer runs the last k steps from it. The forward pass is unchanged, but
    the gradient stops k steps back.
    """
    rnn, head = model_layers()
    x, y = data()
    with tf.GradientTape() as tape:
        if keep_steps is None or keep_steps >= STEPS:
            _, state = rnn(x)
        else:
            _, state = rnn(x[:, : STEPS - keep_steps])
            _, state = rnn(x[:, STEPS - keep_steps:], initial_state=tf.stop_gradient(state))
        loss = tf.reduce_mean(tf.square(head(state) - y))
    weights = [rnn.cell.kernel, rnn.cell.recurrent_kernel, rnn.cell.bias]
    grads = tape.gradient(loss, weights)
    return {"W_x": grads[0].numpy(), "W_h": grads[1].numpy(), "b": grads[2].numpy(),
            "loss": float(loss)}


@functools.cache
def numpy_gradients() -> dict[str, np.ndarray]:
    """:func:`numpy_bptt` with the Keras model's own weights."""
    rnn, head = model_layers()
    x, y = data()
    kernel, recurrent_kernel, bias = rnn.get_weights()
    w_out, b_out = head.get_weights()
    return numpy_bptt(x, y, kernel, recurrent_kernel, bias, w_out, b_out)


def relative_error(approx: np.ndarray, exact: np.ndarray) -> float:
    """‖approx − exact‖ / ‖exact‖.

    >>> relative_error(np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    0.7071067811865475
    """
    return float(np.linalg.norm(approx - exact) / np.linalg.norm(exact))


def cross_check() -> dict[str, float]:
    """NumPy BPTT, the sum of one term per step, equals ``tf.GradientTape``
    on the Keras SimpleRNN for all three weights (and the loss)."""
    ours, theirs = numpy_gradients(), keras_gradients()
    for name in ("W_x", "W_h", "b"):
        np.testing.assert_allclose(theirs[name], ours[name], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(theirs["loss"], ours["loss"], rtol=1e-5)
    return {
        "loss (Keras, NumPy)": [theirs["loss"], ours["loss"]],
        "per-step terms summed by NumPy, per weight": ours["W_h per step"].shape[0],
        **{f"relative difference, ∂L/∂{name}": relative_error(theirs[name], ours[name])
           for name in ("W_x", "W_h", "b")},
    }


def contribution_norms() -> dict[str, np.ndarray]:
    """‖contribution of step t‖ to the gradient of W_h and of W_x (index 0 = step 1)."""
    g = numpy_gradients()
    return {name: np.linalg.norm(g[f"{name} per step"], axis=(1, 2)) for name in ("W_h", "W_x")}


@functools.cache
def truncation_errors() -> dict[int, float]:
    """Relative error of the W_h gradient when BPTT keeps only the last k steps.

    The truncated gradient is exactly the sum of the last k per-step
    contributions; the function asserts that Keras (``stop_gradient`` on the
    state) and NumPy (that partial sum) agree before comparing with the full
    gradient.
    """
    g = numpy_gradients()
    errors = {}
    for keep in range(1, STEPS + 1):
        partial = g["W_h per step"][STEPS - keep:].sum(axis=0)
        if keep in TRUNCATIONS:
            np.testing.assert_allclose(keras_gradients(keep)["W_h"], partial,
                                       rtol=1e-4, atol=1e-7)
        errors[keep] = relative_error(partial, g["W_h"])
    return errors


def plot_contributions():
    """Per-step contributions to the gradient (left) and the truncation error (right)."""
    import matplotlib.pyplot as plt

    norms = contribution_norms()
    steps = np.arange(1, STEPS + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.semilogy(steps[1:], norms["W_h"][1:], "o-", ms=4, label=r"to $\partial L/\partial W_h$")
    ax1.semilogy(steps, norms["W_x"], "s--", ms=3, label=r"to $\partial L/\partial W_x$")
    ax1.set(xlabel=f"time step t (the loss is computed after step {STEPS})",
            ylabel="norm of step t's contribution", xticks=[1, 5, 10, 15, 20],
            title="Each unrolled step adds one term")
    ax1.legend(loc="lower right")
    # k = T - 1 and k = T are exact (step 1 adds nothing to W_h): left out of the log plot.
    errors = {k: e for k, e in truncation_errors().items() if k < STEPS - 1}
    ax2.semilogy(list(errors), list(errors.values()), "o-", ms=4, color="C2")
    ax2.set(xlabel="steps kept by truncated BPTT (k)",
            ylabel=r"relative error of $\partial L/\partial W_h$", xticks=[1, 5, 10, 15],
            title="Truncated BPTT: keep only the last k terms")
    return fig


def show_example() -> None:
    """How much each unrolled step contributes to the gradient of W_h."""
    g = numpy_gradients()
    norms = contribution_norms()["W_h"]
    glue("ratio_11", float(norms[-10] / norms[-1]))
    glue("fall_2_to_20", float(norms[-1] / norms[1]))
    print(table({
        "‖∂L/∂W_h‖ (the sum)": float(np.linalg.norm(g["W_h"])),
        f"contribution of step {STEPS} (last)": float(norms[-1]),
        f"contribution of step {STEPS - 1}": float(norms[-2]),
        f"contribution of step {STEPS - 4}": float(norms[-5]),
        f"contribution of step {STEPS - 9}": float(norms[-10]),
        "contribution of step 2": float(norms[1]),
        "contribution of step 1 (h_0 = 0)": float(norms[0]),
        f"‖∂L/∂h_t‖ at t = {STEPS}, 10, 1": [float(g["|dL/dh_t|"][i]) for i in (-1, 9, 0)],
    }))


def show_truncation() -> None:
    """Truncated BPTT: the W_h gradient keeping only the last k steps."""
    errors = truncation_errors()
    glue("trunc_1", errors[1])
    glue("trunc_10", errors[10])
    print(table({f"keep last {k} step{'s' if k > 1 else ''}: relative error": errors[k]
                 for k in TRUNCATIONS}))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_truncation, plot_contributions, show_cross_check)
