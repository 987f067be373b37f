"""Weight initialisation (权重初始化): the random starting weights, and their scale.

Two things matter. The weights of the units of one layer must differ, or
the units compute the same thing and receive the same gradient for ever
(symmetry). And their scale decides whether the size of the signals and of
the gradients is kept through many layers: Glorot (Xavier) initialisation
draws weights with variance 2 / (fan_in + fan_out), He initialisation with
variance 2 / fan_in. Keras's default for ``Dense`` and ``Conv2D`` kernels is
``glorot_uniform``, with zero biases; recurrent kernels are ``orthogonal``.

>>> formula_variance("glorot_uniform", 300, 100), formula_variance("he_normal", 300, 100)
(0.005, 0.006666666666666667)
>>> round(uniform_limit("glorot_uniform", 300, 100), 6)  # sqrt(3 * variance)
0.122474
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib.report import glue, table
from ._lib.runtime import full_batch_loop
from ._lib.seeds import SEEDS as N_SEEDS
from ._lib.seeds import Spread, separated

WIDTH = 64  # units of every layer of the depth experiment (and its input dimension)
DEPTH = 16  # layers of the depth experiment
BATCH = 128  # random inputs pushed through it
SEED_VALUES = tuple(range(N_SEEDS))
SCHEMES = ("glorot_uniform", "he_uniform")
ACTIVATIONS = ("relu", "tanh")


# --- the formulas --------------------------------------------------------------------


def formula_variance(name: str, fan_in: int, fan_out: int) -> float:
    """The variance of the weights each Keras initialiser draws (its ``scale / fan``)."""
    return {
        "glorot_uniform": 2.0 / (fan_in + fan_out),
        "glorot_normal": 2.0 / (fan_in + fan_out),
        "he_uniform": 2.0 / fan_in,
        "he_normal": 2.0 / fan_in,
        "lecun_normal": 1.0 / fan_in,
    }[name]


def uniform_limit(name: str, fan_in: int, fan_out: int) -> float:
    """The bound of a uniform initialiser: U(-limit, limit) has variance limit² / 3."""
    return float(np.sqrt(3.0 * formula_variance(name, fan_in, fan_out)))


def cross_check(fan_in: int = 400, fan_out: int = 300, seed_value: int = 0) -> dict[str, list]:
    """Each initialiser's drawn weights have the formula's variance and bounds (asserted).

    The sample variance of fan_in × fan_out draws is within 3 % of the
    formula. Uniform draws stay inside ±limit and come close to it; the
    ``*_normal`` initialisers draw a normal truncated at 2 standard
    deviations, rescaled so that the variance is still the formula's.
    """
    result = {}
    for name in ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal"):
        init = keras.initializers.get({"class_name": name, "config": {"seed": seed_value}})
        w = np.asarray(init((fan_in, fan_out)), dtype="float64")
        var = formula_variance(name, fan_in, fan_out)
        np.testing.assert_allclose(w.var(), var, rtol=0.03)
        if name.endswith("uniform"):
            limit = uniform_limit(name, fan_in, fan_out)
            assert limit * 0.99 < np.abs(w).max() <= limit
            bound = f"max |w| / limit = {np.abs(w).max() / limit:.4f}"
        else:
            stddev = np.sqrt(var) / 0.87962566103423978  # before truncation at 2 stddev
            assert np.abs(w).max() <= 2 * stddev + 1e-7
            bound = f"max |w| / (2 stddev) = {np.abs(w).max() / (2 * stddev):.4f}"
        result[name] = [f"formula {var:.6f}", f"sample {w.var():.6f}", bound]
    init = keras.initializers.GlorotUniform(seed=seed_value)
    same = bool(np.array_equal(init((fan_in, fan_out)), init((fan_in, fan_out))))
    result["one seeded GlorotUniform object, called twice"] = [f"identical values: {same}"]
    return result


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    for name, cells in cross_check().items():
        print(f"{name:<15} " + "  ".join(cells))


def keras_defaults() -> dict[str, dict[str, str]]:
    """The initialisers Keras layers use when none is given, read from their configs."""
    layers = [keras.layers.Dense(4), keras.layers.Conv2D(4, 3), keras.layers.SimpleRNN(4),
              keras.layers.LSTM(4), keras.layers.Embedding(10, 4)]
    result = {}
    for layer in layers:
        config = layer.get_config()
        result[type(layer).__name__] = {
            key: value["class_name"] if isinstance(value, dict) else value
            for key, value in config.items()
            if key.endswith("initializer") or key == "unit_forget_bias"}
    return result


def show_keras_defaults() -> None:
    """One line per layer type: its default initialisers."""
    for layer, inits in keras_defaults().items():
        print(f"{layer:<10} " + ", ".join(f"{key}={value}" for key, value in inits.items()))


# --- symmetry ------------------------------------------------------------------------


def symmetry_data() -> tuple[np.ndarray, np.ndarray]:
    """256 examples of y = 3 x1 x2 on [-1, 1]²: a saddle, which one tanh unit cannot fit."""
    x = np.random.default_rng(0).uniform(-1, 1, size=(256, 2)).astype("float32")
    return x, (3 * x[:, :1] * x[:, 1:]).astype("float32")


SYMMETRY_RUNS = (("zeros", 0), ("constant 0.3", 0)) + tuple(("glorot_uniform", s) for s in SEED_VALUES)


@functools.cache
def symmetry(steps: int = 400) -> dict[tuple[str, int], dict[str, float]]:
    """Train Dense(8, tanh) → Dense(1) from each initialiser; compare the 8 hidden units.

    One network per (initialiser, seed) in SYMMETRY_RUNS, all on the same
    input in one Keras model, trained together by full-batch SGD on the sum
    of their losses: they share no weight, so each trains as it would alone.
    A hidden unit is its column of the first kernel, its bias and its weight
    in the output layer. Recorded per network: the largest difference between
    any unit and unit 1 in the first gradient and after training, how far the
    hidden kernel moved, and the final mean squared error.
    """

    def init(name, seed_value, layer):  # a new initialiser object per layer
        return {"zeros": keras.initializers.Zeros(), "constant 0.3": keras.initializers.Constant(0.3),
                "glorot_uniform": keras.initializers.GlorotUniform(seed=2 * seed_value + layer)}[name]

    inputs = keras.Input((2,))
    hidden = [keras.layers.Dense(8, activation="tanh", kernel_initializer=init(n, s, 0))
              for n, s in SYMMETRY_RUNS]
    output = [keras.layers.Dense(1, kernel_initializer=init(n, s, 1)) for n, s in SYMMETRY_RUNS]
    model = keras.Model(inputs, keras.layers.Concatenate()([o(h(inputs)) for h, o in zip(hidden, output)]))
    x, y = symmetry_data()

    def summed_mse(y_true, y_pred):  # one column per network
        return keras.ops.sum(keras.ops.mean(keras.ops.square(y_pred - y_true), axis=0))

    def units(w1, b1, w2):  # one row per hidden unit: [w_in (2), b, w_out]
        return np.column_stack([np.asarray(w1).T, np.asarray(b1), np.asarray(w2)[:, 0]])

    with tf.GradientTape() as tape:
        loss = summed_mse(y, model(x, training=True))
    grads = tape.gradient(loss, [v for h, o in zip(hidden, output)
                                 for v in (h.kernel, h.bias, o.kernel)])
    first = [units(*grads[3 * i:3 * i + 3]) for i in range(len(SYMMETRY_RUNS))]
    start = [h.kernel.numpy().copy() for h in hidden]
    optimizer = keras.optimizers.SGD(learning_rate=0.1)
    optimizer.build(model.trainable_variables)
    full_batch_loop()(model, optimizer, summed_mse, x, y, steps)
    errors = np.mean((model(x).numpy() - y) ** 2, axis=0)
    result = {}
    for i, (run, h, o) in enumerate(zip(SYMMETRY_RUNS, hidden, output)):
        final = units(h.kernel, h.bias, o.kernel)
        result[run] = {
            "first gradient: max difference between units": float(np.abs(first[i] - first[i][0]).max()),
            "after training: max difference between units": float(np.abs(final - final[0]).max()),
            "hidden kernel, largest change": float(np.abs(h.kernel.numpy() - start[i]).max()),
            "mean squared error after training": float(errors[i]),
        }
    return result


def show_symmetry() -> None:
    """Zeros, a constant, and glorot_uniform: are the hidden units still alike?

    Zeros and a constant draw nothing at random, so one run each says all;
    glorot_uniform is trained from every seed.
    """
    runs = symmetry()
    rows = {name: runs[(name, 0)] for name in ("zeros", "constant 0.3", "glorot_uniform")}
    glorot = Spread.of([runs[("glorot_uniform", s)]["mean squared error after training"]
                        for s in SEED_VALUES])
    glue("zeros_mse", rows["zeros"]["mean squared error after training"])
    glue("const_mse", rows["constant 0.3"]["mean squared error after training"])
    glue("glorot_mse", glorot.mean)
    glue("glorot_mse_max", glorot.max)
    glue("const_moved", rows["constant 0.3"]["hidden kernel, largest change"])
    glue("const_diff", rows["constant 0.3"]["after training: max difference between units"])
    glue("target_var", float(symmetry_data()[1].var()))
    for name, values in rows.items():
        print(f"{name}{', seed 0' if name == 'glorot_uniform' else ''}:")
        print(table(values, indent="  "))
    print(f"glorot_uniform, mean squared error over seeds: {glorot}")


# --- depth: signals and gradients ---------------------------------------------------------


def numpy_signal_and_gradients(kernels, x, activation: str, readout) -> dict[str, np.ndarray]:
    """Forward pass through the stack of kernels (zero biases), then backpropagation by hand.

    The loss is the batch mean of ``a_L · readout``, a fixed random direction.
    Returns, per layer, the activations and the gradients of the loss with
    respect to the kernels.
    """
    g, dg = {"relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype)),
             "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)}[activation]
    a, zs = [x], []
    for w in kernels:
        zs.append(a[-1] @ w)
        a.append(g(zs[-1]))
    grad_a = np.broadcast_to(readout, a[-1].shape) / len(x)
    grads = [None] * len(kernels)
    for l in reversed(range(len(kernels))):
        delta = grad_a * dg(zs[l])
        grads[l] = a[l].T @ delta
        grad_a = delta @ kernels[l].T
    return {"activations": a[1:], "gradients": grads}


def draw_kernels(scheme: str, seed_value: int, depth: int = DEPTH, width: int = WIDTH):
    """``depth`` kernels of shape (width, width), each from a Keras initialiser with its own seed.

    One initialiser object per layer: a seeded Keras initialiser returns the
    same values every time it is called.
    """
    return [np.asarray(keras.initializers.get(
                {"class_name": scheme, "config": {"seed": 1000 * seed_value + l}})((width, width)))
            for l in range(depth)]


def run_seed(scheme: str, activation: str, seed_value: int) -> dict[str, np.ndarray]:
    """Per-layer standard deviation of activations and kernel gradients, plus two shape measures."""
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(BATCH, WIDTH)).astype("float32")
    readout = rng.normal(size=WIDTH).astype("float32")
    out = numpy_signal_and_gradients(draw_kernels(scheme, seed_value), x, activation, readout)
    last = out["activations"][-1]
    unit = last / np.maximum(np.linalg.norm(last, axis=1, keepdims=True), 1e-30)
    return {
        "activation sd": np.array([a.std() for a in out["activations"]]),
        "gradient sd": np.array([gr.std() for gr in out["gradients"]]),
        "active (relu) / saturated (tanh)": float(
            (last > 0).mean() if activation == "relu" else (np.abs(last) > 0.9).mean()),
        "cosine between examples": float((unit @ unit.T)[np.triu_indices(BATCH, 1)].mean()),
    }


@functools.cache
def depth_experiment() -> dict[tuple[str, str], list[dict]]:
    """Every (scheme, activation) on every seed; He runs use seeds 100 + s, Glorot runs s."""
    offset = {"glorot_uniform": 0, "he_uniform": 100}
    return {(scheme, act): [run_seed(scheme, act, offset[scheme] + s) for s in SEED_VALUES]
            for scheme in SCHEMES for act in ACTIVATIONS}


def same_seed_scaling(seed_value: int = 0) -> float:
    """Glorot kernels times √2 (what He draws with the same seed, for square layers), with ReLU.

    Asserted: every layer's activations are exactly √2^l times Glorot's, so a
    same-seed comparison measures this factor and nothing else. Returns the
    ratio of the last layer's activation spreads.
    """
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(BATCH, WIDTH)).astype("float32")
    readout = rng.normal(size=WIDTH).astype("float32")
    glorot = draw_kernels("glorot_uniform", seed_value)
    he = draw_kernels("he_uniform", seed_value)
    np.testing.assert_allclose(np.stack(he), np.sqrt(2.0) * np.stack(glorot), rtol=1e-5, atol=1e-6)
    a_glorot = numpy_signal_and_gradients(glorot, x, "relu", readout)["activations"]
    a_he = numpy_signal_and_gradients(he, x, "relu", readout)["activations"]
    for l, (a, b) in enumerate(zip(a_he, a_glorot), start=1):
        np.testing.assert_allclose(a, np.sqrt(2.0) ** l * b, rtol=1e-3, atol=1e-6 * np.abs(a).max())
    return float(a_he[-1].std() / a_glorot[-1].std())


def depth_summary() -> dict[str, str]:
    """Mean and spread over seeds of the last layer's measures; He vs Glorot, separated or not."""
    runs = depth_experiment()
    rows, sep = {}, {}
    for act in ACTIVATIONS:
        for measure, pick in (("activation sd, last layer", lambda r: r["activation sd"][-1]),
                              ("gradient sd, first layer", lambda r: r["gradient sd"][0]),
                              ("active fraction, last layer" if act == "relu"
                               else "saturated fraction, last layer",
                               lambda r: r["active (relu) / saturated (tanh)"]),
                              ("cosine between examples, last layer",
                               lambda r: r["cosine between examples"])):
            spreads = {s: Spread.of([pick(r) for r in runs[(s, act)]]) for s in SCHEMES}
            for s in SCHEMES:
                rows[f"{act}, {measure}, {s}"] = str(spreads[s])
            sep[(act, measure)] = separated(*spreads.values())
            rows[f"{act}, {measure}: separated"] = str(sep[(act, measure)])
    relu = {s: np.mean([r["activation sd"][-1] for r in runs[(s, "relu")]]) for s in SCHEMES}
    glue("relu_ratio", relu["he_uniform"] / relu["glorot_uniform"])
    glue("relu_predicted", np.sqrt(2.0) ** DEPTH)
    glue("same_seed_ratio", same_seed_scaling())
    rows["relu, same seed, He = √2 × Glorot: last-layer sd ratio"] = f"{same_seed_scaling():.1f}"
    for scheme in SCHEMES:
        for act in ACTIVATIONS:
            glue(f"{act}_{scheme[:2]}_act", float(np.mean(
                [r["activation sd"][-1] for r in runs[(scheme, act)]])))
            glue(f"{act}_{scheme[:2]}_grad", float(np.mean(
                [r["gradient sd"][0] for r in runs[(scheme, act)]])))
            glue(f"{act}_{scheme[:2]}_frac", float(np.mean(
                [r["active (relu) / saturated (tanh)"] for r in runs[(scheme, act)]])))
    return rows


def show_depth() -> None:
    """The depth experiment's summary table."""
    for name, value in depth_summary().items():
        print(f"{name:<62} {value}")


def keras_gradient_check(activation: str = "tanh", seed_value: int = 0) -> float:
    """The NumPy backpropagation equals tf.GradientTape on a Keras model (asserted)."""
    kernels = draw_kernels("glorot_uniform", seed_value)
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(BATCH, WIDTH)).astype("float32")
    readout = rng.normal(size=WIDTH).astype("float32")
    model = keras.Sequential([keras.Input((WIDTH,))] +
                         [keras.layers.Dense(WIDTH, activation=activation) for _ in kernels])
    for layer, w in zip(model.layers, kernels):
        layer.kernel.assign(w)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.linalg.matvec(model(x), readout))
    by_keras = tape.gradient(loss, [layer.kernel for layer in model.layers])
    by_numpy = numpy_signal_and_gradients(kernels, x, activation, readout)["gradients"]
    worst = 0.0
    for a, b in zip(by_keras, by_numpy):
        scale = np.abs(b).max()
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-3, atol=1e-4 * scale)
        worst = max(worst, float(np.abs(a.numpy() - b).max() / scale))
    return worst


def show_gradient_check() -> None:
    """NumPy backpropagation vs Keras, through the tanh stack."""
    print(f"{DEPTH} tanh layers: max |Keras - NumPy| / max |gradient|, over all kernels: "
          f"{keras_gradient_check():.2e}")


def plot_depth():
    """Activation and gradient spread per layer, mean and range over seeds."""
    import matplotlib.pyplot as plt

    runs = depth_experiment()
    layers = np.arange(1, DEPTH + 1)
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.2), layout="constrained")
    for j, (act, measure) in enumerate([(a, m) for a in ACTIVATIONS
                                        for m in ("activation sd", "gradient sd")]):
        ax = axes[j]
        for scheme in SCHEMES:
            values = np.array([r[measure] for r in runs[(scheme, act)]])
            line, = ax.plot(layers, values.mean(axis=0), "o-", ms=3, label=scheme)
            ax.fill_between(layers, values.min(axis=0), values.max(axis=0),
                            color=line.get_color(), alpha=0.25)
        ax.set(yscale="log", xlabel="layer", title=f"{act}: {measure}")
        ax.legend(fontsize=7)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_symmetry, show_depth, plot_depth, show_keras_defaults, show_cross_check,
        show_gradient_check)
