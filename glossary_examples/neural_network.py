"""Neural network (神经网络): neurons connected in layers, a parametrised function fitted to approximate an unknown one.

Each layer's neurons take the previous layer's outputs as their inputs. With
one hidden layer of ``h`` tanh neurons and one linear output neuron, the
network computes ``f(x) = tanh(x W1 + b1) W2 + b2``; training chooses the
weights so that ``f`` matches sample pairs ``(x, y)`` of a function nobody
wrote down. Here that unknown function is ``sin(2x)``, seen only through 24
samples.

>>> relu = lambda z: np.maximum(z, 0.0)
>>> x = np.array([[-2.0], [0.5], [3.0]])
>>> forward_numpy(x, [[1.0, -1.0]], [0.0, 0.0], [[1.0], [1.0]], [0.0], relu).ravel().tolist()  # |x|
[2.0, 0.5, 3.0]
>>> parameter_count(inputs=1, hidden=8, outputs=1)
25
"""

from __future__ import annotations

import functools

import numpy as np

from ._lib.report import table
from ._lib.runtime import full_batch_loop, keras, seed

WIDTHS = (1, 2, 4, 8, 16, 32)  # hidden units compared
N_SAMPLES = 24  # training samples of the unknown function
STEPS = 2000  # full-batch Adam steps
LEARNING_RATE = 0.02
DOMAIN = (-np.pi, np.pi)


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
    """1 input → ``hidden`` tanh neurons → 1 linear output neuron."""
    k = keras()
    seed(seed_value)
    return k.Sequential(
        [k.Input((1,)), k.layers.Dense(hidden, activation="tanh"), k.layers.Dense(1)]
    )


def train_full_batch(model, x, y, steps: int = STEPS, learning_rate: float = LEARNING_RATE):
    """Fit ``model`` to (x, y) by mean squared error with full-batch Adam.

    The same algorithm as ``model.fit(x, y, batch_size=len(x), epochs=steps)``
    after ``compile(optimizer=Adam(learning_rate), loss="mse")``, but written
    as one compiled TensorFlow loop, which runs in a fraction of a second.
    """
    k = keras()
    optimizer = k.optimizers.Adam(learning_rate)
    optimizer.build(model.trainable_variables)
    full_batch_loop()(model, optimizer, k.losses.MeanSquaredError(), x, y, steps)
    return model


@functools.cache
def fitted(hidden: int):
    """The network with ``hidden`` tanh units, trained on the 24 samples."""
    x, y = samples()
    return train_full_batch(make_network(hidden), x, y)


def approximation_errors(widths=WIDTHS) -> dict[int, dict[str, float]]:
    """For each width: parameters, MSE on the 24 samples, MSE on the held-out grid."""
    x, y = samples()
    xt, yt = held_out_grid()
    result = {}
    for h in widths:
        model = fitted(h)
        result[h] = {
            "parameters": model.count_params(),
            "training MSE": float(np.mean((model.predict(x, verbose=0) - y) ** 2)),
            "held-out MSE": float(np.mean((model.predict(xt, verbose=0) - yt) ** 2)),
        }
    return result


def cross_check(hidden: int = 8) -> dict[str, object]:
    """Keras's ``predict`` equals the NumPy formula run on the trained network's own weights."""
    model = fitted(hidden)
    w1, b1, w2, b2 = model.get_weights()
    xt, _ = held_out_grid()
    by_keras = model.predict(xt, verbose=0)
    by_numpy = forward_numpy(xt, w1, b1, w2, b2)
    np.testing.assert_allclose(by_keras, by_numpy, rtol=1e-5, atol=1e-6)
    assert model.count_params() == parameter_count(1, hidden, 1)
    return {
        "hidden units": hidden,
        "points compared": len(xt),
        "max |Keras - NumPy|": float(np.abs(by_keras - by_numpy).max()),
        "shapes W1, b1, W2, b2": " ".join(str(w.shape) for w in (w1, b1, w2, b2)),
        "parameters (Keras = formula)": model.count_params(),
    }


def plot_approximation():
    """Left: target, samples and fitted networks. Right: error vs hidden units."""
    import matplotlib.pyplot as plt

    x, y = samples()
    xt, yt = held_out_grid()
    errors = approximation_errors()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(xt, yt, color="k", lw=3, alpha=0.3, label="target sin(2x)")
    for h in (1, 2, 4, 8):
        ax1.plot(xt, fitted(h).predict(xt, verbose=0), lw=1.3, label=f"{h} hidden")
    ax1.plot(x, y, "ko", ms=3.5, label="24 training samples")
    ax1.set(xlabel="x", ylabel="y", ylim=(-2.4, 1.5), title="Network output vs target")
    ax1.legend(loc="lower center", fontsize=7, ncol=3)
    widths = list(errors)
    ax2.plot(widths, [errors[h]["training MSE"] for h in widths], "o-", label="training samples")
    ax2.plot(widths, [errors[h]["held-out MSE"] for h in widths], "s-", label="held-out grid")
    ax2.set(xscale="log", yscale="log", xlabel="hidden units", ylabel="mean squared error",
            title="Approximation error vs hidden units")
    ax2.minorticks_off()
    ax2.set_xticks(widths, [str(h) for h in widths])
    ax2.legend(loc="lower left")
    return fig


def show_example() -> None:
    """The approximation error of each trained width."""
    rows = approximation_errors()
    print(f"{'hidden units':>12} {'parameters':>10} {'training MSE':>13} {'held-out MSE':>13}")
    for h, r in rows.items():
        print(f"{h:>12} {r['parameters']:>10} {r['training MSE']:>13.2e} {r['held-out MSE']:>13.2e}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_approximation, show_cross_check)
