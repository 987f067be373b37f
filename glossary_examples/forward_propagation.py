"""Forward propagation (前向传播): computing a network's output from its input, layer after layer, in one direction.

Each layer takes the previous layer's output, computes its weighted sums
``Z = A_prev W + b`` and applies its activation, ``A = g(Z)``; nothing flows
back. A forward pass in inference mode (``predict``, ``evaluate``,
``model(x)``) changes no weight. A forward pass in training mode
(``model(x, training=True)``) leaves the trainable weights alone but can
update non-trainable state: a ``BatchNormalization`` layer updates its moving
mean and variance. Only the optimizer changes the trainable weights, after
backpropagation.

>>> trace = numpy_trace(np.zeros((1, 3)))  # a zero input: Z1 = b1, Z2 = tanh(b1) W2 + b2
>>> list(trace)
['X', 'Z1', 'A1', 'Z2', 'A2']
>>> bool(np.allclose(trace["Z1"], WEIGHTS["b1"]))
True
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table

#: The example network 3 → 4 (tanh) → 1 (sigmoid); weights rounded to one decimal to read the trace.
_rng = np.random.default_rng(5)
WEIGHTS = {
    "W1": np.round(_rng.normal(size=(3, 4)), 1),
    "b1": np.round(_rng.normal(size=4) * 0.5, 1),
    "W2": np.round(_rng.normal(size=(4, 1)), 1),
    "b2": np.round(_rng.normal(size=1) * 0.5, 1),
}
#: Two examples, one per row.
X = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]], dtype="float32")


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z)."""
    return 1.0 / (1.0 + np.exp(-z))


def numpy_trace(x, w=WEIGHTS) -> dict[str, np.ndarray]:
    """Forward propagation by hand, keeping every intermediate (one example per row)."""
    x = np.asarray(x, dtype="float64")
    z1 = x @ w["W1"] + w["b1"]  # layer 1: weighted sums
    a1 = np.tanh(z1)  # layer 1: activations
    z2 = a1 @ w["W2"] + w["b2"]  # layer 2: weighted sum
    a2 = sigmoid(z2)  # layer 2: the output
    return {"X": x, "Z1": z1, "A1": a1, "Z2": z2, "A2": a2}


def keras_network():
    """The same network in Keras, with Z and A as separate layers; returns (model, tracer).

    ``model`` maps X to A2. ``tracer`` is a ``keras.Model`` with the same
    layers whose outputs are every intermediate: Z1, A1, Z2, A2.
    """
    inputs = keras.Input((3,), name="X")
    z1 = keras.layers.Dense(4, name="Z1")(inputs)
    a1 = keras.layers.Activation("tanh", name="A1")(z1)
    z2 = keras.layers.Dense(1, name="Z2")(a1)
    a2 = keras.layers.Activation("sigmoid", name="A2")(z2)
    model = keras.Model(inputs, a2)
    model.set_weights([WEIGHTS[n].astype("float32") for n in ("W1", "b1", "W2", "b2")])
    tracer = keras.Model(inputs, [z1, a1, z2, a2])
    return model, tracer


def cross_check() -> dict[str, float]:
    """Every intermediate of the NumPy trace equals the Keras layer's output (asserted)."""
    _, tracer = keras_network()
    by_keras = dict(zip(("Z1", "A1", "Z2", "A2"), tracer.predict(X, verbose=0)))
    by_numpy = numpy_trace(X)
    result = {}
    for name, value in by_keras.items():
        np.testing.assert_allclose(value, by_numpy[name], rtol=1e-5, atol=1e-6)
        result[f"max |Keras - NumPy|, {name} {value.shape}"] = float(
            np.abs(value - by_numpy[name]).max())
    return result


def network_with_batch_norm():
    """The example network with a ``BatchNormalization`` layer between Z1 and tanh."""
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, name="Z1"),
        keras.layers.BatchNormalization(name="BN"),
        keras.layers.Activation("tanh", name="A1"),
        keras.layers.Dense(1, activation="sigmoid", name="A2"),
    ])
    model.layers[0].set_weights([WEIGHTS["W1"], WEIGHTS["b1"]])
    model.layers[-1].set_weights([WEIGHTS["W2"], WEIGHTS["b2"]])
    return model


def state_changes() -> dict[str, list[float]]:
    """Largest change of the trainable and of the non-trainable weights, per action.

    Each action runs on a fresh copy of the network with batch normalisation:
    three forward passes in inference mode, one in training mode, and one
    training step (forward pass, gradients, SGD update). Asserted: inference
    mode changes nothing; training mode changes no trainable weight.
    """
    y = np.array([[1.0], [0.0]], dtype="float32")

    def train_step(model):
        optimizer = keras.optimizers.SGD(learning_rate=0.1)
        with tf.GradientTape() as tape:
            loss = keras.losses.BinaryCrossentropy()(y, model(X, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    # name: (action, may it change trainable weights?, non-trainable ones?)
    actions = {
        "model.predict(X)": (lambda m: m.predict(X, verbose=0), False, False),
        "model(X)": (lambda m: m(X), False, False),
        "model(X, training=False)": (lambda m: m(X, training=False), False, False),
        "model(X, training=True)": (lambda m: m(X, training=True), False, True),
        "one training step": (train_step, True, True),
    }
    result = {}
    for name, (action, trainable_may, frozen_may) in actions.items():
        model = network_with_batch_norm()
        groups = (model.trainable_weights, model.non_trainable_weights)
        before = [np.concatenate([w.numpy().ravel() for w in ws]) for ws in groups]
        action(model)
        after = [np.concatenate([w.numpy().ravel() for w in ws]) for ws in groups]
        for new, old, may_change in zip(after, before, (trainable_may, frozen_may)):
            if not may_change:
                np.testing.assert_array_equal(new, old)
        result[name] = [float(np.abs(new - old).max()) for new, old in zip(after, before)]
    return result


def plot_trace():
    """Every intermediate of the forward pass for the two examples, as annotated tiles."""
    import matplotlib.pyplot as plt

    trace = numpy_trace(X)
    titles = {
        "X": "input X",
        "Z1": "Z1 = X W1 + b1",
        "A1": "A1 = tanh(Z1)",
        "Z2": "Z2 = A1 W2 + b2",
        "A2": "A2 = sigmoid(Z2)",
    }
    fig, axes = plt.subplots(1, 5, figsize=(9, 3.2), layout="constrained",
                             gridspec_kw={"width_ratios": [1, 1, 1, 1, 1]})
    for ax, (name, values) in zip(axes, trace.items()):
        tiles = values.T  # one column per example, one row per unit
        image = ax.imshow(tiles, cmap="RdBu_r", vmin=-2.5, vmax=2.5, aspect="equal")
        for (i, j), v in np.ndenumerate(tiles):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 1.6 else "black")
        ax.set_xticks(range(tiles.shape[1]), [f"ex {j + 1}" for j in range(tiles.shape[1])],
                      fontsize=8)
        ax.set_yticks(range(tiles.shape[0]), [f"unit {i + 1}" for i in range(tiles.shape[0])],
                      fontsize=8)
        ax.set_title(titles[name], fontsize=9)
    fig.colorbar(image, ax=axes, shrink=0.7, label="value")
    fig.suptitle("Forward propagation: left to right, each step uses only the step before",
                 fontsize=10)
    return fig


def show_example() -> None:
    """The weights, then the forward pass step by step."""
    with np.printoptions(precision=4, suppress=True):
        for name, value in WEIGHTS.items():
            print(f"{name} {value.shape}:\n{value}")
        print()
        for name, value in numpy_trace(X).items():
            print(f"{name} {value.shape}:\n{value}")
        _, tracer = keras_network()
        print(f"\nKeras, output of layer A2: {tracer.predict(X, verbose=0)[-1][:, 0]}")


def show_state_changes() -> None:
    """What each kind of forward pass, and one training step, changes."""
    model = network_with_batch_norm()
    for label, weights in (("trainable:    ", model.trainable_weights),
                           ("non-trainable:", model.non_trainable_weights)):
        print(label, ", ".join("/".join(w.path.split("/")[-2:]) for w in weights))
    print()
    print(f"{'largest change of any weight':<28}  {'trainable':>10}  {'non-trainable':>13}")
    changes = state_changes()
    glue("state_change", changes["model(X, training=True)"][1])
    glue("step_change", changes["one training step"][0])
    for name, (trainable, frozen) in changes.items():
        print(f"{name:<28}  {trainable:>10.4g}  {frozen:>13.4g}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_state_changes, plot_trace, show_cross_check)
