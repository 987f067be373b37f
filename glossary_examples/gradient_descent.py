"""Gradient descent (梯度下降): step the parameters against the cost's gradient, w := w − α ∂J/∂w.

*Batch* gradient descent computes the gradient on the whole training set for
every step; *stochastic* gradient descent (SGD) on one example; *mini-batch*
gradient descent on a small batch. SGD and mini-batch GD shuffle the data
every epoch and then walk through it in order.

The example is linear regression, ŷ = w x + b, with the cost
J(w, b) = 1/(2n) Σ (ŷ − y)². One batch step from (0, 0) on two points:

>>> x, y = np.array([1.0, 2.0]), np.array([2.0, 4.0])
>>> gradient(np.array([0.0, 0.0]), x, y).tolist()     # [∂J/∂w, ∂J/∂b]
[-5.0, -3.0]
>>> (np.array([0.0, 0.0]) - 0.1 * gradient(np.array([0.0, 0.0]), x, y)).tolist()
[0.5, 0.30000000000000004]
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower

N = 500  # training examples
LEARNING_RATE = 0.05
BATCH_SIZE = 20
EPOCHS = 20
TRUE_W, TRUE_B, NOISE = 2.0, -1.0, 0.5
LONG_EPOCHS = 200  # batch GD at its best rate, run until it has converged
DECAY_EPOCHS = 1.0  # decaying SGD: α_t = α / (1 + t / (DECAY_EPOCHS · N))
TARGET = 0.1  # "close to the optimum": within this distance of (w*, b*)
LAST_BATCH_STEPS = 100  # batch GD's last steps examined for wandering
SETTLE = 5  # the decaying rate "settles" SGD: final mean distance at least 5x smaller
START = (-1.0, 3.0)  # initial (w, b), far from the optimum, for the plots
SEED_VALUES = tuple(range(SEEDS))  # seed s: data set s and shuffling order s


def task_data(n: int = N, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Linear-regression data: y = 2x − 1 + noise, x uniform in [0, 2]."""
    rng = np.random.default_rng(seed_value)
    x = rng.uniform(0.0, 2.0, size=n)
    return x, TRUE_W * x + TRUE_B + NOISE * rng.normal(size=n)


def seeded_data(n: int = N) -> tuple[np.ndarray, np.ndarray]:
    """One data set per seed, stacked: x and y of shape (seeds, n)."""
    xs, ys = zip(*(task_data(n, s) for s in SEED_VALUES))
    return np.stack(xs), np.stack(ys)


def cost(theta, x, y) -> float:
    """J(w, b) = 1/(2n) Σ (w x + b − y)²."""
    return float(0.5 * np.mean((theta[0] * x + theta[1] - y) ** 2))


def gradient(theta, x, y) -> np.ndarray:
    """[∂J/∂w, ∂J/∂b] on the examples (x, y): the mean of the per-example gradients.

    Leading axes are independent runs: θ of shape (runs, 2) with x, y of
    shape (runs, m) gives one gradient per run.
    """
    err = theta[..., :1] * x + theta[..., 1:] - y
    return np.stack([np.mean(err * x, axis=-1), np.mean(err, axis=-1)], axis=-1)


def optimum(x, y) -> np.ndarray:
    """The exact minimiser of J (least squares), to measure the distance to it."""
    return np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)[0]


def minibatch_gd(x, y, batch_size: int, epochs: int, lr=LEARNING_RATE,
                 decay_epochs: float | None = None, seeds=SEED_VALUES, start=START) -> dict:
    """Mini-batch gradient descent; ``batch_size=n`` is batch GD, 1 is SGD.

    x and y have shape (runs, n): one data set per run, each with its own
    shuffling seed from ``seeds``; the runs go side by side, update for
    update. Every epoch shuffles each run's examples (a no-op for batch GD)
    and splits them into mini-batches; each mini-batch gives one update
    θ := θ − α ∇J_batch(θ). ``lr`` is one rate or one per run. With
    ``decay_epochs`` the learning rate of update t is
    α / (1 + t / (decay_epochs · n)). Returns the path of θ (updates + 1,
    runs, 2), the start included, and the examples each update used.
    """
    runs, n = x.shape
    rngs = [np.random.default_rng(s) for s in seeds]
    rows = np.arange(runs)[:, None]
    lr = np.broadcast_to(np.asarray(lr, dtype="float64"), (runs,))[:, None]
    theta = np.tile(np.array(start, dtype="float64"), (runs, 1))
    path, touched, t = [theta], [], 0
    for _ in range(epochs):
        if batch_size < n:
            order = np.stack([rng.permutation(n) for rng in rngs])
        else:
            order = np.tile(np.arange(n), (runs, 1))
        for i in range(0, n, batch_size):
            idx = order[:, i : i + batch_size]
            step = lr if decay_epochs is None else lr / (1 + t / (decay_epochs * n))
            theta = theta - step * gradient(theta, x[rows, idx], y[rows, idx])
            path.append(theta)
            touched.append(idx.shape[1])
            t += 1
    return {"path": np.array(path), "examples per update": np.array(touched)}


def best_batch_rate(x, y) -> float:
    """The best constant learning rate of batch GD on this quadratic cost: 2 / (λ_min + λ_max).

    λ are the eigenvalues of J's Hessian [[mean x², mean x], [mean x, 1]].
    """
    lam = np.linalg.eigvalsh([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    return float(2.0 / (lam[0] + lam[-1]))


@functools.cache
def runs() -> dict[str, dict]:
    """Every variant on every seed's data from the same start, with its learning rate and epochs."""
    x, y = seeded_data()
    best = [best_batch_rate(xs, ys) for xs, ys in zip(x, y)]  # one per data set
    settings = {  # name: (batch size, learning rate, epochs, decay)
        "batch": (N, LEARNING_RATE, EPOCHS, None),
        "batch, best rate": (N, best, LONG_EPOCHS, None),
        "mini-batch": (BATCH_SIZE, LEARNING_RATE, EPOCHS, None),
        "SGD": (1, LEARNING_RATE, EPOCHS, None),
        "SGD, decaying rate": (1, LEARNING_RATE, EPOCHS, DECAY_EPOCHS),
    }
    out = {}
    for name, (size, lr, epochs, decay) in settings.items():
        out[name] = minibatch_gd(x, y, size, epochs, lr=lr, decay_epochs=decay)
        out[name]["learning rate"] = np.broadcast_to(lr, (SEEDS,))
        out[name]["updates per epoch"] = -(-N // size)
    return out


def distances(path) -> np.ndarray:
    """Distance of every point of a path (updates + 1, seeds, 2) from its seed's optimum."""
    x, y = seeded_data()
    best = np.stack([optimum(xs, ys) for xs, ys in zip(x, y)])
    return np.linalg.norm(np.asarray(path) - best, axis=-1)


def after_epochs(name: str, epochs: int) -> np.ndarray:
    """Distance to the optimum after ``epochs`` epochs of one variant, per seed."""
    run = runs()[name]
    return distances(run["path"])[epochs * run["updates per epoch"]]


def epochs_to_reach(name: str, target: float = TARGET) -> np.ndarray:
    """Epochs (per-example gradients / N) until a variant is within ``target`` of the optimum,
    per seed; ``inf`` when a seed never gets there."""
    run = runs()[name]
    below = distances(run["path"]) < target  # (updates + 1, seeds)
    first = np.where(below.any(axis=0), below.argmax(axis=0), np.inf)
    return first / run["updates per epoch"]


def near_optimum(path, last: int) -> dict[str, np.ndarray]:
    """How each seed's path behaves over its last ``last`` updates.

    Mean distance to the optimum, and the fraction of those updates that
    moved *away* from it, one value per seed.
    """
    d = distances(path)[-last - 1 :]
    return {
        "mean distance": d[1:].mean(axis=0),
        "fraction of steps away": np.mean(np.diff(d, axis=0) > 0, axis=0),
    }


def online_stream(n_stream: int = 1000, lr: float = LEARNING_RATE) -> dict[str, object]:
    """Examples arrive one at a time; each learner updates after every arrival.

    The SGD learner steps on the new example alone and can then forget it.
    The batch learner steps on the gradient of the cost over everything seen
    so far, so it must store every example and re-read all of them for each
    update.
    """
    x, y = task_data(n_stream, seed_value=1)
    sgd = batch = np.array(START)
    batch_work = []
    for t in range(1, n_stream + 1):
        sgd = sgd - lr * gradient(sgd, x[t - 1 : t], y[t - 1 : t])
        batch = batch - lr * gradient(batch, x[:t], y[:t])
        batch_work.append(t)
    best = optimum(x, y)
    return {
        "examples in the stream": n_stream,
        "examples stored at the end (SGD, batch)": [1, n_stream],
        "examples read for the last update (SGD, batch)": [1, batch_work[-1]],
        "per-example gradients in total (SGD, batch)": [n_stream, int(sum(batch_work))],
        "distance to optimum at the end (SGD, batch)": [
            float(np.linalg.norm(sgd - best)), float(np.linalg.norm(batch - best))],
    }


def check_gradient_descent_batch_vs_sgd() -> ClaimCheck:
    """Claim: batch GD costs much per step and cannot learn online; SGD is fast but wanders.

    Work is counted in per-example gradients, not seconds. Four parts, the
    last two measured on every seed's data set and judged by the spread rule:
    (1) costly: a batch step costs N times an SGD step;
    (2) not online: on a stream, a batch update must re-read every example
    seen so far, an SGD update only the new one;
    (3) fast: SGD gets within TARGET of the optimum in fewer epochs than batch
    GD at batch GD's best constant learning rate, on every seed (ranges apart);
    (4) wanders: near the end, at least a third of SGD's steps (constant
    rate, last epoch) move away from the optimum on every seed, none of
    batch GD's (last LAST_BATCH_STEPS steps).
    Holds if all four hold and SGD keeps its distance with a decaying
    learning rate too; conditions if the decay brings SGD closer on every
    seed and at least SETTLE times closer on average (the wandering belongs
    to the constant rate), or if only some parts hold; wrong if none holds.
    """
    r = runs()
    per_step = [int(r[k]["examples per update"][0]) for k in ("batch", "mini-batch", "SGD")]
    stream = online_stream()
    never = f"not within {EPOCHS} epochs on any seed"
    batch_slow = epochs_to_reach("batch")
    batch_slow = never if np.all(np.isinf(batch_slow)) else str(Spread.of(batch_slow))
    to_reach = {k: Spread.of(epochs_to_reach(k)) for k in ("batch, best rate", "SGD")}
    near = {
        "batch": near_optimum(r["batch, best rate"]["path"], LAST_BATCH_STEPS),
        "SGD": near_optimum(r["SGD"]["path"], N),
        "decaying": near_optimum(r["SGD, decaying rate"]["path"], N),
    }
    costly = per_step[0] == N * per_step[2]
    last_update = stream["examples read for the last update (SGD, batch)"]
    online = last_update == [1, stream["examples in the stream"]]
    fast = lower(to_reach["SGD"], to_reach["batch, best rate"])
    wanders = bool(near["SGD"]["fraction of steps away"].min() >= 1 / 3
                   and near["batch"]["fraction of steps away"].max() == 0.0)
    sgd_dist, decay_dist = (Spread.of(near[k]["mean distance"]) for k in ("SGD", "decaying"))
    settles = lower(decay_dist, sgd_dist) and decay_dist.mean * SETTLE <= sgd_dist.mean
    parts = [costly, online, fast, wanders]
    if all(parts):
        verdict = "conditions" if settles else "holds"
    elif any(parts):
        verdict = "conditions"
    else:
        verdict = "wrong"
    glue("sgd_epochs", to_reach["SGD"].mean)
    glue("batch_epochs", to_reach["batch, best rate"].mean)
    glue("batch_epochs_min", to_reach["batch, best rate"].min)
    glue("batch_epochs_max", to_reach["batch, best rate"].max)
    glue("sgd_away", float(near["SGD"]["fraction of steps away"].mean()))
    glue("decay_away", float(near["decaying"]["fraction of steps away"].mean()))
    glue("settle_ratio", sgd_dist.mean / decay_dist.mean)
    glue("work_ratio", stream["per-example gradients in total (SGD, batch)"][1]
         / stream["per-example gradients in total (SGD, batch)"][0])
    glue("target", TARGET)
    glue("n_seeds", SEEDS)
    return ClaimCheck(
        "gradient-descent-batch-vs-sgd",
        verdict,
        {
            "per-example gradients per update (batch, mini-batch, SGD)": per_step,
            "stream: examples read for the last update (SGD, batch)": last_update,
            f"epochs to within {TARGET} of optimum, batch (rate {LEARNING_RATE})": batch_slow,
            f"epochs to within {TARGET} of optimum, batch (best rate)":
                str(to_reach["batch, best rate"]),
            f"epochs to within {TARGET} of optimum, SGD": str(to_reach["SGD"]),
            f"steps moving away, batch (best rate, last {LAST_BATCH_STEPS} steps)":
                str(Spread.of(near["batch"]["fraction of steps away"])),
            "steps moving away, SGD (last epoch)": str(Spread.of(near["SGD"]["fraction of steps away"])),
            "mean distance, SGD, last epoch": str(sgd_dist),
            "mean distance, SGD with decaying rate, last epoch": str(decay_dist),
            "steps moving away, SGD with decaying rate, last epoch":
                str(Spread.of(near["decaying"]["fraction of steps away"])),
            "parts that hold (costly, not online, fast, wanders)": parts,
            "decaying rate closer on every seed, and SETTLE times on average": settles,
        },
    )


# --- NumPy vs Keras ----------------------------------------------------------


def keras_sgd_step(theta, x, y, lr: float = LEARNING_RATE) -> np.ndarray:
    """One ``keras.optimizers.SGD`` step on a ``Dense(1)`` model starting at θ = (w, b).

    The loss is half Keras's mean squared error, so it is exactly J.
    """
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.set_weights([np.array([[theta[0]]]), np.array([theta[1]])])
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    xs, ys = (tf.constant(v.reshape(-1, 1), dtype="float32") for v in (x, y))
    with tf.GradientTape() as tape:
        loss = 0.5 * keras.losses.MeanSquaredError()(ys, model(xs))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    kernel, bias = model.get_weights()
    return np.array([kernel[0, 0], bias[0]], dtype="float64")


def cross_check() -> dict[str, object]:
    """A Keras SGD step equals the NumPy update θ − α ∇J, on all examples and on one."""
    x, y = task_data()
    theta = np.array(START)
    out = {}
    for name, idx in [("batch step (all 500)", slice(None)), ("SGD step (example 0)", slice(0, 1))]:
        numpy_theta = theta - LEARNING_RATE * gradient(theta, x[idx], y[idx])
        keras_theta = keras_sgd_step(theta, x[idx], y[idx])
        np.testing.assert_allclose(keras_theta, numpy_theta, rtol=1e-5)
        out[f"{name}: NumPy (w, b)"] = numpy_theta.tolist()
        out[f"{name}: Keras (w, b)"] = keras_theta.tolist()
    return out


# --- Plot ----------------------------------------------------------------------


def plot_trajectories():
    """Left: paths of the variants on J's contours (seed 0). Right: distance to the optimum vs work."""
    import matplotlib.pyplot as plt

    x, y = task_data()  # seed 0's data set
    best = optimum(x, y)
    r = runs()
    ws, bs = np.meshgrid(np.linspace(-1.5, 3.5, 200), np.linspace(-2.5, 3.5, 200))
    m = {k: np.mean(v) for k, v in
         {"xx": x * x, "x": x, "xy": x * y, "y": y, "yy": y * y}.items()}  # J from 5 means
    j = 0.5 * (ws**2 * m["xx"] + 2 * ws * bs * m["x"] + bs**2 - 2 * ws * m["xy"]
               - 2 * bs * m["y"] + m["yy"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.contour(ws, bs, j, levels=np.geomspace(j.min() * 1.02, j.max(), 14),
                colors="gray", linewidths=0.6)
    shown = {  # name: (color, style, updates shown)
        "batch, best rate": ("C0", "o-", EPOCHS),
        "mini-batch": ("C1", ".-", 2 * N // BATCH_SIZE),
        "SGD": ("C2", "-", 2 * N),
    }
    for name, (color, style, steps) in shown.items():
        label = f"{name} ({steps} updates)"
        ax1.plot(*r[name]["path"][: steps + 1, 0].T, style, color=color, ms=3, lw=0.8,
                 label=label)
    ax1.plot(*best, "k*", ms=10, label="optimum")
    ax1.set(xlabel="w", ylabel="b", title="Paths from the same start (seed 0)")
    ax1.legend(loc="upper right", fontsize=7)
    for name, color in [("batch", "C4"), ("batch, best rate", "C0"), ("mini-batch", "C1"),
                        ("SGD", "C2"), ("SGD, decaying rate", "C3")]:
        run = r[name]
        epochs = np.arange(len(run["path"])) / run["updates per epoch"]
        keep = epochs <= EPOCHS
        d = distances(run["path"])[keep]
        rate = run["learning rate"]
        rate = f"{rate[0]:.2g}" if np.all(rate == rate[0]) else f"{rate.min():.2g}-{rate.max():.2g}"
        ax2.plot(epochs[keep], d.mean(axis=1), color=color, lw=0.8, label=f"{name}, α = {rate}")
        ax2.fill_between(epochs[keep], d.min(axis=1), d.max(axis=1), color=color, alpha=0.15, lw=0)
    ax2.set(yscale="log", xlabel="epochs (per-example gradients / n)",
            ylabel=f"distance to optimum ({SEEDS} seeds)", title="Progress for the same work")
    ax2.legend(loc="lower left", fontsize=7)
    return fig


def show_example() -> None:
    """Each variant on every seed's data from the same start: work and progress."""
    x, y = task_data()
    print(table({"seed 0: optimum (w*, b*), least squares": optimum(x, y).tolist(),
                 "start (w, b)": list(START), "seeds (data set and shuffling)": SEEDS}))
    print()
    print("distance to the optimum: mean (min-max) over the seeds")
    print(f"{'variant':<20}{'α':>12}{'examples/update':>17}{'updates/epoch':>15}"
          f"{'after 1 epoch':>24}{f'after {EPOCHS}':>26}")
    for name, run in runs().items():
        rate = run["learning rate"]
        rate = f"{rate[0]:.3g}" if np.all(rate == rate[0]) else f"{rate.min():.2g}-{rate.max():.2g}"
        one, last = after_epochs(name, 1), after_epochs(name, EPOCHS)
        print(f"{name:<20}{rate:>12}{int(run['examples per update'][0]):>17}"
              f"{run['updates per epoch']:>15}"
              f"{f'{one.mean():.3g} ({one.min():.3g}-{one.max():.3g})':>24}"
              f"{f'{last.mean():.3g} ({last.min():.3g}-{last.max():.3g})':>26}")
    glue("learning_rate", LEARNING_RATE)


def show_online() -> None:
    """Learning from a stream of examples (the online setting)."""
    print(table(online_stream()))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_trajectories,
    show_cross_check,
    show_online,
    check_gradient_descent_batch_vs_sgd,
)
