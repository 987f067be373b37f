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

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower
from .epoch import stacked_apply, stacked_init

OPTIMIZERS = ("SGD", "SGD + momentum", "RMSprop", "Adam")
LEARNING_RATE = 0.01  # shared by all four in the comparisons
STEPS = 400
RECORD_EVERY = 10
TARGET = 0.1  # "reached": loss below a tenth of the target variance
N = 256  # training points
SEED_VALUES = tuple(range(SEEDS))  # initial-weight seeds


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
    return {
        "SGD": lambda: keras.optimizers.SGD(learning_rate=lr),
        "SGD + momentum": lambda: keras.optimizers.SGD(learning_rate=lr, momentum=0.9),
        "RMSprop": lambda: keras.optimizers.RMSprop(learning_rate=lr),
        "Adam": lambda: keras.optimizers.Adam(learning_rate=lr),
    }[name]()


def keras_trajectory(name: str, grads: np.ndarray, w0: np.ndarray, lr: float = LEARNING_RATE):
    """The weights after each of the given gradients, applied by ``apply_gradients``."""
    w = tf.Variable(np.asarray(w0, dtype="float32"))
    optimizer = keras_optimizer(name, lr)
    out = []
    for g in grads:
        optimizer.apply_gradients([(tf.constant(g, dtype="float32"), w)])
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


def task_data(n: int = N, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small regression task: y = sin(3 x1) cos(3 x2) on the square [-1, 1]²."""
    x = np.random.default_rng(seed_value).uniform(-1, 1, size=(n, 2)).astype("float32")
    y = (np.sin(3 * x[:, 0]) * np.cos(3 * x[:, 1]))[:, None].astype("float32")
    return x, y


SIZES = [2, 32, 32, 1]  # two tanh layers of 32 units


def unflatten(theta, shapes):
    """The weights [W1, b1, W2, b2, ...] as consecutive pieces of the flat vector ``theta``."""
    parts = tf.split(theta, [int(np.prod(shape)) for shape in shapes])
    return [tf.reshape(part, shape) for part, shape in zip(parts, shapes)]


@functools.cache
def _training_loop():
    """``steps`` full-batch steps of every optimizer's networks, side by side, as one graph.

    Returns each network's loss (MSE / variance of y) after the steps.
    """

    def losses(theta, shapes, x, y):  # per network: (seeds,)
        pred = stacked_apply(unflatten(theta, shapes), x, tf.tanh)
        return tf.reduce_mean(tf.square(pred - y), axis=[1, 2]) / tf.math.reduce_variance(y)

    @tf.function
    def loop(thetas, optimizers, shapes, x, y, steps):
        for _ in tf.range(steps):
            with tf.GradientTape() as tape:
                # Every network's own loss, summed: no weight is shared.
                loss = tf.add_n([tf.reduce_sum(losses(theta, shapes, x, y)) for theta in thetas])
            grads = tape.gradient(loss, thetas)
            for optimizer, grad, theta in zip(optimizers, grads, thetas):
                optimizer.apply_gradients([(grad, theta)])  # each optimizer its own networks
        return tf.stack([losses(theta, shapes, x, y) for theta in thetas])

    return loop


@functools.cache
def train_all() -> dict[str, np.ndarray]:
    """Full-batch training with every optimizer on every seed; the loss every RECORD_EVERY steps.

    Each optimizer trains SEEDS networks (initial-weight seeds 0, 1, ...),
    stacked (``stacked_init``) and kept as one flat vector of weights: an
    element-wise rule such as Adam, applied to the vector, applies to each
    network exactly as if it were alone. Same data, same initial weights per
    seed, same learning rate (0.01) and number of steps for every optimizer.
    The loss is the MSE divided by the variance of the targets: 1.0 is what
    predicting the mean achieves. Returns {optimizer: (seeds, records)}.
    """
    x, y = task_data()
    initial = stacked_init(SIZES, SEED_VALUES)
    shapes = tuple(w.shape for w in initial)
    start = np.concatenate([w.ravel() for w in initial])
    thetas = [tf.Variable(start) for _ in OPTIMIZERS]
    optimizers = [keras_optimizer(name) for name in OPTIMIZERS]
    for optimizer, theta in zip(optimizers, thetas):
        optimizer.build([theta])
    xs = tf.constant(np.broadcast_to(x, (SEEDS, *x.shape)))
    ys, loop = tf.constant(y), _training_loop()
    records = [loop(thetas, optimizers, shapes, xs, ys, tf.constant(0)).numpy()]
    for _ in range(STEPS // RECORD_EVERY):
        records.append(loop(thetas, optimizers, shapes, xs, ys, tf.constant(RECORD_EVERY)).numpy())
    curves = np.stack(records, axis=-1)  # (optimizers, seeds, records)
    return dict(zip(OPTIMIZERS, curves))


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
    """Loss after 100 and 400 steps over the seeds, and steps to reach 0.1, per optimizer."""
    runs = train_all()
    print(f"loss / variance of y, {SEEDS} seeds: mean ± sd (min-max)")
    final = {}
    for name, curves in runs.items():
        at_100, final[name] = Spread.of(curves[:, 100 // RECORD_EVERY]), Spread.of(curves[:, -1])
        reach = [steps_to_reach(c) for c in curves]
        print(f"{name}")
        print(table({"loss at step 100": str(at_100), f"loss at step {STEPS}": str(final[name]),
                     f"steps to {TARGET}, per seed": reach}, indent="  "))
        key = name.lower().replace(" + ", "_").replace(" ", "_")
        glue(f"{key}_100", at_100.mean)
        glue(f"{key}_final", final[name].mean)
        glue(f"{key}_final_min", final[name].min)
        glue(f"{key}_final_max", final[name].max)
        glue(f"{key}_reached", sum(isinstance(r, int) for r in reach))
    order = sorted(final, key=lambda name: final[name].mean)
    print(f"order by mean loss at step {STEPS}: {', '.join(order)}")
    for a, b in zip(order, order[1:]):
        print(f"  {a} below {b} on every seed: {lower(final[a], final[b])}")
    glue("n_seeds", SEEDS)
    glue("learning_rate", LEARNING_RATE)
    glue("steps", STEPS)
    glue("n_points", N)
    glue("target", TARGET)


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
    runs = train_all()
    for name in OPTIMIZERS:
        ax1.plot(upd["gradient"], upd[name], label=name, ls="--" if name == "RMSprop" else "-",
                 lw=2.5 if name == "Adam" else 1.5)
        curves = runs[name]
        steps = np.arange(curves.shape[1]) * RECORD_EVERY
        line, = ax2.plot(steps, curves.mean(axis=0), label=name)
        ax2.fill_between(steps, curves.min(axis=0), curves.max(axis=0), color=line.get_color(),
                         alpha=0.2, lw=0)
    ax1.axhline(LEARNING_RATE, color="k", ls=":", lw=1, label="learning rate")
    ax1.set(xscale="log", yscale="log", xlabel="gradient g (constant)",
            ylabel="|update| at step 20", title="Step size against gradient size")
    ax1.legend(loc="lower right", fontsize=8)
    ax2.axhline(TARGET, color="k", ls=":", lw=1)
    ax2.set(yscale="log", xlabel="full-batch step", ylabel="loss / target variance",
            title=f"Same model and data, learning rate {LEARNING_RATE}, {SEEDS} seeds")
    ax2.legend(loc="lower left", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_training, plot_optimizers, show_cross_check)
