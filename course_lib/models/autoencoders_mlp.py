"""Small MNIST autoencoders used as feature extractors (notebook 06, semi-supervised with 10 labels).

Three families, all trained with the mean squared reconstruction error like the reference experiment:

* :func:`build_linear_autoencoder` - one linear map down, one linear map up. Without a nonlinearity
  its best solution spans the same subspace as PCA, so it is the "how far do linear codes get" baseline.
* :func:`build_dense_autoencoder` - the deep MLP autoencoder of DEC / N2D (784-500-500-2000-d),
  whose codes cluster well once UMAP has unfolded them.
* :func:`build_conv_autoencoder` - a small convolutional autoencoder (two strided convolutions each
  way); cheaper on a CPU than the dense one and with a built-in bias for strokes and translations.

Each builder returns ``(autoencoder, encoder)``: the encoder shares its layers with the autoencoder, so
after training the autoencoder, ``encoder.predict(x)`` gives the codes. The models are functional
Keras models, so ``checkpoints.fit_or_load`` can save and reload them.

(Notebook 02 has its own convolutional autoencoders in ``course_lib.models.autoencoders``; these are
deliberately small so that notebook 06 trains them within its few-minute budget.)
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
from keras import layers

IMAGE_SHAPE = (28, 28, 1)


def _check_code_dim(code_dim: int) -> int:
    if not isinstance(code_dim, int) or code_dim < 1:
        raise ValueError(f"code_dim must be a positive integer, got {code_dim!r}")
    return code_dim


def build_linear_autoencoder(code_dim: int = 32, learning_rate: float = 1e-3) -> tuple[keras.Model, keras.Model]:
    """784 -> code_dim -> 784 with no nonlinearity anywhere (a learned PCA, up to rotation).

    Input and output are images shaped (N, 28, 28, 1) in [0, 1]; the code is (N, code_dim).
    """
    _check_code_dim(code_dim)
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    flat = layers.Flatten()(inputs)
    code = layers.Dense(code_dim, name="code")(flat)
    encoder = keras.Model(inputs, code, name="linear_encoder")
    recon = layers.Reshape(IMAGE_SHAPE)(layers.Dense(28 * 28, name="decode")(code))
    autoencoder = keras.Model(inputs, recon, name="linear_autoencoder")
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return autoencoder, encoder


def build_dense_autoencoder(code_dim: int = 10, hidden: tuple[int, ...] = (500, 500, 2000),
                            learning_rate: float = 1e-3) -> tuple[keras.Model, keras.Model]:
    """The DEC/N2D MLP autoencoder: 784 - hidden... - code_dim (linear) - reversed hidden - 784 (sigmoid).

    A linear code layer keeps the code unbounded, which suits the UMAP step that follows.
    """
    _check_code_dim(code_dim)
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    h = layers.Flatten()(inputs)
    for i, units in enumerate(hidden):
        h = layers.Dense(units, activation="relu", name=f"enc_{i}")(h)
    code = layers.Dense(code_dim, name="code")(h)
    encoder = keras.Model(inputs, code, name="dense_encoder")
    h = code
    for i, units in enumerate(reversed(hidden)):
        h = layers.Dense(units, activation="relu", name=f"dec_{i}")(h)
    recon = layers.Reshape(IMAGE_SHAPE)(layers.Dense(28 * 28, activation="sigmoid", name="decode")(h))
    autoencoder = keras.Model(inputs, recon, name="dense_autoencoder")
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return autoencoder, encoder


def build_conv_autoencoder(code_dim: int = 32, filters: tuple[int, int] = (32, 64),
                           learning_rate: float = 1e-3) -> tuple[keras.Model, keras.Model]:
    """Conv(stride 2) x2 -> Dense(code_dim) -> Dense -> ConvTranspose(stride 2) x2, sigmoid output.

    28x28 -> 14x14xf1 -> 7x7xf2 -> code -> 7x7xf2 -> 14x14xf1 -> 28x28x1.
    """
    _check_code_dim(code_dim)
    f1, f2 = filters
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    h = layers.Conv2D(f1, 3, strides=2, padding="same", activation="relu", name="enc_conv1")(inputs)
    h = layers.Conv2D(f2, 3, strides=2, padding="same", activation="relu", name="enc_conv2")(h)
    code = layers.Dense(code_dim, name="code")(layers.Flatten()(h))
    encoder = keras.Model(inputs, code, name="conv_encoder")
    h = layers.Dense(7 * 7 * f2, activation="relu", name="dec_dense")(code)
    h = layers.Reshape((7, 7, f2))(h)
    h = layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu", name="dec_conv1")(h)
    recon = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid", name="decode")(h)
    autoencoder = keras.Model(inputs, recon, name="conv_autoencoder")
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return autoencoder, encoder


BUILDERS = {
    "linear": build_linear_autoencoder,
    "dense": build_dense_autoencoder,
    "conv": build_conv_autoencoder,
}


def build_autoencoder(kind: str, **kwargs) -> tuple[keras.Model, keras.Model]:
    """``build_autoencoder("conv", code_dim=32)``: pick a family by name (linear, dense, conv)."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown autoencoder kind {kind!r}; choose one of {', '.join(BUILDERS)}")
    return BUILDERS[kind](**kwargs)


def encoder_of(autoencoder: keras.Model) -> keras.Model:
    """The encoder half of an autoencoder built here (also after ``fit_or_load`` rebuilt and reloaded it)."""
    try:
        code = autoencoder.get_layer("code").output
    except ValueError:
        raise ValueError(f"{autoencoder.name} has no layer named 'code': was it built by autoencoders_mlp?") from None
    return keras.Model(autoencoder.inputs, code, name=autoencoder.name.replace("autoencoder", "encoder"))


def fit_or_load_autoencoder(notebook: str, kind: str, images: np.ndarray, epochs: int, batch_size: int = 256,
                            code_dim: int = 32, seed: int = 0, verbose: int = 2):
    """Train (or load from the checkpoint cache) one autoencoder on ``images``; returns (trained, encoder).

    ``images``: float32 (N, 28, 28, 1) in [0, 1] (``data.to_float``). The cache key is derived from the built
    model (kind, code size, optimizer), the images by content, the fit arguments and the seed.
    """
    from course_lib import checkpoints

    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"images must be shaped (N, 28, 28, 1) (use data.to_float), got {images.shape}")
    if kind not in BUILDERS:
        raise ValueError(f"unknown autoencoder kind {kind!r}; choose one of {', '.join(BUILDERS)}")
    trained = checkpoints.fit_or_load(
        notebook, f"{kind}_autoencoder", lambda: build_autoencoder(kind, code_dim=code_dim)[0],
        data=(images, images), fit_args={"epochs": epochs, "batch_size": batch_size}, seed=seed, verbose=verbose)
    return trained, encoder_of(trained.model)
