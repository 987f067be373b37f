"""Learning rate (学习率): the step size α that multiplies the gradient in θ := θ − α ∇J(θ).

The learning rate is a hyperparameter, ``keras.optimizers.SGD(learning_rate=α)``.
It fixes how far each step goes *per unit of gradient*, not how much the
cost falls: the fall depends on the gradient and the curvature as well, and
with too large an α the cost rises.

On the cost J(θ) = θ², whose gradient is 2θ, one step from θ = 1:

>>> [round(1.0 - a * 2 * 1.0, 10) for a in (0.1, 0.5, 1.5)]    # θ after one step
[0.8, 0.0, -2.0]
>>> [round(1.0 - (1.0 - a * 2 * 1.0) ** 2, 10) for a in (0.1, 0.5, 1.5)]    # fall of J
[0.36, 1.0, -3.0]
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

N = 200
STEPS = 50
RATES = (0.003, 0.03, 0.3, 0.9, 1.05)  # from much too small to too large
CLAIM_RATES = (0.01, 0.1, 0.3, 0.5, 0.9, 1.05)
CLAIM_STEPS = (1, 10)  # the iterations at which the fall of the cost is measured
TOLERANCE = 0.1  # "the fall equals α": within 10 % of α
SEED_VALUES = tuple(range(SEEDS))  # seed s: data set s


def task_data(n: int = N, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = 3x + 1 + noise, with x standardised exactly (mean 0, variance 1).

    Then the mean-squared-error cost of ŷ = w x + b has the Hessian 2·I, so
    every step multiplies the distance to the optimum by |1 − 2α|.
    """
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=n)
    x = (x - x.mean()) / x.std()
    return x, 3.0 * x + 1.0 + 0.5 * rng.normal(size=n)


def seeded_data() -> tuple[np.ndarray, np.ndarray]:
    """One data set per seed, stacked: x and y of shape (seeds, n)."""
    xs, ys = zip(*(task_data(N, s) for s in SEED_VALUES))
    return np.stack(xs), np.stack(ys)


def cost(theta, x, y) -> np.ndarray:
    """J(w, b) = mean (w x + b − y)², Keras's ``MeanSquaredError``; one per run (leading axes)."""
    return np.mean((theta[..., :1] * x + theta[..., 1:] - y) ** 2, axis=-1)


def gradient(theta, x, y) -> np.ndarray:
    """[∂J/∂w, ∂J/∂b] = [mean 2 err · x, mean 2 err]; one per run (leading axes)."""
    err = theta[..., :1] * x + theta[..., 1:] - y
    return np.stack([np.mean(2 * err * x, axis=-1), np.mean(2 * err, axis=-1)], axis=-1)


def numpy_gd(lr: float, steps: int = STEPS, start=(0.0, 0.0)) -> dict[str, np.ndarray]:
    """Batch gradient descent with learning rate ``lr`` on every seed's data, side by side.

    ``costs[t]`` is J before step t + 1, one column per seed; ``thetas[t]``
    and ``grads[t]`` likewise, of shape (seeds, 2).
    """
    x, y = seeded_data()
    theta = np.tile(np.array(start, dtype="float64"), (len(x), 1))
    thetas, grads, costs = [], [], []
    for _ in range(steps + 1):
        g = gradient(theta, x, y)
        thetas.append(theta)
        grads.append(g)
        costs.append(cost(theta, x, y))
        theta = theta - lr * g
    return {"costs": np.array(costs), "thetas": np.array(thetas), "grads": np.array(grads)}


def minimum_cost() -> np.ndarray:
    """The cost at the least-squares optimum, per seed."""
    x, y = seeded_data()
    best = [np.linalg.lstsq(np.stack([xs, np.ones_like(xs)], axis=1), ys, rcond=None)[0]
            for xs, ys in zip(x, y)]
    return cost(np.array(best), x, y)


@functools.cache
def _recording_loop():
    """Full-batch steps of a Keras model, recording the loss before each step, as one graph."""

    @tf.function
    def run(model, optimizer, loss_fn, x, y, steps):
        losses = tf.TensorArray(tf.float32, size=steps + 1)
        for i in tf.range(steps):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            losses = losses.write(i, loss)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return losses.write(steps, loss_fn(y, model(x))).stack()

    return run


@functools.cache
def keras_losses(rates=RATES, steps: int = STEPS) -> dict[float, np.ndarray]:
    """The loss before each step of Keras SGD on a ``Dense(1)`` model, for each learning rate.

    Seed 0's data. One model and one optimizer, reset to the same initial
    weights (0, 0) for every rate; only ``optimizer.learning_rate`` changes,
    so the compiled loop is traced once.
    """
    x, y = (v.reshape(-1, 1).astype("float32") for v in task_data())
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    optimizer = keras.optimizers.SGD()
    optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.MeanSquaredError()
    initial = model.get_weights()
    out = {}
    for lr in rates:
        model.set_weights(initial)
        optimizer.learning_rate = lr
        out[lr] = _recording_loop()(model, optimizer, loss_fn, x, y, tf.constant(steps)).numpy()
    return out


def steps_to_converge(costs: np.ndarray, j_min: np.ndarray, target: float = 1e-3) -> list:
    """Per seed, the first step at which the excess cost J − J* is below ``target`` × its start.

    >>> steps_to_converge(np.array([[1.0], [0.1], [0.0001]]) + 0.5, np.array([0.5]))
    [2]
    """
    excess = costs - j_min
    out = []
    for column in excess.T:
        below = np.flatnonzero(column < target * column[0])
        out.append(int(below[0]) if below.size else f"not in {len(column) - 1}")
    return out


def cross_check() -> dict[str, object]:
    """Keras's ``SGD(learning_rate=α)`` follows NumPy's θ − α ∇J step for step, for every α."""
    out = {}
    for lr, keras_curve in keras_losses().items():
        numpy_curve = numpy_gd(lr)["costs"][:, 0]  # seed 0, the data Keras trained on
        np.testing.assert_allclose(keras_curve, numpy_curve, rtol=1e-4)
        out[f"α = {lr}: loss after {STEPS} steps (NumPy, Keras)"] = [
            float(numpy_curve[-1]), float(keras_curve[-1])]
    return out


def check_learning_rate_definition() -> ClaimCheck:
    """Claim: the learning rate is the amount by which the cost is minimised in each iteration.

    Measured on the regression cost of every seed's data, for several α: the
    fall of the cost J(θ_t) − J(θ_t+1) at iterations CLAIM_STEPS, and the step
    θ_t+1 − θ_t compared with −α ∇J(θ_t). Holds if the fall is within
    TOLERANCE of α every time, on every seed; wrong if it is not while the
    step is exactly −α × gradient (α is the step size per unit of gradient);
    conditions otherwise.
    """
    evidence: dict[str, object] = {}
    falls_match, worst_ratio_error, rises = [], 0.0, []
    for lr in CLAIM_RATES:
        run = numpy_gd(lr, steps=max(CLAIM_STEPS))
        fall = 0.0 - np.diff(run["costs"], axis=0)  # fall[t - 1] = J(θ_{t-1}) − J(θ_t), per seed
        for t in CLAIM_STEPS:
            spread = Spread.of(fall[t - 1])
            evidence[f"α = {lr}: fall of J at iteration {t}"] = str(spread)
            falls_match.append(bool(np.all(np.abs(fall[t - 1] - lr) <= TOLERANCE * lr)))
            key = f"fall_{str(lr).replace('.', '')}_{t}"
            glue(key, spread.mean)
            glue(key + "_min", spread.min)
            glue(key + "_max", spread.max)
        rises.append(bool((fall < 0).any()))
        # the step θ_t+1 − θ_t against −α ∇J(θ_t), relative to the largest step
        steps, scaled = np.diff(run["thetas"], axis=0), -lr * run["grads"][:-1]
        gap = np.abs(steps - scaled).max() / np.abs(scaled).max()
        worst_ratio_error = max(worst_ratio_error, float(gap))
    evidence["iterations where the fall equals α (within 10 %) on every seed"] = (
        f"{sum(falls_match)} of {len(falls_match)}")
    evidence["rates at which the cost rose"] = [r for r, up in zip(CLAIM_RATES, rises) if up]
    evidence["largest gap between the step and −α·gradient (relative)"] = worst_ratio_error
    glue("n_seeds", SEEDS)
    step_is_alpha_gradient = worst_ratio_error < 1e-9
    if all(falls_match):
        verdict = "holds"
    elif step_is_alpha_gradient:
        verdict = "wrong"
    else:
        verdict = "conditions"
    return ClaimCheck("learning-rate-definition", verdict, evidence)


def plot_learning_rates():
    """Left: Keras loss curves for several α (seed 0). Right: the fall of J per iteration vs α."""
    import matplotlib.pyplot as plt

    j_min = minimum_cost()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for lr, losses in keras_losses().items():
        ax1.plot(np.arange(len(losses)), losses - j_min[0], lw=1.5, label=f"α = {lr}")
    # below 1e-5 the float32 loss minus the minimum is rounding noise: not shown
    ax1.set(yscale="log", ylim=(1e-5, 1e11), xlabel="step", ylabel="loss − minimum loss",
            title="Keras SGD, Dense(1), MSE (seed 0)")
    ax1.legend(loc="upper left", fontsize=8, ncol=2)
    rates = np.linspace(0.0, 1.1, 111)
    for t, style in zip(CLAIM_STEPS, ("-", "--")):
        falls = np.array([-np.diff(numpy_gd(a, steps=t)["costs"][t - 1:t + 1], axis=0)[0]
                          for a in rates])  # (rates, seeds)
        line, = ax2.plot(rates, falls.mean(axis=1), style, lw=2,
                         label=f"measured fall at iteration {t}")
        ax2.fill_between(rates, falls.min(axis=1), falls.max(axis=1), color=line.get_color(),
                         alpha=0.25, lw=0)
    ax2.plot(rates, rates, "k:", lw=1.5, label="claim: fall = α")
    ax2.axhline(0, color="gray", lw=0.5)
    ax2.set(xlabel="learning rate α", ylabel="J before − J after", ylim=(-3, 11),
            title=f"Fall of the cost in one iteration ({SEEDS} seeds)")
    ax2.legend(loc="upper left", fontsize=8)
    return fig


def show_example() -> None:
    """The same gradient descent with each learning rate, on every seed: where it ends, how fast."""
    j_min = minimum_cost()
    start = numpy_gd(0.1)["costs"][0]
    print(f"{SEEDS} seeds (data sets); minimum cost J* = {j_min.mean():.4f} on average"
          f" ({j_min.min():.4f}-{j_min.max():.4f}); start (w, b) = (0, 0),"
          f" J = {start.mean():.4f} on average")
    print(f"{'α':>7}{'|1 − 2α|':>10}{f'J − J* after {STEPS} steps, mean (min-max)':>40}"
          f"{'steps to 0.1 % excess, per seed':>34}")
    for lr in RATES:
        costs = numpy_gd(lr)["costs"]
        excess = np.maximum(costs[-1] - j_min, 0.0)  # below 0 is float64 rounding
        text = f"{excess.mean():.3g} ({excess.min():.3g}-{excess.max():.3g})"
        steps = steps_to_converge(costs, j_min)
        steps = f"{steps[0]} on every seed" if len(set(steps)) == 1 else str(steps)
        print(f"{lr:>7}{abs(1 - 2 * lr):>10.3g}{text:>40}{steps:>34}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_learning_rates, show_cross_check, check_learning_rate_definition)
