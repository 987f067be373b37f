"""Overfitting (过拟合): a model fits its training data better than new data from the same source.

The gap between accuracy (or loss) on the training set and on held-out data
that was never trained on measures it. A network with enough weights can
memorise labels that carry no information at all: its training accuracy
climbs while its held-out accuracy stays at chance.

>>> accuracy(np.array([[0.1, 0.9], [0.8, 0.2], [0.6, 0.4]]), np.array([1, 0, 1]))
0.6666666666666666
>>> float(np.round(numpy_crossentropy(np.array([[0.25, 0.75]]), np.array([1])), 4))
0.2877
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, separated

# The source's experiment: random inputs, random labels, a small MLP, rmsprop.
N = 1000  # training examples; as many again are held out
DIM = 100
CLASSES = 10
UNITS = 100
EPOCHS = 100
BATCH = 32  # Keras's default batch size
STEPS = math.ceil(N / BATCH)  # 32 batches per epoch, the last one of 8 examples
CHANCE = 1 / CLASSES
SOURCE_ACCURACY = 0.8  # the source's "about 80%"
ABOUT_80 = (0.7, 0.9)  # "about 80%"
CHANCE_MARGIN = 0.03  # held-out accuracy within 0.03 of chance (3 binomial std for 1000)
GENERALISES = 0.1  # "predictions are correct": held-out at most 0.1 below training
COMPARE_EPOCHS = 20  # the 5-seed comparison of random and rule labels
EVERY = 5  # ... measured every 5 epochs


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose most probable class is the label."""
    return float(np.mean(np.argmax(probs, axis=-1) == labels))


def numpy_crossentropy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean categorical cross-entropy, −log of the probability of the true class."""
    return float(-np.mean(np.log(probs[np.arange(len(labels)), labels])))


def make_data(labels: str = "random", seed_value: int = 0) -> dict[str, np.ndarray]:
    """1000 training and 1000 held-out examples: 100 uniform random inputs each.

    ``labels="random"``: integers 0..9 drawn independently of the inputs, as
    in the source. ``labels="rule"``: the same kind of inputs labelled by a
    fixed random linear rule, argmax((x − 0.5) T), so there is something to learn.
    """
    rng = np.random.default_rng(seed_value)
    x = rng.random((2 * N, DIM)).astype("float32")
    if labels == "random":
        y = rng.integers(0, CLASSES, size=2 * N)
    elif labels == "rule":
        rule = rng.normal(size=(DIM, CLASSES))
        y = np.argmax((x - 0.5) @ rule, axis=1)
    else:
        raise ValueError(f"labels must be 'random' or 'rule', not {labels!r}")
    return {"x_train": x[:N], "y_train": y[:N], "x_held": x[N:], "y_held": y[N:]}


def source_model(seed_value: int = 0):
    """Dense(100, relu) + Dense(10, softmax), compiled as in the source (rmsprop)."""
    keras.utils.set_random_seed(seed_value)
    model = keras.Sequential([
        keras.Input((DIM,)),
        keras.layers.Dense(UNITS, activation="relu"),
        keras.layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def numpy_predict(weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """The model's forward pass in NumPy: softmax(relu(x W1 + b1) W2 + b2).

    Works for one network (x: examples × 100) and for K stacked copies
    (x: K × examples × 100, weights with a leading axis K) alike.
    """
    w1, b1, w2, b2 = weights
    z = np.maximum(0.0, x @ w1 + b1[..., None, :]) @ w2 + b2[..., None, :]
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@functools.cache
def epoch_order() -> np.ndarray:
    """Row e: the order in which epoch e takes the 1000 training examples (EPOCHS rows).

    ``Dataset.shuffle(N, seed=0)``, reshuffled every epoch: the order in
    which ``fit`` takes the examples from
    ``Dataset.from_tensor_slices((x, y)).shuffle(N, seed=0).batch(32)``.
    """
    keras.utils.set_random_seed(0)
    shuffles = tf.data.Dataset.range(N).shuffle(N, seed=0).batch(N).repeat(EPOCHS)
    return shuffles.batch(EPOCHS).get_single_element().numpy()


def fit_compiled(model, loss_fn, x, y, order) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """What ``model.fit`` does, epoch after epoch, run as one compiled TensorFlow call.

    Epoch e takes the examples in the order ``order[e]``, 32 at a time (the
    last batch has 8); each batch is one step: forward pass, ``loss_fn``
    averaged over the batch, gradients, one update by the model's optimizer.
    These are ``fit``'s steps, without its Python work between epochs.
    Returns, per epoch, the accuracy ``fit`` reports (the share of the
    epoch's examples whose most probable class was right at their step) and
    a copy of the weights after the epoch.
    """
    variables = model.trainable_variables
    model.optimizer.build(variables)
    x, y, order = tf.constant(x), tf.constant(y), tf.constant(order)
    epochs = len(order)

    @tf.function
    def loop():
        accuracy = tf.TensorArray(tf.float32, size=epochs)
        kept = [tf.TensorArray(tf.float32, size=epochs) for _ in variables]
        for epoch in tf.range(epochs):
            correct = tf.zeros(y.shape[1:-1])  # one count per copy of a stacked model
            for start in tf.range(0, len(x), BATCH):
                batch = order[epoch, start:start + BATCH]
                xb, yb = tf.gather(x, batch), tf.gather(y, batch)
                with tf.GradientTape() as tape:
                    probs = model(xb, training=True)
                    loss = loss_fn(yb, probs)
                grads = tape.gradient(loss, variables)
                model.optimizer.apply_gradients(zip(grads, variables))
                right = tf.argmax(probs, axis=-1) == tf.argmax(yb, axis=-1)
                correct += tf.reduce_sum(tf.cast(right, tf.float32), axis=0)
            accuracy = accuracy.write(epoch, correct / len(x))
            kept = [a.write(epoch, v.value) for a, v in zip(kept, variables)]
        return accuracy.stack(), [a.stack() for a in kept]

    accuracy, kept = loop()
    kept = [a.numpy() for a in kept]
    return accuracy.numpy(), [[a[e] for a in kept] for e in range(epochs)]


@functools.cache
def train() -> dict:
    """The source's run: its model, 100 epochs with batches of 32, random labels.

    Each epoch takes the 1000 examples in a new shuffled order, 32 at a
    time, the batches ``fit(x, y, batch_size=32)`` makes; ``fit_compiled``
    keeps the weights after every epoch, from which NumPy computes the
    held-out accuracy epoch by epoch.
    """
    d = make_data("random")
    model = source_model()
    one_hot = keras.utils.to_categorical(d["y_train"], CLASSES)
    fit_accuracy, weights = fit_compiled(model, keras.losses.CategoricalCrossentropy(),
                                         d["x_train"], one_hot, epoch_order())
    return {
        "model": model,
        "data": d,
        "weights": weights,
        "fit_accuracy": fit_accuracy,
        "held_accuracy": np.array([accuracy(numpy_predict(w, d["x_held"]), d["y_held"])
                                   for w in weights]),
    }


# --- Five seeds: random labels against labels from a rule ---------------------------


def stacked_model(seeds):
    """K copies of the source's network side by side, one per seed, trained as one model.

    The input has a copy axis: (batch, K, 100). Each ``EinsumDense`` holds K
    independent weight matrices (K × in × out) and applies copy k's to copy
    k's input. The loss is the *sum* of the copies' cross-entropies, so copy
    k gets exactly the gradient it would get alone, and RMSprop, which works
    weight by weight, updates it as it would update it alone. Copy k's
    kernels are Glorot-uniform draws with seed k (and 1000 + k).
    """

    def init(offset):
        def stacked_glorot(shape, dtype=None):  # (K, in, out): one Glorot draw per copy
            return np.stack([keras.initializers.GlorotUniform(seed=offset + s)(shape[1:])
                             for s in seeds])
        return stacked_glorot

    n = len(seeds)
    model = keras.Sequential([
        keras.Input((n, DIM)),
        keras.layers.EinsumDense("bki,kio->bko", (n, UNITS), bias_axes="ko", activation="relu",
                             kernel_initializer=init(0)),
        keras.layers.EinsumDense("bki,kio->bko", (n, CLASSES), bias_axes="ko",
                             activation="softmax", kernel_initializer=init(1000)),
    ])
    model.compile(optimizer="rmsprop", loss=summed_crossentropy)
    return model


def summed_crossentropy(y_true, y_pred):
    """The stacked model's loss: the copies' cross-entropies added, averaged over the batch."""
    return keras.ops.mean(keras.ops.sum(keras.losses.categorical_crossentropy(y_true, y_pred), axis=-1))


@functools.cache
def compare() -> dict:
    """Random labels and rule labels, 5 seeds each, trained as 10 stacked copies.

    The source's setting (rmsprop, batches of 32, a new shuffle every epoch,
    shared by the copies) for COMPARE_EPOCHS epochs. Accuracy on the training
    and the held-out examples every EVERY epochs, in NumPy.
    """
    kinds = ["random"] * SEEDS + ["rule"] * SEEDS
    seeds = list(range(SEEDS)) * 2
    data = [make_data(kind, s) for kind, s in zip(kinds, seeds)]
    x = {split: np.stack([d[f"x_{split}"] for d in data]) for split in ("train", "held")}
    y = {split: np.stack([d[f"y_{split}"] for d in data]) for split in ("train", "held")}
    keras.utils.set_random_seed(0)
    model = stacked_model(seeds)
    inputs = np.transpose(x["train"], (1, 0, 2))  # (examples, copies, 100)
    targets = keras.utils.to_categorical(y["train"].T, CLASSES)  # (examples, copies, 10)
    _, weights = fit_compiled(model, summed_crossentropy, inputs, targets,
                              epoch_order()[:COMPARE_EPOCHS])
    epochs = np.arange(EVERY, COMPARE_EPOCHS + 1, EVERY)
    acc = {split: np.array([(numpy_predict(weights[e - 1], x[split]).argmax(-1)
                             == y[split]).mean(axis=1) for e in epochs])
           for split in ("train", "held")}  # (epochs, copies)
    return {"model": model, "kinds": np.array(kinds), "epochs": epochs, "x": x, "y": y, **acc}


def show_example() -> None:
    """The source's run: accuracy at a few epochs, as fit reports it and on held-out data."""
    run = train()
    d = run["data"]
    print(f"{'epoch':>7}  {'fit accuracy':>12}  {'training set':>12}  {'held-out':>8}")
    for e in (1, 10, 25, 50, 75, EPOCHS):
        on_train = accuracy(numpy_predict(run["weights"][e - 1], d["x_train"]), d["y_train"])
        print(f"{e:>7}  {run['fit_accuracy'][e - 1]:>12.3f}"
              f"  {on_train:>12.3f}  {run['held_accuracy'][e - 1]:>8.3f}")
    glue("fit_acc", float(run["fit_accuracy"][-1]))
    glue("held_acc", float(run["held_accuracy"][-1]))
    glue("chance", CHANCE)
    print()
    print(table({"chance accuracy (1 / 10 classes)": CHANCE,
                 f"steps per epoch (ceil({N} / {BATCH}))": STEPS,
                 "weights in the model": glue("n_weights", run["model"].count_params())}))


def show_comparison() -> None:
    """Training and held-out accuracy after COMPARE_EPOCHS epochs, 5 seeds per kind of label."""
    c = compare()
    spreads = {}
    for kind in ("random", "rule"):
        for split in ("train", "held"):
            spreads[kind, split] = Spread.of(c[split][-1, c["kinds"] == kind])
    rows = {f"{kind} labels, {'training set' if split == 'train' else 'held-out'}": str(sp)
            for (kind, split), sp in spreads.items()}
    rows["rule vs random held-out: ranges separated"] = separated(
        spreads["random", "held"], spreads["rule", "held"])
    rows["rule labels, training vs held-out: separated"] = separated(
        spreads["rule", "train"], spreads["rule", "held"])
    for (kind, split), sp in spreads.items():
        glue(f"{kind}_{split}_min", sp.min)
        glue(f"{kind}_{split}_max", sp.max)
    glue("compare_epochs", COMPARE_EPOCHS)
    print(table(rows))


def cross_check() -> dict[str, object]:
    """The compiled loop against ``fit``, and Keras's outputs, loss and accuracy in NumPy.

    1. One epoch of ``model.fit`` on the shuffled Dataset, from the same
       start, ends with the weights and the accuracy of the compiled loop's
       first epoch.
    2. ``to_categorical`` is a row of the identity matrix per label.
    3. NumPy's forward pass with the weights kept after the last epoch
       equals Keras's (``model(x)``, what ``predict`` runs batch by batch).
    4. Keras's cross-entropy and accuracy of those outputs equal NumPy's,
       on the training and on the held-out set.
    5. Each copy of the stacked model computes what the source's model
       computes with that copy's weights.
    """
    run = train()
    model, d = run["model"], run["data"]
    one_hot = keras.utils.to_categorical(d["y_train"], CLASSES)
    np.testing.assert_array_equal(one_hot, np.eye(CLASSES)[d["y_train"]])
    fresh = source_model()  # the start of train()'s run
    data = tf.data.Dataset.from_tensor_slices((d["x_train"], one_hot)).shuffle(N, seed=0)
    history = fresh.fit(data.batch(BATCH), epochs=1, shuffle=False, verbose=0)
    gap = max(float(np.abs(a - b).max()) for a, b in zip(fresh.get_weights(), run["weights"][0]))
    np.testing.assert_allclose(gap, 0.0, atol=1e-6)
    np.testing.assert_allclose(history.history["accuracy"][0], run["fit_accuracy"][0], rtol=1e-6)
    out: dict[str, object] = {
        "epoch 1: accuracy reported by fit, by the compiled loop": [
            float(history.history["accuracy"][0]), float(run["fit_accuracy"][0])],
        "epoch 1: weights, fit vs the compiled loop: max |difference|": gap,
    }
    for a, b in zip(run["weights"][-1], model.get_weights()):
        np.testing.assert_array_equal(a, b)
    for split in ("train", "held"):
        x, y = d[f"x_{split}"], d[f"y_{split}"]
        probs = numpy_predict(model.get_weights(), x)
        outputs = model(x)
        np.testing.assert_allclose(probs, outputs.numpy(), rtol=1e-4, atol=1e-6)
        targets = keras.utils.to_categorical(y, CLASSES)
        loss = float(keras.losses.CategoricalCrossentropy()(targets, outputs))
        acc = float(keras.ops.mean(keras.metrics.categorical_accuracy(targets, outputs)))
        np.testing.assert_allclose(acc, accuracy(probs, y), rtol=1e-6)
        np.testing.assert_allclose(loss, numpy_crossentropy(probs, y), rtol=1e-4)
        name = "training set" if split == "train" else "held-out set"
        out[f"{name}: Keras accuracy, NumPy accuracy"] = [acc, accuracy(probs, y)]
        out[f"{name}: Keras loss, NumPy cross-entropy"] = [loss, numpy_crossentropy(probs, y)]
    out["cross-entropy of a uniform guess, log(10)"] = float(np.log(CLASSES))
    glue("held_loss", out["held-out set: Keras loss, NumPy cross-entropy"][0])
    c = compare()
    stacked = c["model"](np.transpose(c["x"]["held"], (1, 0, 2))).numpy()
    worst = 0.0
    for copy, weights in enumerate(zip(*c["model"].get_weights())):
        fresh.set_weights(list(weights))
        alone = fresh(c["x"]["held"][copy]).numpy()
        np.testing.assert_allclose(stacked[:, copy], alone, rtol=1e-4, atol=1e-6)
        worst = max(worst, float(np.abs(stacked[:, copy] - alone).max()))
    out["stacked copies vs the source's model: max |difference|"] = worst
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
    run = train()
    d = run["data"]
    fit_acc = float(run["fit_accuracy"][-1])
    train_acc = accuracy(numpy_predict(run["weights"][-1], d["x_train"]), d["y_train"])
    held_acc = float(run["held_accuracy"][-1])
    reproduced = ABOUT_80[0] <= fit_acc <= ABOUT_80[1]
    if reproduced and held_acc >= train_acc - GENERALISES:
        verdict = "holds"
    elif abs(held_acc - CHANCE) <= CHANCE_MARGIN:
        verdict = "wrong"
    else:
        verdict = "conditions"
    c = compare()
    random_held = c["held"][-1, c["kinds"] == "random"]
    near_chance = int(np.sum(np.abs(random_held - CHANCE) <= CHANCE_MARGIN))
    glue("source_acc", SOURCE_ACCURACY)
    glue("about_lo", ABOUT_80[0])
    glue("about_hi", ABOUT_80[1])
    glue("train_acc", train_acc)
    glue("best_held", float(run["held_accuracy"].max()))
    glue("margin", CHANCE_MARGIN)
    glue("generalises", GENERALISES)
    glue("n_near", near_chance)
    return ClaimCheck("overfitting-random-labels", verdict, {
        f"fit accuracy, epoch {EPOCHS} (the source's number)": fit_acc,
        "accuracy about 80% (0.7 to 0.9)": reproduced,
        "training-set accuracy after training": train_acc,
        "held-out accuracy after training": held_acc,
        "chance accuracy": CHANCE,
        "best held-out accuracy in any epoch": float(run["held_accuracy"].max()),
        f"5 seeds, epoch {COMPARE_EPOCHS}: held-out accuracy": str(Spread.of(random_held)),
        f"  ... seeds within {CHANCE_MARGIN} of chance": f"{near_chance} of {SEEDS}",
    })


def plot_accuracy():
    """Left: the source's run. Right: 5 seeds of random and of rule labels."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
    run = train()
    epochs = np.arange(1, EPOCHS + 1)
    ax1.plot(epochs, run["fit_accuracy"], color="C0", label="accuracy reported by fit")
    ax1.plot(epochs, run["held_accuracy"], color="C1", label="held-out set")
    ax1.fill_between(epochs, run["held_accuracy"], run["fit_accuracy"], color="C1", alpha=0.12)
    ax1.text(62, 0.42, "overfitting\ngap", fontsize=9, ha="center")
    ax1.axhline(CHANCE, color="k", ls=":", lw=1, label="chance (1/10)")
    ax1.set(xlabel="epoch", ylabel="accuracy", title="The source's run: random labels",
            ylim=(0, 1), xlim=(0, EPOCHS))
    ax1.legend(loc="upper left", fontsize=8)
    c = compare()
    for kind, color in (("random", "C0"), ("rule", "C2")):
        for split, style in (("train", "-"), ("held", "--")):
            acc = c[split][:, c["kinds"] == kind]
            label = f"{kind} labels, {'training' if split == 'train' else 'held-out'}"
            ax2.plot(c["epochs"], acc.mean(axis=1), style, color=color, marker="o", ms=3,
                     label=label)
            ax2.fill_between(c["epochs"], acc.min(axis=1), acc.max(axis=1), color=color,
                             alpha=0.15)
    ax2.axhline(CHANCE, color="k", ls=":", lw=1)
    ax2.set(xlabel="epoch", title="5 seeds each: mean and range", xlim=(0, COMPARE_EPOCHS),
            xticks=np.arange(0, COMPARE_EPOCHS + 1, EVERY))
    ax2.legend(loc="upper left", fontsize=8)
    return fig


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_comparison, plot_accuracy, show_cross_check,
        check_overfitting_random_labels)
