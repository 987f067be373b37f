"""Optimizer (优化器): the rule that turns the gradient of the loss into an update of the weights.

Plain SGD steps against the gradient, ``w -= lr * g``. Momentum adds up past
steps, so a steady gradient gives ever larger steps (up to 1 / (1 − momentum)
times). RMSprop divides each gradient by a running root mean square of its own
past values, and Adam combines both ideas: their steps have roughly the size
of the learning rate whatever the scale of the gradient. In Keras the
optimizer is an object passed to ``compile``; its ``apply_gradients`` makes
one update.

>>> w, velocity = sgd_step(np.array([1.0]), np.array([2.0]), np.zeros(1), lr=0.1)
>>> w.tolist()
[0.8]
>>> w, m, v = adam_step(np.zeros(2), np.array([100.0, 0.01]), np.zeros(2), np.zeros(2), t=1)
>>> np.round(w, 6).tolist()   # the first Adam step is lr * sign(g), however large g is
[-0.001, -0.001]
"""

from __future__ import annotations

import functools

import numpy as np

from ._lib.report import table
from ._lib.runtime import full_batch_loop, keras, seed, tf

OPTIMIZERS = ("SGD", "SGD + momentum", "RMSprop", "Adam")
LEARNING_RATE = 0.01  # shared by all four in the comparisons
STEPS = 400
RECORD_EVERY = 10
TARGET = 0.1  # "reached": loss below a tenth of the target variance


# --- The update rules in NumPy (Keras 3's formulas) -------------------------


def sgd_step(w, g, velocity, lr=0.01, momentum=0.0):
    """Keras's SGD: ``velocity = momentum * velocity - lr * g``, then ``w += velocity``.

    With ``momentum=0`` this is plain ``w -= lr * g``.
    """
    velocity = momentum * velocity - lr * g
    return w + velocity, velocity


def rmsprop_step(w, g, v, lr=0.001, rho=0.9, eps=1e-7):
    """Keras's RMSprop: a running mean of g², and a step ``lr * g / sqrt(v + eps)``."""
    v = rho * v + (1 - rho) * g**2
    return w - lr * g / np.sqrt(v + eps), v


def adam_step(w, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, eps=1e-7):
    """Keras's Adam at step ``t`` (counting from 1): running means of g and g², bias-corrected."""
    m = m + (g - m) * (1 - beta_1)
    v = v + (g**2 - v) * (1 - beta_2)
    alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return w - alpha * m / (np.sqrt(v) + eps), m, v


def numpy_trajectory(name: str, grads: np.ndarray, w0: np.ndarray, lr: float = LEARNING_RATE):
    """The weights after each of the given gradients, updated by NumPy's rule ``name``."""
    w = np.asarray(w0, dtype="float64")
    state = [np.zeros_like(w), np.zeros_like(w)]
    out = []
    for t, g in enumerate(grads, start=1):
        if name == "SGD":
            w, state[0] = sgd_step(w, g, state[0], lr)
        elif name == "SGD + momentum":
            w, state[0] = sgd_step(w, g, state[0], lr, momentum=0.9)
        elif name == "RMSprop":
            w, state[0] = rmsprop_step(w, g, state[0], lr)
        elif name == "Adam":
            w, state[0], state[1] = adam_step(w, g, state[0], state[1], t, lr)
        else:
            raise ValueError(f"unknown optimizer {name!r}")
        out.append(w.copy())
    return np.array(out)


# --- The same in Keras --------------------------------------------------------


def keras_optimizer(name: str, lr: float = LEARNING_RATE):
    """A fresh Keras optimizer; every setting except the learning rate is Keras's default."""
    k = keras()
    return {
        "SGD": lambda: k.optimizers.SGD(learning_rate=lr),
        "SGD + momentum": lambda: k.optimizers.SGD(learning_rate=lr, momentum=0.9),
        "RMSprop": lambda: k.optimizers.RMSprop(learning_rate=lr),
        "Adam": lambda: k.optimizers.Adam(learning_rate=lr),
    }[name]()


def keras_trajectory(name: str, grads: np.ndarray, w0: np.ndarray, lr: float = LEARNING_RATE):
    """The weights after each of the given gradients, applied by ``apply_gradients``."""
    t = tf()
    w = t.Variable(np.asarray(w0, dtype="float32"))
    optimizer = keras_optimizer(name, lr)
    out = []
    for g in grads:
        optimizer.apply_gradients([(t.constant(g, dtype="float32"), w)])
        out.append(w.numpy().copy())
    return np.array(out)


def show_example() -> None:
    """The same constant gradient, given 10 times to each optimizer: the updates."""
    g = [2.0, 0.02, -0.5]
    grads = np.tile(np.array(g, dtype="float32"), (10, 1))
    print(f"gradient g = {g} at every step, learning rate {LEARNING_RATE}")
    print(f"{'optimizer':<15}  {'update at step 1':<28}  update at step 10")
    with np.printoptions(precision=4, suppress=False):
        for name in OPTIMIZERS:
            path = np.vstack([np.zeros(3), keras_trajectory(name, grads, np.zeros(3))])
            steps = np.diff(path, axis=0)
            print(f"{name:<15}  {np.array2string(steps[0]):<28}  {np.array2string(steps[-1])}")


def cross_check(steps: int = 10, seed_value: int = 0) -> dict[str, float]:
    """NumPy's update rules reproduce Keras's optimizers step by step.

    Each optimizer gets the same sequence of random gradients, whose scales
    differ by orders of magnitude between the 6 weights; the weights after
    every step must agree (``assert_allclose``).
    """
    rng = np.random.default_rng(seed_value)
    scales = np.array([1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0])
    grads = (rng.normal(size=(steps, 6)) * scales).astype("float32")
    w0 = rng.normal(size=6).astype("float32")
    out = {}
    for name in OPTIMIZERS:
        ours = numpy_trajectory(name, grads, w0)
        theirs = keras_trajectory(name, grads, w0)
        np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-6)
        out[f"{name}: max |Keras - NumPy| over {steps} steps"] = float(np.abs(theirs - ours).max())
    adam_moves = np.abs(numpy_trajectory("Adam", grads, w0)[-1] - w0)
    sgd_moves = np.abs(numpy_trajectory("SGD", grads, w0)[-1] - w0)
    out["SGD: distance moved, largest / smallest gradient scale"] = float(
        sgd_moves[-1] / sgd_moves[0])
    out["Adam: distance moved, largest / smallest gradient scale"] = float(
        adam_moves[-1] / adam_moves[0])
    return out


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# --- Training the same model with each optimizer -----------------------------


def task_data(n: int = 512, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small regression task: y = sin(3 x1) cos(3 x2) on the square [-1, 1]²."""
    x = np.random.default_rng(seed_value).uniform(-1, 1, size=(n, 2)).astype("float32")
    y = (np.sin(3 * x[:, 0]) * np.cos(3 * x[:, 1]))[:, None].astype("float32")
    return x, y


def mlp(seed_value: int = 0):
    """Two tanh layers of 32 units; the same seed gives the same initial weights."""
    k = keras()
    seed(seed_value)
    return k.Sequential([
        k.Input((2,)),
        k.layers.Dense(32, activation="tanh"),
        k.layers.Dense(32, activation="tanh"),
        k.layers.Dense(1),
    ])


@functools.cache
def train(name: str) -> np.ndarray:
    """Full-batch training with optimizer ``name``; the loss every RECORD_EVERY steps.

    Same data, same initial weights, same learning rate (0.01) and number of
    steps for every optimizer. The loss is the MSE divided by the variance of
    the targets: 1.0 is what predicting the mean achieves.
    """
    k, t = keras(), tf()
    x, y = task_data()
    model = mlp()
    optimizer = keras_optimizer(name)
    optimizer.build(model.trainable_variables)
    loop, loss_fn = full_batch_loop(), k.losses.MeanSquaredError()
    xs, ys, chunk = t.constant(x), t.constant(y), t.constant(RECORD_EVERY)
    losses = [float(np.mean((model(x).numpy() - y) ** 2) / y.var())]
    for _ in range(STEPS // RECORD_EVERY):
        loop(model, optimizer, loss_fn, xs, ys, chunk)
        losses.append(float(np.mean((model(x).numpy() - y) ** 2) / y.var()))
    return np.array(losses)


def steps_to_reach(losses: np.ndarray, target: float = TARGET) -> int | str:
    """The first recorded step with loss below ``target``, or "never".

    >>> steps_to_reach(np.array([1.0, 0.5, 0.05]))
    20
    >>> steps_to_reach(np.array([1.0, 0.5]))
    'never'
    """
    below = np.flatnonzero(losses < target)
    return int(below[0]) * RECORD_EVERY if below.size else "never"


def show_training() -> None:
    """Loss after 100 and 400 steps, and steps to reach a loss of 0.1, per optimizer."""
    print(f"{'optimizer':<15} {'loss at 100':>12} {'loss at 400':>12} {'steps to 0.1':>13}")
    for name in OPTIMIZERS:
        losses = train(name)
        print(f"{name:<15} {losses[100 // RECORD_EVERY]:>12.4f} {losses[-1]:>12.4f}"
              f" {steps_to_reach(losses)!s:>13}")


# --- Plots ---------------------------------------------------------------------


def update_after_steady_gradient(steps: int = 20) -> dict[str, np.ndarray]:
    """|update| at step ``steps`` of a constant gradient, for gradients from 1e-5 to 1e2.

    One weight per gradient size, all in one variable, so each optimizer runs once.
    """
    g = np.logspace(-5, 2, 57).astype("float32")
    out = {"gradient": g}
    for name in OPTIMIZERS:
        path = keras_trajectory(name, np.tile(g, (steps, 1)), np.zeros_like(g))
        out[name] = np.abs(path[-1] - path[-2])
    return out


def plot_optimizers():
    """Left: update size against gradient size. Right: training loss per optimizer."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    upd = update_after_steady_gradient()
    for name in OPTIMIZERS:
        ax1.plot(upd["gradient"], upd[name], label=name, ls="--" if name == "RMSprop" else "-",
                 lw=2.5 if name == "Adam" else 1.5)
        losses = train(name)
        ax2.plot(np.arange(len(losses)) * RECORD_EVERY, losses, label=name)
    ax1.axhline(LEARNING_RATE, color="k", ls=":", lw=1, label="learning rate")
    ax1.set(xscale="log", yscale="log", xlabel="gradient g (constant)",
            ylabel="|update| at step 20", title="Step size against gradient size")
    ax1.legend(loc="lower right", fontsize=8)
    ax2.axhline(TARGET, color="k", ls=":", lw=1)
    ax2.set(yscale="log", xlabel="full-batch step", ylabel="loss / target variance",
            title=f"Same model and data, learning rate {LEARNING_RATE}")
    ax2.legend(loc="lower left", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_training, plot_optimizers, show_cross_check)
