"""Underfitting (欠拟合): the model does poorly even on the data it was trained on.

Its training error stays well above what is reachable: the model is too
simple for the data (a large *bias*), or it was trained too briefly or with
too small a learning rate to reach its own best fit. Overfitting is the
opposite: a training error far below the error on new data.

>>> x = np.array([0.0, 1.0, 2.0])
>>> least_squares(x, 2 * x + 1)          # (slope, intercept) of y = 2x + 1
(2.0, 1.0)
>>> bias2, variance = bias_and_variance(np.array([[1.0, 3.0], [3.0, 3.0]]), np.array([2.0, 2.0]))
>>> float(bias2), float(variance)        # seeds in rows, grid points in columns
(0.5, 0.5)
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower, separated

# 1. The source's regression run (see the regression page): a line, trained too little.
N = 100  # inputs evenly spaced in [0, 1], targets x + noise
NOISE = 0.1
EPOCHS = 200
BATCH = 32
SOURCE_LR = 0.01  # the default learning rate of Keras's "sgd"
LARGER_LR = 0.1

# 2. A curve: too small a model, and for contrast one large enough to overfit.
CURVE_TRAIN = 20  # training points, x uniform in [0, 1], y = sin(2 pi x) + noise
CURVE_VAL = 200  # validation points drawn the same way
CURVE_NOISE = 0.2  # so the best possible mean squared error is 0.04
HIDDEN = (32, 32)  # the large model: two tanh layers of 32 units
STEPS = 1000  # full-batch Adam steps
ADAM_LR = 0.02


def least_squares(x, y) -> tuple[float, float]:
    """The closed-form least-squares line: (slope, intercept) from ``np.linalg.lstsq``."""
    design = np.column_stack([np.ravel(x), np.ones(np.size(x))]).astype("float64")
    (slope, intercept), *_ = np.linalg.lstsq(design, np.ravel(y).astype("float64"), rcond=None)
    return float(slope), float(intercept)


def bias_and_variance(predictions: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Squared bias and variance of predictions over seeds, averaged over the grid.

    ``predictions`` has one row per seed (one training set each), one column
    per input: bias² = mean over x of (mean over seeds − truth)², variance =
    mean over x of the variance over seeds.
    """
    bias2 = np.mean((predictions.mean(axis=0) - truth) ** 2)
    variance = np.mean(predictions.var(axis=0))
    return bias2, variance


# --- 1. Too little training: the source's regression run -------------------------------


def line_data(seed_value: int = 0):
    """The regression page's data: 100 x evenly spaced in [0, 1], y = x + noise (sd 0.1)."""
    rng = np.random.default_rng(seed_value)
    x = np.linspace(0.0, 1.0, N).reshape(-1, 1)
    return x.astype("float32"), (x + rng.normal(0.0, NOISE, size=(N, 1))).astype("float32")


@functools.cache
def line_trainer():
    """Five Dense(1) units side by side, SGD, and a compiled loop of 200 epochs of batches of 32.

    ``Dense(5)`` on the one input is five independent units ``w_k x + b_k``;
    unit k sees the targets of noise seed k, and the loss is the sum of the
    units' mean squared errors, so each unit gets exactly its own gradient.
    Every epoch takes the 100 examples in a new order (the one
    ``Dataset.shuffle(100, seed=0)`` gives, reshuffled every epoch), 32 at a
    time (the last batch has 4): ``fit``'s 800 steps, run in one call. The
    loop is traced once and serves every learning rate.
    """
    seeds = range(SEEDS)
    x = tf.constant(line_data()[0])
    y = tf.constant(np.hstack([line_data(s)[1] for s in seeds]))
    keras.utils.set_random_seed(0)
    shuffles = tf.data.Dataset.range(N).shuffle(N, seed=0).batch(N).repeat(EPOCHS)
    order = shuffles.batch(EPOCHS).get_single_element()  # (epochs, N) indices
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(SEEDS)])
    optimizer = keras.optimizers.SGD(SOURCE_LR)
    optimizer.build(model.trainable_variables)

    @tf.function
    def train():
        for epoch in tf.range(EPOCHS):
            for first in tf.range(0, N, BATCH):
                batch = order[epoch, first:first + BATCH]
                with tf.GradientTape() as tape:
                    errors = tf.gather(y, batch) - model(tf.gather(x, batch))
                    loss = tf.reduce_mean(tf.reduce_sum(tf.square(errors), axis=-1))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))

    return model, optimizer, train


@functools.cache
def line_runs(learning_rate: float) -> dict[str, np.ndarray]:
    """The five units trained from their start with ``learning_rate``: (w, b) per seed.

    Unit k starts as a Dense(1) with seed k would (Glorot uniform kernel,
    zero bias).
    """
    start = np.hstack([keras.initializers.GlorotUniform(seed=s)((1, 1)) for s in range(SEEDS)])
    model, optimizer, train = line_trainer()
    model.set_weights([start, np.zeros(SEEDS, "float32")])
    optimizer.learning_rate = learning_rate
    train()
    kernel, bias = model.get_weights()
    return {"start": np.column_stack([start.ravel(), np.zeros(SEEDS)]),
            "end": np.column_stack([kernel.ravel(), bias])}


def line_summary(learning_rate: float) -> dict[str, Spread]:
    """Per seed: training MSE above the least-squares MSE, and how much of the way is left.

    "Left" is the distance of (w, b) from the least-squares solution at the
    end, as a fraction of that distance at the start: 0 means converged.
    """
    runs = line_runs(learning_rate)
    excess, left = [], []
    for s, (start, end) in enumerate(zip(runs["start"], runs["end"])):
        x, y = line_data(s)
        best = np.array(least_squares(x, y))
        mse = lambda wb: float(np.mean((wb[0] * x + wb[1] - y) ** 2))  # noqa: E731
        excess.append(mse(end) - mse(best))
        left.append(np.linalg.norm(end - best) / np.linalg.norm(start - best))
    return {"excess": Spread.of(excess), "left": Spread.of(left), "left_per_seed": left}


def show_too_little_training() -> None:
    """The source's setting against a 10 times larger learning rate, 5 seeds each."""
    small, large = line_summary(SOURCE_LR), line_summary(LARGER_LR)
    glue("source_lr", SOURCE_LR)
    glue("larger_lr", LARGER_LR)
    glue("left_small_min", small["left"].min)
    glue("left_small_max", small["left"].max)
    glue("left_large_max", large["left"].max)
    glue("excess_small_max", small["excess"].max)
    distance = [float(np.linalg.norm(start - np.array(least_squares(*line_data(s)))))
                for s, start in enumerate(line_runs(SOURCE_LR)["start"])]
    closest = int(np.argmin(distance))
    glue("closest_seed", closest)
    glue("closest_left_large", large["left_per_seed"][closest])
    print(table({
        "seed": list(range(SEEDS)),
        "distance of the start from the least-squares (w, b)": distance,
        f"lr {SOURCE_LR}: fraction left, per seed": small["left_per_seed"],
        f"lr {LARGER_LR}: fraction left, per seed": large["left_per_seed"],
        f"lr {SOURCE_LR}: training MSE above the least-squares MSE": str(small["excess"]),
        f"lr {LARGER_LR}: training MSE above the least-squares MSE": str(large["excess"]),
        f"lr {SOURCE_LR}: fraction of the way to the optimum left": str(small["left"]),
        f"lr {LARGER_LR}: fraction of the way to the optimum left": str(large["left"]),
        "fraction left: ranges separated": glue("left_separated", separated(small["left"],
                                                                             large["left"])),
        "excess MSE: ranges separated": glue("excess_separated", separated(small["excess"],
                                                                           large["excess"])),
    }))


# --- 2. Too small a model: a line on a curve, against a model that overfits ---------------


def truth(x):
    """The curve the data come from."""
    return np.sin(2 * np.pi * x)


def curve_data(seed_value: int) -> dict[str, np.ndarray]:
    """20 training and 200 validation points of y = sin(2 pi x) + noise, x uniform in [0, 1]."""
    rng = np.random.default_rng(seed_value)
    out = {}
    for split, n in (("train", CURVE_TRAIN), ("val", CURVE_VAL)):
        x = rng.uniform(0.0, 1.0, size=(n, 1))
        out[f"x_{split}"] = x.astype("float32")
        out[f"y_{split}"] = (truth(x) + rng.normal(0.0, CURVE_NOISE, size=(n, 1))).astype("float32")
    return out


def stacked_model(hidden: tuple[int, ...]):
    """One network per seed, side by side: input (examples, 5, 1), output (examples, 5, 1).

    Each ``EinsumDense`` holds 5 independent weight matrices and applies copy
    k's to copy k's input, so the copies share nothing. ``hidden=()`` is a
    line ``w x + b`` per seed; ``(32, 32)`` two tanh layers of 32 units.
    Copy k's kernels are Glorot-uniform draws with seed k (plus 100 per layer).
    """

    def init(offset):
        def stacked_glorot(shape, dtype=None):
            return np.stack([keras.initializers.GlorotUniform(seed=offset + s)(shape[1:])
                             for s in range(SEEDS)])
        return stacked_glorot

    layers = [keras.Input((SEEDS, 1))]
    for i, units in enumerate(hidden):
        layers.append(keras.layers.EinsumDense("bki,kio->bko", (SEEDS, units), bias_axes="ko",
                                           activation="tanh", kernel_initializer=init(100 * i)))
    layers.append(keras.layers.EinsumDense("bki,kio->bko", (SEEDS, 1), bias_axes="ko",
                                       kernel_initializer=init(1000)))
    return keras.Sequential(layers)


def curve_runs(hidden: tuple[int, ...]) -> dict:
    """The run of ``stacked_model(hidden)`` (``()`` or ``HIDDEN``) from ``train_curves``."""
    return train_curves()[hidden]


@functools.cache
def train_curves() -> dict[tuple[int, ...], dict]:
    """Train the line and the MLP by full-batch Adam; training and validation MSE per step.

    One compiled loop (``tf.function``) runs all the steps of both models,
    each with its own Adam optimizer; after each step it records every
    copy's mean squared error on its training and on its validation points
    (the training error after a step is the one the next step computes for
    its gradient). The loss is the sum of the copies' errors, so each copy
    is trained exactly as it would be alone.
    """
    data = [curve_data(s) for s in range(SEEDS)]
    stack = {key: tf.constant(np.stack([d[key] for d in data], axis=1)) for key in data[0]}
    shapes = [(), HIDDEN]
    models = [stacked_model(hidden) for hidden in shapes]
    optimizers = [keras.optimizers.Adam(ADAM_LR) for _ in models]
    for model, optimizer in zip(models, optimizers):
        optimizer.build(model.trainable_variables)

    def per_copy_mse(model, x, y):
        return tf.reduce_mean(tf.square(model(x) - y), axis=[0, 2])

    def step(model, optimizer):  # one Adam step; returns the MSE before it
        with tf.GradientTape() as tape:
            mse = per_copy_mse(model, stack["x_train"], stack["y_train"])
            loss = tf.reduce_sum(mse)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return mse

    @tf.function
    def loop():
        train = [tf.TensorArray(tf.float32, size=STEPS + 1) for _ in models]  # after 0..STEPS
        val = [tf.TensorArray(tf.float32, size=STEPS) for _ in models]  # after 1..STEPS steps
        for i in tf.range(STEPS):
            mses = [step(model, optimizer) for model, optimizer in zip(models, optimizers)]
            train = [a.write(i, mse) for a, mse in zip(train, mses)]
            val = [a.write(i, per_copy_mse(model, stack["x_val"], stack["y_val"]))
                   for a, model in zip(val, models)]
        train = [a.write(STEPS, per_copy_mse(model, stack["x_train"], stack["y_train"]))
                 for a, model in zip(train, models)]
        return [a.stack()[1:] for a in train], [a.stack() for a in val]

    train, val = loop()
    return {hidden: {"model": model, "data": data, "train": tr.numpy(), "val": va.numpy()}
            for hidden, model, tr, va in zip(shapes, models, train, val)}


def grid_predictions(hidden: tuple[int, ...], grid: np.ndarray) -> np.ndarray:
    """Each seed's trained network on the grid: one row per seed."""
    model = curve_runs(hidden)["model"]
    inputs = np.repeat(grid.reshape(-1, 1, 1), SEEDS, axis=1).astype("float32")
    return model(inputs).numpy()[:, :, 0].T


def show_capacity() -> None:
    """A line and a 2×32 tanh network on the curve: errors after training, 5 seeds each."""
    rows = {}
    floor = CURVE_NOISE**2
    grid = np.linspace(0.0, 1.0, 201)
    for name, hidden in (("line", ()), ("MLP", HIDDEN)):
        run = curve_runs(hidden)
        final_train, final_val = Spread.of(run["train"][-1]), Spread.of(run["val"][-1])
        best_val = Spread.of(run["val"].min(axis=0))
        bias2, variance = bias_and_variance(grid_predictions(hidden, grid), truth(grid))
        rows[f"{name}: training MSE after {STEPS} steps"] = str(final_train)
        rows[f"{name}: validation MSE after {STEPS} steps"] = str(final_val)
        rows[f"{name}: lowest validation MSE on the way"] = str(best_val)
        rows[f"{name}: bias², variance over the 5 seeds"] = [float(bias2), float(variance)]
        key = name.lower()
        glue(f"{key}_train_min", final_train.min)
        glue(f"{key}_train_max", final_train.max)
        glue(f"{key}_val_min", final_val.min)
        glue(f"{key}_val_max", final_val.max)
        glue(f"{key}_best_val_min", best_val.min)
        glue(f"{key}_best_val_max", best_val.max)
        glue(f"{key}_bias2", float(bias2))
        glue(f"{key}_variance", float(variance))
        glue(f"{key}_train_below_floor", lower(final_train, Spread.of([floor] * SEEDS)))
    line, mlp = curve_runs(()), curve_runs(HIDDEN)
    rows["line training MSE above the MLP's on every seed"] = glue(
        "line_above_mlp", lower(Spread.of(mlp["train"][-1]), Spread.of(line["train"][-1])))
    rows["MLP: validation above training on every seed"] = glue(
        "mlp_gap", bool(np.all(mlp["val"][-1] > mlp["train"][-1])))
    rows["best possible MSE (noise variance)"] = glue("floor", floor)
    glue("steps", STEPS)
    glue("adam_lr", ADAM_LR)
    glue("curve_noise", CURVE_NOISE)
    print(table(rows))


def cross_check() -> dict[str, object]:
    """Each trained line equals the least-squares line of its seed's 20 points (NumPy)."""
    run = curve_runs(())
    kernel, bias = run["model"].get_weights()  # (5, 1, 1) and (5, 1)
    out: dict[str, object] = {}
    worst = 0.0
    for s, d in enumerate(run["data"]):
        slope, intercept = least_squares(d["x_train"], d["y_train"])
        np.testing.assert_allclose([kernel[s, 0, 0], bias[s, 0]], [slope, intercept], atol=1e-3)
        mse = float(np.mean((slope * d["x_train"] + intercept - d["y_train"]) ** 2))
        np.testing.assert_allclose(run["train"][-1, s], mse, rtol=1e-4)
        worst = max(worst, abs(kernel[s, 0, 0] - slope), abs(bias[s, 0] - intercept))
        if s == 0:
            out["seed 0: slope, intercept (Keras)"] = [float(kernel[s, 0, 0]), float(bias[s, 0])]
            out["seed 0: slope, intercept (lstsq)"] = [slope, intercept]
            out["seed 0: training MSE (Keras), of the lstsq line"] = [float(run["train"][-1, s]),
                                                                      mse]
    out["5 seeds: max |weight difference|"] = float(worst)
    return out


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def plot_curves():
    """Training and validation MSE per step: the line (underfits) and the MLP (overfits)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
    steps = np.arange(1, STEPS + 1)
    for ax, (title, hidden) in zip(axes, (("A line: underfits", ()),
                                          ("MLP 2×32 tanh: overfits", HIDDEN))):
        run = curve_runs(hidden)
        for split, color in (("train", "C0"), ("val", "C1")):
            ax.plot(steps, run[split].mean(axis=1), color=color,
                    label="training" if split == "train" else "validation")
            ax.fill_between(steps, run[split].min(axis=1), run[split].max(axis=1),
                            color=color, alpha=0.2)
        ax.axhline(CURVE_NOISE**2, color="k", ls=":", lw=1, label="noise variance")
        ax.set(xscale="log", yscale="log", xlabel="step", title=title, ylim=(1e-3, 2))
        ax.minorticks_off()  # decades only: cheaper to draw
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes[0].set_ylabel("MSE (mean and range, 5 seeds)")
    axes[0].legend(loc="lower left", fontsize=8)
    return fig


def plot_fits():
    """The 5 seeds' fitted functions: alike and wrong (line), right on average but scattered (MLP)."""
    import matplotlib.pyplot as plt

    grid = np.linspace(0.0, 1.0, 201)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.0), layout="constrained", sharey=True)
    for ax, (title, hidden) in zip(axes, (("A line: large bias, small variance", ()),
                                          ("MLP: small bias, large variance", HIDDEN))):
        ax.plot(grid, truth(grid), "k--", lw=1.5, label="truth sin(2πx)")
        for s, curve in enumerate(grid_predictions(hidden, grid)):
            ax.plot(grid, curve, color=f"C{s}", lw=1, alpha=0.8)
        d = curve_runs(hidden)["data"][0]
        ax.scatter(d["x_train"], d["y_train"], s=10, color="C0", label="seed 0's training data")
        ax.set(xlabel="x", title=title, ylim=(-2, 2))
    axes[0].set_ylabel("prediction (one line per seed)")
    axes[0].legend(loc="lower left", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_too_little_training, show_capacity, plot_curves, plot_fits, show_cross_check)
