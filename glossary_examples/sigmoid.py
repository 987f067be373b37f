"""Sigmoid (sigmoid 函数): the logistic function σ(z) = 1 / (1 + e^−z), with values in (0, 1).

It squashes any real number into the open interval (0, 1), with σ(0) = 0.5 and
σ(−z) = 1 − σ(z). Its derivative is σ'(z) = σ(z)(1 − σ(z)), largest at z = 0,
where it is 0.25. As an output activation it is usually paired with binary
cross-entropy, and its output is read as the probability of class 1.

>>> sigmoid(np.array([0.0, -1000.0, 1000.0])).tolist()  # no overflow warning
[0.5, 0.0, 1.0]
>>> float(sigmoid_derivative(np.array(0.0)))
0.25
>>> bool(np.allclose(sigmoid(np.array(2.0)) + sigmoid(np.array(-2.0)), 1.0))
True
"""

from __future__ import annotations

import functools

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import keras, seed, tf

#: Half the distance between the two class means of the claim's data set.
MEAN = np.array([0.6, 0.4])
STEPS = 200  # full-batch Adam steps for each output layer
SAME = 0.05  # log-losses within 5 % count as equal
SAME_ACCURACY = 0.02


def sigmoid(z) -> np.ndarray:
    """σ(z) computed without overflow: only e^−|z| is ever evaluated."""
    z = np.asarray(z, dtype="float64")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z) -> np.ndarray:
    """σ'(z) = σ(z)(1 − σ(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def keras_sigmoid_and_gradient(z) -> tuple[np.ndarray, np.ndarray]:
    """``keras.activations.sigmoid`` and its derivative from ``tf.GradientTape``."""
    k, t = keras(), tf()
    z = t.constant(np.asarray(z, dtype="float32"))
    with t.GradientTape() as tape:
        tape.watch(z)
        y = k.activations.sigmoid(z)
    return y.numpy(), tape.gradient(y, z).numpy()


def cross_check(n: int = 2001) -> dict[str, float]:
    """NumPy's σ and σ(1 − σ) equal Keras's sigmoid and TensorFlow's gradient.

    On n points from −10 to 10 (z = 0 included), asserted with
    ``np.testing.assert_allclose``. The derivative is also checked against a
    central finite difference, and its maximum located.
    """
    z = np.linspace(-10, 10, n)
    values, grads = keras_sigmoid_and_gradient(z)
    np.testing.assert_allclose(values, sigmoid(z), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grads, sigmoid_derivative(z), rtol=1e-5, atol=1e-7)
    h = 1e-5
    finite = (sigmoid(z + h) - sigmoid(z - h)) / (2 * h)
    np.testing.assert_allclose(finite, sigmoid_derivative(z), atol=1e-9)
    return {
        "points compared": n,
        "max |value difference|": float(np.abs(values - sigmoid(z)).max()),
        "max |gradient difference|": float(np.abs(grads - sigmoid_derivative(z)).max()),
        "max |finite difference − σ(1 − σ)|": float(np.abs(finite - sigmoid_derivative(z)).max()),
        "largest derivative (TensorFlow)": float(grads.max()),
        "at z": float(z[np.argmax(grads)]),
    }


# --- The claim: sigmoid or tanh in the output layer --------------------------------


def blobs(n: int, seed_value: int) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping Gaussian classes in 2-D, means ±MEAN, identity covariance.

    Labels are 0 or 1, equally likely. For this data the true probability of
    class 1 is known exactly: P(y = 1 | x) = σ(2·MEAN·x).
    """
    rng = np.random.default_rng(seed_value)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(size=(n, 2)) + np.where(y[:, None] == 1, MEAN, -MEAN)
    return x.astype("float32"), y.astype("float32")


def true_probability(x) -> np.ndarray:
    """P(y = 1 | x) for :func:`blobs`: the Bayes posterior, σ(2·MEAN·x)."""
    return sigmoid(2 * np.asarray(x, dtype="float64") @ MEAN)


#: The output layers compared: activation, extra layers, loss, target coding.
OUTPUTS = {
    "sigmoid + BCE": "sigmoid",
    "tanh + MSE, targets ±1": "tanh-mse",
    "(tanh + 1)/2 + BCE": "tanh-rescaled",
}


@functools.cache
def trained_output_layer(kind: str):
    """One output neuron trained on 500 points; returns (model, probability function).

    ``sigmoid``: Dense(1, sigmoid), binary cross-entropy, targets 0/1.
    ``tanh-mse``: Dense(1, tanh), mean squared error, targets −1/+1 (the
    classic way to train a tanh output); read as a probability via (t + 1)/2.
    ``tanh-rescaled``: Dense(1, tanh) followed by Rescaling(0.5, offset=0.5),
    binary cross-entropy, targets 0/1.
    Same data, same initial weights (same seed), same optimizer and steps.
    """
    k = keras()
    x, y = blobs(500, seed_value=0)
    seed(0)
    layers = [k.layers.Dense(1, activation="tanh" if kind != "sigmoid" else "sigmoid")]
    loss, target = "binary_crossentropy", y
    if kind == "tanh-mse":
        loss, target = "mean_squared_error", 2 * y - 1
    if kind == "tanh-rescaled":
        layers.append(k.layers.Rescaling(0.5, offset=0.5))
    model = k.Sequential([k.Input((2,)), *layers])
    model.compile(optimizer=k.optimizers.Adam(0.05), loss=loss)
    batches = tf().data.Dataset.from_tensors((x, target)).repeat(STEPS)
    model.fit(batches, epochs=1, shuffle=False, verbose=0)

    def probability(inputs):
        out = model(inputs).numpy()[:, 0]
        return (out + 1) / 2 if kind == "tanh-mse" else out

    return model, probability


def log_loss(p, y) -> float:
    """Mean binary cross-entropy of probabilities ``p`` (clipped to [1e-7, 1 − 1e-7])."""
    p = np.clip(np.asarray(p, dtype="float64"), 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def output_layer_results() -> dict[str, dict[str, float]]:
    """Test-set accuracy, log-loss and probability error of each output layer."""
    x, y = blobs(2000, seed_value=1)
    truth = true_probability(x)
    results = {}
    for label, kind in OUTPUTS.items():
        model, probability = trained_output_layer(kind)
        p = probability(x)
        raw = model.layers[0](x).numpy()[:, 0]  # the activation's own output
        results[label] = {
            "accuracy": float(np.mean((p >= 0.5) == y)),
            "log-loss": log_loss(p, y),
            "mean |p − true p|": float(np.abs(p - truth).mean()),
            "raw outputs outside [0, 1]": float(np.mean((raw < 0) | (raw > 1))),
        }
    results["true probabilities (best possible)"] = {
        "accuracy": float(np.mean((truth >= 0.5) == y)),
        "log-loss": log_loss(truth, y),
    }
    return results


def show_output_layers() -> None:
    """The table behind the claim: one block per output layer."""
    for label, numbers in output_layer_results().items():
        print(label)
        print(table(numbers, indent="  "))


def check_sigmoid_output_layer() -> ClaimCheck:
    """Claim: sigmoid beats tanh in the output layer because its outputs read as probabilities.

    Three output layers on the same data (see ``trained_output_layer``),
    scored on 2000 test points after reading each output as a probability.
    Holds if sigmoid's log-loss is more than SAME (5 %) below that of every
    tanh variant; wrong if a tanh variant's is more than 5 % below sigmoid's,
    or if the raw tanh outputs already stay in [0, 1]; conditions otherwise:
    raw tanh outputs are not probabilities, but rescaled they do as well.
    """
    r = output_layer_results()
    sig = r["sigmoid + BCE"]
    tanhs = [r[label] for label in list(OUTPUTS)[1:]]
    z = np.linspace(-20, 20, 4001)
    identity_gap = float(np.abs((1 + np.tanh(z / 2)) / 2 - sigmoid(z)).max())
    raw_outside = r["tanh + MSE, targets ±1"]["raw outputs outside [0, 1]"]
    sig_kernel = trained_output_layer("sigmoid")[0].layers[0].kernel.numpy()[:, 0]
    tanh_kernel = trained_output_layer("tanh-rescaled")[0].layers[0].kernel.numpy()[:, 0]
    def row(metric):
        return [sig[metric]] + [t[metric] for t in tanhs]

    evidence = {
        "log-loss (sigmoid, tanh MSE, tanh rescaled)": row("log-loss"),
        "accuracy (sigmoid, tanh MSE, tanh rescaled)": row("accuracy"),
        "mean |p − true p| (same order)": row("mean |p − true p|"),
        "raw tanh outputs outside [0, 1]": raw_outside,
        "max |(1 + tanh(z/2))/2 − σ(z)|": identity_gap,
        "rescaled-tanh weights / sigmoid weights": (tanh_kernel / sig_kernel).tolist(),
    }
    sigmoid_better = all(t["log-loss"] > (1 + SAME) * sig["log-loss"] for t in tanhs)
    tanh_better = any(t["log-loss"] < (1 - SAME) * sig["log-loss"] for t in tanhs)
    if sigmoid_better:
        verdict = "holds"
    elif tanh_better or raw_outside == 0:
        verdict = "wrong"
    else:
        verdict = "conditions"
    return ClaimCheck("sigmoid-output-layer", verdict, evidence)


# --- Plots and printing ----------------------------------------------------------


def plot_sigmoid():
    """Left: σ(z). Right: σ'(z) = σ(1 − σ), at most 0.25."""
    import matplotlib.pyplot as plt

    z = np.linspace(-8, 8, 801)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(z, sigmoid(z), lw=2, label="σ(z) = 1 / (1 + e^−z)")
    ax1.plot(z, np.tanh(z), lw=1, ls="--", color="gray", label="tanh(z), for comparison")
    for level in (0, 0.5, 1):
        ax1.axhline(level, color="k", lw=0.5, ls=":")
    ax1.set(xlabel="z", ylabel="output", title="Sigmoid: any z into (0, 1)")
    ax1.legend(loc="lower right", fontsize=8)
    ax2.plot(z, sigmoid_derivative(z), lw=2, label="σ'(z) = σ(z)(1 − σ(z))")
    ax2.axhline(0.25, color="k", lw=0.8, ls="--", label="0.25, reached at z = 0")
    ax2.set(xlabel="z", ylabel="derivative", ylim=(0, 0.3), title="Its derivative: at most 0.25")
    ax2.legend(loc="upper right", fontsize=8)
    return fig


def plot_output_layers():
    """Left: raw outputs of the sigmoid and the tanh layer. Right: probabilities vs truth."""
    import matplotlib.pyplot as plt

    x, _ = blobs(2000, seed_value=1)
    truth = true_probability(x)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    bins = np.linspace(-1, 1, 41)
    for label, kind in [("sigmoid output", "sigmoid"), ("tanh output (MSE, ±1)", "tanh-mse")]:
        model, _ = trained_output_layer(kind)
        ax1.hist(model.layers[0](x).numpy()[:, 0], bins=bins, alpha=0.6, label=label)
    ax1.axvspan(-1, 0, color="gray", alpha=0.1, label="not a probability")
    ax1.set(xlabel="raw output of the activation", ylabel="test points",
            title="What the output layer emits")
    ax1.legend(loc="upper left", fontsize=8)
    edges = np.linspace(0, 1, 11)
    which = np.digitize(truth, edges[1:-1])  # 10 bins of the true probability
    centres = [truth[which == i].mean() for i in range(10)]
    for (label, kind), style in zip(OUTPUTS.items(), ["o-", "s--", "x:"]):
        p = trained_output_layer(kind)[1](x)
        ax2.plot(centres, [p[which == i].mean() for i in range(10)], style, lw=2, ms=6,
                 mfc="none", label=label)
    ax2.plot([0, 1], [0, 1], color="k", lw=0.5, label="perfect")
    ax2.set(xlabel="true probability of class 1 (10 bins)",
            ylabel="mean predicted probability", title="Read as probabilities: the same")
    ax2.legend(loc="upper left", fontsize=8)
    return fig


def show_example() -> None:
    """σ and σ' on a few numbers; σ(−z) = 1 − σ(z)."""
    z = np.array([-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 6.0])
    with np.printoptions(precision=4, suppress=True):
        print(f"{'z':>12}: {z}")
        print(f"{'σ(z)':>12}: {sigmoid(z)}")
        print(f"{'1 − σ(−z)':>12}: {1 - sigmoid(-z)}")
        print(f"{'σ′(z)':>12}: {sigmoid_derivative(z)}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_sigmoid,
    show_cross_check,
    show_output_layers,
    check_sigmoid_output_layer,
    plot_output_layers,
)
