"""Binary classification (二分分类): assigning one of two labels, y = 1 or y = 0, to an input x.

Notation: an input is a feature vector ``x``, its true label is ``y`` (1 for
"cat", 0 for "not cat"), and the model's output is ``ŷ`` ("y-hat"), the
predicted probability that y = 1. A threshold turns ŷ into a label:
predict 1 when ŷ > 0.5 (Keras's metrics use the strict ">"). Training
minimises the binary cross-entropy ``-(y log ŷ + (1 - y) log(1 - ŷ))``.

>>> to_labels(np.array([0.1, 0.5, 0.7])).tolist()   # 0.5 itself is "not cat"
[0, 0, 1]
>>> confusion_counts(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0]))
{'TP': 1, 'FN': 1, 'FP': 1, 'TN': 1}
>>> round(float(binary_cross_entropy(np.array([1.0]), np.array([0.5]))), 4)  # log 2
0.6931
"""

from __future__ import annotations

import functools

import numpy as np

from ._lib.report import table
from ._lib.runtime import keras, seed, tf

N_TRAIN = 200
N_TEST = 200
CENTRES = {1: (1.0, 1.0), 0: (-1.0, -1.0)}  # cats (y = 1) and not cats (y = 0)
SPREAD = 1.0
EPOCHS = 100
THRESHOLD = 0.5
EPSILON = 1e-7  # Keras clips ŷ to [EPSILON, 1 - EPSILON] before taking logs


def make_data(n: int, seed_value: int):
    """``n`` examples with two features; half cats (y = 1), half not (y = 0).

    Returns ``x`` of shape (n, 2) and ``y`` of shape (n, 1), both float32.
    The two groups overlap, so no line separates them perfectly.
    """
    rng = np.random.default_rng(seed_value)
    y = rng.permutation(np.arange(n) % 2)
    centres = np.array([CENTRES[int(label)] for label in y])
    x = centres + rng.normal(0.0, SPREAD, size=(n, 2))
    return x.astype("float32"), y[:, None].astype("float32")


def to_labels(y_hat, threshold: float = THRESHOLD) -> np.ndarray:
    """Predicted labels: 1 where ŷ > threshold, else 0."""
    return (np.asarray(y_hat) > threshold).astype(int)


def confusion_counts(y, y_pred) -> dict[str, int]:
    """True/false positives and negatives (positive = label 1, "cat")."""
    y, y_pred = np.ravel(y).astype(int), np.ravel(y_pred).astype(int)
    return {
        "TP": int(np.sum((y == 1) & (y_pred == 1))),
        "FN": int(np.sum((y == 1) & (y_pred == 0))),
        "FP": int(np.sum((y == 0) & (y_pred == 1))),
        "TN": int(np.sum((y == 0) & (y_pred == 0))),
    }


def binary_cross_entropy(y, y_hat, epsilon: float = EPSILON) -> float:
    """Mean binary cross-entropy in NumPy, with ŷ clipped as Keras does.

    The clipping happens in ŷ's own precision (float32 for Keras outputs),
    where 1 - 1e-7 rounds to 1 - 1.19e-7; the logarithms in float64.
    """
    y = np.asarray(y, dtype="float64")
    y_hat = np.asarray(y_hat)
    p = np.clip(y_hat, y_hat.dtype.type(epsilon), y_hat.dtype.type(1.0 - epsilon)).astype("float64")
    return np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


@functools.cache
def train(epochs: int = EPOCHS, seed_value: int = 0):
    """A ``Dense(1, activation="sigmoid")`` classifier trained on the training set.

    Full-batch gradient descent (SGD, learning rate 0.5) on the binary
    cross-entropy. Returns (model, History).
    """
    k = keras()
    x, y = make_data(N_TRAIN, seed_value=0)
    seed(seed_value)
    model = k.Sequential([k.Input((2,)), k.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=k.optimizers.SGD(learning_rate=0.5),
                  loss=k.losses.BinaryCrossentropy(),
                  metrics=[k.metrics.BinaryAccuracy(threshold=THRESHOLD)])
    data = tf().data.Dataset.from_tensor_slices((x, y)).batch(len(x))
    history = model.fit(data, epochs=epochs, shuffle=False, verbose=0)
    return model, history


def predictions_on_test_set() -> dict[str, np.ndarray]:
    """The trained model on the test set: x, y, ŷ and the predicted labels."""
    model, _ = train()
    x, y = make_data(N_TEST, seed_value=1)
    y_hat = model.predict(x, verbose=0)
    return {"x": x, "y": y, "y_hat": y_hat, "label": to_labels(y_hat)}


def cross_check() -> dict[str, object]:
    """Cross-entropy, accuracy and confusion counts: NumPy vs Keras, on the test set.

    Also on hand-picked ŷ that include 0 and 1 exactly, where only the
    clipping to [EPSILON, 1 - EPSILON] keeps the logarithm finite.
    """
    k = keras()
    p = predictions_on_test_set()
    y, y_hat = p["y"], p["y_hat"]
    keras_bce = float(k.losses.BinaryCrossentropy()(y, y_hat))
    numpy_bce = float(binary_cross_entropy(y, y_hat))
    np.testing.assert_allclose(keras_bce, numpy_bce, rtol=1e-5)

    edge_y = np.array([[1.0], [0.0], [1.0], [0.0]], dtype="float32")
    edge_p = np.array([[1.0], [0.0], [0.0], [1.0]], dtype="float32")  # two right, two wrong
    keras_edge = float(k.losses.BinaryCrossentropy()(edge_y, edge_p))
    np.testing.assert_allclose(keras_edge, binary_cross_entropy(edge_y, edge_p), rtol=1e-4)

    model, _ = train()
    x_test = p["x"]
    evaluated = model.evaluate(x_test, y, verbose=0, return_dict=True)
    counts = confusion_counts(y, p["label"])
    keras_counts = {}
    for name, metric in [("TP", k.metrics.TruePositives), ("FN", k.metrics.FalseNegatives),
                         ("FP", k.metrics.FalsePositives), ("TN", k.metrics.TrueNegatives)]:
        m = metric(thresholds=THRESHOLD)
        m.update_state(y, y_hat)
        keras_counts[name] = int(m.result())
    accuracy = float(np.mean(p["label"] == y))
    np.testing.assert_allclose(evaluated["binary_accuracy"], accuracy, rtol=1e-6)
    np.testing.assert_allclose(evaluated["loss"], numpy_bce, rtol=1e-5)
    assert keras_counts == counts, (keras_counts, counts)
    return {
        "BCE on the test set: Keras / NumPy": [keras_bce, numpy_bce],
        "BCE with y_hat = 0 and 1: Keras / NumPy": [keras_edge,
                                                    float(binary_cross_entropy(edge_y, edge_p))],
        "accuracy: model.evaluate / NumPy": [float(evaluated["binary_accuracy"]), accuracy],
        "confusion (TP, FN, FP, TN): Keras metrics": list(keras_counts.values()),
        "confusion (TP, FN, FP, TN): NumPy": list(counts.values()),
    }


def plot_decision_boundary():
    """Left: test points, ŷ as background, the line ŷ = 0.5. Right: ŷ by true label."""
    import matplotlib.pyplot as plt

    model, _ = train()
    p = predictions_on_test_set()
    x, y, y_hat = p["x"], p["y"].ravel(), p["y_hat"].ravel()
    g1, g2 = np.meshgrid(np.linspace(-4, 4, 161), np.linspace(-4, 4, 161))
    grid = np.column_stack([g1.ravel(), g2.ravel()]).astype("float32")
    surface = model.predict(grid, verbose=0).reshape(g1.shape)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    filled = ax1.contourf(g1, g2, surface, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.4)
    ax1.contour(g1, g2, surface, levels=[THRESHOLD], colors="k", linewidths=1.5)
    ax1.scatter(*x[y == 1].T, s=12, color="C3", edgecolor="k", linewidth=0.3, label="y = 1 (cat)")
    ax1.scatter(*x[y == 0].T, s=12, color="C0", edgecolor="k", linewidth=0.3, marker="s",
                label="y = 0 (not cat)")
    ax1.plot([], [], "k-", label="decision boundary: ŷ = 0.5")
    fig.colorbar(filled, ax=ax1, label="ŷ")
    ax1.set(xlabel="feature x1", ylabel="feature x2", xlim=(-4, 4), ylim=(-4, 4),
            title="Test set and the learned boundary")
    ax1.legend(loc="lower right", fontsize=7)
    bins = np.linspace(0, 1, 21)
    ax2.hist(y_hat[y == 1], bins=bins, alpha=0.6, color="C3", label="y = 1 (cat)")
    ax2.hist(y_hat[y == 0], bins=bins, alpha=0.6, color="C0", label="y = 0 (not cat)")
    ax2.axvline(THRESHOLD, color="k", ls="--", lw=1, label="threshold 0.5")
    ax2.set(xlabel="ŷ = predicted P(y = 1)", ylabel="test examples", title="ŷ by true label")
    ax2.legend(loc="upper center", fontsize=8)
    return fig


def show_example() -> None:
    """A few test examples, then accuracy and confusion counts on the whole test set."""
    model, history = train()
    p = predictions_on_test_set()
    w, b = (v.numpy().ravel() for v in model.weights)
    print(f"{'x1':>6} {'x2':>6}  {'y':>2}  {'ŷ':>6}  label")
    for i in range(6):
        x1, x2 = p["x"][i]
        print(f"{x1:6.2f} {x2:6.2f}  {int(p['y'][i, 0]):2d}  {p['y_hat'][i, 0]:6.3f}  "
              f"{p['label'][i, 0]:5d}")
    print()
    print(table({
        "learned w, b": [*map(float, w), float(b[0])],
        "training loss after the first, last epoch": [float(history.history["loss"][0]),
                                                      float(history.history["loss"][-1])],
        "test examples": N_TEST,
        "test accuracy": float(np.mean(p["label"] == p["y"])),
        **{f"{name} ({desc})": count for (name, count), desc in zip(
            confusion_counts(p["y"], p["label"]).items(),
            ["cats called cats", "cats missed", "non-cats called cats", "non-cats rejected"])},
    }))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_decision_boundary, show_cross_check)
