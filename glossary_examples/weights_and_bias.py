"""Weights and bias (权重与偏置): a neuron's learned numbers; w scales each input, b shifts the sum.

A neuron computes ``z = w·x + b``. Each weight ``w_i`` says how strongly input
``x_i`` counts, and with which sign; the bias ``b`` is added whatever the
input. With a step activation the neuron fires when ``w·x + b >= 0``, which is
``w·x >= -b``: the bias is the negative of the threshold. The weights set the
direction and steepness of the decision boundary ``w·x + b = 0``, the bias
moves it. In Keras a ``Dense(units)`` layer on ``n`` inputs holds a kernel of
shape ``(n, units)`` (one column of weights per neuron) and a bias of shape
``(units,)``.

>>> fires_with_bias([[1.0, 0.0], [0.5, 0.5], [0.0, 0.0]], w=[1.0, 1.0], b=-1.0).tolist()
[True, True, False]
>>> fires_with_threshold([[1.0, 0.0], [0.5, 0.5], [0.0, 0.0]], w=[1.0, 1.0], theta=1.0).tolist()
[True, True, False]
>>> dense_shapes(inputs=4, units=3)
{'kernel': (4, 3), 'bias': (3,), 'parameters': 15}
"""

from __future__ import annotations

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import table

# Grid of inputs for the equivalence check: steps of 1/64 are exact binary
# fractions, so points that lie exactly on a boundary are really on it.
GRID = np.linspace(-2.0, 2.0, 257)

#: (w, b) pairs of the example: a baseline, then one change at a time.
CASES = {
    "baseline": ((1.0, 1.0), -1.0),
    "w doubled": ((2.0, 2.0), -1.0),
    "w and b doubled": ((2.0, 2.0), -2.0),
    "w rotated by 90 degrees": ((-1.0, 1.0), -1.0),
    "w negated": ((-1.0, -1.0), -1.0),
    "b = 0": ((1.0, 1.0), 0.0),
    "b = +1": ((1.0, 1.0), 1.0),
}


def grid_points(grid=GRID) -> np.ndarray:
    """All points (x1, x2) of ``grid`` × ``grid``, one per row."""
    x1, x2 = np.meshgrid(grid, grid)
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


def weighted_sum(x, w) -> np.ndarray:
    """``w·x`` for each row of ``x``."""
    return np.asarray(x, dtype="float64") @ np.asarray(w, dtype="float64")


def fires_with_bias(x, w, b: float) -> np.ndarray:
    """Step neuron written with a bias: fires where ``w·x + b >= 0``."""
    return weighted_sum(x, w) + b >= 0


def fires_with_threshold(x, w, theta: float) -> np.ndarray:
    """Step neuron written with a threshold: fires where ``w·x >= theta``."""
    return weighted_sum(x, w) >= theta


def boundary(w, b: float) -> dict[str, float]:
    """Where the line ``w·x + b = 0`` lies.

    It is perpendicular to ``w`` (the neuron fires on the side ``w`` points to)
    and crosses the ray along ``w`` at signed distance ``-b / |w|`` from the
    origin.

    >>> boundary([3.0, 4.0], -10.0)
    {'direction of w (degrees)': 53.13, 'signed distance from origin': 2.0}
    """
    w = np.asarray(w, dtype="float64")
    return {
        "direction of w (degrees)": round(float(np.degrees(np.arctan2(w[1], w[0]))), 2),
        "signed distance from origin": round(float(-b / np.linalg.norm(w)), 4) + 0.0,  # no -0.0
    }


def bias_threshold_equivalence(n_random: int = 20, seed_value: int = 0) -> dict[str, object]:
    """Compare the bias form and the threshold form (theta = -b) on the grid.

    For the example cases and ``n_random`` random (w, b) pairs, counts the grid
    points where the two forms disagree, and the points that lie exactly on a
    boundary (where ``>=`` matters).
    """
    rng = np.random.default_rng(seed_value)
    pairs = list(CASES.values()) + [
        (tuple(rng.normal(size=2)), float(rng.normal())) for _ in range(n_random)
    ]
    x = grid_points()
    disagree = on_boundary = 0
    for w, b in pairs:
        with_bias = fires_with_bias(x, w, b)
        with_threshold = fires_with_threshold(x, w, -b)
        disagree += int(np.sum(with_bias != with_threshold))
        on_boundary += int(np.sum(weighted_sum(x, w) == -b))
    return {
        "(w, b) pairs": len(pairs),
        "grid points per pair": len(x),
        "points exactly on a boundary": on_boundary,
        "points where the two forms disagree": disagree,
    }


def dense_layer(inputs: int = 4, units: int = 3, seed_value: int = 0):
    """A built ``keras.layers.Dense(units)`` for ``inputs`` inputs (default initialisers)."""
    keras.utils.set_random_seed(seed_value)
    layer = keras.layers.Dense(units)
    layer.build((None, inputs))
    return layer


def dense_shapes(inputs: int, units: int) -> dict[str, object]:
    """Shapes of a Dense layer's kernel and bias, and its number of parameters."""
    layer = dense_layer(inputs, units)
    return {
        "kernel": tuple(layer.kernel.shape),
        "bias": tuple(layer.bias.shape),
        "parameters": layer.count_params(),
    }


def cross_check(inputs: int = 4, units: int = 3, n: int = 32,
                        seed_value: int = 0) -> dict[str, object]:
    """A Dense layer's output equals ``x @ W + b`` in NumPy, and the bias-as-weight form.

    Random non-zero bias set with ``set_weights``; the output compared with
    ``x @ kernel + bias`` and with ``[x, 1] @ [kernel; bias]`` (the bias as
    the weight of an extra input that is always 1), by ``assert_allclose``.
    """
    layer = dense_layer(inputs, units, seed_value)
    rng = np.random.default_rng(seed_value)
    kernel = layer.kernel.numpy()
    fresh_bias = layer.bias.numpy()
    bias = rng.normal(size=units).astype("float32")
    layer.set_weights([kernel, bias])
    x = rng.normal(size=(n, inputs)).astype("float32")
    by_keras = layer(x).numpy()
    by_numpy = x @ kernel + bias
    augmented = np.hstack([x, np.ones((n, 1), dtype="float32")]) @ np.vstack([kernel, bias])
    np.testing.assert_allclose(by_keras, by_numpy, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(augmented, by_numpy, rtol=1e-5, atol=1e-6)
    return {
        "kernel shape (inputs, units)": str(tuple(kernel.shape)),
        "bias shape (units,)": str(tuple(bias.shape)),
        "bias after initialisation": fresh_bias.tolist(),
        "output shape for a batch of 32": str(by_keras.shape),
        "max |Dense - (x @ W + b)|": float(np.abs(by_keras - by_numpy).max()),
        "max |[x, 1] @ [W; b] - (x @ W + b)|": float(np.abs(augmented - by_numpy).max()),
    }


def plot_boundaries():
    """Decision boundaries w·x + b = 0: rotating w, scaling w, changing b."""
    import matplotlib.pyplot as plt

    t = np.linspace(-3, 3, 2)
    panels = [
        ("Rotate w (|w| = 1, b = -1)",
         [((np.cos(a), np.sin(a)), -1.0, f"{np.degrees(a):.0f} deg")
          for a in np.radians([0, 45, 90, 135])]),
        ("Scale w (direction 45 deg, b = -1)",
         [((s / np.sqrt(2), s / np.sqrt(2)), -1.0, f"|w| = {s:g}") for s in (0.5, 1.0, 2.0)]),
        ("Change b (w = (1, 1))",
         [((1.0, 1.0), b, f"b = {b:g}") for b in (-2.0, -1.0, 0.0, 1.0)]),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.4), layout="constrained", sharey=True)
    x = grid_points(np.linspace(-3, 3, 121))
    for ax, (title, lines) in zip(axes, panels):
        w0, b0, _ = lines[1]
        fired = fires_with_bias(x, w0, b0).reshape(121, 121)
        ax.contourf(np.linspace(-3, 3, 121), np.linspace(-3, 3, 121), fired,
                    levels=[0.5, 1.5], colors=["C1"], alpha=0.15)
        for i, (w, b, label) in enumerate(lines):
            w = np.asarray(w)
            normal = w / np.linalg.norm(w)
            foot = normal * (-b / np.linalg.norm(w))  # closest point to the origin
            along = np.array([-normal[1], normal[0]])
            line = foot[:, None] + along[:, None] * t * 3
            (drawn,) = ax.plot(line[0], line[1], color=f"C{i}", lw=2, label=label)
            ax.annotate("", xy=foot + 0.6 * normal, xytext=foot,
                        arrowprops=dict(arrowstyle="->", color=drawn.get_color(), lw=1.5))
        ax.plot(0, 0, "k+", ms=8)
        if title.startswith("Rotate"):  # every line is at distance -b/|w| = 1
            angle = np.linspace(0, 2 * np.pi, 181)
            ax.plot(np.cos(angle), np.sin(angle), "k:", lw=1)
        ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xlabel="x1")
        ax.set_title(title, fontsize=10)
        ax.legend(loc="lower left", fontsize=7, framealpha=0.9)
    axes[0].set_ylabel("x2")
    return fig


def show_example() -> None:
    """The example cases: threshold, boundary position, and how much of the grid fires."""
    x = grid_points()
    print(f"{'case':<24} {'w':>12} {'b':>5} {'theta=-b':>8} {'w angle':>8} "
          f"{'distance':>8} {'fires on':>8}")
    for name, (w, b) in CASES.items():
        where = boundary(w, b)
        share = float(fires_with_bias(x, w, b).mean())
        print(f"{name:<24} {str(w):>12} {b:>5g} {0.0 - b:>8g} "
              f"{where['direction of w (degrees)']:>8g} "
              f"{where['signed distance from origin']:>8.4g} {share:>8.1%}")


def show_equivalence() -> None:
    """Bias form and threshold form agree on every grid point (see the function)."""
    print(table(bias_threshold_equivalence()))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_equivalence, plot_boundaries, show_cross_check)
