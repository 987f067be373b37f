"""ReLU (整流线性单元): the activation max(0, x), with derivative 1 for x > 0 and 0 for x < 0.

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

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import keras, minibatch_mse_training, seed, tf

ACTIVATIONS = ("relu", "sigmoid", "tanh")
DEPTHS = (1, 8)  # hidden layers: a shallow and a deep-ish MLP
WIDTH = 32
EPOCHS = 40
CLEAR = 0.5  # "clearly faster": ReLU's loss at most half the other activation's
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
    k, t = keras(), tf()
    x = t.constant(np.asarray(x, dtype="float32"))
    with t.GradientTape() as tape:
        tape.watch(x)
        y = k.activations.relu(x)
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


def mlp(activation: str, depth: int, seed_value: int = 0):
    """``depth`` hidden Dense layers of WIDTH units (Keras defaults: glorot_uniform, zero bias)."""
    k = keras()
    seed(seed_value)
    hidden = [k.layers.Dense(WIDTH, activation=activation) for _ in range(depth)]
    return k.Sequential([k.Input((2,)), *hidden, k.layers.Dense(1)])


@functools.cache
def train(activation: str, depth: int, epochs: int = EPOCHS, batch_size: int = 64):
    """Train one MLP with SGD (momentum 0.9); return (model, loss after each epoch).

    The loss is the mean squared error on all training points divided by the
    variance of the targets: 1.0 is what predicting the mean achieves.
    Everything but the activation is identical between runs: data, batch
    order, initial weights (same seed), optimizer, learning rate, epochs.
    """
    x, y = task_data()
    model = mlp(activation, depth)
    optimizer = keras().optimizers.SGD(learning_rate=0.05, momentum=0.9)
    return model, minibatch_mse_training(model, optimizer, x, y, epochs, batch_size)


def training_comparison() -> dict[int, dict[str, np.ndarray]]:
    """Loss curves by depth and activation: ``{depth: {activation: losses}}``."""
    return {d: {a: train(a, d)[1] for a in ACTIVATIONS} for d in DEPTHS}


def epochs_to_reach(losses: np.ndarray, target: float = 0.1) -> int | str:
    """The first epoch whose loss is below ``target``, or "never".

    >>> epochs_to_reach(np.array([0.5, 0.2, 0.08, 0.05]))
    3
    >>> epochs_to_reach(np.array([0.5, 0.4]))
    'never'
    """
    below = np.flatnonzero(losses < target)
    return int(below[0]) + 1 if below.size else "never"


def final_loss(losses: np.ndarray) -> float:
    """The mean loss of the last 5 epochs (less noisy than the last epoch alone)."""
    return float(np.mean(losses[-5:]))


def check_relu_faster_training() -> ClaimCheck:
    """Claim: ReLU's constant derivative makes training faster.

    Same task, same initial weights, same optimizer and number of epochs; only
    the activation changes. For each depth, compare ReLU's final loss with
    sigmoid's and tanh's. "Clearly faster" means at most CLEAR times the other
    loss. Holds if ReLU is clearly faster in every comparison, wrong if in
    none, conditions otherwise.
    """
    curves = training_comparison()
    evidence: dict[str, object] = {}
    clear = []
    for depth, by_act in curves.items():
        losses = [final_loss(by_act[a]) for a in ACTIVATIONS]
        ratios = [losses[0] / other for other in losses[1:]]
        evidence[f"{depth} hidden: loss after {EPOCHS} epochs (relu, sigmoid, tanh)"] = losses
        evidence[f"{depth} hidden: epochs to loss < 0.1 (relu, sigmoid, tanh)"] = [
            epochs_to_reach(by_act[a]) for a in ACTIVATIONS
        ]
        evidence[f"{depth} hidden: loss ratio relu/sigmoid, relu/tanh"] = ratios
        clear += [r <= CLEAR for r in ratios]
    if all(clear):
        verdict = "holds"
    elif any(clear):
        verdict = "conditions"
    else:
        verdict = "wrong"
    evidence["comparisons where relu is clearly faster"] = f"{sum(clear)} of {len(clear)}"
    return ClaimCheck("relu-faster-training", verdict, evidence)


# --- Claim 2: about half the units are inactive -----------------------------


def hidden_outputs(model, x) -> list[np.ndarray]:
    """The outputs of every hidden (ReLU) layer of a Sequential ``model`` on ``x``."""
    h, outputs = x, []
    for layer in model.layers[:-1]:
        h = layer(h)
        outputs.append(h.numpy())
    return outputs


def zero_fractions(model, x) -> list[float]:
    """Fraction of exactly-zero outputs of each hidden ReLU layer of ``model`` on ``x``."""
    return [float(np.mean(o == 0.0)) for o in hidden_outputs(model, x)]


def dead_units(model, x) -> int:
    """Hidden units whose output is zero for every input in ``x``."""
    return int(sum(np.all(o == 0.0, axis=0).sum() for o in hidden_outputs(model, x)))


def check_relu_sparsity() -> ClaimCheck:
    """Claim: about half the ReLU units are inactive (output exactly 0).

    Measured on the 8-hidden-layer ReLU MLP of the training experiment, on its
    512 random inputs, before and after training. Holds if the zero fraction is
    in HALF_BAND both times, conditions if only at initialisation, wrong if
    not even at initialisation.
    """
    depth = max(DEPTHS)
    x, _ = task_data()
    fresh = mlp("relu", depth)  # same seed, so the same weights training starts from
    trained, _ = train("relu", depth)
    at_init, after = zero_fractions(fresh, x), zero_fractions(trained, x)
    init_mean, after_mean = float(np.mean(at_init)), float(np.mean(after))
    low, high = HALF_BAND
    if low <= init_mean <= high and low <= after_mean <= high:
        verdict = "holds"
    elif low <= init_mean <= high:
        verdict = "conditions"
    else:
        verdict = "wrong"
    return ClaimCheck(
        "relu-sparsity",
        verdict,
        {
            "zero fraction at initialisation, mean": init_mean,
            "zero fraction at initialisation, per layer": at_init,
            "zero fraction after training, mean": after_mean,
            "zero fraction after training, per layer": after,
            "dead units at initialisation (of 256)": dead_units(fresh, x),
            "dead units after training (of 256)": dead_units(trained, x),
        },
    )


# --- Claim 3: does the activation rate fall by 2^N with N more layers? -----


@functools.cache
def activity_by_depth(initializer: str, depth: int = 16, width: int = 64, n: int = 2048):
    """Per layer of a deep ReLU stack at initialisation: active fraction and mean square.

    Random normal inputs of dimension ``width``, zero biases. Returns a dict of
    two arrays, ``active`` (fraction of outputs > 0) and ``mean_square``.
    """
    k = keras()
    seed(0)
    inputs = k.Input((width,))
    h, outputs = inputs, []
    for _ in range(depth):
        h = k.layers.Dense(width, activation="relu", kernel_initializer=initializer)(h)
        outputs.append(h)
    x = np.random.default_rng(0).normal(size=(n, width)).astype("float32")
    values = [o.numpy() for o in k.Model(inputs, outputs)(x)]
    return {
        "active": np.array([np.mean(v > 0) for v in values]),
        "mean_square": np.array([np.mean(v.astype("float64") ** 2) for v in values]),
    }


def check_relu_activation_rate_2n() -> ClaimCheck:
    """Claim: adding N layers divides the activation rate of ReLU units by 2^N.

    A 16-layer ReLU stack with Keras's default initializer and with He's. The
    claim predicts the active fraction of layer 1 + N to be 2^N times smaller
    than layer 1's. Holds if every init falls at least half as fast as 2^N,
    wrong if none falls even by a factor 2 over the whole stack, conditions
    otherwise.
    """
    glorot, he = activity_by_depth("glorot_uniform"), activity_by_depth("he_uniform")
    added = len(glorot["active"]) - 1
    last = added + 1
    predicted = 2.0**added
    falls = {
        "glorot_uniform": glorot["active"][0] / glorot["active"][-1],
        "he_uniform": he["active"][0] / he["active"][-1],
    }
    evidence = {
        f"active fraction, glorot_uniform (layer 1, {last})": [
            float(glorot["active"][0]), float(glorot["active"][-1])],
        "active fraction, glorot_uniform (lowest, highest layer)": [
            float(glorot["active"].min()), float(glorot["active"].max())],
        "largest active-fraction gap, he vs glorot": float(
            np.abs(glorot["active"] - he["active"]).max()),
        f"claimed fall over {added} added layers (2^{added})": predicted,
        "measured fall, glorot_uniform": float(falls["glorot_uniform"]),
        "measured fall, he_uniform": float(falls["he_uniform"]),
        f"mean square, layer {last} / layer 1, glorot_uniform": float(
            glorot["mean_square"][-1] / glorot["mean_square"][0]),
        f"mean square, layer {last} / layer 1, he_uniform": float(
            he["mean_square"][-1] / he["mean_square"][0]),
        f"0.5^{added}, for comparison": 1 / predicted,
    }
    if all(f >= predicted / 2 for f in falls.values()):
        verdict = "holds"
    elif all(f < 2 for f in falls.values()):
        verdict = "wrong"
    else:
        verdict = "conditions"
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
    """Training loss per epoch for each activation, shallow (left) and deep (right)."""
    import matplotlib.pyplot as plt

    curves = training_comparison()
    fig, axes = plt.subplots(1, len(DEPTHS), figsize=(9, 3.2), layout="constrained", sharey=True)
    for ax, (depth, by_act) in zip(axes, curves.items()):
        for act, losses in by_act.items():
            ax.plot(np.arange(1, len(losses) + 1), losses, label=act)
        ax.set(yscale="log", xlabel="epoch",
               title=f"{depth} hidden layer{'s' if depth > 1 else ''} of {WIDTH} units")
    axes[0].set_ylabel("loss / target variance")
    axes[0].legend(loc="lower left")
    return fig


def plot_activation_rate():
    """Active fraction (left) and mean square (right) per layer vs the claimed 2^-N."""
    import matplotlib.pyplot as plt

    glorot, he = activity_by_depth("glorot_uniform"), activity_by_depth("he_uniform")
    layers = np.arange(1, len(glorot["active"]) + 1)
    claimed = 0.5**layers
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
    ax1.plot(layers, glorot["active"], "o-", label="glorot_uniform (Keras default)")
    ax1.plot(layers, he["active"], "x--", ms=8, label="he_uniform")
    ax1.plot(layers, claimed, "k:", label="claim: 0.5^N")
    ax1.set(yscale="log", xlabel="layer N", ylabel="value (log scale)",
            title="Fraction of active units")
    ax1.legend(loc="lower left")
    ax2.plot(layers, glorot["mean_square"] / glorot["mean_square"][0] / 2, "o-",
             label="glorot_uniform")
    ax2.plot(layers, he["mean_square"] / he["mean_square"][0] / 2, "x--", ms=8, label="he_uniform")
    ax2.plot(layers, claimed, "k:", label="0.5^N")
    ax2.set(yscale="log", xlabel="layer N", title="Mean square output (scaled to 0.5 at N = 1)")
    ax2.legend(loc="lower left")
    return fig


def dense_relu_layer(units: int = 8, seed_value: int = 0) -> dict[str, np.ndarray]:
    """One ``Dense(units, activation="relu")`` layer on one random input.

    Returns the weighted sums ``z = x W + b`` and the layer's outputs, which
    are ``max(0, z)``: the negative sums become exactly 0.
    """
    k = keras()
    seed(seed_value)
    layer = k.layers.Dense(units, activation="relu")
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
