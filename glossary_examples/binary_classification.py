"""Binary classification (二分类): assigning one of two labels, y = 1 or y = 0, to an input x.

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
import textwrap
import warnings

import keras
import numpy as np

from ._lib.report import glue, table
from ._lib.runtime import full_batch_loop
from ._lib.seeds import SEEDS, Spread, overlap, separated

N_TRAIN = 200
N_TEST = 200
CENTRES = {1: (1.0, 1.0), 0: (-1.0, -1.0)}  # cats (y = 1) and not cats (y = 0)
SPREAD = 1.0
EPOCHS = 100
THRESHOLD = 0.5
LEARNING_RATE = 0.5
EPSILON = 1e-7  # Keras clips plain probabilities to [EPSILON, 1 - EPSILON] before taking logs


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
    cross-entropy: the algorithm of ``model.fit(x, y, batch_size=len(x),
    epochs=epochs)``, compiled into one TensorFlow loop. Returns the model
    (compiled, for ``evaluate``) and the training loss before and after.
    """
    x, y = make_data(N_TRAIN, seed_value=0)
    keras.utils.set_random_seed(seed_value)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    optimizer = keras.optimizers.SGD(learning_rate=LEARNING_RATE)
    model.compile(optimizer=optimizer, loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=THRESHOLD)])
    before = binary_cross_entropy(y, model(x).numpy())
    optimizer.build(model.trainable_variables)
    full_batch_loop()(model, optimizer, keras.losses.BinaryCrossentropy(), x, y, epochs)
    return model, (float(before), float(binary_cross_entropy(y, model(x).numpy())))


def predictions_on_test_set() -> dict[str, np.ndarray]:
    """The trained model on the test set: x, y, ŷ and the predicted labels."""
    model, _ = train()
    x, y = make_data(N_TEST, seed_value=1)
    y_hat = model(x).numpy()
    return {"x": x, "y": y, "y_hat": y_hat, "label": to_labels(y_hat)}


def cross_check() -> dict[str, object]:
    """Cross-entropy, accuracy and confusion counts: NumPy vs Keras, on the test set.

    Also on hand-picked ŷ that include 0 and 1 exactly, where only the
    clipping to [EPSILON, 1 - EPSILON] keeps the logarithm finite.
    """
    p = predictions_on_test_set()
    y, y_hat = p["y"], p["y_hat"]
    keras_bce = float(keras.losses.BinaryCrossentropy()(y, y_hat))
    numpy_bce = float(binary_cross_entropy(y, y_hat))
    np.testing.assert_allclose(keras_bce, numpy_bce, rtol=1e-5)

    edge_y = np.array([[1.0], [0.0], [1.0], [0.0]], dtype="float32")
    edge_p = np.array([[1.0], [0.0], [0.0], [1.0]], dtype="float32")  # two right, two wrong
    keras_edge = float(keras.losses.BinaryCrossentropy()(edge_y, edge_p))
    np.testing.assert_allclose(keras_edge, binary_cross_entropy(edge_y, edge_p), rtol=1e-4)

    model, _ = train()
    x_test = p["x"]
    evaluated = model.evaluate(x_test, y, verbose=0, return_dict=True)
    counts = confusion_counts(y, p["label"])
    keras_counts = {}
    for name, metric in [("TP", keras.metrics.TruePositives), ("FN", keras.metrics.FalseNegatives),
                         ("FP", keras.metrics.FalsePositives), ("TN", keras.metrics.TrueNegatives)]:
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


def cross_entropy_from_logits(y, z) -> float:
    """Mean binary cross-entropy of ŷ = σ(z), computed from z: mean(log(1 + e^z) − y z)."""
    z = np.asarray(z, dtype="float64")
    return float(np.mean(np.logaddexp(0.0, z) - np.asarray(y) * z))


def logits_or_probabilities() -> dict[str, object]:
    """The trained model's test loss, with each pairing of output layer and ``from_logits``.

    ``probs`` comes from the sigmoid layer, and Keras (TensorFlow backend)
    caches the logits z on it; ``z`` comes from a linear copy of the same
    layer. The right value is the cross-entropy of σ(z). Python warnings
    are recorded, not printed.
    """
    model, _ = train()
    x, y = make_data(N_TEST, seed_value=1)
    linear = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])  # no activation: outputs z
    linear.set_weights(model.get_weights())
    z = linear(x).numpy()
    right = cross_entropy_from_logits(y, z)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        probs = model(x)  # a tensor made by a sigmoid: it carries z
        sigmoid_probs = float(keras.losses.BinaryCrossentropy()(y, probs))
        n_before = len(caught)
        sigmoid_logits = float(keras.losses.BinaryCrossentropy(from_logits=True)(y, probs))
        warned = [str(w.message) for w in caught[n_before:]]
        n_before = len(caught)
        array_logits = float(keras.losses.BinaryCrossentropy(from_logits=True)(y, probs.numpy()))
        linear_probs = float(keras.losses.BinaryCrossentropy()(y, z))  # z read as a probability
        later_warnings = len(caught) - n_before
    np.testing.assert_allclose(sigmoid_probs, right, rtol=1e-5)
    np.testing.assert_allclose(sigmoid_logits, right, rtol=1e-5)  # caught: same loss
    p = probs.numpy()
    np.testing.assert_allclose(array_logits, cross_entropy_from_logits(y, p), rtol=1e-5)
    np.testing.assert_allclose(linear_probs, binary_cross_entropy(y, z), rtol=1e-5)
    assert len(warned) == 1 and "from_logits=True" in warned[0] and later_warnings == 0
    return {
        "right: cross-entropy of σ(z), in NumPy": right,
        "sigmoid layer, from_logits=False": sigmoid_probs,
        "sigmoid layer, from_logits=True (warns)": sigmoid_logits,
        "same ŷ as a NumPy array, from_logits=True (σ twice)": array_logits,
        "linear layer, from_logits=False (z clipped, no warning)": linear_probs,
        "the warning": warned[0].strip('"'),
    }


@functools.cache
def mixups_trained(steps: int = EPOCHS) -> dict[str, dict[str, np.ndarray]]:
    """Three set-ups, each on SEEDS seeds, trained side by side on the training set.

    One model holds three heads on the same input: a sigmoid layer with
    ``from_logits=False`` (right), a sigmoid layer with ``from_logits=True``
    (both) and a linear layer with ``from_logits=False`` (neither). Each head
    is a ``Dense(SEEDS)``: column s is an independent logistic regression
    whose starting weights come from ``GlorotUniform(seed=s)``, the same in
    every head. The training loss is the sum over heads and columns of each
    column's mean cross-entropy, so every column gets exactly the gradient it
    would get alone (full-batch SGD, the same learning rate as above).
    """
    x, y = make_data(N_TRAIN, seed_value=0)
    x_test, y_test = make_data(N_TEST, seed_value=1)
    inputs = keras.Input((2,))
    setups = {"right": "sigmoid", "both": "sigmoid", "neither": None}
    model = keras.Model(inputs, [keras.layers.Dense(SEEDS, activation=act, name=name)(inputs)
                             for name, act in setups.items()])
    kernel = np.concatenate([keras.initializers.GlorotUniform(seed=s)((2, 1)).numpy()
                             for s in range(SEEDS)], axis=1)
    for layer in model.layers[1:]:
        layer.set_weights([kernel, np.zeros(SEEDS, "float32")])
    probs, logits = keras.losses.BinaryCrossentropy(), keras.losses.BinaryCrossentropy(from_logits=True)

    def loss(targets, outputs):  # each loss is a mean over SEEDS columns: times SEEDS
        right, both, neither = outputs
        return SEEDS * (probs(targets, right) + logits(targets, both) + probs(targets, neither))

    optimizer = keras.optimizers.SGD(learning_rate=LEARNING_RATE)
    optimizer.build(model.trainable_variables)
    with warnings.catch_warnings(record=True):  # the from_logits warning, shown above
        warnings.simplefilter("always")
        full_batch_loop()(model, optimizer, loss, x, np.repeat(y, SEEDS, axis=1), steps)
    results = {}
    for layer in model.layers[1:]:
        w, b = layer.get_weights()
        z_test, z_train = x_test @ w + b, x @ w + b  # every head's z, one column per seed
        results[layer.name] = {
            "weights": np.vstack([w, b]),
            "test loss": np.mean(np.logaddexp(0.0, z_test) - y_test * z_test, axis=0),
            "test accuracy": np.mean((z_test > 0) == (y_test == 1), axis=0),
            "outside (0, 1)": np.mean((z_train <= 0) | (z_train >= 1), axis=0),
        }
    np.testing.assert_allclose(results["both"]["weights"], results["right"]["weights"],
                               rtol=1e-5, atol=1e-6)
    return results


def plot_decision_boundary():
    """Left: test points, ŷ as background, the line ŷ = 0.5. Right: ŷ by true label."""
    import matplotlib.pyplot as plt

    model, _ = train()
    p = predictions_on_test_set()
    x, y, y_hat = p["x"], p["y"].ravel(), p["y_hat"].ravel()
    g1, g2 = np.meshgrid(np.linspace(-4, 4, 161), np.linspace(-4, 4, 161))
    grid = np.column_stack([g1.ravel(), g2.ravel()]).astype("float32")
    surface = model(grid).numpy().reshape(g1.shape)

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
    model, losses = train()
    p = predictions_on_test_set()
    w, b = (v.numpy().ravel() for v in model.weights)
    accuracy = glue("test_accuracy", float(np.mean(p["label"] == p["y"])))
    print(f"{'x1':>6} {'x2':>6}  {'y':>2}  {'ŷ':>6}  label")
    for i in range(6):
        x1, x2 = p["x"][i]
        print(f"{x1:6.2f} {x2:6.2f}  {int(p['y'][i, 0]):2d}  {p['y_hat'][i, 0]:6.3f}  "
              f"{p['label'][i, 0]:5d}")
    print()
    print(table({
        "learned w, b": [*map(float, w), float(b[0])],
        f"training loss before, after {EPOCHS} steps": list(losses),
        "test examples": N_TEST,
        "test accuracy": accuracy,
        **{f"{name} ({desc})": count for (name, count), desc in zip(
            confusion_counts(p["y"], p["label"]).items(),
            ["cats called cats", "cats missed", "non-cats called cats", "non-cats rejected"])},
    }))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def show_logits_mixups() -> None:
    """The four pairings on the trained model, then the three set-ups trained on SEEDS seeds."""
    losses = logits_or_probabilities()
    message = losses.pop("the warning")
    print(table(losses))
    print("warning:", textwrap.fill(message, 88, subsequent_indent="  "))
    runs = mixups_trained()
    glue("n_seeds", SEEDS)
    loss = {name: Spread.of(r["test loss"]) for name, r in runs.items()}
    accuracy = {name: Spread.of(r["test accuracy"]) for name, r in runs.items()}
    glue("right_loss", loss["right"].mean)
    glue("neither_loss_min", loss["neither"].min)
    glue("neither_loss_max", loss["neither"].max)
    glue("neither_outside", float(runs["neither"]["outside (0, 1)"].mean()))
    glue("loss_separated", overlap(loss["right"], loss["neither"]))
    glue("accuracy_separated", overlap(accuracy["right"], accuracy["neither"]))
    print(f"\ntrained {EPOCHS} steps from the same starts, {SEEDS} seeds each:")
    print(table({
        "test cross-entropy of σ(z): right": str(loss["right"]),
        "  both (sigmoid, from_logits=True)": str(loss["both"]),
        "  neither (linear, from_logits=False)": str(loss["neither"]),
        "  right vs neither: ranges": "separated" if separated(loss["right"], loss["neither"])
        else "overlap",
        "test accuracy (z > 0): right": str(accuracy["right"]),
        "  neither": str(accuracy["neither"]),
        "  right vs neither, accuracy: ranges": "separated" if separated(accuracy["right"],
                                                             accuracy["neither"]) else "overlap",
        "both = right, weight by weight (asserted)": True,
        "neither: training examples with z outside (0, 1)":
            runs["neither"]["outside (0, 1)"].round(3).tolist(),
    }))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_decision_boundary, show_cross_check, show_logits_mixups)
