"""Batch normalisation (批量规范化): standardise each feature with the batch's statistics.

In training mode ``keras.layers.BatchNormalization`` computes, per feature,
the mean and the (biased, 1/m) variance of the batch, standardises with them
and applies a learned scale γ and shift β. The same forward pass folds the
batch statistics into moving averages (``moving_mean``, ``moving_variance``:
non-trainable weights). In inference mode the layer standardises with those
moving averages instead, so one example's output no longer depends on the
other examples in its batch.

>>> x = np.array([[1.0, 10.0], [3.0, 10.0]])
>>> out, mean, var = numpy_batch_norm(x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2),
...                                   training=True, epsilon=1e-3)
>>> out.round(4).tolist()  # feature 1 standardised; the constant feature (10, 10) becomes 0
[[-0.9995, 0.0], [0.9995, 0.0]]
>>> mean.round(4).tolist()  # moving mean: 0.99 * 0 + 0.01 * batch mean
[0.02, 0.1]
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS as N_SEEDS
from ._lib.seeds import Spread, separated

MOMENTUM = 0.99  # Keras's default
EPSILON = 1e-3  # Keras's default
# The training experiment: a deep sigmoid network, with and without batch normalisation.
SEED_VALUES = tuple(range(N_SEEDS))
DEPTH = 6  # hidden layers
WIDTH = 16  # units per hidden layer
STEPS = 300  # SGD steps on mini-batches, in a fixed order
BATCH_SIZE = 64
LEARNING_RATE = 0.2
N_TRAIN = 1024


def numpy_batch_norm(x, gamma, beta, moving_mean, moving_var, training: bool,
                     momentum: float = MOMENTUM, epsilon: float = EPSILON):
    """Batch normalisation of ``x`` (one example per row) in NumPy.

    Returns the output and the moving mean and variance after the call.
    Training: the batch's mean and biased variance normalise, and are folded
    into the moving averages. Inference: the moving averages normalise, and
    nothing changes.
    """
    x = np.asarray(x, dtype="float64")
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)  # var divides by m, not m - 1
        moving_mean = momentum * moving_mean + (1 - momentum) * mean
        moving_var = momentum * moving_var + (1 - momentum) * var
    else:
        mean, var = moving_mean, moving_var
    out = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return out, moving_mean, moving_var


def example_batch() -> np.ndarray:
    """8 examples of 3 features on very different scales (a height in cm, a small rate, a score)."""
    rng = np.random.default_rng(0)
    return np.column_stack([
        170 + 10 * rng.normal(size=8),
        0.01 + 0.005 * rng.normal(size=8),
        -3 + 2 * rng.normal(size=8),
    ]).astype("float32")


def show_example() -> None:
    """One layer on one batch: training mode, inference mode, and the layer's weights."""
    x = example_batch()
    layer = keras.layers.BatchNormalization()
    with np.printoptions(precision=4, suppress=True):
        print(f"input: feature means {x.mean(axis=0)}, standard deviations {x.std(axis=0)}")
        inference_before = layer(x, training=False).numpy()
        train_out = layer(x, training=True).numpy()
        print(f"training mode:  means {train_out.mean(axis=0)}, "
              f"standard deviations {train_out.std(axis=0)}")
        print(f"inference mode, new layer: output / input = {(inference_before / x)[0]}")
        print()
        for w in layer.weights:
            print(f"{w.name:<16} trainable={str(w.trainable):<5} {w.numpy()}")
    glue("train_sd", float(train_out.std(axis=0).min()))
    glue("batch_mean", float(x.mean(axis=0)[0]))
    glue("first_mean", float(layer.moving_mean.numpy()[0]))


# --- the training experiment --------------------------------------------------------


def task_data(n: int = N_TRAIN, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points of the plane, labelled 1 inside the circle of radius 1.18 (about half of them)."""
    x = np.random.default_rng(seed_value).normal(size=(n, 2)).astype("float32")
    y = (np.linalg.norm(x, axis=1, keepdims=True) < 1.18).astype("float32")
    return x, y


def stacked_network(inputs, seeds, batch_norm: bool):
    """One deep sigmoid network per seed on a shared input, as a few Keras layers.

    Every ``EinsumDense`` holds one kernel per network, stacked along a
    leading axis (each drawn by ``GlorotUniform(seed=...)``, as ``Dense``
    draws it), so the networks share no weight. ``BatchNormalization`` sees
    the (networks × units) features flattened: each unit of each network has
    its own γ, β, batch statistics and moving averages, exactly as if every
    network had its own layer. Returns one logit per network.
    """
    h, n_in, n = inputs, 2, len(seeds)
    for l in range(DEPTH + 1):
        units = WIDTH if l < DEPTH else 1
        dense = keras.layers.EinsumDense("bi,kio->bko" if l == 0 else "bki,kio->bko",
                                     output_shape=(n, units), bias_axes="ko")
        h = dense(h)
        dense.kernel.assign(np.stack(
            [keras.initializers.GlorotUniform(seed=100 * s + l)((n_in, units)) for s in seeds]))
        n_in = units
        if l == DEPTH:
            break
        if batch_norm:  # Dense -> BatchNormalization -> activation
            h = keras.layers.Reshape((n, units))(keras.layers.BatchNormalization()(
                keras.layers.Reshape((n * units,))(h)))
        h = keras.layers.Activation("sigmoid")(h)
    return keras.layers.Reshape((n,))(h)


def per_network_loss(y, logits):
    """Binary cross-entropy of every network's logits: one value per network."""
    labels = tf.broadcast_to(y, tf.shape(logits))
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits), axis=0)


@functools.cache
def training_experiment() -> dict[str, np.ndarray]:
    """Train the plain and the batch-normalised networks, every seed, in one compiled loop.

    SGD on mini-batches taken in a fixed order. The loss is the sum of all
    networks' losses; as they share no weight and SGD updates each weight from
    its own gradient, each network trains exactly as it would alone. Recorded:
    every network's training loss at every step (the forward passes run in
    training mode), and the held-out accuracy in inference mode, first with
    the moving statistics as training left them, then after re-estimating
    them (one training-mode pass over all training data with momentum 0).
    """
    x, y = task_data()
    x_held, y_held = task_data(seed_value=1)
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Concatenate()([
        stacked_network(inputs, SEED_VALUES, batch_norm=False),
        stacked_network(inputs, SEED_VALUES, batch_norm=True)]))
    optimizer = keras.optimizers.SGD(LEARNING_RATE)
    optimizer.build(model.trainable_variables)

    @tf.function
    def train(x, y):
        losses = tf.TensorArray(tf.float32, size=STEPS)
        for step in tf.range(STEPS):
            i = (step * BATCH_SIZE) % N_TRAIN
            with tf.GradientTape() as tape:
                loss = per_network_loss(y[i:i + BATCH_SIZE],
                                        model(x[i:i + BATCH_SIZE], training=True))
                total = tf.reduce_sum(loss)  # the networks share no weight
            grads = tape.gradient(total, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            losses = losses.write(step, loss)
        return losses.stack()

    curves = train(tf.constant(x), tf.constant(y)).numpy()

    def accuracy():
        return ((model(x_held).numpy() > 0) == (y_held > 0.5)).mean(axis=0)

    as_trained = accuracy()
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.0  # the next training-mode pass sets the statistics
    model(x, training=True)
    refreshed = accuracy()
    n = len(SEED_VALUES)
    return {
        "plain curves": curves[:, :n], "batch-norm curves": curves[:, n:],
        "plain accuracy": as_trained[:n],
        "batch-norm accuracy, as trained": as_trained[n:],
        "batch-norm accuracy, statistics re-estimated": refreshed[n:],
    }


def training_effect() -> dict[str, object]:
    """Final training loss and held-out accuracy over the seeds; which differences count."""
    r = training_experiment()
    epoch = N_TRAIN // BATCH_SIZE  # the last epoch's mini-batches
    loss = {name: Spread.of(r[f"{name} curves"][-epoch:].mean(axis=0))
            for name in ("plain", "batch-norm")}
    acc = {name: Spread.of(r[name]) for name in (
        "plain accuracy", "batch-norm accuracy, as trained",
        "batch-norm accuracy, statistics re-estimated")}
    glue("plain_loss", loss["plain"].mean)
    glue("bn_loss", loss["batch-norm"].mean)
    glue("plain_acc", acc["plain accuracy"].mean)
    glue("bn_acc", acc["batch-norm accuracy, as trained"].mean)
    glue("bn_acc_re", acc["batch-norm accuracy, statistics re-estimated"].mean)
    glue("chance_loss", float(np.log(2)))
    return {
        "training loss, last epoch, plain": str(loss["plain"]),
        "training loss, last epoch, batch norm": str(loss["batch-norm"]),
        "  separated": separated(loss["plain"], loss["batch-norm"]),
        **{f"held-out accuracy, {name.replace(' accuracy', '')}": str(s)
           for name, s in acc.items()},
        "  plain vs batch norm as trained, separated": separated(
            acc["plain accuracy"], acc["batch-norm accuracy, as trained"]),
        "  as trained vs re-estimated, separated": separated(
            acc["batch-norm accuracy, as trained"],
            acc["batch-norm accuracy, statistics re-estimated"]),
    }


def show_training_effect() -> None:
    """The experiment's result, over the seeds."""
    print(table(training_effect()))


def plot_training():
    """Left: training loss per step, mean and range over seeds. Right: held-out accuracy per seed."""
    import matplotlib.pyplot as plt

    r = training_experiment()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained",
                                   gridspec_kw={"width_ratios": [3, 2]})
    steps = np.arange(1, STEPS + 1)
    for name, label in (("plain", "plain"), ("batch-norm", "with batch normalisation")):
        c = r[f"{name} curves"]
        line, = ax1.plot(steps, c.mean(axis=1), label=f"{label}, mean")
        ax1.fill_between(steps, c.min(axis=1), c.max(axis=1), color=line.get_color(), alpha=0.25)
    ax1.axhline(np.log(2), color="k", ls=":", lw=1, label="ln 2: guessing")
    ax1.set(xlabel="SGD step", ylabel="training loss (mini-batch)",
            title=f"{DEPTH} sigmoid layers, {len(SEED_VALUES)} seeds each (band: range)")
    ax1.legend(fontsize=8)
    groups = [("plain", r["plain accuracy"]),
              ("BN, as\ntrained", r["batch-norm accuracy, as trained"]),
              ("BN, statistics\nre-estimated", r["batch-norm accuracy, statistics re-estimated"])]
    for i, (_, values) in enumerate(groups):
        ax2.plot(np.full(len(values), i), values, "o", alpha=0.7)
    ax2.set_xticks(range(len(groups)), [g for g, _ in groups], fontsize=8)
    ax2.set(ylabel="held-out accuracy (inference mode)", ylim=(0.4, 1.0), xlim=(-0.5, 2.5),
            title="One dot per seed")
    return fig


def cross_check() -> dict[str, float]:
    """Keras's BatchNormalization equals the NumPy formulas, in both modes (asserted).

    A layer with non-default γ, β and moving statistics, on a batch with one
    constant feature: the training-mode output and the updated moving
    statistics, then the inference-mode output, against ``numpy_batch_norm``.
    """
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(16, 4)) * [1.0, 5.0, 0.1, 0.0] + [0.0, 3.0, -1.0, 2.0]).astype("float32")
    params = {"gamma": rng.uniform(0.5, 2, 4), "beta": rng.normal(size=4),
              "moving_mean": rng.normal(size=4), "moving_var": rng.uniform(0.5, 2, 4)}
    layer = keras.layers.BatchNormalization(momentum=0.9, epsilon=EPSILON)
    layer.build((None, 4))
    layer.set_weights([params[n].astype("float32") for n in ("gamma", "beta", "moving_mean", "moving_var")])

    train_keras = layer(x, training=True).numpy()
    train_np, mean_np, var_np = numpy_batch_norm(x, **params, training=True, momentum=0.9)
    np.testing.assert_allclose(train_keras, train_np, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mean_np, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), var_np, rtol=1e-5, atol=1e-6)

    infer_keras = layer(x, training=False).numpy()
    infer_np, _, _ = numpy_batch_norm(x, params["gamma"], params["beta"], mean_np, var_np,
                                      training=False)
    np.testing.assert_allclose(infer_keras, infer_np, rtol=1e-5, atol=1e-5)

    unbiased = params["gamma"] * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + EPSILON) + params["beta"]
    return {
        "training mode: max |Keras - NumPy|": float(np.abs(train_keras - train_np).max()),
        "moving mean after: max |Keras - formula|":
            float(np.abs(layer.moving_mean.numpy() - mean_np).max()),
        "moving variance after: max |Keras - formula|":
            float(np.abs(layer.moving_variance.numpy() - var_np).max()),
        "inference mode: max |Keras - NumPy|": float(np.abs(infer_keras - infer_np).max()),
        "constant feature, training output = beta": bool(
            np.allclose(train_keras[:, 3], params["beta"][3], atol=1e-6)),
        "if the variance were unbiased (m - 1): max difference":
            float(np.abs(train_keras - unbiased).max()),
    }


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def pitfalls() -> dict[str, object]:
    """Three behaviours to know, measured on single layers."""
    x = example_batch()
    keras.utils.set_random_seed(0)
    layer = keras.layers.BatchNormalization(beta_initializer="random_normal")
    layer.build((None, 3))
    one = layer(x[:1], training=True).numpy()[0]
    other = layer(x[1:2], training=True).numpy()[0]

    lagging = keras.layers.BatchNormalization()
    shifted = np.full((32, 1), 5.0, dtype="float32") + np.linspace(-1, 1, 32)[:, None]
    means = []
    for _ in range(100):
        lagging(shifted.astype("float32"), training=True)
        means.append(float(lagging.moving_mean.numpy()[0]))

    frozen = keras.layers.BatchNormalization()
    frozen.build((None, 3))
    frozen.trainable = False
    frozen_out = frozen(x, training=True).numpy()
    glue("one_beta", float(max(np.abs(one - layer.beta.numpy()).max(),
                               np.abs(other - layer.beta.numpy()).max())))
    glue("lag_10", means[9])
    glue("lag_100", means[99])
    beta = layer.beta.numpy()
    return {
        "batch of 1, training mode: input, example 1": x[0].round(4).tolist(),
        "batch of 1, training mode: input, example 2": x[1].round(4).tolist(),
        "batch of 1, training mode: max |output - beta|, both":
            float(max(np.abs(one - beta).max(), np.abs(other - beta).max())),
        "moving mean after 10 training calls (batch mean 5)": means[9],
        "moving mean after 100 training calls (batch mean 5)": means[99],
        "trainable=False, training=True: moving mean still": frozen.moving_mean.numpy().tolist(),
        "trainable=False, training=True: output / input": (frozen_out / x)[0].round(4).tolist(),
    }


def show_pitfalls() -> None:
    """A batch of one example, the lag of the moving mean, a frozen layer."""
    print(table(pitfalls()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_training_effect, plot_training, show_cross_check, show_pitfalls)
