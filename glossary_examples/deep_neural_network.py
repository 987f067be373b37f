"""Deep neural network (深度神经网络): a network with several hidden layers, A[l] = g(W[l] A[l-1] + b[l]).

The forward pass is one matrix product per layer for the whole batch:
``A[0] = X``, ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g(Z[l])``, with one
example per *column* and ``W[l]`` of shape ``(n[l], n[l-1])`` (course
notation). Keras keeps one example per *row* and computes ``A @ kernel + bias``
with ``kernel = W[l].T``. Layer ``l`` has ``n[l]·n[l-1] + n[l]`` parameters.
Depth lets later layers compute features of earlier layers' features: ``k``
layers of 2 ReLU units fold the interval ``k`` times, a sawtooth of ``2**k``
pieces that one hidden layer can only match with at least ``2**k - 1`` units.

>>> fold(np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), times=1).tolist()  # 2|x| - 1
[1.0, 0.0, -1.0, 0.0, 1.0]
>>> [layer_parameters(n_prev, n) for n_prev, n in zip(LAYER_SIZES, LAYER_SIZES[1:])]
[30, 35, 18, 4]
>>> deep_fold_parameters(4), shallow_fold_units(4)
(25, 16)
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from ._lib.report import glue, table
from ._lib.runtime import full_batch_loop
from ._lib.seeds import SEEDS as N_SEEDS
from ._lib.seeds import Spread, lower, separated

LAYER_SIZES = (4, 6, 5, 3, 1)  # n[0] inputs, three hidden layers, one output unit
ACTIVATIONS = ("relu", "relu", "relu", "sigmoid")
NUMPY_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
}
FOLDS = 3  # the sawtooth of the depth experiment has 2**FOLDS linear pieces
DEEP = (2,) * FOLDS  # hidden widths of the deep net: 6·FOLDS + 1 parameters
SHALLOW = (2 * FOLDS,)  # one hidden layer with the same number: 3·(2·FOLDS) + 1
SEED_VALUES = tuple(range(N_SEEDS))  # training runs per architecture
STEPS = 1000
LEARNING_RATE = 0.01


# --- the vectorised forward pass ------------------------------------------------


def layer_parameters(n_prev: int, n: int) -> int:
    """Parameters of a dense layer: the weight matrix n[l]·n[l-1] plus n[l] biases."""
    return n * n_prev + n


def forward_columns(x_columns, weights, biases, activations=ACTIVATIONS) -> list[np.ndarray]:
    """Course notation: A[0] = X (one example per column); Z = W A + b; A = g(Z).

    ``weights[l]`` has shape (n[l], n[l-1]) and ``biases[l]`` shape (n[l], 1),
    broadcast over the m columns. Returns [A[0], A[1], ..., A[L]].
    """
    a = [np.asarray(x_columns, dtype="float64")]
    for w, b, g in zip(weights, biases, activations):
        z = w @ a[-1] + b
        a.append(NUMPY_ACTIVATIONS[g](z))
    return a


def forward_rows(x_rows, kernels, biases, activations=ACTIVATIONS) -> np.ndarray:
    """Keras's notation: one example per row; A = g(A_prev @ kernel + bias)."""
    a = np.asarray(x_rows, dtype="float64")
    for kernel, b, g in zip(kernels, biases, activations):
        a = NUMPY_ACTIVATIONS[g](a @ kernel + b)
    return a


def example_network(seed_value: int = 0):
    """4 → 6 → 5 → 3 (ReLU) → 1 (sigmoid), with random weights and random biases."""
    keras.utils.set_random_seed(seed_value)
    model = keras.Sequential(
        [keras.Input((LAYER_SIZES[0],))]
        + [keras.layers.Dense(n, activation=g, bias_initializer="random_normal")
           for n, g in zip(LAYER_SIZES[1:], ACTIVATIONS)]
    )
    return model


def cross_check(m: int = 7, seed_value: int = 0) -> dict[str, object]:
    """Both NumPy notations reproduce ``model.predict`` on a batch of m examples.

    The course's W[l] is Keras's kernel transposed, and its column vector b[l]
    is Keras's bias as a column. Asserted with ``assert_allclose``.
    """
    model = example_network(seed_value)
    x = np.random.default_rng(seed_value).normal(size=(m, LAYER_SIZES[0])).astype("float32")
    kernels = [layer.kernel.numpy() for layer in model.layers]
    biases = [layer.bias.numpy() for layer in model.layers]
    weights = [kernel.T for kernel in kernels]  # W[l]: (n[l], n[l-1])
    columns = [b[:, None] for b in biases]  # b[l]: (n[l], 1)
    by_keras = model.predict(x, verbose=0)
    a = forward_columns(x.T, weights, columns)  # X has one example per column here
    by_rows = forward_rows(x, kernels, biases)
    np.testing.assert_allclose(a[-1].T, by_keras, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(by_rows, by_keras, rtol=1e-5, atol=1e-6)
    return {
        "examples m": m,
        "shapes A[0], A[1], A[2], A[3], A[4]": " ".join(str(ai.shape) for ai in a),
        "shapes W[1] (course) vs kernel (Keras)": f"{weights[0].shape} vs {kernels[0].shape}",
        "max |Keras - columns (W A + b)|": float(np.abs(a[-1].T - by_keras).max()),
        "max |Keras - rows (A @ kernel + b)|": float(np.abs(by_rows - by_keras).max()),
    }


def parameter_table() -> dict[str, object]:
    """Parameters per layer, by the formula and by Keras, and the total."""
    model = example_network()
    rows: dict[str, object] = {}
    for l, layer in enumerate(model.layers, start=1):
        n_prev, n = LAYER_SIZES[l - 1], LAYER_SIZES[l]
        formula = layer_parameters(n_prev, n)
        assert formula == layer.count_params()
        rows[f"layer {l}: W[{l}] {(n, n_prev)} + b[{l}] {(n, 1)}"] = (
            f"{n}·{n_prev} + {n} = {formula}")
    rows["total, sum of the formula"] = sum(
        layer_parameters(p, n) for p, n in zip(LAYER_SIZES, LAYER_SIZES[1:]))
    rows["total, model.count_params()"] = model.count_params()
    return rows


# --- why depth helps: folding -----------------------------------------------------


def fold(x, times: int = 1) -> np.ndarray:
    """Fold [-1, 1] onto itself ``times`` times: x -> 2|x| - 1, repeated."""
    x = np.asarray(x, dtype="float64")
    for _ in range(times):
        x = 2.0 * np.abs(x) - 1.0
    return x


def deep_fold_parameters(k: int) -> int:
    """Parameters of the deep construction: 4 + 6 (k - 1) + 3 = 6k + 1."""
    return 6 * k + 1


def shallow_fold_units(k: int) -> int:
    """Hidden units of the one-hidden-layer construction: one per linear piece, 2**k."""
    return 2**k


def deep_fold_network(k: int):
    """k hidden layers of 2 ReLU units, weights set by hand, computing fold(x, k) exactly.

    Each layer holds relu(u) and relu(-u) of the previous fold u, whose sum
    is |u|; the next layer (or the output) forms 2|u| - 1 from them.
    """
    model = keras.Sequential(
        [keras.Input((1,))]
        + [keras.layers.Dense(2, activation="relu") for _ in range(k)]
        + [keras.layers.Dense(1)]
    )
    first = [np.array([[1.0, -1.0]]), np.zeros(2)]  # relu(x), relu(-x)
    middle = [np.array([[2.0, -2.0], [2.0, -2.0]]), np.array([-1.0, 1.0])]  # ±(2|u| - 1)
    last = [np.array([[2.0], [2.0]]), np.array([-1.0])]  # 2|u| - 1
    model.set_weights(first + middle * (k - 1) + last)
    return model


def shallow_fold_network(k: int):
    """One hidden layer of 2**k ReLU units, weights set by hand, computing fold(x, k) exactly.

    One unit per linear piece: relu(x - c) starting at each piece's left end c,
    weighted by the change of slope there (slopes alternate -2**k, +2**k).
    """
    n = shallow_fold_units(k)
    starts = -1.0 + 2.0 * np.arange(n) / n
    slope_change = np.where(np.arange(n) == 0, -float(n), 2.0 * n * (-1.0) ** (np.arange(n) + 1))
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(n, activation="relu"), keras.layers.Dense(1)])
    model.set_weights([np.ones((1, n)), -starts, slope_change[:, None], np.array([1.0])])
    return model


def linear_pieces(y: np.ndarray, x: np.ndarray) -> int:
    """Number of linear pieces of a sampled piecewise linear function (slope changes + 1).

    >>> x = np.linspace(-1, 1, 9)
    >>> linear_pieces(np.abs(x), x)
    2
    """
    slopes = np.diff(y) / np.diff(x)
    changes = np.abs(np.diff(slopes)) > 0.01 * np.abs(slopes).max()  # ignore float noise
    return int(np.sum(changes)) + 1


def grid(n: int = 4097) -> np.ndarray:
    """Held-out points on [-1, 1], a column; 4097 points put every kink of fold(x, k <= 8) on it."""
    return np.linspace(-1.0, 1.0, n, dtype="float32")[:, None]


def construction_table(ks=range(1, 9)) -> list[dict[str, object]]:
    """For k folds: pieces, both exact constructions (checked on a grid), their parameters."""
    x = grid()
    rows = []
    for k in ks:
        target = fold(x, k)
        deep, shallow = deep_fold_network(k), shallow_fold_network(k)
        deep_out, shallow_out = deep(x).numpy(), shallow(x).numpy()
        np.testing.assert_allclose(deep_out, target, atol=1e-4)
        np.testing.assert_allclose(shallow_out, target, atol=1e-3)
        rows.append({
            "folds k": k,
            "pieces": linear_pieces(deep_out[:, 0].astype("float64"), x[:, 0].astype("float64")),
            "deep: params": deep.count_params(),
            "shallow: units": shallow_fold_units(k),
            "shallow: params": shallow.count_params(),
            "max error deep / shallow": f"{np.abs(deep_out - target).max():.0e} / "
                                        f"{np.abs(shallow_out - target).max():.0e}",
        })
    return rows


def stacked_relu_nets(inputs, widths, seeds):
    """One ReLU network per seed, all of the given widths, as Keras layers on a shared input.

    Each layer is an ``EinsumDense`` whose kernel holds one (n_in, n_out)
    matrix per network, stacked along a leading axis: the networks share no
    weight, and each kernel is drawn by ``GlorotUniform(seed=...)`` as a
    ``Dense`` layer would draw it. Returns the outputs, one column per network.
    """
    h, n_in = inputs, 1
    for l, n in enumerate(widths):
        layer = keras.layers.EinsumDense(
            "bi,kio->bko" if l == 0 else "bki,kio->bko", output_shape=(len(seeds), n),
            bias_axes="ko", activation="relu" if l < len(widths) - 1 else None)
        h = layer(h)
        layer.kernel.assign(np.stack(
            [keras.initializers.GlorotUniform(seed=100 * s + l)((n_in, n)) for s in seeds]))
        n_in = n
    return keras.layers.Reshape((len(seeds),))(h)


@functools.cache
def trained() -> dict[str, np.ndarray]:
    """Deep 2-2-2 and shallow 6 ReLU nets, one per seed, trained on 256 samples of fold(x, FOLDS).

    Mean squared error, full-batch Adam (``batch_size=256`` in ``fit``), in
    one compiled loop. All 2 × len(SEED_VALUES) networks are trained together: the
    loss is the sum of their losses, and as they share no weight, and Adam
    updates every weight from its own gradient, each trains exactly as it
    would alone. Returns each network's predictions on the held-out grid.
    """
    x = np.random.default_rng(0).uniform(-1, 1, size=(256, 1)).astype("float32")
    y = fold(x, FOLDS).astype("float32")
    inputs = keras.Input((1,))
    deep = stacked_relu_nets(inputs, (*DEEP, 1), SEED_VALUES)
    shallow = stacked_relu_nets(inputs, (*SHALLOW, 1), SEED_VALUES)
    model = keras.Model(inputs, keras.layers.Concatenate()([deep, shallow]))
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build(model.trainable_variables)

    def summed_mse(y_true, y_pred):  # one column per network
        return keras.ops.sum(keras.ops.mean(keras.ops.square(y_pred - y_true), axis=0))

    full_batch_loop()(model, optimizer, summed_mse, x, y, STEPS)
    out = model(grid()).numpy()
    return {"deep": out[:, :len(SEED_VALUES)], "shallow": out[:, len(SEED_VALUES):]}


def relative_error(prediction) -> float:
    """Held-out mean squared error on the grid, divided by the target's variance."""
    target = fold(grid(), FOLDS)[:, 0]
    return float(np.mean((np.asarray(prediction).reshape(-1) - target) ** 2) / target.var())


def depth_comparison() -> dict[str, object]:
    """Deep 2-2-2 vs shallow 6: the same 19 parameters, on the 3-fold sawtooth, over seeds."""
    runs = trained()
    errors = {name: [relative_error(p) for p in runs[name].T] for name in runs}
    deep, shallow = Spread.of(errors["deep"]), Spread.of(errors["shallow"])
    constant = {name: int(sum(np.ptp(p) == 0 for p in runs[name].T)) for name in runs}
    glue("constant_deep", constant["deep"])
    glue("best_run", min(deep.min, shallow.min))
    glue("deep_mean", deep.mean)
    glue("shallow_mean", shallow.mean)
    return {
        "parameters, deep 2-2-2 / shallow 6": [
            deep_fold_parameters(FOLDS), 3 * SHALLOW[0] + 1],
        "most pieces, deep 2-2-2 / shallow 6": [2**FOLDS, SHALLOW[0] + 1],
        "deep 2-2-2, weights by hand": relative_error(deep_fold_network(FOLDS)(grid()).numpy()),
        "deep 2-2-2, trained": str(deep),
        "shallow 6, trained": str(shallow),
        "runs whose output is constant, deep / shallow": [constant["deep"], constant["shallow"]],
        "ranges separated": separated(deep, shallow),
        "shallow lower on every seed": lower(shallow, deep),
    }


# --- Plots ---------------------------------------------------------------------


def plot_depth():
    """Left: each layer of the hand-built deep net folds again. Right: fits at 19 parameters."""
    import matplotlib.pyplot as plt

    x = grid(801)
    model = deep_fold_network(FOLDS)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    h = x
    for l, layer in enumerate(model.layers[:-1], start=1):
        h = layer(h)
        u = h.numpy().sum(axis=1) * 2 - 1  # the fold this layer's two units encode: 2|u| - 1
        ax1.plot(x, u, lw=1.5, label=f"layer {l}: {2**l} pieces")
    ax1.set(xlabel="x", ylabel="2(h1 + h2) - 1", ylim=(-1.75, 1.15),
            title="Hand-built 2-2-2 net: each layer folds")
    ax1.legend(loc="lower center", fontsize=7, ncol=3)
    ax2.plot(x, fold(x, FOLDS), color="k", lw=3, alpha=0.3, label="target: 3 folds")
    ax2.plot(x, model(x).numpy(), "k--", lw=1, label="deep 2-2-2, by hand")
    g = grid()[:, 0]
    for name, label in (("deep", "deep 2-2-2, trained"), ("shallow", "shallow 6, trained")):
        runs = trained()[name]
        best = min(range(runs.shape[1]), key=lambda j: relative_error(runs[:, j]))
        ax2.plot(g, runs[:, best], lw=1.3, label=label)
    ax2.set(xlabel="x", ylim=(-1.75, 1.15), title="19 parameters each (best of the seeds)")
    ax2.legend(loc="lower center", fontsize=7, ncol=2)
    return fig


def show_example() -> None:
    """Parameter counts of the example network, then the forward pass layer by layer."""
    print(table(parameter_table()))
    print()
    model = example_network()
    x = np.random.default_rng(0).normal(size=(3, LAYER_SIZES[0])).astype("float32")
    a = x.T
    print(f"A[0] = X, shape {a.shape} (3 examples as columns)")
    for l, layer in enumerate(model.layers, start=1):
        w, b = layer.kernel.numpy().T, layer.bias.numpy()[:, None]
        a = NUMPY_ACTIVATIONS[ACTIVATIONS[l - 1]](w @ a + b)
        print(f"A[{l}] = {ACTIVATIONS[l - 1]}(W[{l}] A[{l - 1}] + b[{l}]), "
              f"W[{l}] {w.shape}, A[{l}] {a.shape}")
    with np.printoptions(precision=4, suppress=True):
        print(f"output A[4]: {a[0]}")
        print(f"Keras predict: {model.predict(x, verbose=0)[:, 0]}")


def show_constructions() -> None:
    """Deep vs shallow exact constructions of the k-fold sawtooth."""
    rows = construction_table()
    names = list(rows[0])
    print("  ".join(names))
    for r in rows:
        print("  ".join(f"{str(r[n]):>{len(n)}}" for n in names))
    last = rows[-1]
    glue("per_fold", last["deep: params"] - rows[-2]["deep: params"])
    glue("folds", last["folds k"])
    glue("deep_params", last["deep: params"])
    glue("shallow_params", last["shallow: params"])


def show_depth_comparison() -> None:
    """Held-out error (relative to the target's variance) at 19 parameters."""
    print(table(depth_comparison()))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_constructions, show_depth_comparison, plot_depth, show_cross_check)
