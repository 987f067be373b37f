"""Epoch (周期): one full pass of training over every example in the training data.

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

import numpy as np

from ._lib.report import table
from ._lib.runtime import keras, seed, tf

# The overfitting experiment: few examples, a model with thousands of weights.
N_TRAIN = 40
N_VAL = 400
N_FEATURES = 3  # only the first one matters: y = sin(3 x0) + noise
NOISE = 0.3
UNITS = 128
BATCH = 10
EPOCHS = 200
LEARNING_RATE = 0.005


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
    k = keras()

    class RecordIds(k.layers.Layer):
        """Input columns: (example id, feature). Records the ids in training,
        passes only the feature on."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.batches: list[np.ndarray] = []

        def call(self, inputs, training=None):
            if training:  # eager (run_eagerly=True), so the values are concrete
                self.batches.append(np.asarray(inputs)[:, 0].astype(int))
            return inputs[:, 1:]

    class CountSteps(k.callbacks.Callback):
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


def trace_fit(n: int, batch_size: int, epochs: int, source: str = "arrays",
              seed_value: int = 0) -> dict:
    """Train a one-unit model with ``fit`` and record what every epoch did.

    ``source="arrays"`` passes NumPy arrays with ``batch_size`` and Keras's
    ``shuffle=True``; ``source="dataset"`` passes a ``tf.data.Dataset``
    shuffled with its own seed. Returns, per epoch, the example ids of each
    batch and the steps counted by a callback, plus the ``History``.
    """
    k = keras()
    RecordIds, CountSteps = _tracing_classes()
    seed(seed_value)
    x, y = _id_data(n)
    recorder = RecordIds()
    model = k.Sequential([k.Input((2,)), recorder, k.layers.Dense(1)])
    model.compile(optimizer=k.optimizers.SGD(0.1), loss="mse", run_eagerly=True)
    counter = CountSteps()
    if source == "arrays":
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True,
                            verbose=0, callbacks=[counter])
    elif source == "dataset":
        data = (tf().data.Dataset.from_tensor_slices((x, y))
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
    k = keras()
    model = k.Sequential([k.Input((1,)), k.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
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


@functools.cache
def train_for_many_epochs(epochs: int = EPOCHS, seed_value: int = 0) -> dict:
    """A too-big MLP (2 × 128 tanh units) trained for ``epochs`` epochs on 40 examples.

    Records the training and validation loss after every epoch (``History``).
    The data go in as a ``tf.data.Dataset`` that reshuffles every epoch: with
    one tiny pipeline built once, 200 epochs take a few seconds.
    """
    k, t = keras(), tf()
    d = overfitting_data()
    seed(seed_value)
    model = k.Sequential([
        k.Input((N_FEATURES,)),
        k.layers.Dense(UNITS, activation="tanh"),
        k.layers.Dense(UNITS, activation="tanh"),
        k.layers.Dense(1),
    ])
    model.compile(optimizer=k.optimizers.Adam(LEARNING_RATE), loss="mse")
    train = (t.data.Dataset.from_tensor_slices((d["x_train"], d["y_train"]))
             .shuffle(N_TRAIN, seed=seed_value).batch(BATCH))
    val = t.data.Dataset.from_tensor_slices((d["x_val"], d["y_val"])).batch(N_VAL)
    history = model.fit(train, validation_data=val, epochs=epochs, shuffle=False, verbose=0)
    train_loss = np.array(history.history["loss"])
    val_loss = np.array(history.history["val_loss"])
    return {
        "model": model,
        "data": d,
        "train_loss": train_loss,
        "val_loss": val_loss,
        "best_epoch": int(val_loss.argmin()) + 1,  # epochs count from 1
        "noise_floor": float(np.mean((d["y_val"] - d["clean_val"]) ** 2)),
        "weights": model.count_params(),
    }


def show_overfitting() -> None:
    """Training and validation loss at a few epochs, and the best epoch."""
    run = train_for_many_epochs()
    best, tr, va = run["best_epoch"], run["train_loss"], run["val_loss"]
    print(f"{run['weights']} weights, {N_TRAIN} training examples, batch {BATCH}"
          f" -> {steps_per_epoch(N_TRAIN, BATCH)} steps per epoch, {EPOCHS} epochs")
    print(f"{'epoch':>6}  {'train loss':>10}  {'val loss':>8}")
    for e in sorted({1, 10, 25, 50, best, 100, 150, EPOCHS}):
        mark = "   <- lowest validation loss" if e == best else ""
        print(f"{e:>6}  {tr[e - 1]:>10.4f}  {va[e - 1]:>8.4f}{mark}")
    print(table({
        "best epoch (lowest val loss)": best,
        f"val loss at epoch {EPOCHS} / at best": float(va[-1] / va[best - 1]),
        f"train loss at epoch {EPOCHS} / at best": float(tr[-1] / tr[best - 1]),
        "noise level: MSE of the true function": run["noise_floor"],
    }))


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


def cross_check() -> dict[str, object]:
    """Keras's epoch bookkeeping and losses, recomputed in NumPy.

    1. Steps per epoch counted by a callback equal ``ceil(n / batch_size)``,
       and every example is seen exactly once per epoch.
    2. The ``loss`` in ``History`` is the batch-size-weighted mean of the
       batch losses met *during* the epoch, not the loss at its end.
    3. ``evaluate`` after ``fit``, and the last ``val_loss``, equal NumPy's
       mean squared error of ``predict`` with the final weights.
    """
    counted, formula = [], []
    for n, b in [(10, 4), (40, 10), (100, 32), (1000, 128)]:
        trace = trace_fit(n, b, epochs=2)
        for batches in trace["batches"]:
            np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))
            np.testing.assert_array_equal([len(ids) for ids in batches], batch_sizes(n, b))
        counted.append(trace["steps"][0])
        formula.append(steps_per_epoch(n, b))
    np.testing.assert_array_equal(counted, formula)

    trace = trace_fit(10, 4, epochs=3)
    keras_loss = np.array(trace["history"]["loss"])
    np_loss = numpy_epoch_losses(trace)
    np.testing.assert_allclose(keras_loss, np_loss["running"], rtol=1e-5)
    x, y = trace["x"], trace["y"]
    evaluated = trace["model"].evaluate(x, y, verbose=0)
    np.testing.assert_allclose(evaluated, np_loss["end"][-1], rtol=1e-5)

    run = train_for_many_epochs()
    model, d = run["model"], run["data"]
    np_val = np.mean((model.predict(d["x_val"], verbose=0) - d["y_val"]) ** 2)
    np_train = np.mean((model.predict(d["x_train"], verbose=0) - d["y_train"]) ** 2)
    np.testing.assert_allclose(run["val_loss"][-1], np_val, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(d["x_train"], d["y_train"], verbose=0),
                               np_train, rtol=1e-5)
    return {
        "steps per epoch, Keras callback": counted,
        "ceil(n / batch_size)": formula,
        "10 examples: History loss, epoch 3": float(keras_loss[-1]),
        "NumPy, mean of batch losses in epoch 3": float(np_loss["running"][-1]),
        "NumPy, loss at the end of epoch 3": float(np_loss["end"][-1]),
        "evaluate after fit": float(evaluated),
        "overfit MLP: last val_loss": float(run["val_loss"][-1]),
        "NumPy MSE of predict(x_val)": float(np_val),
    }


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def plot_losses():
    """Training and validation loss per epoch, with the best epoch marked."""
    import matplotlib.pyplot as plt

    run = train_for_many_epochs()
    epochs = np.arange(1, len(run["train_loss"]) + 1)
    best = run["best_epoch"]
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    ax.plot(epochs, run["train_loss"], label="training loss (40 examples)")
    ax.plot(epochs, run["val_loss"], label="validation loss (400 unseen examples)")
    ax.axhline(run["noise_floor"], color="k", ls=":", lw=1,
               label="noise level (MSE of the true function)")
    ax.axvline(best, color="0.5", ls="--", lw=1)
    ax.axvspan(best, epochs[-1], color="0.93", zorder=0)
    ax.text(best + 3, 0.42, "overfitting: more epochs,\nworse on unseen data", fontsize=9,
            va="center")
    ax.plot(best, run["val_loss"][best - 1], "o", color="C1", ms=7,
            label=f"lowest validation loss, epoch {best}")
    ax.set(xlabel="epoch", ylabel="mean squared error", ylim=(0, None),
           title="More epochs: training loss keeps falling, validation loss turns up",
           xlim=(0, epochs[-1]))
    ax.legend(loc="upper right", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_nb_epoch, show_overfitting, plot_losses, show_cross_check)
