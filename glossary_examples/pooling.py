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

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import keras, tf

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
    kl = keras().layers
    layer = kl.MaxPooling2D(k) if mode == "max" else kl.AveragePooling2D(k)
    x = np.asarray(images, dtype="float32")[..., None]
    return layer(x).numpy()[..., 0]


def pool_weights() -> dict[str, str]:
    """Weights of pooling layers (none), next to a convolution of the same window size.

    Each layer is built on a 28×28×8 input; a Conv2D with the same 2×2 window and
    8 filters is shown for comparison.
    """
    kl = keras().layers
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
    t = tf()
    rng = np.random.default_rng(seed)
    x = np.stack([rng.permutation(n * n).reshape(n, n) for _ in range(batch)]).astype("float32")
    rows = {}
    for mode in ("max", "average"):
        got = keras_pool(x, 2, mode)
        want = np.stack([numpy_pool(img, 2, mode) for img in x])
        np.testing.assert_allclose(got, want, rtol=1e-6)
        rows[f"{mode} values, max |Keras - NumPy|"] = float(np.abs(got - want).max())

    kl = keras().layers
    xt = t.constant(x[..., None])
    for mode, layer in (("max", kl.MaxPooling2D(2)), ("average", kl.AveragePooling2D(2))):
        with t.GradientTape() as tape:
            tape.watch(xt)
            total = t.reduce_sum(layer(xt))
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


def digit_image(index: int = 0) -> np.ndarray:
    """An 8×8 handwritten digit from scikit-learn (shipped with the package, no download)."""
    from sklearn.datasets import load_digits

    return load_digits().images[index].astype("float32")


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


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_weights, plot_pooling, show_cross_check, check_pooling_2x2_of_4x4)
