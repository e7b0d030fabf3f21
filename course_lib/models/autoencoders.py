"""Autoencoders for 28x28 grey images, one contract for all of them (notebooks 02, 06, 07, 08, 09).

Every ``build_*`` returns the *compiled* autoencoder (Adam, XLA off, see :func:`_compile`), weights created,
so it can go straight into :func:`fit_or_load_autoencoder`. Its two halves are sub-models named
``"encoder"`` and ``"decoder"``: get them back from a (re)loaded autoencoder with :func:`encoder_of` /
:func:`decoder_of`. Inputs are float images (N, 28, 28, 1) in [0, 1] (uint8 images are scaled).

Convolutional
    * :func:`build_reference_autoencoder` -- the Fashion-MNIST assignment's network, layer for layer
      (49,761 parameters, a 4x4x16 = 256-number code), kept exactly so its numbers can be reproduced (02).
    * :func:`build_conv_autoencoder` -- our design: strided convolutions, batch norm and a dense bottleneck
      whose size is a parameter, so the code size can be compared with PCA at the same size (02, 09).
    * :func:`build_denoising_autoencoder` and :func:`add_noise` -- noise in, clean out (02).
    * :func:`build_small_conv_autoencoder` -- two strided convolutions each way, no batch norm: a cheap
      feature extractor (06).
    * :func:`build_muddle_reference_autoencoder` -- the "MNIST Muddle" project's network, 10-number code,
      trained with binary cross-entropy (08).

Dense
    * :func:`build_dense_autoencoder` -- 784 -> hidden -> code -> reversed hidden -> 784 (07; with
      ``hidden=(500, 500, 2000)`` the DEC / N2D autoencoder).
    * :func:`build_guided_autoencoder` -- a dense autoencoder whose code also follows a teacher map (07).
    * :func:`build_linear_autoencoder` -- no nonlinearity at all: a learned PCA, the linear baseline (06).

Helpers: :func:`encode` (flat codes), :func:`per_image_mse`, and :func:`fit_or_load_autoencoder` (train one of
them, or load it from the checkpoint cache).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import keras
from keras import layers

from course_lib.validation import as_images

IMAGE_SHAPE = (28, 28, 1)

#: Parameter count of the reference network as stated in the assignment (checked in a test).
REFERENCE_PARAMS = 49_761


def _compile(model: keras.Model, learning_rate: float, loss: str = "mse") -> keras.Model:
    """Adam + ``loss`` (MSE unless a builder says otherwise), *without* XLA: on a 2-core CPU, XLA-compiled training
    steps of these small convnets were measured 3-5x slower (and each model pays ~15 s of compilation)."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, jit_compile=False)
    return model


def _check_code_size(code_size: Any) -> int:
    """The bottleneck size as an int (NumPy integers welcome), or a clear error for 0, negatives and fractions."""
    try:
        ok = not isinstance(code_size, bool) and int(code_size) == code_size and int(code_size) >= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"code_size must be a positive integer, got {code_size!r}")
    return int(code_size)


def build_reference_autoencoder(learning_rate: float = 1e-3) -> keras.Model:
    """The assignment's convolutional autoencoder, exactly (49,761 parameters).

    Encoder: Conv 64 -> pool -> Conv 32 -> pool -> Conv 16 -> pool  => code 4x4x16 (256 numbers).
    Decoder: Conv 16 -> up -> Conv 32 -> up -> Conv 64 ('valid', 16->14) -> up -> Conv 1 sigmoid.
    All kernels 3x3, ReLU, 'same' padding except the one 'valid' convolution that turns 16x16 into
    14x14 so the last upsampling lands on 28x28. Loss MSE, optimiser Adam (as in the assignment).
    """
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D(2, padding="same")(x)           # 14x14
    x = layers.Conv2D(32, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(2, padding="same")(x)           # 7x7
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    code = layers.MaxPooling2D(2, padding="same")(x)        # 4x4x16
    encoder = keras.Model(inputs, code, name="encoder")

    code_in = keras.Input((4, 4, 16), name="code")
    y = layers.Conv2D(16, 3, activation="relu", padding="same")(code_in)
    y = layers.UpSampling2D(2)(y)                           # 8x8
    y = layers.Conv2D(32, 3, activation="relu", padding="same")(y)
    y = layers.UpSampling2D(2)(y)                           # 16x16
    y = layers.Conv2D(64, 3, activation="relu", padding="valid")(y)  # 14x14
    y = layers.UpSampling2D(2)(y)                           # 28x28
    outputs = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(y)
    decoder = keras.Model(code_in, outputs, name="decoder")

    model = keras.Model(inputs, decoder(encoder(inputs)), name="reference_autoencoder")
    return _compile(model, learning_rate)


def build_conv_autoencoder(code_size: int, filters: tuple[int, int] = (32, 64), batch_norm: bool = True,
                           learning_rate: float = 2e-3) -> keras.Model:
    """Our autoencoder: strided convolutions, batch norm and a dense bottleneck of ``code_size`` numbers.

    Why these choices: a strided convolution learns its own downsampling (max pooling throws 3/4 of
    the activations away and costs a full-resolution convolution first); batch norm lets us use a
    larger learning rate, so fewer epochs are needed; the dense bottleneck mixes *all* positions, so
    the code can be any size (a 4x4xC convolutional code only comes in multiples of 16) and small codes
    describe the whole garment, not one patch of it.

    Encoder: 28x28x1 -> Conv(f1, stride 2) 14x14 -> Conv(f2, stride 2) 7x7 -> Dense(code_size), linear.
    Decoder: Dense(7*7*f2) -> ConvTranspose(f1, stride 2) 14x14 -> ConvTranspose(f1/2, stride 2) 28x28
             -> Conv(1) sigmoid.
    """
    code_size = _check_code_size(code_size)
    f1, f2 = (int(f) for f in filters)

    def block(x, conv):
        x = conv(x)
        if batch_norm:
            # momentum 0.9 (Keras default 0.99): the running statistics used at test time must catch
            # up within the few hundred steps of a short CPU run, or validation error lags far behind
            x = layers.BatchNormalization(momentum=0.9)(x)
        return layers.Activation("relu")(x)

    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = block(inputs, layers.Conv2D(f1, 3, strides=2, padding="same", use_bias=not batch_norm))
    x = block(x, layers.Conv2D(f2, 3, strides=2, padding="same", use_bias=not batch_norm))
    x = layers.Flatten()(x)
    code = layers.Dense(code_size, name="code")(x)
    encoder = keras.Model(inputs, code, name="encoder")

    code_in = keras.Input((code_size,), name="code")
    y = block(code_in, layers.Dense(7 * 7 * f2, use_bias=not batch_norm))
    y = layers.Reshape((7, 7, f2))(y)
    y = block(y, layers.Conv2DTranspose(f1, 3, strides=2, padding="same", use_bias=not batch_norm))
    y = block(y, layers.Conv2DTranspose(max(f1 // 2, 1), 3, strides=2, padding="same", use_bias=not batch_norm))
    outputs = layers.Conv2D(1, 3, padding="same", activation="sigmoid")(y)
    decoder = keras.Model(code_in, outputs, name="decoder")

    model = keras.Model(inputs, decoder(encoder(inputs)), name=f"conv_autoencoder_{code_size}")
    return _compile(model, learning_rate)


def build_denoising_autoencoder(code_size: int, noise_std: float = 0.3, **kwargs) -> keras.Model:
    """Our autoencoder behind a GaussianNoise layer: trained on noisy inputs against clean targets.

    The noise layer is only active during training (fresh noise every batch, so the network never
    sees the same corruption twice); at prediction time feed it images you corrupted yourself, e.g.
    with :func:`add_noise`. Train with ``model.fit(x, x)``: the target is the *clean* image.
    """
    if noise_std < 0:
        raise ValueError(f"noise_std must be >= 0, got {noise_std}")
    inner = build_conv_autoencoder(code_size, **kwargs)
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    noisy = layers.GaussianNoise(noise_std, name="training_noise")(inputs)
    outputs = inner.get_layer("decoder")(inner.get_layer("encoder")(noisy))
    model = keras.Model(inputs, outputs, name=f"denoising_autoencoder_{code_size}")
    return _compile(model, float(inner.optimizer.learning_rate.numpy()))


def add_noise(x: np.ndarray, std: float, seed: int = 0) -> np.ndarray:
    """Gaussian pixel noise of standard deviation ``std``, clipped back into [0, 1] (seeded)."""
    x = as_images(x)
    rng = np.random.default_rng(seed)
    return np.clip(x + rng.normal(0.0, std, size=x.shape).astype(np.float32), 0.0, 1.0)


def encoder_of(autoencoder: keras.Model) -> keras.Model:
    """The encoder sub-model of an autoencoder built here (also after loading from a checkpoint)."""
    return autoencoder.get_layer("encoder")


def decoder_of(autoencoder: keras.Model) -> keras.Model:
    """The decoder sub-model of an autoencoder built here."""
    return autoencoder.get_layer("decoder")


def encode(autoencoder: keras.Model, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Codes of ``x`` as a flat (N, code_numbers) array (the reference's 4x4x16 code becomes 256)."""
    codes = encoder_of(autoencoder).predict(as_images(x), batch_size=batch_size, verbose=0)
    return codes.reshape(len(codes), -1)


def per_image_mse(autoencoder: keras.Model, x: np.ndarray, batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """(reconstructions, mean squared error of each image); the mean of the errors is the val MSE."""
    x = as_images(x)
    recon = autoencoder.predict(x, batch_size=batch_size, verbose=0)
    return recon, np.mean((recon - x) ** 2, axis=(1, 2, 3))


def build_dense_autoencoder(code_size: int = 2, hidden: tuple[int, ...] = (512, 128),
                            learning_rate: float = 1e-3) -> keras.Model:
    """A small fully connected autoencoder (784 -> hidden -> code -> reversed hidden -> 784).

    Cheap enough to train on all of Fashion-MNIST in seconds per epoch on a laptop CPU, which is what
    a 2-D map needs; the code layer is linear so the map is not squashed into a box.
    """
    code_size = _check_code_size(code_size)
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = layers.Flatten()(inputs)
    for width in hidden:
        x = layers.Dense(width, activation="relu")(x)
    encoder = keras.Model(inputs, layers.Dense(int(code_size), name="code")(x), name="encoder")

    code_in = keras.Input((int(code_size),), name="code")
    y = code_in
    for width in reversed(hidden):
        y = layers.Dense(width, activation="relu")(y)
    y = layers.Dense(28 * 28, activation="sigmoid")(y)
    decoder = keras.Model(code_in, layers.Reshape(IMAGE_SHAPE)(y), name="decoder")

    model = keras.Model(inputs, decoder(encoder(inputs)), name=f"dense_autoencoder_{code_size}")
    return _compile(model, learning_rate)


def build_guided_autoencoder(code_size: int = 2, hidden: tuple[int, ...] = (512, 128), guide_weight: float = 1.0,
                             learning_rate: float = 1e-3) -> keras.Model:
    """A dense autoencoder whose code is also pulled towards a *teacher* map (e.g. t-SNE of the training set).

    Loss = MSE(reconstruction, image) + guide_weight * MSE(code, teacher coordinates).
    The teacher supplies the neighbourhood structure a plain reconstruction loss does not care about;
    the network turns that one-off map into a *function*: new images are embedded with one forward
    pass, no refitting. Outputs a dict ``{"reconstruction": ..., "code": ...}``; train with
    ``model.fit(x, {"reconstruction": x, "code": teacher})`` (standardise the teacher coordinates).
    """
    if guide_weight < 0:
        raise ValueError(f"guide_weight must be >= 0, got {guide_weight}")
    inner = build_dense_autoencoder(code_size, hidden)
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    code = inner.get_layer("encoder")(inputs)
    recon = inner.get_layer("decoder")(code)
    outputs = {"reconstruction": layers.Identity(name="reconstruction")(recon),
               "code": layers.Identity(name="code")(code)}
    model = keras.Model(inputs, outputs, name=f"guided_autoencoder_{code_size}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss={"reconstruction": "mse", "code": "mse"},
                  loss_weights={"reconstruction": 1.0, "code": float(guide_weight)}, jit_compile=False)
    return model


def build_linear_autoencoder(code_size: int = 32, learning_rate: float = 1e-3) -> keras.Model:
    """784 -> code_size -> 784 with no nonlinearity anywhere (a learned PCA, up to a rotation of the code).

    Its best solution spans the same subspace as PCA, so it is the "how far do linear codes get" baseline.
    """
    code_size = _check_code_size(code_size)
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    code = layers.Dense(code_size, name="code")(layers.Flatten()(inputs))
    encoder = keras.Model(inputs, code, name="encoder")

    code_in = keras.Input((code_size,), name="code")
    recon = layers.Reshape(IMAGE_SHAPE)(layers.Dense(28 * 28, name="decode")(code_in))
    decoder = keras.Model(code_in, recon, name="decoder")

    model = keras.Model(inputs, decoder(encoder(inputs)), name=f"linear_autoencoder_{code_size}")
    return _compile(model, learning_rate)


def build_small_conv_autoencoder(code_size: int = 32, filters: tuple[int, int] = (32, 64),
                                 learning_rate: float = 1e-3) -> keras.Model:
    """Two strided convolutions each way around a dense code, no batch norm: a cheap feature extractor.

    28x28 -> 14x14xf1 -> 7x7xf2 -> code -> 7x7xf2 -> 14x14xf1 -> 28x28x1 (sigmoid). Cheaper on a CPU than
    :func:`build_conv_autoencoder` (no batch norm, one layer less in the decoder), with the convolutions' bias
    for strokes and translations that a dense autoencoder lacks.
    """
    code_size = _check_code_size(code_size)
    f1, f2 = (int(f) for f in filters)
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    h = layers.Conv2D(f1, 3, strides=2, padding="same", activation="relu", name="enc_conv1")(inputs)
    h = layers.Conv2D(f2, 3, strides=2, padding="same", activation="relu", name="enc_conv2")(h)
    code = layers.Dense(code_size, name="code")(layers.Flatten()(h))
    encoder = keras.Model(inputs, code, name="encoder")

    code_in = keras.Input((code_size,), name="code")
    h = layers.Dense(7 * 7 * f2, activation="relu", name="dec_dense")(code_in)
    h = layers.Reshape((7, 7, f2))(h)
    h = layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu", name="dec_conv1")(h)
    recon = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid", name="decode")(h)
    decoder = keras.Model(code_in, recon, name="decoder")

    model = keras.Model(inputs, decoder(encoder(inputs)), name=f"small_conv_autoencoder_{code_size}")
    return _compile(model, learning_rate)


def build_muddle_reference_autoencoder(code_size: int = 10, width: int = 16,
                                       learning_rate: float = 1e-3) -> keras.Model:
    """The "MNIST Muddle" project's convolutional autoencoder: a 10-number code, sigmoid output, trained with
    binary cross-entropy between the reconstruction and the grey image (notebook 08's reference method).

    Encoder: Conv(width, stride 2) -> Conv(2 width, stride 2) -> Dense 128 -> Dense(code_size), linear.
    Decoder: Dense 128 -> Dense(7*7*2 width) -> ConvTranspose(width, stride 2) -> ConvTranspose(1, stride 2).
    """
    code_size = _check_code_size(code_size)
    image = keras.Input(IMAGE_SHAPE)
    h = layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(image)
    h = layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Flatten()(h)
    h = layers.Dense(128, activation="relu")(h)
    encoder = keras.Model(image, layers.Dense(code_size)(h), name="encoder")
    z = keras.Input((code_size,))
    h = layers.Dense(128, activation="relu")(z)
    h = layers.Dense(7 * 7 * 2 * width, activation="relu")(h)
    h = layers.Reshape((7, 7, 2 * width))(h)
    h = layers.Conv2DTranspose(width, 3, strides=2, padding="same", activation="relu")(h)
    out = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(h)
    decoder = keras.Model(z, out, name="decoder")
    inp = keras.Input(IMAGE_SHAPE)
    model = keras.Model(inp, decoder(encoder(inp)), name="reference_autoencoder")
    return _compile(model, learning_rate, loss="binary_crossentropy")


def fit_or_load_autoencoder(notebook: str, name: str, build: Callable[[], keras.Model], x: np.ndarray, *,
                            epochs: int, batch_size: int, targets: Any = None, validation_x: np.ndarray | None = None,
                            seed: int | None = None, profile: str | None = None, verbose: int = 2):
    """Train ``build()`` (a compiled builder of this module) to reconstruct ``x``, or load it from the cache.

    ``targets`` replaces ``x`` as the fit target (the guided autoencoder's ``{"reconstruction": x, "code": t}``);
    ``validation_x`` adds a validation curve on those images. The cache key is derived from the built model (with
    its optimizer), the images and targets by content, the fit arguments and ``seed`` (default ``COURSE_SEED``);
    returns a ``checkpoints.Trained``.
    """
    from course_lib import checkpoints

    x = as_images(x)
    fit_args: dict[str, Any] = {"epochs": epochs, "batch_size": batch_size}
    if validation_x is not None:
        validation_x = as_images(validation_x, what="validation_x")
        fit_args["validation_data"] = (validation_x, validation_x)
    return checkpoints.fit_or_load(notebook, name, build, data=(x, x if targets is None else targets),
                                   fit_args=fit_args, seed=seed, profile=profile, verbose=verbose)
