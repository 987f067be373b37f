"""ReLU (修正线性单元, also 整流线性单元): max(0, x), derivative 1 for x > 0 and 0 for x < 0.

The rectified linear unit passes positive inputs through unchanged and turns
negative inputs into exactly zero. At x = 0 it has no derivative; TensorFlow,
like most libraries, uses 0 there.

>>> relu(np.array([-2.0, 0.0, 3.0])).tolist()
[0.0, 0.0, 3.0]
>>> relu_derivative(np.array([-2.0, 0.0, 3.0])).tolist()
[0.0, 0.0, 1.0]
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower, overlap, separated
from .neural_network import StackedMLP, mse_per_network, train_stacked

ACTIVATIONS = ("relu", "sigmoid", "tanh")
DEPTHS = (1, 8)  # hidden layers: a shallow and a deep-ish MLP
WIDTH = 32
EPOCHS = 40
BATCH_SIZE = 128
LEARNING_RATE, MOMENTUM = 0.02, 0.9
HALF_BAND = (0.4, 0.6)  # "about half" of the units inactive


def relu(x) -> np.ndarray:
    """ReLU in NumPy: ``max(0, x)`` element-wise."""
    return np.maximum(0.0, np.asarray(x, dtype="float32"))


def relu_derivative(x) -> np.ndarray:
    """The derivative of ReLU: 1 where x > 0, else 0 (0 at x = 0, as in TensorFlow).

    >>> relu_derivative(np.array([-0.5, 0.5])).tolist()
    [0.0, 1.0]
    """
    return (np.asarray(x) > 0).astype("float32")


def keras_relu_and_gradient(x) -> tuple[np.ndarray, np.ndarray]:
    """``keras.activations.relu`` and its gradient, taken by ``tf.GradientTape``."""
    x = tf.constant(np.asarray(x, dtype="float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = keras.activations.relu(x)
    # y is element-wise, so the gradient of sum(y) is dy_i/dx_i for every i.
    return y.numpy(), tape.gradient(y, x).numpy()


def cross_check(n: int = 1001) -> dict[str, float]:
    """NumPy's max(0, x) and its derivative equal Keras's ReLU and TensorFlow's gradient."""
    x = np.linspace(-5.0, 5.0, n, dtype="float32")  # includes x = 0 exactly
    values, grads = keras_relu_and_gradient(x)
    np.testing.assert_allclose(values, relu(x), rtol=0, atol=0)
    np.testing.assert_allclose(grads, relu_derivative(x), rtol=0, atol=0)
    return {
        "points compared": n,
        "max |value difference|": float(np.abs(values - relu(x)).max()),
        "max |gradient difference|": float(np.abs(grads - relu_derivative(x)).max()),
        "TensorFlow gradient at x = 0": float(grads[x == 0][0]),
        "fraction of inputs with gradient 0": float((grads == 0).mean()),
    }


# --- Claim 1: does ReLU make training faster? ------------------------------


def task_data(n: int = 512, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small regression task: y = sin(3 x1) cos(3 x2) on the square [-1, 1]²."""
    x = np.random.default_rng(seed_value).uniform(-1, 1, size=(n, 2)).astype("float32")
    y = (np.sin(3 * x[:, 0]) * np.cos(3 * x[:, 1]))[:, None].astype("float32")
    return x, y


@functools.cache
def train(depth: int):
    """Every activation on SEEDS seeds, ``depth`` hidden layers of WIDTH, trained side by side.

    Network (activation, s) starts from ``GlorotUniform(seed=100 * s + l)``
    kernels (Keras's default initialiser) and zero biases, the same draw for
    every activation. Everything but the activation is shared: data, batches
    of BATCH_SIZE in a fixed order, SGD with momentum, learning rate, epochs.
    The loss is the mean squared error divided by the variance of the
    targets: 1.0 is what predicting the mean achieves. Returns the trained
    stack, the list of (activation, seed), the starting weights and the
    losses per epoch (EPOCHS × networks).
    """
    k, ops = keras, keras.ops
    x, y = task_data()
    settings = [(a, s) for a in ACTIVATIONS for s in range(SEEDS)]
    stack = StackedMLP((2, *[WIDTH] * depth, 1), [a for a, _ in settings],
                       [s for _, s in settings])
    start = [v.numpy() for v in stack.trainable_variables]

    def loss(targets, out):
        return mse_per_network(targets, out) / ops.convert_to_tensor(y.var())

    optimizer = k.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM)
    losses = train_stacked(stack, optimizer, loss, x, y, EPOCHS, batch_size=BATCH_SIZE)
    return stack, settings, start, losses


def final_losses(depth: int) -> dict[str, Spread]:
    """The loss of each activation at the end (mean of the last 5 epochs), over the seeds."""
    _, settings, _, losses = train(depth)
    final = losses[-5:].mean(axis=0)
    return {a: Spread.of([f for (b, _), f in zip(settings, final) if b == a]) for a in ACTIVATIONS}


def check_relu_faster_training() -> ClaimCheck:
    """Claim: ReLU's constant derivative makes training faster.

    Same task, same starting draws, same optimizer and number of epochs;
    only the activation changes. For each depth, ReLU's final loss is
    compared with sigmoid's and tanh's over the seeds. "Faster" means lower
    on every seed (``seeds.lower``: the ranges do not overlap). Holds if ReLU
    is faster in every comparison, wrong if in none, conditions otherwise.
    """
    evidence: dict[str, object] = {}
    faster = []
    for depth in DEPTHS:
        f = final_losses(depth)
        for act in ACTIVATIONS:
            evidence[f"{depth} hidden: final loss, {act}"] = str(f[act])
        for other in ACTIVATIONS[1:]:
            faster.append(lower(f["relu"], f[other]))
            evidence[f"{depth} hidden: relu below {other} on every seed"] = faster[-1]
        evidence[f"{depth} hidden: mean loss ratio relu/sigmoid, relu/tanh"] = [
            f["relu"].mean / f[other].mean for other in ACTIVATIONS[1:]]
    if all(faster):
        verdict = "holds"
    elif any(faster):
        verdict = "conditions"
    else:
        verdict = "wrong"
    evidence["comparisons where relu is faster"] = f"{sum(faster)} of {len(faster)}"
    glue_training()
    return ClaimCheck("relu-faster-training", verdict, evidence)


def glue_training() -> None:
    """The numbers the page's text quotes about the training comparison."""
    shallow, deep = (final_losses(d) for d in DEPTHS)
    glue("n_seeds", SEEDS)
    glue("epochs", EPOCHS)
    glue("batch_size", BATCH_SIZE)
    glue("learning_rate", LEARNING_RATE)
    glue("momentum", MOMENTUM)
    glue("sigmoid_min", min(shallow["sigmoid"].min, deep["sigmoid"].min))
    glue("relu_max", max(shallow["relu"].max, deep["relu"].max))
    for name, f in (("shallow", shallow), ("deep", deep)):
        glue(f"{name}_relu", f["relu"])
        glue(f"{name}_tanh", f["tanh"])
        glue(f"{name}_ratio", f["relu"].mean / f["tanh"].mean)
        glue(f"{name}_vs_tanh", overlap(f["relu"], f["tanh"]))
    # What the page's text concludes from these numbers, checked so that it fails
    # the build if a run ever says otherwise: ahead of tanh on every seed with one
    # hidden layer, not with eight.
    assert lower(shallow["relu"], shallow["tanh"]) and not separated(deep["relu"], deep["tanh"]), \
        "the text says ReLU beat tanh on every seed with one hidden layer and not with eight"


# --- Claim 2: about half the units are inactive -----------------------------


def hidden_outputs(weights, x) -> list[np.ndarray]:
    """Every hidden ReLU layer's outputs, in NumPy, from one network's weights [W1, b1, ...]."""
    h, outputs = np.asarray(x), []
    for kernel, bias in zip(weights[0:-2:2], weights[1:-2:2]):
        h = relu(h @ kernel + bias)
        outputs.append(h)
    return outputs


def zero_fractions(weights, x) -> list[float]:
    """Fraction of exactly-zero outputs of each hidden ReLU layer on ``x``."""
    return [float(np.mean(o == 0.0)) for o in hidden_outputs(weights, x)]


def dead_units(weights, x) -> int:
    """Hidden units whose output is zero for every input in ``x``."""
    return int(sum(np.all(o == 0.0, axis=0).sum() for o in hidden_outputs(weights, x)))


def sparsity() -> dict[str, dict[str, np.ndarray]]:
    """Zero fractions and dead units of the deep ReLU networks, at the start and after training.

    One value per seed (the mean over the hidden layers), and the per-layer
    fractions of seed 0. Checked: the NumPy forward pass on the stack's
    weights gives the stack's own output.
    """
    depth = max(DEPTHS)
    stack, settings, start, _ = train(depth)
    x, _ = task_data()
    by_stack = stack(x).numpy()
    result = {"start": {}, "trained": {}}
    for state in result:
        per_seed, dead, layers0 = [], [], None
        for i, (act, s) in enumerate(settings):
            if act != "relu":
                continue
            weights = ([w[i] for w in start] if state == "start" else stack.network_weights(i))
            fractions = zero_fractions(weights, x)
            per_seed.append(np.mean(fractions))
            dead.append(dead_units(weights, x))
            layers0 = fractions if s == 0 else layers0
            if state == "trained":
                out = hidden_outputs(weights, x)[-1] @ weights[-2] + weights[-1]
                np.testing.assert_allclose(out, by_stack[:, i], rtol=1e-4, atol=1e-4)
        result[state] = {"zero fraction": np.array(per_seed), "dead units": np.array(dead),
                         "per layer, seed 0": np.array(layers0)}
    return result


def check_relu_sparsity() -> ClaimCheck:
    """Claim: about half the ReLU units are inactive (output exactly 0).

    Measured on the 8-hidden-layer ReLU networks of the training experiment
    (every seed), on their 512 training inputs, at the start and after
    training. Holds if every seed's zero fraction is in HALF_BAND both times,
    conditions if only at the start, wrong if not even at the start.
    """
    r = sparsity()
    low, high = HALF_BAND
    inside = {state: bool(np.all((low <= v["zero fraction"]) & (v["zero fraction"] <= high)))
              for state, v in r.items()}
    if inside["start"] and inside["trained"]:
        verdict = "holds"
    elif inside["start"]:
        verdict = "conditions"
    else:
        verdict = "wrong"
    units = max(DEPTHS) * WIDTH
    evidence = {}
    for state, label in (("start", "at initialisation"), ("trained", "after training")):
        evidence[f"zero fraction {label}, per seed"] = str(Spread.of(r[state]["zero fraction"]))
        evidence[f"zero fraction {label}, per layer (seed 0)"] = (
            r[state]["per layer, seed 0"].round(3).tolist())
        evidence[f"dead units {label} (of {units}), per seed"] = r[state]["dead units"].tolist()
    glue("zero_start", Spread.of(r["start"]["zero fraction"]).mean)
    glue("zero_trained", Spread.of(r["trained"]["zero fraction"]).mean)
    glue("layers_min", float(min(v["per layer, seed 0"].min() for v in r.values())))
    glue("layers_max", float(max(v["per layer, seed 0"].max() for v in r.values())))
    glue("dead_min", int(min(v["dead units"].min() for v in r.values())))
    glue("dead_max", int(max(v["dead units"].max() for v in r.values())))
    glue("units", units)
    return ClaimCheck("relu-sparsity", verdict, evidence)


# --- Claim 3: does the activation rate fall by 2^N with N more layers? -----


#: Starting weights and biases of the deep stack: (kernel initializer, bias), by label.
#: he_uniform draws the same uniform numbers as glorot_uniform for the same seed, times a
#: constant; the last three change the signs of the weighted sums, not only their scale.
INITIALISATIONS = {
    "glorot_uniform (Keras default)": ("glorot_uniform", 0.0),
    "he_uniform": ("he_uniform", 0.0),
    "glorot_uniform, bias −0.1": ("glorot_uniform", -0.1),
    "normal, mean +0.02": ("normal+", 0.0),
    "normal, mean −0.02": ("normal-", 0.0),
}


def initializer(name: str, seed_value: int):
    """A seeded Keras kernel initializer; ``normal±`` is N(±0.02, 0.177²): He's spread, shifted."""
    if name.startswith("normal"):
        mean = 0.02 if name.endswith("+") else -0.02
        return keras.initializers.RandomNormal(mean=mean, stddev=0.177, seed=seed_value)
    return keras.initializers.get({"class_name": name, "config": {"seed": seed_value}})


@functools.cache
def deep_stack_kernels(kernel: str, depth: int = 16, width: int = 64) -> tuple[np.ndarray, ...]:
    """The ``depth`` square kernels of a deep stack; layer l uses seed l."""
    return tuple(initializer(kernel, l)((width, width)).numpy() for l in range(depth))


@functools.cache
def activity_by_depth(label: str, depth: int = 16, width: int = 64, n: int = 2048):
    """Per layer of a deep ReLU stack at initialisation: active fraction and mean square.

    Random normal inputs of dimension ``width``; the kernels and the
    constant bias of INITIALISATIONS[label]. Computed in NumPy (the same
    ``max(0, x W + b)`` a ``Dense(width, activation="relu")`` computes).
    Returns two arrays, ``active`` (fraction of outputs > 0) and ``mean_square``.
    """
    kernel, bias = INITIALISATIONS[label]
    h = np.random.default_rng(0).normal(size=(n, width)).astype("float32")
    active, mean_square = [], []
    for w in deep_stack_kernels(kernel, depth, width):
        h = relu(h @ w + np.float32(bias))
        active.append(np.mean(h > 0))
        mean_square.append(np.mean(h.astype("float64") ** 2))
    return {"active": np.array(active), "mean_square": np.array(mean_square)}


def check_relu_activation_rate_2n() -> ClaimCheck:
    """Claim: adding N layers divides the activation rate of ReLU units by 2^N.

    A 16-layer ReLU stack at initialisation with Keras's default initializer
    and with He's (zero biases, as Keras starts). The claim predicts the
    active fraction of layer 1 + N to be 2^N times smaller than layer 1's.
    Holds if both fall at least half as fast as 2^N, wrong if neither falls
    even by a factor 2 over the whole stack, conditions otherwise. The He
    kernels are the Glorot kernels times one constant (asserted), so the two
    rates are equal by construction; the other initialisations show what
    does change the rate.
    """
    glorot = activity_by_depth("glorot_uniform (Keras default)")
    he = activity_by_depth("he_uniform")
    he_w = np.concatenate([w.ravel() for w in deep_stack_kernels("he_uniform")])
    glorot_w = np.concatenate([w.ravel() for w in deep_stack_kernels("glorot_uniform")])
    factor = float(he_w @ glorot_w / (glorot_w @ glorot_w))  # √(6/64) / √(6/128) = √2
    np.testing.assert_allclose(he_w, factor * glorot_w, rtol=0, atol=1e-6)
    he_gap = float(np.abs(glorot["active"] - he["active"]).max())
    assert he_gap < 1e-4  # the same signs, but for a sum rounded to the other side of 0
    added = len(glorot["active"]) - 1
    last = added + 1
    predicted = 2.0**added
    falls = {"glorot_uniform": glorot["active"][0] / glorot["active"][-1],
             "he_uniform": he["active"][0] / he["active"][-1]}
    evidence = {
        f"active fraction, glorot_uniform (layer 1, {last})": [
            float(glorot["active"][0]), float(glorot["active"][-1])],
        "active fraction, glorot_uniform (lowest, highest layer)": [
            float(glorot["active"].min()), float(glorot["active"].max())],
        "he_uniform kernels / glorot_uniform kernels (every entry)": factor,
        "largest active-fraction gap, he vs glorot (float rounding)": he_gap,
        f"claimed fall over {added} added layers (2^{added})": predicted,
        "measured fall, glorot_uniform = he_uniform": float(falls["glorot_uniform"]),
        f"mean square, layer {last} / layer 1, glorot_uniform": float(
            glorot["mean_square"][-1] / glorot["mean_square"][0]),
        f"mean square, layer {last} / layer 1, he_uniform": float(
            he["mean_square"][-1] / he["mean_square"][0]),
        f"0.5^{added}, for comparison": 1 / predicted,
    }
    for label in list(INITIALISATIONS)[2:]:
        active = activity_by_depth(label)["active"]
        evidence[f"active fraction, {label} (layer 1, {last})"] = [
            float(active[0]), float(active[-1])]
    if all(f >= predicted / 2 for f in falls.values()):
        verdict = "holds"
    elif all(f < 2 for f in falls.values()):
        verdict = "wrong"
    else:
        verdict = "conditions"
    glue("added", added)
    glue("fall", float(falls["glorot_uniform"]))
    glue("active_min", float(glorot["active"].min()))
    glue("active_max", float(glorot["active"].max()))
    glue("he_factor", factor)
    glue("he_gap", he_gap)
    glue("outputs_per_layer", 2048 * 64)
    glue("ms_glorot", float(glorot["mean_square"][-1] / glorot["mean_square"][0]))
    glue("ms_he", float(he["mean_square"][-1] / he["mean_square"][0]))
    glue("half_power", 1 / predicted)
    for key, label in (("bias", "glorot_uniform, bias −0.1"), ("plus", "normal, mean +0.02"),
                       ("minus", "normal, mean −0.02")):
        active = activity_by_depth(label)["active"]
        glue(f"{key}_last", float(active[-1]))
        glue(f"{key}_first", float(active[0]))
    dead = activity_by_depth("glorot_uniform, bias −0.1")["active"]
    glue("bias_dead_from", int(np.argmax(dead == 0)) + 1 if np.any(dead == 0) else 0)
    return ClaimCheck("relu-activation-rate-2n", verdict, evidence)


# --- Plots -------------------------------------------------------------------


def plot_relu():
    """ReLU (left) and its derivative (right)."""
    import matplotlib.pyplot as plt

    x = np.linspace(-3, 3, 601)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(x, relu(x), lw=2, label="ReLU(x) = max(0, x)")
    ax1.plot(x, 1 / (1 + np.exp(-x)), lw=1, ls="--", color="gray", label="sigmoid, for comparison")
    ax1.set(xlabel="x", ylabel="output", title="ReLU")
    ax1.legend(loc="upper left")
    ax2.plot(x[x < 0], relu_derivative(x[x < 0]), lw=2, color="C0", label="ReLU'(x)")
    ax2.plot(x[x > 0], relu_derivative(x[x > 0]), lw=2, color="C0")
    ax2.plot([0], [0], "o", color="C0", ms=5)
    ax2.plot([0], [1], "o", mfc="white", color="C0", ms=5)
    s = 1 / (1 + np.exp(-x))
    ax2.plot(x, s * (1 - s), lw=1, ls="--", color="gray", label="sigmoid' (at most 0.25)")
    ax2.set(xlabel="x", ylabel="derivative", ylim=(-0.1, 1.15),
            title="Derivative: 1 for x > 0, 0 for x < 0")
    ax2.legend(loc="center left")
    return fig


def plot_training():
    """Training loss per epoch for each activation (mean over seeds, band: min to max)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(DEPTHS), figsize=(9, 3.2), layout="constrained", sharey=True)
    epochs = np.arange(1, EPOCHS + 1)
    for ax, depth in zip(axes, DEPTHS):
        _, settings, _, losses = train(depth)
        for color, act in zip(("C0", "C1", "C2"), ACTIVATIONS):
            curves = losses[:, [i for i, (a, _) in enumerate(settings) if a == act]]
            ax.plot(epochs, curves.mean(axis=1), color=color, label=act)
            ax.fill_between(epochs, curves.min(axis=1), curves.max(axis=1), color=color, alpha=0.15)
        ax.set(yscale="log", xlabel="epoch",
               title=f"{depth} hidden layer{'s' if depth > 1 else ''} of {WIDTH}, {SEEDS} seeds")
        ax.minorticks_off()  # decades only: cheaper to draw
    axes[0].set_ylabel("loss / target variance")
    axes[0].legend(loc="lower left")
    return fig


def plot_activation_rate():
    """Active fraction (left) and mean square (right) per layer vs the claimed 2^-N."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    styles = ["o-", "x--", "s:", "^-", "v-"]
    for label, style in zip(INITIALISATIONS, styles):
        r = activity_by_depth(label)
        layers = np.arange(1, len(r["active"]) + 1)
        ax1.plot(layers, r["active"], style, ms=5, label=label)
        if label in list(INITIALISATIONS)[:2]:
            ax2.plot(layers, r["mean_square"] / r["mean_square"][0] / 2, style, ms=5, label=label)
    ax1.plot(layers, 0.5**layers, "k:", label="claim: 0.5^N")
    ax1.set(yscale="log", ylim=(1e-5, 1.5), xlabel="layer N", ylabel="fraction (log scale)",
            title="Fraction of active units")
    ax1.legend(loc="lower left", fontsize=7)
    ax2.plot(layers, 0.5**layers, "k:", label="0.5^N")
    ax2.set(yscale="log", xlabel="layer N", title="Mean square output (scaled to 0.5 at N = 1)")
    for ax in (ax1, ax2):
        ax.minorticks_off()  # decades only: cheaper to draw
    ax2.legend(loc="lower left", fontsize=7)
    return fig


def dense_relu_layer(units: int = 8, seed_value: int = 0) -> dict[str, np.ndarray]:
    """One ``Dense(units, activation="relu")`` layer on one random input.

    Returns the weighted sums ``z = x W + b`` and the layer's outputs, which
    are ``max(0, z)``: the negative sums become exactly 0.
    """
    keras.utils.set_random_seed(seed_value)
    layer = keras.layers.Dense(units, activation="relu")
    x = np.random.default_rng(seed_value).normal(size=(1, 4)).astype("float32")
    out = layer(x).numpy()[0]
    kernel, bias = (v.numpy() for v in layer.weights)
    return {"z = xW + b": (x @ kernel + bias)[0], "relu(z)": out}


def show_example() -> None:
    """ReLU and its derivative on a few numbers, then one Dense ReLU layer."""
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0], dtype="float32")
    print(table({"x": x.tolist(), "relu(x)": relu(x).tolist(),
                 "relu'(x)": relu_derivative(x).tolist()}))
    print()
    print("Dense(8, activation='relu') on one input:")
    with np.printoptions(precision=3, suppress=True):
        for name, values in dense_relu_layer().items():
            print(f"{name:>10}: {values}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_relu,
    show_cross_check,
    check_relu_faster_training,
    plot_training,
    check_relu_sparsity,
    check_relu_activation_rate_2n,
    plot_activation_rate,
)
