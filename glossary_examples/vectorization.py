"""Vectorization (向量化): replacing a Python loop over elements by one whole-array operation.

A vectorised expression such as ``np.dot(w, x)`` computes the same numbers as
the loop ``for i in range(n): s += w[i] * x[i]``, but the loop over the
elements runs in compiled code instead of in the Python interpreter, so the
interpreter's cost per element disappears. The results agree up to rounding
(a vectorised sum may add the terms in another order).

>>> dot_loop([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
32.0
>>> float(dot_numpy(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])))
32.0
"""

from __future__ import annotations

import sys
import timeit

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import table

# Elements of the timed dot product. NumPy hands np.dot to OpenBLAS, which
# splits longer vectors over several threads; on a busy machine those threads
# wait for each other and the timings become erratic. Up to 10 000 elements
# OpenBLAS stays on one thread, as the loop and TensorFlow (pinned to one
# thread by the runtime) do.
N = 10_000
LOOP_REPEATS = 20
FAST_REPEATS = 50
# Speed-ups are printed only as "faster than this bound: True/False", never as
# timings: timings change from run to run, the page must not. The bounds sit
# well below the ratios measured on the machine that builds the site, even
# when it is busy: several hundred for NumPy, 3 to 5 for TensorFlow, whose
# fixed cost per call is large at this size.
NUMPY_BOUND = 100
TF_BOUND = 1
COUNT_SIZES = (1, 10, 100, 1_000, 10_000)  # n for the instruction counts


def dot_loop(w, x) -> float:
    """The dot product ``w·x`` one element at a time, in the Python interpreter."""
    s = 0.0
    for i in range(len(w)):
        s += w[i] * x[i]
    return s


def dot_numpy(w, x):
    """The same dot product as one NumPy call: the loop runs in compiled code."""
    return np.dot(w, x)


def dot_tensorflow(w, x):
    """The same dot product as one TensorFlow op (``w`` and ``x`` are tensors)."""
    return tf.tensordot(w, x, axes=1)


def example_vectors(n: int = N, seed_value: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two float64 vectors of ``n`` uniform random numbers in [0, 1)."""
    rng = np.random.default_rng(seed_value)
    return rng.uniform(size=n), rng.uniform(size=n)


def best_time(fn, repeats: int) -> float:
    """The fastest of ``repeats`` single calls, in seconds (the least disturbed run)."""
    fn()  # warm up: first calls pay one-off costs
    return min(timeit.repeat(fn, number=1, repeat=repeats))


def speed_comparison(n: int = N) -> dict[str, object]:
    """Time the three dot products on the same vectors; return robust facts only.

    Asserts that the three results agree; returns the results and whether each
    vectorised version beats the loop by more than its bound. The raw timings
    stay inside this function.
    """
    w, x = example_vectors(n)
    tw, tx = tf.constant(w), tf.constant(x)
    results = {"loop": dot_loop(w, x), "numpy": float(dot_numpy(w, x)),
               "tensorflow": float(dot_tensorflow(tw, tx))}
    np.testing.assert_allclose(results["numpy"], results["loop"], rtol=1e-12)
    np.testing.assert_allclose(results["tensorflow"], results["loop"], rtol=1e-12)
    seconds = {
        "loop": best_time(lambda: dot_loop(w, x), LOOP_REPEATS),
        "numpy": best_time(lambda: dot_numpy(w, x), FAST_REPEATS),
        "tensorflow": best_time(lambda: dot_tensorflow(tw, tx), FAST_REPEATS),
    }
    return {
        "n": n,
        "results": results,
        f"NumPy faster than the loop by more than {NUMPY_BOUND}x":
            seconds["loop"] / seconds["numpy"] > NUMPY_BOUND,
        "TensorFlow faster than the loop":
            seconds["loop"] / seconds["tensorflow"] > TF_BOUND,
        "NumPy faster than TensorFlow (one CPU thread)":
            seconds["numpy"] < seconds["tensorflow"],
    }


def count_instructions(fn, *args) -> int:
    """Python bytecode instructions the interpreter executes during ``fn(*args)``.

    Deterministic (for one Python version), unlike a timing. Code that runs in
    C (inside NumPy or TensorFlow) executes no bytecode and is not counted.

    >>> a, b, c = (count_instructions(dot_loop, [1.0] * n, [1.0] * n) for n in (10, 20, 30))
    >>> c - b == b - a > 0  # the same work for every 10 further elements
    True
    >>> ones = np.ones(1000)
    >>> count_instructions(dot_numpy, ones[:10], ones[:10]) == count_instructions(
    ...     dot_numpy, ones, ones)
    True
    """
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn(*args)
    finally:
        sys.settrace(previous)
    return count


def instruction_counts(sizes=COUNT_SIZES) -> dict[str, list[int]]:
    """Bytecode instructions for one dot product of each size, per implementation."""
    counts: dict[str, list[int]] = {"loop": [], "numpy": [], "tensorflow": []}
    for n in sizes:
        w, x = example_vectors(n)
        tw, tx = tf.constant(w), tf.constant(x)
        dot_tensorflow(tw, tx)  # warm up, so one-off set-up is not counted
        counts["loop"].append(count_instructions(dot_loop, w, x))
        counts["numpy"].append(count_instructions(dot_numpy, w, x))
        counts["tensorflow"].append(count_instructions(dot_tensorflow, tw, tx))
    return counts


def loop_dense(x, kernel, bias) -> np.ndarray:
    """A Dense layer's ``x @ kernel + bias`` with three nested Python loops."""
    rows, inputs = len(x), len(kernel)
    units = len(bias)
    out = np.zeros((rows, units))
    for r in range(rows):
        for j in range(units):
            s = bias[j]
            for i in range(inputs):
                s += x[r, i] * kernel[i, j]
            out[r, j] = s
    return out


def cross_check(seed_value: int = 0) -> dict[str, object]:
    """The same numbers four ways: Python loops, NumPy, a TensorFlow op, a Keras layer.

    A dot product (loop, ``np.dot``, ``tf.tensordot``, ``keras.ops.dot``) and a
    Dense layer applied to a batch (three nested loops, ``x @ W + b``,
    ``keras.layers.Dense`` holding the same weights), compared with
    ``np.testing.assert_allclose`` before the differences are returned.
    """
    w, x = example_vectors(1_000_000, seed_value)
    loop = dot_loop(w, x)
    by_numpy = float(dot_numpy(w, x))
    by_tf = float(dot_tensorflow(tf.constant(w), tf.constant(x)))
    by_keras_ops = float(keras.ops.dot(w, x))
    for value in (by_numpy, by_tf, by_keras_ops):
        np.testing.assert_allclose(value, loop, rtol=1e-12)

    rng = np.random.default_rng(seed_value)
    batch = rng.normal(size=(64, 8)).astype("float32")
    kernel = rng.normal(size=(8, 4)).astype("float32")
    bias = rng.normal(size=4).astype("float32")
    layer = keras.layers.Dense(4)
    layer.build((None, 8))
    layer.set_weights([kernel, bias])
    looped = loop_dense(batch.astype("float64"), kernel.astype("float64"), bias.astype("float64"))
    vectorised = batch @ kernel + bias
    by_layer = layer(batch).numpy()
    np.testing.assert_allclose(vectorised, looped, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(by_layer, vectorised, rtol=1e-5, atol=1e-5)
    return {
        "dot of a million elements, loop": loop,
        "relative difference, np.dot vs loop < 1e-12": abs(by_numpy - loop) / loop < 1e-12,
        "relative difference, tf.tensordot vs loop < 1e-12": abs(by_tf - loop) / loop < 1e-12,
        "relative difference, keras.ops.dot vs loop < 1e-12":
            abs(by_keras_ops - loop) / loop < 1e-12,
        "Dense on 64 x 8 batch: loop iterations": 64 * 4 * 8,
        "max |x @ W + b - loops|": float(np.abs(vectorised - looped).max()),
        "max |Dense - (x @ W + b)|": float(np.abs(by_layer - vectorised).max()),
    }


def plot_instruction_counts():
    """Bytecode instructions per dot product (left) and per element (right), by size."""
    import matplotlib.pyplot as plt

    counts = instruction_counts()
    sizes = np.array(COUNT_SIZES)
    labels = {"loop": "Python loop", "numpy": "np.dot", "tensorflow": "tf.tensordot"}
    styles = {"loop": "o-", "numpy": "s-", "tensorflow": "^-"}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for name, values in counts.items():
        values = np.array(values)
        ax1.plot(sizes, values, styles[name], label=labels[name])
        ax2.plot(sizes, values / sizes, styles[name], label=labels[name])
    ax1.set(xscale="log", yscale="log", xlabel="vector length n",
            ylabel="bytecode instructions", title="Interpreter work for one dot product")
    ax1.legend(loc="upper left")
    ax2.set(xscale="log", yscale="log", xlabel="vector length n",
            ylabel="instructions per element", title="Interpreter work per element")
    ax2.legend(loc="lower left")
    return fig


def show_example() -> None:
    """The dot product of two vectors of 10 000 numbers, three ways."""
    out = speed_comparison()
    print(f"w·x for n = {out.pop('n'):,} random numbers")
    results = {f"result, {name}": f"{value:.6f}" for name, value in out.pop("results").items()}
    print(table({**results, **out}))


def show_instruction_counts() -> None:
    """Bytecode instructions the interpreter runs for one dot product of each size."""
    counts = instruction_counts()
    print(f"{'n':>6}  {'loop':>7}  {'np.dot':>6}  {'tf.tensordot':>12}")
    for i, n in enumerate(COUNT_SIZES):
        print(f"{n:>6}  {counts['loop'][i]:>7}  {counts['numpy'][i]:>6}"
              f"  {counts['tensorflow'][i]:>12}")


def show_cross_check() -> None:
    """Loops, NumPy, TensorFlow and Keras agree (assertions in ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_instruction_counts, plot_instruction_counts, show_cross_check)
