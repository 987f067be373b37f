"""Edge detection (边缘检测): a filter whose output is large only where the brightness changes.

The vertical edge filter ``[[1, 0, -1]] * 3`` adds the three pixels on the
left of each 3×3 window and subtracts the three on the right: on a flat
region the two cancel to 0, across a vertical edge they do not. Its
transpose, with rows ``1, 0, -1``, finds horizontal edges. The sign tells the
direction: positive where the left (or top) side is brighter.

>>> cross_correlate(step_image(), VERTICAL)[0].astype(int).tolist()
[0, 30, 30, 0]
>>> cross_correlate(step_image(left_bright=False), VERTICAL)[0].astype(int).tolist()
[0, -30, -30, 0]
>>> HORIZONTAL.astype(int).tolist()
[[1, 1, 1], [0, 0, 0], [-1, -1, -1]]
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import table

VERTICAL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype="float32")
HORIZONTAL = VERTICAL.T.copy()
DIGIT_INDEX = 0  # the first of scikit-learn's digits, a 0: two vertical and two horizontal strokes


def step_image(n: int = 6, bright: float = 10.0, left_bright: bool = True) -> np.ndarray:
    """An ``n×n`` image: one half ``bright``, the other half 0, split down the middle."""
    x = np.zeros((n, n), dtype="float32")
    if left_bright:
        x[:, : n // 2] = bright
    else:
        x[:, n // 2 :] = bright
    return x


def cross_correlate(x: np.ndarray, w: np.ndarray, padding: str = "valid") -> np.ndarray:
    """What ``Conv2D`` computes for one channel and one 3×3 filter, in NumPy.

    ``padding="same"`` first adds one pixel of zeros on every side (the amount
    Keras adds for a 3×3 filter at stride 1), so the output keeps the input's size.
    """
    if padding == "same":
        x = np.pad(x, 1)
    elif padding != "valid":
        raise ValueError(f"padding must be 'valid' or 'same'; got {padding!r}")
    f = w.shape[0]
    rows, cols = x.shape[0] - f + 1, x.shape[1] - f + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(x[i : i + f, j : j + f] * w)
    return out


def keras_filter(x: np.ndarray, w: np.ndarray, padding: str = "valid") -> np.ndarray:
    """``keras.layers.Conv2D(1, 3)`` with ``w`` copied in by ``set_weights``, no bias."""
    conv = keras.layers.Conv2D(1, w.shape, padding=padding, use_bias=False)
    conv.build((None, *x.shape, 1))
    conv.set_weights([np.asarray(w, dtype="float32")[:, :, None, None]])
    return conv(np.asarray(x, dtype="float32")[None, :, :, None]).numpy()[0, :, :, 0]


def step_cases() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Step images and filters, by name: ``{name: (image, filter)}``."""
    return {
        "bright left, vertical filter": (step_image(), VERTICAL),
        "bright top (transposed), horizontal filter": (step_image().T, HORIZONTAL),
        "bright right, vertical filter": (step_image(left_bright=False), VERTICAL),
        "bright left, horizontal filter": (step_image(), HORIZONTAL),
    }


@functools.cache
def digit(index: int = DIGIT_INDEX) -> tuple[np.ndarray, int]:
    """One of scikit-learn's 8×8 handwritten digits (grey levels 0 to 16) and its label."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images[index].astype("float32"), int(data.target[index])


def digit_edges(index: int = DIGIT_INDEX) -> dict[str, np.ndarray]:
    """Vertical and horizontal edges of a digit, by Keras (``padding="same"``, so 8×8 out).

    ``magnitude`` combines both, ``sqrt(vertical² + horizontal²)``: large
    wherever the brightness changes, in any direction.
    """
    image, _ = digit(index)
    vertical = keras_filter(image, VERTICAL, "same")
    horizontal = keras_filter(image, HORIZONTAL, "same")
    return {
        "image": image,
        "vertical": vertical,
        "horizontal": horizontal,
        "magnitude": np.sqrt(vertical**2 + horizontal**2),
    }


def cross_check() -> dict[str, str]:
    """Keras's ``Conv2D`` equals the NumPy filter on every image of the page.

    The four step images (valid padding) and the digit with both filters
    (same padding). All values are small integers, so equality is exact;
    ``assert_array_equal`` runs before anything is returned.
    """
    rows = {}
    cases = {name: (x, w, "valid") for name, (x, w) in step_cases().items()}
    image, label = digit()
    cases[f"digit {label}, vertical filter, same"] = (image, VERTICAL, "same")
    cases[f"digit {label}, horizontal filter, same"] = (image, HORIZONTAL, "same")
    for name, (x, w, padding) in cases.items():
        got, want = keras_filter(x, w, padding), cross_correlate(x, w, padding)
        np.testing.assert_array_equal(got, want)
        rows[name] = (f"{x.shape[0]}x{x.shape[1]} -> {got.shape[0]}x{got.shape[1]}, "
                      f"max |diff| {np.abs(got - want).max():.1f}")
    return rows


def show_example() -> None:
    """The source's example: a 6×6 step image and the vertical edge filter."""
    x, w = step_cases()["bright left, vertical filter"]
    print("image (6x6), left half 10, right half 0:")
    print(x.astype(int))
    print("vertical edge filter:")
    print(w.astype(int))
    print("output (4x4), Keras Conv2D:")
    print(keras_filter(x, w).astype(int))


def show_other_cases() -> None:
    """The horizontal filter on the transposed image, and what sign and orientation do."""
    for name, (x, w) in list(step_cases().items())[1:]:
        print(f"{name}:")
        print(keras_filter(x, w).astype(int))


def show_digit_edges() -> None:
    """The digit and its edge maps as numbers (rounded to integers)."""
    edges = digit_edges()
    print(f"scikit-learn digit #{DIGIT_INDEX}, a {digit()[1]}, grey levels 0-16:")
    print(edges["image"].astype(int))
    for name in ("vertical", "horizontal"):
        print(f"{name} edges (same padding):")
        print(edges[name].astype(int))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def _grid(ax, values, title, cmap, vmin, vmax, fontsize=11):
    """Draw a small array with its numbers written in the cells (dark text on light cells)."""
    import matplotlib as mpl

    values = np.asarray(values)
    im = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    colours, norm = mpl.colormaps[cmap], mpl.colors.Normalize(vmin, vmax)
    for (i, j), v in np.ndenumerate(values):
        r, g, b, _ = colours(norm(v))
        light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
        ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=fontsize,
                color="black" if light else "white")
    ax.set(title=title, xticks=range(values.shape[1]), yticks=range(values.shape[0]))
    return im


def plot_step_edge():
    """The source's example: step image, vertical edge filter, 4×4 output."""
    import matplotlib.pyplot as plt

    x, w = step_cases()["bright left, vertical filter"]
    out = keras_filter(x, w)
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained",
                             gridspec_kw={"width_ratios": [6, 3, 4]})
    _grid(axes[0], x, "6x6 image: bright | dark", "gray", 0, 10)
    _grid(axes[1], w, "vertical edge filter", "coolwarm", -1.5, 1.5)
    _grid(axes[2], out, "4x4 output", "gray", 0, 30)
    axes[0].axvline(2.5, color="tab:red", ls="--", lw=2)
    axes[0].set_xlabel("red: the edge")
    axes[2].set_xlabel("bright band = where the edge is")
    return fig


def plot_digit_edges():
    """A real 8×8 handwritten digit and its vertical, horizontal and combined edges."""
    import matplotlib.pyplot as plt

    edges = digit_edges()
    lim = float(max(np.abs(edges["vertical"]).max(), np.abs(edges["horizontal"]).max()))
    fig, axes = plt.subplots(1, 4, figsize=(9, 3.2), layout="constrained")
    axes[0].imshow(edges["image"], cmap="gray_r", vmin=0, vmax=16)
    axes[0].set_title(f"digit {digit()[1]} (8x8, ink dark)")
    for ax, name in zip(axes[1:3], ("vertical", "horizontal")):
        im = ax.imshow(edges[name], cmap="coolwarm", vmin=-lim, vmax=lim)
        ax.set_title(f"{name} edge filter")
    axes[3].imshow(edges["magnitude"], cmap="magma")
    axes[3].set_title("magnitude sqrt(v² + h²)")
    for ax in axes:
        ax.set(xticks=[], yticks=[])
    axes[1].set_xlabel("red: ink to the left\nblue: ink to the right")
    axes[2].set_xlabel("red: ink above\nblue: ink below")
    axes[3].set_xlabel("bright: an edge in\nany direction")
    fig.colorbar(im, ax=axes[1:3], shrink=0.8, label="filter output")
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    show_other_cases,
    plot_step_edge,
    show_digit_edges,
    plot_digit_edges,
    show_cross_check,
)
