"""Logistic regression (逻辑回归): binary classification by ŷ = σ(wᵀx + b), a probability for y = 1.

One sigmoid neuron: a weighted sum ``z = wᵀx + b`` squashed by
``σ(z) = 1 / (1 + e^-z)`` into (0, 1). Trained by gradient descent on the
binary cross-entropy, whose gradient is remarkably simple: for one example,
``∂L/∂w = (ŷ - y) x`` and ``∂L/∂b = ŷ - y``. In Keras it is
``Dense(1, activation="sigmoid")`` with the loss ``BinaryCrossentropy``.
The name comes from the log-odds: log(ŷ / (1 − ŷ)) = wᵀx + b is a linear
regression of the log-odds on x (hence 对数几率回归).

>>> float(sigmoid(0.0)), round(float(sigmoid(np.log(3.0))), 6)   # σ(ln 3) = 3/4
(0.5, 0.75)
>>> round(float(log_odds(0.75)), 6) == round(float(np.log(3.0)), 6)   # odds 3 : 1
True
>>> w, b = np.array([0.0, 0.0]), 0.0
>>> gradients(np.array([[1.0, 2.0]]), np.array([1.0]), w, b)  # ŷ = 0.5, y = 1: (ŷ - y) x
(array([-0.5, -1. ]), -0.5)
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table

M = 100  # training examples
STEPS = 100  # gradient-descent steps, each on the whole training set
LEARNING_RATE = 0.5


def sigmoid(z):
    """σ(z) = 1 / (1 + e^-z)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z)))


def log_odds(y_hat):
    """The log-odds (logit) of a probability: log(ŷ / (1 − ŷ)), the inverse of σ."""
    y_hat = np.asarray(y_hat, dtype="float64")
    return np.log(y_hat / (1.0 - y_hat))


def make_data(m: int = M, seed_value: int = 0):
    """Two overlapping groups in 2-D: x of shape (m, 2), labels y of shape (m,)."""
    rng = np.random.default_rng(seed_value)
    y = rng.permutation(np.arange(m) % 2).astype("float64")
    x = np.where(y[:, None] == 1, [1.0, 0.5], [-1.0, -0.5]) + rng.normal(0, 1.0, size=(m, 2))
    return x, y


def initial_weights(seed_value: int = 0) -> tuple[np.ndarray, float]:
    """Small random starting weights, shared by the NumPy and the Keras run."""
    w0 = np.random.default_rng(seed_value + 1).normal(0.0, 0.5, size=2)
    return w0, 0.1


def cost(x, y, w, b) -> float:
    """Mean binary cross-entropy of ŷ = σ(xw + b)."""
    y_hat = sigmoid(x @ w + b)
    return float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))))


def gradients(x, y, w, b) -> tuple[np.ndarray, float]:
    """Gradient of the mean cross-entropy: ((ŷ - y) x averaged over examples, mean of ŷ - y)."""
    error = sigmoid(x @ w + b) - y  # ŷ - y, one number per example
    return x.T @ error / len(y), float(np.mean(error))


def numpy_gradient_descent(x, y, w, b, learning_rate: float = LEARNING_RATE,
                           steps: int = STEPS) -> dict:
    """Plain full-batch gradient descent in NumPy (float64).

    ``losses[i]`` is the cost before step i + 1, which is what Keras's
    History records for a one-batch epoch.
    """
    losses = []
    for _ in range(steps):
        losses.append(cost(x, y, w, b))
        dw, db = gradients(x, y, w, b)
        w, b = w - learning_rate * dw, b - learning_rate * db
    return {"w": w, "b": b, "losses": np.array(losses)}


def numerical_gradients(x, y, w, b, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of the cost with respect to (w1, w2, b)."""
    theta = np.array([*w, b])

    def f(t):
        return cost(x, y, t[:-1], t[-1])

    return np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(len(theta))])


def keras_model(w0, b0):
    """``Dense(1, activation="sigmoid")`` with the given starting weights, plain SGD."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.asarray(w0, "float32").reshape(2, 1), np.array([b0], "float32")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
                  loss=keras.losses.BinaryCrossentropy())
    return model


@functools.cache
def train_both() -> dict:
    """The same model trained in NumPy and in Keras, same data and start, full batch."""
    x, y = make_data()
    w0, b0 = initial_weights()
    ours = numpy_gradient_descent(x, y, w0, b0)
    model = keras_model(w0, b0)
    # One batch of all examples, repeated: each epoch of fit is one gradient step.
    data = tf.data.Dataset.from_tensors(
        (x.astype("float32"), y[:, None].astype("float32"))).repeat()
    history = model.fit(data, epochs=STEPS, steps_per_epoch=1, shuffle=False, verbose=0)
    kernel, bias = model.get_weights()
    return {"numpy": ours, "keras_w": kernel.ravel(), "keras_b": float(bias[0]),
            "keras_losses": np.array(history.history["loss"])}


def cross_check() -> dict[str, object]:
    """Gradients and whole training runs: NumPy formulas vs Keras and tf.GradientTape."""
    x, y = make_data()
    w0, b0 = initial_weights()
    # 1. The formula (ŷ - y) x against automatic differentiation, at the start.
    dw, db = gradients(x, y, w0, b0)
    model = keras_model(w0, b0)
    with tf.GradientTape() as tape:
        loss = model.loss(y[:, None].astype("float32"), model(x.astype("float32")))
    tape_dw, tape_db = (g.numpy().ravel() for g in tape.gradient(loss, model.trainable_weights))
    np.testing.assert_allclose(tape_dw, dw, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(tape_db, [db], rtol=1e-4, atol=1e-6)
    # 2. STEPS steps of gradient descent in NumPy vs model.fit with SGD.
    run = train_both()
    np.testing.assert_allclose(run["keras_w"], run["numpy"]["w"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(run["keras_b"], run["numpy"]["b"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(run["keras_losses"], run["numpy"]["losses"], rtol=1e-4)
    return {
        "initial gradient (w1, w2, b): NumPy": [*map(float, dw), db],
        "initial gradient (w1, w2, b): GradientTape": [*map(float, tape_dw), float(tape_db[0])],
        f"after {STEPS} steps, (w1, w2, b): NumPy": [*map(float, run["numpy"]["w"]),
                                                    float(run["numpy"]["b"])],
        f"after {STEPS} steps, (w1, w2, b): Keras": [*map(float, run["keras_w"]), run["keras_b"]],
        "max |weight difference|": float(max(
            np.abs(run["keras_w"] - run["numpy"]["w"]).max(),
            abs(run["keras_b"] - run["numpy"]["b"]))),
        "max |loss difference| over all steps": float(
            np.abs(run["keras_losses"] - run["numpy"]["losses"]).max()),
    }


def loss_paths(z: float = -20.0) -> dict[str, float]:
    """One confident mistake (label 1, z = wᵀx + b = −20): the loss on Keras's two paths.

    ``evaluate``, and the loss called on the sigmoid layer's output tensor,
    recover z (TensorFlow backend) and compute log(1 + e^−z). The same ŷ
    handed over as a NumPy array is a plain probability: Keras clips it to
    [1e-7, 1 − 1e-7], which caps the loss at −log(1e-7).
    """
    model = keras_model(np.array([z / 2.0, 0.0]), 0.0)  # z = −20 at x = (2, 0)
    x, y = np.array([[2.0, 0.0]], dtype="float32"), np.array([[1.0]], dtype="float32")
    bce = keras.losses.BinaryCrossentropy()
    paths = {
        "NumPy, from z: log(1 + e^−z)": float(np.logaddexp(0.0, -z)),
        "model.evaluate": float(model.evaluate(x, y, verbose=0)),
        "loss of the sigmoid layer's output tensor": float(bce(y, model(x))),
        "loss of the same ŷ as a NumPy array (clipped)": float(bce(y, model(x).numpy())),
        "−log(1e-7)": float(-np.log(1e-7)),
    }
    np.testing.assert_allclose(paths["model.evaluate"], paths["NumPy, from z: log(1 + e^−z)"],
                               rtol=1e-5)
    np.testing.assert_allclose(paths["loss of the sigmoid layer's output tensor"],
                               paths["model.evaluate"], rtol=1e-5)
    np.testing.assert_allclose(paths["loss of the same ŷ as a NumPy array (clipped)"],
                               paths["−log(1e-7)"], rtol=1e-4)
    glue("clipped_loss", paths["−log(1e-7)"])
    return paths


def show_loss_paths() -> None:
    """The two paths of Keras's binary cross-entropy on one confident mistake."""
    print(table(loss_paths()))


def plot_training():
    """Left: the cost per step, NumPy and Keras. Right: σ over z = wᵀx + b with the data."""
    import matplotlib.pyplot as plt

    run = train_both()
    x, y = make_data()
    w, b = run["numpy"]["w"], run["numpy"]["b"]
    steps = np.arange(1, STEPS + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(steps, run["numpy"]["losses"], lw=3, alpha=0.5, label="NumPy, gradient (ŷ − y)x")
    ax1.plot(steps[::4], run["keras_losses"][::4], "k.", ms=5, label="Keras fit, SGD")
    ax1.set(xlabel="gradient-descent step", ylabel="binary cross-entropy",
            title="Same start, same steps, same costs")
    ax1.legend(loc="upper right")
    z = x @ w + b
    grid = np.linspace(min(z.min(), -6), max(z.max(), 6), 300)
    jitter = np.random.default_rng(0).uniform(-0.03, 0.03, size=len(y))
    ax2.plot(grid, sigmoid(grid), "k-", lw=1.5, label="ŷ = σ(z)")
    ax2.scatter(z[y == 1], y[y == 1] + jitter[y == 1], s=12, color="C3", label="y = 1")
    ax2.scatter(z[y == 0], y[y == 0] + jitter[y == 0], s=12, color="C0", marker="s", label="y = 0")
    ax2.axhline(0.5, color="gray", ls=":", lw=1)
    ax2.axvline(0.0, color="gray", ls=":", lw=1)
    ax2.set(xlabel="z = wᵀx + b (trained w, b)", ylabel="ŷ, and true label y",
            title="The sigmoid turns z into a probability")
    ax2.legend(loc="center right", fontsize=8)
    return fig


def show_example() -> None:
    """The gradient formula checked numerically, the model trained by NumPy, its log-odds."""
    x, y = make_data()
    w0, b0 = initial_weights()
    dw, db = gradients(x, y, w0, b0)
    numeric = numerical_gradients(x, y, w0, b0)
    run = train_both()["numpy"]
    w, b = run["w"], run["b"]
    new_x = np.array([0.5, 0.5])
    step_x1 = new_x + np.array([1.0, 0.0])  # the same input with x1 one larger
    odds_ratio = float(np.exp(log_odds(sigmoid(step_x1 @ w + b)) - log_odds(sigmoid(new_x @ w + b))))
    print(table({
        "gradient (ŷ − y)x formula (w1, w2, b)": [*map(float, dw), db],
        "finite differences (w1, w2, b)": numeric.tolist(),
        "max |difference|": float(np.abs(numeric - [*dw, db]).max()),
        f"cost before / after {STEPS} steps": [float(run["losses"][0]), cost(x, y, w, b)],
        "learned w, b": [*map(float, w), float(b)],
        "training accuracy (ŷ > 0.5)": glue("train_accuracy",
                                            float(np.mean((sigmoid(x @ w + b) > 0.5) == y))),
        "ŷ for a new x = (0.5, 0.5)": float(sigmoid(new_x @ w + b)),
        "max |log(ŷ/(1 − ŷ)) − (wᵀx + b)|, training set": float(
            np.abs(log_odds(sigmoid(x @ w + b)) - (x @ w + b)).max()),
        "odds of y = 1 at x = (1.5, 0.5) / at (0.5, 0.5)": glue("odds_ratio", odds_ratio),
        "exp(w1)": glue("exp_w1", float(np.exp(w[0]))),
    }))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_training, show_cross_check, show_loss_paths)
