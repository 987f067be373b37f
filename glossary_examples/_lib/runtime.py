"""Quiet, seeded, deterministic access to Keras for every example.

Importing TensorFlow costs seconds, so no term module imports it at module
level; examples call :func:`keras` inside the functions that need it. The
first call silences TensorFlow's C++ and Python logging (which would otherwise
land on the pages as stray stderr), pins the thread pools to one thread so
reductions add up in the same order every run, and turns on op determinism.

>>> seeded_rng(0).integers(0, 10, size=3).tolist()
[8, 6, 5]
"""

from __future__ import annotations

import functools
import os

import numpy as np

from .. import TENSORFLOW_ENV

# Before TensorFlow loads (it reads them once); a user's own setting wins.
for _name, _value in TENSORFLOW_ENV.items():
    os.environ.setdefault(_name, _value)


@functools.cache
def keras():
    """Import, configure once and return the ``keras`` module."""
    import absl.logging
    import tensorflow as tf

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()

    import keras as _keras

    # Progress bars are for terminals, not for pages.
    _keras.utils.disable_interactive_logging()
    return _keras


def tf():
    """The ``tensorflow`` module, configured as in :func:`keras`."""
    keras()
    import tensorflow

    return tensorflow


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
    t = tf()

    @t.function
    def loop(model, optimizer, loss_fn, x, y, steps):
        for _ in t.range(steps):
            with t.GradientTape() as tape:
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
    t = tf()
    optimizer.build(model.trainable_variables)

    @t.function
    def step(xb, yb):
        with t.GradientTape() as tape:
            loss = t.reduce_mean(t.square(model(xb, training=True) - yb))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    losses = []
    for _ in range(epochs):
        for i in range(0, len(x), batch_size):
            step(x[i : i + batch_size], y[i : i + batch_size])
        losses.append(float(np.mean((model(x).numpy() - y) ** 2) / y.var()))
    return np.array(losses)


def seed(value: int = 0) -> None:
    """Seed Python, NumPy and Keras/TensorFlow in one call."""
    keras().utils.set_random_seed(value)


def seeded_rng(value: int = 0) -> np.random.Generator:
    """A NumPy generator for examples that need no Keras."""
    return np.random.default_rng(value)
