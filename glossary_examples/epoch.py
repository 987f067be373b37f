"""Epoch (轮次): one full pass of training over every example in the training data.

``model.fit(x, y, batch_size=B, epochs=E)`` runs E epochs. Each epoch splits the
n training examples into ceil(n / B) batches (the last one smaller when B does
not divide n) and takes one optimiser step per batch, so every example is used
exactly once per epoch. More epochs keep lowering the training loss; the loss
on data the model never trains on stops falling and, once the model starts
fitting the noise of a small training set, rises again (overfitting).

>>> steps_per_epoch(10, 4), steps_per_epoch(40, 40), steps_per_epoch(1000, 64)
(3, 1, 16)
>>> batch_sizes(10, 4)
[4, 4, 2]
>>> sum(batch_sizes(1000, 64)) == 1000
True
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower

# The overfitting experiment: few examples, a model with thousands of weights.
N_TRAIN = 40
N_VAL = 400
N_FEATURES = 3  # only the first one matters: y = sin(3 x0) + noise
NOISE = 0.3
UNITS = 64
BATCH = 10
EPOCHS = 200
LEARNING_RATE = 0.005
SEED_VALUES = tuple(range(SEEDS))  # seeds of the initial weights and the epoch orders


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Optimiser steps in one epoch: ``ceil(n / batch_size)``."""
    return math.ceil(n / batch_size)


def batch_sizes(n: int, batch_size: int) -> list[int]:
    """The sizes of the batches of one epoch; only the last can be smaller."""
    full, rest = divmod(n, batch_size)
    return [batch_size] * full + ([rest] if rest else [])


@functools.cache
def _tracing_classes():
    """A layer that records which examples a training step sees, and a callback
    that counts steps per epoch and keeps the weights before every step."""

    class RecordIds(keras.layers.Layer):
        """Input columns: (example id, feature). Records the ids in training,
        passes only the feature on."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.batches: list[np.ndarray] = []

        def call(self, inputs, training=None):
            if training:  # eager (run_eagerly=True), so the values are concrete
                self.batches.append(np.asarray(inputs)[:, 0].astype(int))
            return inputs[:, 1:]

    class CountSteps(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.steps: list[int] = []
            self.weights_before_step: list[list[np.ndarray]] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.steps.append(0)

        def on_train_batch_begin(self, batch, logs=None):
            self.weights_before_step.append([w.copy() for w in self.model.get_weights()])

        def on_train_batch_end(self, batch, logs=None):
            self.steps[-1] += 1

    return RecordIds, CountSteps


def _id_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (id, u) with u evenly spaced in [0, 1], targets 2u + 1."""
    u = np.linspace(0.0, 1.0, n, dtype="float32")
    x = np.stack([np.arange(n, dtype="float32"), u], axis=1)
    return x, (2.0 * u + 1.0)[:, None]


@functools.cache
def trace_fit(n: int, batch_size: int, epochs: int, source: str = "arrays",
              seed_value: int = 0) -> dict:
    """Train a one-unit model with ``fit`` and record what every epoch did.

    ``source="arrays"`` passes NumPy arrays with ``batch_size`` and Keras's
    ``shuffle=True``; ``source="dataset"`` passes a ``tf.data.Dataset``
    shuffled with its own seed. Returns, per epoch, the example ids of each
    batch and the steps counted by a callback, plus the ``History``.
    """
    RecordIds, CountSteps = _tracing_classes()
    keras.utils.set_random_seed(seed_value)
    x, y = _id_data(n)
    recorder = RecordIds()
    model = keras.Sequential([keras.Input((2,)), recorder, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", run_eagerly=True)
    counter = CountSteps()
    if source == "arrays":
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True,
                            verbose=0, callbacks=[counter])
    elif source == "dataset":
        data = (tf.data.Dataset.from_tensor_slices((x, y))
                .shuffle(n, seed=seed_value).batch(batch_size))
        history = model.fit(data, epochs=epochs, shuffle=False, verbose=0, callbacks=[counter])
    else:
        raise ValueError(f"source must be 'arrays' or 'dataset', not {source!r}")
    ends = np.cumsum(counter.steps)
    starts = ends - np.array(counter.steps)
    return {
        "x": x,
        "y": y,
        "batches": [recorder.batches[a:b] for a, b in zip(starts, ends)],
        "steps": counter.steps,
        "weights_before_step": counter.weights_before_step,
        "final_weights": model.get_weights(),
        "history": history.history,
        "model": model,
    }


def show_example() -> None:
    """What ``fit`` does in each epoch: 10 examples, batches of 4, 3 epochs."""
    n, b, e = 10, 4, 3
    print(f"n = {n} examples, batch_size = {b}: ceil(n / batch_size) = {steps_per_epoch(n, b)}"
          " steps per epoch")
    for source, call in [("arrays", "fit(x, y, batch_size=4, epochs=3)   # NumPy arrays"),
                         ("dataset", "fit(Dataset...shuffle(10, seed=0).batch(4), epochs=3)")]:
        trace = trace_fit(n, b, e, source)
        print(call)
        for i, batches in enumerate(trace["batches"], start=1):
            ids = " ".join(str(bt.tolist()) for bt in batches)
            once = sorted(np.concatenate(batches).tolist()) == list(range(n))
            print(f"  epoch {i}: {ids:<40} steps {trace['steps'][i - 1]}, each example once: {once}")
        orders = {np.concatenate(bs).tobytes() for bs in trace["batches"]}
        print(f"  History has {len(trace['history']['loss'])} losses, one per epoch;"
              f" a new order every epoch: {len(orders) == e}")


def show_nb_epoch() -> None:
    """Keras 1 called the argument ``nb_epoch``; Keras 3's ``fit`` rejects it."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)  # 2 tiny epochs: no graph needed
    x = np.zeros((4, 1), dtype="float32")
    try:
        model.fit(x, x, nb_epoch=2, verbose=0)
        print("fit(..., nb_epoch=2) was accepted")
    except TypeError as err:
        print(f"fit(..., nb_epoch=2) -> TypeError: {err}")
    history = model.fit(x, x, epochs=2, verbose=0)
    print(f"fit(..., epochs=2)   -> {len(history.history['loss'])} epochs in the History")


def overfitting_data(seed_value: int = 1) -> dict[str, np.ndarray]:
    """40 training and 400 validation examples of y = sin(3 x0) + noise.

    x has 3 features in [-1, 1]; only the first one carries signal.
    """
    rng = np.random.default_rng(seed_value)

    def draw(n):
        x = rng.uniform(-1.0, 1.0, size=(n, N_FEATURES)).astype("float32")
        clean = np.sin(3.0 * x[:, :1])
        return x, (clean + NOISE * rng.normal(size=(n, 1))).astype("float32"), clean

    x_train, y_train, _ = draw(N_TRAIN)
    x_val, y_val, clean_val = draw(N_VAL)
    return {"x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val,
            "clean_val": clean_val.astype("float32")}


# --- Several seeds as one model ----------------------------------------------


def stacked_init(sizes, seeds) -> list[np.ndarray]:
    """The initial weights of ``len(seeds)`` independent MLPs, stacked along a first axis.

    Network k has the layer sizes ``sizes`` (input first). Its kernels come
    from ``keras.initializers.GlorotUniform`` with seeds of its own and its
    biases are 0, as in a ``Dense`` layer. Returns [W1, b1, W2, b2, ...] of
    shapes (K, fan_in, fan_out) and (K, 1, fan_out): slice k holds network k.
    """
    weights = []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        kernels = [keras.initializers.GlorotUniform(seed=100 * s + layer)((fan_in, fan_out))
                   for s in seeds]
        weights += [np.stack(kernels), np.zeros((len(seeds), 1, fan_out), "float32")]
    return weights


def stacked_mlp(sizes, seeds):
    """``stacked_init`` as ``tf.Variable``s, ready for training."""
    return [tf.Variable(w) for w in stacked_init(sizes, seeds)]


def network(stacked_weights, k: int) -> list[np.ndarray]:
    """Network k's weights out of stacked ones, in ``Dense`` layout: [W1, b1, W2, b2, ...]."""
    return [w[k] if i % 2 == 0 else w[k, 0] for i, w in enumerate(stacked_weights)]


def stacked_apply(params, x, activation):
    """Run all K networks, each on its own inputs: x (K, n, d) gives outputs (K, n, out).

    One ``einsum`` per layer computes the K matrix products at once; network
    k reads only slice k of the weights, so the K networks never mix.
    """
    h = x
    for i in range(0, len(params), 2):
        h = tf.einsum("knd,kdh->knh", h, params[i]) + params[i + 1]
        if i + 2 < len(params):  # hidden layers; the output layer is linear
            h = activation(h)
    return h


def epoch_orders(seeds, epochs: int, n: int) -> np.ndarray:
    """A new random order of the n examples in every epoch, for every seed: (K, epochs, n)."""
    return np.stack([
        np.stack([np.random.default_rng([s, e]).permutation(n) for e in range(epochs)])
        for s in seeds
    ]).astype("int32")


def flatten(weights) -> np.ndarray:
    """Arrays of any shapes as one flat vector, one after the other."""
    return np.concatenate([np.ravel(w) for w in weights])


def unflatten(theta, shapes):
    """The arrays of the given shapes back out of the flat vector ``theta`` (as tensors)."""
    pieces = tf.split(theta, [int(np.prod(shape)) for shape in shapes])
    return [tf.reshape(piece, shape) for piece, shape in zip(pieces, shapes)]


@functools.cache
def _epoch_loop():
    """Mini-batch training of K stacked networks, epochs ``first`` to ``last``, as one graph."""

    def mse(params, x, y):  # per network: (K,)
        x = tf.broadcast_to(x, (params[0].shape[0], *x.shape))
        return tf.reduce_mean(tf.square(stacked_apply(params, x, tf.tanh) - y), axis=[1, 2])

    @tf.function
    def loop(theta, shapes, optimizer, x, y, x_val, y_val, orders, batch_size, first, last):
        n = orders.shape[2]
        train_mse = tf.TensorArray(tf.float32, size=last - first)
        val_mse = tf.TensorArray(tf.float32, size=last - first)
        for e in tf.range(first, last):
            for start in tf.range(0, n, batch_size):
                ids = orders[:, e, start:start + batch_size]  # (K, B): each network its own batch
                with tf.GradientTape() as tape:
                    params = unflatten(theta, shapes)
                    pred = stacked_apply(params, tf.gather(x, ids), tf.tanh)
                    # The sum of the K networks' mean losses: the weights of
                    # network k get the gradient of its own loss, as if alone.
                    loss = tf.reduce_sum(tf.reduce_mean(tf.square(pred - tf.gather(y, ids)), axis=[1, 2]))
                optimizer.apply_gradients([(tape.gradient(loss, theta), theta)])
            params = unflatten(theta, shapes)
            train_mse = train_mse.write(e - first, mse(params, x, y))
            val_mse = val_mse.write(e - first, mse(params, x_val, y_val))
        return train_mse.stack(), val_mse.stack()

    return loop


@functools.cache
def train_for_many_epochs(epochs: int = EPOCHS) -> dict:
    """A too-big MLP (2 × 64 tanh units) trained for ``epochs`` epochs on 40 examples, 5 seeds.

    The seed sets the initial weights and the order of the examples in each
    epoch; the data are the same for all. The 5 networks train side by side
    as one stacked model (``stacked_init``), each on its own mini-batches of
    10 with Adam. All their weights sit in one flat vector ``theta``; Adam
    updates every number of it from that number's own gradient history, so
    one Adam on ``theta`` is one Adam per network. After every epoch, the
    MSE of each network on all 40 training examples and on the 400
    validation examples is recorded. The weights after the first epoch are
    kept for ``cross_check``.
    """
    d = overfitting_data()
    initial = stacked_init([N_FEATURES, UNITS, UNITS, 1], SEED_VALUES)
    shapes = tuple(w.shape for w in initial)
    theta = tf.Variable(flatten(initial))
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build([theta])
    data = [tf.constant(d[key]) for key in ("x_train", "y_train", "x_val", "y_val")]
    orders = tf.constant(epoch_orders(SEED_VALUES, epochs, N_TRAIN))
    loop = _epoch_loop()
    batch, zero, one, last = (tf.constant(v) for v in (BATCH, 0, 1, epochs))
    first = loop(theta, shapes, optimizer, *data, orders, batch, zero, one)  # epoch 1, then the rest
    after_first = [w.numpy() for w in unflatten(theta, shapes)]
    rest = loop(theta, shapes, optimizer, *data, orders, batch, one, last)
    final = [w.numpy() for w in unflatten(theta, shapes)]
    train_mse = np.concatenate([first[0].numpy(), rest[0].numpy()]).T  # (seeds, epochs)
    val_mse = np.concatenate([first[1].numpy(), rest[1].numpy()]).T
    best = val_mse.argmin(axis=1)
    return {
        "data": d,
        "orders": orders.numpy(),
        "initial": initial,
        "after_first_epoch": after_first,
        "final": final,
        "train_loss": train_mse,
        "val_loss": val_mse,
        "best_epoch": best + 1,  # epochs count from 1, one per seed
        "noise_floor": float(np.mean((d["y_val"] - d["clean_val"]) ** 2)),
        "weights": sum(int(np.prod(shape[1:])) for shape in shapes),  # per network
    }


def overfitting_summary() -> dict[str, Spread]:
    """Per seed: the best epoch, and the losses at the last epoch against those at the best."""
    run = train_for_many_epochs()
    tr, va, best = run["train_loss"], run["val_loss"], run["best_epoch"]
    seeds = np.arange(len(best))
    return {
        "best epoch (lowest val loss)": Spread.of(best),
        "val loss at the best epoch": Spread.of(va[seeds, best - 1]),
        f"val loss at epoch {EPOCHS}": Spread.of(va[:, -1]),
        f"val loss at epoch {EPOCHS} / at best": Spread.of(va[:, -1] / va[seeds, best - 1]),
        f"train loss at epoch {EPOCHS} / at best": Spread.of(tr[:, -1] / tr[seeds, best - 1]),
        f"train loss at epoch {EPOCHS}": Spread.of(tr[:, -1]),
    }


def show_overfitting() -> None:
    """Training and validation loss at a few epochs (mean over seeds), and the spread."""
    run = train_for_many_epochs()
    tr, va = run["train_loss"], run["val_loss"]
    n_seeds = len(tr)
    print(f"{run['weights']} weights, {N_TRAIN} training examples, batch {BATCH}"
          f" -> {steps_per_epoch(N_TRAIN, BATCH)} steps per epoch, {EPOCHS} epochs,"
          f" {n_seeds} seeds")
    print(f"{'epoch':>6}  {'train loss, mean':>16}  {'val loss, mean (min-max over seeds)':>36}")
    for e in (1, 5, 10, 25, 50, 100, 150, EPOCHS):
        print(f"{e:>6}  {tr[:, e - 1].mean():>16.4f}  {va[:, e - 1].mean():>12.4f}"
              f" ({va[:, e - 1].min():.4f}-{va[:, e - 1].max():.4f})")
    summary = overfitting_summary()
    print(table({name: str(s) for name, s in summary.items()}))
    below = int(np.sum(tr[:, -1] < run["noise_floor"]))
    rises = lower(summary["val loss at the best epoch"], summary[f"val loss at epoch {EPOCHS}"])
    print(table({
        "noise level: MSE of the true function": run["noise_floor"],
        f"seeds with train loss at epoch {EPOCHS} below the noise level": f"{below} of {n_seeds}",
        f"val loss at epoch {EPOCHS} above the best on every seed (ranges apart)": rises,
    }))
    best = summary["best epoch (lowest val loss)"]
    glue("n_seeds", n_seeds)
    glue("learning_rate", LEARNING_RATE)
    glue("best_min", int(best.min))
    glue("best_max", int(best.max))
    glue("val_ratio", summary[f"val loss at epoch {EPOCHS} / at best"].mean)
    glue("val_ratio_min", summary[f"val loss at epoch {EPOCHS} / at best"].min)
    glue("train_ratio", summary[f"train loss at epoch {EPOCHS} / at best"].mean)
    glue("noise_floor", run["noise_floor"])
    glue("below_noise", below)
    glue("weights", run["weights"])
    glue("early_val", float(va[:, 0].mean()))


def numpy_epoch_losses(trace: dict) -> dict[str, np.ndarray]:
    """Two losses per epoch from the recorded batches and weights, in NumPy.

    ``running``: the mean of the batch losses, each taken with the weights
    *before* its step, weighted by batch size (what ``fit`` reports).
    ``end``: the loss over all n examples with the weights *after* the epoch.
    """
    x, y = trace["x"][:, 1:], trace["y"]
    weights = trace["weights_before_step"] + [trace["final_weights"]]
    running, end, step = [], [], 0
    for batches in trace["batches"]:
        losses, sizes = [], []
        for ids in batches:
            w, b = weights[step]
            losses.append(np.mean((x[ids] @ w + b - y[ids]) ** 2))
            sizes.append(len(ids))
            step += 1
        running.append(np.average(losses, weights=sizes))
        w, b = weights[step]  # the weights the next epoch starts from
        end.append(np.mean((x @ w + b - y) ** 2))
    return {"running": np.array(running), "end": np.array(end)}


def first_epoch_with_fit(run: dict, k: int = 0):
    """Network ``k`` of the stacked run, alone, as a ``keras.Sequential`` trained by ``fit``.

    Same initial weights, same batches (the first epoch's order of seed k),
    same Adam: one epoch of ``model.fit``. Returns the model and the steps a
    callback counted in that epoch.
    """
    d = run["data"]
    model = keras.Sequential([
        keras.Input((N_FEATURES,)),
        keras.layers.Dense(UNITS, activation="tanh"),
        keras.layers.Dense(UNITS, activation="tanh"),
        keras.layers.Dense(1),
    ])
    model.set_weights(network(run["initial"], k))
    # Eagerly: for 4 steps, cheaper than compiling a training function.
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse", run_eagerly=True)
    order = run["orders"][k, 0]
    batches = (tf.data.Dataset.from_tensor_slices((d["x_train"][order], d["y_train"][order]))
               .batch(BATCH))
    steps = []
    count = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: steps.append(batch))
    model.fit(batches, epochs=1, shuffle=False, verbose=0, callbacks=[count])
    return model, len(steps)


def numpy_mlp(weights, x):
    """The tanh MLP in NumPy: tanh(x W1 + b1), tanh(· W2 + b2), then · W3 + b3."""
    w1, b1, w2, b2, w3, b3 = weights
    return np.tanh(np.tanh(x @ w1 + b1) @ w2 + b2) @ w3 + b3


def cross_check() -> dict[str, object]:
    """Keras's epoch bookkeeping and losses, recomputed in NumPy, and the stacked model checked.

    1. Steps per epoch counted by a callback equal ``ceil(n / batch_size)``
       (the runs of the example, from arrays and from a Dataset, and the
       one-epoch ``fit`` of 3.), and in the example's runs every example is
       seen exactly once per epoch, in batches of the sizes ``batch_sizes`` gives.
    2. The ``loss`` in ``History`` is the batch-size-weighted mean of the
       batch losses met *during* the epoch, not the loss at its end, which
       is what ``evaluate`` returns.
    3. Network 0 of the stacked overfitting run, trained alone by
       ``model.fit`` for one epoch on the same batches, ends with the same
       weights, so the same validation loss; and NumPy's mean squared error of
       its final weights on the validation set equals the last one recorded.
    """
    counted, formula = [], []
    for source in ("arrays", "dataset"):
        trace = trace_fit(10, 4, 3, source)  # the runs of the example above
        for batches in trace["batches"]:
            np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(10))
            np.testing.assert_array_equal([len(ids) for ids in batches], batch_sizes(10, 4))
        counted += trace["steps"]
        formula += [steps_per_epoch(10, 4)] * len(trace["steps"])

    trace = trace_fit(10, 4, 3, "arrays")
    keras_loss = np.array(trace["history"]["loss"])
    np_loss = numpy_epoch_losses(trace)
    np.testing.assert_allclose(keras_loss, np_loss["running"], rtol=1e-5)
    x, y = trace["x"], trace["y"]
    evaluated = trace["model"].evaluate(x, y, verbose=0)
    np.testing.assert_allclose(evaluated, np_loss["end"][-1], rtol=1e-5)

    run = train_for_many_epochs()
    d = run["data"]
    model, steps = first_epoch_with_fit(run, 0)
    counted.append(steps)
    formula.append(steps_per_epoch(N_TRAIN, BATCH))
    np.testing.assert_array_equal(counted, formula)
    alone = model.get_weights()
    stacked = network(run["after_first_epoch"], 0)
    for a, b in zip(alone, stacked):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    val_alone = float(np.mean((numpy_mlp(alone, d["x_val"]) - d["y_val"]) ** 2))
    np.testing.assert_allclose(val_alone, run["val_loss"][0, 0], rtol=1e-4)
    final = network(run["final"], 0)
    np_val = float(np.mean((numpy_mlp(final, d["x_val"]) - d["y_val"]) ** 2))
    np.testing.assert_allclose(np_val, run["val_loss"][0, -1], rtol=1e-4)
    return {
        "steps per epoch, Keras callback (n = 10 arrays, Dataset; n = 40)": counted,
        "ceil(n / batch_size)": formula,
        "10 examples: History loss, epoch 3": float(keras_loss[-1]),
        "NumPy, mean of batch losses in epoch 3": float(np_loss["running"][-1]),
        "NumPy, loss at the end of epoch 3": float(np_loss["end"][-1]),
        "evaluate after fit": float(evaluated),
        "seed 0, epoch 1: max |weights by fit - stacked|": float(max(
            np.abs(a - b).max() for a, b in zip(alone, stacked))),
        "seed 0, epoch 1: val loss by fit (NumPy), stacked": [
            val_alone, float(run["val_loss"][0, 0])],
        f"seed 0, epoch {EPOCHS}: val loss stacked, NumPy": [float(run["val_loss"][0, -1]), np_val],
    }


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def plot_losses():
    """Training and validation loss per epoch over the seeds, with each seed's best epoch."""
    import matplotlib.pyplot as plt

    run = train_for_many_epochs()
    tr, va, best = run["train_loss"], run["val_loss"], run["best_epoch"]
    epochs = np.arange(1, tr.shape[1] + 1)
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    for loss, name in ((tr, f"training loss ({N_TRAIN} examples)"),
                       (va, f"validation loss ({N_VAL} unseen examples)")):
        line, = ax.plot(epochs, loss.mean(axis=0), label=f"{name}, mean of {len(loss)} seeds")
        ax.fill_between(epochs, loss.min(axis=0), loss.max(axis=0), color=line.get_color(),
                        alpha=0.25, lw=0)
    ax.axhline(run["noise_floor"], color="k", ls=":", lw=1,
               label="noise level (MSE of the true function)")
    ax.axvspan(best.min(), best.max(), color="0.85", zorder=0,
               label="best epochs of the seeds (lowest validation loss)")
    ax.plot(best, va[np.arange(len(best)), best - 1], "o", color="C1", ms=5)
    ax.set(xlabel="epoch", ylabel="mean squared error", ylim=(0, None), xlim=(0, epochs[-1]),
           title="More epochs: training loss keeps falling, validation loss turns up"
                 " (bands: min-max over seeds)")
    ax.legend(loc="upper right", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_nb_epoch, show_overfitting, plot_losses, show_cross_check)
