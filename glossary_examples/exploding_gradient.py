"""Exploding gradient (梯度爆炸): the backpropagated gradient grows geometrically with depth or time.

The chain rule multiplies one Jacobian per layer (or time step); when those
factors are larger than 1 the gradient that reaches early layers or early
inputs grows exponentially, and one SGD step can throw the weights so far that
the loss becomes ``inf`` or ``nan``. For a linear recurrent layer whose
recurrent matrix is ``rho`` times an orthogonal matrix, the factor per step is
exactly ``rho``:

>>> q = np.linalg.qr(np.random.default_rng(0).normal(size=(4, 4)))[0]
>>> v = np.ones(4)
>>> round(float(np.linalg.norm(np.linalg.matrix_power((1.2 * q).T, 10) @ v) / np.linalg.norm(v)), 4)
6.1917
>>> round(1.2 ** 10, 4)
6.1917

The per-layer and per-time-step measurements come from
:mod:`glossary_examples.vanishing_gradient`; the training runs, and the
clipping that is the usual remedy, from :mod:`glossary_examples.gradient_clipping`.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from .gradient_clipping import (
    clipped_steps,
    EXPLODING_GAIN,
    final_losses,
    max_step,
    rnn_task,
    rnn_weights,
    Run,
    SAFETY_NET,
    select,
    target_variance,
    train_runs,
    TRAIN_STEPS,
    UNITS,
)
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower
from .vanishing_gradient import (
    DEPTH,
    STEPS,
    grouped_layer_gradients,
    grouped_time_step_gradients,
    random_batch,
    random_sequences,
    recurrent_weights,
    stacked_kernels,
)

GAINS = (0.9, 1.0, 1.1, 1.2)  # spectral radius of the recurrent kernel
LEARNING_RATES = (0.01, 0.1)
THRESHOLDS = (0.01, 1.0, 100.0, 10000.0)  # clipnorm values tried
REFERENCE_LR = 0.01


def growth_per_step(norms: np.ndarray) -> np.ndarray:
    """Average factor by which the gradient grows per step (or layer) going back
    (along the last axis: one value per seed for a (seeds, steps) array).

    >>> float(growth_per_step(np.array([8.0, 4.0, 2.0, 1.0])))
    2.0
    """
    norms = np.asarray(norms)
    return (norms[..., 0] / norms[..., -1]) ** (1.0 / (norms.shape[-1] - 1))


def linear_rnn(gain: float):
    """A function of the seed: a 32-unit ``SimpleRNN`` without activation whose
    recurrent kernel is ``gain`` × an orthogonal matrix, so every eigenvalue has
    modulus ``gain``."""
    return lambda s: keras.layers.SimpleRNN(
        32, activation="linear", kernel_initializer=keras.initializers.GlorotUniform(seed=s),
        recurrent_initializer=keras.initializers.Orthogonal(gain=gain, seed=s))


@functools.cache
def time_step_growth() -> dict[float, dict]:
    """‖∂L/∂x_t‖ over 50 steps, for every seed, of the linear RNN at each gain."""
    x, y = random_sequences()
    layers = {gain: recurrent_weights(linear_rnn(gain)) for gain in GAINS}
    norms = grouped_time_step_gradients(layers, x, y)  # all gains in one stacked pass
    return {gain: {"norms": norms[gain],
                   "radius": [float(np.abs(np.linalg.eigvals(w.astype("float64"))).max())
                              for w in weights[1]]}
            for gain, (_, weights) in layers.items()}


def deep_net_setups() -> dict:
    """12-layer nets: a healthy one and two with too-large initial weights."""
    return {
        "ReLU, He std": ("relu", lambda s: keras.initializers.HeNormal(seed=s)),
        "ReLU, 1.5 x He std": ("relu", lambda s: keras.initializers.VarianceScaling(
            scale=2.0 * 1.5**2, mode="fan_in", distribution="truncated_normal", seed=s)),
        "tanh, std 3/sqrt(fan_in)": ("tanh", lambda s: keras.initializers.VarianceScaling(
            scale=9.0, mode="fan_in", distribution="truncated_normal", seed=s)),
    }


@functools.cache
def deep_net_growth() -> dict[str, dict[str, np.ndarray]]:
    """:func:`~glossary_examples.vanishing_gradient.layer_gradients` of each net, every seed."""
    x, y = random_batch()
    return grouped_layer_gradients({name: (activation, stacked_kernels(init))
                                    for name, (activation, init) in deep_net_setups().items()},
                                   x, y)


def forward_growth(gain: float = EXPLODING_GAIN) -> np.ndarray:
    """‖h_t‖ / ‖h_1‖ of the trained network's linear RNN at its initial weights,
    on its own task, per seed and step: the forward pass grows too."""
    out = []
    for s in range(SEEDS):
        kernel, recurrent, bias, _, _ = rnn_weights(gain, s)
        x, _ = rnn_task(s)
        h, norms = np.zeros((len(x), UNITS)), []
        for t in range(x.shape[1]):
            h = x[:, t, None] * kernel + h @ recurrent + bias
            norms.append(np.linalg.norm(h))
        out.append(np.array(norms) / norms[0])
    return np.array(out)


def numpy_input_gradients(kernel, recurrent, head, x, y) -> np.ndarray:
    """‖∂L/∂x_t‖ of a linear RNN with a linear read-out, from the formula.

    In Keras's row layout, h_t = x_t K + h_(t−1) R with ``kernel`` K and
    ``recurrent`` R, so ∂L/∂x_t = δ_T (Rᵀ)^(T−t) Kᵀ with δ_T = ∂L/∂h_T of the
    mean squared error (biases are 0 at initialisation).
    """
    x, y = np.asarray(x, "float64"), np.asarray(y, "float64")
    kernel, recurrent, head = (np.asarray(a, "float64") for a in (kernel, recurrent, head))
    h = np.zeros((x.shape[0], recurrent.shape[0]))
    for t in range(x.shape[1]):
        h = x[:, t] @ kernel + h @ recurrent
    delta = 2.0 * (h @ head - y) @ head.T / y.size  # ∂L/∂h_T
    norms = []
    for _ in range(x.shape[1]):  # t = T, T−1, ..., 1
        norms.append(np.linalg.norm(delta @ kernel.T))
        delta = delta @ recurrent.T
    return np.array(norms[::-1])


def cross_check(gain: float = EXPLODING_GAIN) -> dict[str, float]:
    """The formula's gradient equals ``tf.GradientTape`` through Keras's
    ``SimpleRNN`` (asserted), and grows by the spectral radius per step."""
    x, y = random_sequences()
    layer = linear_rnn(gain)(0)
    head = keras.initializers.GlorotUniform(seed=1000)((32, 1)).numpy()
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_mean(tf.square(layer(xt) @ head - y))
    g = tape.gradient(loss, xt).numpy().astype("float64")
    keras_norms = np.sqrt((g**2).sum(axis=(0, 2)))
    kernel, recurrent, _ = layer.get_weights()
    np_norms = numpy_input_gradients(kernel, recurrent, head, x, y)
    np.testing.assert_allclose(keras_norms, np_norms, rtol=1e-3)
    return {
        "largest relative difference, NumPy vs Keras": float(np.abs(keras_norms / np_norms - 1).max()),
        "spectral radius of recurrent_kernel": float(
            np.abs(np.linalg.eigvals(recurrent.astype("float64"))).max()),
        "growth per step, NumPy": float(growth_per_step(np_norms)),
        f"‖∂L/∂x_1‖ / ‖∂L/∂x_{STEPS}‖": float(np_norms[0] / np_norms[-1]),
        f"gain ** {STEPS - 1}": gain ** (STEPS - 1),
    }


@functools.cache
def training_runs() -> dict:
    """The claim's runs, each on ``SEEDS`` seeds, trained by the stacked loop of
    :func:`~glossary_examples.gradient_clipping.train_runs` (Keras's rules)."""
    seeds = range(SEEDS)
    runs = [Run(1.0, s, REFERENCE_LR, mode, SAFETY_NET)
            for mode in ("clipnorm", "no clipping") for s in seeds]
    runs += [Run(EXPLODING_GAIN, s, REFERENCE_LR) for s in seeds]
    runs += [Run(EXPLODING_GAIN, s, lr, "clipnorm", c)
             for lr in LEARNING_RATES for c in THRESHOLDS for s in seeds]
    return train_runs(runs)


def _spread_or_diverged(values: np.ndarray):
    bad = int(np.sum(~np.isfinite(values)))
    return Spread.of(values) if bad == 0 else f"diverged on {bad} of {len(values)} seeds"


def _glue_claim_numbers(res, reference, clipped, first_norm, healthy_plain) -> None:
    """The numbers the claim box quotes (glued for the page's prose)."""
    final = functools.partial(final_losses, res, gain=EXPLODING_GAIN, mode="clipnorm")
    glue("ref_lr", REFERENCE_LR)
    glue("ref_mean", reference.mean)
    glue("first_norm_min", float(first_norm.min()))
    glue("healthy_diverged", int(np.sum(~np.isfinite(healthy_plain))))
    glue("safety_steps", int(clipped_steps(res, gain=1.0, mode="clipnorm").max()))
    glue("c1_slow_min", float(np.min(final(lr=0.01, threshold=1.0))))
    glue("c1_slow_clipped", int(clipped[(0.01, 1.0)].min()))
    glue("c1_fast_mean", float(np.mean(final(lr=0.1, threshold=1.0))))
    glue("c100_slow_mean", float(np.mean(final(lr=0.01, threshold=100.0))))
    glue("c100_slow_clipped", int(clipped[(0.01, 100.0)].max()))
    glue("c100_fast_diverged", int(np.sum(~np.isfinite(final(lr=0.1, threshold=100.0)))))
    glue("max_move", max_step(0.01, 1.0) * TRAIN_STEPS)
    glue("predict_zero", target_variance())


def check_exploding_gradient_clipping() -> ClaimCheck:
    """Claim: it can be solved easily by clipping gradients below a certain value.

    A setting "works" when no seed diverged and its final losses are not all
    above those of the reference: the network that never had the problem
    (Keras's default recurrent initializer, radius 1) at learning rate 0.01,
    with a loose ``clipnorm`` as safety net. Ranges that overlap are no
    difference. "Easily" would mean that every threshold tried works, at both
    learning rates.
    """
    res = training_runs()
    final = functools.partial(final_losses, res)
    reference = Spread.of(final(gain=1.0, lr=REFERENCE_LR, mode="clipnorm"))
    works, rows, clipped = {}, {}, {}
    for lr in LEARNING_RATES:
        for c in THRESHOLDS:
            v = final(gain=EXPLODING_GAIN, lr=lr, mode="clipnorm", threshold=c)
            ok = bool(np.all(np.isfinite(v))) and not lower(reference, Spread.of(v))
            works[(lr, c)] = ok
            rows[f"lr {lr:g}, clipnorm={c:g} (lr·c = {lr * c:g})"] = _spread_or_diverged(v)
            clipped[(lr, c)] = clipped_steps(res, gain=EXPLODING_GAIN, lr=lr,
                                                      mode="clipnorm", threshold=c)
    unclipped = final(gain=EXPLODING_GAIN, lr=REFERENCE_LR, mode="no clipping")
    diverged_without = bool(np.all(~np.isfinite(unclipped)))
    if not any(works.values()):
        verdict = "wrong"
    elif all(works.values()) and diverged_without:
        verdict = "holds"
    else:
        verdict = "conditions"
    first_norm = res["raw norm"][select(res, gain=EXPLODING_GAIN), 0]
    healthy_plain = final(gain=1.0, lr=REFERENCE_LR, mode="no clipping")
    _glue_claim_numbers(res, reference, clipped, first_norm, healthy_plain)
    glue("n_works", sum(works.values()))
    return ClaimCheck(
        "exploding-gradient-clipping",
        verdict,
        {
            "raw gradient norm at step 1, radius 1.2 (smallest seed)": float(first_norm.min()),
            "radius 1.2, no clipping, lr 0.01": _spread_or_diverged(unclipped),
            "radius 1 (Keras default), no clipping, lr 0.01": _spread_or_diverged(healthy_plain),
            f"reference: radius 1, lr 0.01, clipnorm={SAFETY_NET:g}": reference,
            "loss of always predicting 0": target_variance(),
            **{f"radius 1.2, {name}": value for name, value in rows.items()},
            **{f"steps clipped, lr {lr:g}, c {c:g} (fewest–most seed; until nan)":
               f"{int(n.min())}–{int(n.max())} of {TRAIN_STEPS}"
               for (lr, c), n in clipped.items()},
            "settings that train as well as the reference": [
                f"lr {lr:g}, c {c:g}" for (lr, c), ok in works.items() if ok],
        },
    )


def plot_growth():
    """Left: ‖∂L/∂x_t‖ over time steps per gain. Right: ‖∂L/∂h_l‖ per layer."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    steps = np.arange(1, STEPS + 1)
    for i, (gain, run) in enumerate(time_step_growth().items()):
        g = run["norms"]
        ax1.fill_between(steps, g.min(axis=0), g.max(axis=0), color=f"C{i}", alpha=0.2, lw=0)
        ax1.semilogy(steps, np.median(g, axis=0), color=f"C{i}", label=f"spectral radius {gain:g}")
    ax1.set(xlabel=f"time step t of the input (loss after step {STEPS})",
            ylabel=r"$\|\partial L/\partial x_t\|$", title=f"Linear SimpleRNN, {SEEDS} seeds")
    ax1.legend(fontsize=8)
    layers = np.arange(1, DEPTH + 1)
    for i, (name, g) in enumerate(deep_net_growth().items()):
        b = g["backprop"]
        ax2.fill_between(layers, b.min(axis=0), b.max(axis=0), color=f"C{i}", alpha=0.2, lw=0)
        ax2.semilogy(layers, np.median(b, axis=0), marker="o", ms=3, color=f"C{i}", label=name)
    ax2.set(xlabel="layer (1 = next to the input)", ylabel=r"$\|\partial L/\partial h_l\|$",
            title=f"12-layer net, initial weights, {SEEDS} seeds", xticks=layers)
    ax2.legend(fontsize=8)
    return fig


def plot_training():
    """Training loss of the radius-1.2 RNN per threshold, at both learning rates."""
    import matplotlib.pyplot as plt

    res = training_runs()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained", sharey=True)
    steps = np.arange(1, TRAIN_STEPS + 1)
    ref = res["loss"][select(res, gain=1.0, lr=REFERENCE_LR, mode="clipnorm")]
    for ax, lr in zip(axes, LEARNING_RATES):
        ax.plot(steps, np.median(ref, axis=0), "k--", lw=1,
                label=f"reference: radius 1, lr {REFERENCE_LR:g}, clipnorm={SAFETY_NET:g}")
        for i, c in enumerate(THRESHOLDS):
            loss = res["loss"][select(res, gain=EXPLODING_GAIN, lr=lr, mode="clipnorm",
                                               threshold=c)]
            ax.fill_between(steps, np.fmin.reduce(loss, axis=0), np.fmax.reduce(loss, axis=0),
                            color=f"C{i}", alpha=0.2, lw=0)  # fmin/fmax skip nan
            bad = int(np.sum(~np.isfinite(loss[:, -1])))
            ax.semilogy(steps, np.nanmedian(loss, axis=0) if bad < len(loss) else loss[0],
                        color=f"C{i}", label=f"clipnorm={c:g}"
                        + (f" ({bad} of {len(loss)} diverged)" if bad else ""))
        ax.set(xlabel="training step (full-batch SGD)", title=f"radius 1.2, lr {lr:g}",
               ylim=(1e-4, 1e7))
        ax.legend(fontsize=7, loc="upper right")
    axes[0].set_ylabel(f"loss (median and range, {SEEDS} seeds)")
    return fig


def show_example() -> None:
    """Gradient growth over time steps and over layers, and the forward pass."""
    print(f"linear SimpleRNN: spectral radius, growth per step back ({SEEDS} seeds),"
          f" ‖∂L/∂x_1‖ / ‖∂L/∂x_{STEPS}‖ (median)")
    growth = time_step_growth()
    print(table({f"gain {gain:g}": [max(run["radius"]), str(Spread.of(growth_per_step(run["norms"]))),
                                    float(np.median(run["norms"][:, 0] / run["norms"][:, -1]))]
                 for gain, run in growth.items()}))
    glue("growth_12_mean", float(np.mean(growth_per_step(growth[EXPLODING_GAIN]["norms"]))))
    glue("pow49", EXPLODING_GAIN ** (STEPS - 1))
    print(f"12-layer net: growth per layer going back ({SEEDS} seeds),"
          " ‖∂L/∂h_1‖ / ‖∂L/∂h_12‖ (median)")
    deep = deep_net_growth()
    print(table({name: [str(Spread.of(growth_per_step(g["backprop"]))),
                        float(np.median(g["backprop"][:, 0] / g["backprop"][:, -1]))]
                 for name, g in deep.items()}))
    for key, name in (("he", "ReLU, He std"), ("he15", "ReLU, 1.5 x He std"),
                      ("tanh3", "tanh, std 3/sqrt(fan_in)")):
        glue(f"layer_growth_{key}", float(np.median(growth_per_step(deep[name]["backprop"]))))
    fwd = forward_growth()
    t_last = fwd.shape[1]
    print(f"forward pass of the trained task's RNN (radius {EXPLODING_GAIN:g}):"
          f" ‖h_{t_last}‖ / ‖h_1‖ over {SEEDS} seeds: {Spread.of(fwd[:, -1])};"
          f" {EXPLODING_GAIN:g}^{t_last - 1} = {EXPLODING_GAIN ** (t_last - 1):.4g}")
    glue("pow29", EXPLODING_GAIN ** (t_last - 1))  # x_1's contribution to h_30 vs h_1
    glue("fwd_min", float(fwd[:, -1].min()))
    glue("fwd_max", float(fwd[:, -1].max()))
    glue("gain", EXPLODING_GAIN)


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_growth,
    show_cross_check,
    check_exploding_gradient_clipping,
    plot_training,
)
