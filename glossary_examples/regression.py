"""Regression (回归): predicting a continuous value, fitted here by minimising the mean squared error.

The simplest Keras regression model is one ``Dense(1)`` unit without an
activation, ``y_hat = w x + b``: linear regression. Trained by gradient descent
on the mean squared error until it converges, it reaches the least-squares
line, the same line ``np.linalg.lstsq`` computes in closed form. Trained too
briefly, it stops short of it (underfitting).

>>> x = np.array([0.0, 1.0, 2.0])
>>> least_squares(x, 2 * x + 1)          # (slope, intercept) of y = 2x + 1
(2.0, 1.0)
>>> float(mse(np.array([1.0, 2.0]), np.array([1.0, 4.0])))
2.0
>>> round(slowest_curvature(np.linspace(0, 1, 101)), 4)   # of the MSE bowl in (w, b)
0.1341
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

N = 100  # training examples, x evenly spaced in [0, 1]
NOISE = 0.1  # standard deviation of the noise added to the targets
EPOCHS = 200  # the source's nb_epoch=200
BATCH = 32  # Keras's default batch size, which the source used
LEARNING_RATE = 0.5  # the converged run: full-batch gradient descent, well within 200 epochs
FAR = 6.0  # the claim's "far outside": x = 6
POOR = 10.0  # "predicts poorly": error at FAR above POOR x the error on the training range
MANY_SEEDS = 2000  # noise draws for the least-squares study of the error at FAR
TARGETS = {"y = x": lambda x: x, "y = x²": lambda x: x**2}


def mse(y_true, y_pred) -> float:
    """Mean squared error, the loss of the fit."""
    return np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2)


def make_data(target: str = "y = x", n: int = N, seed_value: int = 0):
    """``n`` inputs evenly spaced in [0, 1] and noisy targets ``f(x) + noise``, shape (n, 1)."""
    rng = np.random.default_rng(seed_value)
    x = np.linspace(0.0, 1.0, n).reshape(-1, 1)
    y = TARGETS[target](x) + rng.normal(0.0, NOISE, size=(n, 1))
    return x.astype("float32"), y.astype("float32")


def least_squares(x, y) -> tuple[float, float]:
    """The closed-form least-squares line: (slope, intercept) from ``np.linalg.lstsq``."""
    design = np.column_stack([np.ravel(x), np.ones(np.size(x))]).astype("float64")
    (slope, intercept), *_ = np.linalg.lstsq(design, np.ravel(y).astype("float64"), rcond=None)
    return float(slope), float(intercept)


# --- The source's run ------------------------------------------------------------


@functools.cache
def source_run(seed_value: int = 0):
    """The source's run in Keras 3; return (model, History).

    One ``Dense(1)`` unit, the mean squared error, the optimizer ``"sgd"``
    with its defaults, 200 epochs of batches of 32 (Keras's default), each
    epoch a new shuffle of the 100 examples. ``fit(x, y, epochs=200)`` does
    the same with NumPy arrays; the Dataset, built once, costs far less per
    epoch, and ``steps_per_execution=4`` runs an epoch's 4 steps per call.
    """
    x, y = make_data(seed_value=seed_value)
    keras.utils.set_random_seed(seed_value)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=4)
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(N, seed=seed_value).batch(BATCH)
    history = model.fit(data.repeat(), epochs=EPOCHS, steps_per_epoch=4, shuffle=False, verbose=0)
    return model, history


def slowest_curvature(x) -> float:
    """The smallest eigenvalue of the Hessian of the MSE in (w, b).

    The Hessian is 2 [[mean x², mean x], [mean x, 1]].

    Gradient descent with learning rate ``lr`` shrinks the error along that
    direction by a factor ``1 - lr * eigenvalue`` per step: the slowest part.
    """
    x = np.ravel(x).astype("float64")
    hessian = 2 * np.array([[np.mean(x**2), np.mean(x)], [np.mean(x), 1.0]])
    return float(np.linalg.eigvalsh(hessian)[0])


def show_source_run() -> None:
    """The source's run: its prediction at x = 1 against the least-squares line."""
    x, y = make_data()
    model, history = source_run()
    kernel, bias = (float(w.numpy().ravel()[0]) for w in model.weights)
    slope, intercept = least_squares(x, y)
    lr = float(model.optimizer.learning_rate.numpy())
    steps = EPOCHS * 4
    curvature = slowest_curvature(x)
    loss = history.history["loss"]
    rows = {
        "epochs, batches per epoch, steps": [len(loss), 4, steps],
        "SGD default learning rate": lr,
        "prediction at x = 1 (Keras)": glue("src_pred", predict(model, [1.0])[0]),
        "least-squares line at x = 1": glue("ls_pred", slope + intercept),
        "w, b (Keras)": [glue("src_w", kernel), glue("src_b", bias)],
        "w, b (least squares)": [glue("ls_w", slope), glue("ls_b", intercept)],
        "training MSE, last epoch (Keras)": glue("src_mse", float(loss[-1])),
        "training MSE of the least-squares line": glue("ls_mse", mse(y, slope * x + intercept)),
        "training MSE: drop over the last 20 epochs": glue("src_drop", float(loss[-21] - loss[-1])),
        "smallest curvature of the MSE bowl": glue("curv", curvature),
        "steps to shrink the slow error by e: 1 / (lr x curvature)": glue(
            "slow_steps", 1 / (lr * curvature)),
        "slow error left after 800 steps: exp(-800 lr curvature)": glue(
            "slow_left", float(np.exp(-steps * lr * curvature))),
    }
    glue("sgd_lr", lr)
    glue("noise", NOISE)
    print(table(rows))


def train_copies(seeds, learning_rate: float = 0.01, batch_size: int = BATCH,
                 epochs: int = EPOCHS) -> np.ndarray:
    """Train one linear unit per seed, all at once; return their (slope, intercept) rows.

    ``Dense(len(seeds))`` on the one input is that many independent units
    ``w_k x + b_k``: unit k is initialised as a Dense(1) with seed k would be
    (Glorot uniform on a 1x1 kernel), sees the targets of noise seed k, and
    the loss is the *sum* of the units' mean squared errors, so unit k gets
    exactly the gradient it would get trained alone. SGD, batches of
    ``batch_size``, ``epochs`` passes over the data, each in a new shuffled
    order (the one ``Dataset.shuffle(N, seed=0)`` gives, shared by the
    units): ``fit``'s steps, all run in one compiled TensorFlow call, since
    no per-epoch history is needed.
    """
    seeds = list(seeds)
    x = tf.constant(make_data()[0])
    y = tf.constant(np.hstack([make_data(seed_value=s)[1] for s in seeds]))
    start = np.hstack([keras.initializers.GlorotUniform(seed=s)((1, 1)) for s in seeds])
    keras.utils.set_random_seed(0)
    shuffles = tf.data.Dataset.range(N).shuffle(N, seed=0).batch(N).repeat(epochs)
    order = shuffles.batch(epochs).get_single_element()  # (epochs, N) indices
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(len(seeds))])
    model.set_weights([start, np.zeros(len(seeds), "float32")])
    optimizer = keras.optimizers.SGD(learning_rate)
    optimizer.build(model.trainable_variables)

    @tf.function
    def train():
        for epoch in tf.range(epochs):
            for first in tf.range(0, N, batch_size):
                batch = order[epoch, first:first + batch_size]
                with tf.GradientTape() as tape:
                    errors = tf.gather(y, batch) - model(tf.gather(x, batch))
                    loss = tf.reduce_mean(tf.reduce_sum(tf.square(errors), axis=-1))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))

    train()
    kernel, bias = model.get_weights()
    return np.column_stack([kernel.ravel(), bias])


def show_source_seeds() -> None:
    """The source's setting on 5 seeds: how far short of the least-squares line each run stops."""
    seeds = range(SEEDS)
    weights = train_copies(seeds)
    gaps, shortfall, at_one = [], [], []
    for s, (w, b) in zip(seeds, weights):
        x, y = make_data(seed_value=s)
        slope, intercept = least_squares(x, y)
        at_one.append(float(w + b))
        gaps.append(abs((w + b) - (slope + intercept)))
        shortfall.append(mse(y, w * x + b) - mse(y, slope * x + intercept))
    spread_pred, spread_gap, spread_short = (Spread.of(v) for v in (at_one, gaps, shortfall))
    glue("seeds_pred_min", spread_pred.min)
    glue("seeds_pred_max", spread_pred.max)
    glue("seeds_gap_min", spread_gap.min)
    glue("seeds_short_min", spread_short.min)
    initial = [float(keras.initializers.GlorotUniform(seed=s)((1, 1))[0, 0]) for s in seeds]
    print(table({
        "seed": list(seeds),
        "initial slope w": initial,
        "prediction at x = 1, per seed": at_one,
        "prediction at x = 1": str(spread_pred),
        "|prediction - least-squares line| at x = 1": str(spread_gap),
        "training MSE above the least-squares MSE": str(spread_short),
    }))


# --- The converged run -------------------------------------------------------------


def build(kind: str = "linear", seed_value: int = 0):
    """``linear``: one Dense(1) unit. ``mlp``: two hidden layers of 16 tanh units, then Dense(1)."""
    keras.utils.set_random_seed(seed_value)
    hidden = [keras.layers.Dense(16, activation="tanh") for _ in range(2)] if kind == "mlp" else []
    model = keras.Sequential([keras.Input((1,)), *hidden, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE if kind == "linear" else 0.1),
                  loss="mean_squared_error")
    return model


CASES = (  # (model, target) pairs, all trained on x in [0, 1]
    ("linear", "y = x"),
    ("mlp", "y = x"),
    ("linear", "y = x²"),
)


@functools.cache
def converged_runs() -> dict[tuple[str, str], tuple]:
    """Train ``build(kind)`` on ``make_data(target)`` for every case in CASES; (model, losses) each.

    Each epoch is one batch of all N examples, i.e. one step of plain
    gradient descent with the model's SGD optimizer: what ``fit(x, y,
    batch_size=N, epochs=200, shuffle=False)`` does. The three runs share
    nothing but one compiled loop (``tf.function``) that makes all their 200
    steps in one call. ``losses[e]`` is the loss of epoch e as ``fit``'s
    History reports it: the mean squared error of the step's forward pass,
    before its update.
    """
    models = {case: build(case[0]) for case in CASES}
    data = {case: [tf.constant(a) for a in make_data(case[1])] for case in CASES}
    for model in models.values():
        model.optimizer.build(model.trainable_variables)
    mse_loss = keras.losses.MeanSquaredError()

    def step(model, x, y):
        with tf.GradientTape() as tape:
            loss = mse_loss(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def loop():
        losses = [tf.TensorArray(tf.float32, size=EPOCHS) for _ in CASES]
        for epoch in tf.range(EPOCHS):
            losses = [a.write(epoch, step(models[case], *data[case]))
                      for a, case in zip(losses, CASES)]
        return [a.stack() for a in losses]

    return {case: (models[case], losses.numpy()) for case, losses in zip(CASES, loop())}


def converged():
    """The converged run: the Dense(1) unit on ``y = x``; (model, loss per epoch)."""
    return converged_runs()["linear", "y = x"]


def trained(kind: str, target: str):
    """The model of one case of CASES, trained like ``converged()``."""
    return converged_runs()[kind, target][0]


def predict(model, x) -> np.ndarray:
    """The model's predictions for the inputs ``x`` (a 1-D array).

    Calling the model directly is ``predict`` without its per-call set-up,
    much cheaper for a handful of points.
    """
    return np.asarray(model(np.asarray(x, dtype="float32").reshape(-1, 1))).ravel()


def cross_check() -> dict[str, float]:
    """The trained Dense(1) unit equals the closed-form least-squares line."""
    x, y = make_data()
    model, losses = converged()
    kernel, bias = (w.numpy().ravel()[0] for w in model.weights)
    slope, intercept = least_squares(x, y)
    np.testing.assert_allclose([kernel, bias], [slope, intercept], atol=1e-4)
    np.testing.assert_allclose(losses[-1], mse(y, slope * x + intercept), rtol=1e-4)
    return {
        "slope: Keras kernel / lstsq": [float(kernel), slope],
        "intercept: Keras bias / lstsq": [float(bias), intercept],
        "max |weight difference|": float(max(abs(kernel - slope), abs(bias - intercept))),
        "final training MSE (Keras)": float(losses[-1]),
        "MSE of the lstsq line": float(mse(y, slope * x + intercept)),
    }


def show_example() -> None:
    """The converged unit's weights and its prediction at x = 1."""
    model, loss = converged()
    kernel, bias = (w.numpy().ravel()[0] for w in model.weights)
    x, y = make_data()
    slope, intercept = least_squares(x, y)
    near = int(np.argmax(loss <= 1.01 * mse(y, slope * x + intercept))) + 1
    glue("lr_converged", LEARNING_RATE)
    print(table({
        "training examples, epochs": [N, len(loss)],
        "batch size (all examples), learning rate": [N, LEARNING_RATE],
        "MSE after epoch 1, after the last": [float(loss[0]), glue("conv_mse", float(loss[-1]))],
        "learned w (kernel), b (bias)": [glue("conv_w", float(kernel)),
                                         glue("conv_b", float(bias))],
        "prediction at x = 1": glue("conv_pred", float(predict(model, [1.0])[0])),
        "first epoch with MSE within 1% of the lstsq MSE": glue("conv_epochs", near),
    }))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# --- Claim 1: nb_epoch ---------------------------------------------------------


def old_and_new_fit() -> dict[str, object]:
    """Call ``fit`` the Keras 1 way (``nb_epoch=200``) and the Keras 3 way (``epochs=200``)."""
    x, y = make_data()
    model = build()
    try:
        history = model.fit(x, y, nb_epoch=EPOCHS, verbose=0)
        old = f"accepted, {len(history.history['loss'])} epochs trained"
        old_epochs = len(history.history["loss"])
    except TypeError as err:
        old, old_epochs = f"TypeError: {err}", 0
    _, history = source_run()  # fit(..., epochs=EPOCHS), as in the example
    return {
        "keras version": keras.__version__,
        f"fit(x, y, nb_epoch={EPOCHS})": old,
        f"epochs trained with nb_epoch={EPOCHS}": old_epochs,
        f"fit(..., epochs={EPOCHS}): epochs in History": len(history.history["loss"]),
    }


def check_regression_nb_epoch() -> ClaimCheck:
    """Claim: ``fit(..., nb_epoch=200)`` trains for 200 epochs.

    Holds if this Keras accepts the call and trains 200 epochs; wrong
    otherwise (rejected, or trained a different number of epochs).
    """
    evidence = old_and_new_fit()
    verdict = "holds" if evidence[f"epochs trained with nb_epoch={EPOCHS}"] == EPOCHS else "wrong"
    return ClaimCheck("regression-nb-epoch", verdict, evidence)


# --- Claim 2: extrapolation ------------------------------------------------------

def case_name(kind: str, target: str) -> str:
    """A short label: ``Dense(1), y = x``."""
    return f"{'Dense(1)' if kind == 'linear' else 'MLP 2×16 tanh'}, {target}"


def extrapolation_errors(kind: str, target: str) -> dict[str, float]:
    """Errors of one trained model: on its training data, and at x = FAR against the true f."""
    x, y = make_data(target)
    model = trained(kind, target)
    train_rmse = float(np.sqrt(mse(y.ravel(), predict(model, x))))
    truth = float(TARGETS[target](FAR))
    at_far = float(predict(model, [FAR])[0])
    return {
        "rmse on [0, 1]": train_rmse,
        "prediction at 6": at_far,
        "truth at 6": truth,
        "error at 6": abs(at_far - truth),
        "ratio": abs(at_far - truth) / train_rmse,
    }


def line_ratios_over_seeds(n_seeds: int = MANY_SEEDS) -> np.ndarray:
    """Error at x = 6 / training RMSE of the least-squares line, for ``n_seeds`` noise draws.

    The converged Dense(1) unit *is* the least-squares line (the NumPy vs
    Keras check), so NumPy gives its ratio for thousands of data sets at once.
    """
    x = make_data()[0].ravel().astype("float64")
    rng = np.random.default_rng(1)
    ys = x[:, None] + rng.normal(0.0, NOISE, size=(N, n_seeds))  # one data set per column
    design = np.column_stack([x, np.ones(N)])
    coef, *_ = np.linalg.lstsq(design, ys, rcond=None)  # (2, n_seeds)
    rmse = np.sqrt(np.mean((design @ coef - ys) ** 2, axis=0))
    error_far = np.abs(coef[0] * FAR + coef[1] - FAR)
    return error_far / rmse


def check_regression_extrapolation() -> ClaimCheck:
    """Claim: a model trained on inputs in [0, 1] predicts poorly far outside (at 6).

    Three models trained on x in [0, 1]. "Poorly" means: the error at x = 6
    is more than POOR times the model's RMSE on its training data. Holds if
    every case is poor, wrong if none is, conditions otherwise. For the line
    on linear data, the ratio over many noise draws shows what is luck.
    """
    evidence: dict[str, object] = {}
    poor = []
    for kind, target in CASES:
        e = extrapolation_errors(kind, target)
        name = case_name(kind, target)
        evidence[f"{name}: rmse on [0, 1], prediction / truth at 6"] = [
            e["rmse on [0, 1]"], e["prediction at 6"], e["truth at 6"]]
        evidence[f"{name}: error at 6 / rmse on [0, 1]"] = e["ratio"]
        key = {"linear, y = x": "ratio_line", "mlp, y = x": "ratio_mlp",
               "linear, y = x²": "ratio_square"}[f"{kind}, {target}"]
        glue(key, e["ratio"])
        poor.append(e["ratio"] > POOR)
    ratios = line_ratios_over_seeds()
    stats = {
        "median": glue("many_median", float(np.median(ratios))),
        "share above 1": glue("many_above_one", float(np.mean(ratios > 1))),
        "99th percentile": glue("many_p99", float(np.percentile(ratios, 99))),
        "largest": glue("many_max", float(ratios.max())),
    }
    glue("many_seeds", MANY_SEEDS)
    evidence[f"Dense(1), y = x, {MANY_SEEDS} noise draws (lstsq): ratio median, share > 1"] = [
        stats["median"], stats["share above 1"]]
    evidence["  ... 99th percentile, largest"] = [stats["99th percentile"], stats["largest"]]
    evidence[f"cases with error at 6 > {POOR:g} x rmse"] = f"{sum(poor)} of {len(poor)}"
    verdict = "holds" if all(poor) else "wrong" if not any(poor) else "conditions"
    return ClaimCheck("regression-extrapolation", verdict, evidence)


# --- Plots -------------------------------------------------------------------------


def plot_fit():
    """Left: data, the source's run, the converged run, least squares. Right: loss per epoch."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    x, y = make_data()
    source, source_history = source_run()
    model, losses = converged()
    slope, intercept = least_squares(x, y)
    grid = np.linspace(0, 1, 101)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.scatter(x, y, s=12, alpha=0.6, label="data: y = x + noise")
    ax1.plot(grid, predict(source, grid), lw=2, color="C3",
             label="source's run: sgd defaults, batches of 32")
    ax1.plot(grid, predict(model, grid), lw=2, color="C1", label="converged: full batch, lr 0.5")
    ax1.plot(grid, slope * grid + intercept, "k--", lw=1, label="least squares (lstsq)")
    ax1.plot([1.0, 1.0], [predict(source, [1.0])[0], predict(model, [1.0])[0]], "o",
             color="k", ms=5)
    ax1.set(xlabel="x", ylabel="y", title="Two runs of one Dense(1) unit, 200 epochs")
    ax1.legend(loc="upper left", fontsize=8)
    epochs = np.arange(1, EPOCHS + 1)
    ax2.plot(epochs, source_history.history["loss"], color="C3", label="source's run")
    ax2.plot(epochs, losses, color="C1", label="converged run")
    ax2.axhline(mse(y, slope * x + intercept), color="k", ls="--", lw=1, label="MSE of lstsq line")
    ax2.set(yscale="log", xlabel="epoch", ylabel="training MSE", title="Loss per epoch")
    ax2.minorticks_off()  # decades only: cheaper to draw
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax2.legend(loc="upper right", fontsize=8)
    return fig


def plot_extrapolation():
    """Predictions from -0.5 to 7 of the three models trained on [0, 1], against the truth."""
    import matplotlib.pyplot as plt

    grid = np.linspace(-0.5, 7.0, 301)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for ax, target in zip(axes, TARGETS):
        ax.axvspan(0, 1, color="0.9", label="training range [0, 1]")
        ax.plot(grid, TARGETS[target](grid), "k--", lw=1, label=f"truth {target}")
        for i, (kind, tgt) in enumerate(CASES):
            if tgt == target:
                ax.plot(grid, predict(trained(kind, tgt), grid), lw=2, color=f"C{i}",
                        label=case_name(kind, tgt).split(",")[0])
        ax.axvline(FAR, color="C3", lw=1, ls=":")
        ax.set(xlabel="x", ylabel="prediction", title=f"Trained on [0, 1], target {target}")
        ax.legend(loc="upper left", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_source_run,
    show_source_seeds,
    show_example,
    plot_fit,
    show_cross_check,
    check_regression_nb_epoch,
    check_regression_extrapolation,
    plot_extrapolation,
)
