"""Loss function (损失函数): a loss L(ŷ, y) scores one example; the cost J is its mean over the data.

The *loss* compares one prediction ŷ with its label y; the *cost* (成本函数,
代价函数) is the mean of the losses over the training set, and it is the
number gradient descent minimises. Keras calls both "loss": a
``keras.losses`` object returns the cost by default, and the per-example
losses with ``reduction=None``.

Binary cross-entropy of a confident right and a confident wrong prediction,
and their cost:

>>> losses = binary_cross_entropy(np.array([0.9, 0.1]), np.array([1.0, 1.0]))
>>> losses.round(4).tolist()
[0.1054, 2.3026]
>>> round(cost(losses), 4)
1.204
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table

# Keras clips probabilities to [EPSILON, 1 - EPSILON] before taking logs.
EPSILON = 1e-7


def binary_cross_entropy(y_hat, y) -> np.ndarray:
    """Per-example loss  L(ŷ, y) = −(y log ŷ + (1 − y) log(1 − ŷ)).

    >>> binary_cross_entropy(np.array([0.5]), np.array([0.0])).round(4).tolist()
    [0.6931]
    """
    y_hat, y = np.asarray(y_hat, dtype="float64"), np.asarray(y, dtype="float64")
    return -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))


def categorical_cross_entropy(p, y_onehot) -> np.ndarray:
    """Per-example loss  L = −Σ_k y_k log p_k  (one row per example).

    With a one-hot label only the true class counts: the loss is −log p_true.

    >>> p, y = np.array([[0.7, 0.2, 0.1]]), np.array([[0, 1, 0]])
    >>> categorical_cross_entropy(p, y).round(4).tolist()
    [1.6094]
    """
    return -np.sum(np.asarray(y_onehot) * np.log(np.asarray(p, dtype="float64")), axis=-1)


def squared_error(y, a) -> np.ndarray:
    """Per-example loss  ½ ||y − a||²  (one row per example, summed over outputs)."""
    return 0.5 * np.sum((np.asarray(y, dtype="float64") - np.asarray(a)) ** 2, axis=-1)


def cost(losses) -> float:
    """The cost: the mean of the per-example losses over the training set."""
    return float(np.mean(losses))


def quadratic_cost(y, a) -> float:
    """The quadratic cost  C = 1/(2n) Σ_x ||y(x) − a(x)||².

    >>> quadratic_cost(np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]]))
    0.5
    """
    return cost(squared_error(y, a))


def example_data(seed: int = 0) -> dict[str, np.ndarray]:
    """Three small batches of labels and predictions, one per kind of loss.

    Binary labels with sigmoid-like probabilities, one-hot labels with
    softmax rows, and regression targets with 3 outputs per example.
    """
    rng = np.random.default_rng(seed)
    n = 6
    y_bin = np.array([1, 1, 1, 0, 0, 0], dtype="float32")
    p_bin = np.array([0.95, 0.6, 0.1, 0.02, 0.3, 0.99], dtype="float32")
    labels = rng.integers(0, 3, size=n)
    y_cat = np.eye(3, dtype="float32")[labels]
    logits = rng.normal(size=(n, 3))
    p_cat = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype("float32")
    y_reg = rng.normal(size=(n, 3)).astype("float32")
    a_reg = (y_reg + 0.5 * rng.normal(size=(n, 3))).astype("float32")
    return {"y_bin": y_bin, "p_bin": p_bin, "y_cat": y_cat, "p_cat": p_cat,
            "y_reg": y_reg, "a_reg": a_reg}


def keras_losses(d: dict[str, np.ndarray]) -> dict[str, np.ndarray | float]:
    """The same quantities from ``keras.losses``: per example (``reduction=None``) and the cost."""
    y_bin, p_bin = d["y_bin"][:, None], d["p_bin"][:, None]  # Keras wants (n, 1)
    out = {}
    for name, cls, y, p in [
        ("bce", keras.losses.BinaryCrossentropy, y_bin, p_bin),
        ("cce", keras.losses.CategoricalCrossentropy, d["y_cat"], d["p_cat"]),
        ("mse", keras.losses.MeanSquaredError, d["y_reg"], d["a_reg"]),
    ]:
        out[f"{name} per example"] = np.asarray(cls(reduction=None)(y, p))
        out[f"{name} cost"] = float(cls()(y, p))  # default reduction: the mean
    return out


def cross_check() -> dict[str, float]:
    """NumPy's losses and costs equal ``keras.losses``; the quadratic cost is (d/2) × Keras's MSE.

    ``MeanSquaredError`` averages the squared errors over the d outputs and has
    no factor ½, so for d outputs per example C = (d / 2) · MSE.
    """
    d = example_data()
    ks = keras_losses(d)
    bce = binary_cross_entropy(d["p_bin"], d["y_bin"])
    cce = categorical_cross_entropy(d["p_cat"], d["y_cat"])
    np.testing.assert_allclose(ks["bce per example"], bce, rtol=1e-5)
    np.testing.assert_allclose(ks["bce cost"], cost(bce), rtol=1e-5)
    np.testing.assert_allclose(ks["cce per example"], cce, rtol=1e-5)
    np.testing.assert_allclose(ks["cce cost"], cost(cce), rtol=1e-5)
    outputs = d["y_reg"].shape[1]
    c = quadratic_cost(d["y_reg"], d["a_reg"])
    np.testing.assert_allclose(ks["mse per example"],
                               squared_error(d["y_reg"], d["a_reg"]) * 2 / outputs, rtol=1e-5)
    np.testing.assert_allclose(c, outputs / 2 * ks["mse cost"], rtol=1e-5)
    return {
        "binary cross-entropy, cost (NumPy, Keras)": [cost(bce), ks["bce cost"]],
        "categorical cross-entropy, cost (NumPy, Keras)": [cost(cce), ks["cce cost"]],
        "quadratic cost C = 1/(2n) sum ||y - a||^2": c,
        "keras MeanSquaredError": ks["mse cost"],
        "outputs per example, d": outputs,
        "C / MSE (= d / 2)": c / ks["mse cost"],
        "largest per-example difference": float(max(
            np.abs(ks["bce per example"] - bce).max(),
            np.abs(ks["cce per example"] - cce).max())),
    }


def clipped_loss_of_certain_mistake(z: float = -30.0) -> dict[str, float]:
    """A certain mistake for a label 1, as a plain probability and as a sigmoid layer's output.

    ŷ = 0 as a NumPy array: NumPy's formula gives inf, Keras clips ŷ to
    EPSILON and stays finite. A ``Dense(1, activation="sigmoid")`` layer
    whose logit is z = −30: ``evaluate`` (TensorFlow backend) recovers z and
    computes the stable log(1 + e^−z); the same ŷ as a NumPy array is clipped.
    """
    with np.errstate(divide="ignore"):
        numpy_loss = float(binary_cross_entropy(np.array([0.0]), np.array([1.0]))[0])
    bce = keras.losses.BinaryCrossentropy()
    keras_loss = float(bce(np.array([[1.0]]), np.array([[0.0]])))
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.ones((1, 1), "float32"), np.zeros(1, "float32")])  # z = x
    model.compile(loss=bce)
    x, y = np.array([[z]], dtype="float32"), np.array([[1.0]], dtype="float32")
    from_layer = float(model.evaluate(x, y, verbose=0))
    as_array = float(bce(y, model.predict(x, verbose=0)))
    np.testing.assert_allclose(keras_loss, -np.log(EPSILON), rtol=1e-4)
    np.testing.assert_allclose(from_layer, np.logaddexp(0.0, -z), rtol=1e-5)
    np.testing.assert_allclose(as_array, -np.log(EPSILON), rtol=1e-4)
    return {
        "ŷ = 0 (array): NumPy formula": numpy_loss,
        "ŷ = 0 (array): Keras, clipped": keras_loss,
        "-log(1e-7)": glue("clip_cap", float(-np.log(EPSILON))),
        f"sigmoid layer, z = {z:g}: model.evaluate": glue("from_logits_loss", from_layer),
        f"the same ŷ = σ({z:g}) from predict (array): Keras": as_array,
    }


def likelihood_and_gradient(seed: int = 0) -> dict[str, float]:
    """Cross-entropy is the negative log-likelihood, and its gradient in the logits is ŷ − y.

    Bernoulli: P(y | x) = ŷ^y (1 − ŷ)^(1 − y), so −log P(y | x) is the binary
    cross-entropy. Categorical: P(y = k | x) = p_k, so −log P is the
    categorical cross-entropy. ``tf.GradientTape`` differentiates each loss
    with respect to the logits z (before the sigmoid or softmax): the result
    is σ(z) − y and softmax(z) − y (asserted).
    """
    rng = np.random.default_rng(seed)
    z_bin = rng.normal(0.0, 2.0, size=(6, 1))
    y_bin = (rng.uniform(size=(6, 1)) < 0.5).astype("float64")
    p_bin = 1.0 / (1.0 + np.exp(-z_bin))
    bernoulli_nll = -np.log(p_bin**y_bin * (1.0 - p_bin) ** (1.0 - y_bin))
    np.testing.assert_allclose(bernoulli_nll[:, 0], binary_cross_entropy(p_bin, y_bin)[:, 0],
                               rtol=1e-12)
    z_cat = rng.normal(0.0, 2.0, size=(6, 3))
    y_cat = np.eye(3)[rng.integers(0, 3, size=6)]
    p_cat = np.exp(z_cat) / np.exp(z_cat).sum(axis=1, keepdims=True)
    categorical_nll = -np.log(p_cat[y_cat == 1])
    np.testing.assert_allclose(categorical_nll, categorical_cross_entropy(p_cat, y_cat),
                               rtol=1e-12)
    grads = {}
    for name, z, y, loss in [
        ("binary", z_bin, y_bin, keras.losses.BinaryCrossentropy(from_logits=True, reduction="sum")),
        ("categorical", z_cat, y_cat,
         keras.losses.CategoricalCrossentropy(from_logits=True, reduction="sum")),
    ]:
        logits = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(logits)
            total = loss(y, logits)  # summed over examples: row i's gradient is its own
        grads[name] = tape.gradient(total, logits).numpy()
    np.testing.assert_allclose(grads["binary"], p_bin - y_bin, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(grads["categorical"], p_cat - y_cat, rtol=1e-6, atol=1e-9)
    return {
        "max |−log Bernoulli likelihood − BCE|": float(
            np.abs(bernoulli_nll[:, 0] - binary_cross_entropy(p_bin, y_bin)[:, 0]).max()),
        "max |−log categorical likelihood − CCE|": float(
            np.abs(categorical_nll - categorical_cross_entropy(p_cat, y_cat)).max()),
        "BCE: dL/dz by GradientTape, first 3": grads["binary"][:3, 0].tolist(),
        "σ(z) − y, first 3": (p_bin - y_bin)[:3, 0].tolist(),
        "CCE: dL/dz by GradientTape, row 1": grads["categorical"][0].tolist(),
        "softmax(z) − y, row 1": (p_cat - y_cat)[0].tolist(),
        "max |GradientTape − (ŷ − y)|, both losses": float(max(
            np.abs(grads["binary"] - (p_bin - y_bin)).max(),
            np.abs(grads["categorical"] - (p_cat - y_cat)).max())),
    }


def plot_binary_cross_entropy():
    """Left: BCE vs ŷ for y = 1 and y = 0. Right: BCE vs squared error for y = 1."""
    import matplotlib.pyplot as plt

    p = np.linspace(0.001, 0.999, 999)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(p, binary_cross_entropy(p, np.ones_like(p)), lw=2, label="y = 1: −log ŷ")
    ax1.plot(p, binary_cross_entropy(p, np.zeros_like(p)), lw=2, label="y = 0: −log(1 − ŷ)")
    ax1.set(xlabel="prediction ŷ", ylabel="loss", ylim=(0, 5),
            title="Binary cross-entropy of one example")
    ax1.legend(loc="upper center")
    ax2.plot(p, binary_cross_entropy(p, np.ones_like(p)), lw=2, label="cross-entropy −log ŷ")
    ax2.plot(p, 0.5 * (1 - p) ** 2, lw=2, ls="--", label="squared error ½(1 − ŷ)²")
    ax2.set(xlabel="prediction ŷ (label y = 1)", ylabel="loss", ylim=(0, 5),
            title="A confident mistake: unbounded vs at most 0.5")
    ax2.legend(loc="upper right")
    return fig


def show_example() -> None:
    """Per-example binary cross-entropy on six predictions, then their cost."""
    d = example_data()
    losses = binary_cross_entropy(d["p_bin"], d["y_bin"])
    print(" label y   prediction ŷ   loss L(ŷ, y)")
    for y, p, loss in zip(d["y_bin"], d["p_bin"], losses):
        print(f"{y:8.0f}   {p:12.2f}   {loss:12.4f}")
    print(f"cost J = mean of the 6 losses = {cost(losses):.4f}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def show_likelihood() -> None:
    """Cross-entropy as a negative log-likelihood; its gradient in the logits (asserted)."""
    print(table(likelihood_and_gradient()))


def show_clipping() -> None:
    """What each library returns for a certain mistake."""
    print(table(clipped_loss_of_certain_mistake()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_likelihood, plot_binary_cross_entropy, show_cross_check,
        show_clipping)
