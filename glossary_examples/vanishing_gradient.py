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

The functions that measure per-layer and per-time-step gradient norms,
:func:`layer_gradients` and :func:`time_step_gradients`, are shared with
:mod:`glossary_examples.exploding_gradient`.
"""

from __future__ import annotations

import functools

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import keras, seed, tf

DEPTH = 12  # Dense layers in the feed-forward nets
WIDTH = 32  # units per layer; inputs and targets have WIDTH features too
STEPS = 50  # time steps of the recurrent examples
# Ratio of the gradient reaching the first layer (or step) to the gradient at
# the last one: below VANISHED the first layer gets less than 1 % of it, above
# EXPLODED more than 100 times as much. Over 12 layers these bounds mean an
# average factor per layer below 0.66 or above 1.52.
VANISHED = 1e-2
EXPLODED = 1e2


def sigmoid_derivative(z) -> np.ndarray:
    """σ'(z) = σ(z) (1 − σ(z)), largest (1/4) at z = 0.

    >>> sigmoid_derivative(np.array([0.0])).tolist()
    [0.25]
    """
    s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype="float64")))
    return s * (1.0 - s)


def dense_stack(activation: str, initializer, depth: int = DEPTH, width: int = WIDTH):
    """``depth`` Dense layers: hidden ones with ``activation``, a linear output layer.

    ``initializer`` is a Keras initializer name or a function returning a new
    initializer (one instance per layer: an unseeded instance called twice
    returns the same values, which would give every layer the same weights).
    """
    k = keras()
    return [
        k.layers.Dense(
            width,
            activation=activation if i < depth - 1 else None,
            kernel_initializer=initializer if isinstance(initializer, str) else initializer(),
        )
        for i in range(depth)
    ]


def layer_gradients(layers, x, y) -> dict[str, np.ndarray]:
    """Per-layer gradient norms of the mean squared error, by ``tf.GradientTape``.

    ``kernel[l]`` is ‖∂L/∂W_l‖ (what the optimizer gets for layer ``l``);
    ``backprop[l]`` is ‖∂L/∂h_l‖, the gradient that reaches the output
    ``h_l`` of layer ``l`` on its way back (index 0 = first layer).
    """
    t = tf()
    x = t.constant(x, dtype="float32")
    y = t.constant(y, dtype="float32")
    with t.GradientTape() as tape:
        h, outputs = x, []
        for layer in layers:
            h = layer(h)
            outputs.append(h)
        loss = t.reduce_mean(t.square(h - y))
    kernels = [layer.kernel for layer in layers]
    grads = tape.gradient(loss, kernels + outputs)
    norms = np.array([float(t.norm(g)) for g in grads])
    return {"kernel": norms[: len(layers)], "backprop": norms[len(layers):]}


def random_batch(seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """64 random inputs and targets with ``WIDTH`` features each."""
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(64, WIDTH)).astype("float32")
    y = rng.normal(size=(64, WIDTH)).astype("float32")
    return x, y


def feed_forward_setups() -> dict:
    """The deep nets compared: activation and kernel initializer."""
    k = keras()
    return {
        "sigmoid, Glorot (Keras default)": ("sigmoid", "glorot_uniform"),
        "ReLU, Glorot (Keras default)": ("relu", "glorot_uniform"),
        "ReLU, He": ("relu", "he_normal"),
        "ReLU, small (std 0.05)": ("relu", lambda: k.initializers.RandomNormal(stddev=0.05)),
    }


@functools.cache
def feed_forward_gradients() -> dict[str, dict[str, np.ndarray]]:
    """:func:`layer_gradients` of each 12-layer net in :func:`feed_forward_setups`."""
    x, y = random_batch()
    out = {}
    for name, (activation, init) in feed_forward_setups().items():
        seed(0)
        out[name] = layer_gradients(dense_stack(activation, init), x, y)
    return out


def relu_zero_fraction(seed_value: int = 0) -> float:
    """Fraction of the He-initialised ReLU net's hidden units whose derivative is 0."""
    x, _ = random_batch()
    seed(seed_value)
    layers = dense_stack("relu", "he_normal")
    h, zeros = x, []
    for layer in layers[:-1]:
        h = layer(h).numpy()
        zeros.append(h <= 0)
    return float(np.mean(zeros))


def time_step_gradients(rnn, x, y) -> np.ndarray:
    """‖∂L/∂x_t‖ for every time step ``t``: L is the squared error of a Dense
    read-out of ``rnn``'s output after the last step (index 0 = first step)."""
    t = tf()
    k = keras()
    head = k.layers.Dense(y.shape[-1], kernel_initializer=k.initializers.GlorotUniform(seed=1))
    x = t.constant(x, dtype="float32")
    with t.GradientTape() as tape:
        tape.watch(x)
        loss = t.reduce_mean(t.square(head(rnn(x)) - y))
    g = tape.gradient(loss, x).numpy()
    return np.sqrt((g.astype("float64") ** 2).sum(axis=(0, 2)))


def random_sequences(seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """32 random sequences of ``STEPS`` steps with 8 features, and one target each."""
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(32, STEPS, 8)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    return x, y


def _lstm(forget_bias: float | None):
    """A 32-unit LSTM; ``forget_bias`` overwrites the forget gate's bias (Keras: 1)."""
    k = keras()
    layer = k.layers.LSTM(32, seed=0)
    layer.build((None, STEPS, 8))
    if forget_bias is not None:
        bias = layer.cell.bias.numpy()
        units = bias.shape[0] // 4  # Keras's gate order: input, forget, cell, output
        bias[units : 2 * units] = forget_bias
        layer.cell.bias.assign(bias)
    return layer


@functools.cache
def recurrent_gradients() -> dict[str, np.ndarray]:
    """:func:`time_step_gradients` over 50 steps for SimpleRNNs and LSTMs (untrained)."""
    k = keras()
    makers = {
        "SimpleRNN tanh": lambda: k.layers.SimpleRNN(32, seed=0),
        "SimpleRNN ReLU": lambda: k.layers.SimpleRNN(32, activation="relu", seed=0),
        "SimpleRNN ReLU, recurrent gain 2": lambda: k.layers.SimpleRNN(
            32, activation="relu", seed=0,
            recurrent_initializer=k.initializers.Orthogonal(gain=2.0, seed=0),
        ),
        "LSTM": lambda: _lstm(None),
        "LSTM, forget-gate bias 3": lambda: _lstm(3.0),
    }
    x, y = random_sequences()
    out = {}
    for name, make in makers.items():
        seed(0)
        out[name] = time_step_gradients(make(), x, y)
    return out


def first_to_last(norms: np.ndarray) -> float:
    """How much of the gradient at the last layer (step) reaches the first one.

    >>> first_to_last(np.array([0.001, 0.1, 1.0]))
    0.001
    """
    return float(norms[0] / norms[-1])


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


def cross_check() -> dict[str, float]:
    """NumPy backpropagation through the Keras sigmoid net matches ``tf.GradientTape``."""
    x, y = random_batch()
    seed(0)
    layers = dense_stack("sigmoid", "glorot_uniform")
    keras_grads = layer_gradients(layers, x, y)
    weights = [(layer.kernel.numpy().astype("float64"), layer.bias.numpy()) for layer in layers]
    np_grads = numpy_backprop(weights, x, y.astype("float64"))
    for key in ("kernel", "backprop"):
        np.testing.assert_allclose(keras_grads[key], np_grads[key], rtol=1e-4)
    shrink = np_grads["backprop"][:-1] / np_grads["backprop"][1:]
    rel = np.abs(keras_grads["kernel"] / np_grads["kernel"] - 1)
    return {
        "largest relative difference, kernel gradients": float(rel.max()),
        "largest σ'(z) in the net (bound 0.25)": float(np_grads["sigmoid derivatives"].max()),
        "mean σ'(z) in the net": float(np_grads["sigmoid derivatives"].mean()),
        "mean factor per layer, going back": float(np.exp(np.log(shrink).mean())),
        "gradient at layer 1 / at layer 12": first_to_last(np_grads["backprop"]),
    }


def check_vanishing_gradient_relu() -> ClaimCheck:
    """Claim: it can be solved by using ReLU, an activation without small gradients.

    ReLU fixes the deep feed-forward net only together with the right scale of
    weights (He init): with small weights it vanishes as badly as sigmoid, and
    in a recurrent net it vanishes or explodes depending on the recurrent weights.
    """
    ff = {name: first_to_last(g["backprop"]) for name, g in feed_forward_gradients().items()}
    rnn = {name: first_to_last(g) for name, g in recurrent_gradients().items()}
    sigmoid_vanishes = ff["sigmoid, Glorot (Keras default)"] < VANISHED
    relu_fixes_ff = VANISHED <= ff["ReLU, He"] <= EXPLODED
    relu_small_vanishes = ff["ReLU, small (std 0.05)"] < VANISHED
    relu_rnn_healthy = all(
        VANISHED <= rnn[name] <= EXPLODED
        for name in ("SimpleRNN ReLU", "SimpleRNN ReLU, recurrent gain 2")
    )
    if not (sigmoid_vanishes and relu_fixes_ff):
        verdict = "wrong"
    elif relu_small_vanishes or not relu_rnn_healthy:
        verdict = "conditions"
    else:
        verdict = "holds"
    return ClaimCheck(
        "vanishing-gradient-relu",
        verdict,
        {
            **{f"layer 1 / layer {DEPTH}, {name}": value for name, value in ff.items()},
            "ReLU derivatives that are exactly 0 (He net)": relu_zero_fraction(),
            **{f"step 1 / step {STEPS}, {name}": value for name, value in rnn.items()},
        },
    )


def plot_layers():
    """Per-layer gradient norms of the four 12-layer nets, log scale."""
    import matplotlib.pyplot as plt

    grads = feed_forward_gradients()
    layers = np.arange(1, DEPTH + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharex=True)
    for name, g in grads.items():
        ax1.semilogy(layers, g["kernel"], marker="o", ms=3, label=name)
        ax2.semilogy(layers, g["backprop"], marker="o", ms=3, label=name)
    ax1.set(xlabel="layer (1 = next to the input)", ylabel=r"$\|\partial L/\partial W_l\|$",
            title="Weight gradient of each layer", xticks=layers)
    ax2.set(xlabel="layer (1 = next to the input)", ylabel=r"$\|\partial L/\partial h_l\|$",
            title="Gradient reaching each layer's output")
    ax2.legend(fontsize=7, loc="lower right")
    return fig


def plot_time_steps():
    """‖∂L/∂x_t‖ over 50 time steps, relative to the last step, log scale."""
    import matplotlib.pyplot as plt

    grads = recurrent_gradients()
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    for name, g in grads.items():
        ax.semilogy(np.arange(1, STEPS + 1), g / g[-1], label=name)
    for bound in (VANISHED, EXPLODED):
        ax.axhline(bound, color="grey", ls="--", lw=1)
    ax.set(xlabel=f"time step t of the input (the loss is computed after step {STEPS})",
           ylabel=rf"$\|\partial L/\partial x_t\|$ / value at t = {STEPS}",
           title="Gradient reaching each input of a 50-step sequence (untrained layers)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def show_example() -> None:
    """Gradient norms at the first and last layer of the 12-layer nets."""
    rows = {}
    for name, g in feed_forward_gradients().items():
        b, w = g["backprop"], g["kernel"]
        rows[name] = [float(b[0]), float(b[-1]), first_to_last(b), float(w[0])]
    print("‖∂L/∂h‖ at layer 1, at layer 12, their ratio; ‖∂L/∂W_1‖")
    print(table(rows))


def show_recurrent_example() -> None:
    """Gradient norms at the first and last time step of the recurrent layers."""
    rows = {name: [float(g[0]), float(g[-1]), first_to_last(g)]
            for name, g in recurrent_gradients().items()}
    print(f"‖∂L/∂x_t‖ at step 1, at step {STEPS}, their ratio")
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
