"""Deep learning framework (深度学习框架): a library of tensors, automatic differentiation, layers, optimizers and devices.

This glossary uses TensorFlow as the engine and Keras 3 as the interface: every
page builds models from ``keras.Input``, ``keras.layers`` and
``keras.Sequential`` and trains them with ``compile`` and ``fit``. The
framework's central service is automatic differentiation: it records the
operations of a computation (``tf.GradientTape``) and returns exact
derivatives, so nobody derives gradients by hand.

>>> f(np.array([0.0, np.pi]))
array([0., 0.])
>>> float(f_prime_by_hand(np.array([np.pi]))[0]) == -np.pi**2
True
>>> err = abs(central_difference(f, np.array([1.0]), h=1e-5) - f_prime_by_hand(np.array([1.0])))
>>> bool(err[0] < 1e-8)
True
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import table

LEARNING_RATE = 0.1
EPOCHS = 30


def f(x):
    """The example function f(x) = x² sin(x), in NumPy."""
    return x**2 * np.sin(x)


def f_prime_by_hand(x):
    """Its derivative, worked out by hand with the product rule: 2x sin x + x² cos x."""
    return 2 * x * np.sin(x) + x**2 * np.cos(x)


def central_difference(fn, x, h: float):
    """Finite-difference estimate of the derivative: (f(x + h) − f(x − h)) / 2h."""
    return (fn(x + h) - fn(x - h)) / (2 * h)


def autodiff_gradient(x) -> np.ndarray:
    """f'(x) by automatic differentiation: ``tf.GradientTape`` records f, then differentiates.

    Float64 here, so the comparison with the hand derivative is not limited
    by float32 rounding.
    """
    x = tf.constant(np.asarray(x, dtype="float64"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x**2 * tf.sin(x)
    # Element-wise f, so the gradient of sum(y) holds f'(x_i) at every i.
    return tape.gradient(y, x).numpy()


def framework_facts() -> dict[str, object]:
    """Which framework runs, and on which devices."""
    y = tf.constant([1.0, 2.0]) * 2.0
    return {
        "Keras version": keras.__version__,
        "Keras backend": keras.backend.backend(),
        "TensorFlow version": tf.__version__,
        "CPU devices": [d.name for d in tf.config.list_physical_devices("CPU")],
        "GPU devices found": len(tf.config.list_physical_devices("GPU")),
        "device that computed y = 2 * [1, 2]": y.device,
    }


def one_training_step(seed_value: int = 0) -> dict[str, np.ndarray]:
    """The framework's pieces in one step: a layer, a loss, autodiff, an optimizer.

    A ``Dense(1)`` layer on 4 examples; ``tf.GradientTape`` gives the gradient
    of the mean squared error; ``keras.optimizers.SGD`` updates the weights.
    """
    keras.utils.set_random_seed(seed_value)
    x = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0]], dtype="float32")
    y = np.array([[1.0], [2.0], [3.0], [5.0]], dtype="float32")
    layer = keras.layers.Dense(1)
    layer.build((None, 2))
    optimizer = keras.optimizers.SGD(learning_rate=LEARNING_RATE)
    kernel_before = layer.kernel.numpy().copy()
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(y, layer(x))
    grads = tape.gradient(loss, layer.trainable_variables)  # [d loss/d kernel, d loss/d bias]
    optimizer.apply_gradients(zip(grads, layer.trainable_variables))
    kernel_after = layer.kernel.numpy()
    np.testing.assert_allclose(kernel_after, kernel_before - LEARNING_RATE * grads[0].numpy(),
                               rtol=1e-6)
    return {
        "loss": float(loss),
        "kernel before": kernel_before[:, 0],
        "d loss / d kernel": grads[0].numpy()[:, 0],
        "kernel after": kernel_after[:, 0],
    }


def regression_data(n: int = 32, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n examples of y = 2 x1 − 3 x2 + 1 + noise."""
    rng = np.random.default_rng(seed_value)
    x = rng.normal(size=(n, 2)).astype("float32")
    y = (x @ np.array([[2.0], [-3.0]]) + 1.0 + 0.1 * rng.normal(size=(n, 1))).astype("float32")
    return x, y


@functools.cache
def fit_linear_model(epochs: int = EPOCHS, seed_value: int = 0) -> dict:
    """The Keras 3 API used on every page: Input, layers, Sequential, compile, fit.

    Full-batch gradient descent (the batch is all examples, no shuffling),
    so each epoch is exactly one step and NumPy can replay it. The data come
    as one ``tf.data`` pipeline that repeats the full batch, which saves
    ``fit`` from rebuilding its input pipeline at every epoch.
    """
    x, y = regression_data()
    keras.utils.set_random_seed(seed_value)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    initial = [w.copy() for w in model.get_weights()]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE), loss="mse")
    full_batch = tf.data.Dataset.from_tensors((x, y)).repeat()
    history = model.fit(full_batch, epochs=epochs, steps_per_epoch=1, shuffle=False, verbose=0)
    return {"initial": initial, "final": model.get_weights(),
            "loss": np.array(history.history["loss"])}


def numpy_gradient_descent(x, y, kernel, bias, epochs: int = EPOCHS,
                           lr: float = LEARNING_RATE) -> dict:
    """The same training in NumPy, with the gradient of the MSE derived by hand.

    L = mean((xW + b − y)²), dL/dW = 2/n xᵀ(xW + b − y), dL/db = 2/n Σ(xW + b − y).
    """
    kernel, bias = kernel.copy(), bias.copy()
    losses = []
    for _ in range(epochs):
        err = x @ kernel + bias - y
        losses.append(float(np.mean(err**2)))
        kernel -= lr * 2 / len(x) * x.T @ err
        bias -= lr * 2 / len(x) * err.sum(axis=0)
    return {"final": [kernel, bias], "loss": np.array(losses)}


def cross_check() -> dict[str, object]:
    """What the framework computes equals what NumPy computes by hand.

    1. ``tf.GradientTape``'s derivative of x² sin x equals the hand-derived
       2x sin x + x² cos x.
    2. ``model.fit`` of a ``Dense(1)`` layer with SGD equals NumPy gradient
       descent with the hand-derived MSE gradient, started from the same
       weights: same loss in every epoch, same final weights.
    """
    xs = np.linspace(-4, 4, 401)
    auto = autodiff_gradient(xs)
    np.testing.assert_allclose(auto, f_prime_by_hand(xs), rtol=1e-12, atol=1e-12)
    fd = central_difference(f, xs, h=1e-5)

    x, y = regression_data()
    run = fit_linear_model()
    by_hand = numpy_gradient_descent(x, y, *run["initial"])
    np.testing.assert_allclose(run["loss"], by_hand["loss"], rtol=1e-5)
    for keras_w, numpy_w in zip(run["final"], by_hand["final"]):
        np.testing.assert_allclose(keras_w, numpy_w, rtol=1e-5, atol=1e-6)
    return {
        "max |autodiff - hand derivative|": float(np.abs(auto - f_prime_by_hand(xs)).max()),
        "max |finite diff (h=1e-5) - hand|": float(np.abs(fd - f_prime_by_hand(xs)).max()),
        f"fit: History loss of epoch {EPOCHS}": float(run["loss"][-1]),
        f"NumPy by hand, loss of step {EPOCHS}": float(by_hand["loss"][-1]),
        "fit: final kernel, bias, Keras": [*map(float, run["final"][0][:, 0]),
                                           float(run["final"][1][0])],
        "NumPy by hand": [*map(float, by_hand["final"][0][:, 0]),
                          float(by_hand["final"][1][0])],
        "max |Keras - NumPy| over the weights": float(max(
            np.abs(a - b).max() for a, b in zip(run["final"], by_hand["final"]))),
    }


def fd_errors(steps=None) -> dict[str, np.ndarray]:
    """Largest error of central differences on [−4, 4] for each step size h."""
    steps = np.logspace(-12, 0, 49) if steps is None else np.asarray(steps)
    xs = np.linspace(-4, 4, 401)
    exact = f_prime_by_hand(xs)
    errors = np.array([np.abs(central_difference(f, xs, h) - exact).max() for h in steps])
    return {"h": steps, "error": errors,
            "autodiff error": float(np.abs(autodiff_gradient(xs) - exact).max())}


def plot_gradients():
    """Left: f, its autodiff derivative and a coarse finite difference. Right: error vs h."""
    import matplotlib.pyplot as plt

    xs = np.linspace(-4, 4, 401)
    coarse = np.linspace(-4, 4, 17)
    errs = fd_errors()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.plot(xs, f(xs), color="0.6", lw=1.5, label="f(x) = x² sin x")
    ax1.plot(xs, autodiff_gradient(xs), color="C0", lw=2, label="f'(x), GradientTape")
    ax1.plot(coarse, central_difference(f, coarse, h=0.5), "o", color="C3", ms=5,
             label="finite difference, h = 0.5")
    ax1.axhline(0, color="k", lw=0.5)
    ax1.set(xlabel="x", ylabel="value", title="Autodiff vs finite differences")
    ax1.legend(loc="lower center", fontsize=8)
    ax2.loglog(errs["h"], errs["error"], "o-", ms=3, color="C3", label="finite difference")
    floor = max(errs["autodiff error"], 1e-16)
    ax2.axhline(floor, color="C0", lw=2, label="GradientTape (float64)")
    ax2.set(xlabel="step h", ylabel="max error on [-4, 4]",
            title="Finite differences: no h is exact")
    ax2.legend(loc="upper left", fontsize=8)
    return fig


def show_example() -> None:
    """The framework and its devices, then one hand-written training step."""
    print(table(framework_facts()))
    print()
    print("One training step of Dense(1) with GradientTape and SGD(learning_rate=0.1):")
    with np.printoptions(precision=4, suppress=True):
        for name, value in one_training_step().items():
            print(f"  {name:<18} {value if isinstance(value, np.ndarray) else f'{value:.4f}'}")
    print("  check: kernel after = kernel before - 0.1 * gradient  (asserted)")


def show_autodiff() -> None:
    """f'(x) at a few points: by hand, by GradientTape, by finite differences."""
    xs = np.array([-2.0, 0.0, 1.0, 3.0])
    print(table({
        "x": xs.tolist(),
        "by hand, 2x sin x + x² cos x": f_prime_by_hand(xs).tolist(),
        "tf.GradientTape": autodiff_gradient(xs).tolist(),
        "finite difference, h = 0.5": central_difference(f, xs, 0.5).tolist(),
    }))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_autodiff, plot_gradients, show_cross_check)
