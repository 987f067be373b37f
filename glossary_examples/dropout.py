"""Dropout (丢弃): zero random units during training only, scaling the kept ones.

Keras uses *inverted* dropout: in training each unit is kept with probability
``1 - rate`` and the kept values are divided by ``1 - rate``, so the expected
output equals the input; at inference the layer passes its input through.

>>> out = dropout_once([1.0, 2.0, 3.0, 4.0], rate=0.5, seed_value=1)
>>> [v in (0.0, 2 * x) for v, x in zip(out["training"], [1, 2, 3, 4])]  # dropped, or doubled
[True, True, True, True]
>>> out["inference"].tolist()
[1.0, 2.0, 3.0, 4.0]
"""

from __future__ import annotations

import numpy as np

from ._lib.claims import ClaimCheck
from ._lib.report import glue, table
from ._lib.runtime import keras, seed

RATE = 0.5


def dropout_once(x, rate: float = RATE, seed_value: int = 0) -> dict[str, np.ndarray]:
    """One call of ``keras.layers.Dropout`` in training and in inference mode."""
    k = keras()
    layer = k.layers.Dropout(rate, seed=seed_value)
    x = np.asarray(x, dtype="float32")[None, :]
    return {
        "input": x[0],
        "training": layer(x, training=True).numpy()[0],
        "inference": layer(x, training=False).numpy()[0],
    }


def numpy_inverted_dropout(x, keep_mask, rate: float = RATE) -> np.ndarray:
    """Inverted dropout in NumPy: kept units divided by ``1 - rate``.

    >>> numpy_inverted_dropout(np.array([1.0, 2.0]), np.array([True, False]), rate=0.5)
    array([2., 0.])
    """
    return np.where(keep_mask, np.asarray(x) / (1.0 - rate), 0.0)


def cross_check(rate: float = RATE, n: int = 1000, seed_value: int = 0) -> dict[str, float]:
    """Keras's training output equals NumPy's inverted dropout on Keras's own mask.

    The mask is read off the Keras output (a unit was dropped where the output is
    zero; inputs are strictly positive, so no kept unit can be zero).
    """
    x = np.linspace(0.5, 2.0, n, dtype="float32")
    out = dropout_once(x, rate, seed_value)
    mask = out["training"] != 0
    np.testing.assert_allclose(out["training"], numpy_inverted_dropout(x, mask, rate), rtol=1e-6)
    np.testing.assert_array_equal(out["inference"], x)
    return {
        "kept fraction": float(mask.mean()),
        "expected kept fraction": 1.0 - rate,
        "mean input": float(x.mean()),
        "mean training output": float(out["training"].mean()),
    }


def thinned_masks(steps: int = 8, units: int = 16, rate: float = RATE, seed_value: int = 0) -> np.ndarray:
    """The keep masks of ``steps`` successive training calls: one thinned network each."""
    k = keras()
    layer = k.layers.Dropout(rate, seed=seed_value)
    ones = np.ones((1, units), dtype="float32")
    return np.stack([layer(ones, training=True).numpy()[0] != 0 for _ in range(steps)])


def _small_model(seed_value: int = 0):
    k = keras()
    seed(seed_value)
    return k.Sequential(
        [
            k.Input((8,)),
            k.layers.Dense(64, activation="relu"),
            k.layers.Dropout(RATE, seed=seed_value),
            k.layers.Dense(1),
        ]
    )


def ensemble_vs_full_network(samples: int = 1000, seed_value: int = 0) -> dict[str, float]:
    """Compare the network Keras uses at inference with an explicit ensemble.

    The explicit ensemble averages ``samples`` thinned networks (dropout kept
    on with ``training=True``); Keras's ``predict`` runs the full network once.
    """
    model = _small_model(seed_value)
    x = np.random.default_rng(seed_value).normal(size=(32, 8)).astype("float32")
    full_1 = model.predict(x, verbose=0)
    full_2 = model.predict(x, verbose=0)
    # One call on `samples` stacked copies of x: every row gets its own mask,
    # so this is `samples` thinned networks at once (and far faster than a loop).
    thinned = model(np.tile(x, (samples, 1)), training=True).numpy()
    thinned = thinned.reshape(samples, *full_1.shape)
    ensemble = thinned.mean(axis=0)
    scale = float(np.abs(ensemble).mean())
    return {
        "predict twice, max difference": float(np.abs(full_1 - full_2).max()),
        "spread of single thinned nets": float(thinned.std(axis=0).mean() / scale),
        "full net vs ensemble, relative gap": float(np.abs(full_1 - ensemble).mean() / scale),
    }


def check_dropout_ensemble() -> ClaimCheck:
    """Claim: many thinned networks are trained and their outputs are combined.

    Trained on many thinned networks: yes, when every step draws a new mask.
    Outputs combined: not by Keras. ``predict`` runs one full network,
    deterministically, which only approximates the ensemble's mean.
    """
    masks = thinned_masks(steps=32, units=64)
    distinct = len({m.tobytes() for m in masks})
    cmp = ensemble_vs_full_network()
    glue("gap", cmp["full net vs ensemble, relative gap"])
    many_thinned = distinct == len(masks)
    single_pass = cmp["predict twice, max difference"] == 0.0
    close = cmp["full net vs ensemble, relative gap"] < 0.1
    if many_thinned and not single_pass:
        verdict = "holds"
    elif many_thinned and close:
        verdict = "conditions"
    else:
        verdict = "wrong"
    return ClaimCheck(
        "dropout-ensemble",
        verdict,
        {
            "distinct masks in 32 training steps": distinct,
            "inference is one deterministic pass": single_pass,
            **cmp,
        },
    )


def plot_thinned_networks():
    """Left: the keep masks of 8 training steps. Right: mean output vs input."""
    import matplotlib.pyplot as plt

    masks = thinned_masks(steps=8, units=16)
    k = keras()
    layer = k.layers.Dropout(RATE, seed=0)
    ones = np.ones((1, 16), dtype="float32")
    running = np.cumsum([layer(ones, training=True).numpy()[0].mean() for _ in range(200)])
    running /= np.arange(1, 201)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    ax1.imshow(masks, cmap="Greys", aspect="auto", vmin=0, vmax=1)
    ax1.set(xlabel="unit", ylabel="training step", title="Kept units (black), rate 0.5")
    ax2.plot(np.arange(1, 201), running, label="mean output, training")
    ax2.axhline(1.0, color="k", ls="--", lw=1, label="input (= inference output)")
    ax2.set(xlabel="training steps averaged", ylabel="value", ylim=(0.6, 1.4),
            title="Scaling by 1/(1 − rate) keeps the mean")
    ax2.legend(loc="lower right")
    return fig


def show_example() -> None:
    """The same layer on the inputs 1..8, in training and in inference mode."""
    out = dropout_once(np.arange(1, 9, dtype="float32"))
    with np.printoptions(precision=3, suppress=True):
        for mode, values in out.items():
            print(f"{mode:>9}: {values}")


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, plot_thinned_networks, show_cross_check, check_dropout_ensemble)
