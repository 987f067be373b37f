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

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import table
from ._lib.runtime import full_batch_loop, keras, seed

IMAGE = (28, 28)
HIDDEN = 64  # hidden units of the example digit network
CLASSES = 10

# --- the hidden-unit experiment ---------------------------------------------
TOL = 0.02  # "as good as the best": held-out score within 0.02 of the best width
STEPS = {"classification": 1500, "regression": 1000}  # full-batch Adam steps, same for every width
LEARNING_RATE = 0.01
N_TRAIN, N_TEST = 400, 2000
K = 3  # classes of both classification tasks
D = 4  # input dimension of both regression tasks
CLASSIFICATION_WIDTHS = (2, 15, 30, 120)  # 5·K and 10·K, one far below, one far above
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
    k = keras()
    seed(seed_value)
    inputs = k.Input(IMAGE, name="input")
    x = k.layers.Flatten(name="flatten")(inputs)
    x = k.layers.Dense(hidden, activation="relu", name="hidden")(x)
    outputs = k.layers.Dense(CLASSES, activation="softmax", name="output")(x)
    return k.Model(inputs, outputs)


def layer_table(model) -> list[tuple[str, str, str, int]]:
    """(name, type, output shape, number of weights) for every layer, the input layer included."""
    return [
        (layer.name, type(layer).__name__, str(tuple(layer.output.shape)), layer.count_params())
        for layer in model.layers
    ]


def output_heads(features: int = HIDDEN, batch: int = 4, seed_value: int = 0) -> dict[str, np.ndarray]:
    """The three usual output layers on the same hidden features."""
    k = keras()
    seed(seed_value)
    h = np.random.default_rng(seed_value).normal(size=(batch, features)).astype("float32")
    heads = {
        "regression: Dense(1)": k.layers.Dense(output_units("regression")),
        "binary: Dense(1, sigmoid)": k.layers.Dense(output_units("binary"), activation="sigmoid"),
        "10 classes: Dense(10, softmax)": k.layers.Dense(
            output_units("multiclass", CLASSES), activation="softmax"),
    }
    return {name: layer(h).numpy() for name, layer in heads.items()}


def cross_check(batch: int = 5, seed_value: int = 0) -> dict[str, object]:
    """The digit network by hand in NumPy (flatten, ReLU, softmax) equals ``predict``.

    Also checks the parameter count: the input layer contributes nothing,
    the hidden layer 784·h + h, the output layer h·10 + 10.
    """
    model = digit_network()
    images = np.random.default_rng(seed_value).uniform(size=(batch, *IMAGE)).astype("float32")
    w1, b1, w2, b2 = model.get_weights()
    x = images.reshape(batch, -1)  # the input layer: 784 numbers per image, nothing learned
    hidden = np.maximum(x @ w1 + b1, 0.0)
    z = hidden @ w2 + b2
    by_numpy = np.exp(z - z.max(axis=1, keepdims=True))
    by_numpy /= by_numpy.sum(axis=1, keepdims=True)
    by_keras = model.predict(images, verbose=0)
    np.testing.assert_allclose(by_keras, by_numpy, rtol=1e-5, atol=1e-7)
    n_in, h = input_units(IMAGE), HIDDEN
    formula = (n_in * h + h) + (h * CLASSES + CLASSES)
    assert model.count_params() == formula
    return {
        "images compared": batch,
        "max |Keras - NumPy|": float(np.abs(by_keras - by_numpy).max()),
        "input units (28·28)": x.shape[1],
        "weights in the input layer": model.layers[0].count_params(),
        "parameters, formula 784·64 + 64 + 64·10 + 10": formula,
        "parameters, model.count_params()": model.count_params(),
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


def task_data(name: str, seed_value: int = 0):
    """Training and held-out data of one task (the same every call)."""
    make = TASKS[name][0]
    rng = np.random.default_rng(seed_value)
    return make(N_TRAIN, rng), make(N_TEST, rng)


def held_out_score(kind: str, width: int, train, test, seed_value: int = 0) -> float:
    """Train one network with ``width`` ReLU hidden units; return its held-out score.

    Accuracy for classification, R² (1 − MSE / variance) for regression.
    Full-batch Adam, STEPS[kind] steps, same seed for every width. The loop is
    the algorithm of ``model.fit(x, y, batch_size=len(x), epochs=STEPS[kind])``,
    compiled into one TensorFlow loop to run fast.
    """
    k = keras()
    (x, y), (xt, yt) = train, test
    outputs = K if kind == "classification" else 1
    seed(seed_value)
    model = k.Sequential([k.Input((x.shape[1],)), k.layers.Dense(width, activation="relu"),
                          k.layers.Dense(outputs)])
    if kind == "classification":
        loss, y = k.losses.SparseCategoricalCrossentropy(from_logits=True), y.astype("int32")
    else:
        loss, y = k.losses.MeanSquaredError(), y[:, None]
    optimizer = k.optimizers.Adam(LEARNING_RATE)
    optimizer.build(model.trainable_variables)
    full_batch_loop()(model, optimizer, loss, x, y, STEPS[kind])
    pred = model(xt).numpy()
    if kind == "classification":
        return float(np.mean(pred.argmax(axis=1) == yt))
    return float(1.0 - np.mean((pred[:, 0] - yt) ** 2) / yt.var())


@functools.cache
def width_sweep() -> dict[str, dict[int, float]]:
    """Held-out score for every task and width: ``{task: {width: score}}``."""
    result = {}
    for name, (_, kind, widths) in TASKS.items():
        train, test = task_data(name)
        result[name] = {w: held_out_score(kind, w, train, test) for w in widths}
    return result


def rule_range_for(name: str) -> tuple[int, int]:
    """The rule of thumb's range for a task: (15, 30) for 3 classes, (8, 12) for d = 4."""
    kind = TASKS[name][1]
    return rule_of_thumb_range(kind, classes=K, input_dim=D)


def smallest_sufficient_width(scores: dict[int, float], tol: float = TOL) -> int:
    """The fewest hidden units whose score is within ``tol`` of the best width's.

    >>> smallest_sufficient_width({2: 0.50, 8: 0.95, 32: 0.96})
    8
    """
    best = max(scores.values())
    return min(w for w, s in scores.items() if s >= best - tol)


def check_layers_hidden_unit_rule() -> ClaimCheck:
    """Claim (a rule of thumb): hidden units 5–10× the classes, 2–3× the input dimension.

    Four tasks, two per kind with the same number of classes (3) or the same
    input dimension (4), one easy and one hard. For each: held-out score of
    one-hidden-layer ReLU networks over a range of widths that contains the
    rule's endpoints. A task is *served* by the rule if its best width in the
    rule's range scores within TOL of the best width overall; the rule
    *predicts* the task's need if the smallest width within TOL of the best
    lies inside the range. Holds if the rule serves and predicts every task,
    wrong if it serves none, conditions otherwise.
    """
    sweep = width_sweep()
    evidence: dict[str, object] = {}
    served, predicted = [], []
    for name, scores in sweep.items():
        low, high = rule_range_for(name)
        best = max(scores.values())
        in_rule = max(s for w, s in scores.items() if low <= w <= high)
        need = smallest_sufficient_width(scores)
        served.append(in_rule >= best - TOL)
        predicted.append(low <= need <= high)
        evidence[f"{name}: rule range"] = f"{low}-{high} units"
        evidence[f"{name}: best score in rule range / overall"] = [in_rule, best]
        evidence[f"{name}: fewest units within {TOL} of best"] = need
    evidence["tasks served by the rule's range"] = f"{sum(served)} of {len(served)}"
    evidence["tasks whose need lies in the range"] = f"{sum(predicted)} of {len(predicted)}"
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
    """Held-out score vs hidden units, with the rule of thumb's range shaded."""
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
            ax.plot(widths, list(sweep[name].values()), marker + "-", label=name)
        ax.set(xscale="log", xlabel="hidden units", ylabel=ylabel, title=title)
        ax.minorticks_off()
        ax.set_xticks(widths, [str(w) for w in widths])
        ax.legend(loc="lower right", fontsize=8)
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
    check_layers_hidden_unit_rule,
    plot_hidden_units,
)
