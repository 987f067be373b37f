"""Batch (批量; a mini-batch, 小批量): the group of training examples whose mean loss gives one gradient step.

The *batch size* (批量大小) B is how many examples the group holds. Full-batch
(batch) gradient descent uses all n examples for every step; mini-batch
training cuts each shuffled epoch into ceil(n / B) batches, so one epoch makes
ceil(n / B) updates, each from a noisy estimate of the full gradient. The
gradient of a batch's mean loss is the mean of the examples' gradients.

>>> from glossary_examples.epoch import steps_per_epoch
>>> [steps_per_epoch(128, b) for b in (1, 16, 48, 64, 128)]
[128, 8, 3, 2, 1]
>>> updates(epochs=50, n=128, batch_size=16), updates(epochs=50, n=128, batch_size=128)
(400, 50)
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower
from .epoch import batch_sizes, epoch_orders, network, stacked_apply, stacked_mlp, steps_per_epoch

# The generalisation experiment: a small noisy regression task.
N_TRAIN = 128
N_HELD = 1000
NOISE = 0.3  # so no model can get a held-out MSE below NOISE**2 = 0.09
UNITS = 32
BATCH_SIZES = (16, 64, N_TRAIN)  # the last one is full-batch training
EPOCHS = 50  # equal epochs: 50 passes over the data for every batch size
UPDATES = EPOCHS * (N_TRAIN // BATCH_SIZES[0])  # equal updates: what B = 16 gets, 400
LEARNING_RATE = 0.05
MOMENTUM = 0.9
SEED_VALUES = tuple(range(SEEDS))  # seeds of the initial weights and the epoch orders


def updates(epochs: int, n: int, batch_size: int) -> int:
    """Gradient steps in ``epochs`` epochs: ``epochs * ceil(n / batch_size)``."""
    return epochs * steps_per_epoch(n, batch_size)


def show_example() -> None:
    """Batches per epoch and updates in 50 epochs for 128 examples."""
    n = N_TRAIN
    print(f"n = {n} training examples")
    print(f"{'batch size':>10}  {'batches per epoch':>17}  {'batch sizes':<28}"
          f"  {'updates in 50 epochs':>20}")
    for b in (1, 16, 48, 64, n):
        sizes = batch_sizes(n, b)
        shown = str(sizes) if len(sizes) <= 4 else f"[{b}, {b}, ... ({len(sizes)} batches)]"
        print(f"{b:>10}  {steps_per_epoch(n, b):>17}  {shown:<28}  {updates(50, n, b):>20}")


# --- Keras's batches, recomputed in NumPy -----------------------------------


@functools.cache
def _counting_callback():

    class CountBatches(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.count = 0

        def on_train_batch_end(self, batch, logs=None):
            self.count += 1

    return CountBatches


def batches_counted_by_keras(n: int, sizes=(16, 48, 64, 128)) -> list[int]:
    """The batches one epoch of ``fit`` runs, counted by a callback, per batch size."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((n, 2), dtype="float32")
    counts = []
    for b in sizes:
        counter = _counting_callback()()
        data = tf.data.Dataset.from_tensor_slices((x, x[:, :1])).batch(b)
        model.fit(data, epochs=1, shuffle=False, verbose=0, callbacks=[counter])
        counts.append(counter.count)
    return counts


def batch_gradient_vs_numpy(batch: int = 16, seed_value: int = 0) -> dict[str, np.ndarray]:
    """Gradient of a batch's mean squared error for one linear unit, two ways.

    TensorFlow differentiates the mean loss of the batch; NumPy averages the
    per-example gradients 2 (w·x_i + b − y_i) (x_i, 1).
    """
    keras.utils.set_random_seed(seed_value)
    layer = keras.layers.Dense(1)
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(batch, 3)).astype("float32")
    y = rng.normal(size=(batch, 1)).astype("float32")
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(y, layer(x))
    g_kernel, g_bias = (g.numpy() for g in tape.gradient(loss, layer.trainable_variables))
    w, b = (v.numpy() for v in layer.weights)
    residual = x @ w + b - y  # (batch, 1)
    per_example = 2 * residual * np.concatenate([x, np.ones((batch, 1))], axis=1)
    return {"tensorflow": np.concatenate([g_kernel[:, 0], g_bias]),
            "numpy": per_example.mean(axis=0), "per_example": per_example}


def batch_gradient_variance(sizes=(1, 16, 64, 128), draws: int = 4000,
                            seed_value: int = 0) -> dict[int, tuple[float, float, float]]:
    """Variance of a random batch's mean gradient: measured, and two formulas.

    Per-example gradients of a linear unit at w = 0, b = 0 on the training
    inputs; ``draws`` batches of each size drawn *without* replacement, as
    in an epoch. Returns, per size B, (measured, σ²/B · (n − B)/(n − 1),
    σ²/B), each summed over the gradient's components.
    """
    d = task_data()
    x, y = d["x_train"].astype("float64"), d["y_train"].astype("float64")
    per_example = -2 * y * np.concatenate([x, np.ones((len(x), 1))], axis=1)  # at w = 0, b = 0
    n, sigma2 = len(x), per_example.var(axis=0).sum()
    rng = np.random.default_rng(seed_value)
    orders = np.argsort(rng.random((draws, n)), axis=1)  # a random permutation per draw
    out = {}
    for b in sizes:
        means = per_example[orders[:, :b]].mean(axis=1)  # (draws, components)
        out[b] = (float(means.var(axis=0).sum()), sigma2 / b * (n - b) / (n - 1), sigma2 / b)
    return out


def cross_check() -> dict[str, object]:
    """Keras's batching and batch gradients, recomputed in NumPy.

    1. The batches a callback counts in one epoch of ``fit`` equal
       ``ceil(n / batch_size)``.
    2. The gradient of a batch's mean loss (``tf.GradientTape``) equals the
       mean of the per-example gradients computed in NumPy.
    3. The variance of a random batch's mean gradient, measured over many
       batches drawn without replacement, matches σ²/B · (n − B)/(n − 1).
    4. One epoch of the side-by-side training used in the experiment below
       gives the same weights as one epoch of ``model.fit`` on the same batches.
    """
    sizes = (16, 48, 64, 128)
    counted = batches_counted_by_keras(N_TRAIN, sizes)
    formula = [steps_per_epoch(N_TRAIN, b) for b in sizes]
    np.testing.assert_array_equal(counted, formula)

    grads = batch_gradient_vs_numpy()
    np.testing.assert_allclose(grads["tensorflow"], grads["numpy"], rtol=1e-5, atol=1e-6)
    spread = grads["per_example"].std(axis=0) / np.abs(grads["numpy"])

    variance = batch_gradient_variance()
    for b, (measured, formula_b, _) in variance.items():
        np.testing.assert_allclose(measured, formula_b, rtol=0.1, atol=1e-12)

    ours, by_fit = loop_vs_fit()
    for a, b in zip(ours, by_fit):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    rows = {f"B = {b}: variance measured, sigma²/B·(n-B)/(n-1), sigma²/B": list(v)
            for b, v in variance.items()}
    glue("var_ratio_64", variance[64][1] / variance[64][2])
    return {
        f"batch sizes (n = {N_TRAIN})": list(sizes),
        "batches per epoch, Keras callback": counted,
        "ceil(n / batch_size)": formula,
        "batch gradient, TensorFlow": grads["tensorflow"].tolist(),
        "mean of per-example gradients, NumPy": grads["numpy"].tolist(),
        "per-example spread / |batch gradient|, median": float(np.median(spread)),
        **rows,
        "side by side vs fit, max weight difference after 1 epoch": float(
            max(np.abs(a - b).max() for a, b in zip(ours, by_fit))),
    }


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# --- The experiment: does mini-batch training generalise better? -----------


def task_data(seed_value: int = 1) -> dict[str, np.ndarray]:
    """128 training and 1000 held-out examples of y = sin(3 x1) cos(2 x2) + noise."""
    rng = np.random.default_rng(seed_value)

    def draw(n):
        x = rng.uniform(-1.0, 1.0, size=(n, 2)).astype("float32")
        clean = np.sin(3 * x[:, :1]) * np.cos(2 * x[:, 1:])
        return x, (clean + NOISE * rng.normal(size=(n, 1))).astype("float32")

    x_train, y_train = draw(N_TRAIN)
    x_held, y_held = draw(N_HELD)
    return {"x_train": x_train, "y_train": y_train, "x_held": x_held, "y_held": y_held}


def _optimizer():
    return keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM)


@functools.cache
def _compiled_loop():
    """Updates ``first`` to ``last`` of every batch size's networks, side by side, as one graph.

    At update u, the networks of batch size B take the examples
    ``order[u·B : (u+1)·B]`` of their seed's order: the epochs' permutations
    one after another, so a batch never straddles two epochs when B divides n.
    """

    @tf.function
    def mse(groups, x, y):  # per batch size and network, on all of (x, y)
        x = tf.broadcast_to(x, (SEEDS, *x.shape))
        return {b: tf.reduce_mean(tf.square(stacked_apply(params, x, tf.tanh) - y), axis=[1, 2])
                for b, params in groups.items()}

    @tf.function
    def loop(groups, optimizer, x, y, orders, first, last):
        variables = [v for params in groups.values() for v in params]
        for u in tf.range(first, last):
            with tf.GradientTape() as tape:
                losses = []
                for size, params in groups.items():  # every batch size, each its own batch
                    ids = orders[:, u * size:(u + 1) * size]  # (seeds, size)
                    pred = stacked_apply(params, tf.gather(x, ids), tf.tanh)
                    losses.append(tf.reduce_sum(tf.reduce_mean(
                        tf.square(pred - tf.gather(y, ids)), axis=[1, 2])))
                loss = tf.add_n(losses)
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))

    return loop, mse


def record_points() -> list[int]:
    """The updates after which the errors are measured: spread on a log scale, plus
    every batch size's update count at EPOCHS epochs and one epoch of the smallest batch."""
    needed = {EPOCHS * steps_per_epoch(N_TRAIN, b) for b in BATCH_SIZES}
    needed |= {UPDATES, steps_per_epoch(N_TRAIN, BATCH_SIZES[0])}
    return sorted(needed | set(np.round(np.geomspace(1, UPDATES, 24)).astype(int).tolist()))


@functools.cache
def train_all() -> dict:
    """Train the MLP with every batch size on every seed for UPDATES updates, side by side.

    A seed sets the initial weights and the order of the examples in every
    epoch, and both are shared by the three batch sizes: the runs of one
    seed differ only in the batch size. Everything else is shared too: data,
    optimizer (SGD with momentum), learning rate. Returns the held-out MSE
    of every network at every recorded update, and the training MSE at the end.
    """
    d = task_data()
    groups = {b: stacked_mlp([2, UNITS, UNITS, 1], SEED_VALUES) for b in BATCH_SIZES}
    initial = {b: [p.numpy() for p in params] for b, params in groups.items()}
    optimizer = _optimizer()
    optimizer.build([v for params in groups.values() for v in params])
    epochs = UPDATES // steps_per_epoch(N_TRAIN, max(BATCH_SIZES))  # the full batch needs most
    orders = tf.constant(epoch_orders(SEED_VALUES, epochs, N_TRAIN).reshape(SEEDS, -1))
    x, y = tf.constant(d["x_train"]), tf.constant(d["y_train"])
    loop, mse = _compiled_loop()
    held = {b: [] for b in BATCH_SIZES}
    snapshot, done = None, 0
    for point in record_points():
        loop(groups, optimizer, x, y, orders, tf.constant(done), tf.constant(point))
        done = point
        for b, errors in mse(groups, d["x_held"], d["y_held"]).items():
            held[b].append(errors.numpy())
        if point == steps_per_epoch(N_TRAIN, BATCH_SIZES[0]):  # one epoch of the smallest batch
            snapshot = [p.numpy() for p in groups[BATCH_SIZES[0]]]
    points = np.array(record_points())
    return {
        "updates": points,
        "held_mse": {b: np.array(v).T for b, v in held.items()},  # (seeds, points)
        "train_mse": {b: v.numpy() for b, v in mse(groups, d["x_train"], d["y_train"]).items()},
        "initial": initial,
        "after_one_epoch": snapshot,
        "orders": orders.numpy(),
    }


def at(b: int, what: str, update: int) -> np.ndarray:
    """One batch size's MSE (``what``: "held_mse" or "train_mse") after ``update`` updates, per seed."""
    run = train_all()
    if what == "train_mse":  # measured at the end only
        assert update == run["updates"][-1]
        return run["train_mse"][b]
    return run[what][b][:, list(run["updates"]).index(update)]


def loop_vs_fit(batch_size: int = 16) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Seed 0's network after one epoch side by side, and alone with ``model.fit``, same batches."""
    run = train_all()
    d = task_data()
    order = run["orders"][0, :N_TRAIN]
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(UNITS, activation="tanh"),
        keras.layers.Dense(UNITS, activation="tanh"),
        keras.layers.Dense(1),
    ])
    model.set_weights(network(run["initial"][batch_size], 0))
    model.compile(optimizer=_optimizer(), loss="mse", run_eagerly=True)
    data = tf.data.Dataset.from_tensor_slices(
        (d["x_train"][order], d["y_train"][order])).batch(batch_size)
    model.fit(data, epochs=1, shuffle=False, verbose=0)
    return network(run["after_one_epoch"], 0), model.get_weights()


def comparison() -> dict[int, dict[str, Spread]]:
    """Held-out MSE per batch size over the seeds: at EPOCHS epochs, at UPDATES updates, best."""
    out = {}
    for b in BATCH_SIZES:
        run = train_all()
        at_epochs = EPOCHS * steps_per_epoch(N_TRAIN, b)
        out[b] = {
            f"held-out MSE at {EPOCHS} epochs": Spread.of(at(b, "held_mse", at_epochs)),
            f"held-out MSE at {UPDATES} updates": Spread.of(at(b, "held_mse", UPDATES)),
            f"training MSE at {UPDATES} updates": Spread.of(at(b, "train_mse", UPDATES)),
            "lowest held-out MSE of the run": Spread.of(run["held_mse"][b].min(axis=1)),
        }
    return out


def show_comparison() -> None:
    """The experiment's numbers, per batch size: mean ± sd (min–max) over the seeds."""
    cmp = comparison()
    for b, rows in cmp.items():
        name = f"B = {b}" + (" (full batch)" if b == N_TRAIN else "")
        print(f"{name}: {updates(EPOCHS, N_TRAIN, b)} updates in {EPOCHS} epochs,"
              f" {UPDATES // steps_per_epoch(N_TRAIN, b)} epochs for {UPDATES} updates")
        print(table({r: str(s) for r, s in rows.items()}, indent="  "))
    print(f"noise level (best possible MSE): {NOISE ** 2:.4g}")
    for b, rows in cmp.items():
        for r, s in rows.items():
            key = {f"held-out MSE at {EPOCHS} epochs": "epochs", f"held-out MSE at {UPDATES} updates":
                   "updates", f"training MSE at {UPDATES} updates": "train",
                   "lowest held-out MSE of the run": "lowest"}[r]
            glue(f"{key}_{b}", s.mean)
            glue(f"{key}_{b}_min", s.min)
            glue(f"{key}_{b}_max", s.max)
    glue("n_seeds", SEEDS)
    glue("learning_rate", LEARNING_RATE)
    glue("momentum", MOMENTUM)
    glue("noise", NOISE)
    glue("noise_mse", NOISE ** 2)


def check_batch_minibatch_generalises() -> ClaimCheck:
    """Claim: mini-batch training generalises better than full-batch training.

    Held-out MSE of each mini-batch size against full-batch's over the
    seeds, at equal epochs and at equal updates. Better counts only by the
    spread rule: every seed of the mini-batch size below every seed of the
    full batch. Holds if every mini-batch size is better in both
    comparisons, wrong if in neither, conditions otherwise.
    """
    cmp = comparison()
    full = cmp[N_TRAIN]
    evidence: dict[str, object] = {}
    better = {"epochs": [], "updates": []}
    for b in BATCH_SIZES[:-1]:
        for when, row in (("epochs", f"held-out MSE at {EPOCHS} epochs"),
                          ("updates", f"held-out MSE at {UPDATES} updates")):
            better[when].append(lower(cmp[b][row], full[row]))
            evidence[f"B = {b} vs full batch, {row}: means"] = [cmp[b][row].mean, full[row].mean]
    for when in better:
        evidence[f"below full batch on every seed at equal {when} (B = 16, 64)"] = better[when]
    row = f"held-out MSE at {UPDATES} updates"
    evidence["full batch below B on every seed at equal updates (B = 16, 64)"] = [
        lower(full[row], cmp[b][row]) for b in BATCH_SIZES[:-1]]
    flags = better["epochs"] + better["updates"]
    if all(flags):
        verdict = "holds"
    elif any(flags):
        verdict = "conditions"
    else:
        verdict = "wrong"
    return ClaimCheck("batch-minibatch-generalises", verdict, evidence)


def plot_generalisation():
    """Held-out MSE against epochs (left) and against updates (right): mean and range over seeds."""
    import matplotlib.pyplot as plt

    run = train_all()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
    for b in BATCH_SIZES:
        held = run["held_mse"][b]
        label = f"batch size {b}" + (" (full batch)" if b == N_TRAIN else "")
        for ax, x in ((ax1, run["updates"] / steps_per_epoch(N_TRAIN, b)), (ax2, run["updates"])):
            line, = ax.plot(x, held.mean(axis=0), label=label)
            ax.fill_between(x, held.min(axis=0), held.max(axis=0), color=line.get_color(),
                            alpha=0.2, lw=0)
    for ax, where, what in ((ax1, EPOCHS, "epochs"), (ax2, UPDATES, "updates")):
        ax.axhline(NOISE ** 2, color="k", ls=":", lw=1, label="noise level")
        ax.axvline(where, color="0.5", ls="--", lw=1)
        ax.set(xscale="log", xlabel=f"{what} (log scale)",
               title=f"Held-out error against {what}")
    ax1.set(ylabel=f"held-out MSE ({SEEDS} seeds)", ylim=(0, 0.5))
    ax1.text(EPOCHS * 0.92, 0.46, f"{EPOCHS} epochs", ha="right", fontsize=9)
    ax2.text(UPDATES * 0.92, 0.46, f"{UPDATES} updates", ha="right", fontsize=9)
    ax2.legend(loc="lower left", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_generalisation,
    show_cross_check,
    show_comparison,
    check_batch_minibatch_generalises,
)
