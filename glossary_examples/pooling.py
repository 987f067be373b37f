"""Pooling (池化): replace each k×k window of a feature map by its maximum or its mean.

Max pooling (最大池化, ``keras.layers.MaxPooling2D``) keeps the largest value of
each window; average pooling (平均池化, ``keras.layers.AveragePooling2D``) keeps
the mean. By default the stride equals the pool size, so the windows do not
overlap and a 2×2 pool halves the height and the width. Each channel is pooled
on its own, and there are no weights to learn.

>>> x = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 8]])
>>> numpy_pool(x, 2, "max").tolist()
[[4, 2], [2, 8]]
>>> numpy_pool(x, 2, "average").tolist()
[[2.5, 1.0], [1.25, 6.5]]
>>> numpy_pool(x, 4, "max").tolist()  # one 4×4 block: what the source claims
[[8]]
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table

EXAMPLE = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 8]], dtype="float32")


def numpy_pool(x, k: int, mode: str = "max") -> np.ndarray:
    """Non-overlapping ``k×k`` pooling of a 2-D array by reshaping.

    The array is cut into ``k×k`` blocks (rows and columns that do not fill a
    whole block are dropped, as Keras's ``padding="valid"`` does) and each block
    is reduced to its max or mean.
    """
    x = np.asarray(x)
    h, w = x.shape[0] // k, x.shape[1] // k
    blocks = x[: h * k, : w * k].reshape(h, k, w, k)
    if mode == "max":
        return blocks.max(axis=(1, 3))
    if mode == "average":
        return blocks.mean(axis=(1, 3))
    raise ValueError(f"mode must be 'max' or 'average'; got {mode!r}")


def keras_pool(images: np.ndarray, k: int = 2, mode: str = "max") -> np.ndarray:
    """``MaxPooling2D(k)`` or ``AveragePooling2D(k)`` on a batch of 2-D images.

    ``images`` is ``(batch, height, width)``; a channel axis is added for Keras
    and removed again.
    """
    kl = keras.layers
    layer = kl.MaxPooling2D(k) if mode == "max" else kl.AveragePooling2D(k)
    x = np.asarray(images, dtype="float32")[..., None]
    return layer(x).numpy()[..., 0]


def pool_weights() -> dict[str, str]:
    """Weights of pooling layers (none), next to a convolution of the same window size.

    Each layer is built on a 28×28×8 input; a Conv2D with the same 2×2 window and
    8 filters is shown for comparison.
    """
    kl = keras.layers
    layers = {
        "MaxPooling2D(2)": kl.MaxPooling2D(2),
        "AveragePooling2D(2)": kl.AveragePooling2D(2),
        "Conv2D(8, 2, strides=2)": kl.Conv2D(8, 2, strides=2),
    }
    rows = {}
    for name, layer in layers.items():
        layer.build((None, 28, 28, 8))
        shape = layer.compute_output_shape((None, 28, 28, 8))
        rows[name] = (
            f"params {layer.count_params():>3}, trainable weights "
            f"{len(layer.trainable_weights)}, output {shape[1]}x{shape[2]}x{shape[3]}"
        )
    return rows


def cross_check(batch: int = 4, n: int = 8, seed: int = 0) -> dict[str, float]:
    """Keras's pooling equals NumPy's reshape-and-reduce, values and gradients.

    Values: ``MaxPooling2D(2)`` / ``AveragePooling2D(2)`` against ``numpy_pool``
    on random images (distinct values, so every window has one maximum).
    Gradients (from ``tf.GradientTape`` of the summed output): max pooling sends
    1 to the position of each window's maximum and 0 elsewhere, average pooling
    sends 1/4 to every pixel. All are asserted before anything is returned.
    """
    rng = np.random.default_rng(seed)
    x = np.stack([rng.permutation(n * n).reshape(n, n) for _ in range(batch)]).astype("float32")
    rows = {}
    for mode in ("max", "average"):
        got = keras_pool(x, 2, mode)
        want = np.stack([numpy_pool(img, 2, mode) for img in x])
        np.testing.assert_allclose(got, want, rtol=1e-6)
        rows[f"{mode} values, max |Keras - NumPy|"] = float(np.abs(got - want).max())

    kl = keras.layers
    xt = tf.constant(x[..., None])
    for mode, layer in (("max", kl.MaxPooling2D(2)), ("average", kl.AveragePooling2D(2))):
        with tf.GradientTape() as tape:
            tape.watch(xt)
            total = tf.reduce_sum(layer(xt))
        grad = tape.gradient(total, xt).numpy()[..., 0]
        if mode == "max":
            window_max = np.stack([numpy_pool(img, 2, "max") for img in x])
            want = (x == np.repeat(np.repeat(window_max, 2, axis=1), 2, axis=2)).astype("float32")
        else:
            want = np.full_like(x, 0.25)
        np.testing.assert_array_equal(grad, want)
        rows[f"{mode} gradient, distinct values"] = str(sorted(set(grad.ravel().tolist())))
    return rows


def check_pooling_2x2_of_4x4(images: int = 100, n: int = 8, seed: int = 0) -> ClaimCheck:
    """Claim: a 2×2 pooling layer outputs the maximum of each 4×4 block of the image.

    ``MaxPooling2D(2)`` is applied to ``images`` random ``n×n`` images with
    distinct values and each output is compared with (a) the maximum of its own
    2×2 window and (b) the maximum of the 4×4 block that contains that window.
    Holds if Keras matches (b) everywhere; wrong if it matches (a) everywhere
    and (b) in at most half of the outputs; conditions otherwise.
    """
    rng = np.random.default_rng(seed)
    x = np.stack([rng.permutation(n * n).reshape(n, n) for _ in range(images)]).astype("float32")
    out = keras_pool(x, 2, "max")
    max_2x2 = np.stack([numpy_pool(img, 2, "max") for img in x])
    max_4x4 = np.stack([numpy_pool(img, 4, "max") for img in x])
    # The 4×4 block containing output (i, j) is block (i // 2, j // 2).
    max_4x4_per_output = np.repeat(np.repeat(max_4x4, 2, axis=1), 2, axis=2)
    frac_2x2 = float((out == max_2x2).mean())
    frac_4x4 = float((out == max_4x4_per_output).mean())
    glue("frac_2x2", frac_2x2)
    glue("frac_4x4", frac_4x4)
    four_by_four_in = keras_pool(EXAMPLE[None], 2, "max")
    pool4 = keras_pool(x, 4, "max")
    if frac_4x4 == 1.0:
        verdict = "holds"
    elif frac_2x2 == 1.0 and frac_4x4 <= 0.5:
        verdict = "wrong"
    else:
        verdict = "conditions"
    return ClaimCheck(
        "pooling-2x2-of-4x4",
        verdict,
        {
            f"MaxPooling2D(2) on {images} images {n}x{n}: output": f"{out.shape[1]}x{out.shape[2]}",
            "outputs = max of their own 2x2 window": frac_2x2,
            "outputs = max of the enclosing 4x4 block": frac_4x4,
            "MaxPooling2D(2) on a 4x4 input: output": (
                f"{four_by_four_in.shape[1]}x{four_by_four_in.shape[2]}"
            ),
            "MaxPooling2D(4) = max of each 4x4 block": bool(np.array_equal(pool4, max_4x4)),
        },
    )


def shift_right(maps: np.ndarray, d: int = 1) -> np.ndarray:
    """Move every map of ``(batch, height, width)`` ``d`` pixels right, zeros filling in.

    >>> shift_right(np.array([[[1, 2, 3]]]), 1).tolist()
    [[[0, 1, 2]]]
    """
    out = np.zeros_like(maps)
    out[:, :, d:] = maps[:, :, : maps.shape[2] - d]
    return out


def single_peaks(n: int = 8, d: int = 1) -> np.ndarray:
    """One ``n×n`` map per position with room to move ``d`` right: a single 1 (a detected feature)."""
    positions = [(r, c) for r in range(n) for c in range(n - d)]
    maps = np.zeros((len(positions), n, n), dtype="float32")
    for i, (r, c) in enumerate(positions):
        maps[i, r, c] = 1.0
    return maps


def relative_change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over the batch of ``‖b − a‖ / ‖a‖``: how much a shift changed each map."""
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return float(np.mean(np.linalg.norm(b - a, axis=1) / np.linalg.norm(a, axis=1)))


def translation_invariance(d: int = 1) -> dict[str, float]:
    """What a shift of ``d`` pixels does before and after ``MaxPooling2D(2)``.

    Single peaks: the share of maps whose output is exactly unchanged. All of
    scikit-learn's 8×8 digits: the mean relative change of the map, after one
    2×2 max pooling, and after two (each output then covers 4×4 pixels).
    """
    peaks = single_peaks(8, d)
    moved = shift_right(peaks, d)
    pooled, pooled_moved = keras_pool(peaks, 2), keras_pool(moved, 2)
    digits = all_digits().astype("float32") / 16.0
    digits_moved = shift_right(digits, d)
    once, once_moved = keras_pool(digits, 2), keras_pool(digits_moved, 2)
    twice, twice_moved = keras_pool(once, 2), keras_pool(once_moved, 2)
    return {
        "single peaks, map unchanged": float(np.mean([np.array_equal(a, b)
                                                      for a, b in zip(peaks, moved)])),
        "single peaks, max-pooled map unchanged": float(np.mean(
            [np.array_equal(a, b) for a, b in zip(pooled, pooled_moved)])),
        "digits, relative change of the map": relative_change(digits, digits_moved),
        "digits, after MaxPooling2D(2)": relative_change(once, once_moved),
        "digits, after MaxPooling2D(2) twice": relative_change(twice, twice_moved),
    }


def downstream_sizes(side: int = 28, maps: int = 32, classes: int = 10) -> dict[str, int]:
    """Parameters of a ``Dense(classes)`` head on ``side×side×maps`` feature maps, three ways.

    ``Flatten`` alone, ``MaxPooling2D(2)`` then ``Flatten``, and
    ``GlobalAveragePooling2D`` (one mean per feature map, asserted against NumPy).
    """
    heads = {
        "Flatten, Dense": [keras.layers.Flatten()],
        "MaxPooling2D(2), Flatten, Dense": [keras.layers.MaxPooling2D(2), keras.layers.Flatten()],
        "GlobalAveragePooling2D, Dense": [keras.layers.GlobalAveragePooling2D()],
    }
    counts = {}
    for name, layers in heads.items():
        model = keras.Sequential([keras.Input((side, side, maps)), *layers, keras.layers.Dense(classes)])
        counts[name] = model.count_params()
    x = np.random.default_rng(0).normal(size=(2, side, side, maps)).astype("float32")
    gap = keras.layers.GlobalAveragePooling2D()(x).numpy()
    np.testing.assert_allclose(gap, x.mean(axis=(1, 2)), rtol=1e-5, atol=1e-6)
    return counts


def receptive_field_side(layers: list[tuple[int, int]]) -> int:
    """Side of the input window one output sees, for layers given as (window, stride).

    Each layer adds ``(window − 1) × jump`` pixels, where ``jump`` is the
    product of the strides before it.

    >>> receptive_field_side([(3, 1), (3, 1)]), receptive_field_side([(3, 1), (2, 2), (3, 1)])
    (5, 8)
    """
    side, jump = 1, 1
    for window, stride in layers:
        side += (window - 1) * jump
        jump *= stride
    return side


def measured_receptive_field(with_pooling: bool, n: int = 16) -> int:
    """Side of the input square that reaches one central output, by ``tf.GradientTape``.

    Two ``Conv2D(1, 3)`` layers with all-ones kernels, with or without a 2×2
    pooling layer between them. ``AveragePooling2D`` is used for the
    measurement: max pooling has the same windows (so the same field), but its
    gradient reaches only the maximum of each window, not every pixel that can
    win it.
    """
    layers = [keras.layers.Conv2D(1, 3, kernel_initializer="ones", use_bias=False)]
    if with_pooling:
        layers.append(keras.layers.AveragePooling2D(2))
    layers.append(keras.layers.Conv2D(1, 3, kernel_initializer="ones", use_bias=False))
    x = tf.random.uniform((1, n, n, 1), seed=0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        for layer in layers:
            y = layer(y)
        centre = y[0, y.shape[1] // 2, y.shape[2] // 2, 0]
    reached = tape.gradient(centre, x).numpy()[0, :, :, 0] != 0
    rows, cols = np.flatnonzero(reached.any(axis=1)), np.flatnonzero(reached.any(axis=0))
    assert reached.sum() == len(rows) * len(cols), "the field is a square"
    return int(len(rows))


@functools.cache
def all_digits() -> np.ndarray:
    """All 1797 of scikit-learn's 8×8 handwritten digits, values 0..16."""
    from sklearn.datasets import load_digits

    return load_digits().images


def digit_image(index: int = 0) -> np.ndarray:
    """An 8×8 handwritten digit from scikit-learn (shipped with the package, no download)."""
    return all_digits()[index].astype("float32")


def plot_pooling(index: int = 0):
    """An 8×8 digit and its 2×2 max- and average-pooled versions, with the values."""
    import matplotlib.pyplot as plt

    image = digit_image(index)
    panels = {
        "input 8x8 (scikit-learn digit)": image,
        "MaxPooling2D(2): 4x4": keras_pool(image[None], 2, "max")[0],
        "AveragePooling2D(2): 4x4": keras_pool(image[None], 2, "average")[0],
    }
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained")
    for ax, (title, values) in zip(axes, panels.items()):
        im = ax.imshow(values, cmap="Greys", vmin=0, vmax=16)
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:g}", ha="center", va="center",
                    fontsize=7 if values.shape[0] > 4 else 10,
                    color="white" if v > 8 else "black")
        ax.set(title=title, xticks=[], yticks=[])
    # The 2×2 windows on the input.
    for pos in (1.5, 3.5, 5.5):
        axes[0].axhline(pos, color="tab:red", lw=1.2)
        axes[0].axvline(pos, color="tab:red", lw=1.2)
    fig.colorbar(im, ax=axes, shrink=0.85, label="pixel value (0..16)")
    fig.suptitle("Each output pixel comes from one 2x2 window (red grid) of the input")
    return fig


def show_example() -> None:
    """A 4×4 input, pooled 2×2 by Keras: max and average, each 2×2."""
    print("input 4x4:")
    print(EXAMPLE.astype(int))
    print("\nMaxPooling2D(2):")
    print(keras_pool(EXAMPLE[None], 2, "max")[0])
    print("\nAveragePooling2D(2):")
    print(keras_pool(EXAMPLE[None], 2, "average")[0])


def show_weights() -> None:
    """Pooling layers have no weights; a convolution of the same window does."""
    print(table(pool_weights()))


def show_invariance() -> None:
    """A one-pixel shift before and after max pooling (see ``translation_invariance``)."""
    result = translation_invariance()
    for key, name in [("peaks_same", "single peaks, max-pooled map unchanged"),
                      ("peaks_raw_same", "single peaks, map unchanged"),
                      ("change_raw", "digits, relative change of the map"),
                      ("change_once", "digits, after MaxPooling2D(2)"),
                      ("change_twice", "digits, after MaxPooling2D(2) twice")]:
        glue(key, result[name])
    print("shift by one pixel to the right:")
    print(table(result, indent="  "))


def show_downstream() -> None:
    """Parameters of a 10-class head on 28×28×32 feature maps: flatten, pool, or global average."""
    counts = downstream_sizes()
    for key, name in [("flatten_params", "Flatten, Dense"),
                      ("pool_params", "MaxPooling2D(2), Flatten, Dense"),
                      ("gap_params", "GlobalAveragePooling2D, Dense")]:
        glue(key, counts[name])
    print("28x28x32 feature maps -> 10 classes, parameters:")
    print(table(counts, indent="  "))
    print("GlobalAveragePooling2D = mean of each map over height and width (asserted)")


def show_receptive_field() -> None:
    """Input pixels one output of two 3×3 convolutions sees, with and without pooling."""
    rows = {}
    for with_pooling, layers in [(False, [(3, 1), (3, 1)]), (True, [(3, 1), (2, 2), (3, 1)])]:
        side = measured_receptive_field(with_pooling)
        assert side == receptive_field_side(layers), (with_pooling, side)
        glue("field_pool" if with_pooling else "field_plain", side)
        name = "conv 3x3, pool 2x2, conv 3x3" if with_pooling else "conv 3x3, conv 3x3"
        rows[name] = f"{side}x{side} input pixels (formula: {receptive_field_side(layers)})"
    print(table(rows))


def plot_invariance():
    """A single peak moved one pixel: within its 2×2 window, and across a window border."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(9, 4.6), layout="constrained")
    for row, column in enumerate((2, 3)):
        peak = np.zeros((1, 8, 8), dtype="float32")
        peak[0, 3, column] = 1.0
        moved = shift_right(peak, 1)
        pooled, pooled_moved = keras_pool(peak, 2)[0], keras_pool(moved, 2)[0]
        same = np.array_equal(pooled, pooled_moved)
        panels = [(peak[0], f"peak at column {column}"), (moved[0], f"moved to column {column + 1}"),
                  (pooled, "max-pooled"), (pooled_moved, "max-pooled, moved: "
                                           + ("same" if same else "different"))]
        for ax, (values, title) in zip(axes[row], panels):
            ax.imshow(values, cmap="Greys", vmin=0, vmax=1)
            ax.set(xticks=[], yticks=[])
            ax.set_title(title, fontsize=9)
            if values.shape[0] == 8:
                for pos in (1.5, 3.5, 5.5):
                    ax.axhline(pos, color="tab:red", lw=0.8)
                    ax.axvline(pos, color="tab:red", lw=0.8)
    fig.suptitle("MaxPooling2D(2) ignores a move that stays inside a 2x2 window (top),\n"
                 "not one that crosses a window border (bottom)", fontsize=10)
    return fig


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    show_weights,
    show_invariance,
    show_downstream,
    show_receptive_field,
    plot_pooling,
    plot_invariance,
    show_cross_check,
    check_pooling_2x2_of_4x4,
)
