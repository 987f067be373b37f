"""Backpropagation (反向传播): the chain rule, output layer first, gives every parameter's gradient.

One forward pass stores each layer's values; one backward pass then starts
from the *output sensitivity* δ = ∂L/∂z of the output layer and multiplies by
one local derivative per layer (it applies the chain rule, 链式法则), giving ∂L/∂W and
∂L/∂b for every weight and bias. It computes gradients of the *parameters*;
the hyperparameters (learning rate, layer sizes) are not inputs of the
computation it differentiates.

For a sigmoid output with binary cross-entropy the output sensitivity is
simply ŷ − y (per example):

>>> import math
>>> z, y = 0.4, 1.0
>>> a = 1 / (1 + math.exp(-z))
>>> round(a - y, 6)                       # δ = ∂L/∂z = (∂L/∂a)(∂a/∂z)
-0.401312
>>> round((-y / a + (1 - y) / (1 - a)) * a * (1 - a), 6)
-0.401312
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])  # XOR
SIZES = (2, 3, 1)  # inputs, tanh hidden units, sigmoid output units
LEARNING_RATE = 0.5
EPS = 1e-6  # finite-difference step
# Networks whose parameter counts the pass comparison uses: (inputs, hidden, outputs)
NETWORKS = {"2-3-1 (this page)": (2, 3, 1), "64-32-10": (64, 32, 10),
            "784-100-10": (784, 100, 10), "784-1000-1000-10": (784, 1000, 1000, 10)}


def initial_params(seed_value: int = 0) -> dict[str, np.ndarray]:
    """Random weights and biases of the 2-3-1 network, rounded to 2 decimals."""
    rng = np.random.default_rng(seed_value)
    n_in, n_hidden, n_out = SIZES
    return {
        "W1": rng.normal(size=(n_in, n_hidden)).round(2),
        "b1": rng.normal(scale=0.5, size=n_hidden).round(2),
        "W2": rng.normal(size=(n_hidden, n_out)).round(2),
        "b2": rng.normal(scale=0.5, size=n_out).round(2),
    }


def forward(p, x=X, y=Y) -> dict[str, np.ndarray]:
    """Forward pass; keeps every intermediate for the backward pass."""
    z1 = x @ p["W1"] + p["b1"]
    a1 = np.tanh(z1)
    z2 = a1 @ p["W2"] + p["b2"]
    a2 = 1 / (1 + np.exp(-z2))
    loss = float(np.mean(-(y * np.log(a2) + (1 - y) * np.log(1 - a2))))
    return {"x": x, "z1": z1, "a1": a1, "z2": z2, "a2": a2, "loss": loss}


def backward(p, cache, y=Y) -> dict[str, np.ndarray]:
    """Backward pass: the chain rule, layer by layer, from the output sensitivity.

    L = mean over the m examples of the binary cross-entropy, so
    δ2 = ∂L/∂z2 = (a2 − y) / m; then ∂L/∂W2 = a1ᵀ δ2, ∂L/∂b2 = Σ δ2;
    δ1 = ∂L/∂z1 = (δ2 W2ᵀ) ⊙ tanh'(z1) = (δ2 W2ᵀ) ⊙ (1 − a1²);
    ∂L/∂W1 = xᵀ δ1, ∂L/∂b1 = Σ δ1.
    """
    m = len(y)
    d2 = (cache["a2"] - y) / m
    d1 = (d2 @ p["W2"].T) * (1 - cache["a1"] ** 2)
    return {
        "delta2": d2,
        "delta1": d1,
        "W1": cache["x"].T @ d1,
        "b1": d1.sum(axis=0),
        "W2": cache["a1"].T @ d2,
        "b2": d2.sum(axis=0),
    }


def build_model(p):
    """The same network in Keras, with the weights ``p``."""
    keras.utils.set_random_seed(0)
    n_in, n_hidden, n_out = SIZES
    model = keras.Sequential([
        keras.Input((n_in,)),
        keras.layers.Dense(n_hidden, activation="tanh"),
        keras.layers.Dense(n_out, activation="sigmoid"),
    ])
    model.set_weights([p["W1"], p["b1"], p["W2"], p["b2"]])
    return model


def tape_gradients(model, optimizer=None):
    """The loss and ``tf.GradientTape``'s gradients for the parameters and, if given,
    for the optimizer's learning rate (which the forward pass never reads)."""
    with tf.GradientTape(persistent=True) as tape:
        loss = keras.losses.BinaryCrossentropy()(Y.astype("float32"), model(X.astype("float32")))
    params = tape.gradient(loss, model.trainable_variables)
    lr = None
    if optimizer is not None:
        lr = tape.gradient(loss, optimizer.learning_rate)
    # "kernel(2, 3)", "bias(3,)", ...: the role and shape of each watched variable
    watched = [f"{v.name.split('/')[-1].split(':')[0]}{tuple(v.shape)}"
               for v in tape.watched_variables()]
    del tape
    return float(loss), [g.numpy() for g in params], lr, watched


def cross_check() -> dict[str, float]:
    """NumPy's chain rule gives the same loss and gradients as ``tf.GradientTape``."""
    p = initial_params()
    cache = forward(p)
    grads = backward(p, cache)
    loss, keras_grads, _, _ = tape_gradients(build_model(p))
    np.testing.assert_allclose(loss, cache["loss"], rtol=1e-6)
    worst = 0.0
    for name, g in zip(("W1", "b1", "W2", "b2"), keras_grads):
        np.testing.assert_allclose(g, grads[name], rtol=1e-5, atol=1e-7)
        worst = max(worst, float(np.abs(g - grads[name]).max()))
    return {
        "loss (NumPy, Keras)": [cache["loss"], loss],
        "gradients compared": int(sum(g.size for g in keras_grads)),
        "largest |NumPy − GradientTape|": worst,
        "largest |gradient|": float(max(np.abs(g).max() for g in keras_grads)),
    }


def finite_differences(p, eps: float = EPS) -> tuple[dict[str, np.ndarray], int]:
    """Central differences (L(θ + ε) − L(θ − ε)) / 2ε, one parameter at a time.

    Returns the gradients and the number of forward passes they took.
    """
    grads, passes = {}, 0
    for name, value in p.items():
        g = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            plus, minus = ({**p, name: value.copy()} for _ in range(2))
            plus[name][i] += eps
            minus[name][i] -= eps
            g[i] = (forward(plus)["loss"] - forward(minus)["loss"]) / (2 * eps)
            passes += 2
        grads[name] = g
    return grads, passes


def param_count(sizes) -> int:
    """Weights and biases of a stack of Dense layers with these sizes.

    >>> param_count((2, 3, 1))
    13
    >>> param_count((784, 100, 10))
    79510
    """
    return int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))


@functools.cache
def training_step() -> dict[str, object]:
    """One SGD step on the Keras network: what has a gradient, what changes.

    The gradient is asked for the parameters *and* for the learning rate.
    """
    p = initial_params()
    model = build_model(p)
    optimizer = keras.optimizers.SGD(learning_rate=LEARNING_RATE)
    hyper_before = {"learning rate": float(optimizer.learning_rate),
                    "units per layer": [layer.units for layer in model.layers]}
    before = [w.copy() for w in model.get_weights()]
    loss, grads, lr_grad, watched = tape_gradients(model, optimizer)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    after = model.get_weights()
    hyper_after = {"learning rate": float(optimizer.learning_rate),
                   "units per layer": [layer.units for layer in model.layers]}
    changed = int(sum((a != b).sum() for a, b in zip(after, before)))
    return {
        "parameters (count_params)": model.count_params(),
        "gradients returned, numbers": int(sum(g.size for g in grads)),
        "variables the tape watched": watched,
        "gradient for the learning rate": lr_grad,
        "parameters changed by the step": changed,
        "hyperparameters before": hyper_before,
        "hyperparameters after": hyper_after,
    }


def check_backpropagation_hyperparameters() -> ClaimCheck:
    """Claim: backpropagation uses the output sensitivity to quickly compute the hyperparameters.

    Measured: which quantities the backward pass gives a gradient for (the
    tape is asked for the learning rate too), what one training step
    changes, and the cost in passes against finite differences. Holds if a
    hyperparameter gets a gradient or is changed; wrong if none is while every
    parameter gets one; conditions otherwise.
    """
    step = training_step()
    p = initial_params()
    cache = forward(p)
    bp = backward(p, cache)
    fd, fd_passes = finite_differences(p)
    fd_gap = max(float(np.abs(fd[n] - bp[n]).max()) for n in p)
    every_param = step["gradients returned, numbers"] == step["parameters (count_params)"]
    hyper_touched = (step["gradient for the learning rate"] is not None
                     or step["hyperparameters before"] != step["hyperparameters after"])
    if hyper_touched:
        verdict = "holds"
    elif every_param:
        verdict = "wrong"
    else:
        verdict = "conditions"
    return ClaimCheck(
        "backpropagation-hyperparameters",
        verdict,
        {
            "output sensitivity δ2 = ∂L/∂z2 (per example)": bp["delta2"].ravel().tolist(),
            "gradients returned / parameters": [step["gradients returned, numbers"],
                                                step["parameters (count_params)"]],
            "variables the tape watched": step["variables the tape watched"],
            "gradient for the learning rate": step["gradient for the learning rate"],
            "parameters changed by one SGD step": step["parameters changed by the step"],
            "hyperparameters after the step": step["hyperparameters after"],
            "passes: backprop (forward, backward)": [1, 1],
            "passes: finite differences (forward)": fd_passes,
            "largest |finite difference − backprop|": fd_gap,
        },
    )


def plot_gradient_check():
    """Left: each parameter's gradient, three ways. Right: passes needed vs parameter count."""
    import matplotlib.pyplot as plt

    p = initial_params()
    bp = backward(p, forward(p))
    fd, _ = finite_differences(p)
    _, tape, _, _ = tape_gradients(build_model(p))
    names = [f"{n}{'' if v.size == 1 else list(i)}".replace(" ", "")
             for n, v in p.items() for i in np.ndindex(v.shape)]
    flat = {
        "backprop, NumPy": np.concatenate([bp[n].ravel() for n in p]),
        "tf.GradientTape": np.concatenate([g.ravel() for g in tape]),
        "finite differences": np.concatenate([fd[n].ravel() for n in p]),
    }
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained",
                                   gridspec_kw={"width_ratios": [1.5, 1]})
    pos = np.arange(len(names))
    for j, ((label, values), marker) in enumerate(zip(flat.items(), ("o", "x", "+"))):
        ax1.plot(pos, values, marker, ms=7 + 2 * j, mew=1.5, ls="none", label=label)
    ax1.axhline(0, color="gray", lw=0.5)
    ax1.set_xticks(pos, names, rotation=90, fontsize=7)
    ax1.set(ylabel="∂L/∂parameter", title="Gradient of every parameter of the 2-3-1 net")
    ax1.legend(fontsize=7, loc="upper left")
    counts = np.array([param_count(s) for s in NETWORKS.values()])
    ax2.loglog(counts, 2 * counts, "o-", label="finite differences: 2 per parameter")
    ax2.loglog(counts, np.full(len(counts), 2), "s-", label="backprop: 1 forward + 1 backward")
    for i, (name, c) in enumerate(zip(NETWORKS, counts)):
        last = i == len(counts) - 1  # the last label goes left, inside the axes
        ax2.annotate(name, (c, 2 * c), textcoords="offset points", fontsize=7,
                     xytext=(-6, 6) if last else (4, -10), ha="right" if last else "left")
    ax2.set(xlabel="parameters", ylabel="passes for one gradient", ylim=(0.5, 1e10),
            title="Cost of one full gradient")
    ax2.legend(fontsize=7, loc="upper left")
    return fig


def show_example() -> None:
    """The forward values, the deltas of the backward pass and the gradients."""
    p = initial_params()
    cache = forward(p)
    grads = backward(p, cache)
    glue("label0_prediction", float(cache["a2"].ravel()[Y.ravel() == 0].mean()))
    with np.printoptions(precision=4, suppress=True):
        print(f"loss L = {cache['loss']:.4f}")
        print("forward:  a2 = ŷ per example  ", cache["a2"].ravel())
        print("backward: δ2 = (ŷ − y) / m    ", grads["delta2"].ravel())
        print("          δ1 = δ2 W2ᵀ ⊙ (1 − a1²), one row per example:")
        print(grads["delta1"])
        for name in ("W2", "b2", "W1", "b1"):
            print(f"∂L/∂{name}:", grads[name].ravel())


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_gradient_check, show_cross_check, check_backpropagation_hyperparameters)
