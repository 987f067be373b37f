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

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower

STEPS = 8  # time steps of the order experiment
N_TRAIN = 512
N_TEST = 512
TRAIN_STEPS = 150  # full-batch Adam steps (in these runs, test accuracy changes little after)
RNN_UNITS = 8
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
    """A small classifier of sequences shaped (batch, STEPS, 1); it outputs a logit.

    ``"bag of inputs"``: the same Dense layer on every step, then the mean
    over time, then Dense layers: it sees which values occur, not in which
    order. ``"SimpleRNN"``: a recurrent layer reads the steps in order.
    """
    if kind == "bag of inputs":
        body = [keras.layers.Dense(16, activation="relu"), keras.layers.GlobalAveragePooling1D(),
                keras.layers.Dense(16, activation="relu")]
    else:
        body = [keras.layers.SimpleRNN(RNN_UNITS)]
    return keras.Sequential([keras.Input((STEPS, 1)), *body, keras.layers.Dense(1)])


@functools.cache
def initial_weights(kind: str, seed_value: int) -> list[np.ndarray]:
    """The weights Keras's default initializers give :func:`make_model`, seeded:
    ``glorot_uniform`` kernels, an orthogonal recurrent kernel, zero biases."""

    def glorot(shape, offset=0):
        return keras.initializers.GlorotUniform(seed=seed_value + offset)(shape).numpy()

    zeros = functools.partial(np.zeros, dtype="float32")
    if kind == "bag of inputs":
        return [glorot((1, 16)), zeros(16), glorot((16, 16), 50), zeros(16),
                glorot((16, 1), 100), zeros(1)]
    n = RNN_UNITS
    recurrent = keras.initializers.Orthogonal(seed=seed_value)((n, n)).numpy()
    return [glorot((1, n)), recurrent, zeros(n), glorot((n, 1), 100), zeros(1)]


def stacked_logits(kind: str, weights, x):
    """The logits of many classifiers at once: every weight has a leading axis,
    one entry per classifier; ``x`` (batch, STEPS, 1) is shared. Shape (classifiers, batch)."""
    if kind == "bag of inputs":
        w1, b1, w2, b2, w3, b3 = weights
        h = tf.nn.relu(tf.matmul(x[None], w1[:, None]) + b1[:, None, None])  # Dense on every step
        h = tf.reduce_mean(h, axis=2)  # GlobalAveragePooling1D: the mean over time
        h = tf.nn.relu(tf.einsum("mnh,mhk->mnk", h, w2) + b2[:, None])
    else:
        kernel, recurrent, bias, w3, b3 = weights
        h = tf.zeros([kernel.shape[0], tf.shape(x)[0], kernel.shape[2]])
        for x_t in tf.unstack(x, axis=1):  # SimpleRNN: h_t = tanh(x_t W_x + h_(t-1) W_h + b)
            h = tf.tanh(tf.einsum("nf,mfh->mnh", x_t, kernel)
                       + tf.einsum("mnh,mhk->mnk", h, recurrent) + bias[:, None])
    return (tf.einsum("mnh,mho->mno", h, w3) + b3[:, None])[..., 0]


@functools.cache
def trained() -> dict[str, list[np.ndarray]]:
    """Both kinds of classifier, for both tasks and ``SEEDS`` seeds each, after
    TRAIN_STEPS full-batch Adam steps: the trained weights, stacked in the order
    (task, seed). The classifiers share no weights, and Adam works element by
    element, so training them together on the sum of their losses trains each
    one as if it were alone. For speed, all the weights live in one flat
    variable (Adam's update of it is the same, element by element, as that of
    the separate weight arrays), cut back into arrays for every forward pass."""
    data = task_data()
    members = [(task, s) for task in TASKS for s in range(SEEDS)]
    x = tf.constant(data["x"][:N_TRAIN])
    y = tf.constant(np.stack([data[task][:N_TRAIN, 0] for task, _ in members]))
    arrays = [np.stack(w) for kind in MODELS
              for w in zip(*(initial_weights(kind, s) for _, s in members))]
    counts = {kind: len(initial_weights(kind, 0)) for kind in MODELS}
    flat = keras.Variable(np.concatenate([w.ravel() for w in arrays]))
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    optimizer.build([flat])

    def unflatten(vector) -> dict:  # the flat vector cut back into each kind's weight arrays
        parts = iter([tf.reshape(p, w.shape)
                      for p, w in zip(tf.split(vector, [w.size for w in arrays]), arrays)])
        return {kind: [next(parts) for _ in range(counts[kind])] for kind in MODELS}

    @tf.function(autograph=False)  # a graph loop, traced once without autograph's rewriting
    def train(steps):
        def step(i):
            with tf.GradientTape() as tape:
                weights, loss = unflatten(flat), 0.0
                for kind in MODELS:
                    logits = stacked_logits(kind, weights[kind], x)
                    loss += tf.reduce_sum(tf.reduce_mean(  # the sum of every classifier's own loss
                        tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits), axis=1))
            optimizer.apply_gradients([(tape.gradient(loss, flat), flat)])
            return (i + 1,)

        return tf.while_loop(lambda i: i < steps, step, (tf.constant(0),))

    train(tf.constant(TRAIN_STEPS))
    return {kind: [w.numpy() for w in weights] for kind, weights in unflatten(flat).items()}


def member(task: str, seed_value: int) -> int:
    """Index of one classifier in the stacks of :func:`trained`."""
    return TASKS.index(task) * SEEDS + seed_value


def held_out_accuracy(kind: str, task: str) -> np.ndarray:
    """Accuracy of each seed's trained classifier on the N_TEST held-out sequences."""
    data = task_data()
    rows = [member(task, s) for s in range(SEEDS)]
    weights = [w[rows] for w in trained()[kind]]
    predicted = stacked_logits(kind, weights, data["x"][N_TRAIN:]).numpy() > 0.0
    return np.mean(predicted == (data[task][N_TRAIN:, 0] > 0.5), axis=1)


@functools.cache
def accuracies() -> dict[str, list[np.ndarray]]:
    """Test accuracy of each model on each task, per seed: ``{task: [bag, rnn]}``."""
    return {task: [held_out_accuracy(kind, task) for kind in MODELS] for task in TASKS}


def keras_equivalence(task: str = "rising or falling") -> dict[str, float]:
    """Seed 0's trained classifiers, loaded into :func:`make_model`'s Keras
    models, give the same test logits as the stacked computation (asserted)."""
    x = task_data()["x"][N_TRAIN:]
    out = {}
    for kind in MODELS:
        weights = [w[member(task, 0)] for w in trained()[kind]]
        model = make_model(kind)
        model.set_weights(weights)
        keras_logits = model(x).numpy()[:, 0]
        stacked = stacked_logits(kind, [w[None] for w in weights], x).numpy()[0]
        np.testing.assert_allclose(stacked, keras_logits, rtol=1e-4, atol=1e-4)
        out[f"{kind}: max |stacked − Keras| logit"] = float(np.abs(stacked - keras_logits).max())
    return out


def shuffled_time_effect(task: str = "rising or falling") -> dict[str, list]:
    """Reverse the time axis of the test sequences: how much do the predictions move?

    The bag-of-inputs model is blind to order, so its outputs stay the same
    (asserted, up to float rounding); the RNN's change. Returns the largest
    change of a logit and the fraction of flipped labels, per seed.
    """
    x = task_data()["x"][N_TRAIN:]
    rows = [member(task, s) for s in range(SEEDS)]
    out = {}
    for kind in MODELS:
        weights = [w[rows] for w in trained()[kind]]
        before = stacked_logits(kind, weights, x).numpy()
        after = stacked_logits(kind, weights, x[:, ::-1]).numpy()
        if kind == "bag of inputs":
            np.testing.assert_allclose(after, before, atol=1e-5)
        out[kind] = [np.abs(after - before).max(axis=1), np.mean((after > 0) != (before > 0), axis=1)]
    return out


@functools.cache
def task_shapes() -> dict[str, list]:
    """Input and output shapes of three kinds of sequence task, from real Keras models.

    many-to-one: a SimpleRNN returns its last state (``return_sequences=False``);
    many-to-many: it returns every state (``return_sequences=True``) and a
    Dense layer maps each one; one-to-many: ``RepeatVector`` feeds one input
    vector to every step.
    """
    keras.utils.set_random_seed(0)
    batch, steps, features = 4, 10, 3
    seq = np.random.default_rng(0).normal(size=(batch, steps, features)).astype("float32")
    vec = seq[:, 0]
    models = {
        "many-to-one (classify a sentence)": (seq, keras.Sequential([
            keras.Input((steps, features)), keras.layers.SimpleRNN(5), keras.layers.Dense(2)])),
        "many-to-many (tag every word)": (seq, keras.Sequential([
            keras.Input((steps, features)), keras.layers.SimpleRNN(5, return_sequences=True),
            keras.layers.Dense(2)])),
        "one-to-many (generate from one input)": (vec, keras.Sequential([
            keras.Input((features,)), keras.layers.RepeatVector(steps),
            keras.layers.SimpleRNN(5, return_sequences=True), keras.layers.Dense(2)])),
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
    seqs = variable_length_sequences()
    x, mask = pad_and_mask(seqs)
    keras_x = keras.utils.pad_sequences(seqs, padding="post", dtype="float32")
    np.testing.assert_array_equal(keras_x, x)
    keras_mask = keras.layers.Masking(mask_value=0.0).compute_mask(x).numpy()
    np.testing.assert_array_equal(keras_mask, mask)
    keras.utils.set_random_seed(0)
    rnn = keras.layers.SimpleRNN(4, seed=0)
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
        values = [acc[task][j] for task in TASKS]
        means = np.array([v.mean() for v in values])
        spread = np.array([[m - v.min(), v.max() - m] for m, v in zip(means, values)]).T
        bars = ax2.bar(pos + (j - 0.5) * width, means, width, yerr=spread, capsize=3, label=kind)
        ax2.bar_label(bars, fmt="%.2f", fontsize=8, padding=6)
    ax2.axhline(0.5, color="gray", ls="--", lw=1, label="chance")
    ax2.set(xticks=pos, xticklabels=[f"{t}\n(order {'matters' if t == TASKS[1] else 'irrelevant'})"
                                     for t in TASKS],
            ylabel=f"test accuracy ({N_TEST} sequences)", ylim=(0, 1.3),
            title=f"{SEEDS} seeds: mean and range")
    ax2.legend(fontsize=8, loc="upper center", ncol=3)
    return fig


def show_shapes() -> None:
    """(batch, time, features) in, and what comes out, for three kinds of task."""
    print("input shape -> output shape")
    print(table(task_shapes()))


def show_order_task() -> None:
    """Bag of inputs vs SimpleRNN: test accuracy over the seeds, and what reversing time does."""
    acc = accuracies()
    rows = {f"test accuracy, {task}, {kind}": str(Spread.of(acc[task][j]))
            for task in TASKS for j, kind in enumerate(MODELS)}
    for kind, (shift, flipped) in shuffled_time_effect().items():
        rows[f"time reversed, {kind}: max |Δ logit|"] = float(shift.max())
        rows[f"time reversed, {kind}: labels flipped"] = str(Spread.of(flipped))
    slope_bag, slope_rnn = (Spread.of(a) for a in acc[TASKS[1]])
    rows["rising or falling: RNN above bag on every seed"] = lower(slope_bag, slope_rnn)
    rows.update(keras_equivalence())
    print(table(rows))
    glue("sum_bag_min", float(acc[TASKS[0]][0].min()))
    glue("sum_rnn_min", float(acc[TASKS[0]][1].min()))
    glue("slope_bag_min", slope_bag.min)
    glue("slope_bag_max", slope_bag.max)
    glue("slope_rnn_min", slope_rnn.min)
    glue("slope_rnn_max", slope_rnn.max)
    glue("flipped_min", float(shuffled_time_effect()["SimpleRNN"][1].min()))
    glue("n_train", N_TRAIN)
    glue("n_test", N_TEST)
    glue("train_steps", TRAIN_STEPS)


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_shapes, show_order_task, plot_order_task, show_cross_check)
