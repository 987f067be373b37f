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

import numpy as np

from ._lib.report import table
from ._lib.runtime import keras, seed, tf

#: Widths of the stacks on this page: 2 inputs -> 16 -> 16 -> 1 output.
WIDTHS = (2, 16, 16, 1)


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
    k = keras()
    seed(seed_value)
    layers = []
    for i, units in enumerate(WIDTHS[1:]):
        last = i == len(WIDTHS) - 2
        layers.append(k.layers.Dense(
            units,
            activation=None if last else activation,
            kernel_initializer=k.initializers.GlorotUniform(seed=100 * seed_value + i),
            bias_initializer=k.initializers.RandomNormal(stddev=0.5, seed=100 * seed_value + 50 + i),
        ))
    return k.Sequential([k.Input((WIDTHS[0],)), *layers])


def collapsed_linear_stack(n: int = 1000, seed_value: int = 0) -> dict:
    """Three ``Dense`` layers without activation vs ONE ``Dense`` layer.

    The one layer gets the composed kernel and bias (``compose_affine``);
    its output must equal the stack's on random inputs.
    """
    k = keras()
    stack = dense_stack(activation=None, seed_value=seed_value)
    W, b = compose_affine([d.kernel.numpy() for d in stack.layers],
                          [d.bias.numpy() for d in stack.layers])
    single = k.layers.Dense(WIDTHS[-1])
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


@functools.cache
def trained_on_xor(activation: str | None, steps: int = 300, seed_value: int = 0):
    """The stack trained on 400 XOR points: ``steps`` full-batch Adam steps.

    The output is a score (logit): class 1 where it is positive. The steps
    run as one ``fit`` epoch over the batch repeated ``steps`` times (many
    short epochs give the same result, only slower). Cached per process.
    """
    k = keras()
    x, y = xor_data(400, seed_value)
    model = dense_stack(activation, seed_value)
    model.compile(optimizer=k.optimizers.Adam(0.02),
                  loss=k.losses.BinaryCrossentropy(from_logits=True))
    before = model.evaluate(x, y, batch_size=len(x), verbose=0)
    batches = tf().data.Dataset.from_tensors((x, y)).repeat(steps)
    model.fit(batches, epochs=1, shuffle=False, verbose=0)
    after = model.evaluate(x, y, batch_size=len(x), verbose=0)
    return model, {"training loss before": float(before), "training loss after": float(after)}


def accuracy(model, x, y) -> float:
    """Fraction of points whose score has the right sign (positive = class 1)."""
    return float(((model.predict(x, verbose=0)[:, 0] > 0) == y).mean())


def xor_results() -> dict[str, dict]:
    """Loss and accuracy of the linear and the ReLU stack after the same training."""
    train, test = xor_data(400, seed_value=0), xor_data(1000, seed_value=1)
    results = {}
    for label, activation in [("none", None), ("relu", "relu")]:
        model, losses = trained_on_xor(activation)
        results[label] = {
            **losses,
            "training accuracy": accuracy(model, *train),
            "test accuracy": accuracy(model, *test),
        }
    return results


def cross_check() -> dict[str, float]:
    """``keras.activations`` and their gradients equal the NumPy formulas.

    Values on a grid of z, and derivatives from ``tf.GradientTape``; each pair
    is asserted with ``np.testing.assert_allclose`` before it is returned.
    ReLU's derivative at exactly 0 is a convention, so the grid avoids 0.
    """
    k, t = keras(), tf()
    z_np = np.linspace(-6, 6, 400)  # even count: 0 is not on the grid
    z = t.constant(z_np, dtype="float32")
    result = {}
    for name, f in FUNCTIONS.items():
        with t.GradientTape() as tape:
            tape.watch(z)
            out = getattr(k.activations, name)(z)
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
    """Decision regions of the trained linear stack and ReLU stack on the XOR data."""
    import matplotlib.pyplot as plt

    x, y = xor_data(400, seed_value=0)
    grid = np.linspace(-1, 1, 201)
    g1, g2 = np.meshgrid(grid, grid)
    points = np.stack([g1.ravel(), g2.ravel()], axis=1).astype("float32")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    results = xor_results()
    for ax, (label, activation) in zip(axes, [("none", None), ("relu", "relu")]):
        model, _ = trained_on_xor(activation)
        score = model.predict(points, verbose=0)[:, 0].reshape(g1.shape)
        ax.contourf(g1, g2, score > 0, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fcbba1"])
        ax.contour(g1, g2, score, levels=[0], colors="k", linewidths=1.5)
        ax.scatter(*x[y == 1].T, s=8, c="#cb181d", label="class 1")
        ax.scatter(*x[y == 0].T, s=8, c="#2171b5", label="class 0")
        acc = results[label]["test accuracy"]
        name = "3 Dense, " + ("no activation" if activation is None else "ReLU hidden")
        ax.set(xlabel="x1", ylabel="x2", aspect="equal")
        ax.set_title(f"{name}: test accuracy {acc:.0%}", fontsize=10)
    axes[0].legend(loc="upper right", fontsize=8, framealpha=0.9)
    return fig


def show_collapse() -> None:
    """The stack without activation is one ``Dense`` layer in disguise."""
    print(table(collapsed_linear_stack()))


def show_xor() -> None:
    """The same stack, trained the same way, with and without an activation."""
    results = xor_results()
    for label, numbers in results.items():
        print(f"hidden activation: {label}")
        print(table(numbers, indent="  "))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_collapse, show_xor, plot_activations, plot_xor_regions, show_cross_check)
