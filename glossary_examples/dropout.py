"""Dropout (暂退法): zero random units during training only, scaling the kept ones.

Keras uses *inverted* dropout: in training each unit is kept with probability
``1 - rate`` and the kept values are divided by ``1 - rate``, so the expected
output equals the input; at inference the layer passes its input through.

>>> out = dropout_once([1.0, 2.0, 3.0, 4.0], rate=0.5, seed_value=1)
>>> [v in (0.0, 2 * x) for v, x in zip(out["training"], [1, 2, 3, 4])]  # dropped, or doubled
[True, True, True, True]
>>> out["inference"].tolist()
[1.0, 2.0, 3.0, 4.0]
>>> all_keep_masks(3).tolist()  # every thinned network of a layer of 3 units
[[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
"""

from __future__ import annotations

import functools
import itertools

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.claims import ClaimCheck
from ._lib.report import glue, table

RATE = 0.5
HIDDEN = 8  # units before the dropout layer: 2**8 = 256 thinned networks
SAMPLES = 8000  # thinned networks drawn for the Monte Carlo ensemble


def dropout_once(x, rate: float = RATE, seed_value: int = 0) -> dict[str, np.ndarray]:
    """One call of ``keras.layers.Dropout`` in training and in inference mode."""
    layer = keras.layers.Dropout(rate, seed=seed_value)
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


def training_masks(steps: int = 8, units: int = 16, rate: float = RATE, seed_value: int = 0) -> np.ndarray:
    """The keep masks of ``steps`` training calls: one thinned network each.

    One call on ``steps`` rows of ones: every row gets its own mask, as every
    example of a batch (and every training step) does.
    """
    layer = keras.layers.Dropout(rate, seed=seed_value)
    return layer(np.ones((steps, units), dtype="float32"), training=True).numpy()


def all_keep_masks(units: int = HIDDEN) -> np.ndarray:
    """Every keep mask of ``units`` units, one per row: all 2**units thinned networks."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=units)))


@functools.cache
def small_network(seed_value: int = 0):
    """4 inputs → Dense(8, relu) → Dropout(0.5) → Dense(1): the logit, and σ(logit).

    Returns three models sharing the same layers: ``hidden`` (the 8 values
    the dropout layer receives), ``linear`` (the logit, linear after the
    dropout) and ``sigmoid`` (the same logit through a sigmoid).
    """
    keras.utils.set_random_seed(seed_value)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(HIDDEN, activation="relu")(inputs)
    dropped = keras.layers.Dropout(RATE, seed=seed_value)(hidden)
    logit = keras.layers.Dense(1)(dropped)
    prob = keras.layers.Activation("sigmoid")(logit)
    return {"hidden": keras.Model(inputs, hidden), "linear": keras.Model(inputs, logit),
            "sigmoid": keras.Model(inputs, prob)}


def example_inputs(seed_value: int = 0) -> np.ndarray:
    """8 inputs of the small network (standard normal, doubled so logits spread)."""
    return 2.0 * np.random.default_rng(seed_value).normal(size=(8, 4)).astype("float32")


@functools.cache
def exact_ensemble() -> dict[str, np.ndarray]:
    """Every one of the 256 thinned networks on every example, and the full network.

    Each thinned network multiplies the hidden values by one keep mask and by
    1/(1 - rate), then runs the Keras layers after the dropout (the output
    Dense, and the sigmoid). All 256 masks are equally likely at rate 0.5, so
    the plain mean over them is the ensemble average, exactly.
    """
    nets = small_network()
    x = example_inputs()
    h = nets["hidden"](x).numpy()  # (examples, 8)
    masks = all_keep_masks()  # (256, 8)
    thinned_h = (masks[:, None, :] * h[None, :, :] / (1.0 - RATE)).astype("float32")
    output_layer = nets["linear"].layers[-1]
    logits = output_layer(thinned_h.reshape(-1, HIDDEN)).numpy().reshape(len(masks), len(x))
    return {
        "linear": logits,
        "sigmoid": 1.0 / (1.0 + np.exp(-logits.astype("float64"))),
        "full linear": nets["linear"].predict(x, verbose=0)[:, 0],
        "full sigmoid": nets["sigmoid"].predict(x, verbose=0)[:, 0],
    }


def normalised_geometric_mean(p: np.ndarray) -> np.ndarray:
    """Geometric mean of p over axis 0, renormalised against that of 1 - p.

    >>> float(normalised_geometric_mean(np.array([[0.5], [0.5]]))[0])
    0.5
    """
    g1 = np.exp(np.log(p).mean(axis=0))
    g0 = np.exp(np.log1p(-p).mean(axis=0))
    return g1 / (g1 + g0)


def ensemble_vs_full_network() -> dict[str, float]:
    """The full network against the exact average of all 256 thinned networks.

    Linear after the dropout: equal (asserted). Sigmoid after it: the full
    network differs from the arithmetic mean, but equals the normalised
    geometric mean (asserted).
    """
    e = exact_ensemble()
    np.testing.assert_allclose(e["linear"].mean(axis=0), e["full linear"], rtol=1e-5, atol=1e-5)
    geometric = normalised_geometric_mean(e["sigmoid"])
    np.testing.assert_allclose(geometric, e["full sigmoid"], rtol=1e-5, atol=1e-6)
    return {
        "linear: max |full - mean of 256 nets|":
            float(np.abs(e["linear"].mean(axis=0) - e["full linear"]).max()),
        "sigmoid: max |full - mean of 256 nets|":
            float(np.abs(e["sigmoid"].mean(axis=0) - e["full sigmoid"]).max()),
        "sigmoid: max |full - normalised geometric mean|":
            float(np.abs(geometric - e["full sigmoid"]).max()),
    }


def monte_carlo_gaps(samples: int = SAMPLES) -> dict[str, float]:
    """Average ``samples`` random thinned networks, as Monte Carlo dropout would.

    One call with ``training=True`` on ``samples`` stacked copies of the
    examples: every row draws its own mask. The gap to the full network is
    given in units of the Monte Carlo standard error (sd / sqrt(samples)),
    averaged over the examples: about 1 means noise, much more a real gap.
    """
    nets = small_network()
    x = example_inputs()
    e = exact_ensemble()
    result = {}
    for name in ("linear", "sigmoid"):
        draws = nets[name](np.tile(x, (samples, 1)), training=True).numpy()
        draws = draws.reshape(samples, len(x))
        mc_mean = draws.mean(axis=0)
        se = draws.std(axis=0, ddof=1) / np.sqrt(samples)
        result[f"{name}: mean |MC - full| / mean SE"] = float(
            np.abs(mc_mean - e[f"full {name}"]).mean() / se.mean())
        result[f"{name}: mean |MC - exact ensemble| / mean SE"] = float(
            np.abs(mc_mean - e[name].mean(axis=0)).mean() / se.mean())
    return result


def check_dropout_ensemble() -> ClaimCheck:
    """Claim: many thinned networks are trained and their outputs are combined.

    Trained on many thinned networks: yes, every step draws new masks.
    Outputs combined: not by Keras. ``predict`` runs the full network once,
    deterministically. It equals the ensemble's mean exactly when the network
    is linear after the dropout, and not otherwise.
    """
    masks = training_masks(steps=32, units=64)
    distinct = len({m.tobytes() for m in masks})
    x = example_inputs()
    full = small_network()["sigmoid"]
    single_pass = bool(np.array_equal(full.predict(x, verbose=0), full.predict(x, verbose=0)))
    exact = ensemble_vs_full_network()  # asserts: linear exact, sigmoid = geometric mean
    mc = monte_carlo_gaps()
    glue("distinct", distinct)
    glue("lin_gap", exact["linear: max |full - mean of 256 nets|"])
    glue("sig_gap", exact["sigmoid: max |full - mean of 256 nets|"])
    glue("geo_gap", exact["sigmoid: max |full - normalised geometric mean|"])
    glue("samples", SAMPLES)
    glue("lin_z", mc["linear: mean |MC - full| / mean SE"])
    glue("sig_z", mc["sigmoid: mean |MC - full| / mean SE"])
    glue("sig_z_exact", mc["sigmoid: mean |MC - exact ensemble| / mean SE"])
    many_thinned = distinct == len(masks)
    if many_thinned and not single_pass:
        verdict = "holds"  # several different networks would be run and combined
    elif many_thinned:
        verdict = "conditions"  # trained on many; one full network is run at inference
    else:
        verdict = "wrong"
    return ClaimCheck(
        "dropout-ensemble",
        verdict,
        {
            "distinct masks in 32 training steps": distinct,
            "inference is one deterministic pass": single_pass,
            **exact,
            **mc,
        },
    )


def plot_thinned_networks():
    """Masks of 8 steps; the running mean of the output; 256 thinned nets vs the full net."""
    import matplotlib.pyplot as plt

    masks = training_masks(steps=8, units=16) != 0
    steps = 200
    running = np.cumsum(training_masks(steps=steps, units=16, seed_value=1).mean(axis=1))
    running /= np.arange(1, steps + 1)
    e = exact_ensemble()
    j = int(np.argmax(np.abs(e["sigmoid"].mean(axis=0) - e["full sigmoid"])))

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(10, 3.2), layout="constrained")
    ax1.imshow(masks, cmap="Greys", aspect="auto", vmin=0, vmax=1)
    ax1.set(xlabel="unit", ylabel="training step", title="Kept units (black), rate 0.5")
    ax2.plot(np.arange(1, steps + 1), running, label="mean output, training")
    ax2.axhline(1.0, color="k", ls="--", lw=1, label="input (= inference output)")
    ax2.set(xlabel="training steps averaged", ylabel="value", ylim=(0.6, 1.4),
            title="Scaling by 1/(1 − rate) keeps the mean")
    ax2.legend(loc="lower right", fontsize=8)
    ax3.hist(e["sigmoid"][:, j], bins=24, color="0.75", label="256 thinned nets")
    ax3.axvline(e["sigmoid"][:, j].mean(), color="C1", lw=2, label="their mean")
    ax3.axvline(normalised_geometric_mean(e["sigmoid"][:, [j]])[0], color="C2", lw=2,
                label="normalised geometric mean")
    ax3.axvline(e["full sigmoid"][j], color="k", ls="--", lw=1.5, label="full net (predict)")
    ax3.set(xlabel="sigmoid output", ylabel="networks", title="Sigmoid after dropout, one input")
    ax3.legend(loc="upper left", fontsize=7)
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
