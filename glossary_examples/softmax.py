"""Softmax (softmax 函数): softmax(z)_i = e^(z_i) / Σ_j e^(z_j), scores to probabilities summing to 1.

Every output is positive, they add up to 1, and larger scores get larger
probabilities. Adding the same number to every score changes nothing, which
is why implementations subtract the largest score before exponentiating. For
two classes with scores (z, 0), softmax gives (σ(z), 1 − σ(z)): the sigmoid is
the two-class case.

>>> softmax(np.array([1.0, 1.0, 1.0, 1.0])).tolist()
[0.25, 0.25, 0.25, 0.25]
>>> softmax(np.array([1000.0, 1000.0])).tolist()  # no overflow
[0.5, 0.5]
>>> bool(np.allclose(softmax(np.array([2.0, 0.0]))[0], 1 / (1 + np.exp(-2.0))))
True
"""

from __future__ import annotations

import textwrap
import warnings

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table

EXAMPLE = np.array([2.0, 1.0, 0.0, -1.0])
TOLERANCE = 0.01  # "about equal": no probability off by more than this
MOST = 0.9  # the share of score vectors that must be "about equal"


def softmax(z, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, with the largest score subtracted first (no overflow)."""
    z = np.asarray(z, dtype="float64")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def naive_softmax(z) -> np.ndarray:
    """``exp(z) / sum(exp(z))`` as written in the formula, without the shift.

    >>> naive_softmax(np.array([1000.0, 999.0])).tolist()  # e^1000 overflows
    [nan, nan]
    """
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(z, dtype="float64"))
        return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z) -> np.ndarray:
    """σ(z) = 1 / (1 + e^−z), element-wise."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype="float64")))


def normalised_sigmoid(z, axis: int = -1) -> np.ndarray:
    """The claim read literally: a sigmoid on every score, then divide by the sum.

    >>> normalised_sigmoid(np.array([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    s = sigmoid(z)
    return s / s.sum(axis=axis, keepdims=True)


def random_scores(n: int = 1000, classes: int = 10, scale: float = 2.0, seed_value: int = 0):
    """``n`` score vectors (logits) of ``classes`` entries, normal with spread ``scale``."""
    return np.random.default_rng(seed_value).normal(scale=scale, size=(n, classes))


def compare(z) -> dict[str, float]:
    """Softmax vs normalised sigmoid on the score vectors ``z`` (one per row)."""
    a, b = softmax(z), normalised_sigmoid(z)
    worst = np.abs(a - b).max(axis=1)
    return {
        "largest probability difference": float(worst.max()),
        "median of each vector's largest difference": float(np.median(worst)),
        f"vectors with every difference ≤ {TOLERANCE}": float(np.mean(worst <= TOLERANCE)),
        "same most likely class": float(np.mean(a.argmax(1) == b.argmax(1))),
        "largest softmax probability, mean": float(a.max(1).mean()),
        "largest normalised-sigmoid probability, mean": float(b.max(1).mean()),
    }


def check_softmax_normalised_sigmoid() -> ClaimCheck:
    """Claim: softmax is like sigmoid except that the outputs are normalised to sum to 1.

    Read literally, softmax(z)_i would be σ(z_i) / Σ_j σ(z_j). Compared on 1000
    random 10-class score vectors (normal, spread 2). Holds if the two agree to
    1e-6 everywhere; conditions if every probability agrees to within
    TOLERANCE for at least MOST of the vectors (a usable approximation);
    wrong otherwise. The evidence also shows what is exactly true (the
    two-class case), shift invariance, and the one regime where the two do
    agree: all scores very negative, where σ(z) ≈ e^z.
    """
    z = random_scores()
    typical = compare(z)
    t = np.linspace(-20, 20, 4001)
    two_class = softmax(np.stack([t, np.zeros_like(t)], axis=1))[:, 0]
    shift = 5.0
    evidence = {
        "10 classes: largest probability difference": typical["largest probability difference"],
        f"10 classes: vectors with every difference ≤ {TOLERANCE}":
            typical[f"vectors with every difference ≤ {TOLERANCE}"],
        "10 classes: same most likely class": typical["same most likely class"],
        "2 classes: max |softmax([z, 0])[0] − σ(z)|": float(np.abs(two_class - sigmoid(t)).max()),
        f"softmax, scores z + {shift:g} vs z: largest change": float(
            np.abs(softmax(z + shift) - softmax(z)).max()),
        f"normalised sigmoid, z + {shift:g} vs z: largest change": float(
            np.abs(normalised_sigmoid(z + shift) - normalised_sigmoid(z)).max()),
        "scores shifted so the largest is −8: largest difference": compare(
            z - z.max(axis=1, keepdims=True) - 8)["largest probability difference"],
    }
    worst = typical["largest probability difference"]
    share = typical[f"vectors with every difference ≤ {TOLERANCE}"]
    two_class_gap = evidence["2 classes: max |softmax([z, 0])[0] − σ(z)|"]
    np.testing.assert_allclose(two_class, sigmoid(t), atol=1e-12)  # the exact part of the claim
    glue("tolerance", TOLERANCE)
    glue("worst", worst)
    glue("share", share)
    glue("same_class", typical["same most likely class"])
    glue("top_softmax", typical["largest softmax probability, mean"])
    glue("top_normalised", typical["largest normalised-sigmoid probability, mean"])
    glue("two_class_gap", two_class_gap)
    glue("negative_gap", evidence["scores shifted so the largest is −8: largest difference"])
    if worst < 1e-6:
        verdict = "holds"
    elif share >= MOST:
        verdict = "conditions"
    else:
        verdict = "wrong"
    return ClaimCheck("softmax-normalised-sigmoid", verdict, evidence)


# --- NumPy vs Keras -------------------------------------------------------------


def keras_softmax_and_jacobian(z) -> tuple[np.ndarray, np.ndarray]:
    """``keras.activations.softmax`` on each row of ``z`` and its Jacobian per row."""
    z = tf.constant(np.asarray(z, dtype="float32"))
    with tf.GradientTape() as tape:
        tape.watch(z)
        s = keras.activations.softmax(z)
    return s.numpy(), tape.batch_jacobian(s, z).numpy()


def cross_check(n: int = 200) -> dict[str, float]:
    """Keras's softmax equals NumPy's, also for huge scores; the Jacobian is diag(s) − s sᵀ.

    On ``n`` random 10-class score vectors plus one with scores 1000, 999, 0,
    where the naive formula overflows. Asserted with
    ``np.testing.assert_allclose`` before returning.
    """
    z = np.vstack([random_scores(n, seed_value=1), [[1000.0, 999.0] + [0.0] * 8]])
    s_keras, jac_keras = keras_softmax_and_jacobian(z)
    s_numpy = softmax(z)
    jac_numpy = np.einsum("bi,ij->bij", s_numpy, np.eye(z.shape[1])) - np.einsum(
        "bi,bj->bij", s_numpy, s_numpy)
    np.testing.assert_allclose(s_keras, s_numpy, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(s_keras.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(jac_keras, jac_numpy, atol=1e-6)
    return {
        "score vectors compared": len(z),
        "max |probability difference|": float(np.abs(s_keras - s_numpy).max()),
        "max |row sum − 1|, Keras": float(np.abs(s_keras.sum(axis=1) - 1).max()),
        "max |Jacobian difference|": float(np.abs(jac_keras - jac_numpy).max()),
        "scores (1000, 999, 0, …): Keras": s_keras[-1, :3].tolist(),
        "scores (1000, 999, 0, …): naive NumPy": naive_softmax(z[-1])[:3].tolist(),
    }


# --- Softmax in the layer, in the loss, or both ----------------------------------


def logits_or_probabilities() -> dict[str, object]:
    """Categorical cross-entropy for each pairing of output layer and ``from_logits``.

    Three examples with four class scores each, one-hot targets. The right
    loss is the mean of logsumexp(z) − z_true. Keras warnings are recorded,
    not printed. Asserted: the softmax-layer cases give the right loss (one
    with a warning); the scores read as probabilities give another loss,
    silently.
    """
    z = np.array([[2.0, 1.0, 0.0, -1.0], [0.5, 3.0, -2.0, 0.0], [1.0, 1.0, 1.0, 4.0]], "float32")
    y = np.eye(4, dtype="float32")[[1, 1, 0]]
    z64 = z.astype("float64")
    right = float(np.mean(np.log(np.exp(z64).sum(axis=1)) - (y * z64).sum(axis=1)))
    cce = keras.losses.CategoricalCrossentropy()
    cce_logits = keras.losses.CategoricalCrossentropy(from_logits=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        probs = keras.activations.softmax(tf.constant(z))  # made by a softmax: it carries z
        both = float(cce_logits(y, probs))
        warned = [str(w.message) for w in caught]
        layer_probs = float(cce(y, probs))
        neither = float(cce(y, z))  # the scores read as probabilities
        silent = len(caught) == len(warned)
    np.testing.assert_allclose(both, right, rtol=1e-5)
    np.testing.assert_allclose(layer_probs, right, rtol=1e-5)
    assert len(warned) == 1 and "from_logits=True" in warned[0] and silent
    assert abs(neither - right) > 0.1 * right
    glue("right_loss", right)
    glue("neither_loss", neither)
    return {
        "right: mean of logsumexp(z) − z_true, NumPy": right,
        "softmax layer + from_logits=False (the usual pairing)": layer_probs,
        "softmax layer + from_logits=True (warns, uses z)": both,
        "linear layer + from_logits=False (no warning)": neither,
        "the warning": warned[0].strip('"'),
    }


# --- Plots and printing ----------------------------------------------------------


def plot_softmax_vs_sigmoid():
    """Left: one score vector, three ways. Right: two classes as the score varies."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    pos = np.arange(len(EXAMPLE))
    ax1.bar(pos - 0.2, softmax(EXAMPLE), width=0.4, label="softmax")
    ax1.bar(pos + 0.2, normalised_sigmoid(EXAMPLE), width=0.4, label="σ(z_i) / Σ σ(z_j)")
    ax1.set(xticks=pos, xticklabels=[f"z = {v:g}" for v in EXAMPLE], ylabel="probability",
            title="Scores (2, 1, 0, −1): both sum to 1")
    ax1.legend(loc="upper right", fontsize=8)
    t = np.linspace(-8, 8, 801)
    pair = np.stack([t, np.zeros_like(t)], axis=1)
    ax2.plot(t, softmax(pair)[:, 0], lw=3, label="softmax([z, 0])[0]")
    ax2.plot(t, sigmoid(t), "k--", lw=1.5, label="σ(z)")
    ax2.plot(t, normalised_sigmoid(pair)[:, 0], lw=2, label="σ(z) / (σ(z) + σ(0))")
    ax2.set(xlabel="score z of class 1 (class 2 has score 0)", ylabel="probability of class 1",
            title="Two classes: softmax is the sigmoid")
    ax2.legend(loc="upper left", fontsize=8)
    return fig


def show_example() -> None:
    """Softmax, plain sigmoids and normalised sigmoids of one score vector, and shifted."""
    with np.printoptions(precision=4, suppress=True):
        for label, z in [("z", EXAMPLE), ("z + 5", EXAMPLE + 5)]:
            print(f"scores {label}: {z}")
            print(f"  softmax             {softmax(z)}  sum {softmax(z).sum():.4f}")
            print(f"  sigmoid             {sigmoid(z)}  sum {sigmoid(z).sum():.4f}")
            ns = normalised_sigmoid(z)
            print(f"  normalised sigmoid  {ns}  sum {ns.sum():.4f}")


def show_comparison() -> None:
    """Softmax vs normalised sigmoid on 1000 random 10-class score vectors."""
    print(table(compare(random_scores())))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def show_logits_or_probabilities() -> None:
    """The pairings of output layer and ``from_logits`` (asserted inside)."""
    result = logits_or_probabilities()
    message = result.pop("the warning")
    print(table(result))
    print("warning:", textwrap.fill(message, 88, subsequent_indent="  "))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_softmax_vs_sigmoid,
    show_cross_check,
    show_logits_or_probabilities,
    show_comparison,
    check_softmax_normalised_sigmoid,
)
