"""One-hot encoding (独热编码): class k of K written as a length-K vector with 1 at index k, 0 elsewhere.

``keras.utils.to_categorical(labels, num_classes=K)`` turns integer class labels
into these vectors (one row per label); ``np.eye(K)[labels]`` does the same in
NumPy, and ``argmax`` turns them back into labels. The length K is the number
of classes, not a property of the label: without ``num_classes`` Keras takes
K = largest label + 1.

>>> one_hot_numpy([2], 10).astype(int).tolist()
[[0, 0, 1, 0, 0, 0, 0, 0, 0, 0]]
>>> one_hot_numpy([0, 2, 1], 3).astype(int).tolist()
[[1, 0, 0], [0, 0, 1], [0, 1, 0]]
>>> labels_from_one_hot(one_hot_numpy([3, 0, 2], 4)).tolist()
[3, 0, 2]
"""

from __future__ import annotations

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import table

NUM_CLASSES = 10  # the digits 0..9 of the source's example
CLAIMED_LABEL_2 = (0, 0, 1, 0, 0, 0, 0, 0, 0, 0)
EXAMPLE_LABELS = (2, 7, 0, 9, 2, 4)


def one_hot_numpy(labels, num_classes: int) -> np.ndarray:
    """One-hot rows in NumPy: row ``k`` of the K×K identity matrix for label ``k``."""
    return np.eye(num_classes)[np.asarray(labels)]


def labels_from_one_hot(one_hot) -> np.ndarray:
    """Back from one-hot rows to integer labels: the index of each row's 1."""
    return np.argmax(np.asarray(one_hot), axis=-1)


def to_categorical(labels, num_classes: int | None = None) -> np.ndarray:
    """``keras.utils.to_categorical``, as integers for printing."""
    return keras.utils.to_categorical(labels, num_classes=num_classes).astype(int)


def cross_check(n: int = 1000, seed_value: int = 0) -> dict[str, object]:
    """Keras's one-hot encodings equal NumPy's identity rows; the losses agree.

    ``keras.utils.to_categorical`` (a NumPy array) and ``keras.ops.one_hot`` (a
    tensor) against ``np.eye(K)[labels]`` for random labels; then categorical
    cross-entropy on one-hot targets against sparse categorical cross-entropy
    on the integer labels, for the same random scores. Asserted before the
    numbers are returned.
    """
    rng = np.random.default_rng(seed_value)
    labels = rng.integers(0, NUM_CLASSES, size=n)
    by_numpy = one_hot_numpy(labels, NUM_CLASSES)
    by_utils = keras.utils.to_categorical(labels, num_classes=NUM_CLASSES)
    by_ops = keras.ops.convert_to_numpy(keras.ops.one_hot(labels, NUM_CLASSES))
    np.testing.assert_array_equal(by_utils, by_numpy)
    np.testing.assert_array_equal(by_ops, by_numpy)
    np.testing.assert_array_equal(labels_from_one_hot(by_utils), labels)

    logits = rng.normal(size=(n, NUM_CLASSES)).astype("float32")
    dense = keras.losses.CategoricalCrossentropy(from_logits=True)(by_utils, logits)
    sparse = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    dense, sparse = float(dense), float(sparse)
    np.testing.assert_allclose(dense, sparse, rtol=1e-6)
    return {
        "labels compared": n,
        "to_categorical == np.eye(10)[labels]": bool(np.array_equal(by_utils, by_numpy)),
        "keras.ops.one_hot == np.eye(10)[labels]": bool(np.array_equal(by_ops, by_numpy)),
        "argmax gives back the labels": bool(np.array_equal(labels_from_one_hot(by_utils), labels)),
        "ones per row (min, max)": [int(by_utils.sum(1).min()), int(by_utils.sum(1).max())],
        "categorical cross-entropy, one-hot targets": dense,
        "sparse categorical cross-entropy, integer labels": sparse,
    }


def check_one_hot_label_2() -> ClaimCheck:
    """Claim: one-hot encoding turns label 2 into [0,0,1,0,0,0,0,0,0,0].

    Compare the claimed vector with Keras and NumPy for 10 classes, given
    explicitly (``num_classes=10``) or implied by a label set that contains
    9, and with ``to_categorical(2)`` without ``num_classes``. Holds if every
    version equals the claim, conditions if only the 10-class versions do,
    wrong if even they do not.
    """
    claimed = np.array(CLAIMED_LABEL_2)
    digits = np.arange(NUM_CLASSES)  # a label set with all ten digits
    ten_classes = {
        "to_categorical(2, num_classes=10)": to_categorical(2, num_classes=NUM_CLASSES),
        "np.eye(10)[2]": one_hot_numpy(2, NUM_CLASSES).astype(int),
        "to_categorical(labels 0..9), row of label 2": to_categorical(digits)[2],
    }
    implicit = to_categorical(2)
    ten_ok = [bool(np.array_equal(v, claimed)) for v in ten_classes.values()]
    implicit_ok = bool(np.array_equal(implicit, claimed))
    if all(ten_ok) and implicit_ok:
        verdict = "holds"
    elif all(ten_ok):
        verdict = "conditions"
    else:
        verdict = "wrong"
    evidence: dict[str, object] = {"claimed": claimed.tolist()}
    for (name, vector), ok in zip(ten_classes.items(), ten_ok):
        evidence[name] = f"{vector.tolist()}  equal: {ok}"
    evidence["to_categorical(2), no num_classes"] = f"{implicit.tolist()}  equal: {implicit_ok}"
    return ClaimCheck("one-hot-label-2", verdict, evidence)


def plot_one_hot():
    """One-hot matrix of a few labels, and distances between labels vs between vectors."""
    import matplotlib.pyplot as plt

    labels = np.array(EXAMPLE_LABELS)
    encoded = one_hot_numpy(labels, NUM_CLASSES)
    classes = np.arange(NUM_CLASSES)
    as_numbers = np.abs(classes[:, None] - classes[None, :]).astype(float)
    eye = one_hot_numpy(classes, NUM_CLASSES)
    as_vectors = np.linalg.norm(eye[:, None, :] - eye[None, :, :], axis=-1)

    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained")
    ax = axes[0]
    ax.imshow(encoded, cmap="Greys", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(classes)
    ax.set_yticks(range(len(labels)), [f"label {v}" for v in labels])
    ax.set(xlabel="class index")
    ax.set_title("to_categorical(labels, 10): 1 = black", fontsize=10)
    ax.set_xticks(classes[:-1] + 0.5, minor=True)
    ax.set_yticks(np.arange(len(labels) - 1) + 0.5, minor=True)
    ax.grid(which="minor", color="0.8", lw=0.5)
    ax.tick_params(which="minor", length=0)
    for ax, dist, title in [(axes[1], as_numbers, "Integer labels: |i - j|"),
                            (axes[2], as_vectors, "One-hot vectors: all sqrt(2) apart")]:
        image = ax.imshow(dist, cmap="viridis", vmin=0, vmax=9)
        ax.set(xlabel="class j", ylabel="class i")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(classes[::3])
        ax.set_yticks(classes[::3])
    fig.colorbar(image, ax=axes[1:], label="distance", shrink=0.9)
    return fig


def show_example() -> None:
    """A few digit labels, one-hot encoded by Keras, and decoded with argmax."""
    labels = list(EXAMPLE_LABELS)
    encoded = to_categorical(labels, num_classes=NUM_CLASSES)
    print(f"labels: {labels}")
    print("to_categorical(labels, num_classes=10):")
    for label, row in zip(labels, encoded):
        print(f"  {label}  ->  {row}")
    print(f"argmax back: {labels_from_one_hot(encoded).tolist()}")


def show_num_classes() -> None:
    """Without ``num_classes`` the length is the largest label present + 1."""
    cases = {
        "to_categorical(2)": [2],
        "to_categorical([0, 2, 5])": [0, 2, 5],
        "to_categorical([2, 7, 0, 9, 2, 4])": list(EXAMPLE_LABELS),
    }
    rows = {}
    for name, labels in cases.items():
        shape = to_categorical(labels).shape
        rows[name] = f"shape {shape}, row of label 2: {to_categorical(labels)[labels.index(2)]}"
    print(table(rows))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_num_classes, plot_one_hot, show_cross_check, check_one_hot_label_2)
