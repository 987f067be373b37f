"""Perceptron (感知机): a step function of a weighted sum, output 1 when w·x − θ ≥ 0, else 0.

Rosenblatt's perceptron (1957, Cornell Aeronautical Laboratory) takes binary
inputs, weighs them, and fires when the weighted sum reaches a threshold θ.
Writing the bias b = −θ gives the modern form step(w·x + b). With suitable
weights one perceptron computes AND, OR and NOT; no weights make it compute
XOR, which needs a second layer.

>>> perceptron(INPUTS, w=(1.0, 1.0), theta=2.0).tolist()  # AND
[0, 0, 0, 1]
>>> perceptron(INPUTS, w=(1.0, 1.0), theta=0.5).tolist()  # OR
[0, 1, 1, 1]
>>> hand_wired_xor(INPUTS).tolist()  # two layers of perceptrons
[0, 1, 1, 0]
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table

#: The four binary inputs (x1, x2), one per row, in truth-table order.
INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")

#: The claim's parameters: weights (w1, w2) and threshold θ for each gate.
GATES = {
    "AND": ((1.0, 1.0), 2.0),
    "OR": ((1.0, 1.0), 0.5),
    "NOT x1": ((-0.6, 0.0), -0.5),
}

#: The real truth tables, on INPUTS.
TRUTH = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NOT x1": np.array([1, 1, 0, 0]),
    "XOR": np.array([0, 1, 1, 0]),
}


def step(z) -> np.ndarray:
    """The perceptron's activation: 1 where z ≥ 0, else 0.

    >>> step(np.array([-0.1, 0.0, 0.1])).tolist()
    [0, 1, 1]
    """
    return (np.asarray(z) >= 0).astype(int)


def perceptron(x, w, theta: float) -> np.ndarray:
    """Output of one perceptron: ``step(w·x − θ)`` for each row of ``x``."""
    return step(np.asarray(x, dtype="float32") @ np.asarray(w, dtype="float32") - theta)


def truth_table(gate: str) -> dict[str, np.ndarray]:
    """The perceptron's truth table with the claim's parameters, next to the real one."""
    w, theta = GATES[gate]
    return {
        "x1": INPUTS[:, 0].astype(int),
        "x2": INPUTS[:, 1].astype(int),
        "w·x − θ": INPUTS @ np.asarray(w, dtype="float32") - theta,
        "perceptron": perceptron(INPUTS, w, theta),
        "true": TRUTH[gate],
    }


def hand_wired_xor(x) -> np.ndarray:
    """XOR from three perceptrons in two layers: AND(OR(x1, x2), NAND(x1, x2))."""
    h_or = perceptron(x, (1.0, 1.0), 0.5)
    h_nand = perceptron(x, (-1.0, -1.0), -1.5)
    return perceptron(np.stack([h_or, h_nand], axis=1), (1.0, 1.0), 2.0)


# --- Learning the threshold as a weight -------------------------------------


def learn_perceptron(y, epochs: int = 20, lr: float = 0.5, margin: bool = False) -> dict:
    """Rosenblatt's learning rule on INPUTS with targets ``y``, in NumPy.

    Every input gets a constant third component −1, whose weight is the
    threshold θ, so θ is learned like any weight: after each example,
    ``w ← w + lr·(target − output)·x``. Weights start at zero; examples are
    visited in truth-table order. With ``margin=True`` a row that lands
    exactly on the line (w·x − θ = 0) also counts as an error and is updated
    with ``lr·(±1)·x``, so training only stops when every row is strictly on
    its side. Returns the learned (w1, w2, θ), the errors made in each epoch
    (one pass over the four rows), the epoch after which no errors remain
    (None if it never happens) and the margins t̃·(w·x − θ) of the rows,
    t̃ = ±1 (positive: strictly right, 0: on the line).
    """
    x = np.hstack([INPUTS, -np.ones((4, 1), dtype="float32")])  # (x1, x2, −1)
    sign = 2 * np.asarray(y) - 1  # t̃ = +1 for target 1, −1 for target 0
    w = np.zeros(3, dtype="float32")  # (w1, w2, θ)
    errors = []
    for _ in range(epochs):
        wrong = 0
        for xi, target, s in zip(x, y, sign):
            out = int(xi @ w >= 0)
            if margin and xi @ w == 0:  # on the line: wrong under one of the conventions
                w, wrong = w + lr * s * xi, wrong + 1
                continue
            w = w + lr * (target - out) * xi
            wrong += int(out != target)
        errors.append(wrong)
    converged = next((i for i, e in enumerate(errors) if e == 0), None)
    return {"weights": w, "errors": np.array(errors), "converged after": converged,
            "margins": sign * (x @ w) + 0.0}  # + 0.0 turns −0 into 0


def show_learning() -> None:
    """Learn AND, OR, NOT x1 and XOR with the rule above, without and with the margin test."""
    on_line = 0
    for gate, y in TRUTH.items():
        result, strict = learn_perceptron(y), learn_perceptron(y, margin=True)
        w1, w2, theta = result["weights"].tolist()
        done, strict_done = result["converged after"], strict["converged after"]
        outputs = perceptron(INPUTS, (w1, w2), theta)
        on_line += int(gate != "XOR" and np.any(result["margins"] == 0))
        print(f"{gate}:")
        print(table({
            "weights w1, w2, θ after 20 epochs": [w1, w2, theta],
            "outputs on (00, 01, 10, 11)": outputs.tolist(),
            "errors per epoch, first 8": result["errors"][:8].tolist(),
            "epochs until no errors": "never in 20" if done is None else done,
            "margins t̃·(w·x − θ) of the rows": result["margins"].tolist(),
            "with the margin test: w1, w2, θ": strict["weights"].tolist(),
            "  margins": strict["margins"].tolist(),
            "  epochs until no errors": "never in 20" if strict_done is None else strict_done,
        }, indent="  "))
    glue("gates_on_line", on_line)


def grid_search(gate: str, values=np.linspace(-3, 3, 61)) -> dict[str, int]:
    """Try every (w1, w2, θ) on a grid; count those that compute ``gate`` exactly.

    61 values each from −3 to 3 in steps of 0.1: 226,981 perceptrons, each
    evaluated on the four inputs at once (``w·x − θ`` for every grid point).
    """
    w1, w2, theta = np.meshgrid(values, values, values, indexing="ij")
    params = np.stack([w1.ravel(), w2.ravel(), theta.ravel()], axis=1)
    z = INPUTS.astype("float64") @ params[:, :2].T - params[:, 2]  # (4, n)
    correct = ((z >= 0).astype(int) == TRUTH[gate][:, None]).sum(axis=0)
    return {"perceptrons tried": len(params), "exactly right": int((correct == 4).sum()),
            "most rows right": int(correct.max())}


def show_grid_search() -> None:
    """The grid search for every gate: AND, OR, NOT are found often, XOR never."""
    print("gate     perceptrons tried  exactly right  most rows right")
    for gate in TRUTH:
        r = grid_search(gate)
        print(f"{gate:<7}  {r['perceptrons tried']:>17}  {r['exactly right']:>13}"
              f"  {r['most rows right']:>15}")


@functools.cache
def trained_xor_mlp(units: int = 8, steps: int = 300, seed_value: int = 0):
    """A Keras MLP, Dense(8, tanh) then Dense(1, sigmoid), trained on the 4 XOR rows.

    Full-batch Adam (learning rate 0.05), run as one ``fit`` epoch over the
    batch repeated ``steps`` times. Returns the model and its outputs.
    """
    keras.utils.set_random_seed(seed_value)
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(units, activation="tanh"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  steps_per_execution=steps)  # all steps in one call: same steps, faster
    y = TRUTH["XOR"].astype("float32")
    batches = tf.data.Dataset.from_tensors((INPUTS, y)).repeat(steps)
    model.fit(batches, epochs=1, shuffle=False, verbose=0)
    return model, model(INPUTS).numpy()[:, 0]


def show_xor_mlp() -> None:
    """XOR by two layers: hand-wired perceptrons, and a trained Keras MLP."""
    _, p = trained_xor_mlp()
    print(table({
        "true XOR on (00, 01, 10, 11)": TRUTH["XOR"].tolist(),
        "hand-wired AND(OR, NAND)": hand_wired_xor(INPUTS).tolist(),
        "Keras MLP output": p.round(3).tolist(),
        "Keras MLP, output ≥ 0.5": (p >= 0.5).astype(int).tolist(),
        "Keras MLP rows right": f"{int(((p >= 0.5) == TRUTH['XOR']).sum())} of 4",
    }))


# --- NumPy vs Keras -----------------------------------------------------------


def keras_step(z):
    """The step activation in Keras ops: 1.0 where z ≥ 0, else 0.0."""
    ops = keras.ops
    return ops.cast(ops.greater_equal(z, 0.0), z.dtype)


def keras_perceptron(w, theta: float):
    """A ``Dense(1)`` layer holding the weights ``w`` and the bias ``b = −θ``, step activation."""
    layer = keras.layers.Dense(1, activation=keras_step)
    layer.build((None, len(w)))
    layer.set_weights([np.asarray(w, dtype="float32").reshape(-1, 1),
                       np.array([-theta], dtype="float32")])
    return layer


def cross_check(n: int = 1000, seed_value: int = 0) -> dict[str, object]:
    """NumPy's ``step(w·x − θ)`` equals a Keras ``Dense(1)`` with bias −θ and a step.

    On the four binary inputs for each gate of the claim, and on ``n`` random
    real inputs with random weights and thresholds. NumPy computes
    ``x @ w + b`` in float32, in the order Keras does, so the two agree
    exactly even for sums that land next to 0.
    """
    results = {}
    for gate, (w, theta) in GATES.items():
        by_keras = keras_perceptron(w, theta)(INPUTS).numpy()[:, 0].astype(int)
        np.testing.assert_array_equal(by_keras, perceptron(INPUTS, w, theta))
        results[f"{gate}: Keras outputs"] = by_keras.tolist()
    rng = np.random.default_rng(seed_value)
    x = rng.uniform(-2, 2, size=(n, 2)).astype("float32")
    w = rng.normal(size=2).astype("float32")
    theta = np.float32(rng.normal())
    by_keras = keras_perceptron(w, float(theta))(x).numpy()[:, 0].astype(int)
    by_numpy = step(x @ w + (-theta))
    np.testing.assert_array_equal(by_keras, by_numpy)
    results["random inputs compared"] = n
    results["disagreements"] = int((by_keras != by_numpy).sum())
    results["fraction of outputs equal to 1"] = float(by_numpy.mean())
    return results


# --- The claim ------------------------------------------------------------------


def check_perceptron_logic_gates() -> ClaimCheck:
    """Claim: AND (1, 1, θ = 2), OR (1, 1, θ = 0.5), NOT x1 (−0.6, 0, θ = −0.5).

    Every row of every truth table is computed with the claim's rule, output 1
    when w·x − θ ≥ 0, and compared with the real table. Holds if all 12 rows
    are right, wrong otherwise. The evidence also shows the smallest margin
    |w·x − θ| of each gate and what the strict rule (> 0) would give.
    """
    evidence: dict[str, object] = {}
    right = strict_right = 0
    for gate, (w, theta) in GATES.items():
        t = truth_table(gate)
        ok = t["perceptron"] == t["true"]
        right += int(ok.sum())
        strict_right += int(((t["w·x − θ"] > 0).astype(int) == t["true"]).sum())
        evidence[f"{gate}: perceptron outputs (00, 01, 10, 11)"] = t["perceptron"].tolist()
        evidence[f"{gate}: true table"] = t["true"].tolist()
        evidence[f"{gate}: smallest |w·x − θ|"] = float(np.abs(t["w·x − θ"]).min())
    evidence["rows right, rule w·x − θ ≥ 0 (the claim's)"] = f"{right} of 12"
    evidence["rows right, strict rule w·x − θ > 0"] = f"{strict_right} of 12"
    verdict = "holds" if right == 12 else "wrong"
    return ClaimCheck("perceptron-logic-gates", verdict, evidence)


# --- Plots and printing -----------------------------------------------------------


def plot_gates():
    """The four inputs, the decision line of each gate, and the XOR problem."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(9, 3.2), layout="constrained")
    grid = np.linspace(-0.5, 1.5, 201)
    g1, g2 = np.meshgrid(grid, grid)
    points = np.stack([g1.ravel(), g2.ravel()], axis=1).astype("float32")
    panels = [(g, GATES[g]) for g in GATES] + [("XOR", None)]
    for ax, (gate, params) in zip(axes, panels):
        if params is None:
            model, _ = trained_xor_mlp()
            region = (model(points).numpy()[:, 0] >= 0.5).reshape(g1.shape)
            title = "XOR: 2-layer Keras MLP"
        else:
            w, theta = params
            region = perceptron(points, w, theta).reshape(g1.shape)
            title = f"{gate}: w = ({w[0]:g}, {w[1]:g})\nθ = {theta:g}"
        ax.contourf(g1, g2, region, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fcbba1"])
        ones = TRUTH[gate] == 1
        for mask, color, label in [(ones, "#cb181d", "true output 1"),
                                   (~ones, "#2171b5", "true output 0")]:
            ax.scatter(*INPUTS[mask].T, s=60, c=color, edgecolor="k", label=label, zorder=3)
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xticks=[0, 1], yticks=[0, 1],
               xlabel="x1", aspect="equal")
        ax.set_title(title, fontsize=9)
    axes[0].set_ylabel("x2")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2,
               fontsize=8)
    fig.suptitle("Shaded red where the perceptron (or the MLP) outputs 1", fontsize=10)
    return fig


def plot_learning():
    """Errors per epoch of the perceptron learning rule for each gate."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    for i, (gate, y) in enumerate(TRUTH.items()):
        errors = learn_perceptron(y)["errors"]
        ax.plot(np.arange(1, len(errors) + 1), errors + 0.04 * (i - 1.5), "o-", ms=4, label=gate)
    ax.set(xlabel="epoch (one pass over the 4 rows)", ylabel="misclassified rows",
           xticks=range(1, 21), yticks=range(5),
           title="Perceptron learning rule: AND, OR, NOT converge, XOR never does")
    ax.legend(loc="center right")
    return fig


def show_example() -> None:
    """The truth tables of the three gates with the claim's parameters."""
    for gate, (w, theta) in GATES.items():
        t = truth_table(gate)
        print(f"{gate}: w = {w}, θ = {theta}")
        print("  x1 x2  w·x − θ  perceptron  true")
        for x1, x2, z, out, true in zip(*t.values()):
            print(f"   {x1}  {x2}  {z:7.2f}  {out:10d}  {true:4d}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    show_learning,
    show_grid_search,
    show_xor_mlp,
    plot_gates,
    plot_learning,
    show_cross_check,
    check_perceptron_logic_gates,
)
