"""Convolutional neural network (卷积神经网络): small filters slid over the input, shared across positions.

A dense neuron has one weight per input value, so its weight count grows with
the image. A convolutional layer has ``f·f·C`` weights per filter (plus one
bias), whatever the image size, because the filter is shared: the same
weights are applied at every position. Sharing makes the layer translation
equivariant: shifting the input shifts the feature map by the same amount.
Typical CNNs stack convolutions with pooling and end with a few dense layers.

>>> dense_weights_per_neuron(28, 28, 3)
2352
>>> dense_params(2352, 32), conv_params(3, 3, 32)
(75296, 896)
>>> m = equivalent_dense_matrix(np.ones((3, 3, 1)), (5, 5, 1))
>>> m.shape, int((m != 0).sum(axis=0)[0])  # 25 inputs, 9 outputs; 9 weights in each column
((25, 9), 9)
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table

SHAPE = (28, 28, 3)  # the source's image: height, width, colour channels
UNITS = 32  # neurons of the Dense layer, filters of the Conv2D layer compared with it
KERNEL = 3  # the Conv2D filter is KERNEL x KERNEL x channels
SIDES = (8, 16, 28, 56, 112, 224)  # image sides for the parameter-count comparison
SHIFT = (3, 4)  # rows down, columns right, for the translation test
TOL = 1e-5  # "same output" for float32 convolutions


def dense_weights_per_neuron(height: int, width: int, channels: int) -> int:
    """Weights of one dense neuron on the flattened image: one per input value."""
    return height * width * channels


def dense_params(n_inputs: int, units: int) -> int:
    """Parameters of ``Dense(units)`` on ``n_inputs`` values: weights plus one bias per unit."""
    return n_inputs * units + units


def conv_params(f: int, channels: int, filters: int) -> int:
    """Parameters of ``Conv2D(filters, f)``: ``f·f·channels`` weights and one bias per filter.

    No image size appears: the same filter is used at every position.
    """
    return f * f * channels * filters + filters


def keras_dense_neuron(shape=SHAPE) -> dict[str, object]:
    """One Keras ``Dense(1)`` neuron on the flattened image: its kernel and bias shapes."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape), keras.layers.Flatten(), keras.layers.Dense(1)])
    kernel, bias = model.layers[-1].get_weights()
    return {"kernel": kernel.shape, "bias": bias.shape, "params": model.count_params()}


@functools.cache
def keras_param_counts(side: int, channels: int = SHAPE[2]) -> dict[str, int]:
    """``count_params()`` of ``Dense(UNITS)`` (flattened image) and ``Conv2D(UNITS, KERNEL)``."""
    keras.utils.set_random_seed(0)
    dense = keras.layers.Dense(UNITS)
    dense.build((None, side * side * channels))
    conv = keras.layers.Conv2D(UNITS, KERNEL)
    conv.build((None, side, side, channels))
    return {"dense": dense.count_params(), "conv": conv.count_params()}


def small_cnn():
    """A small CNN for 28×28×3 images and 10 classes: two conv + pool blocks, one dense layer."""
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input(SHAPE),
        keras.layers.Conv2D(16, KERNEL, activation="relu", name="conv_1"),
        keras.layers.MaxPooling2D(2, name="pool_1"),
        keras.layers.Conv2D(32, KERNEL, activation="relu", name="conv_2"),
        keras.layers.MaxPooling2D(2, name="pool_2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(10, activation="softmax", name="output"),
    ], name="small_cnn")


def small_mlp():
    """An MLP for the same images: flatten, one hidden Dense(UNITS), 10 outputs."""
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input(SHAPE),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(UNITS, activation="relu", name="hidden"),
        keras.layers.Dense(10, activation="softmax", name="output"),
    ], name="small_mlp")


def numpy_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``Conv2D`` (valid, stride 1) in NumPy: the same ``w`` at every position, plus ``b``.

    ``x`` is (H, W, C), ``w`` is (f, f, C, K):
    ``out[i, j, k] = Σ x[i+a, j+b, c]·w[a, b, c, k] + b[k]``, summed over a, b, c.
    """
    f = w.shape[0]
    rows, cols = x.shape[0] - f + 1, x.shape[1] - f + 1
    out = np.empty((rows, cols, w.shape[3]))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.einsum("abc,abck->k", x[i : i + f, j : j + f], w) + b
    return out


def equivalent_dense_matrix(w: np.ndarray, shape) -> np.ndarray:
    """The Dense weight matrix that computes a one-filter convolution of an image of ``shape``.

    ``w`` is one filter, (f, f, C). Column ``i·W' + j`` holds the filter's
    weights in the rows of the pixels under the window at (i, j) and zeros
    elsewhere, so ``x.ravel() @ M`` equals the flattened feature map. Every
    column holds the same ``f·f·C`` numbers: that is weight sharing.
    """
    height, width, channels = shape
    f = w.shape[0]
    rows, cols = height - f + 1, width - f + 1
    index = np.arange(height * width * channels).reshape(height, width, channels)
    m = np.zeros((height * width * channels, rows * cols))
    for i in range(rows):
        for j in range(cols):
            m[index[i : i + f, j : j + f].ravel(), i * cols + j] = np.ravel(w)
    return m


def sharing_stats(w: np.ndarray, shape=SHAPE) -> dict[str, int]:
    """How one filter's equivalent Dense matrix is filled: entries, nonzeros, distinct values."""
    m = equivalent_dense_matrix(w, shape)
    nonzero = m[m != 0]
    values, counts = np.unique(nonzero, return_counts=True)
    return {
        "entries": m.size,
        "nonzero": nonzero.size,
        "distinct nonzero values": values.size,
        "fewest uses of one value": int(counts.min()),
        "most uses of one value": int(counts.max()),
        "output positions": m.shape[1],
    }


def shifted(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``x`` moved ``dy`` rows down and ``dx`` columns right, zeros filling in.

    >>> shifted(np.arange(1, 5).reshape(2, 2), 1, 0).tolist()
    [[0, 0], [1, 2]]
    """
    out = np.zeros_like(x)
    out[dy:, dx:] = x[: x.shape[0] - dy, : x.shape[1] - dx]
    return out


def object_image(seed_value: int = 0) -> np.ndarray:
    """A 28×28×3 image: a random 16×16 "object" on a black background, clear of the border."""
    x = np.zeros(SHAPE, dtype="float32")
    x[4:20, 4:20] = np.random.default_rng(seed_value).normal(size=(16, 16, 3))
    return x


@functools.cache
def translation_test(dy: int = SHIFT[0], dx: int = SHIFT[1]) -> dict[str, float]:
    """Shift the object; compare a Conv2D's feature maps and a Dense neuron's output.

    For the convolution, the feature maps of the shifted image, moved back by
    (dy, dx), are compared with the original feature maps. The object stays
    clear of the border, so nothing is lost by the shift.
    """
    keras.utils.set_random_seed(0)
    conv = keras.layers.Conv2D(UNITS, KERNEL, bias_initializer="random_normal")
    dense = keras.layers.Dense(1, bias_initializer="random_normal")
    x = object_image()
    x_shifted = shifted(x, dy, dx)
    maps = conv(x[None]).numpy()[0]
    maps_shifted = conv(x_shifted[None]).numpy()[0]
    neuron = dense(x.reshape(1, -1)).numpy()[0, 0]
    neuron_shifted = dense(x_shifted.reshape(1, -1)).numpy()[0, 0]
    moved_back = maps_shifted[dy:, dx:]
    overlap = maps[: maps.shape[0] - dy, : maps.shape[1] - dx]
    return {
        "conv: max |maps(shifted x) moved back - maps(x)|": float(np.abs(moved_back - overlap).max()),
        "conv: largest feature-map value, for scale": float(np.abs(maps).max()),
        "dense neuron: output for x": float(neuron),
        "dense neuron: output for shifted x": float(neuron_shifted),
    }


def cross_check(seed_value: int = 0) -> dict[str, str]:
    """Keras's Dense and Conv2D layers equal their NumPy formulas; parameter counts too.

    Asserted before anything is returned: ``Dense(UNITS)`` on the flattened
    image is ``x @ W + b``; ``Conv2D(UNITS, KERNEL)`` is the same filter slid
    over every position (random bias so the bias is tested too); the first
    filter's output equals ``x.ravel() @ M`` with the equivalent Dense matrix;
    and the parameter formulas equal ``count_params()`` for every side in SIDES.
    """
    keras.utils.set_random_seed(seed_value)
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=SHAPE).astype("float32")
    rows = {}

    dense = keras.layers.Dense(UNITS, bias_initializer="random_normal")
    got = dense(x.reshape(1, -1)).numpy()[0]
    weights, bias = (v.astype("float64") for v in dense.get_weights())
    want = x.reshape(-1).astype("float64") @ weights + bias
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    rows[f"Dense({UNITS}) vs x @ W + b"] = f"max |diff| {np.abs(got - want).max():.1e}"

    conv = keras.layers.Conv2D(UNITS, KERNEL, bias_initializer="random_normal")
    got = conv(x[None]).numpy()[0]
    w, b = (v.astype("float64") for v in conv.get_weights())
    want = numpy_conv(x.astype("float64"), w, b)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    rows[f"Conv2D({UNITS}, {KERNEL}x{KERNEL}) vs NumPy"] = (
        f"{got.shape} maps, max |diff| {np.abs(got - want).max():.1e}")

    m = equivalent_dense_matrix(w[..., 0], SHAPE)
    as_dense = x.reshape(-1).astype("float64") @ m + b[0]
    np.testing.assert_allclose(got[..., 0].ravel(), as_dense, rtol=1e-5, atol=1e-5)
    diff = np.abs(got[..., 0].ravel() - as_dense).max()
    rows["filter 0 vs x.ravel() @ M (equivalent Dense)"] = (
        f"M is {m.shape[0]}x{m.shape[1]}, max |diff| {diff:.1e}")

    for side in SIDES:
        counts = keras_param_counts(side)
        assert counts["dense"] == dense_params(side * side * SHAPE[2], UNITS), side
        assert counts["conv"] == conv_params(KERNEL, SHAPE[2], UNITS), side
    rows["parameter formulas vs count_params()"] = f"equal for sides {', '.join(map(str, SIDES))}"
    return rows


def check_cnn_2352_weights() -> ClaimCheck:
    """Claim: a 28×28×3 image needs 2352 weights per dense neuron; convolution shares weights.

    Two parts, each decided by measurement. The number: 28·28·3 and the rows
    of a Keras ``Dense(1)`` kernel on the flattened image must both be 2352.
    The sharing: the Conv2D parameter count must not change with the image
    size, the equivalent Dense matrix of one filter must hold only ``f·f·C``
    distinct values, and shifting the input must shift the feature maps (max
    difference below TOL). Holds if both parts pass, wrong if neither,
    conditions if one.
    """
    neuron = keras_dense_neuron()
    product = dense_weights_per_neuron(*SHAPE)
    number_ok = product == 2352 and neuron["kernel"] == (2352, 1)

    per_side = {side: keras_param_counts(side) for side in SIDES}
    conv_counts = {c["conv"] for c in per_side.values()}
    w = np.random.default_rng(1).normal(size=(KERNEL, KERNEL, SHAPE[2]))
    share = sharing_stats(w)
    moved = translation_test()
    shift_error = moved["conv: max |maps(shifted x) moved back - maps(x)|"]
    sharing_ok = (len(conv_counts) == 1
                  and share["distinct nonzero values"] == KERNEL * KERNEL * SHAPE[2]
                  and shift_error < TOL)

    verdict = {2: "holds", 1: "conditions", 0: "wrong"}[number_ok + sharing_ok]
    big = max(SIDES)
    glue("neuron_params", neuron["params"])
    glue("ratio_28", per_side[28]["dense"] / per_side[28]["conv"])
    glue("ratio_big", per_side[big]["dense"] / per_side[big]["conv"])
    glue("big", big)
    glue("matrix_entries_millions", share["entries"] / 1e6)
    glue("matrix_nonzero_thousands", share["nonzero"] / 1e3)
    glue("distinct", share["distinct nonzero values"])
    glue("positions", share["fewest uses of one value"])
    evidence = {
        "28 x 28 x 3": product,
        "Keras Dense(1) kernel shape on the flattened image": str(neuron["kernel"]),
        "bias per neuron (not in the claim's count)": neuron["bias"][0],
        "parameters of one Dense neuron": neuron["params"],
        f"Dense({UNITS}) / Conv2D({UNITS}, {KERNEL}x{KERNEL}) parameters at 28x28":
            f"{per_side[28]['dense']} / {per_side[28]['conv']}",
        f"Dense({UNITS}) / Conv2D({UNITS}, {KERNEL}x{KERNEL}) parameters at {big}x{big}":
            f"{per_side[big]['dense']} / {per_side[big]['conv']}",
        "one filter as a Dense matrix: entries / nonzero":
            f"{share['entries']} / {share['nonzero']}",
        "one filter as a Dense matrix: distinct values": share["distinct nonzero values"],
        "positions sharing each filter weight": share["fewest uses of one value"],
        f"shift by {SHIFT}: max |conv(shifted) moved back - conv|": shift_error,
    }
    return ClaimCheck("cnn-2352-weights", verdict, evidence)


def show_example() -> None:
    """The claim's arithmetic in Keras, and one Dense layer against one Conv2D layer."""
    neuron = keras_dense_neuron()
    print(table({
        "28 * 28 * 3": dense_weights_per_neuron(*SHAPE),
        "Dense(1) kernel shape": str(neuron["kernel"]),
        "Dense(1) bias shape": str(neuron["bias"]),
        "Dense(1) count_params()": neuron["params"],
    }))
    print()
    counts = keras_param_counts(SHAPE[0])
    print(table({
        f"Dense({UNITS}) on the flattened 28x28x3 image": f"{counts['dense']:>6} parameters",
        f"Conv2D({UNITS}, {KERNEL}x{KERNEL}) on the 28x28x3 image":
            f"{counts['conv']:>6} parameters",
        "ratio": f"{counts['dense'] / counts['conv']:.0f}x",
    }))


def show_models() -> None:
    """A small CNN next to an MLP: output shape and parameters of every layer."""
    for model in (small_cnn(), small_mlp()):
        print(f"{model.name}:")
        rows = {layer.name: f"{str(layer.output.shape):<20} {layer.count_params():>6}"
                for layer in model.layers}
        print(table({"layer": f"{'output shape':<20} {'params':>6}", **rows}, indent="  "))
        print(f"  total parameters: {model.count_params()}")


def show_parameter_table() -> None:
    """Dense(UNITS) vs Conv2D(UNITS, KERNEL) parameters as the image grows."""
    print(f"{'image':<11} {'Dense(32)':>10} {'Conv2D(32, 3x3)':>16}")
    for side in SIDES:
        c = keras_param_counts(side)
        print(f"{f'{side}x{side}x3':<11} {c['dense']:>10} {c['conv']:>16}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def show_translation() -> None:
    """The translation test: feature maps move with the input; a dense neuron's output changes."""
    print(table(translation_test()))


def plot_sharing():
    """Parameters vs image size (left); one 3×3 filter as a Dense matrix (right)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained",
                                   gridspec_kw={"width_ratios": [1, 1.25]})
    dense = [keras_param_counts(s)["dense"] for s in SIDES]
    conv = [keras_param_counts(s)["conv"] for s in SIDES]
    ax1.plot(SIDES, dense, "o-", label=f"Dense({UNITS}) on flattened image")
    ax1.plot(SIDES, conv, "s-", label=f"Conv2D({UNITS}, {KERNEL}x{KERNEL})")
    ax1.axvline(28, color="gray", ls=":", lw=1)
    ax1.set(xscale="log", yscale="log", xlabel="image side (pixels, 3 channels)",
            ylabel="parameters", title="Parameters vs image size")
    ax1.set_xticks(SIDES, [str(s) for s in SIDES])
    ax1.legend(loc="upper left", fontsize=8)

    # A 3x3 filter with weights 1..9 on a 5x5 one-channel image: rows = output positions.
    m = equivalent_dense_matrix(np.arange(1, 10).reshape(3, 3, 1), (5, 5, 1)).T
    cmap = ListedColormap(plt.get_cmap("tab10").colors[:9])
    ax2.imshow(np.ma.masked_equal(m, 0), cmap=cmap, vmin=0.5, vmax=9.5, aspect="auto")
    ax2.set(xlabel="input pixel (5x5 image, flattened); white = 0", ylabel="output position",
            title="Conv2D(1, 3x3) as a Dense matrix: the same\n9 weights (9 colours) in every row",
            xticks=range(0, 25, 5), yticks=range(9))
    ax2.set_facecolor("white")
    return fig


def plot_translation():
    """A shape, the same shape shifted, and one filter's feature map of each."""
    import matplotlib.pyplot as plt

    x = np.zeros((16, 16), dtype="float32")
    x[3:8, 3:5] = 1.0  # an "L": a vertical bar ...
    x[6:8, 3:9] = 1.0  # ... and a horizontal foot
    x2 = shifted(x, *SHIFT)
    conv = keras.layers.Conv2D(1, KERNEL, use_bias=False)
    conv.build((None, 16, 16, 1))
    edge = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype="float32")
    conv.set_weights([edge[:, :, None, None]])
    maps = [conv(img[None, :, :, None]).numpy()[0, :, :, 0] for img in (x, x2)]
    fig, axes = plt.subplots(1, 4, figsize=(9, 3.2), layout="constrained")
    panels = [(x, "input", "gray"), (x2, f"input shifted by {SHIFT}", "gray"),
              (maps[0], "feature map", "coolwarm"),
              (maps[1], "feature map, shifted input", "coolwarm")]
    for ax, (img, title, cmap) in zip(axes, panels):
        lim = (0, 1) if cmap == "gray" else (-3, 3)
        ax.imshow(img, cmap=cmap, vmin=lim[0], vmax=lim[1])
        ax.set(title=title, xticks=[], yticks=[])
    for ax, fmap in zip(axes[2:], maps):
        i, j = np.unravel_index(np.argmax(fmap), fmap.shape)
        ax.plot(j, i, "k+", ms=12, mew=2)
        ax.set_xlabel(f"peak at row {i}, column {j}")
    fig.suptitle("One vertical-edge filter, the same weights at every position: "
                 "the feature map moves with the input")
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    show_models,
    show_parameter_table,
    plot_sharing,
    plot_translation,
    show_cross_check,
    show_translation,
    check_cnn_2352_weights,
)
