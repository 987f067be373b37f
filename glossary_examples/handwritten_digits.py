"""Handwritten digit recognition (手写数字识别): map the image of one handwritten digit to its class, 0 to 9.

The glossary's worked example, end to end with a multilayer perceptron: the
1797 real 8×8 handwritten digits that ship inside scikit-learn
(``sklearn.datasets.load_digits``, no download; written by 13 people: the test
part of the UCI Optical Recognition of Handwritten Digits set), pixels 0..16 scaled to 0..1
and flattened to 64 inputs, one-hot labels, two ReLU hidden layers with
dropout, 10 softmax outputs, categorical cross-entropy, Adam, mini-batches from
a ``tf.data.Dataset``, epochs, a stratified held-out test set and its confusion
matrix. MNIST (70 000 images of 28×28 pixels) is an option for readers with
internet: ``train_on_mnist()`` downloads it; nothing else here touches the network.

>>> x = to_inputs(np.full((2, 8, 8), 16.0))
>>> x.shape, x.dtype.name, float(x.max())
((2, 64), 'float32', 1.0)
>>> to_inputs(np.arange(64.0).reshape(1, 8, 8), max_value=64.0)[0, [0, 1, 8, 63]].tolist()
[0.0, 0.015625, 0.125, 0.984375]
>>> confusion_numpy([0, 1, 1, 2], [0, 1, 2, 2], 3).tolist()
[[1, 0, 0], [0, 1, 1], [0, 0, 1]]
>>> data = load_data()
>>> data["images"].shape, int(data["images"].max()), sorted(set(data["labels"].tolist()))
((1797, 8, 8), 16, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
>>> writers()["test set (these images)"]
13
"""

from __future__ import annotations

import functools
import re

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import Phrase, glue, table

NUM_CLASSES = 10  # the digits 0..9: one output unit each
PIXEL_MAX = 16.0  # load_digits counts ink in 0..16 per pixel (MNIST: 0..255)
TEST_FRACTION = 0.2  # held out until the very end
VAL_FRACTION = 0.2  # of the rest: watched after every epoch
SPLIT_SEED = 0  # random_state of train_test_split
HIDDEN = (128, 64)  # units of the two ReLU hidden layers
DROPOUT_RATE = 0.2
LEARNING_RATE = 0.003
BATCH = 128
EPOCHS = 20
MIN_ACCURACY = 0.95  # the held-out accuracy the example must reach
MNIST_HIDDEN = (256, 128)
MNIST_EPOCHS = 5
MNIST_BATCH = 128
MNIST_VAL = 5000  # validation images taken from MNIST's 60 000 training images


@functools.cache
def load_data() -> dict[str, np.ndarray]:
    """The 1797 handwritten digits of scikit-learn: 8×8 images and their labels.

    The images are ink counts 0..16 (each pixel sums a 4×4 block of a 32×32
    black-and-white scan). They are the *test* part of the UCI Optical
    Recognition of Handwritten Digits set, written by 13 people (see
    :func:`writers`); the files ship inside the ``sklearn`` package, so nothing
    is downloaded.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return {"images": digits.images, "labels": digits.target, "description": digits.DESCR}


def writers() -> dict[str, int]:
    """How many people wrote the digits, read from the data set's own description.

    ``load_digits().DESCR`` says: "From a total of 43 people, 30 contributed
    to the training set and different 13 to the test set", and that
    ``load_digits`` is a copy of that test set.
    """
    text = " ".join(load_data()["description"].split())
    assert "copy of the test set" in text
    found = re.search(r"From a total of (\d+) people, (\d+) contributed to the training set"
                      r" and different (\d+) to the test set", text)
    total, train, test = (int(v) for v in found.groups())
    return {"people in the whole UCI set": total, "training set (not shipped)": train,
            "test set (these images)": test}


def to_inputs(images, max_value: float = PIXEL_MAX) -> np.ndarray:
    """Images (n, height, width) to model inputs (n, height·width) in [0, 1].

    Each pixel is divided by the largest possible pixel value and each image is
    flattened row by row into one vector: 8×8 gives 64 inputs, 28×28 gives 784.
    """
    images = np.asarray(images, dtype="float32")
    return images.reshape(len(images), -1) / np.float32(max_value)


def one_hot(labels) -> np.ndarray:
    """Labels 0..9 to one-hot rows with ``keras.utils.to_categorical``."""
    return keras.utils.to_categorical(labels, num_classes=NUM_CLASSES)


@functools.cache
def split_data(seed_value: int = SPLIT_SEED) -> dict[str, np.ndarray]:
    """Stratified train / validation / test split of the digits, by index.

    ``train_test_split(..., stratify=labels, random_state=seed_value)`` first
    holds out 20 % as the test set, then 20 % of the rest as the validation
    set; stratifying keeps the share of every digit the same in all three.
    """
    from sklearn.model_selection import train_test_split

    data = load_data()
    labels = data["labels"]
    every = np.arange(len(labels))
    rest, test = train_test_split(every, test_size=TEST_FRACTION, stratify=labels,
                                  random_state=seed_value)
    train, val = train_test_split(rest, test_size=VAL_FRACTION, stratify=labels[rest],
                                  random_state=seed_value)
    x = to_inputs(data["images"])
    out = {}
    for name, idx in [("train", train), ("val", val), ("test", test)]:
        out[f"idx_{name}"] = idx
        out[f"x_{name}"] = x[idx]
        out[f"y_{name}"] = labels[idx]
    return out


def build_model(n_inputs: int = 64, hidden=HIDDEN, rate: float = DROPOUT_RATE,
                learning_rate: float = LEARNING_RATE, seed_value: int = 0):
    """The MLP: ReLU hidden layers, each followed by dropout, and 10 softmax units.

    Compiled with categorical cross-entropy (one-hot targets), Adam and
    accuracy. The same builder serves the 64 inputs of the 8×8 digits and the
    784 inputs of MNIST.
    """
    keras.utils.set_random_seed(seed_value)
    layers = [keras.Input((n_inputs,), name="pixels")]
    for i, units in enumerate(hidden, start=1):
        layers.append(keras.layers.Dense(units, activation="relu", name=f"hidden_{i}"))
        layers.append(keras.layers.Dropout(rate, seed=seed_value + i, name=f"dropout_{i}"))
    layers.append(keras.layers.Dense(NUM_CLASSES, activation="softmax", name="digit_probabilities"))
    model = keras.Sequential(layers, name="digits_mlp")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def make_dataset(x, labels, batch_size: int, shuffle_seed: int | None = None):
    """A ``tf.data.Dataset`` of (inputs, one-hot labels) batches.

    With ``shuffle_seed`` the order is reshuffled every epoch, reproducibly.
    """
    data = tf.data.Dataset.from_tensor_slices((np.asarray(x, "float32"), one_hot(labels)))
    if shuffle_seed is not None:
        data = data.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    return data.batch(batch_size)


def fit_model(model, x_train, y_train, x_val, y_val, epochs: int, batch_size: int,
              seed_value: int = 0) -> dict[str, np.ndarray]:
    """``model.fit`` on shuffled mini-batches, validated after every epoch.

    Returns the ``History`` as NumPy arrays: loss, accuracy, val_loss,
    val_accuracy, one value per epoch.
    """
    train = make_dataset(x_train, y_train, batch_size, shuffle_seed=seed_value)
    val = make_dataset(x_val, y_val, len(x_val))
    history = model.fit(train, validation_data=val, epochs=epochs, shuffle=False, verbose=0)
    return {name: np.array(values) for name, values in history.history.items()}


@functools.cache
def train(epochs: int = EPOCHS, seed_value: int = 0) -> dict:
    """Build the MLP and train it on the training split of the 8×8 digits."""
    data = split_data()
    model = build_model(n_inputs=data["x_train"].shape[1], seed_value=seed_value)
    history = fit_model(model, data["x_train"], data["y_train"], data["x_val"],
                        data["y_val"], epochs, BATCH, seed_value)
    return {"model": model, "history": history, "data": data}


def confusion_numpy(true, predicted, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Confusion matrix in NumPy: entry [i, j] counts examples of class i predicted as j."""
    counts = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(counts, (np.asarray(true), np.asarray(predicted)), 1)
    return counts


@functools.cache
def evaluate_held_out() -> dict:
    """Predict the test digits, which training never saw, and score them.

    Asserts the held-out accuracy reaches ``MIN_ACCURACY`` (95 %).
    """
    run = train()
    data = run["data"]
    probabilities = run["model"].predict(data["x_test"], verbose=0)
    predicted = probabilities.argmax(axis=1)
    true = data["y_test"]
    accuracy = float(np.mean(predicted == true))
    assert accuracy >= MIN_ACCURACY, f"held-out accuracy {accuracy:.4f} < {MIN_ACCURACY}"
    wrong = np.flatnonzero(predicted != true)
    return {
        "probabilities": probabilities,
        "predicted": predicted,
        "true": true,
        "accuracy": accuracy,
        "confusion": confusion_numpy(true, predicted),
        "wrong": wrong,  # positions in the test set
    }


def show_data() -> None:
    """The data set, one image as numbers, and how it becomes 64 inputs."""
    data = load_data()
    images, labels = data["images"], data["labels"]
    people = writers()
    for key, name in [("writers_total", "people in the whole UCI set"),
                      ("writers_train", "training set (not shipped)"),
                      ("writers", "test set (these images)")]:
        glue(key, people[name])
    glue("n_images", len(images))
    print(table({
        "images": f"{images.shape[0]} of {images.shape[1]}×{images.shape[2]} pixels",
        "pixel values": f"integers {int(images.min())}..{int(images.max())} (ink per pixel)",
        "images per digit 0..9": np.bincount(labels).tolist(),
        "written by": f"{people['test set (these images)']} people (from load_digits().DESCR)",
    }))
    first = images[0]
    print(f"\nimage 0, label {labels[0]}, as numbers:")
    for row in first.astype(int):
        print("  " + " ".join(f"{v:2d}" for v in row))
    x = to_inputs(images)
    print(f"\nto_inputs: shape {images.shape} -> {x.shape}, dtype {x.dtype},"
          f" range [{x.min():.0f}, {x.max():.0f}]")
    with np.printoptions(precision=3, suppress=True, linewidth=78):
        print(f"row 1 of image 0 = inputs 8..15: {x[0, 8:16]}")
    print(f"one_hot(label {labels[0]}) = {one_hot(labels[:1])[0].astype(int).tolist()}")


def show_split() -> None:
    """Sizes of the three splits and how many of each digit each one holds."""
    data = split_data()
    print(f"{'split':<10} {'examples':>8}   images of digit 0..9")
    for name in ("train", "val", "test"):
        counts = np.bincount(data[f"y_{name}"], minlength=NUM_CLASSES)
        print(f"{name:<10} {len(data[f'y_{name}']):>8}   {counts.tolist()}")
    overlap = (set(data["idx_train"]) | set(data["idx_val"])) & set(data["idx_test"])
    print(f"test images also used for training or validation: {len(overlap)}")


def show_model() -> None:
    """The layers, their output shapes and parameter counts, and the training setup."""
    model = train()["model"]
    print(f"{'layer':<20} {'type':<8} {'output shape':<13} {'parameters':>10}")
    for layer in model.layers:
        shape = str((None, *layer.output.shape[1:]))
        print(f"{layer.name:<20} {type(layer).__name__:<8} {shape:<13} {layer.count_params():>10}")
    print(f"{'total':<43} {model.count_params():>10}")
    n_train = len(train()["data"]["y_train"])
    print(table({
        "loss": model.loss,
        "optimizer": f"Adam, learning rate {LEARNING_RATE}",
        "batch size": BATCH,
        "steps per epoch": f"ceil({n_train} / {BATCH}) = {-(-n_train // BATCH)}",
        "epochs": EPOCHS,
    }))


def show_training() -> None:
    """Training and validation loss and accuracy at a few epochs."""
    history = train()["history"]
    print(f"{'epoch':>5}  {'train loss':>10}  {'val loss':>8}  {'train acc':>9}  {'val acc':>7}")
    for e in (1, 2, 3, 5, 10, 15, EPOCHS):
        print(f"{e:>5}  {history['loss'][e - 1]:>10.4f}  {history['val_loss'][e - 1]:>8.4f}"
              f"  {history['accuracy'][e - 1]:>9.4f}  {history['val_accuracy'][e - 1]:>7.4f}")
    best = int(history["val_loss"].argmin()) + 1
    print(f"lowest validation loss at epoch {best}: {history['val_loss'][best - 1]:.4f}")


def _confusion_text(matrix: np.ndarray) -> str:
    header = "true \\ predicted " + " ".join(f"{j:>3}" for j in range(matrix.shape[1]))
    rows = [f"{i:>16} " + " ".join(f"{v:>3}" if v else "  ." for v in row)
            for i, row in enumerate(matrix)]
    return "\n".join([header, *rows])


def show_evaluation() -> None:
    """Held-out accuracy, the confusion matrix and the misclassified test digits."""
    result = evaluate_held_out()
    n, wrong = len(result["true"]), result["wrong"]
    glue("min_accuracy", MIN_ACCURACY)
    glue("accuracy", result["accuracy"])
    glue("n_test", n)
    glue("n_wrong", len(wrong))
    glue("one_image", 1 / n)
    errors = result["confusion"] - np.diag(np.diag(result["confusion"]))
    pairs = sorted((-v, i, j) for (i, j), v in np.ndenumerate(errors) if v)
    pairs = [pair for pair in pairs[:3] if pair[0] <= -2] or pairs[:1]  # repeated mistakes
    def a(digit):
        return f"an {digit}" if digit == 8 else f"a {digit}"

    def times(count):
        return {1: "once", 2: "twice"}.get(count, f"{count} times")

    named = [f"{a(i)} read as {a(j)} ({times(-v)})" for v, i, j in pairs]
    chinese = [f"把 {i} 认成 {j}（{-v} 次）" for v, i, j in pairs]
    glue("top_mistakes", Phrase(
        "the most frequent are " + ", ".join(named[:-1]) + " and " + named[-1]
        if len(named) > 1 else f"the most frequent is {named[0]}",
        "最常见的是" + "、".join(chinese)))
    print(table({
        "test images": n,
        "correct": n - len(wrong),
        "wrong": len(wrong),
        "held-out accuracy": result["accuracy"],
    }))
    print()
    print(_confusion_text(result["confusion"]))
    print("\nmisclassified (test position: true -> predicted, probability of the prediction):")
    for i in wrong:
        p = result["probabilities"][i, result["predicted"][i]]
        print(f"  #{i:<3}: {result['true'][i]} -> {result['predicted'][i]}  ({p:.2f})")


def numpy_forward(model, x) -> np.ndarray:
    """The trained MLP at inference, in NumPy: relu(x W + b) per hidden layer, then softmax.

    Dropout layers pass their input through at inference, so they are skipped.
    """
    a = np.asarray(x, dtype="float64")
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    for i, layer in enumerate(dense):
        kernel, bias = layer.get_weights()
        z = a @ kernel + bias
        if i < len(dense) - 1:
            a = np.maximum(z, 0.0)
        else:
            z = z - z.max(axis=1, keepdims=True)  # stable softmax
            a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return a


def cross_check() -> dict[str, object]:
    """Every step of the example recomputed in NumPy (or scikit-learn) and asserted.

    1. ``to_categorical`` equals rows of the identity matrix, ``np.eye(10)[y]``.
    2. ``predict`` equals the forward pass in NumPy with the trained weights.
    3. ``evaluate``'s loss equals NumPy's mean of −log(probability of the true digit),
       and its accuracy equals NumPy's share of argmax predictions that are right.
    4. The NumPy confusion matrix equals ``sklearn.metrics.confusion_matrix`` and
       ``tf.math.confusion_matrix``; its diagonal over its total is the accuracy.
    """
    from sklearn.metrics import confusion_matrix

    run, result = train(), evaluate_held_out()
    model, data = run["model"], run["data"]
    x, y = data["x_test"], data["y_test"]
    np.testing.assert_array_equal(one_hot(y), np.eye(NUM_CLASSES)[y])

    keras_p = result["probabilities"]  # model.predict(x_test), in evaluate_held_out
    numpy_p = numpy_forward(model, x)
    np.testing.assert_allclose(keras_p, numpy_p, rtol=1e-4, atol=1e-6)

    loss, accuracy = model.evaluate(make_dataset(x, y, len(x)), verbose=0)
    numpy_loss = float(-np.mean(np.log(numpy_p[np.arange(len(y)), y])))
    numpy_accuracy = float(np.mean(numpy_p.argmax(axis=1) == y))
    np.testing.assert_allclose(loss, numpy_loss, rtol=1e-4)
    np.testing.assert_allclose(accuracy, numpy_accuracy, rtol=1e-6)

    ours = confusion_numpy(y, result["predicted"])
    by_sklearn = confusion_matrix(y, result["predicted"], labels=np.arange(NUM_CLASSES))
    by_tf = tf.math.confusion_matrix(y, result["predicted"], num_classes=NUM_CLASSES).numpy()
    np.testing.assert_array_equal(ours, by_sklearn)
    np.testing.assert_array_equal(ours, by_tf)
    np.testing.assert_allclose(np.trace(ours) / ours.sum(), accuracy, rtol=1e-6)
    return {
        "to_categorical == np.eye(10)[labels]": True,
        "predict vs NumPy forward, max difference": float(np.abs(keras_p - numpy_p).max()),
        "evaluate loss": float(loss),
        "NumPy mean -log p(true digit)": numpy_loss,
        "evaluate accuracy": float(accuracy),
        "NumPy share of correct argmax": numpy_accuracy,
        "confusion: NumPy == sklearn == tf.math": True,
        "trace / total of the confusion matrix": float(np.trace(ours) / ours.sum()),
    }


def show_cross_check() -> None:
    """NumPy, scikit-learn and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def plot_digits():
    """One digit with its 64 numbers, and the first image of every digit 0..9."""
    import matplotlib.pyplot as plt

    data = load_data()
    images, labels = data["images"], data["labels"]
    fig = plt.figure(figsize=(9, 3.2), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1, 1.6])
    ax = left.subplots()
    ax.imshow(images[0], cmap="gray_r", vmin=0, vmax=PIXEL_MAX)
    for (r, c), v in np.ndenumerate(images[0].astype(int)):
        ax.text(c, r, str(v), ha="center", va="center", fontsize=8,
                color="white" if v > 8 else "black")
    ax.set(xticks=[], yticks=[])
    ax.set_title(f"image 0 (label {labels[0]}): ink 0..16", fontsize=10)
    axes = right.subplots(2, 5)
    for digit, ax in zip(range(NUM_CLASSES), axes.flat):
        ax.imshow(images[np.flatnonzero(labels == digit)[0]], cmap="gray_r",
                  vmin=0, vmax=PIXEL_MAX)
        ax.set(xticks=[], yticks=[])
        ax.set_title(f"label {digit}", fontsize=9)
    right.suptitle("One example of every digit (8×8 pixels)", fontsize=10)
    return fig


def plot_training_curves():
    """Training vs validation loss and accuracy per epoch, and the test accuracy."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    history = train()["history"]
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(epochs, history["loss"], "o-", ms=3, label="training (dropout on)")
    ax1.plot(epochs, history["val_loss"], "s-", ms=3, label="validation")
    ax1.set(xlabel="epoch", ylabel="categorical cross-entropy", ylim=(0, None),
            title="Loss per epoch")
    ax1.legend()
    ax2.plot(epochs, history["accuracy"], "o-", ms=3, label="training (dropout on)")
    ax2.plot(epochs, history["val_accuracy"], "s-", ms=3, label="validation")
    ax2.axhline(evaluate_held_out()["accuracy"], color="k", ls=":", lw=1,
                label="held-out test, after training")
    lowest = min(history["accuracy"].min(), history["val_accuracy"].min())
    ax2.set(xlabel="epoch", ylabel="accuracy", ylim=(np.floor(lowest * 10) / 10, 1.0),
            title="Accuracy per epoch")
    ax2.legend(loc="lower right")
    for ax in (ax1, ax2):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    return fig


def plot_confusion():
    """The confusion matrix of the test set, with the counts written in."""
    import matplotlib.pyplot as plt

    result = evaluate_held_out()
    matrix = result["confusion"]
    errors = matrix - np.diag(np.diag(matrix))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    for ax, shown, title in [(ax1, matrix, "Confusion matrix (test set)"),
                             (ax2, errors, "Errors only (diagonal removed)")]:
        ax.imshow(shown, cmap="Blues", vmin=0, vmax=max(1, shown.max()))
        for (i, j), v in np.ndenumerate(shown):
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=8,
                        color="white" if v > shown.max() / 2 else "black")
        ax.set_xticks(range(NUM_CLASSES))
        ax.set_yticks(range(NUM_CLASSES))
        ax.set(xlabel="predicted digit", ylabel="true digit", title=title)
    return fig


def plot_misclassified(max_shown: int = 16):
    """The misclassified test digits, each with its true and predicted label."""
    import matplotlib.pyplot as plt

    result = evaluate_held_out()
    data = split_data()
    images = load_data()["images"]
    wrong = result["wrong"][:max_shown]
    cols = max(1, len(wrong)) if len(wrong) <= 10 else 8
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(9, rows * (9 / cols + 0.55) + 0.3), layout="constrained",
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(images[data["idx_test"][i]], cmap="gray_r", vmin=0, vmax=PIXEL_MAX)
        p = result["probabilities"][i, result["predicted"][i]]
        ax.set_title(f"true {result['true'][i]}, pred {result['predicted'][i]}\np = {p:.2f}",
                     fontsize=8)
    fig.suptitle(f"The {len(result['wrong'])} misclassified test digits", fontsize=10)
    return fig


def load_mnist() -> dict[str, np.ndarray]:
    """Download MNIST (about 11 MB, cached in ``~/.keras/datasets``) as flat inputs.

    Needs internet the first time. 60 000 training and 10 000 test images of
    28×28 pixels, values 0..255, become 784 inputs in [0, 1]. Never called by
    the page, the command line or the tests.
    """
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return {
        "x_train": to_inputs(x_train, 255.0), "y_train": y_train,
        "x_test": to_inputs(x_test, 255.0), "y_test": y_test,
    }


def train_on_mnist(epochs: int = MNIST_EPOCHS, data: dict | None = None,
                   seed_value: int = 0, val_size: int | None = None) -> dict:
    """The same recipe on MNIST: 784 inputs, wider hidden layers, a few epochs.

    Run it yourself (downloads MNIST the first time; a minute or so on a CPU)::

        python -m glossary_examples run handwritten-digits --mnist

    ``data`` takes a dict shaped like ``load_mnist()``'s instead of downloading
    (the tests pass one, so this path runs without internet); ``val_size``
    training images (default ``MNIST_VAL``) are kept aside for validation.
    Prints and returns the held-out accuracy on the test images (MNIST's
    10 000).
    """
    from sklearn.model_selection import train_test_split

    data = load_mnist() if data is None else data
    val_size = MNIST_VAL if val_size is None else val_size
    x_train, x_val, y_train, y_val = train_test_split(
        data["x_train"], data["y_train"], test_size=val_size, stratify=data["y_train"],
        random_state=SPLIT_SEED)
    model = build_model(n_inputs=x_train.shape[1], hidden=MNIST_HIDDEN, seed_value=seed_value)
    history = fit_model(model, x_train, y_train, x_val, y_val, epochs, MNIST_BATCH, seed_value)
    predicted = model.predict(data["x_test"], verbose=0).argmax(axis=1)
    accuracy = float(np.mean(predicted == data["y_test"]))
    print(table({
        "training / validation / test images": f"{len(x_train)} / {len(x_val)} / {len(predicted)}",
        "inputs per image": x_train.shape[1],
        "parameters": model.count_params(),
        "epochs": epochs,
        "validation accuracy per epoch": [round(float(a), 4) for a in history["val_accuracy"]],
        "held-out test accuracy": accuracy,
    }))
    return {"model": model, "history": history, "accuracy": accuracy,
            "confusion": confusion_numpy(data["y_test"], predicted)}


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_data,
    plot_digits,
    show_split,
    show_model,
    show_training,
    show_evaluation,
    plot_training_curves,
    plot_confusion,
    plot_misclassified,
    show_cross_check,
)
