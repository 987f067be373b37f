"""Sigmoid (sigmoid 函数): the logistic function σ(z) = 1 / (1 + e^−z), with values in (0, 1).

It squashes any real number into the open interval (0, 1), with σ(0) = 1/2 and
σ(−z) = 1 − σ(z). Its derivative is σ'(z) = σ(z)(1 − σ(z)), largest at z = 0,
where it is 0.25. As an output activation it is usually paired with binary
cross-entropy, and its output is read as the probability of class 1.

>>> sigmoid(np.array([0.0, -1000.0, 1000.0])).tolist()  # no overflow warning
[0.5, 0.0, 1.0]
>>> float(sigmoid_derivative(np.array(0.0)))
0.25
>>> bool(np.allclose(sigmoid(np.array(2.0)) + sigmoid(np.array(-2.0)), 1.0))
True
"""

from __future__ import annotations

import functools
import textwrap
import warnings

import keras
import numpy as np
import tensorflow as tf

from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.runtime import full_batch_loop
from ._lib.seeds import SEEDS, Spread, lower, overlap
from .neural_network import StackedMLP, train_stacked

#: Half the distance between the two class means of the claim's data set.
MEAN = np.array([0.6, 0.4])
STEPS = 200  # full-batch Adam steps for each output layer
LEARNING_RATE = 0.05
N_TRAIN, N_TEST = 500, 2000
TEST_SEED = 1000  # the test set's seed; training set s uses seed s


def sigmoid(z) -> np.ndarray:
    """σ(z) computed without overflow: only e^−|z| is ever evaluated."""
    z = np.asarray(z, dtype="float64")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z) -> np.ndarray:
    """σ'(z) = σ(z)(1 − σ(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def keras_sigmoid_and_gradient(z) -> tuple[np.ndarray, np.ndarray]:
    """``keras.activations.sigmoid`` and its derivative from ``tf.GradientTape``."""
    z = tf.constant(np.asarray(z, dtype="float32"))
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = keras.activations.sigmoid(z)
    return y.numpy(), tape.gradient(y, z).numpy()


def cross_check(n: int = 2001) -> dict[str, float]:
    """NumPy's σ and σ(1 − σ) equal Keras's sigmoid and TensorFlow's gradient.

    On n points from −10 to 10 (z = 0 included), asserted with
    ``np.testing.assert_allclose``. The derivative is also checked against a
    central finite difference, and its maximum located.
    """
    z = np.linspace(-10, 10, n)
    values, grads = keras_sigmoid_and_gradient(z)
    np.testing.assert_allclose(values, sigmoid(z), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grads, sigmoid_derivative(z), rtol=1e-5, atol=1e-7)
    h = 1e-5
    finite = (sigmoid(z + h) - sigmoid(z - h)) / (2 * h)
    np.testing.assert_allclose(finite, sigmoid_derivative(z), atol=1e-9)
    return {
        "points compared": n,
        "max |value difference|": float(np.abs(values - sigmoid(z)).max()),
        "max |gradient difference|": float(np.abs(grads - sigmoid_derivative(z)).max()),
        "max |finite difference − σ(1 − σ)|": float(np.abs(finite - sigmoid_derivative(z)).max()),
        "largest derivative (TensorFlow)": float(grads.max()),
        "at z": float(z[np.argmax(grads)]),
    }


# --- The claim: sigmoid or tanh in the output layer --------------------------------


def blobs(n: int, seed_value: int) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping Gaussian classes in 2-D, means ±MEAN, identity covariance.

    Labels are 0 or 1, equally likely. For this data the true probability of
    class 1 is known exactly: P(y = 1 | x) = σ(2·MEAN·x).
    """
    rng = np.random.default_rng(seed_value)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(size=(n, 2)) + np.where(y[:, None] == 1, MEAN, -MEAN)
    return x.astype("float32"), y.astype("float32")


def true_probability(x) -> np.ndarray:
    """P(y = 1 | x) for :func:`blobs`: the Bayes posterior, σ(2·MEAN·x)."""
    return sigmoid(2 * np.asarray(x, dtype="float64") @ MEAN)


#: The output layers compared, by label: what the single neuron's z goes through.
OUTPUTS = {
    "sigmoid + BCE": "sigmoid",
    "tanh + MSE, targets ±1": "tanh-mse",
    "(tanh + 1)/2 + BCE": "tanh-rescaled",
}


def output_losses(kind: str, y, z):
    """Each network's training loss for an output ``kind`` on its scores z: shape (K,).

    ``sigmoid``: binary cross-entropy of σ(z), computed from z, as Keras does
    for a sigmoid output layer inside ``fit`` (TensorFlow backend).
    ``tanh-mse``: mean squared error of tanh(z) against targets 2y − 1.
    ``tanh-rescaled``: binary cross-entropy of the probabilities
    (tanh(z) + 1)/2, which Keras clips to [1e-7, 1 − 1e-7] (no logits to
    recover after a ``Rescaling`` layer).
    """
    ops = keras.ops
    z = z[:, :, 0]
    if kind == "sigmoid":
        return ops.mean(ops.binary_crossentropy(y, z, from_logits=True), axis=0)
    if kind == "tanh-mse":
        return ops.mean(ops.square(ops.tanh(z) - (2 * y - 1)), axis=0)
    return ops.mean(ops.binary_crossentropy(y, (ops.tanh(z) + 1) / 2), axis=0)


@functools.cache
def trained_output_layers():
    """One output neuron per (output kind, seed), all trained side by side; returns the stack.

    Network (kind, s) is ``Dense(1)`` on the two inputs, starting from
    ``GlorotUniform(seed=100 * s)`` and trained on its own training set
    ``blobs(N_TRAIN, s)`` with the loss of ``output_losses(kind, ...)``: STEPS
    full-batch Adam steps. The kinds share data, starting weights, optimizer
    and steps seed by seed. Returns (stack, list of (label, seed)).
    """
    k, ops = keras, keras.ops
    settings = [(label, s) for label in OUTPUTS for s in range(SEEDS)]
    seeds = [s for _, s in settings]
    data = [blobs(N_TRAIN, s) for s in seeds]
    x = np.stack([d[0] for d in data], axis=1)  # (N_TRAIN, networks, 2): one set per network
    y = np.stack([d[1] for d in data], axis=1)
    stack = StackedMLP((2, 1), [None] * len(settings), seeds)

    def loss(targets, z):
        parts = [output_losses(OUTPUTS[label], targets[:, i:i + SEEDS], z[:, i:i + SEEDS])
                 for i, label in zip(range(0, len(settings), SEEDS), OUTPUTS)]
        return ops.concatenate(parts)

    train_stacked(stack, k.optimizers.Adam(LEARNING_RATE), loss, x, y, STEPS)
    return stack, settings


def probabilities(kind: str, z) -> np.ndarray:
    """Each output kind's reading of its score z as P(y = 1)."""
    return sigmoid(z) if kind == "sigmoid" else (np.tanh(np.asarray(z, "float64")) + 1) / 2


def log_loss(p, y) -> float:
    """Mean binary cross-entropy of probabilities ``p`` (clipped to [1e-7, 1 − 1e-7])."""
    p = np.clip(np.asarray(p, dtype="float64"), 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@functools.cache
def output_layer_results() -> dict[str, dict[str, np.ndarray]]:
    """Per output kind, one value per seed: test accuracy, log-loss, error against the truth."""
    x, y = blobs(N_TEST, TEST_SEED)
    truth = true_probability(x)
    stack, settings = trained_output_layers()
    z = stack(x).numpy()[:, :, 0]
    results = {label: {m: [] for m in ("accuracy", "log-loss", "mean |p − true p|",
                                       "raw outputs outside [0, 1]")} for label in OUTPUTS}
    for i, (label, _) in enumerate(settings):
        kind = OUTPUTS[label]
        p = probabilities(kind, z[:, i])
        raw = sigmoid(z[:, i]) if kind == "sigmoid" else np.tanh(z[:, i])  # the activation's output
        r = results[label]
        r["accuracy"].append(float(np.mean((p >= 0.5) == y)))
        r["log-loss"].append(log_loss(p, y))
        r["mean |p − true p|"].append(float(np.abs(p - truth).mean()))
        r["raw outputs outside [0, 1]"].append(float(np.mean((raw < 0) | (raw > 1))))
    results["true probabilities (best possible)"] = {
        "accuracy": np.array([float(np.mean((truth >= 0.5) == y))]),
        "log-loss": np.array([log_loss(truth, y)]),
    }
    return {label: {m: np.array(v) for m, v in r.items()} for label, r in results.items()}


def keras_check(seed_value: int = 0) -> float:
    """The sigmoid network of the stack = ``Dense(1, activation="sigmoid")`` trained alone.

    The Keras model starts from the same ``GlorotUniform(seed=100 * seed_value)``,
    is compiled with the usual ``binary_crossentropy`` on its probabilities and
    trained for STEPS full-batch Adam steps (``runtime.full_batch_loop``,
    the algorithm of ``fit`` with one batch per step). Returns the largest
    weight difference, asserted small.
    """
    x, y = blobs(N_TRAIN, seed_value)
    start = keras.initializers.GlorotUniform(seed=100 * seed_value)
    model = keras.Sequential([keras.Input((2,)),
                          keras.layers.Dense(1, activation="sigmoid", kernel_initializer=start)])
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build(model.trainable_variables)
    full_batch_loop()(model, optimizer, keras.losses.BinaryCrossentropy(), x, y[:, None], STEPS)
    stack, settings = trained_output_layers()
    mine = stack.network_weights(settings.index(("sigmoid + BCE", seed_value)))
    gap = max(float(np.abs(a - b).max()) for a, b in zip(model.get_weights(), mine))
    assert gap < 1e-4, gap
    return gap


def show_output_layers() -> None:
    """The table behind the claim: one block per output layer, each metric over the seeds."""
    for label, numbers in output_layer_results().items():
        print(label)
        print(table({m: str(Spread.of(v)) if len(v) >= SEEDS else float(v[0])
                     for m, v in numbers.items()}, indent="  "))
    print(f"sigmoid network, seed 0: max |weight − Dense(1, sigmoid) trained alone| "
          f"{keras_check():.2g}")


def check_sigmoid_output_layer() -> ClaimCheck:
    """Claim: sigmoid beats tanh in the output layer because its outputs read as probabilities.

    Three output layers (see ``trained_output_layers``), SEEDS seeds each,
    scored on N_TEST test points after reading each output as a probability.
    Holds if sigmoid's log-loss is below every tanh variant's on every seed
    (``seeds.lower``); wrong if a tanh variant's is below sigmoid's on every
    seed, or if the raw tanh outputs already stay in [0, 1]; conditions
    otherwise: raw tanh outputs are not probabilities, but read through
    (t + 1)/2 they do as well.
    """
    r = output_layer_results()
    loss = {label: Spread.of(r[label]["log-loss"]) for label in OUTPUTS}
    sig, tanhs = loss["sigmoid + BCE"], [loss[label] for label in list(OUTPUTS)[1:]]
    z = np.linspace(-20, 20, 4001)
    identity_gap = float(np.abs((1 + np.tanh(z / 2)) / 2 - sigmoid(z)).max())
    raw_outside = Spread.of(r["tanh + MSE, targets ±1"]["raw outputs outside [0, 1]"])
    stack, settings = trained_output_layers()
    kernels = stack.kernels[0].numpy()[:, :, 0]
    ratio = [kernels[settings.index(("(tanh + 1)/2 + BCE", s))]
             / kernels[settings.index(("sigmoid + BCE", s))] for s in range(SEEDS)]
    evidence = {
        **{f"log-loss, {label}": str(loss[label]) for label in OUTPUTS},
        **{f"accuracy, {label}": str(Spread.of(r[label]["accuracy"])) for label in OUTPUTS},
        "raw tanh outputs outside [0, 1] (tanh + MSE)": str(raw_outside),
        "max |(1 + tanh(z/2))/2 − σ(z)|": identity_gap,
        "rescaled-tanh weights / sigmoid weights, all seeds (min, max)": [
            float(np.min(ratio)), float(np.max(ratio))],
    }
    sigmoid_better = all(lower(sig, t) for t in tanhs)
    tanh_better = any(lower(t, sig) for t in tanhs)
    if sigmoid_better:
        verdict = "holds"
    elif tanh_better or raw_outside.max == 0:
        verdict = "wrong"
    else:
        verdict = "conditions"
    glue("n_seeds", SEEDS)
    glue("steps", STEPS)
    glue("raw_outside", raw_outside.mean)
    acc = [Spread.of(r[label]["accuracy"]) for label in OUTPUTS]
    glue("accuracy_low", min(a.min for a in acc))
    glue("accuracy_high", max(a.max for a in acc))
    glue("loss_sigmoid", sig)
    glue("loss_tanh_mse", loss["tanh + MSE, targets ±1"])
    glue("loss_rescaled", loss["(tanh + 1)/2 + BCE"])
    glue("loss_best", float(r["true probabilities (best possible)"]["log-loss"][0]))
    ranges = overlap(sig, *tanhs)
    # The page says the three output layers "do equally well": only true while no range
    # over seeds stands apart from another.
    assert ranges.en == "overlap", f"the log-loss ranges {ranges.en}: 'equally well' is wrong"
    glue("loss_ranges", ranges)
    glue("ratio_min", float(np.min(ratio)))
    glue("ratio_max", float(np.max(ratio)))
    return ClaimCheck("sigmoid-output-layer", verdict, evidence)


# --- Sigmoid in the layer, in the loss, or both -------------------------------------


def logits_or_probabilities() -> dict[str, object]:
    """Binary cross-entropy for each pairing of output layer and ``from_logits``.

    Scores z of four examples, two of them far from 0 (±30), where
    probabilities round to 0 or 1 in float32. The right loss is the mean of
    log(1 + e^z) − y z. Keras warnings are recorded, not printed. Asserted:
    the sigmoid-layer cases give the right loss (one of them with a warning),
    the linear output read as probabilities gives a different loss silently,
    and plain probability arrays are clipped.
    """
    z = np.array([[30.0], [-30.0], [0.5], [-1.0]], "float32")
    y = np.array([[0.0], [1.0], [1.0], [0.0]], "float32")
    right = float(np.mean(np.logaddexp(0.0, z.astype("float64")) - y * z))
    bce, bce_logits = keras.losses.BinaryCrossentropy(), keras.losses.BinaryCrossentropy(from_logits=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        probs = keras.activations.sigmoid(tf.constant(z))  # made by a sigmoid: it carries z
        both = float(bce_logits(y, probs))
        warned = [str(w.message) for w in caught]
        layer_probs = float(bce(y, probs))
        array_probs = float(bce(y, probs.numpy()))
        neither = float(bce(y, z))  # the scores themselves read as probabilities
        silent = len(caught) == len(warned)
    p = np.clip(probs.numpy(), np.float32(1e-7), np.float32(1 - 1e-7))  # in float32, as Keras
    p, q = p.astype("float64"), (1 - p).astype("float64")
    clipped = -np.mean(y * np.log(p) + (1 - y) * np.log(q))
    np.testing.assert_allclose(both, right, rtol=1e-5)
    np.testing.assert_allclose(layer_probs, right, rtol=1e-5)
    np.testing.assert_allclose(array_probs, clipped, rtol=1e-5)
    assert len(warned) == 1 and "from_logits=True" in warned[0] and silent
    assert abs(neither - right) > 0.1 * right
    glue("right_loss", right)
    glue("neither_loss", neither)
    glue("array_loss", array_probs)
    return {
        "right: mean of log(1 + e^z) − y z, NumPy": right,
        "sigmoid layer + from_logits=False (the usual pairing)": layer_probs,
        "sigmoid layer + from_logits=True (warns, uses z)": both,
        "linear layer + from_logits=False (no warning)": neither,
        "σ(z) as a NumPy array + from_logits=False (clipped)": array_probs,
        "the warning": warned[0].strip('"'),
    }


# --- Plots and printing ----------------------------------------------------------


def plot_sigmoid():
    """Left: σ(z). Right: σ'(z) = σ(1 − σ), at most 0.25."""
    import matplotlib.pyplot as plt

    z = np.linspace(-8, 8, 801)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(z, sigmoid(z), lw=2, label="σ(z) = 1 / (1 + e^−z)")
    ax1.plot(z, np.tanh(z), lw=1, ls="--", color="gray", label="tanh(z), for comparison")
    for level in (0, 0.5, 1):
        ax1.axhline(level, color="k", lw=0.5, ls=":")
    ax1.set(xlabel="z", ylabel="output", title="Sigmoid: any z into (0, 1)")
    ax1.legend(loc="lower right", fontsize=8)
    ax2.plot(z, sigmoid_derivative(z), lw=2, label="σ'(z) = σ(z)(1 − σ(z))")
    ax2.axhline(0.25, color="k", lw=0.8, ls="--", label="0.25, reached at z = 0")
    ax2.set(xlabel="z", ylabel="derivative", ylim=(0, 0.3), title="Its derivative: at most 0.25")
    ax2.legend(loc="upper right", fontsize=8)
    return fig


def plot_output_layers():
    """Left: raw outputs of the seed-0 sigmoid and tanh layers. Right: probabilities vs truth."""
    import matplotlib.pyplot as plt

    x, _ = blobs(N_TEST, TEST_SEED)
    truth = true_probability(x)
    stack, settings = trained_output_layers()
    z = stack(x).numpy()[:, :, 0]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    bins = np.linspace(-1, 1, 41)
    for label, f in [("sigmoid + BCE", sigmoid), ("tanh + MSE, targets ±1", np.tanh)]:
        ax1.hist(f(z[:, settings.index((label, 0))]), bins=bins, alpha=0.6,
                 label=label.split(" +")[0] + " output")
    ax1.axvspan(-1, 0, color="gray", alpha=0.1, label="not a probability")
    ax1.set(xlabel="raw output of the activation", ylabel="test points",
            title="What the output layer emits (seed 0)")
    ax1.legend(loc="upper left", fontsize=8)
    edges = np.linspace(0, 1, 11)
    which = np.digitize(truth, edges[1:-1])  # 10 bins of the true probability
    centres = [truth[which == i].mean() for i in range(10)]
    for (label, kind), style in zip(OUTPUTS.items(), ["o-", "s--", "x:"]):
        p = probabilities(kind, z[:, settings.index((label, 0))])
        ax2.plot(centres, [p[which == i].mean() for i in range(10)], style, lw=2, ms=6,
                 mfc="none", label=label)
    ax2.plot([0, 1], [0, 1], color="k", lw=0.5, label="perfect")
    ax2.set(xlabel="true probability of class 1 (10 bins)",
            ylabel="mean predicted probability", title="Read as probabilities: the same")
    ax2.legend(loc="upper left", fontsize=8)
    return fig


def show_example() -> None:
    """σ and σ' on a few numbers; σ(−z) = 1 − σ(z)."""
    z = np.array([-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 6.0])
    with np.printoptions(precision=4, suppress=True):
        print(f"{'z':>12}: {z}")
        print(f"{'σ(z)':>12}: {sigmoid(z)}")
        print(f"{'1 − σ(−z)':>12}: {1 - sigmoid(-z)}")
        print(f"{'σ′(z)':>12}: {sigmoid_derivative(z)}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    result = cross_check()
    glue("max_derivative", result["largest derivative (TensorFlow)"])
    glue("max_at", result["at z"])
    print(table(result))


def show_logits_or_probabilities() -> None:
    """The four pairings of output layer and ``from_logits`` (asserted inside)."""
    result = logits_or_probabilities()
    message = result.pop("the warning")
    print(table(result))
    print("warning:", textwrap.fill(message, 88, subsequent_indent="  "))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_sigmoid,
    show_cross_check,
    show_logits_or_probabilities,
    show_output_layers,
    check_sigmoid_output_layer,
    plot_output_layers,
)
