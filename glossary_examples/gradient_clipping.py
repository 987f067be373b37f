"""Gradient clipping (梯度裁剪): shrink a too-large gradient before the optimizer's step.

Keras's optimizers take one of three options. ``clipnorm=c`` rescales each
variable's gradient to norm at most ``c``; ``global_clipnorm=c`` rescales all
of them by one common factor so that their joint norm is at most ``c``;
``clipvalue=c`` clips every element to ``[-c, c]``. Rescaling keeps the
direction of the gradient, clipping element by element does not:

>>> [g.tolist() for g in numpy_clip([np.array([3.0, 4.0])], "clipnorm", 1.0)]
[[0.6, 0.8]]
>>> [g.tolist() for g in numpy_clip([np.array([3.0, 4.0])], "clipvalue", 1.0)]
[[1.0, 1.0]]
>>> [g.tolist() for g in numpy_clip([np.array([3.0]), np.array([4.0])], "global_clipnorm", 1.0)]
[[0.6], [0.8]]

With a learning rate ``lr``, a clipped SGD step moves each variable by at most
``lr * c`` (``clipnorm``): the threshold and the learning rate act together.

>>> max_step(0.01, 1.0), max_step(0.1, 1.0)
(0.01, 0.1)
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, separated

MODES = ("no clipping", "clipnorm", "global_clipnorm", "clipvalue")
UNITS = 16  # units of the exploding recurrent network
SEQUENCE = 30  # time steps of its task
N_SEQUENCES = 32  # training sequences (one full batch)
TRAIN_STEPS = 200  # full-batch SGD steps
EXPLODING_GAIN = 1.2  # spectral radius of the recurrent kernel at the start
LEARNING_RATES = (0.01, 0.1)  # the grid of learning rates × clipnorm thresholds
THRESHOLDS = (0.1, 1.0, 10.0, 100.0)
MODE_LR = 0.1  # where the three modes are compared
MODE_THRESHOLDS = (0.1, 1.0, 10.0)
HEALTHY_LR = 0.01  # the network without the problem (radius 1), with and without
SAFETY_NET = 100.0  # a loose clipnorm threshold, above its usual gradient norms


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


def max_step(lr: float, threshold: float) -> float:
    """The largest distance one clipped SGD step moves a variable (``clipnorm``)."""
    return lr * threshold


def keras_sgd_step(weights, grads, mode: str, threshold: float, lr: float = 1.0):
    """One ``keras.optimizers.SGD(learning_rate=lr, <mode>=threshold)`` step.

    Returns the new weights and the gradient the optimizer actually applied,
    ``(old − new) / lr`` (with ``lr=1``: simply old − new).
    """
    variables = [keras.Variable(np.asarray(w, dtype="float32")) for w in weights]
    optimizer = keras.optimizers.SGD(learning_rate=lr, **{mode: threshold})
    optimizer.apply_gradients(zip([np.asarray(g, dtype="float32") for g in grads], variables))
    new = [v.numpy() for v in variables]
    applied = [(np.asarray(w, "float32") - n) / lr for w, n in zip(weights, new)]
    return new, applied


def _cosine(a, b) -> float:
    a, b = np.ravel(a), np.ravel(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def known_gradients() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights and gradients of a 4×3 kernel and its bias: the kernel's gradient is
    large (norm about 20), the bias's small (norm below 1)."""
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    grads = [rng.normal(scale=5.0, size=(4, 3)), np.array([0.3, -0.2, 0.1])]
    return weights, grads


def cross_check(threshold: float = 1.0) -> dict[str, list[float]]:
    """One SGD step with ``learning_rate=1`` moves the weights by exactly the
    NumPy-clipped gradient, for every mode (asserted)."""
    weights, grads = known_gradients()
    raw_all = np.concatenate([g.ravel() for g in grads])
    rows = {"raw gradient": [float(np.linalg.norm(grads[0])), float(np.linalg.norm(grads[1])),
                             1.0, 1.0]}
    for mode in ("clipnorm", "global_clipnorm", "clipvalue"):
        new, applied = keras_sgd_step(weights, grads, mode, threshold, lr=1.0)
        expected = numpy_clip(grads, mode, threshold)
        for w, n, e in zip(weights, new, expected):
            np.testing.assert_allclose(n, w - e, rtol=1e-6, atol=1e-6)
        applied_all = np.concatenate([a.ravel() for a in applied])
        rows[f"{mode}={threshold:g}"] = [
            float(np.linalg.norm(applied[0])),
            float(np.linalg.norm(applied[1])),
            _cosine(applied[0], grads[0]),
            _cosine(applied_all, raw_all),
        ]
    glue("value_kernel_norm", rows[f"clipvalue={threshold:g}"][0])
    glue("value_kernel_cos", rows[f"clipvalue={threshold:g}"][2])
    glue("norm_all_cos", rows[f"clipnorm={threshold:g}"][3])
    glue("raw_kernel_norm", rows["raw gradient"][0])
    return rows


def direction_example(g=(3.0, 0.5), threshold: float = 1.0) -> dict[str, list[float]]:
    """A 2-element gradient clipped by norm and by value: length and angle."""
    g = np.asarray(g, dtype="float64")
    out = {}
    for name, v in (("raw", g), ("clipnorm", numpy_clip([g], "clipnorm", threshold)[0]),
                    ("clipvalue", numpy_clip([g], "clipvalue", threshold)[0])):
        out[name] = [*v.tolist(), float(np.linalg.norm(v)),
                     float(np.degrees(np.arctan2(v[1], v[0])))]
    glue("angle_raw", out["raw"][3])
    glue("angle_value", out["clipvalue"][3])
    glue("value_norm", out["clipvalue"][2])
    return out


# ── Training an exploding recurrent network, many runs at once ──


class Run(NamedTuple):
    """One training run: initial spectral radius, seed, learning rate, clipping."""

    gain: float
    seed: int
    lr: float
    mode: str = "no clipping"
    threshold: float = 1.0


@functools.cache
def rnn_task(seed_value: int) -> tuple[np.ndarray, np.ndarray]:
    """32 sequences of 30 numbers; target: the sum of the last 5, divided by √5."""
    x = np.random.default_rng(seed_value).normal(size=(N_SEQUENCES, SEQUENCE)).astype("float32")
    y = (x[:, -5:].sum(axis=1) / np.sqrt(5.0)).astype("float32")
    x.setflags(write=False)  # shared by every caller (cached)
    y.setflags(write=False)
    return x, y


@functools.cache  # many runs share a (gain, seed): draw once
def rnn_weights(gain: float, seed_value: int) -> list[np.ndarray]:
    """Initial weights of a linear ``SimpleRNN(16)`` and its ``Dense(1)`` read-out.

    Keras's default initializers, each seeded: ``glorot_uniform`` kernels, zero
    biases, and an orthogonal recurrent kernel times ``gain``, whose every
    eigenvalue then has modulus ``gain``.
    """
    weights = [
        keras.initializers.GlorotUniform(seed=seed_value)((1, UNITS)).numpy(),
        keras.initializers.Orthogonal(gain=gain, seed=seed_value)((UNITS, UNITS)).numpy(),
        np.zeros(UNITS, "float32"),
        keras.initializers.GlorotUniform(seed=100 + seed_value)((UNITS, 1)).numpy(),
        np.zeros(1, "float32"),
    ]
    for w in weights:
        w.setflags(write=False)  # shared by every caller (cached)
    return weights


def clip_stacked(grads, mode, threshold):
    """Keras's three rules for a stack of sub-networks: axis 0 of every gradient
    is the sub-network, whose own mode (0–3, the index in ``MODES``) and
    threshold are used.

    Returns the clipped gradients, each sub-network's raw global norm, and
    whether clipping changed its gradient.
    """
    axes = [list(range(1, len(g.shape))) for g in grads]
    norms = [tf.sqrt(tf.reduce_sum(g**2, axis=a)) for g, a in zip(grads, axes)]
    global_norm = tf.sqrt(tf.add_n([n**2 for n in norms]))  # over all of a sub-network's variables
    largest = {1: tf.reduce_max(tf.stack(norms), axis=0), 2: global_norm,
               3: tf.reduce_max(tf.stack([tf.reduce_max(tf.abs(g), axis=a)
                                        for g, a in zip(grads, axes)]), axis=0)}
    changed = tf.zeros_like(global_norm) > 1.0  # all False
    for m, value in largest.items():
        changed = tf.where(mode == m, value > threshold, changed)
    clipped = []
    for g, n in zip(grads, norms):
        shape = [-1] + [1] * (len(g.shape) - 1)  # broadcast over the variable's axes
        c, m = tf.reshape(threshold, shape), tf.reshape(mode, shape)
        by_norm = g * c / tf.maximum(tf.reshape(n, shape), c)
        by_global = g * c / tf.maximum(tf.reshape(global_norm, shape), c)
        by_value = tf.clip_by_value(g, -c, c)
        clipped.append(tf.where(m == 1, by_norm, tf.where(m == 2, by_global,
                                                           tf.where(m == 3, by_value, g))))
    return clipped, global_norm, changed


@functools.cache
def _stacked_sgd():
    """The compiled training loop of :func:`train_runs` (traced once)."""
    spec = [tf.TensorSpec([None, 1, UNITS]), tf.TensorSpec([None, UNITS, UNITS]),
            tf.TensorSpec([None, UNITS]), tf.TensorSpec([None, UNITS, 1]), tf.TensorSpec([None, 1])]

    @tf.function(input_signature=[spec, tf.TensorSpec([None, N_SEQUENCES, SEQUENCE]),
                                 tf.TensorSpec([None, N_SEQUENCES]), tf.TensorSpec([None]),
                                 tf.TensorSpec([None], tf.int32), tf.TensorSpec([None]),
                                 tf.TensorSpec([], tf.int32)], autograph=False)
    def train(params, x, y, lr, mode, threshold, steps):
        def losses_of(p):  # the loss of every sub-network, shape (runs,)
            kernel, recurrent, bias, head, head_bias = p
            # h_t = x_t W_x + h_(t-1) W_h + b from h_0 = 0 is linear, so the read-out
            # of h_T is sum_t (x_t W_x + b) W_h^(T-t) w: the same function, computed
            # read-out first with one 16-vector u_k = W_h^k w per power (not a
            # 32×16 state per step).
            u = [head[..., 0]]
            for _ in range(SEQUENCE - 1):
                u.append(tf.einsum("ruv,rv->ru", recurrent, u[-1]))
            powers = tf.stack(u[::-1], axis=1)  # (runs, time, units): W_h^(T-t) w
            per_step = tf.einsum("ru,rtu->rt", kernel[:, 0], powers)  # x_t's weight
            out = (tf.einsum("rnt,rt->rn", x, per_step)
                   + tf.einsum("ru,ru->r", bias, tf.add_n(u))[:, None] + head_bias)
            return tf.reduce_mean((out - y) ** 2, axis=1)

        def step(s, params, loss_log, norm_log, clip_log):
            with tf.GradientTape() as tape:
                tape.watch(params)
                losses = losses_of(params)
                total = tf.reduce_sum(losses)  # disjoint weights: each run gets its own gradient
            grads, raw_norm, clipped = clip_stacked(tape.gradient(total, params), mode, threshold)
            params = [p - tf.reshape(lr, [-1] + [1] * (len(p.shape) - 1)) * g
                      for p, g in zip(params, grads)]
            return (s + 1, params, loss_log.write(s, losses), norm_log.write(s, raw_norm),
                    clip_log.write(s, clipped))

        _, params, loss_log, norm_log, clip_log = tf.while_loop(
            lambda s, *_: s < steps, step,
            (tf.constant(0), params, tf.TensorArray(tf.float32, size=steps),
             tf.TensorArray(tf.float32, size=steps), tf.TensorArray(tf.bool, size=steps)))
        return loss_log.stack(), norm_log.stack(), clip_log.stack(), params

    return train


def train_runs(runs, steps: int = TRAIN_STEPS) -> dict[str, np.ndarray]:
    """Full-batch SGD for every :class:`Run`, all at once as one stacked model.

    Each run is a linear ``SimpleRNN(16)`` with a ``Dense(1)`` read-out, on the
    task of its seed; the runs share no weights, so training them together is
    the same as training each alone. Returns, per run and step, the loss, the
    raw (unclipped) gradient norm and whether clipping changed the gradient,
    and the final weights. A run that reaches ``inf``/``nan`` stays ``nan``.
    """
    runs = list(runs)
    weights = [rnn_weights(r.gain, r.seed) for r in runs]
    tasks = {s: rnn_task(s) for s in {r.seed for r in runs}}
    loss, norm, clipped, params = _stacked_sgd()(
        [tf.constant(np.stack(w)) for w in zip(*weights)],
        tf.constant(np.stack([tasks[r.seed][0] for r in runs])),
        tf.constant(np.stack([tasks[r.seed][1] for r in runs])),
        tf.constant([r.lr for r in runs], tf.float32),
        tf.constant([MODES.index(r.mode) for r in runs], tf.int32),
        tf.constant([r.threshold for r in runs], tf.float32),
        tf.constant(steps),
    )
    loss = loss.numpy().T
    loss[~np.isfinite(loss)] = np.nan
    return {"runs": runs, "loss": loss, "raw norm": norm.numpy().T,
            "clipped": clipped.numpy().T, "weights": [p.numpy() for p in params]}


def keras_loss_and_gradient(model):
    """The loss of ``model`` on one task and its gradient, as one compiled function
    (traced once, then reused for every run and step of :func:`keras_reference`)."""

    @tf.function(autograph=False)
    def loss_and_gradient(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x)[:, 0] - y) ** 2)
        return loss, tape.gradient(loss, model.trainable_variables)

    return loss_and_gradient


def keras_reference(model, run: Run, steps: int, loss_and_gradient=None) -> dict[str, np.ndarray]:
    """The same run with a real Keras model and optimizer, step by step."""
    loss_and_gradient = loss_and_gradient or keras_loss_and_gradient(model)
    x, y = rnn_task(run.seed)
    model.set_weights(rnn_weights(run.gain, run.seed))
    clip = {} if run.mode == "no clipping" else {run.mode: run.threshold}
    optimizer = keras.optimizers.SGD(learning_rate=run.lr, **clip)
    losses = []
    for _ in range(steps):
        loss, grads = loss_and_gradient(x[..., None], y)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    return {"loss": np.array(losses), "weights": model.get_weights()}


def check_stacked_training(steps: int = 3) -> dict[str, float]:
    """The stacked training loop equals Keras (``SimpleRNN`` + ``SGD(<mode>=c)``)
    for one run of each mode, over the first steps (asserted)."""
    model = keras.Sequential([keras.Input((SEQUENCE, 1)), keras.layers.SimpleRNN(UNITS, activation="linear"),
                          keras.layers.Dense(1)])
    runs = [Run(EXPLODING_GAIN, 0, 0.1, mode, 1.0) for mode in MODES[1:]]
    stacked = train_runs(runs, steps)
    loss_and_gradient, out = keras_loss_and_gradient(model), {}
    for i, run in enumerate(runs):
        ref = keras_reference(model, run, steps, loss_and_gradient)
        np.testing.assert_allclose(stacked["loss"][i], ref["loss"], rtol=1e-4)
        for w_stacked, w_keras in zip(stacked["weights"], ref["weights"]):
            np.testing.assert_allclose(w_stacked[i], w_keras, rtol=1e-4, atol=1e-5)
        out[f"{run.mode}=1, lr 0.1: max relative loss difference, {steps} steps"] = float(
            np.max(np.abs(stacked["loss"][i] / ref["loss"] - 1)))
    return out


@functools.cache
def grid_runs() -> dict[str, np.ndarray]:
    """Every setting of the page on ``SEEDS`` seeds: the healthy network (radius
    1) with and without a loose ``clipnorm``; the exploding one (radius 1.2)
    without clipping (at ``HEALTHY_LR``) and with every learning rate ×
    ``clipnorm`` threshold of
    the grid; and the other two modes at ``MODE_LR``."""
    seeds = range(SEEDS)
    runs = [Run(1.0, s, HEALTHY_LR, mode, SAFETY_NET)
            for mode in ("no clipping", "clipnorm") for s in seeds]
    runs += [Run(EXPLODING_GAIN, s, HEALTHY_LR) for s in seeds]
    runs += [Run(EXPLODING_GAIN, s, lr, "clipnorm", c)
             for lr in LEARNING_RATES for c in THRESHOLDS for s in seeds]
    runs += [Run(EXPLODING_GAIN, s, MODE_LR, mode, c)
             for mode in ("global_clipnorm", "clipvalue") for c in MODE_THRESHOLDS for s in seeds]
    return train_runs(runs)


def select(results, **where) -> list[int]:
    """Indices of the runs matching ``where`` (e.g. ``lr=0.1, mode="clipnorm"``)."""
    return [i for i, r in enumerate(results["runs"])
            if all(getattr(r, key) == value for key, value in where.items())]


def final_losses(results, **where) -> np.ndarray:
    """The final loss of every seed of the runs matching ``where`` (nan: diverged)."""
    return results["loss"][select(results, **where), -1]


def clipped_steps(results, **where) -> np.ndarray:
    """On how many steps clipping changed the gradient, per seed."""
    return results["clipped"][select(results, **where)].sum(axis=1)


def describe(values: np.ndarray) -> str:
    """Mean ± spread over the seeds, or how many seeds diverged."""
    diverged = int(np.sum(~np.isfinite(values)))
    if diverged:
        return f"diverged on {diverged} of {len(values)} seeds"
    return str(Spread.of(values))


def target_variance() -> float:
    """The loss of always predicting 0, averaged over the seeds' tasks."""
    return float(np.mean([np.mean(rnn_task(s)[1] ** 2) for s in range(SEEDS)]))


def _diverged(values) -> int:
    return int(np.sum(~np.isfinite(values)))


def grid_summary() -> dict[str, object]:
    """What the page's prose quotes (glued), and the comparisons it rests on."""
    res = grid_runs()
    healthy = dict(gain=1.0, lr=HEALTHY_LR)
    cell = {(lr, c): final_losses(res, gain=EXPLODING_GAIN, lr=lr, mode="clipnorm", threshold=c)
            for lr in LEARNING_RATES for c in THRESHOLDS}
    modes = {(m, c): final_losses(res, lr=MODE_LR, mode=m, threshold=c)
             for m in MODES[1:] for c in MODE_THRESHOLDS}
    safety = final_losses(res, **healthy, mode="clipnorm")
    peak = {(m, c): np.nanmax(res["loss"][select(res, lr=MODE_LR, mode=m, threshold=c)], axis=1)
            for m in MODES[1:] for c in MODE_THRESHOLDS}  # per seed, over the steps
    start = float(np.max(res["loss"][select(res, gain=EXPLODING_GAIN), 0]))
    out = {
        "healthy diverged without clipping": _diverged(final_losses(res, **healthy,
                                                                    mode="no clipping")),
        "healthy without clipping: largest raw gradient norm": float(np.nanmax(
            res["raw norm"][select(res, **healthy, mode="no clipping")])),
        "healthy with safety net, diverged": _diverged(safety),
        "healthy with safety net, most clipped steps": int(
            clipped_steps(res, **healthy, mode="clipnorm").max()),
        "healthy with safety net, mean loss": float(np.mean(safety)),
        "lr 0.01 c 1 / lr 0.1 c 0.1 (same lr·c)": [float(np.mean(cell[(0.01, 1.0)])),
                                                    float(np.mean(cell[(0.1, 0.1)]))],
        "lr 0.01, c 100": float(np.mean(cell[(0.01, 100.0)])),
        "lr 0.1, c 1": float(np.mean(cell[(0.1, 1.0)])),
        "lr 0.1, c 100: diverged seeds": _diverged(cell[(0.1, 100.0)]),
        "clipnorm vs global_clipnorm separated at some threshold": any(
            separated(Spread.of(modes[("clipnorm", c)]), Spread.of(modes[("global_clipnorm", c)]))
            for c in MODE_THRESHOLDS),
        "clipvalue=0.1": float(np.mean(modes[("clipvalue", 0.1)])),
        "clipvalue=1: worst seed": float(np.max(modes[("clipvalue", 1.0)])),
        "clipvalue=1: highest loss during training (lowest, highest seed)": [
            float(v) for v in np.sort(peak[("clipvalue", 1.0)])[[0, -1]]],
        "largest loss at the start (seeds)": start,
        "clipnorm=1: loss ever above that": bool(np.max(peak[("clipnorm", 1.0)]) > start),
        "clipvalue=10: diverged seeds": _diverged(modes[("clipvalue", 10.0)]),
    }
    glue("safe_diverged_without", out["healthy diverged without clipping"])
    glue("safe_clipped_steps", out["healthy with safety net, most clipped steps"])
    glue("safe_max_norm", out["healthy without clipping: largest raw gradient norm"])
    glue("same_a", out["lr 0.01 c 1 / lr 0.1 c 0.1 (same lr·c)"][0])
    glue("same_b", out["lr 0.01 c 1 / lr 0.1 c 0.1 (same lr·c)"][1])
    glue("good_low", out["lr 0.01, c 100"])
    glue("good_mid", out["lr 0.1, c 1"])
    glue("mid_c100_diverged", out["lr 0.1, c 100: diverged seeds"])
    glue("value_small", out["clipvalue=0.1"])
    glue("value_mid_worst", out["clipvalue=1: worst seed"])
    glue("value_mid_peak_low", out["clipvalue=1: highest loss during training (lowest, highest seed)"][0])
    glue("value_mid_peak_high", out["clipvalue=1: highest loss during training (lowest, highest seed)"][1])
    glue("start_max", start)
    glue("value_big_diverged", out["clipvalue=10: diverged seeds"])
    glue("predict_zero", target_variance())
    glue("gain", EXPLODING_GAIN)
    return out


def show_grid() -> None:
    """Final loss per setting, over the seeds."""
    res = grid_runs()
    print(f"final loss after {TRAIN_STEPS} steps of SGD, {SEEDS} seeds"
          f" (always predicting 0: {target_variance():.3g})")
    print(f"healthy net (radius 1), lr {HEALTHY_LR:g}")
    print(table({f"{m}{'' if m == MODES[0] else f'={SAFETY_NET:g}'}":
                 describe(final_losses(res, gain=1.0, mode=m)) for m in MODES[:2]}, indent="  "))
    for lr in LEARNING_RATES:
        rows = {}
        if lr == HEALTHY_LR:
            rows["no clipping"] = describe(final_losses(res, gain=EXPLODING_GAIN, lr=lr,
                                                        mode="no clipping"))
        rows.update({f"clipnorm={c:g} (lr·c = {max_step(lr, c):g})": describe(final_losses(
            res, gain=EXPLODING_GAIN, lr=lr, mode="clipnorm", threshold=c)) for c in THRESHOLDS})
        print(f"exploding net (radius {EXPLODING_GAIN:g}), lr {lr:g}")
        print(table(rows, indent="  "))
    print(f"exploding net, lr {MODE_LR:g}, the other two modes")
    print(table({f"{m}={c:g}": describe(final_losses(res, lr=MODE_LR, mode=m, threshold=c))
                 for m in MODES[2:] for c in MODE_THRESHOLDS}, indent="  "))
    print("summary")
    print(table(grid_summary(), indent="  "))


def plot_clipping():
    """Left: one gradient clipped two ways. Middle: final loss over learning rate
    × threshold (clipnorm). Right: the three modes at one learning rate."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(11, 3.4), layout="constrained",
                                        gridspec_kw={"width_ratios": [1, 1.5, 1.3]})
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

    res = grid_runs()
    columns = THRESHOLDS
    means = np.full((len(LEARNING_RATES), len(columns)), np.nan)
    diverged = np.zeros(means.shape, dtype=int)
    for i, lr in enumerate(LEARNING_RATES):
        for j, c in enumerate(columns):
            v = final_losses(res, gain=EXPLODING_GAIN, lr=lr, mode="clipnorm", threshold=c)
            diverged[i, j] = _diverged(v)
            means[i, j] = np.mean(v) if diverged[i, j] == 0 else np.nan
    image = ax2.imshow(np.log10(means), cmap="viridis_r", vmin=-3, vmax=4, aspect="auto")
    for i, lr in enumerate(LEARNING_RATES):
        for j, c in enumerate(columns):
            text = (f"diverged on {diverged[i, j]}/{SEEDS}" if diverged[i, j]
                    else f"{means[i, j]:.2g}")
            text += f"\nlr·c={max_step(lr, c):g}"
            ax2.text(j, i, text, ha="center", va="center", fontsize=7,
                     color="k" if np.isnan(means[i, j]) or means[i, j] < 1 else "w")
    ax2.set(xticks=range(len(columns)), xticklabels=[f"{c:g}" for c in THRESHOLDS],
            yticks=range(len(LEARNING_RATES)), yticklabels=[f"{lr:g}" for lr in LEARNING_RATES],
            xlabel="clipnorm threshold c", ylabel="learning rate",
            title=f"Final loss, mean of {SEEDS} seeds")
    fig.colorbar(image, ax=ax2, label="log10 final loss", shrink=0.8)

    top = 1e4  # losses above this are drawn at the top edge
    for k, mode in enumerate(MODES[1:]):
        finals = [final_losses(res, lr=MODE_LR, mode=mode, threshold=c) for c in MODE_THRESHOLDS]
        x = np.array(MODE_THRESHOLDS) * (1.0 + 0.12 * (k - 1))
        for xi, v in zip(x, finals):
            if not np.all(np.isfinite(v)):
                ax3.plot([xi], [top], "x", color=f"C{k}", ms=8)
            elif np.mean(v) > top:
                ax3.plot([xi], [top], "^", color=f"C{k}", ms=7)
            else:
                ax3.errorbar([xi], [np.mean(v)], yerr=[[np.mean(v) - v.min()], [v.max() - np.mean(v)]],
                             fmt="o", color=f"C{k}", capsize=3)
        ax3.plot([], [], "o", color=f"C{k}", label=mode)
    ax3.axhline(target_variance(), color="grey", ls="--", lw=1, label="predicting 0")
    ax3.set(xscale="log", yscale="log", ylim=(1e-4, 3 * top), xlabel="threshold c",
            ylabel="final loss", title=f"lr {MODE_LR:g}: mean, min–max\n(x diverged, ^ mean off the scale)")
    ax3.legend(fontsize=7, loc="center right")
    return fig


def show_direction() -> None:
    """A 2-element gradient clipped by norm and by value."""
    print("gradient: g_1, g_2, norm, angle (degrees)")
    print(table(direction_example()))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside the two functions)."""
    print("one SGD step, learning_rate=1: applied gradient")
    print("‖kernel‖, ‖bias‖, cos(kernel, raw kernel), cos(all, raw all)")
    print(table(cross_check()))
    print("the stacked training loop against Keras")
    print(table(check_stacked_training()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_direction, show_grid, plot_clipping, show_cross_check)
