"""course_lib: the helper library of the representation-learning course pack.

Modules (one job each):
    config       profile, paths and seed, read once from the environment
    profiles     the table of run sizes per notebook and profile
    data         dataset registry, readers, safe downloads, loaders, subsets
    checkpoints  "load the trained model if cached, else train it"
    report       record a notebook's measured results (reports/<profile>/<notebook>.json)
    validation   the one check of image inputs (uint8 0..255 or floats in [0, 1])
    interpolation  linear and spherical paths between latent codes
    plotting     image grids, training curves, latent scatter, interpolation strips
    metrics      clustering / embedding / generation metrics
    embeddings   2-D maps (PCA, t-SNE, UMAP) and how well they keep neighbours
    semi_supervised  few-label classification (kNN, label spreading, pseudo-labels)
    muddle       ambiguous digits (notebook 08)
    models       model families, one module each (autoencoders, vae, gan, translation, classifiers, priors,
                 cluster_prior, parametric_map) and what they share (losses, batches, conditioning,
                 neighbour_pairs)
"""

import os

# Keras 3 reads KERAS_BACKEND when it is first imported: default to TensorFlow (the fastest backend
# for small convnets on a CPU) unless the user chose another one.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# UMAP's numba functions go to numba's on-disk cache, so a new kernel does not compile them again.
from course_lib import _numba_cache  # noqa: E402

_numba_cache.install()

# The one place the version is written (pyproject.toml reads it: [tool.setuptools.dynamic]).
__version__ = "0.1.0"
