"""Neural network (神经网络): neurons connected in layers, a parametrised function fitted to approximate an unknown one.

Each layer's neurons take the previous layer's outputs as their inputs. With
one hidden layer of ``h`` tanh neurons and one linear output neuron, the
network computes ``f(x) = tanh(x W1 + b1) W2 + b2``; training chooses the
weights so that ``f`` matches sample pairs ``(x, y)`` of a function nobody
wrote down. Here that unknown function is ``sin(2x)``, seen only through 24
samples.

The module also holds :class:`StackedMLP`, used by the activation pages too:
several independent networks (one per seed and setting) stored as stacked
weights and trained as one, which is how a comparison over several seeds
stays cheap.

>>> relu = lambda z: np.maximum(z, 0.0)
>>> x = np.array([[-2.0], [0.5], [3.0]])
>>> forward_numpy(x, [[1.0, -1.0]], [0.0, 0.0], [[1.0], [1.0]], [0.0], relu).ravel().tolist()  # |x|
[2.0, 0.5, 3.0]
>>> parameter_count(inputs=1, hidden=8, outputs=1)
25
>>> runs_of(["relu", "relu", "tanh", "relu"])
[(0, 2, 'relu'), (2, 3, 'tanh'), (3, 4, 'relu')]
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib.report import Phrase, glue, table
from ._lib.runtime import full_batch_loop
from ._lib.seeds import SEEDS, Spread, lower, separated

WIDTHS = (1, 2, 4, 8, 16, 32)  # hidden units compared
N_SAMPLES = 24  # training samples of the unknown function
STEPS = 2000  # full-batch Adam steps
LEARNING_RATE = 0.02
DOMAIN = (-np.pi, np.pi)


# --- Several networks trained as one ---------------------------------------------


def runs_of(items) -> list[tuple[int, int, object]]:
    """Consecutive equal items as (start, stop, item): the networks sharing an activation."""
    runs: list[tuple[int, int, object]] = []
    for i, item in enumerate(items):
        if runs and (runs[-1][2] is item or runs[-1][2] == item):
            runs[-1] = (runs[-1][0], i + 1, item)
        else:
            runs.append((i, i + 1, item))
    return runs


class StackedMLP:
    """K independent MLPs with the same layer sizes, stored as stacked weights and run as one.

    Network k is the network ``keras.Sequential([Input((n_in,)), Dense(h1,
    activation=activations[k]), ..., Dense(n_out)])`` whose layer l starts from
    ``kernel_init[k](100 * seeds[k] + l)`` (``GlorotUniform(seed=...)``, Keras's
    default, unless given) and ``bias_init(100 * seeds[k] + 50 + l)`` (zeros
    unless given).
    Layer l's K kernels are one variable of shape (K, n_in, n_out) and one
    batched ``matmul`` multiplies each network's input by its own kernel, so
    the K networks cost about as much as one wide network. The input is (batch,
    n_in), shared, or (batch, K, n_in), one input per network; the output is
    (batch, K, n_out), linear. ``units`` (one per network) narrows network k's
    hidden layers to their first ``units[k]`` units: the others are masked out
    and never change.

    Network k's loss depends only on its own slice of the weights, so the
    gradient of the sum of the K losses is, slice by slice, the gradient each
    network would get alone; SGD, momentum and Adam update every weight from
    its own gradient, so each network trains exactly as it would alone.
    """

    def __init__(self, sizes, activations, seeds, kernel_init=None, bias_init=None, units=None):
        self.sizes, self.seeds = tuple(sizes), list(seeds)
        n = len(self.seeds)
        kernel_init = kernel_init or (lambda s: keras.initializers.GlorotUniform(seed=s))
        kernel_inits = kernel_init if isinstance(kernel_init, (list, tuple)) else [kernel_init] * n
        units = list(units) if units is not None else [None] * n
        self.runs = [(a, b, keras.activations.get(g)) for a, b, g in runs_of(list(activations))]
        self.kernels, self.biases = [], []
        for layer, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            kernel = np.zeros((n, n_in, n_out), "float32")
            bias = np.zeros((n, n_out), "float32")
            for i, s in enumerate(self.seeds):
                rows = n_in if layer == 0 or units[i] is None else units[i]
                cols = n_out if layer == len(self.sizes) - 2 or units[i] is None else units[i]
                seed = 100 * s + layer
                kernel[i, :rows, :cols] = kernel_inits[i](seed)((rows, cols))
                if bias_init is not None:
                    bias[i, :cols] = bias_init(seed + 50)((cols,))
            self.kernels.append(keras.Variable(kernel, name=f"kernel_{layer}"))
            self.biases.append(keras.Variable(bias, name=f"bias_{layer}"))
        self.mask = None
        if any(u is not None for u in units):
            width = max(self.sizes[1:-1])
            self.mask = np.array([np.arange(width) < (u or width) for u in units], "float32")
        self.trainable_variables = [v for pair in zip(self.kernels, self.biases) for v in pair]

    def __call__(self, x, training=False):
        ops = keras.ops
        x = ops.convert_to_tensor(x)
        n = len(self.seeds)
        # Network first, (K, batch, units), so each layer is one batched matmul.
        if len(x.shape) == 2:
            h = ops.broadcast_to(x[None], (n, *x.shape))
        else:
            h = ops.transpose(x, (1, 0, 2))
        last = len(self.kernels) - 1
        for layer, (kernel, bias) in enumerate(zip(self.kernels, self.biases)):
            h = ops.matmul(h, kernel) + bias[:, None, :]
            if layer < last:
                if len(self.runs) == 1:
                    h = self.runs[0][2](h)
                else:  # each group of networks through its own activation
                    parts = ops.split(h, [b for _, b, _ in self.runs[:-1]], axis=0)
                    h = ops.concatenate([g(p) for p, (_, _, g) in zip(parts, self.runs)], axis=0)
                if self.mask is not None:
                    h = h * self.mask[:, None, :]
        return ops.transpose(h, (1, 0, 2))  # (batch, K, n_out)

    def network_weights(self, i: int) -> list[np.ndarray]:
        """Network i's own weights [W1, b1, W2, b2, ...], as a Keras Dense stack holds them."""
        weights = []
        for kernel, bias in zip(self.kernels, self.biases):
            weights += [kernel.numpy()[i], bias.numpy()[i]]
        if self.mask is not None:  # drop the masked-out units
            keep = self.mask[i].astype(bool)
            for j in range(len(weights) // 2):
                if j > 0:
                    weights[2 * j] = weights[2 * j][keep]
                if j < len(weights) // 2 - 1:
                    weights[2 * j] = weights[2 * j][:, keep]
                    weights[2 * j + 1] = weights[2 * j + 1][keep]
        return weights


def mse_per_network(y, out):
    """Mean squared error of each of the K networks: shape (K,).

    ``y`` is (batch, n_out), the same targets for every network, or (batch, K, n_out).
    """
    ops = keras.ops
    y = ops.convert_to_tensor(y)
    if len(y.shape) == 2:
        y = y[:, None, :]
    return ops.mean(ops.square(out - y), axis=(0, 2))


def train_stacked(model, optimizer, loss_per_network, x, y, epochs: int,
                  batch_size: int | None = None, gradient_scale=None) -> np.ndarray:
    """Train a :class:`StackedMLP` in one compiled loop; return each network's loss per epoch.

    Every epoch walks through (x, y) in order, ``batch_size`` examples at a
    time (all of them by default), one optimizer step per batch on the sum
    of the K networks' losses. Each network's loss per epoch is the mean of
    its batch losses during the epoch, as ``model.fit`` reports it: the
    result has shape (epochs, K). ``gradient_scale`` (optional, one array
    per variable, broadcast against it) multiplies the gradients first: with
    SGD, with or without momentum, that is a learning rate of its own for
    every network and layer.
    """
    n = len(x)
    batch_size = batch_size or n
    assert n % batch_size == 0, "equal batches keep the loop compiled"
    batches = n // batch_size
    xb = tf.reshape(x, (batches, batch_size, *x.shape[1:]))
    yb = tf.reshape(y, (batches, batch_size, *y.shape[1:]))
    variables = model.trainable_variables
    optimizer.build(variables)

    @tf.autograph.experimental.do_not_convert  # plain Python, traced as is: faster to compile
    def step(xs, ys):
        with tf.GradientTape() as tape:
            losses = loss_per_network(ys, model(xs, training=True))
            total = tf.reduce_sum(losses)
        grads = tape.gradient(total, variables)
        if gradient_scale is not None:
            grads = [g * scale for g, scale in zip(grads, gradient_scale)]
        optimizer.apply_gradients(zip(grads, variables))
        return losses

    @tf.function
    def run():
        history = tf.TensorArray(tf.float32, size=epochs)
        for epoch in tf.range(epochs):
            total = tf.zeros(len(model.seeds))
            for i in tf.range(batches):
                total += step(xb[i], yb[i])
            history = history.write(epoch, total / batches)
        return history.stack()

    return run().numpy()


# --- The example: how many hidden units does sin(2x) need? ------------------------


def target(x) -> np.ndarray:
    """The function the network must approximate; training only sees samples of it."""
    return np.sin(2.0 * np.asarray(x))


def samples(n: int = N_SAMPLES, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random training pairs (x, sin 2x), x uniform on [-pi, pi], as column vectors."""
    x = np.sort(np.random.default_rng(seed_value).uniform(*DOMAIN, size=n))
    x = x.astype("float32")[:, None]
    return x, target(x).astype("float32")


def held_out_grid(n: int = 401) -> tuple[np.ndarray, np.ndarray]:
    """An even grid over the whole domain: the error there is the approximation error."""
    x = np.linspace(*DOMAIN, n, dtype="float32")[:, None]
    return x, target(x).astype("float32")


def parameter_count(inputs: int, hidden: int, outputs: int) -> int:
    """Weights and biases of a one-hidden-layer network: (in + 1)·h + (h + 1)·out."""
    return (inputs + 1) * hidden + (hidden + 1) * outputs


def forward_numpy(x, w1, b1, w2, b2, activation=np.tanh) -> np.ndarray:
    """The network in NumPy: ``activation(x W1 + b1) W2 + b2`` (one example per row)."""
    hidden = activation(np.asarray(x) @ np.asarray(w1) + np.asarray(b1))
    return hidden @ np.asarray(w2) + np.asarray(b2)


def make_network(hidden: int, seed_value: int = 0):
    """1 input → ``hidden`` tanh neurons → 1 linear output neuron, seeded initial weights."""
    first, second = (keras.initializers.GlorotUniform(seed=100 * seed_value + l) for l in (0, 1))
    return keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(hidden, activation="tanh", kernel_initializer=first),
        keras.layers.Dense(1, kernel_initializer=second),
    ])


@functools.cache
def fitted_networks():
    """Every width of WIDTHS on SEEDS seeds: one network each, all trained as one model.

    Full-batch Adam on the mean squared error, STEPS steps; network (h, s) is
    ``make_network(h, s)`` trained alone, only faster (see ``StackedMLP``).
    Returns the trained stack and the list of (width, seed), one per network.
    """
    x, y = samples()
    settings = [(h, s) for h in WIDTHS for s in range(SEEDS)]
    stack = StackedMLP((1, max(WIDTHS), 1), ["tanh"] * len(settings),
                       seeds=[s for _, s in settings], units=[h for h, _ in settings])
    train_stacked(stack, keras.optimizers.Adam(LEARNING_RATE), mse_per_network, x, y, STEPS)
    return stack, settings


def approximation_errors() -> dict[int, dict[str, object]]:
    """For each width: parameters, and MSE on the 24 samples and on the held-out grid (per seed)."""
    stack, settings = fitted_networks()
    x, y = samples()
    xt, yt = held_out_grid()
    train_mse = mse_per_network(y, stack(x)).numpy()
    test_mse = mse_per_network(yt, stack(xt)).numpy()
    result = {}
    for h in WIDTHS:
        which = [i for i, (width, _) in enumerate(settings) if width == h]
        result[h] = {
            "parameters": parameter_count(1, h, 1),
            "training MSE": Spread.of(train_mse[which]),
            "held-out MSE": Spread.of(test_mse[which]),
        }
    return result


def cross_check(hidden: int = 8, seed_value: int = 0, steps: int = 200) -> dict[str, object]:
    """One network of the stack is an ordinary Keras network, and trains like one alone.

    Its weights, read out of the stack and set into ``make_network``, give
    the stack's outputs through ``model.predict`` and through the NumPy formula.
    Then ``make_network(hidden, seed_value)`` is trained alone for ``steps``
    Adam steps and a fresh stack of all widths and seeds for the same steps:
    the network's weights agree. All asserted.
    """
    stack, settings = fitted_networks()
    i = settings.index((hidden, seed_value))
    weights = stack.network_weights(i)
    model = make_network(hidden)
    model.set_weights(weights)
    xt, _ = held_out_grid()
    by_stack = stack(xt).numpy()[:, i]
    by_keras = model.predict(xt, verbose=0)
    by_numpy = forward_numpy(xt, *weights)
    np.testing.assert_allclose(by_keras, by_stack, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(by_numpy, by_stack, rtol=1e-5, atol=1e-6)
    assert model.count_params() == parameter_count(1, hidden, 1)

    x, y = samples()
    alone = make_network(hidden, seed_value)
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build(alone.trainable_variables)
    full_batch_loop()(alone, optimizer, keras.losses.MeanSquaredError(), x, y, steps)
    fresh = StackedMLP((1, max(WIDTHS), 1), ["tanh"] * len(settings),
                       seeds=[s for _, s in settings], units=[h for h, _ in settings])
    train_stacked(fresh, keras.optimizers.Adam(LEARNING_RATE), mse_per_network, x, y, steps)
    gap = max(float(np.abs(a - b).max())
              for a, b in zip(alone.get_weights(), fresh.network_weights(i)))
    np.testing.assert_allclose(np.concatenate([w.ravel() for w in alone.get_weights()]),
                               np.concatenate([w.ravel() for w in fresh.network_weights(i)]),
                               atol=1e-4)
    return {
        "network compared": f"{hidden} hidden units, seed {seed_value}",
        "points compared": len(xt),
        "max |model.predict − stack|": float(np.abs(by_keras - by_stack).max()),
        "max |NumPy formula − stack|": float(np.abs(by_numpy - by_stack).max()),
        "shapes W1, b1, W2, b2": " ".join(str(w.shape) for w in weights),
        "parameters (Keras = formula)": model.count_params(),
        f"max |weight gap| after {steps} steps, alone vs in the stack": gap,
    }


def plot_approximation():
    """Left: target, samples and fitted networks (seed 0). Right: error vs hidden units."""
    import matplotlib.pyplot as plt

    x, y = samples()
    xt, yt = held_out_grid()
    stack, settings = fitted_networks()
    out = stack(xt).numpy()
    errors = approximation_errors()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(xt, yt, color="k", lw=3, alpha=0.3, label="target sin(2x)")
    for h in (1, 2, 4, 8):
        ax1.plot(xt, out[:, settings.index((h, 0))], lw=1.3, label=f"{h} hidden")
    ax1.plot(x, y, "ko", ms=3.5, label="24 training samples")
    ax1.set(xlabel="x", ylabel="y", ylim=(-2.4, 1.5), title="Network output vs target (seed 0)")
    ax1.legend(loc="lower center", fontsize=7, ncol=3)
    widths = list(errors)
    for key, style in [("training MSE", "o-"), ("held-out MSE", "s-")]:
        spreads = [errors[h][key] for h in widths]
        mean = np.array([s.mean for s in spreads])
        ax2.errorbar(widths, mean, yerr=[mean - [s.min for s in spreads],
                                         [s.max for s in spreads] - mean],
                     fmt=style, capsize=3, label=key.replace(" MSE", "") + " (min–max)")
    ax2.set(xscale="log", yscale="log", xlabel="hidden units", ylabel="mean squared error",
            title=f"Error vs hidden units, {SEEDS} seeds")
    ax2.minorticks_off()
    ax2.set_xticks(widths, [str(h) for h in widths])
    ax2.legend(loc="lower left", fontsize=8)
    return fig


def show_example() -> None:
    """The approximation error of each width over the seeds (mean ± sd, min–max)."""
    rows = approximation_errors()
    for h, r in rows.items():
        print(f"{h:>2} hidden units, {r['parameters']:>3} parameters")
        print(f"     training MSE  {r['training MSE']}")
        print(f"     held-out MSE  {r['held-out MSE']}")
    held = {h: r["held-out MSE"] for h, r in rows.items()}
    glue("n_seeds", SEEDS)
    glue("steps", STEPS)
    glue("learning_rate", LEARNING_RATE)
    glue("held_1", held[1].mean)
    clear = WIDTHS[0]  # the widest width reached by doublings that each lower every seed's error
    for narrow, wider in zip(WIDTHS, WIDTHS[1:]):
        if not lower(held[wider], held[narrow]):
            break
        clear = wider
    rest = WIDTHS[WIDTHS.index(clear):]
    pairs = list(zip(rest, rest[1:]))
    falling = all(held[b].mean < held[a].mean for a, b in pairs)
    overlapping = all(not separated(held[a], held[b]) for a, b in pairs)
    trend = (Phrase("a doubling still lowers the average error, but by less than the seeds spread",
                    "宽度每加倍一次，平均误差仍会降低，但降幅小于随机种子之间的差异") if falling
             else Phrase("a doubling no longer always lowers the average error",
                         "宽度加倍不再总能降低平均误差"))
    if overlapping:
        trend = Phrase(trend.en + ": the ranges of successive widths overlap",
                       trend.zh + "：相邻宽度的范围有重叠")
    glue("beyond_clear", trend)
    glue("clear_width", clear)
    glue("held_clear", held[clear].mean)
    glue("fall_clear", held[WIDTHS[0]].mean / held[clear].mean)
    widest = max(WIDTHS)
    glue("widest", widest)
    glue("held_widest", held[widest].mean)
    wide = 16  # training vs held-out error of one wide setting
    glue("wide", wide)
    glue("train_wide", rows[wide]["training MSE"].mean)
    glue("held_wide", held[wide].mean)
    glue("train_below_held", Phrase("on every seed", "在每个随机种子上都是如此")
         if lower(rows[wide]["training MSE"], held[wide])
         else Phrase("on average, not on every seed", "平均而言如此，但并非每个随机种子都是"))


def show_cross_check() -> None:
    """NumPy, Keras and the stack agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_approximation, show_cross_check)
