"""Model (模型): a function from input tensors to output tensors whose parameters are learned.

In Keras a model is built from layers; ``keras.Sequential`` (序贯模型, also
顺序模型; not a "sequence model", 序列模型) is the simplest kind, a linear stack in which each layer's output is the next
layer's input. A model is used in four steps: ``summary`` (what was built),
``compile`` (choose optimizer and loss), ``fit`` (learn the parameters from
data) and ``predict`` (apply the learned function to new inputs).

>>> dense_params(3, 8), dense_params(8, 2)
(32, 18)
>>> w = [np.eye(2), np.zeros(2), np.ones((2, 1)), np.zeros(1)]
>>> numpy_forward(w, np.array([[1.0, -2.0]])).tolist()
[[1.0]]
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table

N_IN, N_HIDDEN, N_OUT = 3, 8, 2
EPOCHS = 40
BATCH = 32


def dense_params(n_in: int, n_out: int) -> int:
    """Parameters of ``Dense(n_out)`` on ``n_in`` inputs: a weight per pair plus a bias per unit.

    >>> dense_params(784, 10)
    7850
    """
    return n_in * n_out + n_out


def build_model(seed_value: int = 0):
    """A Sequential model: 3 inputs -> Dense(8, relu) -> Dense(2)."""
    keras.utils.set_random_seed(seed_value)
    return keras.Sequential(
        [
            keras.Input((N_IN,)),
            keras.layers.Dense(N_HIDDEN, activation="relu", name="hidden"),
            keras.layers.Dense(N_OUT, name="output"),
        ],
        name="tiny_model",
    )


def summary_text(model) -> str:
    """``model.summary()`` captured as text (``print_fn`` receives it instead of stdout)."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, line_break=True: lines.append(line))
    return "\n".join(lines).rstrip()


def targets(x: np.ndarray) -> np.ndarray:
    """The function to learn: y0 = x0 − 2 x1, y1 = max(0, x2)."""
    return np.stack([x[:, 0] - 2 * x[:, 1], np.maximum(0.0, x[:, 2])], axis=1).astype("float32")


def data(n: int, seed_value: int) -> tuple[np.ndarray, np.ndarray]:
    """n random inputs in [-1, 1]³ with their targets."""
    x = np.random.default_rng(seed_value).uniform(-1, 1, size=(n, N_IN)).astype("float32")
    return x, targets(x)


@functools.cache
def trained_model(seed_value: int = 0) -> dict:
    """compile, fit and predict: the model learns ``targets`` from 256 examples."""
    x_train, y_train = data(256, seed_value=1)
    x_new, y_new = data(200, seed_value=2)  # inputs the model never trained on
    model = build_model(seed_value)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse",
                  steps_per_execution=256 // BATCH)  # one call per epoch: faster, same steps
    # Shuffled mini-batches of 32, reshuffled every epoch; one pipeline for all epochs.
    batches = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(
        len(x_train), seed=seed_value).batch(BATCH).repeat()
    history = model.fit(batches, epochs=EPOCHS, steps_per_epoch=len(x_train) // BATCH,
                        shuffle=False, verbose=0)
    return {
        "model": model,
        "loss": np.array(history.history["loss"]),
        "x_new": x_new,
        "y_new": y_new,
        "pred_new": model.predict(x_new, verbose=0),
    }


def numpy_forward(weights, x: np.ndarray) -> np.ndarray:
    """The same model in NumPy: relu(x W1 + b1) W2 + b2, with the weights Keras holds."""
    w1, b1, w2, b2 = weights
    return np.maximum(0.0, x @ w1 + b1) @ w2 + b2


def cross_check() -> dict[str, object]:
    """Parameter counts by formula, and ``predict`` by a NumPy forward pass.

    1. ``count_params()`` of every layer equals ``dense_params``.
    2. ``predict`` of the trained model equals ``numpy_forward`` with the
       weights from ``get_weights()``, and calling the model, ``model(x)``,
       gives the same numbers as ``predict``.
    """
    run = trained_model()
    model = run["model"]
    counted = [layer.count_params() for layer in model.layers]
    formula = [dense_params(N_IN, N_HIDDEN), dense_params(N_HIDDEN, N_OUT)]
    assert counted == formula, (counted, formula)
    assert model.count_params() == sum(formula)
    x = run["x_new"]
    by_numpy = numpy_forward(model.get_weights(), x)
    np.testing.assert_allclose(run["pred_new"], by_numpy, rtol=1e-5, atol=1e-6)
    called = model(x).numpy()
    np.testing.assert_allclose(called, run["pred_new"], rtol=1e-5, atol=1e-6)
    return {
        "parameters per layer, Keras": counted,
        "by formula n_in*n_out + n_out": formula,
        "weight shapes": [str(w.shape) for w in model.get_weights()],
        "inputs compared": len(x),
        "max |predict - NumPy forward|": float(np.abs(run["pred_new"] - by_numpy).max()),
        "max |model(x) - predict|": float(np.abs(called - run["pred_new"]).max()),
    }


def plot_training():
    """Left: training loss per epoch. Right: predictions vs targets on new inputs."""
    import matplotlib.pyplot as plt

    run = trained_model()
    epochs = np.arange(1, len(run["loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(epochs, run["loss"], color="C0")
    ax1.set(yscale="log", xlabel="epoch", ylabel="training loss (MSE)",
            title="fit: loss per epoch")
    lims = (-3.2, 3.2)
    for j, label in enumerate(["y0 = x0 - 2 x1", "y1 = max(0, x2)"]):
        ax2.plot(run["y_new"][:, j], run["pred_new"][:, j], "o", ms=3, alpha=0.7,
                 color=f"C{j + 1}", label=label)
    ax2.plot(lims, lims, "k--", lw=1, label="perfect prediction")
    ax2.set(xlim=lims, ylim=lims, xlabel="target",
            ylabel="model.predict", title="predict on 200 new inputs")
    ax2.legend(loc="upper left", fontsize=8)
    return fig


def show_example() -> None:
    """The model's summary, and a batch of 5 inputs mapped to 5 outputs."""
    model = build_model()
    print(summary_text(model))
    x = data(5, seed_value=3)[0]
    y = model.predict(x, verbose=0)
    print(f"\ninput shape {x.shape} -> output shape {y.shape} (before training)")


def show_training() -> None:
    """compile + fit: the loss at a few epochs; predict on three new inputs."""
    run = trained_model()
    loss = run["loss"]
    print(table({f"loss after epoch {e}": float(loss[e - 1]) for e in (1, 5, 20, EPOCHS)}))
    glue("loss_ratio", float(loss[0] / loss[-1]))
    glue("max_error", float(np.abs(run["pred_new"] - run["y_new"]).max()))
    glue("mean_error", float(np.abs(run["pred_new"] - run["y_new"]).mean()))
    print("\npredict on new inputs:")
    with np.printoptions(precision=3, suppress=True):
        for x, y, p in zip(run["x_new"][:3], run["y_new"][:3], run["pred_new"][:3]):
            print(f"  x = {x}  target = {y}  predicted = {p}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_training, plot_training, show_cross_check)
