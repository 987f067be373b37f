"""Feature map (特征图): the output of one filter slid over the input, one channel of a conv layer's output.

At every position the filter is multiplied element-wise with the window of the
input under it and the products are summed (plus the filter's bias): the grid
of these sums is the feature map, large where the input looks like the filter.
A ``Conv2D`` layer with K filters makes K feature maps, stacked along the last
(channel) axis, and the next layer reads them as its K input channels. An
``n×n`` input, an ``f×f`` filter, ``p`` zeros of padding on every side and
stride ``s`` give a map of ``⌊(n + 2p − f)/s⌋ + 1`` pixels a side.

>>> map_side(8, 3), map_side(8, 3, p=1), map_side(28, 5, s=2)
(6, 8, 12)
>>> x = np.zeros((4, 4, 1)); x[:, 0] = 1.0  # a bright first column
>>> feature_map(x, VERTICAL[:, :, None]).tolist()  # the Prewitt vertical-edge filter
[[3.0, 0.0], [3.0, 0.0]]
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np

from ._lib.report import glue, table
from ._lib.runtime import full_batch_loop

# Two hand-made filters for the example: vertical and horizontal edges (Prewitt).
VERTICAL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype="float32")
HORIZONTAL = VERTICAL.T.copy()
# The shape grid checked against Keras: sides, filter sizes, paddings, strides.
SIDES = (8, 28)
KERNELS = (3, 5)
PADDINGS = (0, 1, 2)
STRIDES = (1, 2)
# The small CNN trained on scikit-learn's digits, to draw learned feature maps.
CNN_FILTERS = 4
CNN_STEPS = 40
CNN_LEARNING_RATE = 0.05
SHOWN_DIGITS = (0, 3, 7)


def map_side(n: int, f: int, p: int = 0, s: int = 1) -> int:
    """Side of the feature map: ``⌊(n + 2p − f)/s⌋ + 1`` for an ``n×n`` input."""
    return (n + 2 * p - f) // s + 1


def feature_map(x: np.ndarray, w: np.ndarray, b: float = 0.0, p: int = 0, s: int = 1) -> np.ndarray:
    """One filter's feature map in NumPy: pad, slide, multiply, sum, add the bias.

    ``x`` is the input ``(height, width, channels)``, ``w`` one filter
    ``(f, f, channels)``: the filter covers every input channel, so one filter
    makes one 2-D map. No flip (a cross-correlation, as in Keras).
    """
    x = np.pad(x, ((p, p), (p, p), (0, 0)))
    f = w.shape[0]
    rows, cols = (x.shape[0] - f) // s + 1, (x.shape[1] - f) // s + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(x[i * s : i * s + f, j * s : j * s + f, :] * w) + b
    return out


def keras_feature_maps(x: np.ndarray, filters: np.ndarray, biases=None, p: int = 0, s: int = 1):
    """``ZeroPadding2D(p)`` then ``Conv2D(K, f, strides=s)`` with the given filters copied in.

    ``x`` is ``(height, width, channels)``; ``filters`` is ``(f, f, channels, K)``.
    Returns the output ``(height', width', K)``: feature map ``k`` is ``out[..., k]``.
    """
    f, _, channels, count = filters.shape
    conv = keras.layers.Conv2D(count, f, strides=s)
    conv.build((None, None, None, channels))
    conv.set_weights([filters, np.zeros(count, "float32") if biases is None else biases])
    y = np.asarray(x, dtype="float32")[None]
    if p:
        y = keras.layers.ZeroPadding2D(p)(y)
    return conv(y).numpy()[0]


def l_shape(n: int = 8) -> np.ndarray:
    """An ``n×n`` one-channel image of an "L": a vertical bar and a foot."""
    x = np.zeros((n, n, 1), dtype="float32")
    x[1:7, 2:4] = 1.0
    x[5:7, 2:7] = 1.0
    return x


def shape_table() -> list[dict]:
    """Keras's output shapes against the formula, over the grid of n, f, p, s (asserted).

    One ``Conv2D`` per filter size and stride (8 filters, so 8 feature maps),
    applied to zero images of each side after ``ZeroPadding2D(p)``; then the
    ``padding="same"`` mode, which gives ``⌈n/s⌉``.
    """
    rows = []
    for f in KERNELS:
        for s in STRIDES:
            conv = keras.layers.Conv2D(8, f, strides=s)
            same = keras.layers.Conv2D(8, f, strides=s, padding="same")
            for n in SIDES:
                x = np.zeros((1, n, n, 3), dtype="float32")
                for p in PADDINGS:
                    got = tuple(conv(keras.layers.ZeroPadding2D(p)(x)).shape[1:])
                    want = (map_side(n, f, p, s),) * 2 + (8,)
                    assert got == want, (n, f, p, s, got, want)
                    rows.append({"n": n, "f": f, "p": p, "s": s, "keras": got, "formula": want})
                got = tuple(same(x).shape[1:])
                assert got == (math.ceil(n / s),) * 2 + (8,), (n, f, s, got)
                rows.append({"n": n, "f": f, "p": "same", "s": s, "keras": got,
                             "formula": (math.ceil(n / s),) * 2 + (8,)})
    return rows


def cross_check(seed_value: int = 0) -> dict[str, str]:
    """Keras's ``Conv2D`` output, channel by channel, equals NumPy's ``feature_map``.

    Random 9×9×3 input, 4 random filters with random biases, for no padding
    at stride 1 and for one pixel of padding at stride 2; every one of the 4
    maps is compared with ``assert_allclose`` before anything is returned.
    """
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(9, 9, 3)).astype("float32")
    w = rng.normal(size=(3, 3, 3, 4)).astype("float32")
    b = rng.normal(size=4).astype("float32")
    rows = {}
    for p, s in ((0, 1), (1, 2)):
        out = keras_feature_maps(x, w, b, p, s)
        assert out.shape == (map_side(9, 3, p, s),) * 2 + (4,)
        worst = 0.0
        for k in range(4):
            want = feature_map(x.astype("float64"), w[..., k].astype("float64"), b[k], p, s)
            np.testing.assert_allclose(out[..., k], want, rtol=1e-5, atol=1e-5)
            worst = max(worst, float(np.abs(out[..., k] - want).max()))
        rows[f"9x9x3 input, 4 filters 3x3, p={p}, s={s}"] = (
            f"output {out.shape}: 4 maps, max |Keras - NumPy| {worst:.1e}")
    return rows


@functools.cache
def digits_split() -> dict[str, np.ndarray]:
    """scikit-learn's 8×8 digits as (n, 8, 8, 1) in 0..1, split 80/20, stratified, seeded."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.2, stratify=digits.target, random_state=0)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def small_cnn(seed_value: int = 0):
    """A tiny CNN for 8×8 digits: one ``Conv2D`` of 4 filters, ReLU, 2×2 max pooling, 10 logits."""
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(CNN_FILTERS, 3, padding="same", name="conv",
                        kernel_initializer=keras.initializers.GlorotUniform(seed=seed_value)),
        keras.layers.ReLU(name="relu"),
        keras.layers.MaxPooling2D(2, name="pool"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(10, name="logits",
                       kernel_initializer=keras.initializers.GlorotUniform(seed=seed_value + 1)),
    ], name="tiny_cnn")


def maps_of(model, images: np.ndarray) -> np.ndarray:
    """The feature maps of the model's ``conv`` layer: a model that stops at that layer."""
    first = keras.Model(model.inputs[0], model.get_layer("conv").output)
    return first(images).numpy()


@functools.cache
def trained_cnn(seed_value: int = 0) -> dict:
    """Train ``small_cnn`` on the digits (full batch, Adam, a fixed number of steps), seeded.

    Returns the model, its test accuracy, and the feature maps of one test
    image of each digit in ``SHOWN_DIGITS``, checked against NumPy's
    ``feature_map`` with the learned filters (``padding="same"`` is one pixel
    of zeros for a 3×3 filter at stride 1).
    """
    keras.utils.set_random_seed(seed_value)
    data = digits_split()
    model = small_cnn(seed_value)
    optimizer = keras.optimizers.Adam(CNN_LEARNING_RATE)
    optimizer.build(model.trainable_variables)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    full_batch_loop()(model, optimizer, loss, data["x_train"], data["y_train"], CNN_STEPS)
    logits = model(data["x_test"]).numpy()
    accuracy = float(np.mean(logits.argmax(axis=1) == data["y_test"]))
    index = [int(np.flatnonzero(data["y_test"] == d)[0]) for d in SHOWN_DIGITS]
    images = data["x_test"][index]
    maps = maps_of(model, images)
    w, b = model.get_layer("conv").get_weights()
    for image, image_maps in zip(images, maps):
        for j in range(CNN_FILTERS):
            want = feature_map(image.astype("float64"), w[..., j].astype("float64"), b[j], p=1)
            np.testing.assert_allclose(image_maps[..., j], want, rtol=1e-4, atol=1e-5)
    return {"model": model, "accuracy": accuracy, "images": images, "maps": maps,
            "filters": w, "biases": b}


def show_example() -> None:
    """Two filters (vertical and horizontal edges) on an "L": one feature map each."""
    x = l_shape()
    filters = np.stack([VERTICAL, HORIZONTAL], axis=-1)[:, :, None, :]  # (3, 3, 1, 2)
    out = keras_feature_maps(x, filters)
    print("input (8x8, one channel):")
    print(x[..., 0].astype(int))
    print(f"\nConv2D(2, 3) output shape: {out.shape} = (rows, columns, feature maps)")
    for k, name in enumerate(("vertical-edge filter", "horizontal-edge filter")):
        print(f"\nfeature map {k} = out[..., {k}], from the {name}:")
        print(out[..., k].astype(int))


def show_channels() -> None:
    """How many feature maps a Conv2D makes: one per filter, whatever the input channels."""
    keras.utils.set_random_seed(0)
    rows = {}
    for channels in (1, 3):
        for count in (1, 2, 8):
            conv = keras.layers.Conv2D(count, 3)
            y = conv(np.zeros((1, 8, 8, channels), dtype="float32"))
            rows[f"input 8x8x{channels}, Conv2D({count}, 3)"] = (
                f"kernel {tuple(conv.kernel.shape)}, output {tuple(y.shape[1:])}: {count} map(s)")
    print(table(rows))


def show_shapes() -> None:
    """Output shapes from n, f, p and s: Keras against the formula (asserted in ``shape_table``)."""
    rows = shape_table()
    glue("n_shapes", len(rows))
    print("Keras's output (height x width x maps) for 8 filters; every one equals the formula")
    heads = [f"p={p}" for p in PADDINGS] + ['"same"']
    print((f"{'n':>3} {'f':>2} {'s':>2}   " + "".join(f"{h:<10}" for h in heads)).rstrip())
    for n in SIDES:
        for f in KERNELS:
            for s in STRIDES:
                cells = [r["keras"] for r in rows if (r["n"], r["f"], r["s"]) == (n, f, s)]
                text = "".join(f"{'x'.join(map(str, c)):<10}" for c in cells)
                print(f"{n:>3} {f:>2} {s:>2}   {text}".rstrip())
    print(f"formula = Keras in {len(rows)} of {len(rows)} cases")


def show_cross_check() -> None:
    """NumPy and Keras agree map by map (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def show_trained_cnn() -> None:
    """The tiny CNN's layers, its test accuracy and the shape of its feature maps."""
    run = trained_cnn()
    model = run["model"]
    glue("cnn_accuracy", run["accuracy"])
    glue("cnn_steps", CNN_STEPS)
    for layer in model.layers:
        print(f"{layer.name:<8} {type(layer).__name__:<13} output {str(layer.output.shape):<18}"
              f" {layer.count_params():>4} parameters")
    print(table({
        "training": f"{CNN_STEPS} full-batch Adam steps, learning rate {CNN_LEARNING_RATE}",
        "test accuracy": run["accuracy"],
        "feature maps of 3 test digits": str(run["maps"].shape),
        "maps = NumPy feature_map with the learned filters": "yes (asserted)",
    }))


def plot_feature_maps():
    """The 4 learned filters (top) and the 4 feature maps they make of 3 test digits."""
    import matplotlib.pyplot as plt

    run = trained_cnn()
    w, maps, images = run["filters"], run["maps"], run["images"]
    fig, axes = plt.subplots(1 + len(images), 1 + CNN_FILTERS, figsize=(7.5, 6.4),
                             layout="constrained")
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    axes[0, 0].axis("off")
    lim = float(np.abs(w).max())
    for j in range(CNN_FILTERS):
        axes[0, 1 + j].imshow(w[:, :, 0, j], cmap="coolwarm", vmin=-lim, vmax=lim)
        axes[0, 1 + j].set_title(f"filter {j} (3x3)", fontsize=9)
    for r, (image, image_maps) in enumerate(zip(images, maps), start=1):
        axes[r, 0].imshow(image[..., 0], cmap="gray_r", vmin=0, vmax=1)
        axes[r, 0].set_ylabel(f"digit {SHOWN_DIGITS[r - 1]}", fontsize=9)
        m = float(np.abs(image_maps).max())
        for j in range(CNN_FILTERS):
            axes[r, 1 + j].imshow(image_maps[..., j], cmap="coolwarm", vmin=-m, vmax=m)
    axes[1, 0].set_title("input 8x8", fontsize=9)
    for j in range(CNN_FILTERS):
        axes[1, 1 + j].set_title(f"feature map {j}", fontsize=9)
    fig.suptitle("A trained Conv2D(4, 3, padding='same'): red = the window looks like the "
                 "filter,\nblue = like its negative", fontsize=10)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_channels, show_shapes, show_trained_cnn, plot_feature_maps,
        show_cross_check)
