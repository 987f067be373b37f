"""Input, hidden and output layers (输入层、隐藏层、输出层): where the data enters, is transformed, and leaves as the prediction.

The input layer only holds the data: it has no weights, and it has one unit
per input number (784 for a flattened 28×28 image). Hidden layers compute
features with learned weights. The output layer has one unit for regression
and for binary classification, and one unit per class otherwise.

>>> input_units((28, 28))
784
>>> output_units("regression"), output_units("binary"), output_units("multiclass", classes=10)
(1, 1, 10)
>>> rule_of_thumb_range("classification", classes=3)
(15, 30)
>>> rule_of_thumb_range("regression", input_dim=4)
(8, 12)
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, lower
from .epoch import network, stacked_apply, stacked_init

IMAGE = (28, 28)
HIDDEN = 64  # hidden units of the example digit network
CLASSES = 10

# --- the hidden-unit experiment ---------------------------------------------
STEPS = 400  # full-batch Adam steps, the same for every task, width and seed
LEARNING_RATE = 0.025
N_TRAIN, N_TEST = 200, 2000
SEED_VALUES = tuple(range(SEEDS))  # one initial-weight seed per run
K = 3  # classes of both classification tasks
D = 4  # input dimension of both regression tasks
CLASSIFICATION_WIDTHS = (2, 15, 30, 60)  # 5·K and 10·K, one far below, one far above
REGRESSION_WIDTHS = (2, 8, 12, 48)  # 2·D and 3·D, one far below, one far above


def input_units(shape) -> int:
    """Units of the input layer: one per number in an example, i.e. the product of its shape."""
    return int(np.prod(shape))


def output_units(task: str, classes: int = 2) -> int:
    """Units of the output layer: 1 for regression and binary classification, else one per class."""
    return 1 if task in ("regression", "binary") else classes


def rule_of_thumb_range(task: str, classes: int = 0, input_dim: int = 0) -> tuple[int, int]:
    """The claimed hidden-unit range: 5–10× the classes, or 2–3× the input dimension."""
    if task == "classification":
        return 5 * classes, 10 * classes
    return 2 * input_dim, 3 * input_dim


def digit_network(hidden: int = HIDDEN, seed_value: int = 0):
    """Input 28×28 → Flatten (784 units) → Dense(hidden, relu) → Dense(10, softmax)."""
    keras.utils.set_random_seed(seed_value)
    inputs = keras.Input(IMAGE, name="input")
    x = keras.layers.Flatten(name="flatten")(inputs)
    x = keras.layers.Dense(hidden, activation="relu", name="hidden")(x)
    outputs = keras.layers.Dense(CLASSES, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs)


def layer_table(model) -> list[tuple[str, str, str, int]]:
    """(name, type, output shape, number of weights) for every layer, the input layer included."""
    return [
        (layer.name, type(layer).__name__, str(tuple(layer.output.shape)), layer.count_params())
        for layer in model.layers
    ]


def output_heads(features: int = HIDDEN, batch: int = 4, seed_value: int = 0) -> dict[str, np.ndarray]:
    """The three usual output layers on the same hidden features."""
    keras.utils.set_random_seed(seed_value)
    h = np.random.default_rng(seed_value).normal(size=(batch, features)).astype("float32")
    heads = {
        "regression: Dense(1)": keras.layers.Dense(output_units("regression")),
        "binary: Dense(1, sigmoid)": keras.layers.Dense(output_units("binary"), activation="sigmoid"),
        "10 classes: Dense(10, softmax)": keras.layers.Dense(
            output_units("multiclass", CLASSES), activation="softmax"),
    }
    return {name: layer(h).numpy() for name, layer in heads.items()}


def cross_check(batch: int = 5, seed_value: int = 0) -> dict[str, object]:
    """The digit network by hand in NumPy (flatten, ReLU, softmax) equals the model's output.

    Also checks the parameter count: the input layer contributes nothing,
    the hidden layer 784·h + h, the output layer h·10 + 10; and, for the
    width experiment below, that one network trained side by side with the
    others gets the gradient it would get alone (``stacking_check``).
    """
    model = digit_network()
    images = np.random.default_rng(seed_value).uniform(size=(batch, *IMAGE)).astype("float32")
    w1, b1, w2, b2 = model.get_weights()
    x = images.reshape(batch, -1)  # the input layer: 784 numbers per image, nothing learned
    hidden = np.maximum(x @ w1 + b1, 0.0)
    z = hidden @ w2 + b2
    by_numpy = np.exp(z - z.max(axis=1, keepdims=True))
    by_numpy /= by_numpy.sum(axis=1, keepdims=True)
    by_keras = model(images).numpy()  # what predict returns, without its batching loop
    np.testing.assert_allclose(by_keras, by_numpy, rtol=1e-5, atol=1e-7)
    n_in, h = input_units(IMAGE), HIDDEN
    formula = (n_in * h + h) + (h * CLASSES + CLASSES)
    assert model.count_params() == formula
    gap = stacking_check()
    return {
        "images compared": batch,
        "max |Keras - NumPy|": float(np.abs(by_keras - by_numpy).max()),
        "input units (28·28)": x.shape[1],
        "weights in the input layer": model.layers[0].count_params(),
        "parameters, formula 784·64 + 64 + 64·10 + 10": formula,
        "parameters, model.count_params()": model.count_params(),
        "sweep: max |gradient alone - piece of joint gradient|": gap,
    }


# --- Claim: hidden units 5–10× classes, 2–3× input dimension ------------------


def blobs(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Easy classification: 3 overlapping Gaussian clouds in 2-D."""
    c = rng.integers(0, K, n)
    centres = np.stack([np.cos(2 * np.pi * c / K), np.sin(2 * np.pi * c / K)], axis=1)
    return (centres + rng.normal(0, 0.6, (n, 2))).astype("float32"), c


def spirals(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Hard classification: 3 interleaved spiral arms in 2-D, about two turns each."""
    c = rng.integers(0, K, n)
    r = rng.uniform(0.05, 1.0, n)
    angle = 2 * np.pi * c / K + 12 * r + rng.normal(0, 0.15, n)
    return np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1).astype("float32"), c


def smooth(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Easy regression on [-1, 1]^4: nearly linear, plus noise."""
    x = rng.uniform(-1, 1, (n, D)).astype("float32")
    y = x @ np.array([1.0, -0.5, 0.3, 0.8]) + 0.3 * np.sin(2 * x[:, 0])
    return x, (y + rng.normal(0, 0.1, n)).astype("float32")


def wiggly(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Harder regression on [-1, 1]^4: products of sines, plus noise."""
    x = rng.uniform(-1, 1, (n, D)).astype("float32")
    y = np.sin(3 * x[:, 0]) * np.cos(3 * x[:, 1]) + 0.5 * np.sin(3 * x[:, 2] * x[:, 3])
    return x, (y + rng.normal(0, 0.1, n)).astype("float32")


TASKS = {  # name: (data, kind, widths tried)
    "3 blobs": (blobs, "classification", CLASSIFICATION_WIDTHS),
    "3 spirals": (spirals, "classification", CLASSIFICATION_WIDTHS),
    "smooth, d = 4": (smooth, "regression", REGRESSION_WIDTHS),
    "wiggly, d = 4": (wiggly, "regression", REGRESSION_WIDTHS),
}
SHORT = {"3 blobs": "blobs", "3 spirals": "spirals", "smooth, d = 4": "smooth",
         "wiggly, d = 4": "wiggly"}  # names of the tasks' numbers in the page's text
KINDS = {"classification": (CLASSIFICATION_WIDTHS, 2, K), "regression": (REGRESSION_WIDTHS, D, 1)}


def task_data(name: str, seed_value: int = 0):
    """Training and held-out data of one task (the same every call)."""
    make = TASKS[name][0]
    rng = np.random.default_rng(seed_value)
    return make(N_TRAIN, rng), make(N_TEST, rng)


def per_network_loss(kind: str, out, y):
    """The mean loss of each stacked network, shape (networks,): cross-entropy or MSE."""
    if kind == "classification":  # out: logits (networks, n, K); y: integer labels (networks, n)
        # −log softmax(z)[y] = logsumexp(z) − z[y]: the sparse categorical cross-entropy
        picked = tf.reduce_sum(out * tf.one_hot(y, out.shape[-1]), axis=2)
        return tf.reduce_mean(tf.reduce_logsumexp(out, axis=2) - picked, axis=1)
    return tf.reduce_mean(tf.square(out[..., 0] - y), axis=1)


def unflatten(theta, layout):
    """The weights of every group of stacked networks, as pieces of the flat vector ``theta``.

    ``layout`` lists (kind, shapes of [W1, b1, W2, b2]) per group; the
    pieces follow one another in ``theta`` in that order.
    """
    shapes = [shape for _, group in layout for shape in group]
    pieces = iter(tf.split(theta, [int(np.prod(shape)) for shape in shapes]))
    return [(kind, [tf.reshape(next(pieces), shape) for shape in group]) for kind, group in layout]


def total_loss(theta, layout, data):
    """The sum of every network's own mean loss on the training data of its task.

    The networks share no weight, so the gradient of this sum with respect
    to one network's weights is the gradient of that network's loss alone.
    """
    return tf.add_n([
        tf.reduce_sum(per_network_loss(kind, stacked_apply(params, data[kind][0], tf.nn.relu),
                                      data[kind][1]))
        for kind, params in unflatten(theta, layout)])


@functools.cache
def _sweep_loop():
    """Full-batch Adam on every network at once, as one graph."""

    @tf.function
    def loop(theta, layout, optimizer, data, steps):
        for _ in tf.range(steps):
            with tf.GradientTape() as tape:
                loss = total_loss(theta, layout, data)
            optimizer.apply_gradients([(tape.gradient(loss, theta), theta)])

    return loop


def stacked_inputs(kind: str, part: int):
    """Every task of one kind, repeated once per seed: x (tasks·seeds, n, d), y (tasks·seeds, n)."""
    names = [n for n, spec in TASKS.items() if spec[1] == kind]
    xs, ys = zip(*(task_data(n)[part] for n in names for _ in SEED_VALUES))
    y = np.stack(ys)
    return np.stack(xs), (y.astype("int32") if kind == "classification" else y)


def training_data() -> dict:
    """{kind: (x, y)} of the stacked networks, as tensors."""
    return {kind: tuple(tf.constant(v) for v in stacked_inputs(kind, 0)) for kind in KINDS}


def stacking_check(task: str = "3 spirals", width: int = 30, seed_index: int = 2) -> float:
    """One network of the sweep alone in Keras: its gradient equals its piece of the joint one.

    At the initial weights, the gradient of ``total_loss`` (all 80
    networks) is cut into the networks' pieces; the piece of the chosen
    network must equal the gradient of a ``keras.Sequential`` with that
    network's weights, on its own task's data. Returns the largest difference.
    """
    layout, initial = sweep_layout()
    theta = tf.Variable(initial)
    with tf.GradientTape() as tape:
        loss = total_loss(theta, layout, training_data())
    joint = unflatten(tape.gradient(loss, theta), layout)
    weights = unflatten(theta, layout)
    kind = TASKS[task][1]
    group = [i for i, (g_kind, shapes) in enumerate(layout)
             if g_kind == kind and shapes[0][2] == width][0]
    names = [n for n, spec in TASKS.items() if spec[1] == kind]
    j = names.index(task) * SEEDS + seed_index
    (x, y), _ = task_data(task)
    model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(width, activation="relu"),
                          keras.layers.Dense(KINDS[kind][2])])
    model.set_weights(network([w.numpy() for w in weights[group][1]], j))
    if kind == "classification":
        loss_fn, y = keras.losses.SparseCategoricalCrossentropy(from_logits=True), y.astype("int32")
    else:
        loss_fn, y = keras.losses.MeanSquaredError(), y[:, None]
    with tf.GradientTape() as tape:
        alone_loss = loss_fn(y, model(x))
    alone = tape.gradient(alone_loss, model.trainable_variables)
    ours = network([g.numpy() for g in joint[group][1]], j)
    for a, b in zip(alone, ours):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-4, atol=1e-7)
    return float(max(np.abs(a.numpy() - b).max() for a, b in zip(alone, ours)))


@functools.cache
def sweep_layout() -> tuple[tuple, np.ndarray]:
    """One group of stacked networks per kind and width (every task, every seed), and
    all their initial weights in one flat vector."""
    layout, initial = [], []
    for kind, (widths, d, out) in KINDS.items():
        n_tasks = sum(spec[1] == kind for spec in TASKS.values())
        for w in widths:
            weights = stacked_init([d, w, out], SEED_VALUES * n_tasks)
            layout.append((kind, tuple(a.shape for a in weights)))
            initial += [a.ravel() for a in weights]
    return tuple(layout), np.concatenate(initial)


@functools.cache
def trained_sweep() -> tuple[tuple, np.ndarray]:
    """Train all 80 networks (4 tasks, 4 widths, 5 seeds); return the layout and final weights.

    One ReLU hidden layer of each width, full-batch Adam for STEPS steps. All
    the networks' weights sit in one vector ``theta``; each network reads its
    own piece of it (``unflatten``, ``stacked_apply``). Adam updates every
    number of ``theta`` from that number's own gradient history, so one Adam
    on ``theta`` is exactly one Adam per network.
    """
    layout, initial = sweep_layout()
    theta = tf.Variable(initial)
    data = training_data()
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build([theta])
    _sweep_loop()(theta, layout, optimizer, data, tf.constant(STEPS))
    return layout, theta.numpy()


@functools.cache
def width_sweep() -> dict[str, dict[int, np.ndarray]]:
    """Held-out score of every task, width and seed: ``{task: {width: scores over seeds}}``.

    Accuracy for classification, R² (1 − MSE / variance) for regression.
    """
    layout, theta = trained_sweep()
    result: dict[str, dict[int, np.ndarray]] = {}
    for kind, params in unflatten(tf.constant(theta), layout):
        x_test, y_test = stacked_inputs(kind, 1)
        out = stacked_apply(params, tf.constant(x_test), tf.nn.relu).numpy()
        if kind == "classification":
            score = np.mean(out.argmax(axis=2) == y_test, axis=1)
        else:
            score = 1.0 - np.mean((out[..., 0] - y_test) ** 2, axis=1) / y_test.var(axis=1)
        names = [n for n, spec in TASKS.items() if spec[1] == kind]
        width = params[0].shape[2]
        for i, name in enumerate(names):
            result.setdefault(name, {})[width] = score[i * SEEDS:(i + 1) * SEEDS]
    return result


def rule_range_for(name: str) -> tuple[int, int]:
    """The rule of thumb's range for a task: (15, 30) for 3 classes, (8, 12) for d = 4."""
    kind = TASKS[name][1]
    return rule_of_thumb_range(kind, classes=K, input_dim=D)


def as_good_as_best(scores: dict[int, Spread]) -> list[int]:
    """The widths whose scores are not below the best width's by the spread rule.

    The best width has the highest mean; another width is as good unless
    every one of its seeds scored below every seed of the best one.

    >>> s = {2: Spread.of([.5, .52, .49, .51, .5]), 8: Spread.of([.9, .95, .93, .94, .92]),
    ...      32: Spread.of([.96, .91, .95, .94, .97])}
    >>> as_good_as_best(s)
    [8, 32]
    """
    best = max(scores, key=lambda w: scores[w].mean)
    return [w for w in scores if not lower(scores[w], scores[best])]


def show_width_sweep() -> None:
    """Held-out score per task and width, over the seeds."""
    sweep = width_sweep()
    glue("n_seeds", SEEDS)
    glue("steps", STEPS)
    glue("learning_rate", LEARNING_RATE)
    for name, scores in sweep.items():
        low, high = rule_range_for(name)
        kind = TASKS[name][1]
        print(f"{name} ({'accuracy' if kind == 'classification' else 'R²'};"
              f" rule: {low}-{high} units)")
        spreads = {w: Spread.of(s) for w, s in scores.items()}
        good = as_good_as_best(spreads)
        for w, s in spreads.items():
            mark = "  as good as the best" if w in good else ""
            print(f"  {w:>4} units  {s}{mark}")
            glue(f"{SHORT[name]}_{w}", s.mean)
            glue(f"{SHORT[name]}_{w}_min", s.min)
            glue(f"{SHORT[name]}_{w}_max", s.max)


def check_layers_hidden_unit_rule() -> ClaimCheck:
    """Claim (a rule of thumb): hidden units 5–10× the classes, 2–3× the input dimension.

    Four tasks, two per kind with the same number of classes (3) or the same
    input dimension (4), one easy and one hard. For each: held-out score of
    one-hidden-layer ReLU networks over a range of widths that contains the
    rule's endpoints, 5 seeds per width. A width is *as good as the best* if
    its range of scores over the seeds overlaps the best width's (the spread
    rule). A task is *served* by the rule if a width in the rule's range is
    as good as the best; the rule *predicts* the task's need if the fewest
    units as good as the best lie inside the range. Holds if the rule serves
    and predicts every task, wrong if it serves none, conditions otherwise.
    """
    sweep = width_sweep()
    evidence: dict[str, object] = {}
    served, predicted = [], []
    for name, scores in sweep.items():
        low, high = rule_range_for(name)
        spreads = {w: Spread.of(s) for w, s in scores.items()}
        good = as_good_as_best(spreads)
        best = max(spreads, key=lambda w: spreads[w].mean)
        need = min(good)
        served.append(any(low <= w <= high for w in good))
        predicted.append(low <= need <= high)
        evidence[f"{name}: rule range"] = f"{low}-{high} units"
        evidence[f"{name}: best width (highest mean)"] = best
        evidence[f"{name}: widths as good as the best"] = good
        glue(f"need_{SHORT[name]}", need)
    evidence["tasks served by the rule's range"] = f"{sum(served)} of {len(served)}"
    evidence["tasks whose fewest units lie in the range"] = f"{sum(predicted)} of {len(predicted)}"
    glue("served", sum(served))
    glue("predicted", sum(predicted))
    if all(served) and all(predicted):
        verdict = "holds"
    elif not any(served):
        verdict = "wrong"
    else:
        verdict = "conditions"
    return ClaimCheck("layers-hidden-unit-rule", verdict, evidence)


# --- Plots ---------------------------------------------------------------------


def plot_layers():
    """The digit network as a diagram: input layer (no weights), hidden layer, output layer."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
    shown = {"input": 9, "hidden": 7, "output": 10}
    xs = {"input": 0.0, "hidden": 1.0, "output": 2.0}
    ys = {name: np.linspace(-1, 1, n) for name, n in shown.items()}
    for a, b in (("input", "hidden"), ("hidden", "output")):
        for ya in ys[a]:
            for yb in ys[b]:
                ax.plot([xs[a], xs[b]], [ya, yb], color="0.75", lw=0.4, zorder=1)
    styles = {"input": dict(facecolor="white", edgecolor="k"),
              "hidden": dict(facecolor="C0", edgecolor="k"),
              "output": dict(facecolor="C1", edgecolor="k")}
    for name in shown:
        ax.scatter(np.full(shown[name], xs[name]), ys[name], s=90, zorder=3, **styles[name])
    n_in, h = input_units(IMAGE), HIDDEN
    labels = {
        "input": f"input layer\n{n_in} units (28·28 pixels)\n0 weights",
        "hidden": f"hidden layer, ReLU\n{h} units\n{n_in}·{h} + {h} = {n_in * h + h} weights",
        "output": f"output layer, softmax\n{CLASSES} units (one per digit)\n{h}·{CLASSES} + {CLASSES} = "
                  f"{h * CLASSES + CLASSES} weights",
    }
    for name, text in labels.items():
        ax.text(xs[name], 1.18, text, ha="center", va="bottom", fontsize=9)
    ax.text(0.5, -1.25, "every line is a weight; only a few units of each layer are drawn",
            ha="center", fontsize=8, color="0.3", transform=ax.transData)
    ax.set(xlim=(-0.45, 2.45), ylim=(-1.35, 1.85))
    ax.axis("off")
    ax.set_title("A digit classifier: 784 → 64 → 10", fontsize=11)
    return fig


def plot_tasks():
    """The two classification tasks of the experiment: same 3 classes, different difficulty."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    for ax, name in zip(axes, ("3 blobs", "3 spirals")):
        (x, y), _ = task_data(name)
        for c in range(K):
            ax.scatter(x[y == c, 0], x[y == c, 1], s=6, label=f"class {c}")
        ax.set(xlabel="x1", ylabel="x2", aspect="equal", title=f"{name} ({N_TRAIN} training points)")
    axes[0].legend(loc="upper right", fontsize=8, markerscale=2)
    return fig


def plot_hidden_units():
    """Held-out score vs hidden units (mean and min-max over seeds), the rule's range shaded."""
    import matplotlib.pyplot as plt

    sweep = width_sweep()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    panels = (("classification", "held-out accuracy", "Classification, 3 classes"),
              ("regression", "held-out R²", "Regression, input dimension 4"))
    for ax, (kind, ylabel, title) in zip(axes, panels):
        names = [n for n, spec in TASKS.items() if spec[1] == kind]
        low, high = rule_range_for(names[0])
        ax.axvspan(low, high, color="0.85", label=f"rule: {low}-{high} units")
        for name, marker in zip(names, "os"):
            widths = list(sweep[name])
            scores = np.array(list(sweep[name].values()))  # (widths, seeds)
            mean = scores.mean(axis=1)
            ax.errorbar(widths, mean, yerr=[mean - scores.min(axis=1), scores.max(axis=1) - mean],
                        fmt=marker + "-", capsize=3, label=f"{name} (bars: min-max of {SEEDS} seeds)")
        ax.set(xscale="log", xlabel="hidden units", ylabel=ylabel, title=title)
        ax.minorticks_off()
        ax.set_xticks(widths, [str(w) for w in widths])
        ax.legend(loc="lower right", fontsize=7)
    return fig


def show_example() -> None:
    """The digit network's layers, then the three usual output layers."""
    model = digit_network()
    print(f"{'layer':<8} {'type':<11} {'output shape':<15} weights")
    for name, kind, shape, n in layer_table(model):
        print(f"{name:<8} {kind:<11} {shape:<15} {n}")
    print(f"total: {model.count_params()} parameters")
    print()
    with np.printoptions(precision=3, suppress=True):
        for name, out in output_heads().items():
            print(f"{name}: output shape {out.shape}")
            if out.shape[1] == 1:
                print(f"  one number per example: {out[:, 0]}")
            else:
                print(f"  first example: {out[0]}")
                print(f"  sum over the {out.shape[1]} units, per example: {out.sum(axis=1)}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    plot_layers,
    show_cross_check,
    plot_tasks,
    show_width_sweep,
    check_layers_hidden_unit_rule,
    plot_hidden_units,
)
