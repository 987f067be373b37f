"""Regularisation (正则化): a weight penalty added to the loss, trading training fit for generalisation.

The L2 penalty λ Σ w² (``keras.regularizers.L2(λ)``) pulls every weight
towards zero in proportion to its size; the L1 penalty λ Σ |w|
(``keras.regularizers.L1(λ)``) pulls with a constant force, which pushes many
weights to (nearly) zero. The strength λ is a hyperparameter: too small and the
model overfits, too large and it cannot fit even its training data.

>>> w = [np.array([[1.0, -2.0]]), np.array([[3.0]])]
>>> float(l2_penalty(w, 0.01)), float(l1_penalty(w, 0.01))
(0.14, 0.06)
"""

from __future__ import annotations

import functools

import numpy as np

from ._lib.report import table
from ._lib.runtime import full_batch_loop, keras, seed, tf

N_TRAIN = 16
N_HELD = 1000
NOISE = 0.3  # held-out MSE cannot go below NOISE**2 = 0.09
UNITS = 32
STEPS = 1500
LEARNING_RATE = 0.01
LAMBDAS = (0.0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2)
L1_LAMBDA = 1e-3
NEAR_ZERO = 1e-3  # |w| below this counts as "near zero"


def l2_penalty(kernels, lam: float) -> float:
    """λ Σ w² over all the given weight arrays."""
    return lam * sum(float(np.sum(np.square(w))) for w in kernels)


def l1_penalty(kernels, lam: float) -> float:
    """λ Σ |w| over all the given weight arrays."""
    return lam * sum(float(np.sum(np.abs(w))) for w in kernels)


def regularizer(kind: str, lam: float):
    """``keras.regularizers.L2(lam)`` or ``L1(lam)``; None for lam = 0."""
    k = keras()
    if lam == 0:
        return None
    return {"l2": k.regularizers.L2, "l1": k.regularizers.L1}[kind](lam)


def mlp(kind: str = "l2", lam: float = 0.0, seed_value: int = 0):
    """Two tanh layers of 32 units and a linear output, every kernel penalised.

    The same seed gives the same initial weights for every penalty.
    """
    k = keras()
    seed(seed_value)
    return k.Sequential([
        k.Input((1,)),
        k.layers.Dense(UNITS, activation="tanh", kernel_regularizer=regularizer(kind, lam)),
        k.layers.Dense(UNITS, activation="tanh", kernel_regularizer=regularizer(kind, lam)),
        k.layers.Dense(1, kernel_regularizer=regularizer(kind, lam)),
    ])


def kernels(model) -> list[np.ndarray]:
    """The weight matrices of a model (biases are not penalised)."""
    return [layer.kernel.numpy() for layer in model.layers]


def show_example() -> None:
    """One Dense layer with an L2 penalty: its kernel, NumPy's λ Σ w², and model.losses."""
    k = keras()
    seed(0)
    lam = 0.01
    layer = k.layers.Dense(2, kernel_regularizer=k.regularizers.L2(lam))
    model = k.Sequential([k.Input((3,)), layer])
    w = model.layers[0].kernel.numpy()
    with np.printoptions(precision=4, suppress=True):
        print(f"kernel W (3 x 2):\n{w}")
    print(table({
        "lambda": lam,
        "NumPy: lambda * sum(W**2)": l2_penalty([w], lam),
        "Keras: model.losses": [float(v) for v in model.losses],
    }))


def task_data(seed_value: int = 0) -> dict[str, np.ndarray]:
    """16 training and 1000 held-out points of y = sin(3x) + noise, x in [-1, 1]."""
    rng = np.random.default_rng(seed_value)

    def draw(n):
        x = rng.uniform(-1.0, 1.0, size=(n, 1)).astype("float32")
        return x, (np.sin(3 * x) + NOISE * rng.normal(size=(n, 1))).astype("float32")

    x_train, y_train = draw(N_TRAIN)
    x_held, y_held = draw(N_HELD)
    return {"x_train": x_train, "y_train": y_train, "x_held": x_held, "y_held": y_held}


@functools.cache
def train(kind: str = "l2", lam: float = 0.0) -> dict:
    """Full-batch Adam for STEPS steps on the 16 points, minimising MSE + penalty.

    Same data, initial weights, optimizer and steps for every penalty.
    ``model.losses`` holds the penalty terms; the loss adds their sum.
    """
    k, t = keras(), tf()
    d = task_data()
    model = mlp(kind, lam)
    optimizer = k.optimizers.Adam(LEARNING_RATE)
    optimizer.build(model.trainable_variables)
    mse = k.losses.MeanSquaredError()

    def loss_fn(y, pred):
        return mse(y, pred) + sum(model.losses)

    full_batch_loop()(model, optimizer, loss_fn, t.constant(d["x_train"]),
                      t.constant(d["y_train"]), t.constant(STEPS))
    w = np.concatenate([v.ravel() for v in kernels(model)])
    return {
        "model": model,
        "train_mse": float(np.mean((model(d["x_train"]).numpy() - d["y_train"]) ** 2)),
        "held_mse": float(np.mean((model(d["x_held"]).numpy() - d["y_held"]) ** 2)),
        "weight_norm": float(np.sqrt(np.sum(w**2))),
        "near_zero": int(np.sum(np.abs(w) < NEAR_ZERO)),
        "exactly_zero": int(np.sum(w == 0)),
        "weights": w,
    }


def sweep() -> dict[float, dict]:
    """The L2 runs for every λ in LAMBDAS."""
    return {lam: train("l2", lam) for lam in LAMBDAS}


def best_lambda() -> float:
    """The λ with the lowest held-out error."""
    runs = sweep()
    return min(runs, key=lambda lam: runs[lam]["held_mse"])


def show_sweep() -> None:
    """Training and held-out error, weight size and near-zero weights, per penalty."""
    n_weights = train("l2", 0.0)["weights"].size
    print(f"{'penalty':<12} {'train MSE':>10} {'held-out MSE':>13} {'||W||':>7}"
          f" {'|w| < 1e-3':>11}")
    rows = [("l2", lam) for lam in LAMBDAS] + [("l1", L1_LAMBDA)]
    for kind, lam in rows:
        run = train(kind, lam)
        name = "none" if lam == 0 else f"{kind.upper()} {lam:g}"
        mark = "   <- lowest held-out error" if kind == "l2" and lam == best_lambda() else ""
        print(f"{name:<12} {run['train_mse']:>10.4f} {run['held_mse']:>13.4f}"
              f" {run['weight_norm']:>7.2f} {run['near_zero']:>11}{mark}")
    print(table({
        "weights in the kernels": n_weights,
        "noise level (best possible held-out MSE)": NOISE**2,
        f"exactly zero weights with L1 {L1_LAMBDA:g}": train("l1", L1_LAMBDA)["exactly_zero"],
    }))


def cross_check() -> dict[str, float]:
    """Keras's penalties, loss and penalty gradient, recomputed in NumPy.

    1. ``model.losses`` of the trained L2 and L1 networks equal λ Σ w² and
       λ Σ |w| over their kernels, layer by layer.
    2. ``evaluate`` on a model compiled with ``loss="mse"`` returns the
       data MSE plus the penalty.
    3. The gradient of the L2 penalty is 2 λ w (``tf.GradientTape``), so the
       penalty shrinks each weight in proportion to its size.
    """
    t = tf()
    d = task_data()
    out = {}
    for kind, lam, penalty in (("l2", best_lambda(), l2_penalty), ("l1", L1_LAMBDA, l1_penalty)):
        model = train(kind, lam)["model"]
        keras_terms = [float(v) for v in model.losses]
        numpy_terms = [penalty([w], lam) for w in kernels(model)]
        np.testing.assert_allclose(keras_terms, numpy_terms, rtol=1e-5)
        out[f"{kind.upper()} {lam:g}: sum of model.losses"] = float(sum(keras_terms))
        out[f"{kind.upper()} {lam:g}: NumPy penalty"] = float(sum(numpy_terms))

    model = train("l2", best_lambda())["model"]
    model.compile(loss="mse")
    evaluated = model.evaluate(d["x_held"], d["y_held"], verbose=0)
    data_mse = float(np.mean((model.predict(d["x_held"], verbose=0) - d["y_held"]) ** 2))
    penalty = l2_penalty(kernels(model), best_lambda())
    np.testing.assert_allclose(evaluated, data_mse + penalty, rtol=1e-5)

    kernel = model.layers[1].kernel
    with t.GradientTape() as tape:
        term = model.layers[1].kernel_regularizer(kernel)
    grad = tape.gradient(term, kernel).numpy()
    np.testing.assert_allclose(grad, 2 * best_lambda() * kernel.numpy(), rtol=1e-5, atol=1e-9)
    out.update({
        "evaluate on held-out data": float(evaluated),
        "NumPy: data MSE + penalty": data_mse + penalty,
        "max |penalty gradient - 2 lambda w|": float(
            np.abs(grad - 2 * best_lambda() * kernel.numpy()).max()),
    })
    return out


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# --- Plots -------------------------------------------------------------------


def _lambda_positions() -> np.ndarray:
    """x positions for a log axis, with λ = 0 drawn at a tenth of the smallest λ > 0."""
    lams = np.array(LAMBDAS)
    return np.where(lams == 0, lams[lams > 0].min() / 10, lams)


def plot_sweep():
    """Left: training and held-out error against λ. Right: three fitted curves."""
    import matplotlib.pyplot as plt

    d, runs, pos = task_data(), sweep(), _lambda_positions()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(pos, [r["train_mse"] for r in runs.values()], "o-", label="training MSE")
    ax1.plot(pos, [r["held_mse"] for r in runs.values()], "s-", label="held-out MSE")
    ax1.axhline(NOISE**2, color="k", ls=":", lw=1, label="noise level")
    ax1.set_xscale("log")
    ax1.set_xticks(pos, ["0"] + [f"{lam:g}" for lam in LAMBDAS[1:]])
    ax1.set(xlabel="L2 strength lambda", ylabel="mean squared error",
            title="Too little and too much penalty")
    ax1.legend(loc="upper center", fontsize=8)

    grid = np.linspace(-1, 1, 300, dtype="float32")[:, None]
    ax2.plot(grid, np.sin(3 * grid), color="k", ls=":", lw=1, label="true function")
    for lam in (0.0, best_lambda(), LAMBDAS[-1]):
        ax2.plot(grid, runs[lam]["model"](grid).numpy(), label=f"lambda = {lam:g}")
    ax2.plot(d["x_train"], d["y_train"], "ko", ms=4, label="16 training points")
    ax2.set(xlabel="x", ylabel="y", title="Fitted curves", ylim=(-2, 2))
    ax2.legend(loc="lower right", fontsize=7, ncol=2)
    return fig


def plot_weights():
    """Left: kernel norm against λ. Right: distribution of |w|, no penalty vs L2 vs L1."""
    import matplotlib.pyplot as plt

    runs, pos = sweep(), _lambda_positions()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(pos, [r["weight_norm"] for r in runs.values()], "o-")
    ax1.set_xscale("log")
    ax1.set_xticks(pos, ["0"] + [f"{lam:g}" for lam in LAMBDAS[1:]])
    ax1.set(xlabel="L2 strength lambda", ylabel="||W|| (all kernels)", ylim=(0, None),
            title="Weights shrink as lambda grows")
    bins = np.logspace(-9, 1, 41)
    for kind, lam, label in (("l2", 0.0, "no penalty"), ("l2", L1_LAMBDA, f"L2 {L1_LAMBDA:g}"),
                             ("l1", L1_LAMBDA, f"L1 {L1_LAMBDA:g}")):
        w = np.abs(train(kind, lam)["weights"])
        ax2.hist(np.maximum(w, bins[0]), bins=bins, histtype="step", lw=1.5, label=label)
    ax2.axvline(NEAR_ZERO, color="k", ls=":", lw=1)
    ax2.set(xscale="log", xlabel="|w| (log scale)", ylabel="number of weights",
            title="L1 pushes weights to near zero")
    ax2.legend(loc="upper left", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_sweep, plot_sweep, plot_weights, show_cross_check)
