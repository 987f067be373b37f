"""Sigmoid neuron (S 型神经元): a neuron whose output is σ(w·x + b) = 1 / (1 + e^−(w·x + b)).

It has the weights and bias of a perceptron, but the step is replaced by the
smooth sigmoid. A small change Δw, Δb of the parameters changes the output by
about σ'(z)·Δz, at most 0.25·|Δz| (z = w·x + b), where a perceptron's output
either stays put or jumps from 0 to 1. That smoothness is what lets gradient
descent train it.

>>> sigmoid_neuron([1.0, 2.0], W, B) < 0.5 and step_neuron([1.0, 2.0], W, B) == 0
True
>>> changes = output_changes(dw1=0.01)
>>> changes["step"], round(changes["sigmoid"], 5)
(1, 0.0025)
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table

#: The example neuron: with the input X its weighted sum is just below 0.
X = (1.0, 2.0)
W = (0.7, -0.3)
B = -0.105  # z = 0.7 - 0.6 - 0.105 = -0.005


def sigmoid(z):
    """σ(z) = 1 / (1 + e^−z), element-wise."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype="float64")))


def weighted_sum(x, w, b: float):
    """z = w·x + b for one input (a float) or a batch of rows (an array)."""
    z = np.asarray(x, dtype="float64") @ np.asarray(w, dtype="float64") + b
    return float(z) if np.ndim(z) == 0 else z


def sigmoid_neuron(x, w, b: float):
    """A sigmoid neuron: σ(w·x + b)."""
    out = sigmoid(weighted_sum(x, w, b))
    return float(out) if np.ndim(out) == 0 else out


def step_neuron(x, w, b: float):
    """A perceptron with the same parameters: 1 where w·x + b ≥ 0, else 0."""
    out = (np.asarray(weighted_sum(x, w, b)) >= 0).astype(int)
    return int(out) if np.ndim(out) == 0 else out


def output_changes(dw1: float = 0.0, db: float = 0.0) -> dict[str, float]:
    """How both neurons' outputs on X change when w1 grows by dw1 and b by db."""
    w_new = (W[0] + dw1, *W[1:])
    dz = float(weighted_sum(X, w_new, B + db) - weighted_sum(X, W, B))
    return {
        "Δz": dz,
        "step": int(step_neuron(X, w_new, B + db) - step_neuron(X, W, B)),
        "sigmoid": float(sigmoid_neuron(X, w_new, B + db) - sigmoid_neuron(X, W, B)),
        "0.25·|Δz|": 0.25 * abs(dz),
    }


def random_perturbations(n: int = 10_000, size: float = 0.01, seed_value: int = 0) -> dict:
    """Many random neurons, inputs and small parameter changes (spread ``size``).

    For each: the change of the sigmoid output against its bound 0.25·|Δz|
    and against the linear prediction σ'(z)·Δz, and the change of the step
    output, which can only be 0 or ±1.
    """
    rng = np.random.default_rng(seed_value)
    x, w, dw = rng.normal(size=(3, n, 3))
    dw *= size
    b, db = rng.normal(size=(2, n))
    db *= size
    z = np.einsum("ij,ij->i", x, w) + b
    dz = np.einsum("ij,ij->i", x, dw) + db
    d_sigmoid = sigmoid(z + dz) - sigmoid(z)
    d_step = (z + dz >= 0).astype(int) - (z >= 0).astype(int)
    linear = sigmoid(z) * (1 - sigmoid(z)) * dz
    return {
        "perturbations": n,
        "largest |Δσ| / |Δz|": float(np.max(np.abs(d_sigmoid) / np.abs(dz))),
        "largest |Δσ − σ'(z)Δz| / |Δσ|": float(
            np.max(np.abs(d_sigmoid - linear) / np.abs(d_sigmoid))),
        "largest |Δσ|": float(np.abs(d_sigmoid).max()),
        "values of |Δstep| seen": sorted(set(np.abs(d_step).tolist())),
        "fraction where the step flipped": float(np.mean(d_step != 0)),
    }


# --- NumPy vs Keras -------------------------------------------------------------


def keras_neuron(w, b: float, activation):
    """A ``Dense(1)`` layer holding the weights ``w`` and the bias ``b``."""
    layer = keras.layers.Dense(1, activation=activation)
    layer.build((None, len(w)))
    layer.set_weights([np.asarray(w, dtype="float32").reshape(-1, 1),
                       np.array([b], dtype="float32")])
    return layer


def keras_step(z):
    """The perceptron's step in Keras ops: 1.0 where z ≥ 0, else 0.0."""
    ops = keras.ops
    return ops.cast(ops.greater_equal(z, 0.0), z.dtype)


def gradients(activation, x=X, w=W, b: float = B):
    """d(output)/d(kernel) of a one-neuron Dense layer on one input, by ``tf.GradientTape``.

    Returns None when the output does not depend differentiably on the
    weights, which is what TensorFlow reports for the step.
    """
    layer = keras_neuron(w, b, activation)
    with tf.GradientTape() as tape:
        out = layer(np.asarray([x], dtype="float32"))
    grad = tape.gradient(out, layer.kernel)
    return None if grad is None else grad.numpy()[:, 0]


def cross_check(n: int = 200, seed_value: int = 0) -> dict[str, object]:
    """``Dense(1, activation="sigmoid")`` equals NumPy's σ(w·x + b), and its gradient σ'(z)·x.

    Values on ``n`` random inputs; the gradient of the summed outputs with
    respect to the kernel, from ``tf.GradientTape``, against NumPy's
    Σ σ(z)(1 − σ(z))·x. Both asserted with ``np.testing.assert_allclose``.
    """
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(n, 3)).astype("float32")
    w, b = rng.normal(size=3), float(rng.normal())
    layer = keras_neuron(w, b, "sigmoid")
    with tf.GradientTape() as tape:
        out = layer(x)
        total = tf.reduce_sum(out)
    grad = tape.gradient(total, layer.kernel).numpy()[:, 0]
    values = sigmoid_neuron(x, w.astype("float32"), np.float32(b))
    s = values
    grad_numpy = (s * (1 - s)) @ x
    np.testing.assert_allclose(out.numpy()[:, 0], values, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, grad_numpy, rtol=1e-4, atol=1e-5)
    return {
        "inputs compared": n,
        "max |output difference|": float(np.abs(out.numpy()[:, 0] - values).max()),
        "max |gradient difference|": float(np.abs(grad - grad_numpy).max()),
        "gradient of Σ outputs w.r.t. w (Keras)": grad.tolist(),
        "gradient of the step neuron w.r.t. w": gradients(keras_step),
        "gradient of the sigmoid neuron on X": gradients("sigmoid").tolist(),
    }


# --- Plots and printing ----------------------------------------------------------


def plot_step_vs_sigmoid():
    """Left: both outputs as w1 varies. Right: σ(c·z) approaches the step as c grows."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    w1 = np.linspace(-3, 4, 1401)
    weights = np.stack([w1, np.full_like(w1, W[1])], axis=1)
    z = weights @ np.asarray(X) + B
    ax1.plot(w1, (z >= 0).astype(int), lw=2, label="perceptron (step)")
    ax1.plot(w1, sigmoid(z), lw=2, label="sigmoid neuron")
    ax1.axvline(W[0], color="gray", ls=":", lw=1, label=f"w1 = {W[0]} (the example)")
    ax1.set(xlabel="weight w1 (w2, b fixed)", ylabel="output on x = (1, 2)",
            title="Output as one weight changes")
    ax1.legend(loc="upper left", fontsize=8)
    zz = np.linspace(-3, 3, 1201)
    for c in (1, 3, 10, 100):
        ax2.plot(zz, sigmoid(c * zz), label=f"σ({c}·z)")
    ax2.plot(zz, (zz >= 0).astype(int), "k--", lw=1, label="step(z)")
    ax2.set(xlabel="z = w·x + b", ylabel="output",
            title="w and b scaled by c: σ(c·z) tends to the step")
    ax2.legend(loc="upper left", fontsize=8)
    return fig


def show_example() -> None:
    """Output changes of both neurons on X for growing changes of w1."""
    z = float(weighted_sum(X, W, B))
    glue("example_output", sigmoid_neuron(X, W, B))
    print(f"x = {X}, w = {W}, b = {B}: z = {z:.4g}, "
          f"perceptron {step_neuron(X, W, B)}, sigmoid neuron {sigmoid_neuron(X, W, B):.5f}")
    print("     Δw1        Δz   Δ perceptron   Δ sigmoid neuron   0.25·|Δz|")
    for dw1 in (0.001, 0.004, 0.01, 0.1, 1.0):
        c = output_changes(dw1=dw1)
        print(f"{dw1:8g}  {c['Δz']:8.4g}  {c['step']:13d}  {c['sigmoid']:17.6f}"
              f"  {c['0.25·|Δz|']:10.6f}")


def show_random_perturbations() -> None:
    """The same comparison over 10,000 random neurons and small changes."""
    result = random_perturbations()
    glue("largest_ratio", result["largest |Δσ| / |Δz|"])
    glue("linear_error", result["largest |Δσ − σ'(z)Δz| / |Δσ|"])
    glue("flipped", result["fraction where the step flipped"])
    print(table(result))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    with np.printoptions(precision=4):
        print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_random_perturbations, plot_step_vs_sigmoid, show_cross_check)
