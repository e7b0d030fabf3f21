"""Generative adversarial networks for MNIST: a DCGAN and its label-conditioned version (an AC-GAN).

Both are one ``keras.Model`` subclass, :class:`GAN`, with its own ``train_step`` (two players, two
optimizers: the one case where Keras has no backend-neutral hook), so students train them with ``fit()`` and get progress bars, callbacks and the checkpoint cache for free::

    gan = GAN(latent_dim=64)                  # conditional: GAN(latent_dim=64, num_classes=10)
    gan.build()                               # Keras's build: weights exist before fit, load_weights, JAX
    train_gan(gan, x_train, epochs=10, steps_per_epoch=300, batch_size=64, learning_rate=1e-3)
    images = gan.sample(16, truncation=None)  # conditional: gan.sample(16, labels=..., ...)

Images are float (N, 28, 28, 1) in [0, 1]; the generator ends in a sigmoid so its samples live in the
same range (and can go straight into the shared MNIST classifier). Losses, with D returning logits:

    d_loss = -E_x[log D(x)] - E_z[log(1 - D(G(z)))]     (binary cross-entropy, real = 1, fake = 0)
    g_loss = -E_z[log D(G(z))]                          (the *non-saturating* generator loss)

The conditional GAN is an auxiliary-classifier GAN (Odena et al. 2017): D has a second head that names the
digit, trained on real images; G adds "D's class head should see the digit I was asked for" to its loss.

``fit()`` reports per epoch ``d_loss``, ``g_loss`` (the adversarial parts), ``d_real`` = mean D(x) and
``d_fake`` = mean D(G(z)) (probabilities, measured on the batch before the discriminator's update), and for
the AC-GAN ``class_acc_real`` / ``class_acc_fake`` (how often D's class head names the true / requested digit).

Backend: the losses are ``keras.ops`` (backend-neutral); only the gradient step differs per backend (a small
``train_step`` each for TensorFlow, JAX and PyTorch). ``train_gan`` compiles the step with XLA by default on
TensorFlow, 2-3x faster on a CPU for networks this small.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from course_lib import checkpoints
from course_lib.files import atomic_write
from course_lib.models.batches import images_and_labels, latent_codes_and_labels
from course_lib.models.conditioning import condition_on_label, one_hot_labels
from course_lib.models.losses import LossTrackers
from course_lib.validation import as_images


class _BothPlayers(keras.optimizers.Optimizer):
    """(JAX backend only) Holds both players' optimizers, so ``fit()`` carries the state of both between steps.

    It never updates anything itself: the GAN's JAX train step applies each player's own optimizer.
    """

    def __init__(self, d_optimizer: keras.optimizers.Optimizer, g_optimizer: keras.optimizers.Optimizer):
        super().__init__(learning_rate=0.0, name="both_players")
        self.players = (d_optimizer, g_optimizer)

    @property
    def variables(self) -> list:
        return self._variables + self.players[0].variables + self.players[1].variables

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError("the GAN applies each player's own optimizer")


def build_generator(latent_dim: int = 64, num_classes: int = 0, width: int = 32) -> keras.Model:
    """Noise z (and a one-hot label) -> image (N, 28, 28, 1) in [0, 1].

    DCGAN recipe (Radford et al. 2016): a dense layer to a 7x7 feature map, then two stride-2
    transposed convolutions (7 -> 14 -> 28) with batch normalisation and ReLU, sigmoid at the end.
    The label is concatenated to z, so the generator can draw "a 7 in style z".
    """
    z = keras.Input((latent_dim,), name="z")
    inputs, h = condition_on_label(z, z, num_classes)
    h = layers.Dense(7 * 7 * 4 * width, use_bias=False)(h)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    h = layers.Reshape((7, 7, 4 * width))(h)
    h = layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same", use_bias=False)(h)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    image = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid", name="image")(h)
    return keras.Model(inputs, image, name="generator")


def build_discriminator(num_classes: int = 0, width: int = 32, hidden: int = 128, dropout: float = 0.0) -> keras.Model:
    """Image -> one "realness" logit (N, 1); with ``num_classes`` also class logits (N, num_classes).

    Two stride-2 convolutions with LeakyReLU (no batch norm in D, so real and fake batches do not
    leak statistics into each other), optional dropout, a dense feature layer h, and a linear head.
    The conditional version is an **auxiliary-classifier discriminator** (AC-GAN, Odena et al. 2017): the
    same features h feed a second head that predicts the digit. D learns that head on *real* images only
    (so it is an ordinary MNIST classifier), and the generator is rewarded when the head recognises the
    digit it was asked for. Simply concatenating y to D's input gives a much weaker signal: D can ignore it.
    """
    image = keras.Input((28, 28, 1), name="image")
    h = layers.Conv2D(width, 4, strides=2, padding="same")(image)
    h = layers.LeakyReLU(0.2)(h)
    if dropout:
        h = layers.Dropout(dropout)(h)
    h = layers.Conv2D(2 * width, 4, strides=2, padding="same")(h)
    h = layers.LeakyReLU(0.2)(h)
    if dropout:
        h = layers.Dropout(dropout)(h)
    h = layers.Flatten()(h)
    h = layers.Dense(hidden)(h)
    h = layers.LeakyReLU(0.2, name="features")(h)
    logit = layers.Dense(1, name="logit")(h)
    if not num_classes:
        return keras.Model(image, logit, name="discriminator")
    class_logits = layers.Dense(num_classes, name="class_logits")(h)
    return keras.Model(image, [logit, class_logits], name="discriminator")


def truncated_normal(n: int, dim: int, truncation: float | None = None, seed: int = 0) -> np.ndarray:
    """n noise vectors z ~ N(0, I) of size dim; with ``truncation`` t, every coordinate lies in [-t, t].

    The *truncation trick* (Brock et al. 2019): coordinates outside [-t, t] are redrawn until they fall
    inside. Smaller t keeps samples near the centre of the prior, where the generator has seen the most
    noise during training: samples get cleaner, at the cost of variety. ``None`` = the plain prior.
    """
    if truncation is not None and truncation <= 0:
        raise ValueError(f"truncation must be > 0 (or None for no truncation), got {truncation}")
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, dim)).astype("float32")
    if truncation is not None:
        outside = np.abs(z) > truncation
        while outside.any():
            z[outside] = rng.standard_normal(int(outside.sum())).astype("float32")
            outside = np.abs(z) > truncation
    return z


class GAN(LossTrackers, keras.Model):
    """DCGAN (``num_classes=0``) or conditional GAN (``num_classes=10``) trained by ``fit()``.

    Args:
        latent_dim: size of the noise vector z ~ N(0, I).
        num_classes: 0 for an unconditional GAN; 10 to condition G and D on the digit label
            (then call ``fit(images, labels)``).
        width: channels of the discriminator's first convolution (the others are multiples of it).
        generator_width: the same for the generator (default: ``width``); G's width matters more for quality.
        label_smoothing: one-sided label smoothing, D's target for real images is 1 - label_smoothing
            (Salimans et al. 2016): a discriminator that is never *certain* keeps giving G gradients.
        ema_decay: if > 0, keep an exponential moving average of the generator's weights and generate
            with it (Yazici et al. 2019). The raw generator chases a moving discriminator and its samples
            wobble from step to step; the average is a much steadier, better generator, for free.
        class_weight: (conditional only) weight of the auxiliary classification losses: D's cross-entropy on
            real digits and G's cross-entropy for "D's class head should see the digit I was asked for".
        d_dropout: dropout rate after D's convolutions (0 = none); a slightly handicapped D keeps G learning.
        info_codes: (unconditional only) if > 0, an **InfoGAN** categorical code (Chen et al. 2016): G also takes
            a random one-hot code c of this many categories, D's second head Q guesses c from G(z, c), and both
            minimise that cross-entropy (weight ``info_weight``), a lower bound on the mutual information
            I(c; G(z, c)). No labels are used: G is pushed to make c *visible* in the image, and on MNIST the
            cheapest visible thing is the digit, so each category tends to become one clean digit shape instead
            of G blending shapes from one smooth z.
        seed: seeds the noise drawn in ``train_step``.
    """

    def __init__(self, latent_dim: int = 64, num_classes: int = 0, width: int = 32, label_smoothing: float = 0.0,
                 ema_decay: float = 0.0, class_weight: float = 1.0, d_dropout: float = 0.0,
                 generator_width: int | None = None, info_codes: int = 0, info_weight: float = 1.0, seed: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
        if num_classes < 0:
            raise ValueError(f"num_classes must be 0 (unconditional) or the number of classes, got {num_classes}")
        if info_codes < 0 or (info_codes and num_classes) or info_weight < 0:
            raise ValueError("info_codes (an InfoGAN code, >= 0) is for unconditional GANs only, with info_weight >= 0; "
                             f"got info_codes={info_codes}, num_classes={num_classes}, info_weight={info_weight}")
        if not 0.0 <= label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5), got {label_smoothing}")
        self.latent_dim = int(latent_dim)
        self.num_classes = int(num_classes)
        self.info_codes = int(info_codes)
        self.info_weight = float(info_weight)
        self.width = int(width)
        self.generator_width = int(generator_width or width)
        if not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1), got {ema_decay}")
        self.label_smoothing = float(label_smoothing)
        self.ema_decay = float(ema_decay)
        if class_weight < 0 or not 0.0 <= d_dropout < 1.0:
            raise ValueError(f"need class_weight >= 0 and d_dropout in [0, 1); got {class_weight}, {d_dropout}")
        self.class_weight = float(class_weight)
        self.d_dropout = float(d_dropout)
        self.seed = int(seed)
        self.generator = build_generator(latent_dim, self.code_size, self.generator_width)
        # the averaged generator (same architecture); None when ema_decay == 0
        self.ema_generator = build_generator(latent_dim, self.code_size, self.generator_width) if ema_decay > 0 else None
        self.ema_steps = self.add_weight(shape=(), initializer="zeros", trainable=False, name="ema_steps")
        self.discriminator = build_discriminator(self.code_size, width, dropout=d_dropout)
        self.noise = keras.random.SeedGenerator(seed)
        # besides the losses and D's mean verdicts: how often D's class head names the true digit of real images
        # (conditional only) and the requested digit or InfoGAN code of generated ones
        class_terms = (["class_acc_real", "class_acc_fake"] if self.conditional
                       else ["class_acc_fake"] * bool(info_codes))
        self.track_losses("d_loss", "g_loss", "d_real", "d_fake", *class_terms)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (``GAN(**config)`` rebuilds it; the checkpoint key hashes them)."""
        return {**super().get_config(), "latent_dim": self.latent_dim, "num_classes": self.num_classes, "width": self.width,
                "label_smoothing": self.label_smoothing, "ema_decay": self.ema_decay,
                "class_weight": self.class_weight, "d_dropout": self.d_dropout,
                "generator_width": self.generator_width, "info_codes": self.info_codes,
                "info_weight": self.info_weight, "seed": self.seed}

    @property
    def conditional(self) -> bool:
        """Trained with labels (and told the digit to draw)."""
        return self.num_classes > 0

    @property
    def code_size(self) -> int:
        """Length of G's one-hot input and of D's second head: the digit classes or the InfoGAN categories."""
        return self.num_classes or self.info_codes

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Two optimizers, one per player (DCGAN default: Adam(2e-4, beta_1=0.5) for both)."""
        if "optimizer" in kwargs:
            raise ValueError("a GAN has one optimizer per player: pass d_optimizer= and g_optimizer=")
        d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        if self.built:  # create the optimizers' slots now, outside any compiled step (needed under a tf.distribute
            d_optimizer.build(self.discriminator.trainable_variables)  # strategy and on JAX)
            g_optimizer.build(self.generator.trainable_variables)
        if keras.backend.backend() == "jax":
            # JAX's fit() carries one optimizer's state through its compiled steps: hold both players' there
            if not self.built:
                raise ValueError("on the JAX backend, build the GAN (gan.build()) before compile()")
            kwargs["optimizer"] = _BothPlayers(d_optimizer, g_optimizer)
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    # ------------------------------------------------------------------ building blocks
    def _onehot(self, labels):
        return one_hot_labels(labels, self.code_size, "GAN")

    def _random_codes(self, n):
        """One-hot InfoGAN codes drawn uniformly (train_step, and generate() when none are given)."""
        return ops.one_hot(keras.random.randint((n,), 0, self.info_codes, seed=self.noise), self.info_codes)

    def generate(self, z, labels=None, training: bool = False, averaged: bool | None = None):
        """G(z[, y]) as a backend tensor (N, 28, 28, 1).

        ``averaged`` (default: outside training, whenever an EMA generator exists) picks the averaged weights.
        """
        z = ops.convert_to_tensor(z, "float32")
        use_ema = (not training and self.ema_generator is not None) if averaged is None else averaged
        if use_ema and self.ema_generator is None:
            raise ValueError("this GAN keeps no averaged generator (ema_decay=0)")
        net = self.ema_generator if use_ema else self.generator
        if self.info_codes and labels is None:
            return net([z, self._random_codes(ops.shape(z)[0])], training=training)
        return net([z, self._onehot(labels)] if self.code_size else z, training=training)

    def discriminate(self, x, labels=None, training: bool = False):
        """D's realness logits (N, 1) for images x (``labels`` is accepted and ignored: D is not told y)."""
        return self._discriminator_heads(x, training)[0]

    def classify(self, x, training: bool = False):
        """Logits of D's second head for images x: the digit (conditional GAN) or the InfoGAN code (Q)."""
        if not self.code_size:
            raise ValueError("a plain DCGAN's discriminator has no class head (conditional GANs and InfoGANs have one)")
        return self._discriminator_heads(x, training)[1]

    def _discriminator_heads(self, x, training: bool):
        out = self.discriminator(ops.convert_to_tensor(x, "float32"), training=training)
        return tuple(out) if self.code_size else (out, None)

    def call(self, inputs, training: bool = False):
        """Generator output for z (or (z, labels) for the conditional GAN)."""
        z, labels = (inputs if self.conditional else (inputs, None))
        return self.generate(z, labels, training=training)

    def build(self, input_shape=None) -> None:
        """Keras's build step (before ``compile`` on JAX, whose train step needs every variable, and before
        ``load_weights``): G and D are functional models, built when they were made; this runs both generators and D
        once on a dummy batch, as a first call would (an InfoGAN draws codes there, so its training noise depends on
        it), and starts the averaged generator as a copy of G."""
        z = np.zeros((2, self.latent_dim), "float32")
        labels = np.zeros(2, "int32") if self.conditional else None
        self.generate(z, labels)
        self.generate(z, labels, averaged=False)
        if self.ema_generator is not None:
            self.ema_generator.set_weights(self.generator.get_weights())
        self.discriminate(np.zeros((2, 28, 28, 1), "float32"))

    # ------------------------------------------------------------------ losses and training
    @staticmethod
    def discriminator_loss(real_logits, fake_logits, label_smoothing: float = 0.0):
        """Binary cross-entropy with targets 1 - label_smoothing (real) and 0 (fake), from logits."""
        target = 1.0 - label_smoothing
        real_logits = ops.convert_to_tensor(real_logits)  # NumPy input: keep the arithmetic in backend tensors
        # BCE(logit, t) = softplus(logit) - t * logit
        real = ops.mean(ops.softplus(real_logits) - target * real_logits)
        fake = ops.mean(ops.softplus(fake_logits))
        return real + fake

    @staticmethod
    def generator_loss(fake_logits):
        """Non-saturating loss -log D(G(z)) = softplus(-logit): strong gradients while D wins."""
        return ops.mean(ops.softplus(-fake_logits))

    @staticmethod
    def class_loss(class_logits, onehot):
        """Cross-entropy of D's class head against (one-hot) digit labels, from logits."""
        return ops.mean(ops.categorical_crossentropy(onehot, class_logits, from_logits=True))

    @staticmethod
    def _class_accuracy(class_logits, onehot):
        return ops.mean(ops.cast(ops.argmax(class_logits, axis=-1) == ops.argmax(onehot, axis=-1), "float32"))

    def _unpack(self, data):
        return images_and_labels(data, self.conditional, "GAN")

    # Keras has no backend-neutral hook for two optimizers, so each backend gets a small train step around the
    # same backend-neutral pieces: the noise draw, each player's loss, the EMA update and the trackers.
    def _draw(self, batch, onehot):
        """Fresh noise z and the code G is asked for (the real labels, random InfoGAN codes, or None)."""
        z = keras.random.normal((batch, self.latent_dim), seed=self.noise)
        return z, (self._random_codes(batch) if self.info_codes else onehot)

    def _discriminator_objective(self, real, onehot, z, code):
        """D's loss: real images up, generated images down (+ name the digit of real images, or for an InfoGAN
        recover the code the generated images were drawn with). Returns (total, what the trackers read)."""
        fake = self.generate(z, code, training=True, averaged=False)
        real_logits, real_classes = self._discriminator_heads(real, training=True)
        fake_logits, fake_classes = self._discriminator_heads(fake, training=True)
        d_loss = self.discriminator_loss(real_logits, fake_logits, self.label_smoothing)
        d_total = d_loss  # (no `+=` below: on PyTorch it would change d_loss in place)
        if self.conditional:
            d_total = d_total + self.class_weight * self.class_loss(real_classes, onehot)
        elif self.info_codes:
            d_total = d_total + self.info_weight * self.class_loss(fake_classes, code)
        return d_total, (d_loss, real_logits, real_classes, fake_logits)

    def _generator_objective(self, z, code):
        """G's loss: make D say "real" (+ make D's class head see the requested digit or code)."""
        g_logits, g_classes = self._discriminator_heads(self.generate(z, code, training=True, averaged=False),
                                                        training=True)
        g_loss = self.generator_loss(g_logits)
        g_total = g_loss
        if self.code_size:
            g_total = g_total + ((self.class_weight if self.conditional else self.info_weight)
                                 * self.class_loss(g_classes, code))
        return g_total, (g_loss, g_classes, code)

    def _update_ema(self):
        if self.ema_generator is not None:
            # warm-up: average over roughly the last min(t, 1 / (1 - decay)) steps
            self.ema_steps.assign_add(1.0)
            decay = ops.minimum(self.ema_decay, (1.0 + self.ema_steps) / (10.0 + self.ema_steps))
            for avg, w in zip(self.ema_generator.weights, self.generator.weights):
                avg.assign(decay * avg + (1.0 - decay) * w)

    def _track(self, onehot, d_aux, g_aux):
        d_loss, real_logits, real_classes, fake_logits = d_aux
        g_loss, g_classes, code = g_aux
        terms = {"d_loss": d_loss, "g_loss": g_loss, "d_real": ops.mean(ops.sigmoid(real_logits)),
                 "d_fake": ops.mean(ops.sigmoid(fake_logits))}
        if self.conditional:
            terms["class_acc_real"] = self._class_accuracy(real_classes, onehot)
        if self.code_size:
            terms["class_acc_fake"] = self._class_accuracy(g_classes, code)
        return self.update_losses(terms)

    def train_step(self, *args):
        """One alternating step: D's update, then G's on fresh noise (JAX passes ``(state, data)``)."""
        steps = {"tensorflow": self._tensorflow_train_step, "jax": self._jax_train_step,
                 "torch": self._torch_train_step}
        backend = keras.backend.backend()
        if backend not in steps:
            raise NotImplementedError(f"the GAN trains on the tensorflow, jax or torch backend, not {backend!r}")
        return steps[backend](*args)

    def _tensorflow_train_step(self, data):
        import tensorflow as tf

        real, labels = self._unpack(data)
        onehot = self._onehot(labels) if self.conditional else None
        batch = ops.shape(real)[0]
        z, code = self._draw(batch, onehot)
        with tf.GradientTape() as tape:
            d_total, d_aux = self._discriminator_objective(real, onehot, z, code)
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply(tape.gradient(d_total, weights), weights)
        z, code = self._draw(batch, onehot)
        with tf.GradientTape() as tape:
            g_total, g_aux = self._generator_objective(z, code)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply(tape.gradient(g_total, weights), weights)
        self._update_ema()
        return self._track(onehot, d_aux, g_aux)

    def _torch_train_step(self, data):
        import torch

        real, labels = self._unpack(data)
        onehot = self._onehot(labels) if self.conditional else None
        batch = ops.shape(real)[0]
        for objective, player, optimizer in ((self._discriminator_objective, self.discriminator, self.d_optimizer),
                                             (self._generator_objective, self.generator, self.g_optimizer)):
            z, code = self._draw(batch, onehot)
            self.zero_grad()
            total, aux = (objective(real, onehot, z, code) if player is self.discriminator
                          else objective(z, code))
            total.backward()
            weights = player.trainable_weights
            with torch.no_grad():
                optimizer.apply([w.value.grad for w in weights], weights)
            if player is self.discriminator:
                d_aux = aux
        with torch.no_grad():
            self._update_ema()
            return self._track(onehot, d_aux, aux)

    def _jax_train_step(self, state, data):
        import jax

        trainable, non_trainable, optimizer_values, metrics_values = state
        trainable, non_trainable = list(trainable), list(non_trainable)
        real, labels = self._unpack(data)
        onehot = self._onehot(labels) if self.conditional else None
        batch = ops.shape(real)[0]
        all_trainable, all_other = self.trainable_variables, self.non_trainable_variables
        position = {id(v): i for i, v in enumerate(all_trainable)}

        def run(fn, trainable, non_trainable):
            """fn() with every model variable read from (and written to) the given values, as JAX wants."""
            mapping = list(zip(all_trainable, trainable)) + list(zip(all_other, non_trainable))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                out = fn()
            return (out, [scope.get_current_value(v) for v in all_trainable],
                    [scope.get_current_value(v) for v in all_other])

        n_own, n_d = len(self.optimizer._variables), len(self.d_optimizer.variables)
        slots = {"d": list(optimizer_values[n_own:n_own + n_d]), "g": list(optimizer_values[n_own + n_d:])}
        aux = {}
        for key, player, optimizer in (("d", self.discriminator, self.d_optimizer),
                                       ("g", self.generator, self.g_optimizer)):
            index = [position[id(v)] for v in player.trainable_variables]

            def loss(values, trainable, non_trainable, key=key, index=index):
                trainable = list(trainable)
                for i, v in zip(index, values):
                    trainable[i] = v

                def objective():
                    z, code = self._draw(batch, onehot)
                    if key == "d":
                        return self._discriminator_objective(real, onehot, z, code)
                    return self._generator_objective(z, code)

                (total, terms), _, non_trainable = run(objective, trainable, non_trainable)
                return total, (terms, non_trainable)

            values = [trainable[i] for i in index]
            (_, (aux[key], non_trainable)), grads = jax.value_and_grad(loss, has_aux=True)(
                values, trainable, non_trainable)
            values, slots[key] = optimizer.stateless_apply(slots[key], grads, values)
            for i, v in zip(index, values):
                trainable[i] = v
        _, trainable, non_trainable = run(self._update_ema, trainable, non_trainable)
        with keras.StatelessScope(state_mapping=list(zip(self.metrics_variables, metrics_values))) as scope:
            logs = self._track(onehot, aux["d"], aux["g"])
        metrics_values = [scope.get_current_value(v) for v in self.metrics_variables]
        optimizer_values = list(optimizer_values[:n_own]) + slots["d"] + slots["g"]
        return logs, (trainable, non_trainable, optimizer_values, metrics_values)

    # ------------------------------------------------------------------ convenience for notebooks
    def decode(self, z, labels=None, batch_size: int = 1000) -> np.ndarray:
        """Images (N, 28, 28, 1) for latent codes z (N, latent_dim), as NumPy (same name as VAE.decode).

        An InfoGAN given no ``labels`` (codes) draws them uniformly from a fixed seed, so a call is reproducible.
        """
        if self.info_codes and labels is None:
            labels = np.random.default_rng(len(z)).integers(0, self.info_codes, len(z))
        z, labels = latent_codes_and_labels(z, labels, self.latent_dim, self.code_size, "GAN")
        out = []
        for i in range(0, len(z), batch_size):
            lab = None if labels is None else labels[i:i + batch_size]
            out.append(ops.convert_to_numpy(self.generate(z[i:i + batch_size], lab)))
        return np.concatenate(out) if out else np.zeros((0, 28, 28, 1), "float32")

    def sample(self, n: int, labels=None, seed: int = 0, truncation: float | None = None) -> np.ndarray:
        """n generated images from z ~ N(0, I), reproducible through ``seed``.

        ``truncation`` t draws z from the normal truncated to [-t, t] per coordinate (see ``truncated_normal``);
        ``None`` (default) is the untruncated prior the generator was trained with.
        """
        if self.info_codes and labels is None:  # InfoGAN: uniform codes, from the same seed
            labels = np.random.default_rng([seed, 1]).integers(0, self.info_codes, n)
        return self.decode(truncated_normal(n, self.latent_dim, truncation, seed), labels)


class EpochSnapshots(keras.callbacks.Callback):
    """Generate the same fixed noise after every epoch (and once before training) to watch digits emerge.

    ``frames`` is a list of arrays (n, 28, 28, 1); frame 0 is the untrained generator.
    """

    def __init__(self, z: np.ndarray, labels: np.ndarray | None = None):
        super().__init__()
        self.z = np.asarray(z, "float32")
        self.labels = None if labels is None else np.asarray(labels)
        self.frames: list[np.ndarray] = []

    def _snap(self) -> None:
        self.frames.append(self.model.decode(self.z, self.labels))

    def on_train_begin(self, logs=None):
        self._snap()

    def on_epoch_end(self, epoch, logs=None):
        self._snap()


def train_gan(gan: GAN, x: np.ndarray, labels=None, epochs: int = 5, batch_size: int = 128,
              learning_rate: float = 2e-4, callbacks: list | None = None, verbose: int = 2,
              steps_per_epoch: int | None = None, jit_compile: bool = True, shuffle_seed: int = 0):
    """Compile both players with Adam(learning_rate, beta_1=0.5) (the DCGAN setting) and fit.

    ``steps_per_epoch``: if given, an "epoch" is that many batches drawn from an endlessly reshuffled
    stream of ``x`` (so curves and snapshots come at a fixed number of steps, whatever the data size);
    otherwise an epoch is one pass over ``x``. ``jit_compile=True`` compiles the train step with XLA,
    which makes these small GAN steps about 2-3x faster on a CPU (Keras turns XLA off on CPU by default);
    it is ignored on PyTorch, where it would mean ``torch.compile``.
    """
    x = as_images(x)
    if gan.conditional and labels is None:
        raise ValueError("a conditional GAN is trained with labels")
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                jit_compile=jit_compile and _xla_helps())
    args = (x, np.asarray(labels)) if gan.conditional else (x,)
    if steps_per_epoch is None:
        return gan.fit(*args, epochs=epochs, batch_size=batch_size, shuffle=True, callbacks=callbacks or [],
                       verbose=verbose)
    if keras.backend.backend() == "tensorflow":  # tf.data: the stream the recorded TensorFlow runs were drawn from
        import tensorflow as tf

        stream = (tf.data.Dataset.from_tensor_slices(args if gan.conditional else x)
                  .shuffle(len(x), seed=shuffle_seed).repeat().batch(batch_size, drop_remainder=True).prefetch(2))
    else:
        stream = _ReshuffledStream(args, batch_size, steps_per_epoch, shuffle_seed)
    return gan.fit(stream, epochs=epochs, steps_per_epoch=steps_per_epoch, shuffle=False,  # the stream shuffles
                   callbacks=callbacks or [], verbose=verbose)


def _xla_helps() -> bool:
    """XLA for the train step: on JAX and TensorFlow, except under a tf.distribute strategy (XLA cannot reach
    mirrored variables on other devices); not on PyTorch, where jit_compile means torch.compile."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return not tf.distribute.has_strategy()
    return backend == "jax"


class _ReshuffledStream(keras.utils.PyDataset):
    """Full batches from an endlessly reshuffled pass over the arrays (JAX and PyTorch; TensorFlow uses tf.data)."""

    def __init__(self, arrays: tuple, batch_size: int, steps_per_epoch: int, seed: int = 0):
        super().__init__()
        if batch_size > len(arrays[0]):
            raise ValueError(f"batch_size {batch_size} is larger than the {len(arrays[0])} training images")
        self.arrays, self.batch_size, self.steps = arrays, int(batch_size), int(steps_per_epoch)
        self._rng = np.random.default_rng(seed)
        self._order = np.zeros(0, np.int64)
        self._next = 0

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int):
        if self._next + self.batch_size > len(self._order):  # start a new shuffled pass (drop the remainder)
            self._order, self._next = self._rng.permutation(len(self.arrays[0])), 0
        rows = self._order[self._next:self._next + self.batch_size]
        self._next += self.batch_size
        batch = tuple(a[rows] for a in self.arrays)
        return batch if len(batch) > 1 else batch[0]


def fit_or_load_gan(notebook: str, name: str, build: Callable[[], GAN], x: np.ndarray, labels=None, *,
                    epochs: int, batch_size: int = 128, learning_rate: float = 2e-4,
                    snapshot_z: np.ndarray, snapshot_labels: np.ndarray | None = None,
                    settings: dict[str, Any] | None = None, verbose: int = 2, steps_per_epoch: int | None = None,
                    jit_compile: bool = True, seed: int | None = None) -> tuple[checkpoints.Trained, np.ndarray]:
    """``checkpoints.fit_or_load`` for a GAN trained by :func:`train_gan`, plus the per-epoch fixed-noise frames.

    The cache key is derived from the built GAN, ``x`` and ``labels``, the fit arguments and ``seed``;
    ``settings`` only adds facts the arrays do not show. The frames (epochs + 1, n, 28, 28, 1) are kept beside
    the checkpoint as ``<key>.frames.npz`` (plain arrays, no pickle), so a cached model still shows how it
    learned. If that file is missing for a cached model, the frames are an empty array and the notebook says so.
    """
    snapshots = EpochSnapshots(snapshot_z, snapshot_labels)

    def train(model: GAN, x, labels, **fit_args):
        return train_gan(model, x, labels, callbacks=[snapshots], **fit_args)

    trained = checkpoints.fit_or_load(
        notebook, name, build, train, data=(x, labels),
        fit_args={"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
                  "steps_per_epoch": steps_per_epoch, "jit_compile": jit_compile},
        seed=seed, settings=settings, verbose=verbose)
    frames_path = trained.path.with_name(trained.path.name[: -len(checkpoints.SUFFIX)] + ".frames.npz")
    if snapshots.frames:
        frames = np.stack(snapshots.frames)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, frames=frames.astype("float16"))
        atomic_write(frames_path, buffer.getvalue())
    elif frames_path.exists():
        with np.load(frames_path, allow_pickle=False) as stored:
            frames = stored["frames"].astype("float32")
    else:
        frames = np.zeros((0, len(snapshot_z), 28, 28, 1), "float32")
    return trained, frames


def animation_gif(frames: np.ndarray, path: str | Path, ncols: int = 8, captions: list[str] | None = None,
                  seconds_per_frame: float = 0.6) -> Path:
    """Write the per-epoch sample grids as an animated GIF (one frame per epoch) and return its path."""
    from PIL import Image, ImageDraw

    frames = np.asarray(frames)
    if frames.ndim == 5:
        frames = frames[..., 0]
    if frames.ndim != 4 or len(frames) == 0:
        raise ValueError(f"expected frames (epochs, n, 28, 28[, 1]) with at least one epoch, got {frames.shape}")
    _, n, h, w = frames.shape
    nrows = int(np.ceil(n / ncols))
    scale, top = 2, 14
    images = []
    for k, frame in enumerate(frames):
        canvas = np.zeros((nrows * h, ncols * w), "float32")
        for i, img in enumerate(frame):
            r, c = divmod(i, ncols)
            canvas[r * h:(r + 1) * h, c * w:(c + 1) * w] = img
        pixels = (np.clip(canvas, 0, 1) * 255).astype("uint8").repeat(scale, 0).repeat(scale, 1)
        page = Image.new("L", (pixels.shape[1], pixels.shape[0] + top), 0)
        page.paste(Image.fromarray(pixels), (0, top))
        ImageDraw.Draw(page).text((2, 1), captions[k] if captions else f"epoch {k}", fill=255)
        images.append(page)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(seconds_per_frame * 1000), loop=0)
    return path
