"""Attention (注意力机制): outputs are averages of values, weighted by softmax(query · key).

Scaled dot-product attention scores every query against every key with a dot
product divided by √d, turns each query's row of scores into weights with a
softmax (so they are positive and sum to 1 over the keys) and returns the
weighted average of the values. A query that matches one key best puts most
of its weight there:

>>> keys = np.eye(4)                       # four keys, one per position
>>> values = np.array([[0.0], [10.0], [20.0], [30.0]])
>>> out, w = scaled_dot_product_attention(np.array([[0.0, 0.0, 4.0, 0.0]]), keys, values)
>>> np.round(w, 3).tolist()               # e² / (e² + 3) on key 2
[[0.096, 0.096, 0.711, 0.096]]
>>> round(float(w.sum()), 12), round(float(out[0, 0]), 2)
(1.0, 18.07)
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import table

DIM = 16  # query/key/value size for the Keras comparisons
DIMS = (4, 16, 64, 256)  # sizes for the effect of the 1/sqrt(d) scale
HEADS = 2
KEY_DIM = 4


def softmax(scores, axis: int = -1) -> np.ndarray:
    """A numerically stable softmax (the largest score is subtracted first).

    >>> softmax(np.array([1000.0, 1000.0])).tolist()
    [0.5, 0.5]
    """
    z = np.asarray(scores, dtype="float64")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def scaled_dot_product_attention(q, k, v, scale: float | None = None):
    """softmax(q kᵀ · scale) v, with ``scale`` = 1/√d unless given.

    Works on (queries, d) or (batch, queries, d) arrays; returns the outputs
    and the attention weights, shape (..., queries, keys).
    """
    q, k, v = (np.asarray(a, dtype="float64") for a in (q, k, v))
    if scale is None:
        scale = 1.0 / np.sqrt(q.shape[-1])
    weights = softmax(q @ np.swapaxes(k, -1, -2) * scale)
    return weights @ v, weights


def max_diff(a, b) -> float:
    """The largest absolute element-wise difference.

    >>> max_diff(np.array([1.0, 2.0]), np.array([1.5, 2.0]))
    0.5
    """
    return float(np.abs(np.asarray(a, "float64") - np.asarray(b, "float64")).max())


def random_qkv(queries: int = 6, keys: int = 10, dim: int = DIM, seed_value: int = 0):
    """Queries, keys and values with independent standard-normal entries, batch of 2."""
    rng = np.random.default_rng(seed_value)
    return tuple(rng.normal(size=(2, n, dim)).astype("float32") for n in (queries, keys, keys))


def keras_attention(q, k, v, scale: float | None = None):
    """``keras.layers.Attention`` on (q, k, v); returns outputs and weights.

    Keras's inputs are ordered ``[query, value, key]``. By default
    (``use_scale=False``) it does **not** scale the scores. ``use_scale=True``
    adds one trainable scalar that multiplies them, initialised to 1; here it
    is set to ``scale`` when one is given.
    """
    layer = keras.layers.Attention(use_scale=scale is not None)
    layer.build([q.shape, v.shape, k.shape])
    if scale is not None:
        layer.scale.assign(scale)
    out, weights = layer([q, v, k], return_attention_scores=True)
    return out.numpy(), weights.numpy()


def cross_check() -> dict[str, object]:
    """``keras.layers.Attention`` equals NumPy's attention, and its weights sum to 1.

    Default layer: NumPy with scale 1 (plain dot product). ``use_scale=True``
    with the scalar set to 1/√d: scaled dot-product attention.
    """
    q, k, v = random_qkv()
    scale = 1.0 / np.sqrt(DIM)
    plain_out, plain_w = keras_attention(q, k, v)
    np_plain_out, np_plain_w = scaled_dot_product_attention(q, k, v, scale=1.0)
    np.testing.assert_allclose(plain_out, np_plain_out, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(plain_w, np_plain_w, rtol=1e-5, atol=1e-6)
    scaled_out, scaled_w = keras_attention(q, k, v, scale=scale)
    np_out, np_w = scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(scaled_out, np_out, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scaled_w, np_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scaled_w.sum(axis=-1), 1.0, rtol=1e-6)
    return {
        "q, k, v shapes": [q.shape, k.shape, v.shape],
        "weights shape (batch, queries, keys)": scaled_w.shape,
        "default Attention vs NumPy, scale 1: max |Δ|": max_diff(plain_out, np_plain_out),
        "default Attention vs NumPy, scale 1/√d: max |Δ|": max_diff(plain_out, np_out),
        "use_scale=True, scale := 1/√d, vs NumPy: max |Δ|": max_diff(scaled_out, np_out),
        "max |sum of weights over keys − 1|": float(np.abs(scaled_w.sum(-1) - 1).max()),
    }


def numpy_multi_head_attention(query, value, weights, num_heads: int, key_dim: int):
    """Multi-head attention in NumPy, from ``MultiHeadAttention.get_weights()``.

    Each head projects the inputs to its own queries, keys and values
    (kernels of shape (d_model, heads, key_dim)), runs scaled dot-product
    attention, and the output kernel (heads, key_dim, d_model) mixes the heads
    back. Keys are computed from ``value`` (self-attention: query is value).
    """
    wq, bq, wk, bk, wv, bv, wo, bo = (np.asarray(w, dtype="float64") for w in weights)
    q = np.einsum("btd,dhk->bhtk", query, wq) + bq[:, None, :]
    k = np.einsum("bsd,dhk->bhsk", value, wk) + bk[:, None, :]
    v = np.einsum("bsd,dhk->bhsk", value, wv) + bv[:, None, :]
    heads, scores = scaled_dot_product_attention(q, k, v)  # scale 1/√key_dim
    return np.einsum("bhtk,hkd->btd", heads, wo) + bo, scores


def check_multi_head_against_numpy() -> dict[str, object]:
    """``keras.layers.MultiHeadAttention`` equals NumPy's, with 1 and with 2 heads.

    Self-attention on one batch of sequences, the layer's own projection
    weights (random biases set, since Keras starts them at zero).
    """
    x, _, _ = random_qkv(queries=7, dim=8)
    rows: dict[str, object] = {"input shape (batch, time, d_model)": x.shape}
    for heads in (1, HEADS):
        keras.utils.set_random_seed(0)
        layer = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=KEY_DIM, seed=0)
        layer.build(x.shape, x.shape)
        rng = np.random.default_rng(heads)
        layer.set_weights([w if w.ndim > 2  # kernels kept, biases randomised
                           else rng.normal(scale=0.3, size=w.shape).astype("float32")
                           for w in layer.get_weights()])
        out, scores = layer(x, x, return_attention_scores=True)
        ours, our_scores = numpy_multi_head_attention(x, x, layer.get_weights(), heads, KEY_DIM)
        np.testing.assert_allclose(out.numpy(), ours, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(scores.numpy(), our_scores, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(scores.numpy().sum(axis=-1), 1.0, rtol=1e-6)
        rows[f"{heads} head(s): weight shapes"] = [w.shape for w in layer.get_weights()]
        rows[f"{heads} head(s): scores shape (batch, heads, T, S)"] = tuple(scores.shape)
        rows[f"{heads} head(s): max |Keras − NumPy| output"] = max_diff(out.numpy(), ours)
    return rows


def peakedness(dims=DIMS, n: int = 4000, keys: int = 10) -> dict[str, list[float]]:
    """Mean largest attention weight of a query, for random q, k with unit-variance entries.

    With 10 keys, 0.1 means uniform weights and 1.0 means all weight on one key.
    Unscaled dot products have standard deviation √d, so their softmax gets
    sharper as d grows; divided by √d they keep standard deviation 1.
    """
    rng = np.random.default_rng(0)
    out: dict[str, list[float]] = {"scaled (1/√d)": [], "unscaled": []}
    for d in dims:
        q = rng.normal(size=(n, 1, d))
        k = rng.normal(size=(n, keys, d))
        scores = (q @ np.swapaxes(k, -1, -2))[:, 0]
        out["scaled (1/√d)"].append(float(softmax(scores / np.sqrt(d)).max(axis=-1).mean()))
        out["unscaled"].append(float(softmax(scores).max(axis=-1).mean()))
    return out


@functools.cache
def heatmap_weights(dim: int = 64) -> dict[str, np.ndarray]:
    """Attention weights of 6 queries over 10 keys, scaled and unscaled (Keras Attention)."""
    q, k, v = random_qkv(dim=dim)
    return {
        "scaled": keras_attention(q, k, v, scale=1.0 / np.sqrt(dim))[1][0],
        "unscaled": keras_attention(q, k, v)[1][0],
    }


def plot_weights():
    """Heatmaps of attention weights: scaled by 1/√d (left), unscaled (right)."""
    import matplotlib.pyplot as plt

    w = heatmap_weights()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
    titles = {"scaled": r"softmax$(QK^\top/\sqrt{d})$, d = 64",
              "unscaled": r"softmax$(QK^\top)$ (Keras Attention default)"}
    for ax, (name, weights) in zip(axes, w.items()):
        im = ax.imshow(weights, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set(xlabel="key", title=titles[name], xticks=range(weights.shape[1]),
               yticks=range(weights.shape[0]))
        for (i, j), value in np.ndenumerate(weights):
            if value >= 0.05:
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if value > 0.6 else "white")
    axes[0].set_ylabel("query")
    fig.colorbar(im, ax=axes, label="weight (each row sums to 1)", shrink=0.9)
    return fig


def show_example() -> None:
    """A query that matches one key: where the weight goes, and the output."""
    keys = np.eye(4)
    values = np.array([[0.0], [10.0], [20.0], [30.0]])
    rows = {}
    for strength in (1.0, 4.0, 16.0):
        query = np.array([[0.0, 0.0, strength, 0.0]])
        out, w = scaled_dot_product_attention(query, keys, values)
        rows[f"query {strength:g}·e_2: weights over keys 0..3"] = w[0].tolist()
        rows[f"query {strength:g}·e_2: output (values 0, 10, 20, 30)"] = float(out[0, 0])
    print(table(rows))


def show_scaling() -> None:
    """Why 1/√d: the mean largest weight of 10 keys as d grows."""
    rows = {"d": list(DIMS)}
    rows.update({f"mean largest weight, {k}": v for k, v in peakedness().items()})
    print(table(rows))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside the check functions)."""
    print(table(cross_check()))
    print()
    print(table(check_multi_head_against_numpy()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_scaling, plot_weights, show_cross_check)
