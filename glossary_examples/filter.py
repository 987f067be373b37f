"""Filter (滤波器): the small weight array a convolution slides over its input, making a feature map.

The filter is also called the kernel (卷积核). At every position the filter is
multiplied element-wise with the window of the input under it and the products
are summed; the grid of these sums, the filter's output, is a feature map
(特征图). A filter spans
all input channels, and a layer with K filters makes K feature maps. What
deep-learning libraries call convolution, ``keras.layers.Conv2D`` included,
does not flip the filter: it is a cross-correlation.

>>> cross_correlate(IMAGE, FILTER).astype(int).tolist()
[[4, 3, 4], [2, 4, 3], [2, 3, 4]]
>>> int((IMAGE[:3, :3] * FILTER).sum())  # the top-left window, by hand
4
>>> bool(np.array_equal(flip(FILTER), FILTER))  # the source's filter is symmetric
True
"""

from __future__ import annotations

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import table

# The source's example: a 5x5 binary image and a 3x3 filter.
IMAGE = np.array(
    [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ],
    dtype="float32",
)
FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype="float32")
# An asymmetric filter: here flipping it changes the result.
ASYMMETRIC = np.array([[1, 2, 0], [0, 1, 0], [0, 0, -1]], dtype="float32")


def cross_correlate(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Slide ``w`` over ``x`` (no padding, stride 1) without flipping it.

    This is what ``Conv2D`` computes for one channel and one filter:
    ``out[i, j] = sum over a, b of x[i + a, j + b] * w[a, b]``.
    """
    f, g = w.shape
    rows, cols = x.shape[0] - f + 1, x.shape[1] - g + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(x[i : i + f, j : j + g] * w)
    return out


def flip(w: np.ndarray) -> np.ndarray:
    """The filter turned by 180 degrees (flipped up-down and left-right).

    >>> flip(np.array([[1, 2], [3, 4]])).tolist()
    [[4, 3], [2, 1]]
    """
    return np.asarray(w)[::-1, ::-1]


def true_convolution(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Convolution as mathematics and signal processing define it: flip, then slide."""
    return cross_correlate(x, flip(w))


def feature_maps(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Many channels and many filters: ``x`` is (H, W, C), ``w`` is (f, f, C, K).

    Each filter is an ``f × f × C`` block: it covers all C input channels at
    once, and its C products are summed into one number per position. The
    K filters give K feature maps, the output's last axis.
    """
    f = w.shape[0]
    rows, cols = x.shape[0] - f + 1, x.shape[1] - f + 1
    out = np.zeros((rows, cols, w.shape[3]))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.einsum("abc,abck->k", x[i : i + f, j : j + f], w)
    return out


def keras_conv(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``keras.layers.Conv2D`` with the kernel ``w`` copied in by ``set_weights``.

    ``x`` is (H, W) or (H, W, C); ``w`` is (f, f) or (f, f, C, K). No bias, valid
    padding, stride 1. Returns the feature map(s) in the shape ``x`` and ``w``
    imply: (H', W') for one channel and one filter, else (H', W', K).
    """
    single = x.ndim == 2
    x4 = np.asarray(x, dtype="float32").reshape(1, x.shape[0], x.shape[1], -1)
    w4 = np.asarray(w, dtype="float32")
    if w4.ndim == 2:
        w4 = w4[:, :, None, None]
    conv = keras.layers.Conv2D(w4.shape[3], w4.shape[:2], use_bias=False)
    conv.build(x4.shape)
    conv.set_weights([w4])
    out = conv(x4).numpy()[0]
    return out[:, :, 0] if single and w4.shape[3] == 1 else out


def layer_shapes(side: int = 5, channels: int = 3, filters: int = 4, f: int = 3) -> dict:
    """Shapes inside one ``Conv2D(filters, f)`` layer applied to a (side, side, channels) input."""
    keras.utils.set_random_seed(0)
    conv = keras.layers.Conv2D(filters, f)
    y = conv(np.zeros((1, side, side, channels), dtype="float32"))
    kernel, bias = conv.get_weights()
    return {
        "input (height, width, channels)": str((side, side, channels)),
        "kernel (f, f, in channels, filters)": str(kernel.shape),
        "bias (filters,)": str(bias.shape),
        "output: one feature map per filter": str(tuple(y.shape[1:])),
        "weights in one filter": int(np.prod(kernel.shape[:3])),
        "parameters of the layer": conv.count_params(),
    }


def cross_check(seed_value: int = 0) -> dict[str, str]:
    """Keras's ``Conv2D`` equals NumPy's cross-correlation, not the flipped convolution.

    Three comparisons, each asserted before anything is returned: the
    source's example (exactly equal), an asymmetric filter (equal to the
    cross-correlation and to ``scipy.signal.correlate2d``, different from the
    true convolution ``scipy.signal.convolve2d``), and random data with 3
    input channels and 4 filters.
    """
    from scipy import signal

    rows = {}
    got, want = keras_conv(IMAGE, FILTER), cross_correlate(IMAGE, FILTER)
    np.testing.assert_array_equal(got, want)
    rows["source example: Keras vs NumPy"] = f"max |diff| {np.abs(got - want).max():.1f}"

    got = keras_conv(IMAGE, ASYMMETRIC)
    corr = cross_correlate(IMAGE, ASYMMETRIC)
    conv = signal.convolve2d(IMAGE, ASYMMETRIC, mode="valid")
    np.testing.assert_array_equal(got, corr)
    np.testing.assert_array_equal(corr, signal.correlate2d(IMAGE, ASYMMETRIC, mode="valid"))
    np.testing.assert_array_equal(conv, true_convolution(IMAGE, ASYMMETRIC))
    assert not np.allclose(got, conv), "an asymmetric filter must tell the two apart"
    rows["asymmetric: Keras vs cross-correlation"] = f"max |diff| {np.abs(got - corr).max():.1f}"
    rows["asymmetric: Keras vs true convolution"] = f"max |diff| {np.abs(got - conv).max():.1f}"
    rows["asymmetric: positions that differ"] = f"{int((got != conv).sum())} of {got.size}"

    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(7, 7, 3)).astype("float32")
    w = rng.normal(size=(3, 3, 3, 4)).astype("float32")
    got = keras_conv(x, w)
    want = feature_maps(x.astype("float64"), w.astype("float64"))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    rows["random 7x7x3, 4 filters"] = (
        f"{got.shape} feature maps, max |diff| {np.abs(got - want).max():.1e}"
    )
    return rows


def show_example() -> None:
    """The source's image, filter and feature map, and the first position worked out."""
    print("image (5x5):")
    print(IMAGE.astype(int))
    print("filter (3x3):")
    print(FILTER.astype(int))
    print("feature map (3x3), Keras Conv2D:")
    print(keras_conv(IMAGE, FILTER).astype(int))
    window = IMAGE[:3, :3]
    products = " + ".join(str(int(v)) for v in (window * FILTER).ravel())
    print(f"top-left: sum(window * filter) = {products} = {int((window * FILTER).sum())}")


def show_layer_shapes() -> None:
    """A Conv2D layer with 4 filters on a 5x5 image with 3 channels."""
    print(table(layer_shapes()))


def show_flip() -> None:
    """An asymmetric filter: Keras matches the cross-correlation, not the convolution."""
    print("asymmetric filter:")
    print(ASYMMETRIC.astype(int))
    print("Keras Conv2D output:")
    print(keras_conv(IMAGE, ASYMMETRIC).astype(int))
    print("true convolution (filter flipped):")
    print(true_convolution(IMAGE, ASYMMETRIC).astype(int))


def show_cross_check() -> None:
    """NumPy, SciPy and Keras compared (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def _grid(ax, values, title, cmap="Greys", vmin=None, vmax=None):
    """Draw a small array with its numbers written in the cells (dark text on light cells)."""
    import matplotlib as mpl

    values = np.asarray(values)
    vmin = values.min() if vmin is None else vmin
    vmax = values.max() if vmax is None else vmax
    ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    colours, norm = mpl.colormaps[cmap], mpl.colors.Normalize(vmin, vmax)
    for (i, j), v in np.ndenumerate(values):
        r, g, b, _ = colours(norm(v))
        light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
        ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=11,
                color="black" if light else "white")
    ax.set(title=title, xticks=range(values.shape[1]), yticks=range(values.shape[0]))


def plot_feature_map():
    """Image, filter and feature map of the source's example; one window marked."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    out = keras_conv(IMAGE, FILTER)
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained",
                             gridspec_kw={"width_ratios": [5, 3, 3]})
    _grid(axes[0], IMAGE, "5x5 image")
    _grid(axes[1], FILTER, "3x3 filter (kernel)")
    _grid(axes[2], out, "3x3 feature map", cmap="viridis", vmin=0)
    # The window that makes output (1, 2): rows 1-3, columns 2-4 of the image.
    axes[0].add_patch(Rectangle((1.5, 0.5), 3, 3, fill=False, ec="tab:red", lw=2.5))
    axes[2].add_patch(Rectangle((1.5, 0.5), 1, 1, fill=False, ec="tab:red", lw=2.5))
    axes[0].set_xlabel("red: window for output (1, 2)")
    axes[2].set_xlabel(f"output (1, 2) = {out[1, 2]:g}")
    return fig


def plot_flip():
    """An asymmetric filter: its flip, Keras's output and the true convolution."""
    import matplotlib.pyplot as plt

    keras_out = keras_conv(IMAGE, ASYMMETRIC)
    conv_out = true_convolution(IMAGE, ASYMMETRIC)
    lo, hi = min(keras_out.min(), conv_out.min()), max(keras_out.max(), conv_out.max())
    fig, axes = plt.subplots(1, 4, figsize=(9, 3.2), layout="constrained")
    _grid(axes[0], ASYMMETRIC, "filter w", cmap="coolwarm", vmin=-2, vmax=2)
    _grid(axes[1], flip(ASYMMETRIC), "w flipped 180°", cmap="coolwarm", vmin=-2, vmax=2)
    _grid(axes[2], keras_out, "Keras Conv2D output\n(cross-correlation)", cmap="viridis",
          vmin=lo, vmax=hi)
    _grid(axes[3], conv_out, "true convolution\n(flip w, then slide)", cmap="viridis",
          vmin=lo, vmax=hi)
    fig.suptitle("The same 5x5 image, an asymmetric filter: the two operations differ")
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_layer_shapes, show_flip, plot_feature_map, plot_flip, show_cross_check)
