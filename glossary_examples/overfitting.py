"""Overfitting (过拟合): a model fits its training data better than new data from the same source.

The gap between accuracy (or loss) on the training set and on held-out data
that was never trained on measures it; *generalisation* (泛化) is how well the
model does on that held-out data. A network with enough weights can memorise
labels that carry no information at all: its training accuracy climbs while
its held-out accuracy stays at chance.

>>> accuracy(np.array([[0.1, 0.9], [0.8, 0.2], [0.6, 0.4]]), np.array([1, 0, 1]))
0.6666666666666666
>>> float(np.round(numpy_crossentropy(np.array([[0.25, 0.75]]), np.array([1])), 4))
0.2877
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import keras, seed, tf

# The source's experiment: random inputs, random labels, a small MLP, rmsprop.
N = 1000  # training examples; as many again are held out
DIM = 100
CLASSES = 10
UNITS = 100
EPOCHS = 100
BATCH = 32  # Keras's default batch size
CHANCE = 1 / CLASSES
ABOUT_80 = (0.7, 0.9)  # "about 80%"
CHANCE_MARGIN = 0.03  # held-out accuracy within 0.03 of chance (3 binomial std for 1000)
GENERALISES = 0.1  # "predictions are correct": held-out at most 0.1 below training


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose most probable class is the label."""
    return float(np.mean(np.argmax(probs, axis=1) == labels))


def numpy_crossentropy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean categorical cross-entropy, −log of the probability of the true class."""
    return float(-np.mean(np.log(probs[np.arange(len(labels)), labels])))


def make_data(labels: str = "random", seed_value: int = 0) -> dict[str, np.ndarray]:
    """1000 training and 1000 held-out examples: 100 uniform random inputs each.

    ``labels="random"``: integers 0..9 drawn independently of the inputs, as
    in the source. ``labels="teacher"``: the same inputs labelled by a fixed
    random linear rule, argmax((x − 0.5) T), so there is something to learn.
    """
    rng = np.random.default_rng(seed_value)
    x = rng.random((2 * N, DIM)).astype("float32")
    if labels == "random":
        y = rng.integers(0, CLASSES, size=2 * N)
    elif labels == "teacher":
        teacher = rng.normal(size=(DIM, CLASSES))
        y = np.argmax((x - 0.5) @ teacher, axis=1)
    else:
        raise ValueError(f"labels must be 'random' or 'teacher', not {labels!r}")
    return {"x_train": x[:N], "y_train": y[:N], "x_held": x[N:], "y_held": y[N:]}


def source_model(seed_value: int = 0):
    """Dense(100, relu) + Dense(10, softmax), compiled as in the source (rmsprop).

    ``steps_per_execution`` runs a whole epoch of steps per call into
    TensorFlow: the same arithmetic as the default, with less Python overhead.
    """
    k = keras()
    seed(seed_value)
    model = k.Sequential([
        k.Input((DIM,)),
        k.layers.Dense(UNITS, activation="relu"),
        k.layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=math.ceil(N / BATCH))
    return model


def numpy_predict(weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """The model's forward pass in NumPy: softmax(relu(x W1 + b1) W2 + b2)."""
    w1, b1, w2, b2 = weights
    z = np.maximum(0.0, x @ w1 + b1) @ w2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@functools.cache
def train(labels: str = "random") -> dict:
    """Train the source's model for 100 epochs with batches of 32.

    The data go in as a ``tf.data.Dataset`` reshuffled every epoch; a callback
    keeps the weights after every epoch, from which NumPy computes the
    accuracy on the training and on the held-out examples epoch by epoch.
    """
    k, t = keras(), tf()
    d = make_data(labels)
    model = source_model()
    one_hot = k.utils.to_categorical(d["y_train"], CLASSES)
    data = (t.data.Dataset.from_tensor_slices((d["x_train"], one_hot))
            .shuffle(N, seed=0).batch(BATCH))

    class KeepWeights(k.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights = []

        def on_epoch_end(self, epoch, logs=None):
            self.weights.append(self.model.get_weights())

    keep = KeepWeights()
    history = model.fit(data, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[keep])
    per_epoch = {
        split: np.array([accuracy(numpy_predict(w, d[f"x_{split}"]), d[f"y_{split}"])
                         for w in keep.weights])
        for split in ("train", "held")
    }
    return {
        "model": model,
        "data": d,
        "fit_accuracy": np.array(history.history["accuracy"]),
        "fit_loss": np.array(history.history["loss"]),
        "train_accuracy": per_epoch["train"],
        "held_accuracy": per_epoch["held"],
        "last_weights": keep.weights[-1],
    }


def show_example() -> None:
    """Accuracy at a few epochs: what fit reports, the training set, held-out data."""
    for labels in ("random", "teacher"):
        run = train(labels)
        title = {"random": "random labels (the source's experiment)",
                 "teacher": "labels from a fixed linear rule of the inputs"}[labels]
        print(f"{title}:")
        print(f"{'epoch':>7}  {'fit accuracy':>12}  {'training set':>12}  {'held-out':>8}")
        epochs = (1, 10, 25, 50, 75, EPOCHS) if labels == "random" else (1, 10, EPOCHS)
        for e in epochs:
            print(f"{e:>7}  {run['fit_accuracy'][e - 1]:>12.3f}"
                  f"  {run['train_accuracy'][e - 1]:>12.3f}  {run['held_accuracy'][e - 1]:>8.3f}")
        print()
    print(table({"chance accuracy (1 / 10 classes)": CHANCE,
                 f"steps per epoch (ceil({N} / {BATCH}))": math.ceil(N / BATCH),
                 "weights in the model": train("random")["model"].count_params()}))


def cross_check() -> dict[str, object]:
    """Keras's predictions, accuracy and loss, recomputed in NumPy.

    1. ``to_categorical`` is a row of the identity matrix per label.
    2. NumPy's forward pass with the weights the callback kept after the last
       epoch equals ``model.predict``.
    3. ``evaluate``'s loss and accuracy equal NumPy's cross-entropy and
       argmax accuracy, on the training and on the held-out set.
    """
    k = keras()
    run = train("random")
    model, d = run["model"], run["data"]
    np.testing.assert_array_equal(k.utils.to_categorical(d["y_train"], CLASSES),
                                  np.eye(CLASSES)[d["y_train"]])
    for a, b in zip(run["last_weights"], model.get_weights()):
        np.testing.assert_array_equal(a, b)
    out: dict[str, object] = {}
    for split in ("train", "held"):
        x, y = d[f"x_{split}"], d[f"y_{split}"]
        probs = numpy_predict(model.get_weights(), x)
        np.testing.assert_allclose(probs, model.predict(x, verbose=0), rtol=1e-4, atol=1e-6)
        loss, acc = model.evaluate(x, k.utils.to_categorical(y, CLASSES), verbose=0)
        np.testing.assert_allclose(acc, accuracy(probs, y), rtol=1e-6)
        np.testing.assert_allclose(loss, numpy_crossentropy(probs, y), rtol=1e-4)
        name = "training set" if split == "train" else "held-out set"
        out[f"{name}: evaluate accuracy, NumPy accuracy"] = [float(acc), accuracy(probs, y)]
        out[f"{name}: evaluate loss, NumPy cross-entropy"] = [float(loss),
                                                              numpy_crossentropy(probs, y)]
    out["cross-entropy of a uniform guess, log(10)"] = float(np.log(CLASSES))
    return out


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


def check_overfitting_random_labels() -> ClaimCheck:
    """Claim: the final accuracy is about 80%, and the predictions are correct.

    The final accuracy is what ``fit`` reports for the last epoch. "The
    predictions are correct" is tested where predictions matter, on the 1000
    held-out examples. Holds if the accuracy is in ABOUT_80 and held-out
    accuracy is at most GENERALISES below training accuracy; wrong if
    held-out accuracy is within CHANCE_MARGIN of chance; conditions otherwise.
    """
    run = train("random")
    fit_acc = float(run["fit_accuracy"][-1])
    train_acc = float(run["train_accuracy"][-1])
    held_acc = float(run["held_accuracy"][-1])
    reproduced = ABOUT_80[0] <= fit_acc <= ABOUT_80[1]
    if reproduced and held_acc >= train_acc - GENERALISES:
        verdict = "holds"
    elif abs(held_acc - CHANCE) <= CHANCE_MARGIN:
        verdict = "wrong"
    else:
        verdict = "conditions"
    teacher = train("teacher")
    return ClaimCheck("overfitting-random-labels", verdict, {
        f"fit accuracy, epoch {EPOCHS} (the source's number)": fit_acc,
        "accuracy about 80% (0.7 to 0.9)": reproduced,
        "training-set accuracy after training": train_acc,
        "held-out accuracy after training": held_acc,
        "chance accuracy": CHANCE,
        "best held-out accuracy in any epoch": float(run["held_accuracy"].max()),
        "teacher labels: training, held-out accuracy": [
            float(teacher["train_accuracy"][-1]), float(teacher["held_accuracy"][-1])],
    })


def plot_accuracy():
    """Accuracy per epoch on training and held-out data: random vs learnable labels."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
    titles = {"random": "Random labels: memorised, not learned",
              "teacher": "Labels from a rule: learned, with a gap"}
    for ax, labels in zip(axes, ("random", "teacher")):
        run = train(labels)
        epochs = np.arange(1, EPOCHS + 1)
        ax.plot(epochs, run["fit_accuracy"], color="C0", lw=1, ls="--",
                label="accuracy reported by fit")
        ax.plot(epochs, run["train_accuracy"], color="C0", label="training set")
        ax.plot(epochs, run["held_accuracy"], color="C1", label="held-out set")
        ax.axhline(CHANCE, color="k", ls=":", lw=1, label="chance (0.1)")
        ax.set(xlabel="epoch", title=titles[labels], ylim=(0, 1), xlim=(0, EPOCHS))
    axes[0].fill_between(epochs, train("random")["held_accuracy"],
                         train("random")["train_accuracy"], color="C1", alpha=0.12)
    axes[0].text(62, 0.42, "overfitting\ngap", fontsize=9, ha="center")
    axes[0].set_ylabel("accuracy")
    axes[1].legend(loc="lower right", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_accuracy, show_cross_check, check_overfitting_random_labels)
