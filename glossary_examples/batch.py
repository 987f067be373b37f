"""Batch (批次): the group of training examples whose mean loss gives one gradient step.

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

import numpy as np

from ._lib.claims import ClaimCheck
from .epoch import batch_sizes, steps_per_epoch
from ._lib.report import table
from ._lib.runtime import keras, seed, tf

# The generalisation experiment: a small noisy regression task.
N_TRAIN = 128
N_HELD = 2000
NOISE = 0.3  # so no model can get a held-out MSE below NOISE**2 = 0.09
UNITS = 64
BATCH_SIZES = (16, 64, N_TRAIN)  # the last one is full-batch training
EPOCHS = 50  # equal epochs: 50 passes over the data for every batch size
UPDATES = EPOCHS * (N_TRAIN // BATCH_SIZES[0])  # equal updates: what B = 16 gets, 400
LEARNING_RATE = 0.05
MOMENTUM = 0.9
CLEARLY = 0.9  # "clearly better": held-out MSE at most 0.9 times full-batch's


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
    k = keras()

    class CountBatches(k.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.count = 0

        def on_train_batch_end(self, batch, logs=None):
            self.count += 1

    return CountBatches


def batches_counted_by_keras(n: int, sizes=(16, 48, 64, 128)) -> list[int]:
    """The batches one epoch of ``fit`` runs, counted by a callback, per batch size."""
    k, t = keras(), tf()
    seed(0)
    model = k.Sequential([k.Input((2,)), k.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((n, 2), dtype="float32")
    counts = []
    for b in sizes:
        counter = _counting_callback()()
        data = t.data.Dataset.from_tensor_slices((x, x[:, :1])).batch(b)
        model.fit(data, epochs=1, shuffle=False, verbose=0, callbacks=[counter])
        counts.append(counter.count)
    return counts


def batch_gradient_vs_numpy(batch: int = 16, seed_value: int = 0) -> dict[str, np.ndarray]:
    """Gradient of a batch's mean squared error for one linear unit, two ways.

    TensorFlow differentiates the mean loss of the batch; NumPy averages the
    per-example gradients 2 (w·x_i + b − y_i) (x_i, 1).
    """
    k, t = keras(), tf()
    seed(seed_value)
    layer = k.layers.Dense(1)
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(batch, 3)).astype("float32")
    y = rng.normal(size=(batch, 1)).astype("float32")
    with t.GradientTape() as tape:
        loss = k.losses.MeanSquaredError()(y, layer(x))
    g_kernel, g_bias = (g.numpy() for g in tape.gradient(loss, layer.trainable_variables))
    w, b = (v.numpy() for v in layer.weights)
    residual = x @ w + b - y  # (batch, 1)
    per_example = 2 * residual * np.concatenate([x, np.ones((batch, 1))], axis=1)
    return {"tensorflow": np.concatenate([g_kernel[:, 0], g_bias]),
            "numpy": per_example.mean(axis=0), "per_example": per_example}


def cross_check() -> dict[str, object]:
    """Keras's batching and batch gradients, recomputed in NumPy.

    1. The batches a callback counts in one epoch of ``fit`` equal
       ``ceil(n / batch_size)``.
    2. The gradient of a batch's mean loss (``tf.GradientTape``) equals the
       mean of the per-example gradients computed in NumPy.
    3. One epoch of the compiled training loop used in the experiment below
       gives the same weights as one epoch of ``model.fit`` on the same batches.
    """
    sizes = (16, 48, 64, 128)
    counted = batches_counted_by_keras(N_TRAIN, sizes)
    formula = [steps_per_epoch(N_TRAIN, b) for b in sizes]
    np.testing.assert_array_equal(counted, formula)

    grads = batch_gradient_vs_numpy()
    np.testing.assert_allclose(grads["tensorflow"], grads["numpy"], rtol=1e-5, atol=1e-6)
    spread = grads["per_example"].std(axis=0) / np.abs(grads["numpy"])

    ours, by_fit = loop_vs_fit()
    for a, b in zip(ours, by_fit):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    return {
        f"batch sizes (n = {N_TRAIN})": list(sizes),
        "batches per epoch, Keras callback": counted,
        "ceil(n / batch_size)": formula,
        "batch gradient, TensorFlow": grads["tensorflow"].tolist(),
        "mean of per-example gradients, NumPy": grads["numpy"].tolist(),
        "per-example spread / |batch gradient|, median": float(np.median(spread)),
        "loop vs fit, max weight difference after 1 epoch": float(
            max(np.abs(a - b).max() for a, b in zip(ours, by_fit))),
    }


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# --- The experiment: does mini-batch training generalise better? -----------


def task_data(seed_value: int = 1) -> dict[str, np.ndarray]:
    """128 training and 2000 held-out examples of y = sin(3 x1) cos(2 x2) + noise."""
    rng = np.random.default_rng(seed_value)

    def draw(n):
        x = rng.uniform(-1.0, 1.0, size=(n, 2)).astype("float32")
        clean = np.sin(3 * x[:, :1]) * np.cos(2 * x[:, 1:])
        return x, (clean + NOISE * rng.normal(size=(n, 1))).astype("float32")

    x_train, y_train = draw(N_TRAIN)
    x_held, y_held = draw(N_HELD)
    return {"x_train": x_train, "y_train": y_train, "x_held": x_held, "y_held": y_held}


def mlp(seed_value: int = 0):
    """Two tanh layers of 64 units; the same seed gives the same initial weights."""
    k = keras()
    seed(seed_value)
    return k.Sequential([
        k.Input((2,)),
        k.layers.Dense(UNITS, activation="tanh"),
        k.layers.Dense(UNITS, activation="tanh"),
        k.layers.Dense(1),
    ])


def shuffled_orders(epochs: int, n: int = N_TRAIN, seed_value: int = 0) -> np.ndarray:
    """One permutation of the n examples per epoch, shared by every batch size."""
    rng = np.random.default_rng(seed_value)
    return np.stack([rng.permutation(n) for _ in range(epochs)]).astype("int32")


@functools.cache
def _compiled_loop():
    """Mini-batch SGD over given epoch orders, as one TensorFlow graph.

    The algorithm of ``fit`` on batches cut from each epoch's order, plus the
    training and held-out MSE after every epoch; far faster than ``fit`` for
    hundreds of tiny epochs.
    """
    t = tf()

    @t.function
    def loop(model, optimizer, x, y, x_held, y_held, orders, batch_size):
        epochs, n = orders.shape
        train_mse = t.TensorArray(t.float32, size=epochs)
        held_mse = t.TensorArray(t.float32, size=epochs)
        for e in t.range(epochs):
            for start in t.range(0, n, batch_size):
                ids = orders[e, start:start + batch_size]
                with t.GradientTape() as tape:
                    pred = model(t.gather(x, ids), training=True)
                    loss = t.reduce_mean(t.square(pred - t.gather(y, ids)))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
            train_mse = train_mse.write(e, t.reduce_mean(t.square(model(x) - y)))
            held_mse = held_mse.write(e, t.reduce_mean(t.square(model(x_held) - y_held)))
        return train_mse.stack(), held_mse.stack()

    return loop


def _optimizer():
    return keras().optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM)


@functools.cache
def train(batch_size: int) -> dict[str, np.ndarray]:
    """Train the MLP with one batch size for UPDATES gradient steps.

    Everything else is shared: data, initial weights, the epoch orders,
    optimizer (SGD, learning rate 0.05, momentum 0.9). Returns the training
    and held-out MSE after every epoch and the updates made by then.
    """
    t = tf()
    d = task_data()
    model = mlp()
    optimizer = _optimizer()
    optimizer.build(model.trainable_variables)
    epochs = UPDATES // steps_per_epoch(N_TRAIN, batch_size)
    train_mse, held_mse = _compiled_loop()(
        model, optimizer, t.constant(d["x_train"]), t.constant(d["y_train"]),
        t.constant(d["x_held"]), t.constant(d["y_held"]),
        t.constant(shuffled_orders(epochs)), t.constant(batch_size))
    return {
        "epochs": np.arange(1, epochs + 1),
        "updates": np.arange(1, epochs + 1) * steps_per_epoch(N_TRAIN, batch_size),
        "train_mse": train_mse.numpy(),
        "held_mse": held_mse.numpy(),
    }


def loop_vs_fit(batch_size: int = 16) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights after one epoch of the compiled loop and of ``model.fit``, same batches."""
    t = tf()
    d = task_data()
    order = shuffled_orders(1)
    x, y = d["x_train"], d["y_train"]

    ours = mlp()
    optimizer = _optimizer()
    optimizer.build(ours.trainable_variables)
    _compiled_loop()(ours, optimizer, t.constant(x), t.constant(y), t.constant(x), t.constant(y),
                     t.constant(order), t.constant(batch_size))

    by_fit = mlp()
    by_fit.compile(optimizer=_optimizer(), loss="mse")
    data = t.data.Dataset.from_tensor_slices((x[order[0]], y[order[0]])).batch(batch_size)
    by_fit.fit(data, epochs=1, shuffle=False, verbose=0)
    return ours.get_weights(), by_fit.get_weights()


def comparison() -> dict[int, dict[str, float]]:
    """Held-out MSE per batch size: at EPOCHS epochs, at UPDATES updates, best of the run."""
    out = {}
    for b in BATCH_SIZES:
        run = train(b)
        out[b] = {
            "updates in 50 epochs": int(run["updates"][EPOCHS - 1]),
            "held-out MSE at 50 epochs": float(run["held_mse"][EPOCHS - 1]),
            f"epochs for {UPDATES} updates": int(run["epochs"][-1]),
            f"held-out MSE at {UPDATES} updates": float(run["held_mse"][-1]),
            f"training MSE at {UPDATES} updates": float(run["train_mse"][-1]),
            "lowest held-out MSE of the run": float(run["held_mse"].min()),
        }
    return out


def show_comparison() -> None:
    """The experiment's numbers, one column per batch size."""
    cmp = comparison()
    rows = next(iter(cmp.values())).keys()
    names = [f"B = {b}" + (" (full)" if b == N_TRAIN else "") for b in cmp]
    print(f"{'':<36}" + "".join(f"{n:>16}" for n in names))
    for r in rows:
        print(f"{r:<36}" + "".join(f"{cmp[b][r]:>16.4g}" for b in cmp))
    print(f"{'noise level (best possible MSE)':<36}{NOISE ** 2:>16.4g}")


def check_batch_minibatch_generalises() -> ClaimCheck:
    """Claim: mini-batch training generalises better than full-batch training.

    Held-out MSE of each mini-batch size divided by full-batch's, compared at
    equal epochs and at equal updates. A ratio of at most CLEARLY counts as
    clearly better. Holds if every mini-batch size is clearly better in both
    comparisons, wrong if in neither, conditions otherwise.
    """
    cmp = comparison()
    full = cmp[N_TRAIN]
    evidence: dict[str, object] = {}
    better = {"epochs": [], "updates": []}
    for b in BATCH_SIZES[:-1]:
        at_epochs = cmp[b]["held-out MSE at 50 epochs"] / full["held-out MSE at 50 epochs"]
        at_updates = (cmp[b][f"held-out MSE at {UPDATES} updates"]
                      / full[f"held-out MSE at {UPDATES} updates"])
        evidence[f"B = {b} / full batch, held-out MSE at {EPOCHS} epochs"] = at_epochs
        evidence[f"B = {b} / full batch, held-out MSE at {UPDATES} updates"] = at_updates
        better["epochs"].append(at_epochs <= CLEARLY)
        better["updates"].append(at_updates <= CLEARLY)
    evidence["clearly better at equal epochs (B = 16, 64)"] = better["epochs"]
    evidence["clearly better at equal updates (B = 16, 64)"] = better["updates"]
    evidence["lowest held-out MSE of the run (B = 16, 64, full)"] = [
        cmp[b]["lowest held-out MSE of the run"] for b in BATCH_SIZES]
    flags = better["epochs"] + better["updates"]
    if all(flags):
        verdict = "holds"
    elif any(flags):
        verdict = "conditions"
    else:
        verdict = "wrong"
    return ClaimCheck("batch-minibatch-generalises", verdict, evidence)


def plot_generalisation():
    """Held-out MSE against epochs (left) and against updates (right)."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
    for b in BATCH_SIZES:
        run = train(b)
        label = f"batch size {b}" + (" (full batch)" if b == N_TRAIN else "")
        ax1.plot(run["epochs"], run["held_mse"], label=label)
        ax2.plot(run["updates"], run["held_mse"], label=label)
    for ax, where, what in ((ax1, EPOCHS, "epochs"), (ax2, UPDATES, "updates")):
        ax.axhline(NOISE ** 2, color="k", ls=":", lw=1, label="noise level")
        ax.axvline(where, color="0.5", ls="--", lw=1)
        ax.set(xscale="log", xlabel=f"{what} (log scale)",
               title=f"Held-out error against {what}")
    ax1.set(ylabel="held-out MSE", ylim=(0, 0.5))
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
