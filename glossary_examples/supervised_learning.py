"""Supervised learning (监督学习): learning a mapping from inputs to desired outputs from labelled examples.

Each training example is a pair: an input object x and its desired output y,
the label or *supervision signal*. Training adjusts the model so that its
outputs agree with the labels, as measured by the loss. The goal is correct
outputs for new inputs, so the result is judged on held-out examples. All the
information about the task is in the pairing of inputs with labels: shuffle
the labels and there is nothing left to generalise from.

>>> x = np.array([[0.0, 0.0], [1.5, 1.5], [0.5, -1.0]])
>>> true_label(x).tolist()
[1, 0, 1]
>>> round(binary_cross_entropy(np.array([1.0, 0.0]), np.array([2.0, -1.0])), 4)
0.2201
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, overlap, separated

RADIUS = float(np.sqrt(8 / np.pi))  # the disc covers half of the square [-2, 2]²
N_TRAIN, N_TEST = 200, 1000
HIDDEN = 16
EPOCHS = 60
BATCH = 50
LEARNING_RATE = 0.03
SHUFFLES = 32  # label permutations in the shuffled-labels experiment
REAL = SEEDS  # copies trained on the real labels, each from its own seeded start


def true_label(x: np.ndarray) -> np.ndarray:
    """The rule the learner has to discover: 1 inside the disc of radius RADIUS, else 0."""
    return (np.sum(np.asarray(x) ** 2, axis=1) < RADIUS**2).astype("int64")


def labelled_data(n: int, seed_value: int) -> tuple[np.ndarray, np.ndarray]:
    """n input objects, uniform in the square [-2, 2]², each with its label."""
    x = np.random.default_rng(seed_value).uniform(-2, 2, size=(n, 2)).astype("float32")
    return x, true_label(x).astype("float32")


def shuffled(y: np.ndarray, seed_value: int = 0) -> np.ndarray:
    """The same labels in a random order: as many 1s and 0s, no longer tied to the inputs."""
    return np.random.default_rng(seed_value).permutation(y)


def binary_cross_entropy(y: np.ndarray, z: np.ndarray) -> float:
    """The loss that compares the model's outputs with the labels y, from logits z.

    With p = sigmoid(z): −mean(y log p + (1−y) log(1−p)) = mean(log(1 + e^z) − y z).
    The right-hand form never takes the log of a probability rounded to 0 or 1.
    """
    z = np.asarray(z, dtype="float64")
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def batches(x: np.ndarray, y: np.ndarray, seed_value: int = 0):
    """A ``tf.data`` pipeline of mini-batches, reshuffled every epoch with a fixed seed.

    It repeats without end, so one pipeline serves every epoch; ``fit`` takes
    ``steps_per_epoch = N_TRAIN // BATCH`` batches from it per epoch.
    """
    return (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed_value)
            .batch(BATCH).repeat())


def classifier(seed_value: int = 0):
    """A small MLP: 2 inputs -> Dense(16, relu) -> Dense(1, sigmoid)."""
    keras.utils.set_random_seed(seed_value)
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(HIDDEN, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
                  loss="binary_crossentropy", metrics=["accuracy"],
                  steps_per_execution=N_TRAIN // BATCH)  # one call per epoch
    return model


@functools.cache
def fit_classifier(seed_value: int = 0) -> dict:
    """Supervised learning in four lines: labelled data, a model, ``fit``, ``predict``.

    200 labelled training examples; 1000 new examples, never used in
    training, to judge the result.
    """
    x, y = labelled_data(N_TRAIN, seed_value=1)
    x_test, y_test = labelled_data(N_TEST, seed_value=2)
    model = classifier(seed_value)
    model.fit(batches(x, y, seed_value), epochs=EPOCHS, steps_per_epoch=N_TRAIN // BATCH,
              shuffle=False, verbose=0)
    p_test = model(x_test).numpy()[:, 0]
    return {"model": model, "x": x, "y": y, "x_test": x_test, "y_test": y_test,
            "held-out accuracy": float(np.mean((p_test > 0.5) == y_test))}


def classifier_copies(seeds: list[int]):
    """Independent copies of ``classifier``, one per seed, side by side, trained in one ``fit``.

    ``EinsumDense`` gives every copy c its own weights: output c is
    sigmoid(relu(x W1[c] + b1[c]) w2[c] + b2[c]). Copy c starts from the
    weights ``Dense`` would draw with ``GlorotUniform(seed=seeds[c])`` (zero
    biases). The loss is the mean of the copies' losses; Adam scales each
    weight's step by that weight's own gradient size, so no copy is slowed
    down by sharing the model with the others.
    """
    copies = len(seeds)
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.EinsumDense("ab,bkc->akc", output_shape=(copies, HIDDEN), bias_axes="kc",
                             activation="relu"),
        keras.layers.EinsumDense("akc,kc->ak", output_shape=(copies,), bias_axes="k",
                             activation="sigmoid"),
    ])
    glorot = [(keras.initializers.GlorotUniform(seed=s)((2, HIDDEN)).numpy(),
               keras.initializers.GlorotUniform(seed=10_000 + s)((HIDDEN, 1)).numpy()) for s in seeds]
    model.set_weights([np.stack([w1 for w1, _ in glorot], axis=1), np.zeros((copies, HIDDEN)),
                       np.stack([w2[:, 0] for _, w2 in glorot]), np.zeros(copies)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
                  loss="binary_crossentropy", steps_per_execution=N_TRAIN // BATCH)
    return model


def copies_logits(model, x: np.ndarray) -> np.ndarray:
    """Every copy's output before the sigmoid, in NumPy: one column per copy."""
    w1, b1, w2, b2 = model.get_weights()  # shapes (2, K, H), (K, H), (K, H), (K,)
    hidden = np.maximum(0.0, np.einsum("ab,bkc->akc", x, w1) + b1)
    return np.einsum("akc,kc->ak", hidden, w2) + b2


@functools.cache
def shuffle_experiment(seed_value: int = 0) -> dict[str, np.ndarray]:
    """Copies 0..REAL−1 learn from the real labels, the next SHUFFLES from shuffled labels.

    Same inputs, architecture, initialisation scheme, batches, optimizer and
    epochs for every copy; only the labels and the seeded starting weights
    differ. Each copy is judged on the same 1000 held-out examples against
    their real labels. The first REAL entries of every returned array are the
    real-label copies.
    """
    x, y = labelled_data(N_TRAIN, seed_value=1)
    x_test, y_test = labelled_data(N_TEST, seed_value=2)
    labels = np.stack([y] * REAL + [shuffled(y, i) for i in range(SHUFFLES)], axis=1)
    model = classifier_copies(list(range(REAL + SHUFFLES)))
    model.fit(batches(x, labels, seed_value), epochs=EPOCHS, steps_per_epoch=N_TRAIN // BATCH,
              shuffle=False, verbose=0)
    p_train = model(x).numpy()
    p_test = model(x_test).numpy()
    logits = copies_logits(model, x_test)
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), p_test, rtol=1e-5, atol=1e-6)
    return {
        "model": model, "x": x, "labels": labels,
        "agreement": np.mean(labels == y[:, None], axis=0),
        "train accuracy": np.mean((p_train > 0.5) == labels, axis=0),
        "held-out accuracy": np.mean((p_test > 0.5) == y_test[:, None], axis=0),
        "held-out loss": np.array([binary_cross_entropy(y_test, z) for z in logits.T]),
        "chance accuracy": float(max(y_test.mean(), 1 - y_test.mean())),
        "no-information loss": binary_cross_entropy(
            y_test, np.full(N_TEST, np.log(y.mean() / (1 - y.mean())))),
    }


def show_example() -> None:
    """A few labelled examples, then predictions for inputs the model never saw."""
    run = fit_classifier()
    x, y = run["x"], run["y"]
    print("training examples (input object x -> desired output y):")
    for xi, yi in zip(x[:5], y[:5]):
        print(f"  x = ({xi[0]:+.2f}, {xi[1]:+.2f})  ->  y = {int(yi)}")
    print(f"  ... {N_TRAIN} examples, {int(y.sum())} labelled 1")
    new = np.array([[0.0, 0.0], [1.0, -0.5], [1.2, 1.2], [-1.9, 0.3]], dtype="float32")
    p = run["model"](new).numpy()[:, 0]
    print("\nafter fit, new inputs:")
    for xi, pi, yi in zip(new, p, true_label(new)):
        print(f"  x = ({xi[0]:+.2f}, {xi[1]:+.2f})  predicted P(y=1) = {pi:.3f}"
              f"  -> class {int(pi > 0.5)}   true label {yi}")
    accuracy = glue("held_out", run["held-out accuracy"])
    print(f"\nheld-out accuracy on {N_TEST} new examples: {accuracy:.3f}")


def show_shuffled_labels() -> None:
    """REAL seeds on the real labels vs SHUFFLES shuffles of them: training and held-out results."""
    e = shuffle_experiment()
    real = {name: Spread.of(e[name][:REAL]) for name in ("train accuracy",
                                                         "held-out accuracy", "held-out loss")}
    sh = {name: e[name][REAL:] for name in ("agreement", "train accuracy",
                                            "held-out accuracy", "held-out loss")}
    shuffled_acc = Spread.of(sh["held-out accuracy"])
    glue("real_acc_min", real["held-out accuracy"].min)
    glue("shuffled_acc_mean", shuffled_acc.mean)
    glue("shuffled_acc_min", shuffled_acc.min)
    glue("shuffled_acc_max", shuffled_acc.max)
    glue("shuffled_train_acc", float(sh["train accuracy"].mean()))
    glue("chance", e["chance accuracy"])
    glue("acc_separated", overlap(real["held-out accuracy"], shuffled_acc))
    glue("n_real", REAL)
    glue("n_shuffles", SHUFFLES)
    print(table({
        f"real labels, {REAL} seeds: train accuracy": str(real["train accuracy"]),
        "real labels: held-out accuracy": str(real["held-out accuracy"]),
        "real labels: held-out loss": str(real["held-out loss"]),
        f"{SHUFFLES} shuffles: train accuracy, mean": float(sh["train accuracy"].mean()),
        f"{SHUFFLES} shuffles: held-out accuracy": str(shuffled_acc),
        f"{SHUFFLES} shuffles: held-out loss, mean": float(sh["held-out loss"].mean()),
        "real vs shuffled held-out accuracy: ranges": "separated" if separated(
            real["held-out accuracy"], shuffled_acc) else "overlap",
        "chance accuracy (majority class share)": e["chance accuracy"],
        "no-information loss (predict the class share)": e["no-information loss"],
        "shuffled labels agreeing with the rule, min, max": [
            float(sh["agreement"].min()), float(sh["agreement"].max())],
        "correlation: agreement vs held-out accuracy": glue("correlation", float(
            np.corrcoef(sh["agreement"], sh["held-out accuracy"])[0, 1])),
    }))


def numpy_logits(model, x: np.ndarray) -> np.ndarray:
    """The classifier's output before the sigmoid, z = relu(x W1 + b1) W2 + b2, in NumPy."""
    w1, b1, w2, b2 = model.get_weights()
    return (np.maximum(0.0, x @ w1 + b1) @ w2 + b2)[:, 0]


def cross_check() -> dict[str, object]:
    """Keras's loss and accuracy are comparisons of the model's outputs with labels.

    A NumPy forward pass reproduces the model's output; NumPy's binary
    cross-entropy (from the logits z) and accuracy equal what ``evaluate``
    reports (``assert_allclose``). The same probabilities handed to the loss
    as a NumPy array are clipped to [1e-7, 1 − 1e-7] instead. Scoring the same
    outputs against shuffled labels gives a different loss: the loss is
    defined by the labels.
    """
    run = fit_classifier()
    model, x, y = run["model"], run["x_test"], run["y_test"]
    z = numpy_logits(model, x)
    p = model(x).numpy()[:, 0]
    np.testing.assert_allclose(1 / (1 + np.exp(-z)), p, rtol=1e-5, atol=1e-6)
    keras_loss, keras_acc = model.evaluate(x, y, batch_size=N_TEST, verbose=0)
    np_loss, np_acc = binary_cross_entropy(y, z), float(np.mean((p > 0.5) == y))
    np.testing.assert_allclose(keras_loss, np_loss, rtol=1e-5)
    np.testing.assert_allclose(keras_acc, np_acc, rtol=1e-6)
    array_loss = float(keras.losses.BinaryCrossentropy()(y[:, None], p[:, None]))
    q = np.clip(p.astype("float64"), 1e-7, 1 - 1e-7)  # what Keras does to plain probabilities
    np.testing.assert_allclose(array_loss, np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q))),
                               rtol=1e-4)
    y_wrong = shuffled(y)
    wrong_loss, wrong_acc = model.evaluate(x, y_wrong, batch_size=N_TEST, verbose=0)
    np.testing.assert_allclose(wrong_loss, binary_cross_entropy(y_wrong, z), rtol=1e-5)
    return {
        "max |sigmoid(NumPy z) - model(x)|": float(np.abs(1 / (1 + np.exp(-z)) - p).max()),
        "evaluate: loss, accuracy": [float(keras_loss), float(keras_acc)],
        "NumPy from z: loss, accuracy": [np_loss, np_acc],
        "loss of the same ŷ as an array (clipped)": array_loss,
        "same outputs, shuffled labels: loss, accuracy": [float(wrong_loss), float(wrong_acc)],
    }


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def plot_supervision():
    """Learned boundaries with real and shuffled labels; held-out accuracy vs label agreement."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    e = shuffle_experiment()
    g = np.linspace(-2, 2, 121, dtype="float32")
    gx, gy = np.meshgrid(g, g)
    p_grid = e["model"](np.stack([gx.ravel(), gy.ravel()], axis=1)).numpy()
    angle = np.linspace(0, 2 * np.pi, 200)
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained",
                             gridspec_kw={"width_ratios": [1, 1, 1.15]})
    # The shuffle shown is the typical one: the median held-out accuracy of all shuffles.
    typical = REAL + int(np.argsort(e["held-out accuracy"][REAL:])[SHUFFLES // 2])
    for ax, copy, name in [(axes[0], 0, "real labels (seed 0)"),
                           (axes[1], typical, f"typical of {SHUFFLES} shuffles")]:
        p = p_grid[:, copy].reshape(gx.shape)
        ax.contourf(gx, gy, p > 0.5, levels=[-0.5, 0.5, 1.5],
                    cmap=ListedColormap(["#fbe3d6", "#d6e6f5"]))
        ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=1.2)
        y = e["labels"][:, copy]
        ax.scatter(*e["x"][y == 1].T, s=7, color="C0", label="label 1")
        ax.scatter(*e["x"][y == 0].T, s=9, color="C1", marker="x", lw=0.8, label="label 0")
        ax.plot(RADIUS * np.cos(angle), RADIUS * np.sin(angle), "k--", lw=1, label="true rule")
        ax.set(xlim=(-2, 2), ylim=(-2, 2), aspect="equal", xticks=[-2, 0, 2], yticks=[-2, 0, 2],
               title=f"{name}\nheld-out accuracy {e['held-out accuracy'][copy]:.0%}")
        ax.tick_params(labelsize=8)
    axes[0].legend(loc="lower left", fontsize=6, framealpha=0.9)
    ax = axes[2]
    ax.axhline(e["chance accuracy"], color="0.5", ls=":", lw=1, label="chance")
    ax.plot(e["agreement"][REAL:], e["held-out accuracy"][REAL:], "o", color="C3", ms=4,
            label=f"{SHUFFLES} shuffles")
    ax.plot(e["agreement"][:REAL], e["held-out accuracy"][:REAL], "*", color="C0", ms=11,
            label=f"real labels, {REAL} seeds")
    ax.set(xlabel="training labels agreeing with the rule", ylabel="held-out accuracy",
           ylim=(0.2, 1.02), title="Accuracy follows the labels")
    ax.legend(loc="lower right", fontsize=7)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_shuffled_labels, plot_supervision, show_cross_check)
