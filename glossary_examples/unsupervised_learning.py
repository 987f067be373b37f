"""Unsupervised learning (无监督学习): finding structure in inputs that come without labels.

Clustering (聚类), one task within unsupervised learning, is the standard
example: group the inputs so that members of a group are similar. It needs no labels, only a similarity measure. k-means
uses the squared Euclidean distance: it alternates between assigning every
point to its nearest centroid and moving every centroid to the mean of its
points. Change the measure (for example by rescaling one feature) and the
clusters change with it.

>>> x = np.array([[0.0, 0.0], [0.2, 0.0], [5.0, 5.0], [5.0, 5.2]])
>>> assign(x, np.array([[0.0, 0.0], [5.0, 5.0]])).tolist()
[0, 0, 1, 1]
>>> kmeans(x, k=2)["centroids"][np.argsort(kmeans(x, k=2)["centroids"][:, 0])].tolist()
[[0.1, 0.0], [5.0, 5.1]]
>>> matched_accuracy(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0]))  # names do not matter
1.0
"""

from __future__ import annotations

import itertools

import keras
import numpy as np

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table

K = 3
CENTERS = np.array([[0.0, 0.0], [4.0, 0.0], [2.0, 3.5]])  # the hidden groups' centres
SPREAD = 0.7  # standard deviation of every group along each feature
N_PER_GROUP = 50
SCALE = 10.0  # feature 2 multiplied by this: "the same data in other units"
MARKERS = "os^"


def make_blobs(n_per_group: int = N_PER_GROUP, seed_value: int = 0):
    """Points of three hidden groups in 2-D; returns (x, hidden labels).

    The labels are for evaluation only: k-means never sees them.
    """
    rng = np.random.default_rng(seed_value)
    labels = np.repeat(np.arange(len(CENTERS)), n_per_group)
    x = CENTERS[labels] + rng.normal(0.0, SPREAD, size=(len(labels), 2))
    order = rng.permutation(len(labels))  # no hint in the order of the rows
    return x[order], labels[order]


def squared_distances(x, centroids) -> np.ndarray:
    """``d[i, j] = ||x_i - c_j||²``, shape (points, centroids)."""
    return ((x[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=-1)


def assign(x, centroids) -> np.ndarray:
    """The index of the nearest centroid for every point."""
    return squared_distances(x, centroids).argmin(axis=1)


def update(x, labels, centroids) -> np.ndarray:
    """Every centroid moved to the mean of its points (kept in place if it has none)."""
    return np.array([x[labels == j].mean(axis=0) if np.any(labels == j) else c
                     for j, c in enumerate(centroids)])


def inertia(x, centroids, labels) -> float:
    """J: the sum of squared distances of the points to their assigned centroids."""
    return float(squared_distances(x, centroids)[np.arange(len(x)), labels].sum())


def lloyd(x, centroids, max_iter: int = 100) -> dict:
    """k-means from the given initial centroids, until no point changes cluster.

    ``history`` is J after every half-step (update, then assign); neither
    half-step can increase it (asserted).
    """
    labels = assign(x, centroids)
    history = [inertia(x, centroids, labels)]
    for step in range(1, max_iter + 1):
        centroids = update(x, labels, centroids)
        history.append(inertia(x, centroids, labels))
        new = assign(x, centroids)
        history.append(inertia(x, centroids, new))
        if np.array_equal(new, labels):
            break
        labels = new
    assert np.all(np.diff(history) <= 1e-9 * history[0]), history
    return {"centroids": centroids, "labels": labels, "inertia": history[-1],
            "iterations": step, "history": history}


def kmeans(x, k: int = K, n_init: int = 10, seed_value: int = 0) -> dict:
    """k-means with ``n_init`` random starts (k distinct data points each); the lowest inertia wins.

    Inertia is the sum of squared distances of the points to their centroids.
    """
    rng = np.random.default_rng(seed_value)
    runs = [lloyd(x, x[rng.choice(len(x), size=k, replace=False)]) for _ in range(n_init)]
    return min(runs, key=lambda r: r["inertia"])


def matched_accuracy(hidden, found) -> float:
    """Fraction of points whose cluster matches their hidden group, under the best renaming.

    Cluster numbers are arbitrary, so every one-to-one renaming is tried.
    """
    k = int(max(hidden.max(), found.max())) + 1
    return max(float(np.mean(np.asarray(perm)[found] == hidden))
               for perm in itertools.permutations(range(k)))


def rescale(x, factor: float = SCALE) -> np.ndarray:
    """The same points with feature 2 multiplied by ``factor`` (another unit of measure)."""
    return x * np.array([1.0, factor])


def standardize(x) -> np.ndarray:
    """Every feature shifted to mean 0 and scaled to standard deviation 1."""
    return (x - x.mean(axis=0)) / x.std(axis=0)


def clusterings() -> dict[str, dict]:
    """k-means on the data as measured, with feature 2 × SCALE, and after standardising that."""
    x, _ = make_blobs()
    return {
        "as measured": kmeans(x),
        f"feature 2 × {SCALE:g}": kmeans(rescale(x)),
        f"feature 2 × {SCALE:g}, then standardised": kmeans(standardize(rescale(x))),
    }


# --- NumPy vs Keras --------------------------------------------------------------


def keras_kmeans_step(x, centroids):
    """One k-means step written with ``keras.ops``: distances, nearest centroid, new means."""
    ops = keras.ops
    x = ops.convert_to_tensor(x, dtype="float32")
    c = ops.convert_to_tensor(centroids, dtype="float32")
    distances = ops.norm(ops.expand_dims(x, 1) - ops.expand_dims(c, 0), axis=-1)
    labels = ops.argmin(distances, axis=1)
    members = ops.one_hot(labels, c.shape[0])  # (points, k): 1 where a point belongs
    counts = ops.sum(members, axis=0)
    sums = ops.matmul(ops.transpose(members), x)
    new = ops.where(ops.expand_dims(counts, 1) > 0, sums / ops.maximum(counts, 1.0)[:, None], c)
    return (ops.convert_to_numpy(distances), ops.convert_to_numpy(labels),
            ops.convert_to_numpy(new))


def cross_check(seed_value: int = 1) -> dict[str, object]:
    """Run k-means in NumPy and with keras.ops from the same start; every step must agree."""
    x, _ = make_blobs()
    start = x[np.random.default_rng(seed_value).choice(len(x), size=K, replace=False)]
    c_np, c_k = start.copy(), start.astype("float32")
    max_dist = max_cent = 0.0
    for step in range(1, 101):
        d_k, labels_k, new_k = keras_kmeans_step(x, c_k)
        d_np = np.sqrt(squared_distances(x, c_np))
        labels_np = d_np.argmin(axis=1)
        new_np = update(x, labels_np, c_np)
        np.testing.assert_allclose(d_k, d_np, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(labels_k, labels_np)
        np.testing.assert_allclose(new_k, new_np, rtol=1e-5, atol=1e-5)
        max_dist = max(max_dist, float(np.abs(d_k - d_np).max()))
        max_cent = max(max_cent, float(np.abs(new_k - new_np).max()))
        converged = np.allclose(new_np, c_np)
        c_np, c_k = new_np, new_k
        if converged:
            break
    return {
        "steps until the centroids stop moving": step,
        "max |distance difference|, NumPy vs keras.ops.norm": max_dist,
        "max |centroid difference|": max_cent,
        "cluster assignments identical at every step": True,
    }


# --- Plots -------------------------------------------------------------------------


def plot_clusters():
    """Clusters (colours) against hidden groups (markers), as measured and after rescaling."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    x, hidden = make_blobs()
    runs = clusterings()
    shown = ["as measured", f"feature 2 × {SCALE:g}"]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained", sharey=True)
    for ax, name in zip(axes, shown):
        run = runs[name]
        for group, marker in zip(range(K), MARKERS):
            for cluster in range(K):
                sel = (hidden == group) & (run["labels"] == cluster)
                ax.scatter(x[sel, 0], x[sel, 1], s=14, marker=marker, color=f"C{cluster}",
                           alpha=0.8)
        # Centroids drawn in the original units, so both panels share one picture.
        centroids = run["centroids"] / (rescale(np.ones((1, 2))) if name != "as measured" else 1.0)
        ax.scatter(centroids[:, 0], centroids[:, 1], marker="X", s=120, color="k")
        acc = matched_accuracy(hidden, run["labels"])
        ax.set(xlabel="feature 1", title=f"k-means on data {name}\nclusters match hidden groups: {acc:.0%}")
    axes[0].set_ylabel("feature 2 (original units)")
    handles = [Line2D([], [], ls="", marker=m, color="0.4", label=f"hidden group {g + 1}")
               for g, m in enumerate(MARKERS)]
    handles.append(Line2D([], [], ls="", marker="X", ms=9, color="k", label="centroid"))
    fig.legend(handles=handles, loc="outside right center", fontsize=8,
               title="colour = cluster", title_fontsize=8)
    return fig


def show_example() -> None:
    """k-means on the unlabelled blobs, evaluated against the hidden groups afterwards."""
    x, hidden = make_blobs()
    run = kmeans(x)
    # Name each cluster after the hidden group most of its points belong to.
    order = [int(np.bincount(hidden[run["labels"] == j], minlength=K).argmax()) for j in range(K)]
    with np.printoptions(precision=2, suppress=True):
        for j in np.argsort(order):
            print(f"cluster {j}: {np.sum(run['labels'] == j):3d} points, centroid "
                  f"{run['centroids'][j]}, hidden centre {CENTERS[order[j]]}")
    print(table({
        "points (no labels used)": len(x),
        "inertia (sum of squared distances)": run["inertia"],
        "iterations of the best start": run["iterations"],
        "J after each half-step of the best start": run["history"],
        "agreement with the hidden groups": matched_accuracy(hidden, run["labels"]),
    }))


def show_rescaled() -> None:
    """The same points, three similarity measures, three agreements with the hidden groups."""
    _, hidden = make_blobs()
    agreement = {f"k-means on data {name}": matched_accuracy(hidden, run["labels"])
                 for name, run in clusterings().items()}
    glue("rescaled_agreement", agreement[f"k-means on data feature 2 × {SCALE:g}"])
    print(table(agreement))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (show_example, show_rescaled, plot_clusters, show_cross_check)
