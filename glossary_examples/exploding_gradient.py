"""Exploding gradient (梯度爆炸): the backpropagated gradient grows geometrically with depth or time.

The chain rule multiplies one Jacobian per layer (or time step); when those
factors are larger than 1 the gradient that reaches early layers or early
inputs grows exponentially, and one SGD step can throw the weights so far that
the loss becomes ``inf`` or ``nan``. Gradient clipping (梯度裁剪) rescales the
gradient before the update so its norm (``clipnorm``, ``global_clipnorm``) or
each element (``clipvalue``) stays below a threshold:

>>> [g.tolist() for g in numpy_clip([np.array([3.0, 4.0])], "clipnorm", 1.0)]
[[0.6, 0.8]]
>>> [g.tolist() for g in numpy_clip([np.array([3.0, 4.0])], "clipvalue", 1.0)]
[[1.0, 1.0]]
>>> [g.tolist() for g in numpy_clip([np.array([3.0]), np.array([4.0])], "global_clipnorm", 1.0)]
[[0.6], [0.8]]

The per-layer and per-time-step measurements come from
:mod:`glossary_examples.vanishing_gradient`.
"""

from __future__ import annotations

import functools

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import keras, seed, tf
from .vanishing_gradient import (
    DEPTH,
    STEPS,
    dense_stack,
    first_to_last,
    layer_gradients,
    random_batch,
    random_sequences,
    time_step_gradients,
)

GAINS = (0.9, 1.0, 1.1, 1.2)  # spectral radius of the recurrent kernel
EXPLODING_GAIN = 1.2
LEARNING_RATE = 0.01
TRAIN_STEPS = 200
SEQUENCE = 30  # time steps of the training task
THRESHOLDS = (0.01, 1.0, 100.0, 10000.0)  # clipnorm values tried
# A clipped run "works" when its final loss is at most this many times the
# final loss of the same network started from Keras's default (non-exploding)
# recurrent initializer and trained without clipping.
AS_GOOD_AS = 2.0


def linear_rnn(gain: float, units: int = 32):
    """A SimpleRNN without activation whose recurrent kernel is ``gain`` × an
    orthogonal matrix, so every eigenvalue has modulus ``gain``."""
    k = keras()
    return k.layers.SimpleRNN(
        units,
        activation="linear",
        recurrent_initializer=k.initializers.Orthogonal(gain=gain, seed=0),
        seed=0,
    )


def spectral_radius(rnn) -> float:
    """Largest eigenvalue modulus of a built SimpleRNN's recurrent kernel."""
    w = rnn.cell.recurrent_kernel.numpy().astype("float64")
    return float(np.abs(np.linalg.eigvals(w)).max())


def growth_per_step(norms: np.ndarray) -> float:
    """Average factor by which the gradient grows per step (or layer) going back.

    >>> round(growth_per_step(np.array([8.0, 4.0, 2.0, 1.0])), 6)
    2.0
    """
    return float(first_to_last(norms) ** (1.0 / (len(norms) - 1)))


@functools.cache
def time_step_growth() -> dict[float, dict]:
    """‖∂L/∂x_t‖ over 50 steps for a linear SimpleRNN at each gain in ``GAINS``."""
    x, y = random_sequences()
    out = {}
    for gain in GAINS:
        seed(0)
        rnn = linear_rnn(gain)
        norms = time_step_gradients(rnn, x, y)
        out[gain] = {"norms": norms, "radius": spectral_radius(rnn)}
    return out


def deep_net_setups() -> dict:
    """12-layer nets: a healthy one and two with too-large initial weights."""
    k = keras()
    return {
        "ReLU, He std": ("relu", "he_normal"),
        "ReLU, 1.5 x He std": ("relu", lambda: k.initializers.VarianceScaling(
            scale=2.0 * 1.5**2, mode="fan_in", distribution="truncated_normal")),
        "tanh, std 3/sqrt(fan_in)": ("tanh", lambda: k.initializers.VarianceScaling(
            scale=9.0, mode="fan_in", distribution="truncated_normal")),
    }


@functools.cache
def deep_net_growth() -> dict[str, dict[str, np.ndarray]]:
    """:func:`~glossary_examples.vanishing_gradient.layer_gradients` of each net."""
    x, y = random_batch()
    out = {}
    for name, (activation, init) in deep_net_setups().items():
        seed(0)
        out[name] = layer_gradients(dense_stack(activation, init), x, y)
    return out


def numpy_clip(grads, mode: str, threshold: float) -> list[np.ndarray]:
    """The three Keras clipping rules in NumPy, for a list of per-variable gradients."""
    grads = [np.asarray(g, dtype="float64") for g in grads]
    if mode == "clipnorm":  # each variable's gradient on its own
        return [g * threshold / max(np.linalg.norm(g), threshold) for g in grads]
    if mode == "global_clipnorm":  # all gradients together, as one vector
        total = np.sqrt(sum(np.sum(g**2) for g in grads))
        return [g * threshold / max(total, threshold) for g in grads]
    if mode == "clipvalue":  # every element on its own
        return [np.clip(g, -threshold, threshold) for g in grads]
    raise ValueError(f"unknown clipping mode {mode!r}")


def keras_sgd_step(weights, grads, mode: str, threshold: float, lr: float = 0.1):
    """One ``keras.optimizers.SGD(learning_rate=lr, <mode>=threshold)`` step.

    Returns the new weights and the gradient the optimizer actually applied,
    ``(old − new) / lr``.
    """
    k = keras()
    variables = [k.Variable(np.asarray(w, dtype="float32")) for w in weights]
    optimizer = k.optimizers.SGD(learning_rate=lr, **{mode: threshold})
    optimizer.apply_gradients(zip([np.asarray(g, dtype="float32") for g in grads], variables))
    new = [v.numpy() for v in variables]
    applied = [(np.asarray(w, "float64") - n) / lr for w, n in zip(weights, new)]
    return new, applied


def _cosine(a, b) -> float:
    a, b = np.ravel(a), np.ravel(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def cross_check(threshold: float = 1.0, lr: float = 0.1) -> dict[str, list[float]]:
    """Keras's clipped SGD step equals the NumPy-clipped update, for every mode.

    The gradient of a 4×3 kernel is large (norm about 20); the bias gradient is
    small (norm below the threshold).
    """
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    grads = [rng.normal(scale=5.0, size=(4, 3)), np.array([0.3, -0.2, 0.1])]
    raw_all = np.concatenate([g.ravel() for g in grads])
    rows = {"raw gradient": [float(np.linalg.norm(grads[0])), float(np.linalg.norm(grads[1])),
                             1.0, 1.0]}
    for mode in ("clipnorm", "global_clipnorm", "clipvalue"):
        new, applied = keras_sgd_step(weights, grads, mode, threshold, lr)
        expected = numpy_clip(grads, mode, threshold)
        for w, n, e in zip(weights, new, expected):
            np.testing.assert_allclose(n, w - lr * e, rtol=1e-6, atol=1e-6)
        applied_all = np.concatenate([a.ravel() for a in applied])
        rows[f"{mode}={threshold:g}"] = [
            float(np.linalg.norm(applied[0])),
            float(np.linalg.norm(applied[1])),
            _cosine(applied[0], grads[0]),
            _cosine(applied_all, raw_all),
        ]
    return rows


def _task(seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs: 256 sequences of 30 numbers; target: sum of the last 5 / √5."""
    x = np.random.default_rng(seed_value).normal(size=(256, SEQUENCE, 1)).astype("float32")
    y = x[:, -5:, :].sum(axis=1) / np.sqrt(5.0)
    return x, y.astype("float32")


def train_rnn(gain: float, clip: dict, steps: int = TRAIN_STEPS, lr: float = LEARNING_RATE):
    """Full-batch SGD on :func:`_task` with a 16-unit linear SimpleRNN and a Dense read-out.

    ``clip`` is passed to ``keras.optimizers.SGD`` (e.g. ``{"clipnorm": 1.0}``),
    so Keras does the clipping. Returns the loss and the *raw* (unclipped)
    global gradient norm at every step; a run stops at the first ``nan``/``inf``.
    """
    k, t = keras(), tf()
    x, y = _task()
    seed(0)
    model = k.Sequential([k.Input((SEQUENCE, 1)), linear_rnn(gain, units=16), k.layers.Dense(1)])
    optimizer = k.optimizers.SGD(learning_rate=lr, **clip)
    x, y = t.constant(x), t.constant(y)

    @t.function
    def step():
        with t.GradientTape() as tape:
            loss = t.reduce_mean(t.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss, t.linalg.global_norm(grads)

    loss, norm = np.full(steps, np.nan), np.full(steps, np.nan)
    for i in range(steps):
        loss[i], norm[i] = (float(v) for v in step())
        if not (np.isfinite(loss[i]) and np.isfinite(norm[i])):
            break
    return {"loss": loss, "raw gradient norm": norm}


@functools.cache
def training_runs() -> dict[str, dict[str, np.ndarray]]:
    """The exploding net (gain 1.2) without clipping and with every threshold,
    and the same net from Keras's default recurrent init (gain 1), unclipped."""
    runs = {"gain 1.2, no clipping": train_rnn(EXPLODING_GAIN, {})}
    for c in THRESHOLDS:
        runs[f"gain 1.2, clipnorm={c:g}"] = train_rnn(EXPLODING_GAIN, {"clipnorm": c})
    runs["gain 1 (Keras default), no clipping"] = train_rnn(1.0, {})
    return runs


def _final(loss: np.ndarray) -> float:
    """The loss after the last step, ``nan`` if the run diverged."""
    return float(loss[-1])


def check_exploding_gradient_clipping() -> ClaimCheck:
    """Claim: it can be solved easily by clipping gradients below a certain value.

    Clipping solves it when some threshold lets the exploding network train as
    well as a network that never had the problem; "easily" would mean that any
    reasonable threshold does. The thresholds tried span 0.01 to 10 000, all
    below the raw gradient norm at the start.
    """
    runs = training_runs()
    healthy = _final(runs["gain 1 (Keras default), no clipping"]["loss"])
    unclipped = runs["gain 1.2, no clipping"]
    diverged_without = not np.isfinite(_final(unclipped["loss"]))
    finals = {c: _final(runs[f"gain 1.2, clipnorm={c:g}"]["loss"]) for c in THRESHOLDS}
    works = {c: bool(np.isfinite(v) and v <= AS_GOOD_AS * healthy) for c, v in finals.items()}
    growth = time_step_growth()[EXPLODING_GAIN]["norms"]
    clipped_steps = {
        c: int(np.sum(runs[f"gain 1.2, clipnorm={c:g}"]["raw gradient norm"] > c))
        for c in THRESHOLDS
    }
    if not any(works.values()):
        verdict = "wrong"
    elif all(works.values()) and diverged_without:
        verdict = "holds"
    else:
        verdict = "conditions"
    return ClaimCheck(
        "exploding-gradient-clipping",
        verdict,
        {
            "gradient growth per time step, gain 1.2": growth_per_step(growth),
            "raw gradient norm at step 1": float(unclipped["raw gradient norm"][0]),
            "no clipping: diverges (nan)": diverged_without,
            "loss of always predicting 0": float(np.mean(_task()[1] ** 2)),
            "final loss, Keras default init, no clipping": healthy,
            **{f"final loss, clipnorm={c:g}": v for c, v in finals.items()},
            **{f"steps with raw norm > {c:g} (of {TRAIN_STEPS})": n
               for c, n in clipped_steps.items()},
            "thresholds that train as well as default init": [c for c, ok in works.items() if ok],
        },
    )


def plot_growth():
    """Left: ‖∂L/∂x_t‖ over time steps per gain. Right: ‖∂L/∂h_l‖ per layer."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for gain, run in time_step_growth().items():
        ax1.semilogy(np.arange(1, STEPS + 1), run["norms"], label=f"spectral radius {gain:g}")
    ax1.set(xlabel=f"time step t of the input (loss after step {STEPS})",
            ylabel=r"$\|\partial L/\partial x_t\|$", title="Linear SimpleRNN, 50 steps")
    ax1.legend(fontsize=8)
    layers = np.arange(1, DEPTH + 1)
    for name, g in deep_net_growth().items():
        ax2.semilogy(layers, g["backprop"], marker="o", ms=3, label=name)
    ax2.set(xlabel="layer (1 = next to the input)", ylabel=r"$\|\partial L/\partial h_l\|$",
            title="12-layer net, initial weights", xticks=layers)
    ax2.legend(fontsize=8)
    return fig


def plot_clipping():
    """Left: what two rules do to one 2-D gradient. Right: training loss per run."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained",
                                   gridspec_kw={"width_ratios": [1, 1.7]})
    g = np.array([2.0, 1.4])
    ax1.add_patch(plt.Circle((0, 0), 1.0, fill=False, color="C0", ls=":"))
    ax1.add_patch(plt.Rectangle((-1, -1), 2, 2, fill=False, color="C1", ls=":"))
    arrows = {"raw gradient": (g, "k"),
              "clipnorm=1: same direction": (numpy_clip([g], "clipnorm", 1.0)[0], "C0"),
              "clipvalue=1: turned": (numpy_clip([g], "clipvalue", 1.0)[0], "C1")}
    for label, (v, color) in arrows.items():
        ax1.annotate("", xy=v, xytext=(0, 0),
                     arrowprops={"arrowstyle": "->", "color": color, "lw": 2})
        ax1.plot([], [], color=color, lw=2, label=label)
    ax1.set(xlim=(-0.2, 2.3), ylim=(-0.2, 2.2), aspect="equal",
            title="One gradient, clipped at 1")
    ax1.legend(fontsize=7, loc="upper left")
    for name, run in training_runs().items():
        loss = run["loss"]
        steps = np.arange(1, len(loss) + 1)
        finite = np.flatnonzero(np.isfinite(loss))
        label = name.replace("gain 1.2, ", "")
        if finite.size < len(loss):
            label += f" (nan at step {finite[-1] + 2})"
        (line,) = ax2.semilogy(steps, loss, label=label, ls="--" if "default" in name else "-")
        if finite.size < len(loss):  # diverged: mark the last finite loss
            ax2.plot(steps[finite[-1]], loss[finite[-1]], "x", color=line.get_color(), ms=8)
    ax2.set(xlabel="training step (full-batch SGD, lr 0.01)", ylabel="loss (MSE)",
            title="Training the gain-1.2 RNN (x = diverged)")
    ax2.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def show_example() -> None:
    """Gradient growth over time steps and over layers."""
    print(f"linear SimpleRNN: radius, ‖∂L/∂x_1‖, ‖∂L/∂x_{STEPS}‖, growth per step")
    print(table({f"gain {gain:g}": [run["radius"], float(run["norms"][0]),
                                    float(run["norms"][-1]), growth_per_step(run["norms"])]
                 for gain, run in time_step_growth().items()}))
    print(f"12-layer net: ‖∂L/∂h_1‖, ‖∂L/∂h_{DEPTH}‖, growth per layer, ‖∂L/∂W_1‖")
    print(table({name: [float(g["backprop"][0]), float(g["backprop"][-1]),
                        growth_per_step(g["backprop"]), float(g["kernel"][0])]
                 for name, g in deep_net_growth().items()}))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print("applied gradient: ‖kernel‖, ‖bias‖, cos(kernel, raw), cos(all, raw)")
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_growth,
    plot_clipping,
    show_cross_check,
    check_exploding_gradient_clipping,
)
