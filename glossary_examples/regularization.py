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

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower
from .epoch import flatten, network, stacked_apply, stacked_init, unflatten

N_TRAIN = 16
N_HELD = 1000
NOISE = 0.3  # held-out MSE cannot go below NOISE**2 = 0.09
UNITS = 32
STEPS = 1500
LEARNING_RATE = 0.01
LAMBDAS = (0.0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2)
L1_LAMBDA = 1e-3
NEAR_ZERO = 1e-3  # |w| below this counts as "near zero"
SEED_VALUES = tuple(range(SEEDS))  # initial-weight seeds


def l2_penalty(kernels, lam: float) -> float:
    """λ Σ w² over all the given weight arrays."""
    return lam * sum(float(np.sum(np.square(w))) for w in kernels)


def l1_penalty(kernels, lam: float) -> float:
    """λ Σ |w| over all the given weight arrays."""
    return lam * sum(float(np.sum(np.abs(w))) for w in kernels)


def regularizer(kind: str, lam: float):
    """``keras.regularizers.L2(lam)`` or ``L1(lam)``; None for lam = 0."""
    if lam == 0:
        return None
    return {"l2": keras.regularizers.L2, "l1": keras.regularizers.L1}[kind](lam)


def mlp(kind: str = "l2", lam: float = 0.0):
    """Two tanh layers of 32 units and a linear output, every kernel penalised."""
    return keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(UNITS, activation="tanh", kernel_regularizer=regularizer(kind, lam)),
        keras.layers.Dense(UNITS, activation="tanh", kernel_regularizer=regularizer(kind, lam)),
        keras.layers.Dense(1, kernel_regularizer=regularizer(kind, lam)),
    ])


def kernels(model) -> list[np.ndarray]:
    """The weight matrices of a model (biases are not penalised)."""
    return [layer.kernel.numpy() for layer in model.layers]


def show_example() -> None:
    """One Dense layer with an L2 penalty: its kernel, NumPy's λ Σ w², and model.losses."""
    keras.utils.set_random_seed(0)
    lam = 0.01
    layer = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(lam))
    model = keras.Sequential([keras.Input((3,)), layer])
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


SETTINGS = tuple(("l2", lam) for lam in LAMBDAS) + (("l1", L1_LAMBDA),)


def penalties(settings=SETTINGS):
    """Per stacked network, its L2 and its L1 strength: one setting per seed block."""
    l2 = [lam if kind == "l2" else 0.0 for kind, lam in settings for _ in SEED_VALUES]
    l1 = [lam if kind == "l1" else 0.0 for kind, lam in settings for _ in SEED_VALUES]
    return np.array(l2, "float32"), np.array(l1, "float32")


def total_loss(params, x, y, l2, l1):
    """Every network's MSE plus its own penalty on its own kernels, summed over networks.

    No weight is shared, so each network's weights get the gradient of its
    own penalised loss.
    """
    mse = tf.reduce_mean(tf.square(stacked_apply(params, x, tf.tanh) - y), axis=[1, 2])
    kernels = params[0::2]
    squares = tf.add_n([tf.reduce_sum(tf.square(w), axis=[1, 2]) for w in kernels])
    sizes = tf.add_n([tf.reduce_sum(tf.abs(w), axis=[1, 2]) for w in kernels])
    return tf.reduce_sum(mse + l2 * squares + l1 * sizes)


@functools.cache
def _loop():

    @tf.function
    def loop(theta, shapes, optimizer, x, y, l2, l1, steps):
        for _ in tf.range(steps):
            with tf.GradientTape() as tape:
                loss = total_loss(unflatten(theta, shapes), x, y, l2, l1)
            optimizer.apply_gradients([(tape.gradient(loss, theta), theta)])

    return loop


@functools.cache
def train_all() -> dict:
    """Every setting (no penalty, five L2 strengths, one L1) on every seed, trained together.

    The 35 networks are stacked into one model (``stacked_init``): network
    i·5 + s has setting i and initial-weight seed s. Full-batch Adam for
    STEPS steps on the 16 points, each network minimising its MSE plus its
    own penalty. Same data, optimizer and steps for all. All the weights sit
    in one flat vector ``theta``; Adam updates every number of it from that
    number's own gradient history, so it is one Adam per network.
    """
    d = task_data()
    initial = stacked_init([1, UNITS, UNITS, 1], SEED_VALUES * len(SETTINGS))
    shapes = tuple(w.shape for w in initial)
    theta = tf.Variable(flatten(initial))
    n_nets = shapes[0][0]
    x = tf.constant(np.broadcast_to(d["x_train"], (n_nets, N_TRAIN, 1)))
    y = tf.constant(d["y_train"])
    l2, l1 = (tf.constant(v) for v in penalties())
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build([theta])
    _loop()(theta, shapes, optimizer, x, y, l2, l1, tf.constant(STEPS))
    weights = [w.numpy() for w in unflatten(theta, shapes)]

    def mse(xs, ys):
        xs = np.broadcast_to(xs, (n_nets, *xs.shape))
        return np.mean((stacked_apply(weights, xs, tf.tanh).numpy() - ys) ** 2, axis=(1, 2))

    flat = np.concatenate([w.reshape(n_nets, -1) for w in weights[0::2]], axis=1)
    return {
        "weights": weights,
        "train_mse": mse(d["x_train"], d["y_train"]),
        "held_mse": mse(d["x_held"], d["y_held"]),
        "weight_norm": np.sqrt(np.sum(flat**2, axis=1)),
        "near_zero": np.sum(np.abs(flat) < NEAR_ZERO, axis=1),
        "exactly_zero": np.sum(flat == 0, axis=1),
        "kernels": flat,
    }


def train(kind: str = "l2", lam: float = 0.0) -> dict:
    """One setting's results, one value per seed, and its networks' stacked weights."""
    i = SETTINGS.index((kind, lam))
    block = slice(i * SEEDS, (i + 1) * SEEDS)
    run = train_all()
    out = {key: run[key][block] for key in run if key != "weights"}
    out["weights"] = [w[block] for w in run["weights"]]
    return out


def sweep() -> dict[float, dict]:
    """The L2 runs for every λ in LAMBDAS."""
    return {lam: train("l2", lam) for lam in LAMBDAS}


def best_lambda() -> float:
    """The λ with the lowest held-out error, on average over the seeds."""
    runs = sweep()
    return min(runs, key=lambda lam: runs[lam]["held_mse"].mean())


def show_sweep() -> None:
    """Training and held-out error, weight size and near-zero weights, per penalty."""
    n_weights = train_all()["kernels"].shape[1]
    print(f"means over {SEEDS} seeds; held-out MSE also as min-max")
    print(f"{'penalty':<12} {'train MSE':>10} {'held-out MSE':>30} {'||W||':>7}"
          f" {'|w| < 1e-3':>11}")
    for kind, lam in SETTINGS:
        run = train(kind, lam)
        name = "none" if lam == 0 else f"{kind.upper()} {lam:g}"
        held = Spread.of(run["held_mse"])
        mark = "   <- lowest mean held-out" if kind == "l2" and lam == best_lambda() else ""
        print(f"{name:<12} {run['train_mse'].mean():>10.4f}"
              f" {f'{held.mean:.4f} ({held.min:.4f}-{held.max:.4f})':>30}"
              f" {run['weight_norm'].mean():>7.2f} {run['near_zero'].mean():>11.1f}{mark}")
    best, none, most = (Spread.of(train("l2", lam)["held_mse"])
                        for lam in (best_lambda(), 0.0, LAMBDAS[-1]))
    l1 = train("l1", L1_LAMBDA)
    l2_same = train("l2", L1_LAMBDA)
    print(table({
        "weights in the kernels": n_weights,
        "noise level (best possible held-out MSE)": NOISE**2,
        "best L2 held-out below no penalty on every seed": lower(best, none),
        f"best L2 held-out below L2 {LAMBDAS[-1]:g} on every seed": lower(best, most),
        f"exactly zero weights with L1 {L1_LAMBDA:g}, per seed": l1["exactly_zero"].tolist(),
    }))
    glue("n_seeds", SEEDS)
    glue("n_weights", n_weights)
    glue("best_lambda", best_lambda())
    glue("held_none", none.mean)
    glue("held_best", best.mean)
    glue("held_ratio", best.mean / none.mean)
    glue("held_most", most.mean)
    glue("noise_mse", NOISE**2)
    glue("noise", NOISE)
    glue("train_none", float(train("l2", 0.0)["train_mse"].mean()))
    glue("l1_near_zero", float(l1["near_zero"].mean()))
    glue("l2_near_zero", float(l2_same["near_zero"].mean()))
    glue("l1_lambda", L1_LAMBDA)
    glue("steps", STEPS)
    glue("learning_rate", LEARNING_RATE)


def cross_check() -> dict[str, float]:
    """Keras's penalties, loss and penalty gradient, recomputed in NumPy and checked.

    1. A Keras model holding a trained L2 (and an L1) network's weights:
       ``model.losses`` equal λ Σ w² and λ Σ |w| over its kernels, layer by layer.
    2. ``evaluate`` on a model compiled with ``loss="mse"`` returns the
       data MSE plus the penalty.
    3. The gradient of the L2 penalty is 2 λ w (``tf.GradientTape``), so the
       penalty shrinks each weight in proportion to its size.
    4. For that trained network, the gradient of Keras's MSE + ``model.losses``
       equals its piece of the gradient of the stacked ``total_loss``.
    """
    d = task_data()
    out = {}
    models = {}
    for kind, lam, penalty in (("l2", best_lambda(), l2_penalty), ("l1", L1_LAMBDA, l1_penalty)):
        model = mlp(kind, lam)
        model.set_weights(network(train(kind, lam)["weights"], 0))  # its first seed
        keras_terms = [float(v) for v in model.losses]
        numpy_terms = [penalty([w], lam) for w in kernels(model)]
        np.testing.assert_allclose(keras_terms, numpy_terms, rtol=1e-5)
        out[f"{kind.upper()} {lam:g}: sum of model.losses"] = float(sum(keras_terms))
        out[f"{kind.upper()} {lam:g}: NumPy penalty"] = float(sum(numpy_terms))
        models[kind] = model

    model, lam = models["l2"], best_lambda()
    model.compile(loss="mse", run_eagerly=True)
    evaluated = model.evaluate(d["x_held"], d["y_held"], batch_size=N_HELD, verbose=0)
    data_mse = float(np.mean((model(d["x_held"]).numpy() - d["y_held"]) ** 2))
    penalty = l2_penalty(kernels(model), lam)
    np.testing.assert_allclose(evaluated, data_mse + penalty, rtol=1e-5)

    kernel = model.layers[1].kernel
    with tf.GradientTape() as tape:
        term = model.layers[1].kernel_regularizer(kernel)
    grad = tape.gradient(term, kernel).numpy()
    np.testing.assert_allclose(grad, 2 * lam * kernel.numpy(), rtol=1e-5, atol=1e-9)

    # 4. The stacked gradient, cut into networks, against Keras alone.
    params = [tf.Variable(w) for w in train_all()["weights"]]
    n_nets = params[0].shape[0]
    x = np.broadcast_to(d["x_train"], (n_nets, N_TRAIN, 1))
    l2, l1 = penalties()
    with tf.GradientTape() as tape:
        loss = total_loss(params, x, d["y_train"], l2, l1)
    joint = network([g.numpy() for g in tape.gradient(loss, params)],
                    SETTINGS.index(("l2", lam)) * SEEDS)
    with tf.GradientTape() as tape:
        alone_loss = (keras.losses.MeanSquaredError()(d["y_train"], model(d["x_train"]))
                      + sum(model.losses))
    alone = [g.numpy() for g in tape.gradient(alone_loss, model.trainable_variables)]
    for a, b in zip(alone, joint):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-7)
    out.update({
        "evaluate on held-out data": float(evaluated),
        "NumPy: data MSE + penalty": data_mse + penalty,
        "max |penalty gradient - 2 lambda w|": float(np.abs(grad - 2 * lam * kernel.numpy()).max()),
        "max |gradient alone - piece of stacked gradient|": float(
            max(np.abs(a - b).max() for a, b in zip(alone, joint))),
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


def _mean_and_range(ax, pos, values, marker, label):
    """The mean over seeds as a line, the min-max range as a band."""
    values = np.array(values)  # (settings, seeds)
    line, = ax.plot(pos, values.mean(axis=1), marker + "-", label=label)
    ax.fill_between(pos, values.min(axis=1), values.max(axis=1), color=line.get_color(),
                    alpha=0.25, lw=0)


def plot_sweep():
    """Left: training and held-out error against λ. Right: the fitted curves of three λ."""
    import matplotlib.pyplot as plt

    d, runs, pos = task_data(), sweep(), _lambda_positions()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    _mean_and_range(ax1, pos, [r["train_mse"] for r in runs.values()], "o", "training MSE")
    _mean_and_range(ax1, pos, [r["held_mse"] for r in runs.values()], "s", "held-out MSE")
    ax1.axhline(NOISE**2, color="k", ls=":", lw=1, label="noise level")
    ax1.set_xscale("log")
    ax1.minorticks_off()  # only the lambdas are marked
    ax1.set_xticks(pos, ["0"] + [f"{lam:g}" for lam in LAMBDAS[1:]])
    ax1.set(xlabel="L2 strength lambda", ylabel="mean squared error",
            title=f"Too little and too much penalty ({SEEDS} seeds)")
    ax1.legend(loc="upper center", fontsize=8)

    grid = np.linspace(-1, 1, 300, dtype="float32")[:, None]
    ax2.plot(grid, np.sin(3 * grid), color="k", ls=":", lw=1, label="true function")
    for color, lam in zip(("C0", "C1", "C2"), (0.0, best_lambda(), LAMBDAS[-1])):
        curves = stacked_apply(runs[lam]["weights"], np.broadcast_to(grid, (SEEDS, *grid.shape)),
                               tf.tanh).numpy()[..., 0]
        for i, curve in enumerate(curves):
            ax2.plot(grid, curve, color=color, lw=0.8,
                     label=f"lambda = {lam:g} ({SEEDS} seeds)" if i == 0 else None)
    ax2.plot(d["x_train"], d["y_train"], "ko", ms=4, label=f"{N_TRAIN} training points")
    ax2.set(xlabel="x", ylabel="y", title="Fitted curves", ylim=(-2, 2))
    ax2.legend(loc="lower right", fontsize=7, ncol=2)
    return fig


def plot_weights():
    """Left: kernel norm against λ. Right: distribution of |w|, no penalty vs L2 vs L1."""
    import matplotlib.pyplot as plt

    runs, pos = sweep(), _lambda_positions()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    _mean_and_range(ax1, pos, [r["weight_norm"] for r in runs.values()], "o", None)
    ax1.set_xscale("log")
    ax1.minorticks_off()  # only the lambdas are marked
    ax1.set_xticks(pos, ["0"] + [f"{lam:g}" for lam in LAMBDAS[1:]])
    ax1.set(xlabel="L2 strength lambda", ylabel="||W|| (all kernels)", ylim=(0, None),
            title="Weights shrink as lambda grows")
    bins = np.logspace(-9, 1, 41)
    for kind, lam, label in (("l2", 0.0, "no penalty"), ("l2", L1_LAMBDA, f"L2 {L1_LAMBDA:g}"),
                             ("l1", L1_LAMBDA, f"L1 {L1_LAMBDA:g}")):
        w = np.abs(train(kind, lam)["kernels"]).ravel()
        ax2.hist(np.maximum(w, bins[0]), bins=bins, histtype="step", lw=1.5, label=label)
    ax2.axvline(NEAR_ZERO, color="k", ls=":", lw=1)
    ax2.set(xscale="log", xlabel="|w| (log scale)", ylabel=f"weights ({SEEDS} seeds pooled)",
            title="L1 pushes weights to near zero")
    ax2.minorticks_off()  # decades only: cheaper to draw
    ax2.legend(loc="upper left", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_sweep, plot_sweep, plot_weights, show_cross_check)
