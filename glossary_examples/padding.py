"""Padding (填充): extra border pixels, zeros in Keras, added around a convolution's input.

A convolution with an ``f×f`` kernel, stride ``s`` and ``p`` pixels of padding on
every side turns an ``n×n`` input into ``⌊(n + 2p − f)/s⌋ + 1`` pixels a side.
Keras's ``Conv2D`` has two modes: ``padding="valid"`` (有效填充) adds nothing, so
the output shrinks to ``n − f + 1`` at stride 1; ``padding="same"`` (相同填充) adds
just enough zeros that the output has ``⌈n/s⌉`` pixels a side, which is ``n``
only at stride 1.

>>> output_size(6, 3), output_size(6, 3, p=1), output_size(8, 3)
(4, 6, 6)
>>> same_padding(6, 3), same_padding(6, 4), same_padding(6, 3, s=2)
((1, 1), (1, 2), (0, 1))
>>> usage_counts(6, 3)[0].tolist()
[1, 2, 3, 3, 2, 1]
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table

# The grid of sizes the claims are measured on: odd and even inputs and kernels.
SIZES = (5, 6, 7, 8)
KERNELS = (2, 3, 4, 5)
STRIDES = (1, 2)


def output_size(n: int, f: int, p: int = 0, s: int = 1) -> int:
    """Output side length for an ``n×n`` input, ``f×f`` kernel, padding ``p``, stride ``s``."""
    return (n + 2 * p - f) // s + 1


def same_padding(n: int, f: int, s: int = 1) -> tuple[int, int]:
    """Zeros Keras/TensorFlow add before and after, along one axis, for ``"same"``.

    The total is whatever makes the output ``⌈n/s⌉`` long; an odd total puts
    the extra zero after (bottom/right).
    """
    total = max((math.ceil(n / s) - 1) * s + f - n, 0)
    return total // 2, total - total // 2


def keras_output_sizes(f: int, padding: str, s: int = 1) -> list[int]:
    """Side lengths of one ``Conv2D(f, padding=padding, strides=s)`` on ``n×n`` images, n in SIZES.

    One layer serves every size: its weights do not depend on the image size.
    """
    conv = keras.layers.Conv2D(1, f, strides=s, padding=padding, kernel_initializer="zeros")
    sides = []
    for n in SIZES:
        y = conv(np.zeros((1, n, n, 1), dtype="float32"))
        assert y.shape[1] == y.shape[2]
        sides.append(int(y.shape[1]))
    return sides


def keras_shapes(n: int = 6, f: int = 3, p: int = 1) -> dict[str, tuple[int, int]]:
    """The source's example, run through Keras layers: each step's (Keras, formula) side."""
    x = np.zeros((1, n, n, 1), dtype="float32")
    padded = keras.layers.ZeroPadding2D(p)(x)

    def conv(mode):
        return keras.layers.Conv2D(1, f, padding=mode, kernel_initializer="zeros")

    return {
        "input": (n, n),
        f"Conv2D {f}x{f} valid": (int(conv("valid")(x).shape[1]), output_size(n, f)),
        f"ZeroPadding2D({p})": (int(padded.shape[1]), n + 2 * p),
        f"then Conv2D {f}x{f} valid": (int(conv("valid")(padded).shape[1]), output_size(n, f, p)),
        f"Conv2D {f}x{f} same": (int(conv("same")(x).shape[1]), n),
    }


def numpy_conv2d(x: np.ndarray, w: np.ndarray, padding: str = "valid", s: int = 1) -> np.ndarray:
    """What ``Conv2D`` computes, in NumPy: zero padding, then cross-correlation.

    ``x`` is ``(height, width, in_channels)``, ``w`` is ``(f, f, in_channels,
    out_channels)``. Like every deep-learning "convolution", the kernel is not
    flipped.

    >>> numpy_conv2d(np.arange(9.0).reshape(3, 3, 1), np.ones((2, 2, 1, 1)))[..., 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    f = w.shape[0]
    if padding == "same":
        pads = [same_padding(x.shape[0], f, s), same_padding(x.shape[1], f, s), (0, 0)]
        x = np.pad(x, pads)
    elif padding != "valid":
        raise ValueError(f"padding must be 'valid' or 'same'; got {padding!r}")
    rows = output_size(x.shape[0], f, 0, s)
    cols = output_size(x.shape[1], f, 0, s)
    out = np.zeros((rows, cols, w.shape[3]))
    for i in range(rows):
        for j in range(cols):
            window = x[i * s : i * s + f, j * s : j * s + f, :]
            out[i, j] = np.einsum("abc,abcd->d", window, w)
    return out


def cross_check(n: int = 7, seed: int = 0) -> dict[str, str]:
    """Keras's ``Conv2D`` equals NumPy's padded cross-correlation, for both modes.

    Odd and even kernels, strides 1 and 2; the kernel is copied into Keras with
    ``set_weights`` (no bias), and the outputs are compared with
    ``assert_allclose`` before anything is returned.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n, 2)).astype("float32")
    rows = {}
    for padding in ("valid", "same"):
        for f in (3, 4):
            for s in STRIDES:
                w = rng.normal(size=(f, f, 2, 3)).astype("float32")
                conv = keras.layers.Conv2D(3, f, strides=s, padding=padding, use_bias=False)
                conv.build((None, n, n, 2))
                conv.set_weights([w])
                got = conv(x[None]).numpy()[0]
                want = numpy_conv2d(x.astype("float64"), w.astype("float64"), padding, s)
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
                diff = float(np.abs(got - want).max())
                rows[f"{padding:<5} f={f} s={s}"] = (
                    f"{n}x{n} -> {got.shape[0]}x{got.shape[1]}, max |diff| {diff:.1e}"
                )
    return rows


def usage_counts(n: int, f: int, p: int = 0, s: int = 1) -> np.ndarray:
    """For each pixel of an ``n×n`` input: how many output positions read it.

    Counted directly: every output position adds 1 to the ``f×f`` window it
    reads in the padded input; the padding is then cut off again.
    """
    counts = np.zeros((n + 2 * p, n + 2 * p), dtype=int)
    m = output_size(n, f, p, s)
    for i in range(m):
        for j in range(m):
            counts[i * s : i * s + f, j * s : j * s + f] += 1
    return counts[p : p + n, p : p + n]


def keras_usage_counts(n: int, f: int, padding) -> np.ndarray:
    """The same counts, measured on Keras: the gradient of the summed output.

    With an all-ones kernel, d(sum of outputs)/d(input pixel) is the number of
    output positions that read the pixel. ``padding`` is ``"valid"``,
    ``"same"``, or an int ``p`` (``ZeroPadding2D(p)`` then a valid ``Conv2D``).
    """
    layers = [keras.layers.Conv2D(1, f, padding="valid" if isinstance(padding, int) else padding,
                              use_bias=False, kernel_initializer="ones")]
    if isinstance(padding, int):
        layers.insert(0, keras.layers.ZeroPadding2D(padding))
    x = tf.zeros((1, n, n, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        for layer in layers:
            y = layer(y)
        total = tf.reduce_sum(y)
    return tape.gradient(total, x).numpy()[0, :, :, 0].round().astype(int)


@functools.cache
def size_table(padding: str, s: int) -> dict[int, list[int]]:
    """Keras's output side for every input size in ``SIZES`` (rows) and kernel in ``KERNELS``."""
    by_kernel = [keras_output_sizes(f, padding, s) for f in KERNELS]
    return {n: [sides[i] for sides in by_kernel] for i, n in enumerate(SIZES)}


def check_padding_output_sizes() -> ClaimCheck:
    """Claim: 6×6 and a 3×3 filter give 4×4; padding one pixel gives 8×8, then 6×6.

    Holds if Keras's layers produce exactly the claimed sides and the formula
    agrees with Keras at every step; wrong otherwise.
    """
    shapes = keras_shapes(6, 3, 1)
    claimed = {"Conv2D 3x3 valid": 4, "ZeroPadding2D(1)": 8, "then Conv2D 3x3 valid": 6}
    keras_matches = all(shapes[step][0] == side for step, side in claimed.items())
    formula_matches = all(shapes[step][0] == shapes[step][1] for step in claimed)
    verdict = "holds" if keras_matches and formula_matches else "wrong"
    evidence = {f"{step} (claimed {side})": shapes[step][0] for step, side in claimed.items()}
    evidence["formula agrees with Keras at every step"] = formula_matches
    return ClaimCheck("padding-output-sizes", verdict, evidence)


def check_padding_corner_pixels(n: int = 6, f: int = 3) -> ClaimCheck:
    """Claim: corner pixels are used by fewer output positions than central ones.

    Measured on Keras (gradients of an all-ones kernel) and asserted equal to the
    direct count, for Keras's two modes and for "full" padding ``p = f − 1``.
    Holds if the corner is used less than the centre in both Keras modes
    ("valid" and "same", stride 1); conditions if in only one; wrong if in none.
    """
    modes = {"valid": 0, "same": (f - 1) // 2, f - 1: f - 1}
    evidence, fewer = {}, {}
    for mode, p in modes.items():
        counts = keras_usage_counts(n, f, mode)
        np.testing.assert_array_equal(counts, usage_counts(n, f, p))
        corner, centre = int(counts[0, 0]), int(counts[n // 2, n // 2])
        if isinstance(mode, str):
            glue(f"{mode}_corner", corner)
            glue(f"{mode}_centre", centre)
        name = f"padding={mode!r}" if isinstance(mode, str) else f"ZeroPadding2D({mode}) + valid"
        evidence[f"{name}: corner / centre uses"] = f"{corner} / {centre}"
        fewer[mode] = corner < centre
    in_keras_modes = sum(fewer[m] for m in ("valid", "same"))
    verdict = {2: "holds", 1: "conditions", 0: "wrong"}[in_keras_modes]
    return ClaimCheck("padding-corner-pixels", verdict, evidence)


def check_padding_same_keeps_size() -> ClaimCheck:
    """Claim: "same" padding keeps the output size.

    Measured over every n in SIZES, f in KERNELS (odd and even) and s in STRIDES.
    Holds if the output side equals n in every case; conditions if it does at
    stride 1 in every case but not at every larger stride; wrong otherwise.
    """
    evidence, kept_everywhere = {}, {}
    for s in STRIDES:
        sides = {(n, f): side for n, row in size_table("same", s).items()
                 for f, side in zip(KERNELS, row)}
        kept = sum(side == n for (n, f), side in sides.items())
        ceil = sum(side == math.ceil(n / s) for (n, f), side in sides.items())
        evidence[f"stride {s}: output side = n"] = f"{kept} of {len(sides)}"
        evidence[f"stride {s}: output side = ceil(n/{s})"] = f"{ceil} of {len(sides)}"
        kept_everywhere[s] = kept == len(sides)
    if all(kept_everywhere.values()):
        verdict = "holds"
    elif kept_everywhere[1]:
        verdict = "conditions"
    else:
        verdict = "wrong"
    return ClaimCheck("padding-same-keeps-size", verdict, evidence)


def check_padding_valid_keeps_pixels() -> ClaimCheck:
    """Claim: valid padding keeps the image the same number of pixels.

    Measured at stride 1 for every n in SIZES and f in KERNELS. A 1×1 kernel is
    left out: it keeps the size under any padding, so it cannot tell the modes
    apart. Holds if the valid output side is n in every case, wrong if in none,
    conditions in between.
    """
    valid, same = size_table("valid", 1), size_table("same", 1)
    cases = [(n, f, valid[n][i], same[n][i]) for n in SIZES for i, f in enumerate(KERNELS)]
    kept = sum(v == n for n, f, v, _ in cases)
    shrunk_by_f_minus_1 = sum(v == n - f + 1 for n, f, v, _ in cases)
    same_kept = sum(sm == n for n, f, _, sm in cases)
    glue("valid_kept", valid[6][KERNELS.index(3)] ** 2)
    verdict = "holds" if kept == len(cases) else "wrong" if kept == 0 else "conditions"
    return ClaimCheck(
        "padding-valid-keeps-pixels",
        verdict,
        {
            "valid: output side = n": f"{kept} of {len(cases)}",
            "valid: output side = n - f + 1": f"{shrunk_by_f_minus_1} of {len(cases)}",
            "same: output side = n": f"{same_kept} of {len(cases)}",
            "pixels kept, 6x6 input, 3x3 valid": f"{valid[6][KERNELS.index(3)] ** 2} of 36",
        },
    )


def plot_usage_counts(n: int = 6, f: int = 3):
    """How many output positions read each input pixel, for three paddings."""
    import matplotlib.pyplot as plt

    panels = {
        'padding="valid" (p = 0)': usage_counts(n, f, 0),
        f'padding="same" (p = {(f - 1) // 2})': usage_counts(n, f, (f - 1) // 2),
        f"full padding (p = f − 1 = {f - 1})": usage_counts(n, f, f - 1),
    }
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained")
    for ax, (title, counts) in zip(axes, panels.items()):
        im = ax.imshow(counts, cmap="viridis", vmin=0, vmax=f * f)
        for (i, j), c in np.ndenumerate(counts):
            ax.text(j, i, str(c), ha="center", va="center", fontsize=9,
                    color="white" if c < 0.6 * f * f else "black")
        ax.set(title=title, xticks=range(n), yticks=range(n), xlabel="column")
    axes[0].set_ylabel("row")
    fig.colorbar(im, ax=axes, shrink=0.85, label="output positions using the pixel")
    fig.suptitle(f"{n}x{n} input, {f}x{f} kernel, stride 1: uses of each input pixel")
    return fig


def show_example() -> None:
    """A 6×6 image with one pixel of zero padding, and the sides each step gives."""
    image = np.arange(1, 37, dtype="float32").reshape(1, 6, 6, 1)
    padded = keras.layers.ZeroPadding2D(1)(image).numpy()[0, :, :, 0].astype(int)
    print("ZeroPadding2D(1) of the 6x6 image 1..36:")
    print(padded)
    print()
    rows = {step: f"{a}x{a}  (formula {b}x{b})" for step, (a, b) in keras_shapes().items()
            if step != "input"}
    print(table({"input": "6x6", **rows}))


def show_size_table() -> None:
    """Keras's output side for each input size n (rows) and kernel size f (columns)."""
    print("padding  stride  n   " + "  ".join(f"f={f}" for f in KERNELS))
    for padding in ("valid", "same"):
        for s in STRIDES:
            for n, row in size_table(padding, s).items():
                print(f"{padding:<7}  {s:<6}  {n:<2}  " + "  ".join(f"{v:>3}" for v in row))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_usage_counts,
    show_cross_check,
    check_padding_output_sizes,
    check_padding_corner_pixels,
    show_size_table,
    check_padding_same_keeps_size,
    check_padding_valid_keeps_pixels,
)
