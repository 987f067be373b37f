"""Regression (回归): predicting a continuous value, fitted here by minimising the mean squared error.

The simplest Keras regression model is one ``Dense(1)`` unit without an
activation, ``y_hat = w x + b``: linear regression. Trained by gradient descent
on the mean squared error it converges to the least-squares line, the same
line ``np.linalg.lstsq`` computes in closed form.

>>> x = np.array([0.0, 1.0, 2.0])
>>> least_squares(x, 2 * x + 1)          # (slope, intercept) of y = 2x + 1
(2.0, 1.0)
>>> float(mse(np.array([1.0, 2.0]), np.array([1.0, 4.0])))
2.0
"""

from __future__ import annotations

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import keras, seed, tf

N = 100  # training examples, x uniform in [0, 1]
NOISE = 0.1  # standard deviation of the noise added to the targets
EPOCHS = 200  # the source's nb_epoch=200
LEARNING_RATE = 0.5  # full-batch gradient descent converges well within 200 epochs
FAR = 6.0  # the claim's "far outside": x = 6
POOR = 10.0  # "predicts poorly": error at FAR above POOR x the error on the training range
TARGETS = {"y = x": lambda x: x, "y = x²": lambda x: x**2}


def mse(y_true, y_pred) -> float:
    """Mean squared error, the loss of the fit."""
    return np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2)


def make_data(target: str = "y = x", n: int = N, seed_value: int = 0):
    """``n`` inputs uniform in [0, 1] and noisy targets ``f(x) + noise``, shape (n, 1)."""
    rng = np.random.default_rng(seed_value)
    x = rng.uniform(0.0, 1.0, size=(n, 1))
    y = TARGETS[target](x) + rng.normal(0.0, NOISE, size=(n, 1))
    return x.astype("float32"), y.astype("float32")


def least_squares(x, y) -> tuple[float, float]:
    """The closed-form least-squares line: (slope, intercept) from ``np.linalg.lstsq``."""
    design = np.column_stack([np.ravel(x), np.ones(np.size(x))]).astype("float64")
    (slope, intercept), *_ = np.linalg.lstsq(design, np.ravel(y).astype("float64"), rcond=None)
    return float(slope), float(intercept)


def build(kind: str = "linear", seed_value: int = 0):
    """``linear``: one Dense(1) unit. ``mlp``: two hidden layers of 16 tanh units, then Dense(1)."""
    k = keras()
    seed(seed_value)
    hidden = [k.layers.Dense(16, activation="tanh") for _ in range(2)] if kind == "mlp" else []
    model = k.Sequential([k.Input((1,)), *hidden, k.layers.Dense(1)])
    model.compile(optimizer=k.optimizers.SGD(learning_rate=LEARNING_RATE if kind == "linear" else 0.1),
                  loss="mean_squared_error")
    return model


_RUNS: dict = {}  # one training run per (kind, target, epochs), shared by the page's cells


def fit(kind: str = "linear", target: str = "y = x", epochs: int = EPOCHS):
    """Train ``build(kind)`` on ``make_data(target)``; return (model, History).

    Each epoch is one batch of all N examples, i.e. one step of plain gradient
    descent. The data go in as a ``tf.data.Dataset`` built once, which costs
    far less per epoch than NumPy arrays; ``fit(x, y, epochs=...)`` trains the
    same way.
    """
    key = (kind, target, epochs)
    if key not in _RUNS:
        x, y = make_data(target)
        model = build(kind)
        data = tf().data.Dataset.from_tensor_slices((x, y)).batch(len(x))
        history = model.fit(data, epochs=epochs, shuffle=False, verbose=0)
        _RUNS[key] = (model, history)
    return _RUNS[key]


def predict(model, x) -> np.ndarray:
    """The model's predictions for the inputs ``x`` (a 1-D array).

    Calling the model directly is ``predict`` without its per-call set-up,
    much cheaper for a handful of points.
    """
    return np.asarray(model(np.asarray(x, dtype="float32").reshape(-1, 1))).ravel()


def cross_check() -> dict[str, float]:
    """The trained Dense(1) unit equals the closed-form least-squares line."""
    x, y = make_data()
    model, history = fit()
    kernel, bias = (w.numpy().ravel()[0] for w in model.weights)
    slope, intercept = least_squares(x, y)
    np.testing.assert_allclose([kernel, bias], [slope, intercept], atol=1e-4)
    np.testing.assert_allclose(history.history["loss"][-1], mse(y, slope * x + intercept), rtol=1e-4)
    return {
        "slope: Keras kernel / lstsq": [float(kernel), slope],
        "intercept: Keras bias / lstsq": [float(bias), intercept],
        "max |weight difference|": float(max(abs(kernel - slope), abs(bias - intercept))),
        "final training MSE (Keras)": float(history.history["loss"][-1]),
        "MSE of the lstsq line": float(mse(y, slope * x + intercept)),
    }


# --- Claim 1: nb_epoch ---------------------------------------------------------


def old_and_new_fit() -> dict[str, object]:
    """Call ``fit`` the Keras 1 way (``nb_epoch=200``) and the Keras 3 way (``epochs=200``)."""
    k = keras()
    x, y = make_data()
    model = build()
    try:
        history = model.fit(x, y, nb_epoch=EPOCHS, verbose=0)
        old = f"accepted, {len(history.history['loss'])} epochs trained"
        old_epochs = len(history.history["loss"])
    except TypeError as err:
        old, old_epochs = f"TypeError: {err}", 0
    _, history = fit()  # fit(dataset, epochs=EPOCHS), as in the example
    return {
        "keras version": k.__version__,
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

CASES = (  # (model, target) pairs, all trained on x in [0, 1]
    ("linear", "y = x"),
    ("mlp", "y = x"),
    ("linear", "y = x²"),
)


def case_name(kind: str, target: str) -> str:
    """A short label: ``Dense(1), y = x``."""
    return f"{'Dense(1)' if kind == 'linear' else 'MLP 2×16 tanh'}, {target}"


def extrapolation_errors(kind: str, target: str) -> dict[str, float]:
    """Errors of one trained model: on its training data, and at x = FAR against the true f."""
    x, y = make_data(target)
    model, _ = fit(kind, target)
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


def check_regression_extrapolation() -> ClaimCheck:
    """Claim: a model trained on inputs in [0, 1] predicts poorly far outside (at 6).

    Three models trained on x in [0, 1]. "Poorly" means: the error at x = 6
    is more than POOR times the model's RMSE on its training data. Holds if
    every case is poor, wrong if none is, conditions otherwise.
    """
    evidence: dict[str, object] = {}
    poor = []
    for kind, target in CASES:
        e = extrapolation_errors(kind, target)
        name = case_name(kind, target)
        evidence[f"{name}: rmse on [0, 1], prediction / truth at 6"] = [
            e["rmse on [0, 1]"], e["prediction at 6"], e["truth at 6"]]
        evidence[f"{name}: error at 6 / rmse on [0, 1]"] = e["ratio"]
        poor.append(e["ratio"] > POOR)
    evidence[f"cases with error at 6 > {POOR:g} x rmse"] = f"{sum(poor)} of {len(poor)}"
    verdict = "holds" if all(poor) else "wrong" if not any(poor) else "conditions"
    return ClaimCheck("regression-extrapolation", verdict, evidence)


# --- Plots -------------------------------------------------------------------------


def plot_fit():
    """Left: data, Keras's line and the least-squares line. Right: loss per epoch."""
    import matplotlib.pyplot as plt

    x, y = make_data()
    model, history = fit()
    slope, intercept = least_squares(x, y)
    grid = np.linspace(0, 1, 101)
    at_one = float(predict(model, [1.0])[0])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.scatter(x, y, s=12, alpha=0.6, label="data: y = x + noise")
    ax1.plot(grid, predict(model, grid), lw=2, color="C1", label="Keras Dense(1) after 200 epochs")
    ax1.plot(grid, slope * grid + intercept, "k--", lw=1, label="least squares (lstsq)")
    ax1.plot([1.0], [at_one], "o", color="C3", ms=7, label=f"prediction at x = 1: {at_one:.3f}")
    ax1.set(xlabel="x", ylabel="y", title="Linear regression with one Dense unit")
    ax1.legend(loc="upper left", fontsize=8)
    loss = history.history["loss"]
    ax2.plot(np.arange(1, len(loss) + 1), loss, color="C1", label="training MSE (Keras)")
    ax2.axhline(mse(y, slope * x + intercept), color="k", ls="--", lw=1, label="MSE of lstsq line")
    ax2.set(yscale="log", xlabel="epoch", ylabel="mean squared error", title="Loss per epoch")
    ax2.legend(loc="upper right")
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
                ax.plot(grid, predict(fit(kind, tgt)[0], grid), lw=2, color=f"C{i}",
                        label=case_name(kind, tgt).split(",")[0])
        ax.axvline(FAR, color="C3", lw=1, ls=":")
        ax.set(xlabel="x", ylabel="prediction", title=f"Trained on [0, 1], target {target}")
        ax.legend(loc="upper left", fontsize=8)
    return fig


def show_example() -> None:
    """The trained unit's weights and its prediction at x = 1."""
    model, history = fit()
    kernel, bias = (w.numpy().ravel()[0] for w in model.weights)
    print(table({
        "training examples": N,
        "epochs (len(history.history['loss']))": len(history.history["loss"]),
        "MSE after epoch 1, after the last": [float(history.history["loss"][0]),
                                              float(history.history["loss"][-1])],
        "learned w (kernel), b (bias)": [float(kernel), float(bias)],
        "prediction at x = 1": float(predict(model, [1.0])[0]),
    }))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_fit,
    show_cross_check,
    check_regression_nb_epoch,
    check_regression_extrapolation,
    plot_extrapolation,
)
