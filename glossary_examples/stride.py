"""Stride (步幅): how many pixels a filter moves between two output positions.

A convolution with an ``f×f`` filter, ``p`` pixels of padding on every side and
stride ``s`` turns an ``n×n`` input into ``⌊(n + 2p − f)/s⌋ + 1`` pixels a side:
stride 1 visits every position, stride 2 every other one, so the output side is
divided by about ``s``. With the same weights and no padding, a stride-``s``
output is the stride-1 output sampled at every ``s``-th row and column; the
strided layer simply skips computing the others.

>>> output_size(7, 3), output_size(7, 3, s=2), output_size(7, 3, s=3)
(5, 3, 2)
>>> output_size(8, 3, p=1, s=2)
4
>>> visited(7, 3, s=3)  # window starts; column 6 is never read
[0, 3]
"""

from __future__ import annotations

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from .padding import numpy_conv2d, output_size
from ._lib.report import table

# The grid the output-size formula is checked on: odd and even sizes and kernels.
SIZES = (6, 7, 8, 9)
KERNELS = (2, 3, 5)
STRIDES = (1, 2, 3)
PADDINGS = (0, 1, 2)


def visited(n: int, f: int, p: int = 0, s: int = 1) -> list[int]:
    """Where (along one axis of the padded input) each of the filter's windows starts."""
    return [i * s for i in range(output_size(n, f, p, s))]


def numpy_strided_conv(x: np.ndarray, w: np.ndarray, s: int = 1) -> np.ndarray:
    """A valid (unpadded) convolution with stride ``s`` in NumPy.

    ``x`` is ``(height, width, in_channels)``, ``w`` is ``(f, f, in_channels,
    out_channels)``. The window for output ``(i, j)`` starts at input
    ``(i·s, j·s)``; like Keras, the kernel is not flipped.

    >>> numpy_strided_conv(np.arange(25.0).reshape(5, 5, 1), np.ones((3, 3, 1, 1)), s=2)[..., 0]
    array([[ 54.,  72.],
           [144., 162.]])
    """
    # padding.numpy_conv2d is the general case; "valid" adds no padding.
    return numpy_conv2d(x, w, padding="valid", s=s)


def keras_output_sides(f: int, s: int) -> dict[tuple[int, int], int]:
    """Sides of ``ZeroPadding2D(p)`` then ``Conv2D(f, strides=s)`` (valid), by ``(n, p)``.

    One convolution layer serves every input size ``n`` in SIZES and padding
    ``p`` in PADDINGS: its weights do not depend on the image size.
    """
    conv = keras.layers.Conv2D(1, f, strides=s, kernel_initializer="zeros")
    sides = {}
    for p in PADDINGS:
        pad = keras.layers.ZeroPadding2D(p)
        for n in SIZES:
            y = conv(pad(np.zeros((1, n, n, 1), dtype="float32")))
            assert y.shape[1] == y.shape[2]
            sides[n, p] = int(y.shape[1])
    return sides


def size_agreement() -> dict[str, str]:
    """Keras's output side against the formula, for every n, f, p, s of the grid.

    Asserts that the formula predicts every one of Keras's sides, then counts
    the cases per stride.
    """
    rows = {}
    for s in STRIDES:
        cases = [(n, f, p) for n in SIZES for f in KERNELS for p in PADDINGS]
        measured = {f: keras_output_sides(f, s) for f in KERNELS}
        for n, f, p in cases:
            assert measured[f][n, p] == output_size(n, f, p, s), (n, f, p, s)
        sides = [output_size(n, f, p, s) for n, f, p in cases]
        rows[f"stride {s}"] = (
            f"formula = Keras in {len(cases)} of {len(cases)} cases, "
            f"output sides {min(sides)}..{max(sides)}"
        )
    return rows


def _conv(weights: np.ndarray, s: int, padding: str = "valid"):
    """A bias-free Keras ``Conv2D`` with the given kernel and stride."""
    f, _, c_in, c_out = weights.shape
    conv = keras.layers.Conv2D(c_out, f, strides=s, padding=padding, use_bias=False)
    conv.build((None, None, None, c_in))
    conv.set_weights([weights])
    return conv


def cross_check(n: int = 9, f: int = 3, seed: int = 0) -> dict[str, str]:
    """Keras's strided ``Conv2D`` equals NumPy's, and equals the subsampled stride-1 output.

    One random kernel is copied into Keras layers of stride 1, 2 and 3. Each
    output is compared with ``numpy_strided_conv`` and with the stride-1 Keras
    output taken at every ``s``-th row and column, by ``assert_allclose``,
    before anything is returned.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n, 2)).astype("float32")
    w = rng.normal(size=(f, f, 2, 3)).astype("float32")
    full = _conv(w, 1)(x[None]).numpy()[0]
    rows = {}
    for s in STRIDES:
        got = _conv(w, s)(x[None]).numpy()[0]
        want = numpy_strided_conv(x.astype("float64"), w.astype("float64"), s)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got, full[::s, ::s], rtol=1e-6, atol=1e-6)
        rows[f"stride {s}"] = (
            f"{n}x{n} -> {got.shape[0]}x{got.shape[1]}, "
            f"max |Keras - NumPy| {np.abs(got - want).max():.1e}, "
            f"max |Keras - stride-1[::{s}, ::{s}]| {np.abs(got - full[::s, ::s]).max():.1e}"
        )
    return rows


def same_padding_offset(n: int, f: int = 3, s: int = 2, seed: int = 0) -> int:
    """With ``padding="same"``: the offset ``o`` such that stride ``s`` = stride 1 at ``[o::s]``.

    Keras pads a stride-``s`` layer differently from a stride-1 layer, so the
    sampled grid can start one pixel later. The offset is found by comparing the
    two Keras outputs (same weights) at every candidate offset.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, n, n, 1)).astype("float32")
    w = rng.normal(size=(f, f, 1, 1)).astype("float32")
    full = _conv(w, 1, "same")(x).numpy()[0]
    strided = _conv(w, s, "same")(x).numpy()[0]
    for o in range(s):
        sampled = full[o::s, o::s][: strided.shape[0], : strided.shape[1]]
        if sampled.shape == strided.shape and np.allclose(sampled, strided, atol=1e-5):
            return o
    raise AssertionError("no offset reproduces the strided output")


def usage_counts(n: int, f: int, s: int) -> np.ndarray:
    """For each pixel of an ``n×n`` input: how many of the filter's windows read it (no padding)."""
    counts = np.zeros((n, n), dtype=int)
    for i in visited(n, f, 0, s):
        for j in visited(n, f, 0, s):
            counts[i : i + f, j : j + f] += 1
    return counts


def plot_visited_positions(n: int = 7, f: int = 3):
    """The windows a 3×3 filter visits on a 7×7 input at strides 1, 2 and 3."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained")
    for ax, s in zip(axes, STRIDES):
        counts = usage_counts(n, f, s)
        im = ax.imshow(counts, cmap="Blues", vmin=0, vmax=f * f)
        starts = visited(n, f, 0, s)
        for i in starts:
            for j in starts:
                ax.plot(j + (f - 1) / 2, i + (f - 1) / 2, "o", color="tab:red", ms=5)
        # The first two windows along the top row, outlined.
        for j, colour in zip(starts[:2], ("tab:orange", "tab:green")):
            ax.add_patch(Rectangle((j - 0.5, -0.5), f, f, fill=False, lw=2.5, ec=colour))
        for (i, j), c in np.ndenumerate(counts):
            if c == 0:
                ax.text(j, i, "0", ha="center", va="center", fontsize=8, color="tab:red")
        m = len(starts)
        ax.set(title=f"stride {s}: {m}x{m} output", xticks=range(n), yticks=range(n),
               xlabel="column")
    axes[0].set_ylabel("row")
    fig.colorbar(im, ax=axes, shrink=0.85, label="windows reading the pixel")
    fig.suptitle(f"{n}x{n} input, {f}x{f} filter, no padding: red dots = window centres "
                 "(first two windows outlined)")
    return fig


def show_example() -> None:
    """A 7×7 image of 0..48 and a 3×3 all-ones filter (window sums) at strides 1 and 2."""
    x = np.arange(49, dtype="float32").reshape(7, 7, 1)
    w = np.ones((3, 3, 1, 1), dtype="float32")
    print("input:")
    print(x[..., 0].astype(int))
    for s in (1, 2):
        y = _conv(w, s)(x[None]).numpy()[0, :, :, 0].astype(int)
        print(f"\nConv2D(1, 3, strides={s}), window sums, {y.shape[0]}x{y.shape[1]}:")
        print(y)


def show_size_agreement() -> None:
    """Keras's output sides agree with the formula (asserted in ``size_agreement``)."""
    print(f"n in {SIZES}, f in {KERNELS}, p in {PADDINGS}")
    print(table(size_agreement()))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def show_same_padding_offsets() -> None:
    """With ``"same"`` padding and stride 2, where the stride-1 output is sampled."""
    rows = {}
    for n in (7, 8, 9, 10):
        o = same_padding_offset(n)
        rows[f"n = {n}, 3x3 filter, stride 2"] = f"stride-1 output[{o}::2, {o}::2]"
    print(table(rows))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    show_size_agreement,
    plot_visited_positions,
    show_cross_check,
    show_same_padding_offsets,
)
