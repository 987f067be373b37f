"""Sequence model (序列模型): a model whose input or output is an ordered sequence of steps.

In Keras a batch of sequences is a tensor shaped (batch, time, features).

Sequence data (text, audio, prices, sensor readings) is a list of steps whose
order carries meaning. A batch of sequences of different lengths becomes one
tensor by *padding* the short ones, and a *mask* tells the layers which steps
are real:

>>> x, mask = pad_and_mask([[[1.0], [2.0], [3.0]], [[4.0]]])
>>> x.shape, x[1, :, 0].tolist(), mask.tolist()
((2, 3, 1), [4.0, 0.0, 0.0], [[True, True, True], [True, False, False]])

Order can matter: a sequence and its reverse hold the same values (the same
"bag"), but one rises where the other falls.

>>> rising(np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])).tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import functools

import numpy as np

from ._lib.report import table
from ._lib.runtime import full_batch_loop, keras, seed, tf

STEPS = 8  # time steps of the order experiment
N_TRAIN = 1024
N_TEST = 512
TRAIN_STEPS = 400  # full-batch Adam steps
TASKS = ("sign of the sum", "rising or falling")
MODELS = ("bag of inputs", "SimpleRNN")


def pad_and_mask(sequences) -> tuple[np.ndarray, np.ndarray]:
    """Pad sequences of (time, features) arrays with zeros at the end; mask the padding.

    Returns an array (batch, longest, features) and a boolean mask (batch,
    longest) that is True on the real steps.
    """
    sequences = [np.asarray(s, dtype="float32") for s in sequences]
    longest = max(len(s) for s in sequences)
    x = np.zeros((len(sequences), longest, sequences[0].shape[1]), dtype="float32")
    mask = np.zeros((len(sequences), longest), dtype=bool)
    for i, s in enumerate(sequences):
        x[i, : len(s)] = s
        mask[i, : len(s)] = True
    return x, mask


def sum_sign(x) -> np.ndarray:
    """Label 1 if the values of a sequence add up to more than 0: order does not matter."""
    return (np.asarray(x).sum(axis=1) > 0).astype("float32")


def rising(x) -> np.ndarray:
    """Label 1 if the sequence rises (its least-squares slope over time is > 0): order matters."""
    x = np.asarray(x, dtype="float64")
    centred_time = np.arange(x.shape[1]) - (x.shape[1] - 1) / 2
    return (x @ centred_time > 0).astype("float32")


def task_data(seed_value: int = 0) -> dict[str, np.ndarray]:
    """Random sequences of STEPS standard-normal values (one feature) and both labels."""
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(N_TRAIN + N_TEST, STEPS)).astype("float32")
    return {
        "x": x[..., None],
        "sign of the sum": sum_sign(x)[:, None],
        "rising or falling": rising(x)[:, None],
    }


def make_model(kind: str):
    """A small classifier of sequences shaped (batch, STEPS, 1).

    ``"bag of inputs"``: the same Dense layer on every step, then the mean
    over time, then Dense layers: it sees which values occur, not in which
    order. ``"SimpleRNN"``: a recurrent layer reads the steps in order.
    """
    k = keras()
    if kind == "bag of inputs":
        body = [k.layers.Dense(16, activation="relu"), k.layers.GlobalAveragePooling1D(),
                k.layers.Dense(16, activation="relu")]
    else:
        body = [k.layers.SimpleRNN(16, seed=0)]
    return k.Sequential([k.Input((STEPS, 1)), *body, k.layers.Dense(1, activation="sigmoid")])


@functools.cache
def trained(kind: str, task: str):
    """``make_model(kind)`` after TRAIN_STEPS full-batch Adam steps on ``task`` (seeded)."""
    k, t = keras(), tf()
    data = task_data()
    seed(0)
    model = make_model(kind)
    optimizer = k.optimizers.Adam(learning_rate=0.01)
    optimizer.build(model.trainable_variables)
    full_batch_loop()(model, optimizer, k.losses.BinaryCrossentropy(),
                      t.constant(data["x"][:N_TRAIN]), t.constant(data[task][:N_TRAIN]),
                      t.constant(TRAIN_STEPS))
    return model


def held_out_accuracy(kind: str, task: str) -> float:
    """Accuracy of the trained model on the N_TEST held-out sequences."""
    data = task_data()
    predicted = trained(kind, task)(data["x"][N_TRAIN:]).numpy() > 0.5
    return float(np.mean(predicted == (data[task][N_TRAIN:] > 0.5)))


def accuracies() -> dict[str, list[float]]:
    """Test accuracy of each model on each task: ``{task: [bag, rnn]}``."""
    return {task: [held_out_accuracy(kind, task) for kind in MODELS] for task in TASKS}


def shuffled_time_effect(task: str = "rising or falling") -> dict[str, float]:
    """Reverse the time axis of the test sequences: how much do the predictions move?

    The bag-of-inputs model is blind to order, so its outputs stay the same
    (asserted, up to float rounding); the RNN's change.
    """
    x = task_data()["x"][N_TRAIN:]
    out = {}
    for kind in MODELS:
        model = trained(kind, task)
        before, after = model(x).numpy(), model(x[:, ::-1]).numpy()
        if kind == "bag of inputs":
            np.testing.assert_allclose(after, before, atol=1e-6)
        out[kind] = [float(np.abs(after - before).max()),
                     float(np.mean((after > 0.5) != (before > 0.5)))]
    return out


@functools.cache
def task_shapes() -> dict[str, list]:
    """Input and output shapes of three kinds of sequence task, from real Keras models.

    many-to-one: a SimpleRNN returns its last state (``return_sequences=False``);
    many-to-many: it returns every state (``return_sequences=True``) and a
    Dense layer maps each one; one-to-many: ``RepeatVector`` feeds one input
    vector to every step.
    """
    k = keras()
    seed(0)
    batch, steps, features = 4, 10, 3
    seq = np.random.default_rng(0).normal(size=(batch, steps, features)).astype("float32")
    vec = seq[:, 0]
    models = {
        "many-to-one (classify a sentence)": (seq, k.Sequential([
            k.Input((steps, features)), k.layers.SimpleRNN(5), k.layers.Dense(2)])),
        "many-to-many (tag every word)": (seq, k.Sequential([
            k.Input((steps, features)), k.layers.SimpleRNN(5, return_sequences=True),
            k.layers.Dense(2)])),
        "one-to-many (generate from one input)": (vec, k.Sequential([
            k.Input((features,)), k.layers.RepeatVector(steps),
            k.layers.SimpleRNN(5, return_sequences=True), k.layers.Dense(2)])),
    }
    return {name: [x.shape, tuple(model(x).shape)] for name, (x, model) in models.items()}


def variable_length_sequences() -> list[np.ndarray]:
    """Three sequences of 2 features with 5, 3 and 2 steps (no step is all zeros)."""
    rng = np.random.default_rng(1)
    return [rng.uniform(0.5, 1.5, size=(n, 2)).astype("float32") for n in (5, 3, 2)]


def cross_check() -> dict[str, object]:
    """NumPy padding and mask equal Keras's; with the mask, padding changes nothing.

    ``keras.utils.pad_sequences(padding="post")`` must give NumPy's padded
    array and ``keras.layers.Masking`` NumPy's mask. A ``SimpleRNN`` behind
    ``Masking`` must return for each padded sequence exactly what it returns
    for the sequence alone, unpadded; without the mask it does not.
    """
    k = keras()
    seqs = variable_length_sequences()
    x, mask = pad_and_mask(seqs)
    keras_x = k.utils.pad_sequences(seqs, padding="post", dtype="float32")
    np.testing.assert_array_equal(keras_x, x)
    keras_mask = k.layers.Masking(mask_value=0.0).compute_mask(x).numpy()
    np.testing.assert_array_equal(keras_mask, mask)
    seed(0)
    rnn = k.layers.SimpleRNN(4, seed=0)
    masked = rnn(x, mask=keras_mask).numpy()
    unmasked = rnn(x).numpy()
    alone = np.concatenate([rnn(s[None]).numpy() for s in seqs])
    np.testing.assert_allclose(masked, alone, rtol=1e-6, atol=1e-6)
    return {
        "lengths": [len(s) for s in seqs],
        "padded shape (batch, time, features)": x.shape,
        "mask (1 = real step)": [m.astype(int).tolist() for m in mask],
        "padded arrays equal (NumPy, pad_sequences)": bool(np.array_equal(keras_x, x)),
        "masks equal (NumPy, Masking)": bool(np.array_equal(keras_mask, mask)),
        "max |masked − unpadded alone|": float(np.abs(masked - alone).max()),
        "max |no mask − unpadded alone|": float(np.abs(unmasked - alone).max()),
    }


def plot_order_task():
    """A sequence and its reverse (left); test accuracy of both models on both tasks (right)."""
    import matplotlib.pyplot as plt

    data = task_data()
    x = data["x"][N_TRAIN:, :, 0]
    i = int(np.argmax(np.abs(x @ (np.arange(STEPS) - (STEPS - 1) / 2))))  # a clear trend
    steps = np.arange(1, STEPS + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for values, style, name in ((x[i], "o-", "a sequence"), (x[i, ::-1], "s--", "its reverse")):
        trend = "rising" if rising(values[None])[0] else "falling"
        ax1.plot(steps, values, style, label=f"{name}: {trend}")
    ax1.set(xlabel="time step", ylabel="value", title="Same values, opposite order")
    ax1.legend(fontsize=8)
    acc = accuracies()
    width = 0.38
    pos = np.arange(len(TASKS))
    for j, kind in enumerate(MODELS):
        bars = ax2.bar(pos + (j - 0.5) * width, [acc[task][j] for task in TASKS], width, label=kind)
        ax2.bar_label(bars, fmt="%.2f", fontsize=8)
    ax2.axhline(0.5, color="gray", ls="--", lw=1, label="chance")
    ax2.set(xticks=pos, xticklabels=[f"{t}\n(order {'matters' if t == TASKS[1] else 'irrelevant'})"
                                     for t in TASKS],
            ylabel="test accuracy", ylim=(0, 1.3), title=f"{N_TEST} held-out sequences")
    ax2.legend(fontsize=8, loc="upper center", ncol=3)
    return fig


def show_shapes() -> None:
    """(batch, time, features) in, and what comes out, for three kinds of task."""
    print("input shape -> output shape")
    print(table(task_shapes()))


def show_order_task() -> None:
    """Bag of inputs vs SimpleRNN: test accuracy, and what reversing time does."""
    rows = {f"test accuracy, {task} (bag, RNN)": acc for task, acc in accuracies().items()}
    for kind, (shift, flipped) in shuffled_time_effect().items():
        rows[f"time reversed, {kind}: max |Δ output|, labels flipped"] = [shift, flipped]
    print(table(rows))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_shapes, show_order_task, plot_order_task, show_cross_check)
