"""Hyperbolic tangent (tanh 函数): tanh(z) = (e^z − e^−z) / (e^z + e^−z) = 2σ(2z) − 1, in (−1, 1).

An S-shaped activation like the sigmoid σ, but centred on 0 (tanh(0) = 0,
tanh(−z) = −tanh(z)) and twice as tall, with slope 1 at the origin instead of
0.25: it is the sigmoid stretched by 2 in both directions and shifted down
by 1. Its derivative is 1 − tanh²(z).

>>> tanh(np.array([-1.0, 0.0, 1.0])).round(4).tolist()
[-0.7616, 0.0, 0.7616]
>>> float(np.abs(tanh(Z) - (2 * sigmoid(2 * Z) - 1)).max()) < 1e-15
True
>>> float(tanh_derivative(np.array(0.0)))
1.0
"""

from __future__ import annotations

import functools

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import keras, minibatch_mse_training, seed, tf

Z = np.linspace(-10, 10, 2001)  # the grid on which identities are checked
WIDTH, DEPTH, EPOCHS = 32, 2, 40
OPTIMIZERS = ("SGD + momentum", "Adam")
CLEAR = 0.5  # "clearly faster": final loss at most half the other's
CLOSE = 2.0  # "as good as": final loss within a factor 2


def tanh(z) -> np.ndarray:
    """tanh(z) in NumPy."""
    return np.tanh(np.asarray(z, dtype="float64"))


def tanh_derivative(z) -> np.ndarray:
    """d tanh / dz = 1 − tanh²(z)."""
    return 1.0 - tanh(z) ** 2


def sigmoid(z) -> np.ndarray:
    """σ(z) = 1 / (1 + e^−z), for the identity tanh(z) = 2σ(2z) − 1."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype="float64")))


def keras_tanh_and_gradient(z) -> tuple[np.ndarray, np.ndarray]:
    """``keras.activations.tanh`` and its derivative from ``tf.GradientTape``."""
    k, t = keras(), tf()
    z = t.constant(np.asarray(z, dtype="float32"))
    with t.GradientTape() as tape:
        tape.watch(z)
        y = k.activations.tanh(z)
    return y.numpy(), tape.gradient(y, z).numpy()


def cross_check() -> dict[str, float]:
    """NumPy's tanh and 1 − tanh² equal Keras's tanh and TensorFlow's gradient.

    On 2001 points from −10 to 10, asserted with ``np.testing.assert_allclose``;
    also the identity tanh(z) = 2σ(2z) − 1, in NumPy and in Keras.
    """
    k = keras()
    values, grads = keras_tanh_and_gradient(Z)
    np.testing.assert_allclose(values, tanh(Z), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grads, tanh_derivative(Z), rtol=1e-5, atol=1e-6)
    identity_numpy = 2 * sigmoid(2 * Z) - 1
    identity_keras = 2 * k.activations.sigmoid(2 * Z.astype("float32")).numpy() - 1
    np.testing.assert_allclose(identity_numpy, tanh(Z), atol=1e-12)
    np.testing.assert_allclose(identity_keras, values, atol=1e-6)
    return {
        "points compared": len(Z),
        "max |value difference|": float(np.abs(values - tanh(Z)).max()),
        "max |gradient difference|": float(np.abs(grads - tanh_derivative(Z)).max()),
        "max |2σ(2z) − 1 − tanh(z)|, NumPy float64": float(np.abs(identity_numpy - tanh(Z)).max()),
        "max |2σ(2z) − 1 − tanh(z)|, Keras float32": float(np.abs(identity_keras - values).max()),
        "largest derivative (TensorFlow)": float(grads.max()),
    }


# --- The claim: tanh or sigmoid in hidden layers -----------------------------------


def centred_sigmoid(z):
    """σ(z) − 1/2: the sigmoid moved to mean 0, slope still at most 0.25."""
    return keras().ops.sigmoid(z) - 0.5


def tanh_plus_one(z):
    """tanh(z) + 1 = 2σ(2z): tanh's slope (1 at 0), but outputs in (0, 2)."""
    return keras().ops.tanh(z) + 1.0


#: The four hidden activations: {slope 0.25, slope 1} × {not centred, centred}.
ACTIVATIONS = {
    "sigmoid": "sigmoid",
    "sigmoid − 1/2": centred_sigmoid,
    "tanh + 1": tanh_plus_one,
    "tanh": "tanh",
}


def task_data(n: int = 512, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Zero-mean inputs on [−1, 1]² and targets y = sin(3 x1) cos(3 x2)."""
    x = np.random.default_rng(seed_value).uniform(-1, 1, size=(n, 2)).astype("float32")
    y = (np.sin(3 * x[:, 0]) * np.cos(3 * x[:, 1]))[:, None].astype("float32")
    return x, y


def mlp(activation: str, seed_value: int = 0):
    """DEPTH hidden Dense layers of WIDTH units with the named activation, linear output."""
    k = keras()
    seed(seed_value)
    hidden = [k.layers.Dense(WIDTH, activation=ACTIVATIONS[activation]) for _ in range(DEPTH)]
    return k.Sequential([k.Input((2,)), *hidden, k.layers.Dense(1)])


def hidden_means(model, x) -> list[float]:
    """The mean output of each hidden layer of ``model`` over the inputs ``x``."""
    h, means = x, []
    for layer in model.layers[:-1]:
        h = layer(h)
        means.append(float(np.mean(h.numpy())))
    return means


@functools.cache
def train(activation: str, optimizer: str, batch_size: int = 64):
    """Train one MLP; return (model, loss after each epoch).

    Everything but the activation is shared between runs: data, mini-batch
    order, initial weights (same seed), optimizer and its learning rate
    (SGD 0.05 with momentum 0.9, or Adam 0.01), EPOCHS epochs. The loss is
    the mean squared error divided by the target variance (1.0 = predicting
    the mean).
    """
    k = keras()
    x, y = task_data()
    model = mlp(activation)
    if optimizer == "Adam":
        opt = k.optimizers.Adam(learning_rate=0.01)
    else:
        opt = k.optimizers.SGD(learning_rate=0.05, momentum=0.9)
    return model, minibatch_mse_training(model, opt, x, y, EPOCHS, batch_size)


def final_loss(losses: np.ndarray) -> float:
    """Mean loss of the last 5 epochs.

    >>> final_loss(np.array([9.0, 9.0, 1.0, 1.0, 1.0, 1.0, 1.0]))
    1.0
    """
    return float(np.mean(losses[-5:]))


def show_hidden_means() -> None:
    """Mean output of each hidden layer at initialisation, on the zero-mean inputs."""
    x, _ = task_data()
    print(f"input mean: {x.mean():.4f}")
    for act in ACTIVATIONS:
        means = hidden_means(mlp(act), x)
        print(f"{act:>14}: hidden-layer means {[round(m, 3) for m in means]}")


def show_training() -> None:
    """Final loss and epochs to reach loss 0.1, for every activation and optimizer."""
    for opt in OPTIMIZERS:
        print(f"{opt}: loss after {EPOCHS} epochs (mean of last 5), first epoch below 0.1")
        for act in ACTIVATIONS:
            losses = train(act, opt)[1]
            below = np.flatnonzero(losses < 0.1)
            first = int(below[0]) + 1 if below.size else "never"
            print(f"  {act:>14}  {final_loss(losses):7.4f}   {first}")


def check_tanh_hidden_layers() -> ClaimCheck:
    """Claim: tanh beats sigmoid in hidden layers because its outputs have mean 0.

    The premise is measured (hidden means at initialisation on zero-mean
    inputs), then the same MLP is trained with four hidden activations and two
    optimizers. ``sigmoid − 1/2`` has mean 0 but sigmoid's slope; ``tanh + 1``
    has tanh's slope but not mean 0. "Beats": final loss at most CLEAR times
    sigmoid's. "Mean 0 explains it": centring alone (``sigmoid − 1/2``) gets
    within a factor CLOSE of tanh. Holds if tanh beats sigmoid and centring
    explains it with both optimizers; wrong if tanh beats sigmoid with
    neither; conditions otherwise.
    """
    x, _ = task_data()
    evidence: dict[str, object] = {
        "hidden means at init, sigmoid": hidden_means(mlp("sigmoid"), x),
        "hidden means at init, tanh": hidden_means(mlp("tanh"), x),
    }
    beats, explained = [], []
    for opt in OPTIMIZERS:
        loss = {act: final_loss(train(act, opt)[1]) for act in ACTIVATIONS}
        evidence[f"{opt}: final loss (" + ", ".join(ACTIVATIONS) + ")"] = list(loss.values())
        beats.append(loss["tanh"] <= CLEAR * loss["sigmoid"])
        explained.append(loss["sigmoid − 1/2"] <= CLOSE * loss["tanh"])
    evidence["tanh clearly beats sigmoid (SGD, Adam)"] = beats
    evidence["centring alone comes close to tanh (SGD, Adam)"] = explained
    if all(beats) and all(explained):
        verdict = "holds"
    elif not any(beats):
        verdict = "wrong"
    else:
        verdict = "conditions"
    return ClaimCheck("tanh-hidden-layers", verdict, evidence)


# --- Plots and printing ----------------------------------------------------------


def plot_tanh():
    """Left: tanh and sigmoid. Right: their derivatives."""
    import matplotlib.pyplot as plt

    z = np.linspace(-5, 5, 501)
    s = sigmoid(z)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(z, tanh(z), lw=2, label="tanh(z) = 2σ(2z) − 1")
    ax1.plot(z, s, lw=2, ls="--", label="sigmoid σ(z)")
    ax1.axhline(0, color="gray", lw=0.5)
    ax1.set(xlabel="z", ylabel="output", title="tanh: outputs in (−1, 1), centred on 0")
    ax1.legend(loc="lower right", fontsize=8)
    ax2.plot(z, tanh_derivative(z), lw=2, label="tanh′(z) = 1 − tanh²(z), max 1")
    ax2.plot(z, s * (1 - s), lw=2, ls="--", label="σ′(z) = σ(1 − σ), max 0.25")
    ax2.set(xlabel="z", ylabel="derivative", ylim=(0, 1.35), title="Derivatives")
    ax2.legend(loc="upper right", fontsize=8)
    return fig


def plot_hidden_outputs():
    """Histogram of the first hidden layer's outputs at initialisation: sigmoid vs tanh."""
    import matplotlib.pyplot as plt

    x, _ = task_data()
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    bins = np.linspace(-1, 1, 81)
    for act, color in [("sigmoid", "C1"), ("tanh", "C0")]:
        out = mlp(act).layers[0](x).numpy().ravel()
        ax.hist(out, bins=bins, alpha=0.6, color=color, label=f"{act}: mean {out.mean():.2f}")
        ax.axvline(out.mean(), color=color, lw=2, ls="--")
    ax.set(xlabel="output of a hidden unit", ylabel="count (512 inputs × 32 units)",
           title="First hidden layer at initialisation, zero-mean inputs (dashed: means)")
    ax.legend(loc="upper left")
    return fig


def plot_training():
    """Loss per epoch for the four hidden activations, SGD (left) and Adam (right)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
    styles = {"sigmoid": "C1-", "sigmoid − 1/2": "C1:", "tanh + 1": "C0:", "tanh": "C0-"}
    for ax, opt in zip(axes, OPTIMIZERS):
        for act in ACTIVATIONS:
            losses = train(act, opt)[1]
            ax.plot(np.arange(1, EPOCHS + 1), losses, styles[act], lw=2, label=act)
        ax.set(yscale="log", xlabel="epoch", title=f"{opt}, {DEPTH} hidden layers of {WIDTH}")
    axes[0].set_ylabel("loss / target variance")
    axes[0].legend(loc="lower left", fontsize=8)
    return fig


def show_example() -> None:
    """tanh, 2σ(2z) − 1 and the derivative on a few numbers."""
    z = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    with np.printoptions(precision=4, suppress=True):
        print(f"{'z':>14}: {z}")
        print(f"{'tanh(z)':>14}: {tanh(z)}")
        print(f"{'2σ(2z) − 1':>14}: {2 * sigmoid(2 * z) - 1}")
        print(f"{'1 − tanh²(z)':>14}: {tanh_derivative(z)}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_tanh,
    show_cross_check,
    show_hidden_means,
    plot_hidden_outputs,
    show_training,
    plot_training,
    check_tanh_hidden_layers,
)
