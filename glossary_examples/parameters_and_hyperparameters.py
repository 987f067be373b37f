"""Parameters vs hyperparameters (参数与超参数): parameters are learned by training, hyperparameters are chosen.

The parameters of a network are the numbers ``fit`` adjusts by gradient
descent: every weight and bias (``model.trainable_weights``; their number is
``sum(w.numpy().size for w in model.trainable_weights)``, while
``model.count_params()`` also counts non-trainable weights such as
BatchNormalization's moving statistics). The hyperparameters are everything set in code
before training and left alone by it: the learning rate, batch size, number
of epochs, number of layers, units per layer, activation, regularisation
strength. They are chosen by comparing trained models on held-out data.

A Dense layer with ``n`` inputs and ``u`` units has ``n * u`` weights and
``u`` biases:

>>> dense_param_count(4, [16, 16, 1])
369
>>> 4 * 16 + 16 + 16 * 16 + 16 + 16 * 1 + 1
369
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table
from ._lib.seeds import SEEDS, Spread, separated

# The hyperparameters of the example, all chosen here, before training.
INPUTS = 4
UNITS = (16, 16)  # hidden layers and units per layer
ACTIVATION = "relu"
L2 = 1e-4  # regularisation strength of the kernel's L2 penalty
LEARNING_RATE = 0.1
BATCH_SIZE = 32
EPOCHS = 5
# The sweep: the same model trained with each learning rate, nothing else changed.
RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
N_TRAIN = 1024
N_HELD_OUT = 512


def dense_param_count(inputs: int, units) -> int:
    """Parameters of a stack of Dense layers: ``n * u`` weights + ``u`` biases per layer.

    >>> dense_param_count(784, [10])
    7850
    """
    total, n = 0, inputs
    for u in units:
        total += n * u + u
        n = u
    return total


def task_data(seed_value: int = 0) -> dict[str, np.ndarray]:
    """Training and held-out examples of y = sin(2 x1) + x2 x3 + noise, x in [-1, 1]^4."""
    rng = np.random.default_rng(seed_value)

    def draw(n):
        x = rng.uniform(-1.0, 1.0, size=(n, INPUTS)).astype("float32")
        y = np.sin(2 * x[:, :1]) + x[:, 1:2] * x[:, 2:3] + 0.1 * rng.normal(size=(n, 1))
        return x, y.astype("float32")

    x_train, y_train = draw(N_TRAIN)
    x_held_out, y_held_out = draw(N_HELD_OUT)
    return {"x_train": x_train, "y_train": y_train,
            "x_held_out": x_held_out, "y_held_out": y_held_out}


def build_model(units=UNITS, activation: str = ACTIVATION, l2: float = L2,
                learning_rate: float = LEARNING_RATE, seed_value: int = 0):
    """A compiled MLP; every argument is a hyperparameter."""
    keras.utils.set_random_seed(seed_value)
    hidden = [keras.layers.Dense(u, activation=activation,
                             kernel_regularizer=keras.regularizers.L2(l2)) for u in units]
    model = keras.Sequential([keras.Input((INPUTS,)), *hidden, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


def hyperparameters_of(model, batch_size: int, epochs: int) -> dict[str, object]:
    """The hyperparameters, read back from the model and optimizer objects.

    Batch size and epochs are arguments of ``fit``, not stored in the model,
    so they are passed in.
    """
    hidden = model.layers[:-1]
    return {
        "hidden layers": len(hidden),
        "units per layer": [layer.units for layer in hidden],
        "activation": hidden[0].activation.__name__,
        "L2 strength": float(hidden[0].kernel_regularizer.l2),
        # stored as float32: 0.1 reads back as 0.10000000149, so round
        "learning rate": float(f"{float(model.optimizer.learning_rate):.6g}"),
        "batch size": batch_size,
        "epochs": epochs,
    }


@functools.cache
def _model_and_initial_weights():
    """The example model, compiled once, and a copy of its initial parameters."""
    model = build_model()
    return model, [w.copy() for w in model.get_weights()]


@functools.cache
def train(learning_rate: float = LEARNING_RATE) -> dict:
    """Train the example model with ``learning_rate``; record what ``fit`` changed.

    Every run starts from the same initial parameters (``set_weights``) and
    sees the same batches (the data are in random order already, and
    ``shuffle=False``); only the learning rate differs. Reusing one compiled
    model saves building and tracing a new one per run. Losses are mean
    squared errors without the L2 penalty, ``inf`` if training diverged.
    """
    d = task_data()
    model, initial = _model_and_initial_weights()
    model.set_weights(initial)
    model.optimizer.learning_rate = learning_rate
    before = model.get_weights()
    hyper_before = hyperparameters_of(model, BATCH_SIZE, EPOCHS)
    model.fit(d["x_train"], d["y_train"], batch_size=BATCH_SIZE, epochs=EPOCHS,
              shuffle=False, verbose=0)

    def mse(x, y):
        value = float(np.mean((model(x).numpy() - y) ** 2))
        return value if math.isfinite(value) else math.inf

    return {
        "weights before": before,
        "weights after": model.get_weights(),
        "hyperparameters before": hyper_before,
        "hyperparameters after": hyperparameters_of(model, BATCH_SIZE, EPOCHS),
        "training loss": mse(d["x_train"], d["y_train"]),
        "held-out loss": mse(d["x_held_out"], d["y_held_out"]),
    }


@functools.cache
def learning_rate_sweep(rates=RATES, seeds=tuple(range(SEEDS))) -> dict[float, dict]:
    """Training and held-out loss after EPOCHS epochs, per learning rate, over seeds.

    One run per (rate, seed): seed ``s`` sets the initial parameters (as
    ``build_model(seed_value=s)`` draws them); all runs see the same batches in
    the same order. The runs are trained together in one compiled loop, with
    every run's parameters stacked along a leading axis: the algorithm of
    ``fit`` with SGD (mean squared error of the batch plus the L2 penalty,
    then ``w -= learning_rate * gradient``), each run with its own rate.
    """
    d = task_data()
    runs = [(rate, s) for rate in rates for s in seeds]
    initial = {s: build_model(seed_value=s).get_weights() for s in seeds}
    stacked = [tf.Variable(np.stack([initial[s][i] for _, s in runs]))
               for i in range(len(initial[seeds[0]]))]
    lr = tf.constant([rate for rate, _ in runs], dtype="float32")
    g = {"relu": tf.nn.relu, "tanh": tf.tanh}[ACTIVATION]

    def forward(params, x):  # x: (batch, inputs) -> (runs, batch, 1)
        h = tf.einsum("bi,kio->kbo", x, params[0]) + params[1][:, None, :]
        for kernel, bias in zip(params[2:-2:2], params[3:-2:2]):
            h = tf.einsum("kbi,kio->kbo", g(h), kernel) + bias[:, None, :]
        return tf.einsum("kbi,kio->kbo", g(h), params[-2]) + params[-1][:, None, :]

    @tf.function
    def train_all(x, y):
        for _ in tf.range(EPOCHS):
            for i in tf.range(0, N_TRAIN, BATCH_SIZE):
                xb, yb = x[i:i + BATCH_SIZE], y[i:i + BATCH_SIZE]
                with tf.GradientTape() as tape:
                    mse = tf.reduce_mean(tf.square(forward(stacked, xb) - yb), axis=[1, 2])
                    penalty = L2 * sum(tf.reduce_sum(tf.square(w), axis=[1, 2])
                                       for w in stacked[:-2:2])  # hidden kernels only
                    loss = tf.reduce_sum(mse + penalty)  # runs share no weight
                grads = tape.gradient(loss, stacked)
                for w, grad in zip(stacked, grads):
                    w.assign_sub(tf.reshape(lr, [-1] + [1] * (len(w.shape) - 1)) * grad)

    train_all(tf.constant(d["x_train"]), tf.constant(d["y_train"]))
    final = [w.numpy() for w in stacked]

    def mse(x, y):
        with np.errstate(all="ignore"):
            err = np.mean((forward(final, x).numpy() - y) ** 2, axis=(1, 2))
        return np.where(np.isfinite(err), err, np.inf)

    training, held_out = mse(d["x_train"], d["y_train"]), mse(d["x_held_out"], d["y_held_out"])
    result = {}
    for rate in rates:
        idx = [i for i, (r, _) in enumerate(runs) if r == rate]
        result[rate] = {"training": training[idx], "held-out": held_out[idx],
                        "weights": [[w[i] for w in final] for i in idx]}
    return result


def sweep_summary(sweep) -> dict[str, object]:
    """The best rate by mean held-out loss, and whether its range overlaps the runner-up's."""
    finite = {r: v["held-out"] for r, v in sweep.items() if np.isfinite(v["held-out"]).all()}
    ranked = sorted(finite, key=lambda r: finite[r].mean())
    best, second = ranked[0], ranked[1]
    return {"best": best, "second": second,
            "separated": separated(Spread.of(finite[best]), Spread.of(finite[second])),
            "diverged": {r: int((~np.isfinite(v["held-out"])).sum()) for r, v in sweep.items()}}


def numpy_forward(weights: list[np.ndarray], x: np.ndarray, activation: str = ACTIVATION):
    """The MLP in NumPy from its parameters alone: ``g(x W + b)`` per hidden layer."""
    g = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh}[activation]
    h = x
    for kernel, bias in zip(weights[:-2:2], weights[1:-2:2]):
        h = g(h @ kernel + bias)
    return h @ weights[-2] + weights[-1]


def cross_check() -> dict[str, object]:
    """The parameter formula equals Keras's count; NumPy reproduces ``predict``; the sweep is ``fit``.

    For several architectures, ``dense_param_count`` is asserted equal to
    Keras's count. Then the trained example model: a NumPy forward pass that
    uses only ``model.get_weights()`` (the parameters) and the chosen
    activation (a hyperparameter) is asserted equal to ``model.predict``, and
    the sweep's run with the same rate and seed is asserted to end at the
    parameters ``fit`` reached. Last, a model with BatchNormalization:
    ``count_params()`` = trainable + non-trainable.
    """
    result: dict[str, object] = {}
    for units in [(16, 16), (8, 8, 8, 8)]:
        model = build_model(units=units)
        formula = dense_param_count(INPUTS, [*units, 1])
        assert formula == model.count_params(), (units, formula, model.count_params())
        result[f"hidden {list(units)}: formula, count_params"] = [formula, model.count_params()]

    model, _ = _model_and_initial_weights()
    model.set_weights(train()["weights after"])
    x = task_data()["x_held_out"]
    by_keras = model.predict(x, verbose=0)
    by_numpy = numpy_forward(model.get_weights(), x)
    np.testing.assert_allclose(by_numpy, by_keras, rtol=1e-4, atol=1e-5)
    result["trained model: max |NumPy - predict|"] = float(np.abs(by_numpy - by_keras).max())

    by_sweep = learning_rate_sweep()[LEARNING_RATE]["weights"][0]  # seed 0
    for a, b in zip(by_sweep, model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
    result["sweep loop vs fit, max |weight difference|"] = max(
        float(np.abs(a - b).max()) for a, b in zip(by_sweep, model.get_weights()))

    keras.utils.set_random_seed(0)
    with_norm = keras.Sequential([keras.Input((INPUTS,)), keras.layers.Dense(8),
                              keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    trainable = sum(w.numpy().size for w in with_norm.trainable_weights)
    frozen = sum(w.numpy().size for w in with_norm.non_trainable_weights)
    assert trainable + frozen == with_norm.count_params()
    result["with BatchNormalization: trainable, non-trainable, count_params"] = [
        trainable, frozen, with_norm.count_params()]
    return result


def plot_sweep():
    """Held-out and training loss against the learning rate: mean and range over seeds."""
    import matplotlib.pyplot as plt

    sweep = learning_rate_sweep()
    rates = np.array(list(sweep))
    ok = np.array([np.isfinite(v["held-out"]).all() for v in sweep.values()])
    best = sweep_summary(sweep)["best"]
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    ceiling = 0.0
    for key, style, label in (("held-out", "o-", "held-out loss"),
                              ("training", "s--", "training loss")):
        values = np.array([sweep[r][key] for r in rates[ok]])
        line, = ax.plot(rates[ok], values.mean(axis=1), style, label=f"{label}, mean")
        ax.fill_between(rates[ok], values.min(axis=1), values.max(axis=1),
                        color=line.get_color(), alpha=0.2, label=f"{label}, range over seeds")
        ceiling = max(ceiling, 1.3 * values.max())
    if not ok.all():
        ax.plot(rates[~ok], np.full((~ok).sum(), ceiling), "rx", ms=10, mew=2,
                label="diverged (loss not finite)")
    ax.axvline(best, color="k", ls=":", lw=1, label=f"best mean held-out: {best:g}")
    ax.axhline(float(task_data()["y_held_out"].var()), color="gray", ls="-.", lw=1,
               label="always predicting the mean")
    ax.set(xscale="log", yscale="log", xlabel="learning rate (a hyperparameter)",
           ylabel="mean squared error",
           title=f"Same model and data, {SEEDS} initial seeds per rate; {EPOCHS} epochs of SGD")
    ax.legend(loc="upper center", fontsize=7, ncol=2)
    return fig


def show_parameter_count() -> None:
    """Each layer's parameters by the formula, and Keras's count."""
    model = build_model()
    n = INPUTS
    for i, layer in enumerate(model.layers, start=1):
        kernel, bias = layer.kernel, layer.bias
        u = layer.units
        print(f"layer {i}  kernel {str(tuple(kernel.shape)):<9} bias {str(tuple(bias.shape)):<6}"
              f" {n} * {u} + {u} = {n * u + u}")
        n = u
    print(f"formula total:        {dense_param_count(INPUTS, [*UNITS, 1])}")
    print(f"model.count_params(): {model.count_params()}")
    print(f"model.trainable_weights: {len(model.trainable_weights)} tensors, "
          f"{sum(w.numpy().size for w in model.trainable_weights)} numbers")


def show_fit_effect() -> None:
    """What ``fit`` changed: the parameters, and not the hyperparameters."""
    run = train()
    changed = [float(np.abs(a - b).max()) for a, b in zip(run["weights after"], run["weights before"])]
    names = [f"layer {i // 2 + 1} {'bias' if i % 2 else 'kernel'}" for i in range(len(changed))]
    print("parameters, largest change during fit:")
    print(table({name: value for name, value in zip(names, changed)}, indent="  "))
    print("hyperparameters, before fit -> after fit:")
    before, after = run["hyperparameters before"], run["hyperparameters after"]
    print(table({k: f"{before[k]} -> {after[k]}" for k in before}, indent="  "))
    print(f"every parameter tensor changed: {all(c > 0 for c in changed)}")
    print(f"every hyperparameter unchanged: {before == after}")


def show_sweep() -> None:
    """The learning-rate sweep over seeds; the best rate by mean held-out loss."""
    sweep = learning_rate_sweep()
    print(f"{'learning rate':>13}  {'training loss':<40}  held-out loss")
    for rate, v in sweep.items():
        cells = [str(Spread.of(v[key])) if np.isfinite(v[key]).all()
                 else f"diverged in {int((~np.isfinite(v[key])).sum())} of {len(v[key])} seeds"
                 for key in ("training", "held-out")]
        print(f"{rate:>13g}  {cells[0]:<40}  {cells[1]}")
    summary = sweep_summary(sweep)
    glue("best_rate", summary["best"])
    glue("second_rate", summary["second"])
    rates = list(sweep)
    glue("low_rate", rates[0])
    glue("low_loss", float(sweep[rates[0]]["held-out"].mean()))
    glue("mean_loss", float(task_data()["y_held_out"].var()))
    glue("best_loss", float(sweep[summary["best"]]["held-out"].mean()))
    glue("high_rate", rates[-1])
    glue("next_rate", rates[-2])
    glue("div_high", summary["diverged"][rates[-1]])
    glue("div_next", summary["diverged"][rates[-2]])
    glue("n_seeds", len(sweep[rates[0]]["held-out"]))
    print(f"best learning rate by mean held-out loss: {summary['best']:g}; "
          f"runner-up: {summary['second']:g}; "
          f"ranges over seeds separated: {summary['separated']}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_parameter_count, show_fit_effect, show_sweep, plot_sweep, show_cross_check)
