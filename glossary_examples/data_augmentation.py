"""Data augmentation (数据增强): random, label-preserving changes to training inputs.

Each time a training image is used, a fresh random transformation (a flip, a
small rotation, a brightness shift, ...) is applied to it while its label is
kept, so the model sees many plausible variants of every example. Keras's
preprocessing layers (``RandomFlip``, ``RandomRotation``, ``RandomBrightness``,
...) do this inside the model: they transform only in training mode and pass
the input through unchanged in inference (``predict``, ``training=False``).

>>> flip_numpy(np.array([[[1, 2, 3]], [[4, 5, 6]]]), np.array([True, False])).tolist()
[[[3, 2, 1]], [[4, 5, 6]]]
>>> brightness_numpy(np.array([0.1, 0.5, 0.9]), 0.2).round(2).tolist()  # shifted, clipped to [0, 1]
[0.3, 0.7, 1.0]
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import tensorflow as tf

from ._lib import runtime  # noqa: F401 - TensorFlow quiet, on one thread, deterministic
from ._lib.report import glue, table

SIZE = 32  # the 8×8 digit, enlarged 4× so rotations are visible
MAX_ANGLE = 0.05  # RandomRotation's factor: a fraction of a full turn, ±18°
MAX_BRIGHTNESS = 0.3  # RandomBrightness's factor: shift by up to ±0.3 on a 0..1 scale


def picture(label: int = 7) -> np.ndarray:
    """The first 8×8 scikit-learn digit with this label, scaled to 0..1 and enlarged to 32×32.

    The digits ship inside scikit-learn (no download). Each pixel is repeated
    in a 4×4 block, so the picture is still the real digit, just larger.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    image = digits.images[np.flatnonzero(digits.target == label)[0]] / 16.0
    return np.kron(image, np.ones((SIZE // 8, SIZE // 8))).astype("float32")[..., None]


def augmenter(seed_value: int = 0):
    """Flip left-right, rotate by up to ±18°, shift the brightness by up to ±0.3."""
    keras.utils.set_random_seed(seed_value)
    return keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 1)),
            keras.layers.RandomFlip("horizontal", seed=seed_value),
            keras.layers.RandomRotation(MAX_ANGLE, fill_mode="constant", seed=seed_value + 1),
            keras.layers.RandomBrightness(MAX_BRIGHTNESS, value_range=(0, 1), seed=seed_value + 2),
        ]
    )


def augment_with_parameters(images: np.ndarray, seed_value: int = 0):
    """Run ``augmenter(seed_value)`` layer by layer, recording what each layer drew.

    A preprocessing layer's call is two steps: ``get_random_transformation``
    draws the random parameters for the batch, ``transform_images`` applies
    them. Doing the two steps here gives the same output as calling the model
    with ``training=True`` (``cross_check`` asserts it) and tells us,
    per image, whether it was flipped, by what angle it was rotated and by how
    much its brightness was shifted.
    """
    model = augmenter(seed_value)
    x = np.asarray(images, dtype="float32")
    drawn = {}
    for layer in model.layers:
        transformation = layer.get_random_transformation(x, training=True)
        drawn[type(layer).__name__] = transformation
        x = np.asarray(layer.transform_images(x, transformation, training=True))
    params = {
        "flipped": np.asarray(drawn["RandomFlip"]["flips"]).ravel().astype(bool),
        "angle (degrees)": np.asarray(drawn["RandomRotation"]["angle"]).ravel(),
        "brightness shift": np.asarray(drawn["RandomBrightness"]["rgb_delta"]).ravel(),
    }
    return x, params


def training_switch(copies: int = 16, seed_value: int = 0) -> dict[str, str]:
    """What the augmentation model does to a batch of copies of the picture, per way of calling it.

    Asserts that ``training=False`` and ``predict`` return the input exactly.
    """
    model = augmenter(seed_value)
    x = np.repeat(picture()[None], copies, axis=0)

    def changed(y) -> str:
        y = np.asarray(y)
        n = int(sum(not np.array_equal(a, b) for a, b in zip(y, x)))
        return f"{n} of {copies} images changed"

    inference = np.asarray(model(x, training=False))
    predicted = model.predict(x, verbose=0)
    np.testing.assert_array_equal(inference, x)
    np.testing.assert_array_equal(predicted, x)
    return {
        "model(x, training=False)": changed(inference),
        "model.predict(x)": changed(predicted),
        "model(x, training=True)  (what fit does)": changed(model(x, training=True)),
        "model(x)  (no training argument)": changed(model(x)),
        "weights to learn": model.count_params(),
    }


def flip_numpy(images: np.ndarray, flipped: np.ndarray) -> np.ndarray:
    """Mirror left-right (along the width axis 2 of ``(batch, height, width, ...)``) where ``flipped``."""
    images = np.asarray(images)
    mask = np.asarray(flipped).reshape(-1, *[1] * (images.ndim - 1))
    return np.where(mask, np.flip(images, axis=2), images)


def brightness_numpy(images: np.ndarray, shift) -> np.ndarray:
    """Add ``shift`` (one number per image, or one for all) and clip to the range 0..1."""
    images = np.asarray(images)
    shift = np.asarray(shift).reshape(-1, *[1] * (images.ndim - 1)) if np.ndim(shift) else shift
    return np.clip(images + shift, 0.0, 1.0)


def cross_check(batch: int = 64, seed_value: int = 0) -> dict[str, str]:
    """Keras's augmentation layers against NumPy, on random 0..1 images.

    * ``RandomFlip("horizontal")``: every output image equals either its input
      or the input mirrored with ``np.flip``.
    * ``RandomRotation((0.25, 0.25))`` (always a quarter turn): equals
      ``np.rot90`` (counter-clockwise).
    * ``RandomBrightness``: equals ``clip(x + δ, 0, 1)``, with each image's
      shift δ drawn by an identically seeded twin layer.
    * The whole pipeline: ``augment_with_parameters`` equals calling the model
      with ``training=True``; its flips and shifts reproduce it in NumPy.

    Everything is asserted before anything is returned.
    """
    rng = np.random.default_rng(seed_value)
    x = rng.random((batch, 16, 16, 1)).astype("float32")
    rows = {}

    out = np.asarray(keras.layers.RandomFlip("horizontal", seed=seed_value)(x, training=True))
    same = np.array([np.array_equal(o, a) for o, a in zip(out, x)])
    mirrored = np.array([np.array_equal(o, np.flip(a, axis=1)) for o, a in zip(out, x)])
    assert np.all(same | mirrored), "a flipped image is neither x nor np.flip(x)"
    rows["RandomFlip: output = x or np.flip(x)"] = (
        f"{int((same | mirrored).sum())} of {batch} ({int(mirrored.sum())} flipped)"
    )

    out = np.asarray(keras.layers.RandomRotation((0.25, 0.25), seed=seed_value)(x, training=True))
    np.testing.assert_allclose(out, np.rot90(x, 1, axes=(1, 2)), atol=1e-5)
    rows["RandomRotation(0.25 turn) vs np.rot90, max |diff|"] = (
        f"{np.abs(out - np.rot90(x, 1, axes=(1, 2))).max():.1e}"
    )

    layer = keras.layers.RandomBrightness(MAX_BRIGHTNESS, value_range=(0, 1), seed=seed_value)
    twin = keras.layers.RandomBrightness(MAX_BRIGHTNESS, value_range=(0, 1), seed=seed_value)
    out = np.asarray(layer(x, training=True))
    shift = np.asarray(twin.get_random_transformation(x, training=True)["rgb_delta"]).ravel()
    np.testing.assert_allclose(out, brightness_numpy(x, shift), atol=1e-6)
    assert np.all(np.abs(shift) <= MAX_BRIGHTNESS)
    glue("shift_min", float(shift.min()))
    glue("shift_max", float(shift.max()))
    glue("n_flipped", int(mirrored.sum()))
    glue("batch", batch)
    rows["RandomBrightness vs clip(x + shift), max |diff|"] = (
        f"{np.abs(out - brightness_numpy(x, shift)).max():.1e}, "
        f"shifts {shift.min():+.2f}..{shift.max():+.2f}"
    )

    pics = np.repeat(picture()[None], 8, axis=0)
    stepwise, params = augment_with_parameters(pics, seed_value)
    called = np.asarray(augmenter(seed_value)(pics, training=True))
    np.testing.assert_allclose(stepwise, called, atol=1e-6)
    # Rotating by 0° is the identity, so with the drawn flips and shifts NumPy
    # must reproduce a pipeline whose rotation layer is skipped.
    model = augmenter(seed_value)
    no_rotation = np.asarray(model.layers[0](pics, training=True))
    no_rotation = np.asarray(model.layers[2](no_rotation, training=True))
    np.testing.assert_allclose(
        no_rotation,
        brightness_numpy(flip_numpy(pics, params["flipped"]), params["brightness shift"]),
        atol=1e-6,
    )
    rows["pipeline: layer by layer = model(training=True)"] = "yes (asserted)"
    rows["flip + brightness from drawn parameters = NumPy"] = "yes (asserted)"
    return rows


def legacy_generator() -> dict[str, str]:
    """Where the Keras 2 ``ImageDataGenerator`` is on Keras 3: looked up, not assumed.

    ``keras.preprocessing.image`` no longer has it, so the import line of older
    notes fails. ``tf.keras`` (Keras 3's compatibility namespace since
    TensorFlow 2.16) still hands out a deprecated copy from ``keras.src.legacy``;
    one batch is drawn from it to show that it still runs.
    """
    rows = {"hasattr(keras.preprocessing.image, 'ImageDataGenerator')":
            str(hasattr(keras.preprocessing.image, "ImageDataGenerator"))}
    try:
        from keras.preprocessing.image import ImageDataGenerator  # noqa: F401
        rows["from keras.preprocessing.image import ImageDataGenerator"] = "works"
    except ImportError as error:
        rows["from keras.preprocessing.image import ImageDataGenerator"] = (
            f"{type(error).__name__}")
    legacy = tf.keras.preprocessing.image.ImageDataGenerator
    rows["tf.keras.preprocessing.image.ImageDataGenerator"] = (
        f"{legacy.__module__}, docstring {legacy.__doc__.strip()!r}")
    with warnings.catch_warnings():  # it calls SciPy functions SciPy has deprecated
        warnings.simplefilter("ignore")
        batch, _ = next(legacy(rotation_range=18).flow(
            np.repeat(picture()[None], 4, axis=0), np.zeros(4), batch_size=4, seed=0))
    rows["its flow(...) still yields a batch"] = f"shape {batch.shape}"
    return rows


def augmented_dataset(images, labels, batch_size: int = 8, seed_value: int = 0):
    """The Keras 3 replacement as a ``tf.data`` pipeline: the layers inside ``Dataset.map``.

    For the training set only; validation and test data are batched without it.
    """
    model = augmenter(seed_value)
    data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size)
    return data.map(lambda x, y: (model(x, training=True), y))


def plot_augmented(copies: int = 11, seed_value: int = 0):
    """The picture and ``copies`` augmented versions of it, each titled with what was drawn."""
    import matplotlib.pyplot as plt

    x = picture()
    out, params = augment_with_parameters(np.repeat(x[None], copies, axis=0), seed_value)
    fig, axes = plt.subplots(2, 6, figsize=(9, 3.6), layout="constrained")
    panels = [(x, "original")]
    for i in range(copies):
        flip = "flip" if params["flipped"][i] else "no flip"
        panels.append((out[i], f"{flip}, {params['angle (degrees)'][i]:+.0f}°\n"
                               f"brightness {params['brightness shift'][i]:+.2f}"))
    for ax, (image, title) in zip(axes.ravel(), panels):
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=8)
        ax.set(xticks=[], yticks=[])
    fig.suptitle("A digit 7 and 11 random augmentations "
                 "(the flipped copies are mirror images, no longer a valid 7)", fontsize=11)
    return fig


def show_example(copies: int = 6) -> None:
    """Six copies of the digit 7 through the pipeline: what each copy drew."""
    x = np.repeat(picture()[None], copies, axis=0)
    out, params = augment_with_parameters(x)
    glue("max_brightness", MAX_BRIGHTNESS)
    rows = {}
    for i in range(copies):
        rows[f"copy {i}"] = (
            f"flipped {str(params['flipped'][i]):<5}  "
            f"angle {params['angle (degrees)'][i]:+6.1f}°  "
            f"brightness {params['brightness shift'][i]:+.3f}  "
            f"mean pixel {x[i].mean():.3f} -> {out[i].mean():.3f}"
        )
    print(table(rows))


def show_training_switch() -> None:
    """Augmentation happens in training mode only (asserted in ``training_switch``)."""
    print(table(training_switch()))


def show_legacy_generator() -> None:
    """``ImageDataGenerator`` on Keras 3 (looked up in ``legacy_generator``)."""
    print(table(legacy_generator()))


def show_dataset_map() -> None:
    """One batch of the ``tf.data`` pipeline: augmented images, labels untouched."""
    x = np.repeat(picture()[None], 8, axis=0)
    labels = np.full(8, 7)
    images, batch_labels = next(iter(augmented_dataset(x, labels)))
    changed = int(sum(not np.array_equal(a, b) for a, b in zip(images.numpy(), x)))
    print(table({
        "batch shape": str(tuple(images.shape)),
        "images changed": f"{changed} of {len(x)}",
        "labels": batch_labels.numpy().tolist(),
    }))


def show_cross_check() -> None:
    """NumPy and Keras agree (the assertions run inside ``cross_check``)."""
    print(table(cross_check()))


# What the page runs, in its order: show_ prints, plot_ draws, check_ judges a claim.
PAGE = (
    show_example,
    show_training_switch,
    show_legacy_generator,
    show_dataset_map,
    plot_augmented,
    show_cross_check,
)
