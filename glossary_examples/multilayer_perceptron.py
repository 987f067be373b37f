"""Multilayer perceptron (多层感知机): fully connected layers in a row, each unit fed by every unit of the layer before.

One fully connected (dense) layer with ``n_in`` inputs and ``n_out`` units
has a kernel of shape ``(n_in, n_out)``, one weight per connection, and a
bias of shape ``(n_out,)``: ``n_in·n_out + n_out`` parameters. Keras's
``Dense`` layer computes ``activation(dot(input, kernel) + bias)``. Stacking
such layers with a non-linear activation in between gives an MLP, which can
compute functions no single layer can, such as XOR.

>>> dense_parameter_count(784, 64)
50240
>>> relu = lambda z: np.maximum(z, 0.0)
>>> h = dense_numpy(XOR_X, [[1, 1], [1, 1]], [0, -1], relu)  # the hidden layer of the XOR net
>>> (h @ np.array([1.0, -2.0])).tolist()  # output layer: h1 - 2 h2 is XOR
[0.0, 1.0, 1.0, 0.0]
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from ._lib.report import glue, table
from ._lib.runtime import full_batch_loop
from ._lib.seeds import SEEDS, Spread, overlap, separated

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
XOR_Y = np.array([0, 1, 1, 0], dtype="float32")
STEPS = 500  # full-batch Adam steps on the 4 XOR examples
LEARNING_RATE = 0.05

#: Activations in NumPy, by their Keras names.
ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "softmax": lambda z: np.exp(z - z.max(-1, keepdims=True))
    / np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True),
}


def dense_parameter_count(inputs: int, units: int) -> int:
    """Weights of a fully connected layer: one per (input, unit) pair, plus one bias per unit."""
    return inputs * units + units


def dense_numpy(x, kernel, bias, activation=ACTIVATIONS["linear"]) -> np.ndarray:
    """A dense layer in NumPy: ``activation(x @ kernel + bias)``, one example per row."""
    return activation(np.asarray(x) @ np.asarray(kernel, dtype="float64") + np.asarray(bias))


def dense_shapes(inputs: int = 4, units: int = 3) -> dict[str, object]:
    """What Keras stores for ``Dense(units)`` on ``inputs`` numbers."""
    keras.utils.set_random_seed(0)
    layer = keras.layers.Dense(units)
    layer.build((None, inputs))
    return {
        "layer": f"Dense({units}) on {inputs} inputs",
        "kernel shape (inputs, units)": str(tuple(layer.kernel.shape)),
        "bias shape (units,)": str(tuple(layer.bias.shape)),
        "connections (inputs · units)": inputs * units,
        "parameters, layer.count_params()": layer.count_params(),
        "parameters, inputs · units + units": dense_parameter_count(inputs, units),
    }


def cross_check(n: int = 16, inputs: int = 4, units: int = 5, seed_value: int = 0):
    """``keras.layers.Dense`` equals ``activation(x @ kernel + bias)`` for each activation.

    Random inputs, Keras's own random kernel and a random non-zero bias (Keras
    starts biases at 0, which would test nothing); asserted with
    ``np.testing.assert_allclose`` before the largest differences are returned.
    """
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(n, inputs)).astype("float32")
    result: dict[str, object] = {}
    for name, g in ACTIVATIONS.items():
        keras.utils.set_random_seed(seed_value)
        layer = keras.layers.Dense(units, activation=name)
        layer.build((None, inputs))
        layer.bias.assign(rng.normal(size=units).astype("float32"))
        kernel, bias = layer.get_weights()
        by_keras = layer(x).numpy()
        by_numpy = dense_numpy(x, kernel, bias, g)
        np.testing.assert_allclose(by_keras, by_numpy, rtol=1e-5, atol=1e-6)
        result[f"max |Keras - NumPy|, {name}"] = float(np.abs(by_keras - by_numpy).max())
    return result


# --- XOR -----------------------------------------------------------------------


def hand_built_xor():
    """An MLP 2 → 2 ReLU → 1 whose weights are set by hand to compute XOR exactly.

    Hidden unit 1 is ``relu(x1 + x2)``, hidden unit 2 is ``relu(x1 + x2 - 1)``
    (on only for (1, 1)); the output ``h1 - 2 h2`` is 0, 1, 1, 0.
    """
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="relu"), keras.layers.Dense(1)])
    model.set_weights([
        np.array([[1, 1], [1, 1]], dtype="float32"), np.array([0, -1], dtype="float32"),
        np.array([[1], [-2]], dtype="float32"), np.array([0], dtype="float32"),
    ])
    return model


def xor_layers(hidden: int, seed_value: int) -> list:
    """``hidden`` tanh units → 1 sigmoid unit (``hidden=0``: no hidden layer), seeded Glorot starts."""
    init = keras.initializers.GlorotUniform
    hidden_layers = ([keras.layers.Dense(hidden, activation="tanh",
                                     kernel_initializer=init(seed=seed_value))] if hidden else [])
    return [*hidden_layers,
            keras.layers.Dense(1, activation="sigmoid", kernel_initializer=init(seed=1000 + seed_value))]


@functools.cache
def trained_on_xor(hidden: int, seed_value: int = 0):
    """Train ``xor_layers(hidden, seed_value)`` on the 4 XOR examples.

    Binary cross-entropy, full-batch Adam: the algorithm of ``model.fit`` with
    ``batch_size=4``, compiled into one TensorFlow loop.
    """
    model = keras.Sequential([keras.Input((2,)), *xor_layers(hidden, seed_value)])
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build(model.trainable_variables)
    full_batch_loop()(model, optimizer, keras.losses.BinaryCrossentropy(), XOR_X, XOR_Y[:, None], STEPS)
    return model


@functools.cache
def xor_over_seeds(hidden: int = 4) -> dict[int, np.ndarray]:
    """No hidden layer, and ``hidden`` tanh units, each trained on XOR from SEEDS seeded starts.

    All 2 × SEEDS networks train at once, side by side on the same input with
    disjoint weights: ``Dense(SEEDS)`` holds the SEEDS one-unit networks
    (one column each), two ``EinsumDense`` layers hold SEEDS hidden-layer
    networks (index k of their weights). Network s starts from the weights
    ``xor_layers(…, s)`` draws. The loss is the sum of the networks' losses,
    so Adam trains each exactly as ``trained_on_xor`` would alone (asserted
    for seed 0). Returns, per hidden size, the outputs on the 4 rows, shape
    (SEEDS, 4).
    """
    inputs = keras.Input((2,))
    flat = keras.layers.Dense(SEEDS, activation="sigmoid")
    layer1 = keras.layers.EinsumDense("ab,bkc->akc", output_shape=(SEEDS, hidden), bias_axes="kc",
                                  activation="tanh")
    layer2 = keras.layers.EinsumDense("akc,kc->ak", output_shape=(SEEDS,), bias_axes="k",
                                  activation="sigmoid")
    model = keras.Model(inputs, [flat(inputs), layer2(layer1(inputs))])
    starts = {h: [keras.Sequential([keras.Input((2,)), *xor_layers(h, s)]).get_weights()
                  for s in range(SEEDS)] for h in (0, hidden)}
    flat.set_weights([np.concatenate([w[0] for w in starts[0]], axis=1), np.zeros(SEEDS)])
    layer1.set_weights([np.stack([w[0] for w in starts[hidden]], axis=1),
                        np.zeros((SEEDS, hidden))])
    layer2.set_weights([np.stack([w[2][:, 0] for w in starts[hidden]]), np.zeros(SEEDS)])
    bce = keras.losses.BinaryCrossentropy()

    def summed_loss(y, predictions):  # each bce is a mean over SEEDS columns: times SEEDS
        return SEEDS * (bce(y, predictions[0]) + bce(y, predictions[1]))

    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build(model.trainable_variables)
    targets = np.repeat(XOR_Y[:, None], SEEDS, axis=1)
    full_batch_loop()(model, optimizer, summed_loss, XOR_X, targets, STEPS)
    out = {h: p.numpy().T for h, p in zip((0, hidden), model(XOR_X))}
    for h in out:  # seed 0 trained alone gives the same outputs
        np.testing.assert_allclose(out[h][0], trained_on_xor(h)(XOR_X).numpy()[:, 0],
                                   rtol=1e-4, atol=1e-5)
    return out


def xor_results() -> dict[str, np.ndarray]:
    """Outputs on the 4 XOR inputs: no hidden layer, a trained MLP, the hand-built MLP."""
    return {
        "no hidden layer (trained)": trained_on_xor(0)(XOR_X).numpy()[:, 0],
        "MLP 2-4-1 (trained)": trained_on_xor(4)(XOR_X).numpy()[:, 0],
        "MLP 2-2-1 (hand-built)": hand_built_xor()(XOR_X).numpy()[:, 0],
    }


def correct(outputs: np.ndarray, margin: float = 0.01) -> int:
    """How many of the 4 XOR outputs are on the right side of 0.5, by at least ``margin``.

    An output of 0.5 decides nothing, so it counts as wrong for either label.

    >>> correct(np.array([0.1, 0.9, 0.8, 0.4]))
    4
    >>> correct(np.array([0.5, 0.5, 0.5, 0.5]))
    0
    """
    right_side = np.where(XOR_Y > 0.5, outputs - 0.5, 0.5 - outputs)
    return int(np.sum(right_side >= margin))


# --- Plots ---------------------------------------------------------------------


def plot_xor():
    """Decision regions on the XOR square: one layer vs two trained/hand-built MLPs."""
    import matplotlib.pyplot as plt

    grid = np.linspace(-0.5, 1.5, 161, dtype="float32")
    g1, g2 = np.meshgrid(grid, grid)
    points = np.stack([g1.ravel(), g2.ravel()], axis=1)
    models = {
        "No hidden layer": trained_on_xor(0),
        "MLP 2-4-1, trained": trained_on_xor(4),
        "MLP 2-2-1, hand-built": hand_built_xor(),
    }
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained", sharey=True)
    for ax, (title, model) in zip(axes, models.items()):
        out = model(points).numpy()[:, 0].reshape(g1.shape)
        shown = np.clip(np.round(out, 3), 0, 1)  # rounding hides float noise around 0.5
        image = ax.contourf(g1, g2, shown, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
        if out.max() - out.min() > 0.01:
            ax.contour(g1, g2, out, levels=[0.5], colors="k", linewidths=1.5)
        else:
            ax.text(0.5, 0.5, "output 0.5\neverywhere", ha="center", va="center", fontsize=10)
        for label, marker, color in ((1, "o", "C1"), (0, "s", "C0")):
            pts = XOR_X[XOR_Y == label]
            ax.scatter(pts[:, 0], pts[:, 1], s=90, c=color, marker=marker, edgecolors="k",
                       zorder=3, label=f"XOR = {label}")
        n = correct(model(XOR_X).numpy()[:, 0])
        ax.set(xlabel="x1", aspect="equal", title=f"{title}: {n}/4")
    axes[0].set_ylabel("x2")
    axes[0].legend(loc="lower center", fontsize=8, ncol=2)
    fig.colorbar(image, ax=axes, label="output (clipped to 0..1)", shrink=0.9)
    return fig


def show_example() -> None:
    """A dense layer's shapes, then XOR with and without a hidden layer."""
    print(table(dense_shapes()))
    print()
    print(f"{'x1':>3} {'x2':>3} {'XOR':>4}", *(f"{name:>26}" for name in xor_results()))
    results = list(xor_results().values())
    for i, ((a, b), y) in enumerate(zip(XOR_X, XOR_Y)):
        print(f"{a:>3.0f} {b:>3.0f} {y:>4.0f}", *(f"{r[i]:>26.3f}" for r in results))
    print(f"{'correct':>12}", *(f"{str(correct(r)) + '/4':>26}" for r in results))


def xor_loss(outputs: np.ndarray) -> np.ndarray:
    """Binary cross-entropy on the 4 XOR rows, one value per row of ``outputs``."""
    p = np.clip(outputs.astype("float64"), 1e-7, 1 - 1e-7)
    return -np.mean(XOR_Y * np.log(p) + (1 - XOR_Y) * np.log(1 - p), axis=-1)


def show_seeds() -> None:
    """No hidden layer vs one hidden layer of 4 tanh units, each from SEEDS seeded starts."""
    runs = xor_over_seeds()
    rows = {h: Spread.of([correct(o) for o in runs[h]]) for h in runs}
    loss = {h: Spread.of(xor_loss(runs[h])) for h in runs}
    glue("seeds", SEEDS)
    glue("flat_max", float(np.abs(runs[0] - 0.5).max()))
    glue("mlp_rows_min", int(rows[4].min))
    # The text says one hidden layer solved XOR from every start tried: checked.
    assert rows[4].min == 4, "the text says the MLP gets all 4 rows right on every seed"
    glue("loss_flat", loss[0].mean)
    glue("loss_mlp_max", loss[4].max)
    glue("loss_separated", overlap(loss[0], loss[4]))
    print(table({
        f"rows right, no hidden layer ({SEEDS} seeds)": str(rows[0]),
        "rows right, MLP 2-4-1": str(rows[4]),
        "loss, no hidden layer": str(loss[0]),
        "loss, MLP 2-4-1": str(loss[4]),
        "loss ranges": "separated" if separated(loss[0], loss[4]) else "overlap",
        "no hidden layer: largest |output − 0.5|, any seed": float(np.abs(runs[0] - 0.5).max()),
    }))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_seeds, plot_xor, show_cross_check)
