"""The capstone's MNIST option, run without internet.

The page and the build never download MNIST; readers with internet call
``handwritten_digits.train_on_mnist()``. These tests run that path on
MNIST-shaped stand-in data: scikit-learn's 8×8 digits scaled up to 28×28
pixels with values 0..255, as ``keras.datasets.mnist.load_data()`` returns them.
"""

from __future__ import annotations

import numpy as np
import pytest

from glossary_examples import handwritten_digits as hd
import keras

from glossary_examples._lib import runtime  # noqa: F401 - TensorFlow set up as for the pages

# Keras, its data sets and a real training run: the real project, TensorFlow and all.
pytestmark = pytest.mark.site

N_TEST = 300


def mnist_shaped_digits():
    """``((x_train, y_train), (x_test, y_test))`` as ``mnist.load_data()`` gives them."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    # 8×8 → 24×24 by repeating each pixel 3×3, then a 2-pixel margin → 28×28
    images = np.pad(np.kron(digits.images, np.ones((3, 3))), ((0, 0), (2, 2), (2, 2)))
    images = np.round(images * 255 / 16).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    return (images[:-N_TEST], labels[:-N_TEST]), (images[-N_TEST:], labels[-N_TEST:])


@pytest.fixture
def offline_mnist(monkeypatch):
    """``keras.datasets.mnist.load_data`` answering from the stand-in, never the network."""
    monkeypatch.setattr(keras.datasets.mnist, "load_data", mnist_shaped_digits)


@pytest.mark.usefixtures("offline_mnist")
def test_load_mnist_flattens_and_scales_the_images():
    data = hd.load_mnist()
    n_train = len(mnist_shaped_digits()[0][0])
    assert data["x_train"].shape == (n_train, 28 * 28)
    assert data["x_test"].shape == (N_TEST, 28 * 28)
    assert data["x_train"].min() == 0.0 and data["x_train"].max() == 1.0
    assert set(np.unique(data["y_test"])) == set(range(10))


@pytest.mark.usefixtures("offline_mnist")
def test_train_on_mnist_learns_from_784_inputs(capsys):
    result = hd.train_on_mnist(epochs=8, data=hd.load_mnist(), val_size=200)
    printed = capsys.readouterr().out
    assert "held-out test accuracy" in printed
    assert result["model"].input_shape == (None, 28 * 28)
    assert len(result["history"]["val_accuracy"]) == 8
    assert result["confusion"].sum() == N_TEST
    assert result["accuracy"] == pytest.approx(np.trace(result["confusion"]) / N_TEST)
    # it learns (chance is 10%; measured 91% on these 300 held-out digits)
    assert result["accuracy"] >= 0.85


@pytest.mark.usefixtures("offline_mnist")
def test_the_command_line_option_trains_on_mnist(monkeypatch, capsys):
    from glossary_examples._lib import cli

    monkeypatch.setattr(hd, "MNIST_VAL", 200)  # the stand-in has 1497 training images
    assert cli.main(["run", "handwritten-digits", "--mnist"]) == 0
    printed = capsys.readouterr().out
    assert "inputs per image                     784" in printed
    assert "held-out test accuracy" in printed


def test_the_mnist_option_belongs_to_the_capstone_only(capsys):
    from glossary_examples._lib import cli

    assert cli.main(["run", "dropout", "--mnist"]) == 2
    assert "--mnist goes with handwritten-digits, not dropout" in capsys.readouterr().err
