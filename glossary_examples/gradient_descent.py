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

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import keras, seed, tf

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


def task_data(n: int = N, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Linear-regression data: y = 2x − 1 + noise, x uniform in [0, 2]."""
    rng = np.random.default_rng(seed_value)
    x = rng.uniform(0.0, 2.0, size=n)
    return x, TRUE_W * x + TRUE_B + NOISE * rng.normal(size=n)


def cost(theta, x, y) -> float:
    """J(w, b) = 1/(2n) Σ (w x + b − y)²."""
    return float(0.5 * np.mean((theta[0] * x + theta[1] - y) ** 2))


def gradient(theta, x, y) -> np.ndarray:
    """[∂J/∂w, ∂J/∂b] on the examples (x, y): the mean of the per-example gradients."""
    err = theta[0] * x + theta[1] - y
    return np.array([np.mean(err * x), np.mean(err)])


def optimum(x, y) -> np.ndarray:
    """The exact minimiser of J (least squares), to measure the distance to it."""
    return np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)[0]


def minibatch_gd(x, y, batch_size: int, epochs: int, lr: float = LEARNING_RATE,
                 decay_epochs: float | None = None, seed_value: int = 0,
                 start=START) -> dict:
    """Mini-batch gradient descent; ``batch_size=len(x)`` is batch GD, 1 is SGD.

    Every epoch shuffles the examples (a no-op for batch GD) and splits them
    into mini-batches; each mini-batch gives one update
    θ := θ − α ∇J_batch(θ). With ``decay_epochs`` the learning rate of update
    t is α / (1 + t / (decay_epochs · n)). Returns the path of θ (one row per
    update, the start included) and the number of per-example gradients
    computed for each update.
    """
    rng = np.random.default_rng(seed_value)
    theta = np.array(start, dtype="float64")
    path, touched, t = [theta.copy()], [], 0
    for _ in range(epochs):
        order = rng.permutation(len(x)) if batch_size < len(x) else np.arange(len(x))
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            step = lr if decay_epochs is None else lr / (1 + t / (decay_epochs * len(x)))
            theta = theta - step * gradient(theta, x[idx], y[idx])
            path.append(theta.copy())
            touched.append(len(idx))
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
    """Every variant on the same data from the same start, with its learning rate and epochs."""
    x, y = task_data()
    settings = {  # name: (batch size, learning rate, epochs, decay)
        "batch": (N, LEARNING_RATE, EPOCHS, None),
        "batch, best rate": (N, best_batch_rate(x, y), LONG_EPOCHS, None),
        "mini-batch": (BATCH_SIZE, LEARNING_RATE, EPOCHS, None),
        "SGD": (1, LEARNING_RATE, EPOCHS, None),
        "SGD, decaying rate": (1, LEARNING_RATE, EPOCHS, DECAY_EPOCHS),
    }
    out = {}
    for name, (size, lr, epochs, decay) in settings.items():
        out[name] = minibatch_gd(x, y, size, epochs, lr=lr, decay_epochs=decay)
        out[name]["learning rate"] = lr
        out[name]["updates per epoch"] = -(-N // size)
    return out


def distances(path) -> np.ndarray:
    """Euclidean distance of every point of a path from the optimum."""
    x, y = task_data()
    return np.linalg.norm(np.asarray(path) - optimum(x, y), axis=1)


def after_epochs(name: str, epochs: int) -> float:
    """Distance to the optimum after ``epochs`` epochs of one variant."""
    run = runs()[name]
    return float(distances(run["path"])[epochs * run["updates per epoch"]])


def epochs_to_reach(name: str, target: float = TARGET) -> float | str:
    """Epochs (per-example gradients / N) until a variant is within ``target`` of the optimum."""
    run = runs()[name]
    below = np.flatnonzero(distances(run["path"]) < target)
    if below.size:
        return float(below[0] / run["updates per epoch"])
    return f"not in {(len(run['path']) - 1) // run['updates per epoch']}"


def near_optimum(path, last: int) -> dict[str, float]:
    """How a path behaves over its last ``last`` updates.

    Mean and spread of the distance to the optimum, and the fraction of those
    updates that moved *away* from it.

    >>> near_optimum(np.array([[3.0, 0.0], [2.0, 0.0], [1.0, 0.0]]) + optimum(*task_data()), 2)
    {'mean distance': 1.5, 'std of distance': 0.5, 'fraction of steps away': 0.0}
    """
    d = distances(path)[-last - 1 :]
    return {
        "mean distance": float(np.mean(d[1:])),
        "std of distance": float(np.std(d[1:])),
        "fraction of steps away": float(np.mean(np.diff(d) > 0)),
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

    Work is counted in per-example gradients, not seconds. Four parts:
    (1) costly: a batch step costs N times an SGD step;
    (2) not online: on a stream, a batch update must re-read every example
    seen so far, an SGD update only the new one;
    (3) fast: SGD gets within TARGET of the optimum in fewer epochs than batch
    GD even at batch GD's best constant learning rate;
    (4) wanders: near the end, at least a third of SGD's steps (constant
    rate, last epoch) move away from the optimum, none of batch GD's (last
    LAST_BATCH_STEPS steps).
    Holds if all four hold and SGD keeps its distance with a decaying
    learning rate too; conditions if the decay shrinks the final distance at
    least SETTLE times (the wandering belongs to the constant rate) or if only
    some parts hold; wrong if none holds.
    """
    r = runs()
    per_step = [int(r[k]["examples per update"][0]) for k in ("batch", "mini-batch", "SGD")]
    stream = online_stream()
    to_reach = {k: epochs_to_reach(k) for k in ("batch", "batch, best rate", "SGD")}
    near = {
        "batch": near_optimum(r["batch, best rate"]["path"], LAST_BATCH_STEPS),
        "SGD": near_optimum(r["SGD"]["path"], N),
        "decaying": near_optimum(r["SGD, decaying rate"]["path"], N),
    }
    batch_epochs = to_reach["batch, best rate"]
    costly = per_step[0] == N * per_step[2]
    last_update = stream["examples read for the last update (SGD, batch)"]
    online = last_update == [1, stream["examples in the stream"]]
    fast = isinstance(to_reach["SGD"], float) and (
        isinstance(batch_epochs, str) or to_reach["SGD"] < batch_epochs)
    wanders = (near["SGD"]["fraction of steps away"] >= 1 / 3
               and near["batch"]["fraction of steps away"] == 0.0)
    settles = near["decaying"]["mean distance"] * SETTLE <= near["SGD"]["mean distance"]
    parts = [costly, online, fast, wanders]
    if all(parts):
        verdict = "conditions" if settles else "holds"
    elif any(parts):
        verdict = "conditions"
    else:
        verdict = "wrong"
    return ClaimCheck(
        "gradient-descent-batch-vs-sgd",
        verdict,
        {
            "per-example gradients per update (batch, mini-batch, SGD)": per_step,
            "stream: examples read for the last update (SGD, batch)": last_update,
            f"epochs to within {TARGET} of optimum, batch (rate {LEARNING_RATE}, best)": [
                to_reach["batch"], to_reach["batch, best rate"]],
            f"epochs to within {TARGET} of optimum, SGD": to_reach["SGD"],
            f"steps moving away: batch (best rate, last {LAST_BATCH_STEPS} steps), "
            "SGD (last epoch)": [
                near["batch"]["fraction of steps away"], near["SGD"]["fraction of steps away"]],
            "mean distance, same steps (batch, SGD)": [
                near["batch"]["mean distance"], near["SGD"]["mean distance"]],
            "mean distance, SGD with decaying rate, last epoch": near["decaying"]["mean distance"],
            "steps moving away, SGD with decaying rate, last epoch":
                near["decaying"]["fraction of steps away"],
            "parts that hold (costly, not online, fast, wanders)": parts,
        },
    )


# --- NumPy vs Keras ----------------------------------------------------------


def keras_sgd_step(theta, x, y, lr: float = LEARNING_RATE) -> np.ndarray:
    """One ``keras.optimizers.SGD`` step on a ``Dense(1)`` model starting at θ = (w, b).

    The loss is half Keras's mean squared error, so it is exactly J.
    """
    k, t = keras(), tf()
    seed(0)
    model = k.Sequential([k.Input((1,)), k.layers.Dense(1)])
    model.set_weights([np.array([[theta[0]]]), np.array([theta[1]])])
    optimizer = k.optimizers.SGD(learning_rate=lr)
    xs, ys = (t.constant(v.reshape(-1, 1), dtype="float32") for v in (x, y))
    with t.GradientTape() as tape:
        loss = 0.5 * k.losses.MeanSquaredError()(ys, model(xs))
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
    """Left: paths of the variants on J's contours. Right: distance to the optimum vs work."""
    import matplotlib.pyplot as plt

    x, y = task_data()
    best = optimum(x, y)
    r = runs()
    ws, bs = np.meshgrid(np.linspace(-1.5, 3.5, 200), np.linspace(-2.5, 3.5, 200))
    j = 0.5 * np.mean((ws[..., None] * x + bs[..., None] - y) ** 2, axis=-1)
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
        ax1.plot(*r[name]["path"][: steps + 1].T, style, color=color, ms=3, lw=0.8, label=label)
    ax1.plot(*best, "k*", ms=10, label="optimum")
    ax1.set(xlabel="w", ylabel="b", title="Paths from the same start")
    ax1.legend(loc="upper right", fontsize=7)
    for name, color in [("batch", "C4"), ("batch, best rate", "C0"), ("mini-batch", "C1"),
                        ("SGD", "C2"), ("SGD, decaying rate", "C3")]:
        run = r[name]
        epochs = np.arange(len(run["path"])) / run["updates per epoch"]
        keep = epochs <= EPOCHS
        ax2.plot(epochs[keep], distances(run["path"])[keep], color=color, lw=0.8,
                 label=f"{name}, α = {run['learning rate']:.2g}")
    ax2.set(yscale="log", xlabel="epochs (per-example gradients / n)",
            ylabel="distance to optimum", title="Progress for the same work")
    ax2.legend(loc="lower left", fontsize=7)
    return fig


def show_example() -> None:
    """Each variant on the same data from the same start: work and progress."""
    x, y = task_data()
    print(table({"optimum (w*, b*), least squares": optimum(x, y).tolist(),
                 "start (w, b)": list(START)}))
    print()
    print(f"{'variant':<20}{'α':>7}{'examples/update':>17}{'updates/epoch':>15}"
          f"{'dist. after 1 epoch':>21}{f'after {EPOCHS}':>10}")
    for name, run in runs().items():
        print(f"{name:<20}{run['learning rate']:>7.3g}{int(run['examples per update'][0]):>17}"
              f"{run['updates per epoch']:>15}{after_epochs(name, 1):>21.3g}"
              f"{after_epochs(name, EPOCHS):>10.3g}")


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
