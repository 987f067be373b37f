"""Vanishing gradient (梯度消失): the backpropagated gradient shrinks geometrically with depth.

By the chain rule the gradient that reaches layer ``l`` (or time step ``t``) is
the loss gradient at the output multiplied by one Jacobian ``W diag(g'(z))``
per layer (or step) in between. When those factors are smaller than 1 the
product shrinks exponentially, so the early layers (or early inputs) get
almost no gradient and barely learn. The sigmoid's derivative is at most 1/4:

>>> float(sigmoid_derivative(np.array([-3.0, 0.0, 3.0])).max())
0.25
>>> 0.25 ** 11 < 1e-6
True

Every measurement here is made on untrained networks for ``SEEDS`` seeds at
once: the seeds' weights are stacked along a leading axis and the layers are
written with ``tf.einsum``, so one tape gives every seed's gradients. The
stacked layers are checked against Keras's ``Dense``, ``SimpleRNN`` and
``LSTM`` on seed 0. :func:`layer_gradients`, :func:`recurrent_weights` and
:func:`time_step_gradients` are shared with
:mod:`glossary_examples.exploding_gradient`.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread

DEPTH = 12  # Dense layers in the feed-forward nets
WIDTH = 32  # units per layer; inputs and targets have WIDTH features too
STEPS = 50  # time steps of the recurrent examples
UNITS = 32  # units of the recurrent layers
FEATURES = 8  # input features of the recurrent examples
# Ratio of the gradient reaching the first layer (or step) to the gradient at
# the last one: below VANISHED the first layer gets less than 1 % of it, above
# EXPLODED more than 100 times as much. Over 12 layers these bounds mean an
# average factor per layer below 0.66 or above 1.52.
VANISHED = 1e-2
EXPLODED = 1e2
SMALL_STD = 0.05  # the "small weights" initializer's standard deviation


def sigmoid_derivative(z) -> np.ndarray:
    """σ'(z) = σ(z) (1 − σ(z)), largest (1/4) at z = 0.

    >>> sigmoid_derivative(np.array([0.0])).tolist()
    [0.25]
    """
    s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype="float64")))
    return s * (1.0 - s)


def first_to_last(norms: np.ndarray) -> np.ndarray:
    """How much of the gradient at the last layer (step) reaches the first one
    (along the last axis, so one value per seed for a (seeds, layers) array).

    >>> float(first_to_last(np.array([0.001, 0.1, 1.0])))
    0.001
    """
    norms = np.asarray(norms)
    return norms[..., 0] / norms[..., -1]


# ── Feed-forward nets ──


def feed_forward_setups() -> dict:
    """The deep nets compared: activation, and a seeded kernel initializer per seed."""
    return {
        "sigmoid, Glorot (Keras default)": ("sigmoid", lambda s: keras.initializers.GlorotUniform(seed=s)),
        "ReLU, Glorot (Keras default)": ("relu", lambda s: keras.initializers.GlorotUniform(seed=s)),
        "ReLU, He": ("relu", lambda s: keras.initializers.HeNormal(seed=s)),
        "ReLU, small weights": ("relu", lambda s: keras.initializers.RandomNormal(stddev=SMALL_STD, seed=s)),
    }


def stacked_kernels(initializer, seeds: int = SEEDS, depth: int = DEPTH, width: int = WIDTH):
    """``depth`` kernels of shape (seeds, width, width); layer ``l`` of seed ``s``
    is drawn by ``initializer(100 * s + l)`` (every layer and seed its own draw)."""
    return [np.stack([initializer(100 * s + layer)((width, width)).numpy() for s in range(seeds)])
            for layer in range(depth)]


def layer_gradients(kernels, activation: str, x, y) -> dict[str, np.ndarray]:
    """Per-layer gradient norms of the mean squared error, for every seed at once.

    ``kernels[l]`` has shape (seeds, fan_in, fan_out): a stack of ``Dense``
    layers per seed, ``activation`` on the hidden ones, a linear last layer,
    zero biases (Keras's initial bias). Returns arrays of shape (seeds, layers):
    ``kernel`` is ‖∂L/∂W_l‖ (what the optimizer gets for layer ``l``) and
    ``backprop`` is ‖∂L/∂h_l‖, the gradient that reaches the output ``h_l`` of
    layer ``l`` on its way back (index 0 = first layer).
    """
    g = keras.activations.get(activation)
    kernels = [tf.constant(w, dtype="float32") for w in kernels]
    seeds = kernels[0].shape[0]
    x = tf.constant(np.broadcast_to(x, (seeds, *np.shape(x))), dtype="float32")
    with tf.GradientTape() as tape:
        tape.watch(kernels)
        h, outputs = x, []
        for i, w in enumerate(kernels):
            h = tf.einsum("sbi,sio->sbo", h, w)
            h = g(h) if i < len(kernels) - 1 else h
            outputs.append(h)
        loss = tf.reduce_sum(tf.reduce_mean(tf.square(h - y), axis=[1, 2]))  # one loss per seed
    grads = tape.gradient(loss, kernels + outputs)
    norms = np.stack([tf.norm(gr, axis=[1, 2]).numpy() for gr in grads], axis=1)
    return {"kernel": norms[:, : len(kernels)], "backprop": norms[:, len(kernels):]}


def random_batch(seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """64 random inputs and targets with ``WIDTH`` features each."""
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(64, WIDTH)).astype("float32")
    y = rng.normal(size=(64, WIDTH)).astype("float32")
    return x, y


@functools.cache
def feed_forward_kernels() -> dict[str, list[np.ndarray]]:
    """:func:`stacked_kernels` of each 12-layer net of :func:`feed_forward_setups`
    (drawn once, shared by the measurements and the checks)."""
    return {name: stacked_kernels(init) for name, (_, init) in feed_forward_setups().items()}


def grouped_layer_gradients(nets: dict, x, y) -> dict[str, dict[str, np.ndarray]]:
    """:func:`layer_gradients` of several stacks of ``SEEDS`` nets, each given as
    ``name: (activation, kernels)``, with one pass per activation: the stacks of
    one activation are joined along the seed axis."""
    out = {}
    for activation in dict.fromkeys(a for a, _ in nets.values()):
        names = [name for name, (a, _) in nets.items() if a == activation]
        joined = layer_gradients([np.concatenate(w) for w in zip(*(nets[n][1] for n in names))],
                                 activation, x, y)
        out.update({name: {key: v[i * SEEDS : (i + 1) * SEEDS] for key, v in joined.items()}
                    for i, name in enumerate(names)})
    return {name: out[name] for name in nets}


@functools.cache
def feed_forward_gradients() -> dict[str, dict[str, np.ndarray]]:
    """:func:`layer_gradients` of each 12-layer net of :func:`feed_forward_setups`."""
    x, y = random_batch()
    kernels = feed_forward_kernels()
    return grouped_layer_gradients(
        {name: (activation, kernels[name]) for name, (activation, _) in feed_forward_setups().items()},
        x, y)


def relu_zero_fraction() -> float:
    """Fraction of the He-initialised ReLU nets' hidden units whose derivative is 0."""
    x, _ = random_batch()
    kernels = feed_forward_kernels()["ReLU, He"]
    h, zeros = np.broadcast_to(x, (SEEDS, *x.shape)).astype("float64"), []
    for w in kernels[:-1]:
        h = np.maximum(np.einsum("sbi,sio->sbo", h, w), 0.0)
        zeros.append(h <= 0)
    return float(np.mean(zeros))


# ── Recurrent layers ──


def recurrent_setups(unroll: bool = False) -> dict:
    """The recurrent layers compared: a function of the seed returning a Keras
    layer (``unroll=True``: the same layer, run as a Python loop over the steps)."""

    def simple(activation, recurrent=None):
        return lambda s: keras.layers.SimpleRNN(
            UNITS, activation=activation, kernel_initializer=keras.initializers.GlorotUniform(seed=s),
            recurrent_initializer=(recurrent or (lambda s: keras.initializers.Orthogonal(seed=s)))(s),
            unroll=unroll)

    def lstm(forget_bias=None):
        # Keras's default unit_forget_bias=True starts the forget gate's bias at 1;
        # another value replaces it (gates in Keras's order: input, forget, cell, output).
        bias = {} if forget_bias is None else {
            "unit_forget_bias": False,
            "bias_initializer": lambda shape, dtype=None: np.repeat(
                np.float32([0.0, forget_bias, 0.0, 0.0]), UNITS)}
        return lambda s: keras.layers.LSTM(
            UNITS, kernel_initializer=keras.initializers.GlorotUniform(seed=s),
            recurrent_initializer=keras.initializers.Orthogonal(seed=s), unroll=unroll, **bias)

    return {
        "SimpleRNN tanh": simple("tanh"),
        "SimpleRNN ReLU": simple("relu"),
        "SimpleRNN ReLU, recurrent gain 2": simple(
            "relu", lambda s: keras.initializers.Orthogonal(gain=2.0, seed=s)),
        "IRNN: ReLU, identity recurrent": simple("relu", lambda s: keras.initializers.Identity()),
        "LSTM": lstm(),
        "LSTM, forget-gate bias 3": lstm(3.0),
    }


def initial_weights(layer) -> list[np.ndarray]:
    """The kernel, recurrent kernel and bias that ``layer.build`` draws for
    ``FEATURES`` inputs, read from a built layer or, cheaper, drawn by calling
    an unbuilt layer's own seeded initializers exactly as its cell's ``build``
    does (no variables are created). For an LSTM with ``unit_forget_bias``
    (Keras's default) the forget gate's quarter of the bias is ones."""
    if layer.built:
        return layer.get_weights()
    cell = layer.cell
    lstm = hasattr(cell, "recurrent_activation")
    n = cell.units * (4 if lstm else 1)
    if lstm and cell.unit_forget_bias:  # gates in Keras's order: input, forget, cell, output
        bias = np.concatenate([cell.bias_initializer((cell.units,)), np.ones(cell.units, "float32"),
                               cell.bias_initializer((2 * cell.units,))])
    else:
        bias = cell.bias_initializer((n,))
    return [np.asarray(w) for w in (cell.kernel_initializer((FEATURES, n)),
                                    cell.recurrent_initializer((cell.units, n)), bias)]


def recurrent_weights(make, seeds: int = SEEDS) -> tuple[str, list[np.ndarray]]:
    """The cell type and the initial weights of ``make(s)`` for every seed,
    stacked: kernel (seeds, features, n), recurrent kernel, bias."""
    layers = [make(s) for s in range(seeds)]
    cell = layers[0].cell
    kind = "lstm" if hasattr(cell, "recurrent_activation") else cell.activation.__name__
    return kind, [np.stack(w) for w in zip(*(initial_weights(layer) for layer in layers))]


def run_stacked_rnn(kind: str, weights, x):
    """The last hidden state of a stack of recurrent layers (one per seed), as
    Keras's ``SimpleRNN`` (``kind`` = its activation) or ``LSTM`` computes it.

    ``x`` has shape (seeds, batch, time, features).
    """
    kernel, recurrent, bias = weights
    n = recurrent.shape[1]
    h = tf.zeros([x.shape[0], x.shape[1], n])
    c = h
    inputs = tf.einsum("sbtf,sfn->tsbn", x, kernel) + bias[:, None]  # x_t W_x + b, every step
    for input_t in tf.unstack(inputs):
        z = input_t + tf.einsum("sbm,smn->sbn", h, recurrent)
        if kind == "lstm":  # gates in Keras's order: input, forget, cell, output
            i, f, g, o = tf.split(z, 4, axis=-1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
            h = tf.sigmoid(o) * tf.tanh(c)
        else:
            h = keras.activations.get(kind)(z)
    return h


def time_step_gradients(kind: str, weights, x, y, seeds=None) -> np.ndarray:
    """‖∂L/∂x_t‖ for every stacked layer and time step ``t``, shape (layers, time).

    L is the squared error of a ``Dense(1)`` read-out (``glorot_uniform``,
    seeded by each layer's seed: ``seeds``, by default 0, 1, 2, ...) of the
    recurrent layer's state after the last step.
    """
    seeds = range(weights[0].shape[0]) if seeds is None else seeds
    heads = np.stack([keras.initializers.GlorotUniform(seed=1000 + s)((weights[1].shape[1], 1)).numpy()
                      for s in seeds])
    weights = [tf.constant(w, dtype="float32") for w in weights]
    x = tf.constant(np.broadcast_to(x, (len(heads), *np.shape(x))), dtype="float32")
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.einsum("sbn,sno->sbo", run_stacked_rnn(kind, weights, x), heads)
        loss = tf.reduce_sum(tf.reduce_mean(tf.square(out - y), axis=[1, 2]))
    g = tape.gradient(loss, x).numpy().astype("float64")
    return np.sqrt((g**2).sum(axis=(1, 3)))


def random_sequences(seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """32 random sequences of ``STEPS`` steps with 8 features, and one target each."""
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(32, STEPS, FEATURES)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    return x, y


def grouped_time_step_gradients(layers: dict, x, y) -> dict[str, np.ndarray]:
    """:func:`time_step_gradients` of several stacks of ``SEEDS`` layers, each given
    as ``name: (kind, weights)`` (from :func:`recurrent_weights`), with one
    stacked pass per cell type: the stacks of one type (tanh, ReLU, LSTM, ...)
    are joined along the seed axis."""
    out = {}
    for kind in dict.fromkeys(kind for kind, _ in layers.values()):
        names = [name for name, (k, _) in layers.items() if k == kind]
        weights = [np.concatenate(w) for w in zip(*(layers[name][1] for name in names))]
        norms = time_step_gradients(kind, weights, x, y, seeds=list(range(SEEDS)) * len(names))
        out.update({name: norms[i * SEEDS : (i + 1) * SEEDS] for i, name in enumerate(names)})
    return {name: out[name] for name in layers}


@functools.cache
def recurrent_gradients() -> dict[str, np.ndarray]:
    """:func:`time_step_gradients` over 50 steps, per layer of :func:`recurrent_setups`."""
    x, y = random_sequences()
    return grouped_time_step_gradients(
        {name: recurrent_weights(make) for name, make in recurrent_setups().items()}, x, y)


# ── NumPy vs Keras ──


def numpy_backprop(weights, x, y) -> dict[str, np.ndarray]:
    """Backpropagation through a sigmoid MLP with a linear output, in NumPy (float64).

    ``weights`` is a list of ``(W, b)``; the loss is the mean squared error.
    Walking back, each layer multiplies the gradient by ``diag(σ'(z)) Wᵀ``.
    Returns the same norms as :func:`layer_gradients`, plus every σ'(z).
    """
    h, pre, acts = np.asarray(x, "float64"), [], []
    for i, (w, b) in enumerate(weights):
        acts.append(h)
        z = h @ w + b
        pre.append(z)
        h = z if i == len(weights) - 1 else 1.0 / (1.0 + np.exp(-z))
    dh = 2.0 * (h - y) / h.size
    kernel, backprop, derivs = [], [], []
    for i in reversed(range(len(weights))):
        backprop.append(np.linalg.norm(dh))
        gprime = np.ones_like(pre[i]) if i == len(weights) - 1 else sigmoid_derivative(pre[i])
        if i < len(weights) - 1:
            derivs.append(gprime)
        dz = dh * gprime
        kernel.append(np.linalg.norm(acts[i].T @ dz))
        dh = dz @ weights[i][0].T
    return {
        "kernel": np.array(kernel[::-1]),
        "backprop": np.array(backprop[::-1]),
        "sigmoid derivatives": np.concatenate([d.ravel() for d in derivs]),
    }


def keras_dense_gradients(kernels, activation: str, x, y) -> dict[str, np.ndarray]:
    """:func:`layer_gradients` for one seed, with real ``keras.layers.Dense``."""
    layers = [keras.layers.Dense(w.shape[1], activation=activation if i < len(kernels) - 1 else None)
              for i, w in enumerate(kernels)]
    h, outputs = tf.constant(x), []
    with tf.GradientTape() as tape:
        for layer, w in zip(layers, kernels):
            layer.build(h.shape)
            layer.kernel.assign(w)
            h = layer(h)
            outputs.append(h)
        loss = tf.reduce_mean(tf.square(h - y))
    grads = tape.gradient(loss, [layer.kernel for layer in layers] + outputs)
    norms = np.array([float(tf.norm(g)) for g in grads])
    return {"kernel": norms[: len(layers)], "backprop": norms[len(layers):]}


def keras_rnn_gradients(layer, x, y, seed: int = 0) -> np.ndarray:
    """‖∂L/∂x_t‖ through a real Keras recurrent layer, with seed ``seed``'s read-out."""
    head = keras.layers.Dense(1, use_bias=False,
                          kernel_initializer=keras.initializers.GlorotUniform(seed=1000 + seed))
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_mean(tf.square(head(layer(x)) - y))
    g = tape.gradient(loss, x).numpy().astype("float64")
    return np.sqrt((g**2).sum(axis=(0, 2)))


def cross_check() -> dict[str, float]:
    """NumPy backpropagation, the stacked layers and Keras's layers agree (asserted).

    The sigmoid net of seed 0: NumPy and Keras ``Dense`` layers reproduce the
    stacked per-layer norms. The recurrent layers of seed 0 (tanh, IRNN and
    LSTM): Keras's ``SimpleRNN``/``LSTM`` reproduce the stacked per-step norms.
    """
    x, y = random_batch()
    name = "sigmoid, Glorot (Keras default)"
    activation, _ = feed_forward_setups()[name]
    kernels = [w[0] for w in feed_forward_kernels()[name]]  # seed 0
    stacked = {key: v[0] for key, v in feed_forward_gradients()[name].items()}  # seed 0
    keras_grads = keras_dense_gradients(kernels, activation, x, y)
    zero = np.zeros(WIDTH)
    np_grads = numpy_backprop([(w.astype("float64"), zero) for w in kernels], x, y.astype("float64"))
    for key in ("kernel", "backprop"):
        np.testing.assert_allclose(stacked[key], np_grads[key], rtol=1e-4)
        np.testing.assert_allclose(keras_grads[key], np_grads[key], rtol=1e-4)
    shrink = np_grads["backprop"][:-1] / np_grads["backprop"][1:]
    out = {
        "largest relative difference, kernel gradients (Keras vs NumPy)": float(
            np.abs(keras_grads["kernel"] / np_grads["kernel"] - 1).max()),
        "largest σ'(z) in the net (bound 0.25)": float(np_grads["sigmoid derivatives"].max()),
        "mean σ'(z) in the net": float(np_grads["sigmoid derivatives"].mean()),
        "mean factor per layer, going back": float(np.exp(np.log(shrink).mean())),
    }
    glue("mean_factor", out["mean factor per layer, going back"])
    xs, ys = random_sequences()
    setups = recurrent_setups(unroll=True)  # unrolled: the same layers, faster eagerly
    for name in ("SimpleRNN tanh", "IRNN: ReLU, identity recurrent", "LSTM"):
        mine = recurrent_gradients()[name][0]  # the stacked layers' seed 0
        theirs = keras_rnn_gradients(setups[name](0), xs, ys)
        np.testing.assert_allclose(mine, theirs, rtol=1e-3)
        out[f"{name}: largest relative difference per step"] = float(
            np.abs(mine / theirs - 1).max())
    return out


# ── The claim ──


def _spreads() -> dict[str, Spread]:
    ff = {name: Spread.of(first_to_last(g["backprop"]))
          for name, g in feed_forward_gradients().items()}
    rnn = {name: Spread.of(first_to_last(g)) for name, g in recurrent_gradients().items()}
    return {**ff, **rnn}


def check_vanishing_gradient_relu() -> ClaimCheck:
    """Claim: it can be solved by using ReLU, an activation without small gradients.

    A net "vanishes" when on every seed less than ``VANISHED`` of the output's
    gradient reaches the first layer (step), "explodes" when on every seed more
    than ``EXPLODED`` times as much does, and is healthy when every seed lies in
    between. ReLU fixes the deep feed-forward net only together with the right
    scale of weights (He); in a recurrent net it vanishes or explodes with
    orthogonal recurrent weights and stays level only with an identity
    recurrent initializer (IRNN).
    """
    s = _spreads()

    def vanishes(name):
        return s[name].max < VANISHED

    def explodes(name):
        return s[name].min > EXPLODED

    def healthy(name):
        return VANISHED <= s[name].min and s[name].max <= EXPLODED

    sigmoid_vanishes = vanishes("sigmoid, Glorot (Keras default)")
    relu_fixes_ff = healthy("ReLU, He")
    relu_small_vanishes = vanishes("ReLU, small weights")
    relu_rnn_fails = vanishes("SimpleRNN ReLU") and explodes("SimpleRNN ReLU, recurrent gain 2")
    irnn_healthy = healthy("IRNN: ReLU, identity recurrent")
    if not (sigmoid_vanishes and relu_fixes_ff):
        verdict = "wrong"
    elif relu_small_vanishes or relu_rnn_fails:
        verdict = "conditions"
    else:
        verdict = "holds"
    glue("vanished", VANISHED)
    for key, name in (("ff_sigmoid", "sigmoid, Glorot (Keras default)"), ("ff_he", "ReLU, He"),
                      ("ff_small", "ReLU, small weights"),
                      ("ff_glorot_relu", "ReLU, Glorot (Keras default)"),
                      ("rnn_tanh", "SimpleRNN tanh"), ("rnn_relu", "SimpleRNN ReLU"),
                      ("rnn_gain2", "SimpleRNN ReLU, recurrent gain 2"),
                      ("irnn", "IRNN: ReLU, identity recurrent"), ("lstm", "LSTM"),
                      ("lstm3", "LSTM, forget-gate bias 3")):
        glue(f"{key}_min", s[name].min)
        glue(f"{key}_max", s[name].max)
    return ClaimCheck(
        "vanishing-gradient-relu",
        verdict,
        {
            **{f"first / last, {name}": str(value) for name, value in s.items()},
            "ReLU derivatives that are exactly 0 (He nets)": glue("relu_zeros",
                                                                   relu_zero_fraction()),
            "ReLU RNN vanishes (default) or explodes (gain 2)": relu_rnn_fails,
            "IRNN healthy on every seed": irnn_healthy,
        },
    )


# ── Output ──


def plot_layers():
    """Per-layer gradient norms of the four 12-layer nets (median seed, range shaded)."""
    import matplotlib.pyplot as plt

    layers = np.arange(1, DEPTH + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharex=True)
    for i, (name, g) in enumerate(feed_forward_gradients().items()):
        for ax, key in ((ax1, "kernel"), (ax2, "backprop")):
            ax.fill_between(layers, g[key].min(axis=0), g[key].max(axis=0), color=f"C{i}",
                            alpha=0.2, lw=0)
            ax.semilogy(layers, np.median(g[key], axis=0), marker="o", ms=3, color=f"C{i}",
                        label=name)
    ax1.set(xlabel="layer (1 = next to the input)", ylabel=r"$\|\partial L/\partial W_l\|$",
            title="Weight gradient of each layer", xticks=layers)
    ax2.set(xlabel="layer (1 = next to the input)", ylabel=r"$\|\partial L/\partial h_l\|$",
            title=f"Gradient reaching each layer's output ({SEEDS} seeds)")
    ax2.legend(fontsize=7, loc="lower right")
    return fig


def plot_time_steps():
    """‖∂L/∂x_t‖ over 50 time steps, relative to the last step (median seed, range shaded)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
    steps = np.arange(1, STEPS + 1)
    for i, (name, g) in enumerate(recurrent_gradients().items()):
        rel = g / g[:, -1:]
        ax.fill_between(steps, rel.min(axis=0), rel.max(axis=0), color=f"C{i}", alpha=0.2, lw=0)
        ax.semilogy(steps, np.median(rel, axis=0), color=f"C{i}", label=name)
    for bound in (VANISHED, EXPLODED):
        ax.axhline(bound, color="grey", ls="--", lw=1)
    ax.set(xlabel=f"time step t of the input (the loss is computed after step {STEPS})",
           ylabel=rf"$\|\partial L/\partial x_t\|$ / value at t = {STEPS}",
           title=f"Gradient reaching each input, untrained layers ({SEEDS} seeds: median, range)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def show_example() -> None:
    """Gradient at the first and last layer of the 12-layer nets, over the seeds."""
    rows = {}
    for name, g in feed_forward_gradients().items():
        rows[name] = [float(np.median(g["backprop"][:, 0])), float(np.median(g["backprop"][:, -1])),
                      str(Spread.of(first_to_last(g["backprop"])))]
    print(f"‖∂L/∂h‖ at layer 1 and at layer {DEPTH} (median of {SEEDS} seeds);"
          " their ratio over the seeds")
    print(table(rows))


def show_recurrent_example() -> None:
    """Gradient at the first and last time step of the recurrent layers, over the seeds."""
    rows = {name: [float(np.median(g[:, 0])), float(np.median(g[:, -1])),
                   str(Spread.of(first_to_last(g)))]
            for name, g in recurrent_gradients().items()}
    print(f"‖∂L/∂x_t‖ at step 1 and at step {STEPS} (median of {SEEDS} seeds);"
          " their ratio over the seeds")
    print(table(rows))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    show_recurrent_example,
    plot_layers,
    plot_time_steps,
    show_cross_check,
    check_vanishing_gradient_relu,
)
