"""Early stopping (早停): stop training when the validation loss stops improving.

``keras.callbacks.EarlyStopping(monitor="val_loss", patience=p,
restore_best_weights=True)`` watches the validation loss after every epoch;
once it has not improved for ``p`` epochs in a row, training stops, and the
weights of the best epoch are put back. The number of epochs becomes a result
of training instead of a guess.

>>> patience_stop([0.9, 0.7, 0.8, 0.75, 0.72, 0.71], patience=3)   # best at epoch 1
(4, 1)
>>> patience_stop([0.9, 0.7, 0.6], patience=3)                        # never stops
(None, 2)
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, separated

N_TRAIN = 200  # training examples
N_VAL = 1000  # validation examples: enough for a smooth validation curve
N_TEST = 2000  # held-out test examples, used for no decision
FLIP = 0.2  # fraction of labels flipped: noise the network can memorise
UNITS = 64
BATCH = 20  # 10 steps per epoch
STEPS = N_TRAIN // BATCH
LEARNING_RATE = 0.005  # RMSprop
PATIENCE = 10
EPOCHS = 100  # the fixed number of epochs, and the most early stopping may use


def patience_stop(val_losses, patience: int = PATIENCE) -> tuple[int | None, int]:
    """Keras's EarlyStopping rule, re-implemented: (stopped epoch or None, best epoch), 0-based.

    After each epoch the counter ``wait`` goes up by one; a new lowest loss
    resets it to 0 and becomes the best epoch; when ``wait`` reaches
    ``patience``, training stops at that epoch.
    """
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        wait += 1
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        elif wait >= patience and epoch > 0:
            return epoch, best_epoch
    return None, best_epoch


def numpy_predict(weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """The network's forward pass in NumPy: sigmoid(relu(relu(x W1 + b1) W2 + b2) W3 + b3).

    Works for one network (x: examples × 2) and for K stacked copies
    (x: examples × K × 2, kernels K × in × out, biases K × out) alike.
    """
    h = x
    for i in range(0, len(weights), 2):
        w, b = weights[i], weights[i + 1]
        z = (h @ w if w.ndim == 2 else np.einsum("bki,kio->bko", h, w)) + b
        h = np.maximum(z, 0.0) if i + 2 < len(weights) else 1 / (1 + np.exp(-z))
    return h


def crossentropy(p: np.ndarray, y: np.ndarray, axis=None) -> np.ndarray:
    """Binary cross-entropy of probabilities ``p`` (clipped to [1e-7, 1 − 1e-7] as Keras does)."""
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=axis)


def make_data(seed_value: int = 0) -> dict[str, np.ndarray]:
    """Points in the plane, class 1 where x₁x₂ > 0, with 20% of the labels flipped.

    Training, validation and test sets are drawn the same way; the flipped
    labels are noise that no rule predicts.
    """
    rng = np.random.default_rng(seed_value)
    out = {}
    for split, n in (("train", N_TRAIN), ("val", N_VAL), ("test", N_TEST)):
        x = rng.normal(size=(n, 2)).astype("float32")
        y = (x[:, 0] * x[:, 1] > 0).astype("float32")
        flip = rng.random(n) < FLIP
        y[flip] = 1 - y[flip]
        out[f"x_{split}"], out[f"y_{split}"] = x, y[:, None]
    return out


def build(seed_value: int = 0):
    """Dense(64, relu) → Dense(64, relu) → Dense(1, sigmoid), RMSprop, binary cross-entropy."""
    keras.utils.set_random_seed(seed_value)
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(UNITS, activation="relu"),
        keras.layers.Dense(UNITS, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.RMSprop(LEARNING_RATE), loss="binary_crossentropy")
    return model


def keep_weights_callback():
    """A callback that keeps a copy of the model's weights after every epoch."""

    class KeepWeights(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights = []

        def on_epoch_end(self, epoch, logs=None):
            self.weights.append(self.model.get_weights())

    return KeepWeights()


@functools.cache
def train_with_early_stopping() -> dict:
    """Seed 0 with ``EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)``.

    At most EPOCHS epochs of batches of 20, reshuffled every epoch; the
    validation loss is computed after each epoch by ``validation_data``.
    """
    d = make_data(0)
    model = build(0)
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE,
                                        restore_best_weights=True)
    keep = keep_weights_callback()
    data = tf.data.Dataset.from_tensor_slices((d["x_train"], d["y_train"])).shuffle(N_TRAIN, seed=0)
    validation = tf.data.Dataset.from_tensors((d["x_val"], d["y_val"]))
    history = model.fit(data.batch(BATCH).repeat(), epochs=EPOCHS, steps_per_epoch=STEPS,
                        validation_data=validation, callbacks=[stopper, keep], shuffle=False,
                        verbose=0)
    return {"model": model, "data": d, "stopper": stopper, "weights": keep.weights,
            "loss": np.array(history.history["loss"]),
            "val_loss": np.array(history.history["val_loss"])}


def show_example() -> None:
    """Where the callback stopped, which epoch it restored, and the test loss before and after."""
    run = train_with_early_stopping()
    stopper, d = run["stopper"], run["data"]
    test = {name: crossentropy(numpy_predict(w, d["x_test"]), d["y_test"])
            for name, w in (("restored", run["model"].get_weights()), ("last", run["weights"][-1]))}
    glue("patience", PATIENCE)
    glue("max_epochs", EPOCHS)
    glue("best_epoch_1", stopper.best_epoch + 1)
    glue("stopped_epoch_1", stopper.stopped_epoch + 1)
    print(table({
        "epochs run (len(history))": glue("epochs_run", len(run["val_loss"])),
        "stopped_epoch (0-based)": stopper.stopped_epoch,
        "best_epoch (0-based), restored": stopper.best_epoch,
        "lowest val_loss (at the best epoch)": glue("best_val", float(run["val_loss"].min())),
        "val_loss at the last epoch run": glue("last_val", float(run["val_loss"][-1])),
        "test loss, restored weights": glue("test_restored", float(test["restored"])),
        "test loss, weights of the last epoch run": glue("test_last", float(test["last"])),
    }))


def cross_check() -> dict[str, object]:
    """The NumPy patience rule on the recorded val_loss gives Keras's stop and best epoch.

    The weights the callback restored are exactly those kept at the end of
    that best epoch, and NumPy's forward pass with them gives the model's
    outputs and the best epoch's validation loss.
    """
    run = train_with_early_stopping()
    stopper = run["stopper"]
    stopped, best = patience_stop(run["val_loss"], PATIENCE)
    assert stopped == stopper.stopped_epoch, (stopped, stopper.stopped_epoch)
    assert best == stopper.best_epoch == int(np.argmin(run["val_loss"])), best
    assert len(run["val_loss"]) == stopped + 1
    for restored, kept in zip(run["model"].get_weights(), run["weights"][best]):
        np.testing.assert_array_equal(restored, kept)
    d = run["data"]
    probs = numpy_predict(run["model"].get_weights(), d["x_val"])
    np.testing.assert_allclose(probs, run["model"](d["x_val"]).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(crossentropy(probs, d["y_val"]), run["val_loss"][best], rtol=1e-4)
    return {
        "stopped epoch: Keras, NumPy": [stopper.stopped_epoch, stopped],
        "best epoch: Keras, NumPy, argmin(val_loss)": [stopper.best_epoch, best,
                                                       int(np.argmin(run["val_loss"]))],
        "restored weights == weights kept after the best epoch": True,
        "NumPy val loss with the restored weights, Keras's best val_loss": [
            float(crossentropy(probs, d["y_val"])), float(run["val_loss"][best])],
    }


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# --- Five seeds: early stopping against a fixed number of epochs ------------------------


def stacked_model():
    """Five copies of ``build``'s network side by side, one per seed, trained as one model.

    Input (batch, 5, 2), output (batch, 5, 1). Each ``EinsumDense`` holds 5
    independent weight matrices, and the loss is the *sum* of the copies'
    cross-entropies, so copy k is trained exactly as it would be alone
    (RMSprop works weight by weight). Copy k's kernels are Glorot-uniform
    draws with seed k (plus 100 per layer).
    """

    def init(offset):
        def stacked_glorot(shape, dtype=None):
            return np.stack([keras.initializers.GlorotUniform(seed=offset + s)(shape[1:])
                             for s in range(SEEDS)])
        return stacked_glorot

    layers = [keras.Input((SEEDS, 2))]
    for i, (units, activation) in enumerate(((UNITS, "relu"), (UNITS, "relu"), (1, "sigmoid"))):
        layers.append(keras.layers.EinsumDense("bki,kio->bko", (SEEDS, units), bias_axes="ko",
                                           activation=activation,
                                           kernel_initializer=init(100 * i)))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.RMSprop(LEARNING_RATE), loss=summed_crossentropy)
    return model


def summed_crossentropy(y_true, y_pred):
    """The stacked model's loss: the copies' cross-entropies added, averaged over the batch."""
    return keras.ops.mean(keras.ops.sum(keras.losses.binary_crossentropy(y_true, y_pred), axis=-1))


def fit_compiled(model, x, y, x_val, y_val, order):
    """``model.fit`` with a validation loss after every epoch, as one compiled TensorFlow call.

    Epoch e takes the training examples in the order ``order[e]``, 20 at a
    time; each batch is one step: forward pass, the model's loss (the sum of
    the copies' cross-entropies, averaged over the batch), gradients, one
    RMSprop update. After each epoch it records every copy's mean
    cross-entropy on the validation set and a copy of the weights.
    """
    variables = model.trainable_variables
    model.optimizer.build(variables)
    x, y, x_val, y_val, order = (tf.constant(a) for a in (x, y, x_val, y_val, order))
    epochs = len(order)

    @tf.function
    def loop():
        val = tf.TensorArray(tf.float32, size=epochs)
        kept = [tf.TensorArray(tf.float32, size=epochs) for _ in variables]
        for epoch in tf.range(epochs):
            for start in tf.range(0, len(x), BATCH):
                batch = order[epoch, start:start + BATCH]
                with tf.GradientTape() as tape:
                    loss = summed_crossentropy(tf.gather(y, batch),
                                               model(tf.gather(x, batch), training=True))
                grads = tape.gradient(loss, variables)
                model.optimizer.apply_gradients(zip(grads, variables))
            val = val.write(epoch, keras.ops.mean(keras.losses.binary_crossentropy(y_val, model(x_val)),
                                              axis=0))
            kept = [a.write(epoch, v.value) for a, v in zip(kept, variables)]
        return val.stack(), [a.stack() for a in kept]

    val, kept = loop()
    kept = [a.numpy() for a in kept]
    return val.numpy(), [[a[e] for a in kept] for e in range(epochs)]


@functools.cache
def compare() -> dict[str, np.ndarray]:
    """Five seeds trained for the fixed EPOCHS epochs; every copy's validation loss per epoch.

    A run with EarlyStopping would train exactly the first epochs of this
    run and then put back the weights of its best validation epoch, so one
    run per seed gives both results: the weights after the epoch
    ``patience_stop`` picks, and after the last epoch. The test set is used
    only at those two points. Each epoch takes the examples in a new order,
    the one ``Dataset.shuffle(N_TRAIN, seed=0)`` gives (shared by the copies).
    """
    data = [make_data(s) for s in range(SEEDS)]
    stack = {key: np.stack([d[key] for d in data], axis=1) for key in data[0]}  # (n, 5, ...)
    keras.utils.set_random_seed(0)
    model = stacked_model()
    shuffles = tf.data.Dataset.range(N_TRAIN).shuffle(N_TRAIN, seed=0).batch(N_TRAIN)
    order = shuffles.repeat(EPOCHS).batch(EPOCHS).get_single_element()  # (epochs, N_TRAIN)
    val, weights = fit_compiled(model, stack["x_train"], stack["y_train"], stack["x_val"],
                                stack["y_val"], order)
    best = np.array([patience_stop(val[:, s], PATIENCE)[1] for s in range(SEEDS)])
    out = {"val": val, "best": best}  # val: (epochs, 5)
    for name, epoch in (("early", best), ("fixed", np.full(SEEDS, EPOCHS - 1))):
        probs = np.stack([numpy_predict(weights[e], stack["x_test"])[:, s]
                          for s, e in enumerate(epoch)], axis=1)  # (n, 5, 1)
        out[f"{name}_loss"] = crossentropy(probs, stack["y_test"], axis=(0, 2))
        out[f"{name}_acc"] = np.mean((probs > 0.5) == (stack["y_test"] > 0.5), axis=(0, 2))
    return out


def show_comparison() -> None:
    """Test loss and accuracy: early stopping (patience 10) against all 100 epochs, 5 seeds."""
    c = compare()
    used = [EPOCHS if stop is None else stop + 1
            for stop, _ in (patience_stop(c["val"][:, s], PATIENCE) for s in range(SEEDS))]
    spreads = {key: Spread.of(c[key])
               for key in ("early_loss", "fixed_loss", "early_acc", "fixed_acc")}
    loss_sep = separated(spreads["early_loss"], spreads["fixed_loss"])
    acc_sep = separated(spreads["early_acc"], spreads["fixed_acc"])
    lower_on = int(np.sum(c["early_loss"] < c["fixed_loss"]))
    glue("lower_on", lower_on)
    print(table({
        "best epoch (1-based), per seed": (c["best"] + 1).tolist(),
        "test loss per seed: early stopping": c["early_loss"].tolist(),
        f"test loss per seed: fixed {EPOCHS} epochs": c["fixed_loss"].tolist(),
        "seeds where early stopping's test loss is lower": f"{lower_on} of {SEEDS}",
        "epochs trained with early stopping, per seed": used,
        "test loss, early stopping": str(spreads["early_loss"]),
        f"test loss, fixed {EPOCHS} epochs": str(spreads["fixed_loss"]),
        "test loss: ranges separated": glue("loss_separated", loss_sep),
        "test accuracy, early stopping": str(spreads["early_acc"]),
        f"test accuracy, fixed {EPOCHS} epochs": str(spreads["fixed_acc"]),
        "test accuracy: ranges separated": glue("acc_separated", acc_sep),
    }))
    for key, sp in spreads.items():
        glue(f"{key}_min", sp.min)
        glue(f"{key}_max", sp.max)
    glue("used_min", int(min(used)))
    glue("used_max", int(max(used)))
    glue("flip", FLIP)


def plot_curves():
    """Left: seed 0's run with EarlyStopping. Right: test loss of 5 seeds, and where each stops."""
    import matplotlib.pyplot as plt

    run = train_with_early_stopping()
    stopper = run["stopper"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    epochs = np.arange(1, len(run["loss"]) + 1)
    ax1.plot(epochs, run["loss"], color="C0", label="training loss (running, fit)")
    ax1.plot(epochs, run["val_loss"], color="C1", label="validation loss")
    ax1.axvline(stopper.best_epoch + 1, color="C2", ls="--", lw=1, label="best epoch, restored")
    ax1.axvline(stopper.stopped_epoch + 1, color="k", ls=":", lw=1,
                label=f"stopped (patience {PATIENCE})")
    ax1.set(xlabel="epoch", ylabel="binary cross-entropy", title="Seed 0 with EarlyStopping")
    ax1.legend(loc="upper right", fontsize=8)
    c = compare()
    all_epochs = np.arange(1, EPOCHS + 1)
    for s in range(SEEDS):
        best = c["best"][s]
        ax2.plot(all_epochs, c["val"][:, s], color=f"C{s}", lw=1)
        ax2.plot(best + 1, c["val"][best, s], "o", color=f"C{s}", ms=6)
        ax2.plot(min(best + 1 + PATIENCE, EPOCHS), c["val"][min(best + PATIENCE, EPOCHS - 1), s],
                 "|", color=f"C{s}", ms=12, mew=2)
    ax2.set(xlabel="epoch", ylabel="validation loss",
            title="5 seeds: best epoch (●), stop (|)")
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_comparison, plot_curves, show_cross_check)
