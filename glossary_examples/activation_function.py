"""Activation function (激活函数): the non-linear function a neuron applies to its weighted sum.

A layer computes ``g(x @ W + b)``. If ``g`` is the identity, a stack of layers
is a composition of affine maps, which is again one affine map: three
``Dense`` layers without activation compute exactly what one ``Dense`` layer
with kernel ``W1 @ W2 @ W3`` computes. Depth then adds nothing; a non-linear
``g`` (sigmoid, tanh, ReLU, ...) is what lets a deeper network draw curves.

>>> sigmoid(np.array([0.0])).tolist()
[0.5]
>>> relu(np.array([-2.0, 3.0])).tolist()
[0.0, 3.0]
>>> W, b = compose_affine([np.eye(2) * 2, np.eye(2) * 3], [np.ones(2), np.zeros(2)])
>>> W.tolist(), b.tolist()
([[6.0, 0.0], [0.0, 6.0]], [3.0, 3.0])
"""

from __future__ import annotations

import functools
import warnings

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import Phrase, glue, table
from ._lib.seeds import SEEDS, Spread, overlap
from .neural_network import StackedMLP, train_stacked

#: Widths of the stacks on this page: 2 inputs -> 16 -> 16 -> 1 output.
WIDTHS = (2, 16, 16, 1)
STEPS = 300  # full-batch Adam steps on the XOR data
LEARNING_RATE = 0.02


def sigmoid(z):
    """``1 / (1 + e^-z)``: squashes to (0, 1)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z)))


def tanh(z):
    """``(e^z - e^-z) / (e^z + e^-z)``: squashes to (-1, 1), centred at 0."""
    return np.tanh(z)


def relu(z):
    """``max(0, z)``: zero for negative inputs, identity for positive ones."""
    return np.maximum(np.asarray(z), 0.0)


#: The functions and their derivatives in NumPy, by their Keras names.
FUNCTIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}
DERIVATIVES = {
    "sigmoid": lambda z: sigmoid(z) * (1.0 - sigmoid(z)),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "relu": lambda z: (np.asarray(z) > 0).astype(float),
}


def compose_affine(kernels, biases) -> tuple[np.ndarray, np.ndarray]:
    """The single affine map ``x @ W + b`` equal to the affine layers applied in turn.

    ``(x @ W1 + b1) @ W2 + b2 = x @ (W1 @ W2) + (b1 @ W2 + b2)``, and so on.
    """
    W, b = np.asarray(kernels[0], dtype="float64"), np.asarray(biases[0], dtype="float64")
    for K, c in zip(kernels[1:], biases[1:]):
        W, b = W @ K, b @ K + c
    return W, b


def dense_stack(activation: str | None, seed_value: int = 0):
    """Three ``Dense`` layers 2 -> 16 -> 16 -> 1; ``activation`` on the two hidden ones.

    The biases start random (Keras's default is zeros) so that the bias
    composition below is really tested.
    """
    layers = []
    for i, units in enumerate(WIDTHS[1:]):
        last = i == len(WIDTHS) - 2
        layers.append(keras.layers.Dense(
            units,
            activation=None if last else activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=100 * seed_value + i),
            bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=100 * seed_value + 50 + i),
        ))
    return keras.Sequential([keras.Input((WIDTHS[0],)), *layers])


def collapsed_linear_stack(n: int = 1000, seed_value: int = 0) -> dict:
    """Three ``Dense`` layers without activation vs ONE ``Dense`` layer.

    The one layer gets the composed kernel and bias (``compose_affine``);
    its output must equal the stack's on random inputs.
    """
    stack = dense_stack(activation=None, seed_value=seed_value)
    W, b = compose_affine([d.kernel.numpy() for d in stack.layers],
                          [d.bias.numpy() for d in stack.layers])
    single = keras.layers.Dense(WIDTHS[-1])
    single.build((None, WIDTHS[0]))
    single.set_weights([W.astype("float32"), b.astype("float32")])

    x = np.random.default_rng(seed_value).normal(size=(n, WIDTHS[0])).astype("float32")
    by_stack = stack(x).numpy()
    by_single = single(x).numpy()
    np.testing.assert_allclose(by_stack, by_single, rtol=1e-4, atol=1e-4)
    return {
        "parameters in the 3-layer stack": stack.count_params(),
        "parameters in the one layer": single.count_params(),
        "composed kernel W1 @ W2 @ W3": W[:, 0].round(3).tolist(),
        "composed bias": b.round(3).tolist(),
        "max |stack(x) - one layer(x)|": float(np.abs(by_stack - by_single).max()),
        "typical |stack(x)|": float(np.abs(by_stack).mean()),
    }


def xor_data(n: int, seed_value: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in the square [-1, 1]²; label 1 where x1 and x2 have the same sign."""
    x = np.random.default_rng(seed_value).uniform(-1, 1, size=(n, 2)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    return x, y


def cross_entropy_per_network(y, scores):
    """Binary cross-entropy from logits of each of the K networks' scores: shape (K,)."""
    ops = keras.ops
    y = ops.broadcast_to(ops.convert_to_tensor(y)[:, None, None], ops.shape(scores))
    return ops.mean(ops.binary_crossentropy(y, scores, from_logits=True), axis=(0, 2))


@functools.cache
def trained_on_xor():
    """The stack without activation and with ReLU, on SEEDS seeds each, trained on 400 XOR points.

    Network (activation, s) is ``dense_stack(activation, s)``: the same seeded
    initial weights and random biases. All 2 × SEEDS networks train side by
    side (``StackedMLP``: each exactly as it would alone) for STEPS
    full-batch Adam steps on the cross-entropy of their scores (logits:
    class 1 where the score is positive). Returns the trained stack, the
    list of (activation, seed) and each network's training loss before and after.
    """
    x, y = xor_data(400, seed_value=0)
    settings = [(act, s) for act in ("none", "relu") for s in range(SEEDS)]
    stack = StackedMLP(
        WIDTHS, [None if act == "none" else act for act, _ in settings],
        seeds=[s for _, s in settings],
        bias_init=lambda seed: keras.initializers.RandomNormal(stddev=0.5, seed=seed))
    before = cross_entropy_per_network(y, stack(x)).numpy()
    train_stacked(stack, keras.optimizers.Adam(LEARNING_RATE), cross_entropy_per_network, x, y, STEPS)
    after = cross_entropy_per_network(y, stack(x)).numpy()
    return stack, settings, before, after


def xor_results() -> dict[str, dict[str, Spread]]:
    """Loss and accuracy of the linear and the ReLU networks, over the seeds."""
    stack, settings, before, after = trained_on_xor()
    (x, y), (xt, yt) = xor_data(400, seed_value=0), xor_data(1000, seed_value=1)
    train_acc = ((stack(x).numpy()[:, :, 0] > 0) == y[:, None]).mean(axis=0)
    test_acc = ((stack(xt).numpy()[:, :, 0] > 0) == yt[:, None]).mean(axis=0)
    results = {}
    for label in ("none", "relu"):
        which = [i for i, (act, _) in enumerate(settings) if act == label]
        results[label] = {
            "training loss before": Spread.of(before[which]),
            "training loss after": Spread.of(after[which]),
            "training accuracy": Spread.of(train_acc[which]),
            "test accuracy": Spread.of(test_acc[which]),
        }
    return results


def elementwise_or_not() -> dict[str, object]:
    """Change one unit's weighted sum: which outputs of the layer change?

    ReLU, sigmoid and tanh act on each unit alone, so only that unit's output
    moves, and applying them to the whole vector equals applying them to
    each unit separately. Softmax divides by a sum over all units: every
    output moves. Asserted before returning.
    """
    z = np.array([[2.0, 1.0, 0.0, -1.0]], dtype="float32")
    z_changed = z.copy()
    z_changed[0, 0] += 1.0  # only the first unit's weighted sum changes
    result = {}
    for name in ("relu", "sigmoid", "tanh", "softmax"):
        g = getattr(keras.activations, name)
        whole = g(z).numpy()
        with warnings.catch_warnings(record=True):  # Keras warns: a softmax of one unit is 1
            warnings.simplefilter("always")
            one_by_one = np.array([[float(g(z[:, [j]])[0, 0]) for j in range(z.shape[1])]])
        moved = int(np.sum(np.abs(g(z_changed).numpy() - whole) > 1e-7))
        if name == "softmax":
            assert moved == z.shape[1] and not np.allclose(whole, one_by_one)
            np.testing.assert_allclose(whole.sum(), 1.0, rtol=1e-6)
        else:
            assert moved == 1
            np.testing.assert_allclose(whole, one_by_one, rtol=1e-6)
        result[f"{name}: outputs that move"] = f"{moved} of {z.shape[1]}"
        result[f"{name}: whole layer = unit by unit"] = bool(np.allclose(whole, one_by_one))
    result["softmax outputs"] = keras.activations.softmax(z).numpy()[0].round(3).tolist()
    result["softmax outputs after the change"] = (
        keras.activations.softmax(z_changed).numpy()[0].round(3).tolist())
    return result


def cross_check() -> dict[str, float]:
    """``keras.activations`` and their gradients equal the NumPy formulas.

    Values on a grid of z, and derivatives from ``tf.GradientTape``; each pair
    is asserted with ``np.testing.assert_allclose`` before it is returned.
    ReLU's derivative at exactly 0 is a convention, so the grid avoids 0.
    """
    z_np = np.linspace(-6, 6, 400)  # even count: 0 is not on the grid
    z = tf.constant(z_np, dtype="float32")
    result = {}
    for name, f in FUNCTIONS.items():
        with tf.GradientTape() as tape:
            tape.watch(z)
            out = getattr(keras.activations, name)(z)
        grad = tape.gradient(out, z).numpy()
        np.testing.assert_allclose(out.numpy(), f(z_np), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(grad, DERIVATIVES[name](z_np), rtol=1e-5, atol=1e-6)
        result[f"{name}: max |value difference|"] = float(np.abs(out.numpy() - f(z_np)).max())
        result[f"{name}: max |derivative difference|"] = float(
            np.abs(grad - DERIVATIVES[name](z_np)).max())
    return result


def plot_activations():
    """Left: sigmoid, tanh, ReLU and no activation. Right: their derivatives."""
    import matplotlib.pyplot as plt

    z = np.linspace(-4, 4, 401)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(z, z, "k--", lw=1, label="none (linear)")
    ax2.plot(z, np.ones_like(z), "k--", lw=1, label="none (linear)")
    for name, f in FUNCTIONS.items():
        ax1.plot(z, f(z), label=name)
        slope = DERIVATIVES[name](z)
        if name == "relu":  # a jump at 0, not a vertical line
            slope = np.where(z == 0, np.nan, slope)
        ax2.plot(z, slope, label=name)
    ax1.set(xlabel="z", ylabel="g(z)", ylim=(-1.5, 3), title="Activation functions")
    ax2.set(xlabel="z", ylabel="g'(z)", ylim=(-0.1, 1.2), title="Their derivatives")
    ax1.legend(loc="upper left", fontsize=8)
    ax2.legend(loc="upper left", fontsize=8)
    for ax in (ax1, ax2):
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
    return fig


def plot_xor_regions():
    """Decision regions of the seed-0 networks, without activation and with ReLU."""
    import matplotlib.pyplot as plt

    x, y = xor_data(400, seed_value=0)
    xt, yt = xor_data(1000, seed_value=1)
    stack, settings, _, _ = trained_on_xor()
    grid = np.linspace(-1, 1, 201)
    g1, g2 = np.meshgrid(grid, grid)
    points = np.stack([g1.ravel(), g2.ravel()], axis=1).astype("float32")
    scores, test_scores = stack(points).numpy()[:, :, 0], stack(xt).numpy()[:, :, 0]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    for ax, label in zip(axes, ["none", "relu"]):
        i = settings.index((label, 0))
        score = scores[:, i].reshape(g1.shape)
        ax.contourf(g1, g2, score > 0, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fcbba1"])
        ax.contour(g1, g2, score, levels=[0], colors="k", linewidths=1.5)
        ax.scatter(*x[y == 1].T, s=8, c="#cb181d", label="class 1")
        ax.scatter(*x[y == 0].T, s=8, c="#2171b5", label="class 0")
        acc = np.mean((test_scores[:, i] > 0) == yt)
        name = "3 Dense, " + ("no activation" if label == "none" else "ReLU hidden")
        ax.set(xlabel="x1", ylabel="x2", aspect="equal")
        ax.set_title(f"{name} (seed 0): test accuracy {acc:.0%}", fontsize=10)
    axes[0].legend(loc="upper right", fontsize=8, framealpha=0.9)
    return fig


def show_collapse() -> None:
    """The stack without activation is one ``Dense`` layer in disguise."""
    print(table(collapsed_linear_stack()))


def show_elementwise() -> None:
    """Element-wise activations against softmax (the assertions run inside)."""
    print(table(elementwise_or_not()))


def show_xor() -> None:
    """The same stack, trained the same way, with and without an activation, on SEEDS seeds."""
    results = xor_results()
    for label, numbers in results.items():
        print(f"hidden activation: {label}")
        print(table({name: str(spread) for name, spread in numbers.items()}, indent="  "))
    none, relu = results["none"], results["relu"]
    glue("n_seeds", SEEDS)
    glue("n_networks", none["test accuracy"].n + relu["test accuracy"].n)
    glue("steps", STEPS)
    glue("none_loss", none["training loss after"].mean)
    low, high = none["test accuracy"].min, none["test accuracy"].max
    glue("none_test", Phrase(f"{high:.1%} on every seed", f"每个随机种子上都是 {high:.1%}")
         if f"{low:.1%}" == f"{high:.1%}"
         else Phrase(f"between {low:.1%} and {high:.1%}", f"介于 {low:.1%} 和 {high:.1%} 之间"))
    glue("relu_loss_max", relu["training loss after"].max)
    glue("relu_test_min", relu["test accuracy"].min)
    glue("test_ranges", overlap(none["test accuracy"], relu["test accuracy"]))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_elementwise, show_collapse, show_xor, plot_activations, plot_xor_regions,
        show_cross_check)
