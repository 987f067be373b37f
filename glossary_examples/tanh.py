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

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower, overlap, separated
from .neural_network import StackedMLP, mse_per_network, train_stacked

Z = np.linspace(-10, 10, 2001)  # the grid on which identities are checked
WIDTH, DEPTH, EPOCHS, BATCH_SIZE = 32, 2, 40, 128
OPTIMIZERS = ("SGD + momentum", "Adam")


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
    z = tf.constant(np.asarray(z, dtype="float32"))
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = keras.activations.tanh(z)
    return y.numpy(), tape.gradient(y, z).numpy()


def cross_check() -> dict[str, float]:
    """NumPy's tanh and 1 − tanh² equal Keras's tanh and TensorFlow's gradient.

    On 2001 points from −10 to 10, asserted with ``np.testing.assert_allclose``;
    also the identity tanh(z) = 2σ(2z) − 1, in NumPy and in Keras.
    """
    values, grads = keras_tanh_and_gradient(Z)
    np.testing.assert_allclose(values, tanh(Z), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grads, tanh_derivative(Z), rtol=1e-5, atol=1e-6)
    identity_numpy = 2 * sigmoid(2 * Z) - 1
    identity_keras = 2 * keras.activations.sigmoid(2 * Z.astype("float32")).numpy() - 1
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
    """σ(z) − 1/2 = tanh(z/2)/2: the sigmoid moved to mean 0, slope still at most 0.25."""
    return keras.ops.sigmoid(z) - 0.5


def tanh_plus_one(z):
    """tanh(z) + 1 = 2σ(2z): tanh's slope (1 at 0), but outputs in (0, 2)."""
    return keras.ops.tanh(z) + 1.0


#: The hidden activations compared, with the factor on their Glorot-uniform starting
#: kernels (×4: Glorot & Bengio's advice for the logistic sigmoid).
SETUPS = {
    "sigmoid": ("sigmoid", 1.0),
    "sigmoid, weights ×4": ("sigmoid", 4.0),
    "sigmoid − 1/2": (centred_sigmoid, 1.0),
    "sigmoid − 1/2, weights ×4": (centred_sigmoid, 4.0),
    "tanh + 1": (tanh_plus_one, 1.0),
    "tanh": ("tanh", 1.0),
}
#: σ − 1/2 made into tanh exactly: kernels ×(2, 4, 2) and SGD learning rates ×(4, 16, 4).
AS_TANH = "sigmoid − 1/2 as tanh"
KERNEL_FACTORS = (2.0, 4.0, 2.0)
LEARNING_RATE_FACTORS = {"kernel": (4.0, 16.0, 4.0), "bias": (4.0, 4.0, 1.0)}


def task_data(n: int = 512, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Zero-mean inputs on [−1, 1]² and targets y = sin(3 x1) cos(3 x2)."""
    x = np.random.default_rng(seed_value).uniform(-1, 1, size=(n, 2)).astype("float32")
    y = (np.sin(3 * x[:, 0]) * np.cos(3 * x[:, 1]))[:, None].astype("float32")
    return x, y


@functools.cache
def mlp(activation: str, seed_value: int = 0):
    """DEPTH hidden Dense layers of WIDTH units with the named activation, linear output.

    Layer l starts from ``GlorotUniform(seed=100 * seed_value + l)``, as
    network ``seed_value`` of the stacks below does.
    """
    act = SETUPS[activation][0]
    layers = [
        keras.layers.Dense(units, activation=act if layer < DEPTH else None,
                       kernel_initializer=keras.initializers.GlorotUniform(seed=100 * seed_value + layer))
        for layer, units in enumerate([WIDTH] * DEPTH + [1])
    ]
    return keras.Sequential([keras.Input((2,)), *layers])


def hidden_means(model, x) -> list[float]:
    """The mean output of each hidden layer of ``model`` over the inputs ``x``."""
    h, means = x, []
    for layer in model.layers[:-1]:
        h = layer(h)
        means.append(float(np.mean(h.numpy())))
    return means


@functools.cache
def train(optimizer: str):
    """Every set-up on SEEDS seeds, trained side by side; return the settings and losses per epoch.

    Network (set-up, s) starts from the Glorot-uniform weights of seed s times
    the set-up's factor; everything else is shared: data, mini-batches of
    BATCH_SIZE in a fixed order, the optimizer and its learning rate (SGD 0.05 with
    momentum 0.9, or Adam 0.01), EPOCHS epochs. With SGD one more set-up,
    AS_TANH, is σ − 1/2 with tanh's starting kernels times KERNEL_FACTORS and
    learning rates times LEARNING_RATE_FACTORS, which makes it tanh exactly.
    The loss is the mean squared error divided by the target variance (1.0 =
    predicting the mean); the result is (list of (set-up, seed), losses of
    shape (EPOCHS, networks)).
    """
    k, ops = keras, keras.ops
    x, y = task_data()
    names = list(SETUPS) + ([AS_TANH] if optimizer != "Adam" else [])
    settings = [(name, s) for name in names for s in range(SEEDS)]
    activations = [centred_sigmoid if n == AS_TANH else SETUPS[n][0] for n, _ in settings]
    stack = StackedMLP((2, *[WIDTH] * DEPTH, 1), activations, [s for _, s in settings])
    as_tanh = np.array([n == AS_TANH for n, _ in settings])
    for layer, kernel in enumerate(stack.kernels):
        factor = np.array([KERNEL_FACTORS[layer] if n == AS_TANH else SETUPS[n][1]
                           for n, _ in settings], "float32")
        kernel.assign(kernel * factor[:, None, None])
    scales = []
    for layer in range(DEPTH + 1):
        for part in ("kernel", "bias"):
            scale = np.where(as_tanh, LEARNING_RATE_FACTORS[part][layer], 1.0).astype("float32")
            scales.append(scale[:, None, None] if part == "kernel" else scale[:, None])
    if optimizer == "Adam":
        opt = k.optimizers.Adam(learning_rate=0.01)
    else:
        opt = k.optimizers.SGD(learning_rate=0.05, momentum=0.9)

    def loss(targets, out):
        return mse_per_network(targets, out) / ops.convert_to_tensor(y.var())

    losses = train_stacked(stack, opt, loss, x, y, EPOCHS, batch_size=BATCH_SIZE,
                           gradient_scale=scales if optimizer != "Adam" else None)
    return settings, losses


def final_loss(losses: np.ndarray) -> np.ndarray:
    """Mean loss of the last 5 epochs (one value per network: the epochs are the first axis).

    >>> final_loss(np.array([9.0, 9.0, 1.0, 1.0, 1.0, 1.0, 1.0])).tolist()
    1.0
    """
    return np.mean(losses[-5:], axis=0)


def final_losses(optimizer: str) -> dict[str, Spread]:
    """The final loss of each set-up over its seeds; a run whose loss overflowed counts as ∞."""
    settings, losses = train(optimizer)
    final = np.nan_to_num(final_loss(losses), nan=np.inf)
    names = dict.fromkeys(n for n, _ in settings)
    with np.errstate(invalid="ignore"):  # the sd of a range that reaches ∞ is nan
        return {n: Spread.of([f for (m, _), f in zip(settings, final) if m == n]) for n in names}


def diverged(optimizer: str) -> dict[str, list[float]]:
    """For each set-up, the final losses of the seeds whose loss did not overflow."""
    settings, losses = train(optimizer)
    final = final_loss(losses)
    names = dict.fromkeys(n for n, _ in settings)
    return {n: [float(f) for (m, _), f in zip(settings, final) if m == n and np.isfinite(f)]
            for n in names}


def describe(spread: Spread, finite: list[float]) -> str:
    """The spread, or how many seeds diverged and where the others ended."""
    if len(finite) == spread.n:
        return str(spread)
    rest = f"; the others end at {', '.join(f'{f:.4g}' for f in finite)}" if finite else ""
    return f"diverged (loss overflowed) on {spread.n - len(finite)} of {spread.n} seeds{rest}"


def as_tanh_gap() -> float:
    """Largest gap between the loss curves of σ − 1/2 made into tanh and tanh itself (SGD)."""
    settings, losses = train("SGD + momentum")
    a = [i for i, (n, _) in enumerate(settings) if n == AS_TANH]
    b = [i for i, (n, _) in enumerate(settings) if n == "tanh"]
    np.testing.assert_allclose(losses[:, a], losses[:, b], rtol=1e-3, atol=1e-5)
    return float(np.abs(losses[:, a] - losses[:, b]).max())


def show_hidden_means() -> None:
    """Mean output of each hidden layer at initialisation (seed 0), on the zero-mean inputs."""
    x, _ = task_data()
    print(f"input mean: {x.mean():.4f}")
    for act in ("sigmoid", "sigmoid − 1/2", "tanh + 1", "tanh"):
        means = hidden_means(mlp(act), x)
        print(f"{act:>14}: hidden-layer means {[round(m, 3) for m in means]}")


def show_training() -> None:
    """Final loss of every set-up, over SEEDS seeds, for both optimizers."""
    for opt in OPTIMIZERS:
        print(f"{opt}: loss after {EPOCHS} epochs (mean of the last 5), {SEEDS} seeds")
        bad = diverged(opt)
        for name, spread in final_losses(opt).items():
            print(f"  {name:<26} {describe(spread, bad[name])}")
    sgd, adam = final_losses(OPTIMIZERS[0]), final_losses("Adam")
    glue("n_seeds", SEEDS)
    glue("epochs", EPOCHS)
    glue("batch_size", BATCH_SIZE)
    glue("sgd_sigmoid_min", min(sgd["sigmoid"].min, sgd["sigmoid − 1/2"].min))
    glue("sgd_tanh_max", sgd["tanh"].max)
    glue("sgd_tanh1_diverged", SEEDS - len(diverged(OPTIMIZERS[0])["tanh + 1"]))
    glue("sgd_fair_centred", sgd["sigmoid − 1/2, weights ×4"])
    glue("sgd_fair_sigmoid_min", sgd["sigmoid, weights ×4"].min)
    glue("sgd_tanh", sgd["tanh"])
    glue("sgd_fair_vs_tanh", overlap(sgd["sigmoid − 1/2, weights ×4"], sgd["tanh"]))
    glue("adam_sigmoid", adam["sigmoid"].mean)
    glue("adam_tanh", adam["tanh"])
    glue("adam_centred", adam["sigmoid − 1/2"].mean)
    glue("adam_fair_sigmoid", adam["sigmoid, weights ×4"])
    glue("adam_fair_centred", adam["sigmoid − 1/2, weights ×4"])
    glue("adam_fair_vs_tanh", overlap(adam["sigmoid − 1/2, weights ×4"], adam["tanh"]))
    glue("adam_tanh1", adam["tanh + 1"])
    # What the page's text concludes, checked: from the ×4 start the centred sigmoid
    # is not told apart from tanh with SGD, and stays above it on every seed with Adam.
    centred = "sigmoid − 1/2, weights ×4"
    assert not separated(sgd[centred], sgd["tanh"]) and lower(adam["tanh"], adam[centred]), \
        "the text says the x4 centred sigmoid overlaps tanh with SGD and stays above it with Adam"
    glue("as_tanh_gap", as_tanh_gap())


def check_tanh_hidden_layers() -> ClaimCheck:
    """Claim: tanh beats sigmoid in hidden layers because its outputs have mean 0.

    The premise is measured (hidden means at initialisation on zero-mean
    inputs), then the set-ups of ``train`` are compared, for each optimizer,
    by their final losses over the seeds (``seeds.lower``: every seed of one
    below every seed of the other; a diverged run counts as worse than any).
    "Beats": tanh below sigmoid. "Mean 0 helps": at equal slope and start,
    the centred version is below the other (σ − 1/2 below σ, both weights ×4;
    tanh below tanh + 1). "Mean 0 explains it all": from a start fitted to
    its slope (weights ×4), σ − 1/2 does as well as tanh (ranges overlap, or
    below). Holds if all three hold with both optimizers; wrong if tanh beats
    sigmoid with neither, or mean 0 helps with neither; conditions otherwise.
    """
    x, _ = task_data()
    evidence: dict[str, object] = {
        "hidden means at init, sigmoid": hidden_means(mlp("sigmoid"), x),
        "hidden means at init, tanh": hidden_means(mlp("tanh"), x),
    }
    beats, helps, reaches = [], [], []
    for opt in OPTIMIZERS:
        f = final_losses(opt)
        short = "SGD" if opt != "Adam" else "Adam"
        beats.append(lower(f["tanh"], f["sigmoid"]))
        helps.append(lower(f["sigmoid − 1/2, weights ×4"], f["sigmoid, weights ×4"])
                     and lower(f["tanh"], f["tanh + 1"]))
        reaches.append(not lower(f["tanh"], f["sigmoid − 1/2, weights ×4"]))
        evidence[f"{short}: tanh below sigmoid on every seed"] = beats[-1]
        evidence[f"{short}: centred below uncentred, at both slopes"] = helps[-1]
        evidence[f"{short}: sigmoid − 1/2 with weights ×4 as good as tanh"] = reaches[-1]
    evidence["σ − 1/2 as tanh (SGD): largest loss gap to tanh"] = as_tanh_gap()
    if all(beats) and all(helps) and all(reaches):
        verdict = "holds"
    elif not any(beats) or not any(helps):
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
    """Loss per epoch of every set-up (mean over the seeds, band: min to max), SGD and Adam.

    A set-up with diverged seeds shows its other seeds as thin lines instead.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained", sharey=True)
    styles = {"sigmoid": ("C1", "-"), "sigmoid, weights ×4": ("C1", "--"),
              "sigmoid − 1/2": ("C2", ":"), "sigmoid − 1/2, weights ×4": ("C2", "-"),
              "tanh + 1": ("C0", ":"), "tanh": ("C0", "-")}
    epochs = np.arange(1, EPOCHS + 1)
    for ax, opt in zip(axes, OPTIMIZERS):
        settings, losses = train(opt)
        for name, (color, ls) in styles.items():
            curves = losses[:, [i for i, (n, _) in enumerate(settings) if n == name]]
            bad = int(np.sum(~np.isfinite(curves[-1])))
            if bad:  # overflowed: no mean and no band, the seeds that survived drawn thin
                ax.plot(epochs, np.where(np.isfinite(curves), curves, np.nan), color=color, ls=ls,
                        lw=1)
                ax.plot([], [], color=color, ls=ls, label=f"{name} (diverged on {bad} of {SEEDS})")
                continue
            ax.plot(epochs, curves.mean(axis=1), color=color, ls=ls, lw=2, label=name)
            ax.fill_between(epochs, curves.min(axis=1), curves.max(axis=1), color=color, alpha=0.12)
        if opt != "Adam":
            curves = losses[:, [i for i, (n, _) in enumerate(settings) if n == AS_TANH]]
            ax.plot(epochs[::4], curves.mean(axis=1)[::4], "kx", ms=5, label=AS_TANH)
        ax.set(yscale="log", ylim=(0.02, 3), xlabel="epoch",
               title=f"{opt}, {DEPTH} hidden layers of {WIDTH}")
        ax.minorticks_off()  # decades only: cheaper to draw
    axes[0].set_ylabel("loss / target variance")
    axes[0].legend(loc="lower left", fontsize=7)
    axes[1].legend(loc="lower left", fontsize=7)
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
