"""TensorFlow set up for every example: quiet, on one thread, deterministic.

Term modules use the public APIs directly (``import keras``,
``import tensorflow as tf``, ``keras.utils.set_random_seed``), so the code a
page shows can be copied as it is. What they share is done once, here, when a
term module imports this module (a test checks that every module using
TensorFlow does): :func:`configure_tensorflow`. The package's ``__init__`` has
already set TensorFlow's environment variables before anything loads.

The downloadable notebook of each page starts with the same set-up as plain
code (``glossary_site.downloads`` copies the body of
:func:`configure_tensorflow`), so a download runs without this package.

>>> seeded_rng(0).integers(0, 10, size=3).tolist()
[8, 6, 5]
"""

from __future__ import annotations

import functools

import absl.logging
import keras
import numpy as np
import tensorflow as tf


def configure_tensorflow() -> None:
    """Quiet logs, one thread, deterministic ops, no progress bars: once, before any op runs."""
    # TensorFlow's Python and absl warnings would land on the pages as stray stderr.
    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")
    # One thread: reductions add up in the same order on every run and machine.
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()
    # Progress bars are for terminals, not for pages.
    keras.utils.disable_interactive_logging()


configure_tensorflow()


@functools.cache
def full_batch_loop():
    """A compiled training loop: ``loop(model, optimizer, loss_fn, x, y, steps)``.

    Runs ``steps`` gradient steps on the whole of (x, y): the algorithm of
    ``model.fit(x, y, batch_size=len(x), epochs=steps, shuffle=False)``, but
    as one TensorFlow graph, which is many times faster for small models than
    ``fit``'s per-epoch overhead. The optimizer must be built first
    (``optimizer.build(model.trainable_variables)``). Unlike ``fit``, it does not
    add ``model.losses`` (regularisation penalties): a model with regularisers
    needs a ``loss_fn`` that adds them.
    """
    @tf.function
    def loop(model, optimizer, loss_fn, x, y, steps):
        for _ in tf.range(steps):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))

    return loop


def minibatch_mse_training(model, optimizer, x, y, epochs: int, batch_size: int) -> np.ndarray:
    """Train ``model`` on (x, y) by mini-batches in a fixed order; return its loss per epoch.

    Each step minimises the mean squared error of one batch (one compiled
    step, called once per batch). After each epoch the loss is measured on
    all of ``x`` and divided by the variance of ``y``: 1.0 is what always
    predicting the mean achieves, so runs on different targets compare.
    Batches are taken in order, not shuffled, so runs that differ only in
    one setting see the same data in the same order.
    """
    optimizer.build(model.trainable_variables)

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(xb, training=True) - yb))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    losses = []
    for _ in range(epochs):
        for i in range(0, len(x), batch_size):
            step(x[i : i + batch_size], y[i : i + batch_size])
        losses.append(float(np.mean((model(x).numpy() - y) ** 2) / y.var()))
    return np.array(losses)


def seeded_rng(value: int = 0) -> np.random.Generator:
    """A NumPy generator for examples that need no Keras."""
    return np.random.default_rng(value)
