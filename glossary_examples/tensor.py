"""Tensor (张量): an n-dimensional array of numbers with one shape and one dtype.

The number of axes (轴) of a tensor is its rank (阶): a scalar has rank 0, a
vector rank 1, a matrix rank 2, a batch of colour images rank 4. The shape
lists the length of every axis; ``axis=k`` in a reduction such as
``np.sum`` or ``tf.reduce_sum`` names the axis that is summed over and
disappears from the shape.

>>> a = np.array([[1, 2], [3, 4]])
>>> describe(a)["shape"], describe(a)["rank"], describe(a)["size"]
((2, 2), 2, 4)
>>> np.sum(a, axis=0).tolist(), np.sum(a, axis=1).tolist()
([4, 6], [3, 7])
>>> reduced_shape((2, 3, 4), axis=1)
(2, 4)
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import table

CLAIM_A = [[1, 2], [3, 4]]
CLAIMED = {0: [4, 6], 1: [3, 7]}


def describe(x) -> dict[str, object]:
    """Type, shape, rank (number of axes), dtype and number of elements of ``x``.

    Works for NumPy arrays and ``tf.Tensor`` alike.

    >>> describe(np.float32(3.0))["rank"], describe(np.zeros((2, 3, 4)))["rank"]
    (0, 3)
    """
    shape = tuple(int(d) for d in x.shape)
    library = type(x).__module__.split(".")[0]
    return {
        "type": f"tf.Tensor ({type(x).__name__})" if library == "tensorflow"
        else f"{library}.{type(x).__name__}",
        "shape": shape,
        "rank": len(shape),
        "dtype": str(getattr(x.dtype, "name", x.dtype)),
        "size": int(np.prod(shape, dtype=int)),
    }


def reduced_shape(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    """The shape after summing over ``axis``: that axis is removed.

    >>> reduced_shape((2, 3), axis=0), reduced_shape((2, 3), axis=1)
    ((3,), (2,))
    """
    return tuple(d for k, d in enumerate(shape) if k != axis % len(shape))


def ranks_example() -> dict[str, np.ndarray]:
    """Tensors of rank 0 to 4, the kinds a deep-learning model meets."""
    return {
        "scalar (a loss value)": np.array(0.25, dtype="float32"),
        "vector (one example, 3 features)": np.array([0.5, -1.0, 2.0], dtype="float32"),
        "matrix (batch of 4 examples x 3 features)": np.zeros((4, 3), dtype="float32"),
        "rank 3 (2 sequences x 5 steps x 3 features)": np.zeros((2, 5, 3), dtype="float32"),
        "rank 4 (8 RGB images 28x28, channels last)": np.zeros((8, 28, 28, 3), dtype="float32"),
    }


def numpy_and_tf(values=CLAIM_A) -> dict[str, dict[str, object]]:
    """The same numbers as a NumPy array, a ``tf.Tensor`` made from that array,
    and a ``tf.Tensor`` made from the Python list: same shape and rank, but
    the default dtypes differ."""
    a = np.array(values)
    return {
        "np.array(v)": describe(a),
        "tf.constant(np.array(v))": describe(tf.constant(a)),
        "tf.constant(v)": describe(tf.constant(values)),
    }


def sums(values=CLAIM_A) -> dict[str, dict[str, list]]:
    """Sums over every axis and over all, in NumPy and with ``tf.reduce_sum``."""
    a = np.array(values)
    out: dict[str, dict[str, list]] = {}
    for axis in (0, 1, None):
        out[f"axis={axis}"] = {
            "numpy": np.sum(a, axis=axis).tolist(),
            "tensorflow": tf.reduce_sum(tf.constant(a), axis=axis).numpy().tolist(),
        }
    return out


def cross_check(seed_value: int = 0) -> dict[str, object]:
    """NumPy reductions and TensorFlow's agree on a random rank-3 tensor.

    For every single axis, a pair of axes and all axes: same values
    (``assert_allclose``) and same shape, which is the input shape with the
    summed axes removed (or kept as length 1 with ``keepdims=True``). A
    round trip NumPy -> ``tf.Tensor`` -> NumPy returns identical numbers.
    """
    x = np.random.default_rng(seed_value).normal(size=(2, 3, 4)).astype("float32")
    tx = tf.constant(x)
    np.testing.assert_array_equal(tx.numpy(), x)
    shapes, worst = {}, 0.0
    for axis in (0, 1, 2, (0, 2), None):
        for keepdims in (False, True):
            n = np.sum(x, axis=axis, keepdims=keepdims)
            k = tf.reduce_sum(tx, axis=axis, keepdims=keepdims).numpy()
            assert n.shape == k.shape, (axis, keepdims, n.shape, k.shape)
            np.testing.assert_allclose(k, n, rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(tf.reduce_mean(tx, axis=axis, keepdims=keepdims).numpy(),
                                       np.mean(x, axis=axis, keepdims=keepdims),
                                       rtol=1e-6, atol=1e-6)
            worst = max(worst, float(np.abs(k - n).max()))
            if not keepdims:
                shapes[f"sum over axis {axis}: shape"] = str(n.shape)
        if isinstance(axis, int):
            assert np.sum(x, axis=axis).shape == reduced_shape(x.shape, axis)
    return {
        "input shape (rank 3)": str(x.shape),
        **shapes,
        "max |numpy - tensorflow|": worst,
        "tf.rank(x)": int(tf.rank(tx).numpy()),
        "x.ndim": x.ndim,
    }


def check_tensor_sum_axes() -> ClaimCheck:
    """Claim: for a = [[1,2],[3,4]], np.sum(a, axis=0) is [4, 6] and axis=1 gives [3, 7].

    Computed with NumPy and with ``tf.reduce_sum``. Holds if both libraries
    give exactly the claimed values for both axes; conditions if that is so
    for only one axis, or in only one library; wrong if neither axis matches.
    """
    s = sums(CLAIM_A)
    matches = {
        (axis, lib): s[f"axis={axis}"][lib] == CLAIMED[axis]
        for axis in (0, 1)
        for lib in ("numpy", "tensorflow")
    }
    if all(matches.values()):
        verdict = "holds"
    elif any(matches.values()):
        verdict = "conditions"
    else:
        verdict = "wrong"
    return ClaimCheck(
        "tensor-sum-axes",
        verdict,
        {
            "claimed axis=0": CLAIMED[0],
            "np.sum(a, axis=0)": s["axis=0"]["numpy"],
            "tf.reduce_sum(a, axis=0)": s["axis=0"]["tensorflow"],
            "claimed axis=1": CLAIMED[1],
            "np.sum(a, axis=1)": s["axis=1"]["numpy"],
            "tf.reduce_sum(a, axis=1)": s["axis=1"]["tensorflow"],
            "matches (of 4)": sum(matches.values()),
        },
    )


def plot_axes():
    """Which way ``axis=0`` and ``axis=1`` sum, drawn on a 2 x 3 matrix."""
    import matplotlib.pyplot as plt

    b = np.arange(1, 7).reshape(2, 3)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for ax, axis in zip(axes, (0, 1)):
        total = b.sum(axis=axis)
        ax.set_xlim(-0.6, 3.9)
        ax.set_ylim(3.1, -0.9)
        ax.set_aspect("equal")
        ax.axis("off")
        for i in range(2):
            for j in range(3):
                ax.add_patch(plt.Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fc="#dbe8f5", ec="k"))
                ax.text(j, i, str(b[i, j]), ha="center", va="center", fontsize=13)
        for j in range(3):
            ax.text(j, -0.75, f"j={j}", ha="center", va="center", fontsize=9, color="0.4")
        for i in range(2):
            ax.text(-0.55 if axis == 0 else -0.52, i, f"i={i}", ha="right", va="center",
                    fontsize=9, color="0.4")
        if axis == 0:
            for j in range(3):
                ax.annotate("", xy=(j + 0.3, 2.1), xytext=(j + 0.3, -0.35),
                            arrowprops=dict(arrowstyle="->", color="C3", lw=2))
                ax.add_patch(plt.Rectangle((j - 0.45, 2.15), 0.9, 0.8, fc="#f7d9d4", ec="C3"))
                ax.text(j, 2.55, str(total[j]), ha="center", va="center", fontsize=13)
            ax.set_title(f"np.sum(b, axis=0) = {total.tolist()}\n"
                         "runs down axis 0 (over i): shape (2, 3) -> (3,)", fontsize=10)
        else:
            for i in range(2):
                ax.annotate("", xy=(3.07, i + 0.3), xytext=(-0.35, i + 0.3),
                            arrowprops=dict(arrowstyle="->", color="C2", lw=2))
                ax.add_patch(plt.Rectangle((3.1, i - 0.4), 0.75, 0.8, fc="#d8efd6", ec="C2"))
                ax.text(3.475, i, str(total[i]), ha="center", va="center", fontsize=13)
            ax.set_title(f"np.sum(b, axis=1) = {total.tolist()}\n"
                         "runs along axis 1 (over j): shape (2, 3) -> (2,)", fontsize=10)
    return fig


def show_example() -> None:
    """Shape, rank and dtype of tensors of rank 0 to 4, then NumPy array vs tf.Tensor."""
    rows = {name: f"shape {describe(x)['shape']}, rank {describe(x)['rank']}"
            for name, x in ranks_example().items()}
    print(table(rows))
    for values in (CLAIM_A, [0.5, 2.0]):
        print(f"\nv = {values}")
        for name, d in numpy_and_tf(values).items():
            print(f"  {name:<25} {d['type']:<25} shape {str(d['shape']):<7} "
                  f"rank {d['rank']}  {d['dtype']}")


def show_sums() -> None:
    """Sums of a = [[1, 2], [3, 4]] over each axis, in NumPy and TensorFlow."""
    for axis, by_lib in sums().items():
        print(f"{axis:<10} numpy {str(by_lib['numpy']):<8} tensorflow {by_lib['tensorflow']}")


def show_cross_check() -> None:
    """NumPy and TensorFlow agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_sums, plot_axes, show_cross_check, check_tensor_sum_axes)
