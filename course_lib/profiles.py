"""The one table of run sizes: every notebook's sample counts, epochs and batch sizes per profile.

A notebook never writes ``if profile == ...``: it asks ``config.sizes("NN_slug")`` and uses the
numbers it gets. To make a notebook faster or bigger, change its rows here and nowhere else.

Profiles
--------
smoke    CI: seconds per notebook, proves the code runs and the numbers are sane.
lecture  a student's laptop CPU (2 cores): a few minutes per notebook, results worth discussing.
full     the real experiment (a long CPU run or a GPU): the numbers compared with the papers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

PROFILE_NAMES: tuple[str, ...] = ("smoke", "lecture", "full")


class Sizes(Mapping):
    """Read-only mapping with attribute access (``s.epochs``) and helpful errors for typos."""

    def __init__(self, notebook: str, profile: str, values: Mapping[str, Any]):
        self._notebook = notebook
        self._profile = profile
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(
                f"{self._notebook!r} has no size {key!r} in profile {self._profile!r}; "
                f"known: {', '.join(sorted(self._values))}"
            ) from None

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError as err:
            raise AttributeError(str(err)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    @property
    def profile(self) -> str:
        return self._profile

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Sizes[{self._notebook} @ {self._profile}]({items})"


# notebook -> profile -> values. Every profile of a notebook names the same keys (a test checks it).
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "01_data_loading": {
        # shift_train: Kannada training images for the logistic-regression probe of the Dig-MNIST shift;
        # min_shift_gap: how much lower Dig-MNIST accuracy must be than Kannada-test accuracy.
        "smoke": {"examples_per_class": 4, "stats_sample": 2_000, "shift_train": 2_000,
                  "min_kannada_test_accuracy": 0.75, "min_shift_gap": 0.10},
        "lecture": {"examples_per_class": 8, "stats_sample": 20_000, "shift_train": 10_000,
                    "min_kannada_test_accuracy": 0.85, "min_shift_gap": 0.15},
        "full": {"examples_per_class": 10, "stats_sample": 70_000, "shift_train": 60_000,
                 "min_kannada_test_accuracy": 0.85, "min_shift_gap": 0.15},
    },
    "shared_mnist_classifier": {
        "smoke": {"n_train": 3_000, "epochs": 1, "batch_size": 128, "min_test_accuracy": 0.80},
        "lecture": {"n_train": 60_000, "epochs": 3, "batch_size": 128, "min_test_accuracy": 0.993},
        "full": {"n_train": 60_000, "epochs": 12, "batch_size": 128, "min_test_accuracy": 0.994},
    },
    "03_variational_autoencoder": {
        "smoke": {"n_train": 2_000, "epochs": 2, "latent_dim": 16, "n_train_2d": 1_000, "epochs_2d": 1,
                  "betas": [0.5, 1.0, 4.0], "n_train_beta": 1_000, "epochs_beta": 1, "epochs_cvae": 2,
                  "batch_size": 128, "n_eval": 200, "iwae_k": 20, "samples_per_digit": 20,
                  "max_nll": 400.0, "min_cvae_agreement": 0.2},
        "lecture": {"n_train": 60_000, "epochs": 7, "latent_dim": 16, "n_train_2d": 20_000, "epochs_2d": 4,
                    "betas": [0.5, 1.0, 4.0], "n_train_beta": 20_000, "epochs_beta": 4, "epochs_cvae": 4,
                    "batch_size": 128, "n_eval": 1_000, "iwae_k": 100, "samples_per_digit": 100,
                    "max_nll": 100.0, "min_cvae_agreement": 0.95},
        "full": {"n_train": 60_000, "epochs": 60, "latent_dim": 32, "n_train_2d": 60_000, "epochs_2d": 20,
                 "betas": [0.5, 1.0, 4.0], "n_train_beta": 60_000, "epochs_beta": 20, "epochs_cvae": 30,
                 "batch_size": 128, "n_eval": 10_000, "iwae_k": 500, "samples_per_digit": 500,
                 "max_nll": 90.0, "min_cvae_agreement": 0.97},
    },
    "08_digit_muddle": {
        "smoke": {"n_train": 2_000, "ae_epochs": 2, "vae_epochs": 2, "latent_dim": 8, "batch_size": 128,
                  "n_pairs": 200, "path_steps": 11, "gallery": 8, "min_muddle_rate": 0.05},
        "lecture": {"n_train": 30_000, "ae_epochs": 4, "vae_epochs": 5, "latent_dim": 8, "batch_size": 128,
                    "n_pairs": 1_000, "path_steps": 21, "gallery": 10, "min_muddle_rate": 0.80},
        "full": {"n_train": 60_000, "ae_epochs": 20, "vae_epochs": 30, "latent_dim": 8, "batch_size": 128,
                 "n_pairs": 1_000, "path_steps": 41, "gallery": 10, "min_muddle_rate": 0.85},
    },
    "02_conv_autoencoder_fashion": {
        # n_train/n_test: Fashion-MNIST images used; reference_*: the assignment's network; epochs/batch_size:
        # ours; code_sizes: bottleneck study (feature_code_size must be one of them); beat_pca_sizes: code sizes
        # where ours must beat PCA by min_pca_improvement (relative); max_time_ratio: our training time over the
        # reference's; max_largest_code_mse: ours at the largest code size; max_minutes: notebook wall time.
        "smoke": {"n_train": 1_000, "n_test": 500, "reference_epochs": 1, "reference_batch_size": 128,
                  "epochs": 1, "batch_size": 128, "code_sizes": [2, 8], "feature_code_size": 8,
                  "denoise_epochs": 1, "noise_std": 0.3, "knn_k": 5, "beat_pca_sizes": [],
                  "min_pca_improvement": 0.0, "max_reference_mse": 0.1, "max_largest_code_mse": 0.1,
                  "max_time_ratio": 10.0, "min_feature_accuracy": 0.4, "max_minutes": 3.0},
        "lecture": {"n_train": 10_000, "n_test": 10_000, "reference_epochs": 3, "reference_batch_size": 128,
                    "epochs": 4, "batch_size": 128, "code_sizes": [2, 8, 32, 128], "feature_code_size": 32,
                    "denoise_epochs": 3, "noise_std": 0.3, "knn_k": 5, "beat_pca_sizes": [2, 8],
                    "min_pca_improvement": 0.0, "max_reference_mse": 0.04, "max_largest_code_mse": 0.012,
                    "max_time_ratio": 1.0, "min_feature_accuracy": 0.78, "max_minutes": 8.0},
        "full": {"n_train": 60_000, "n_test": 10_000, "reference_epochs": 5, "reference_batch_size": 128,
                 "epochs": 8, "batch_size": 256, "code_sizes": [2, 8, 32, 128, 256], "feature_code_size": 32,
                 "denoise_epochs": 5, "noise_std": 0.3, "knn_k": 5, "beat_pca_sizes": [2, 8, 32],
                 "min_pca_improvement": 0.10, "max_reference_mse": 0.0217, "max_largest_code_mse": 0.004,
                 "max_time_ratio": 1.0, "min_feature_accuracy": 0.82, "max_minutes": 60.0},
    },
    "07_tsne_vs_umap": {
        # n_train/n_test: Fashion-MNIST train/test images embedded (maps fitted on train, test placed into them);
        # n_study: subset for seeds / hyperparameters / implementation comparison; trust_sample/trust_k:
        # trustworthiness sample; map_epochs: 2-D autoencoders; min_param_knn: our parametric map on the test part.
        "smoke": {"n_train": 1_500, "n_test": 500, "n_study": 600, "seeds": [0, 1], "perplexities": [5, 30],
                  "umap_neighbors": [5, 30], "umap_min_dists": [0.0, 0.5], "trust_sample": 500, "trust_k": 10,
                  "knn_k": 5, "map_epochs": 2, "map_batch_size": 128, "guide_weight": 1.0,
                  "min_param_knn": 0.3, "min_trustworthiness": 0.6, "max_minutes": 3.0},
        "lecture": {"n_train": 30_000, "n_test": 5_000, "n_study": 3_000, "seeds": [0, 1, 2],
                    "perplexities": [5, 30, 100], "umap_neighbors": [5, 15, 50], "umap_min_dists": [0.0, 0.8],
                    "trust_sample": 3_000, "trust_k": 10, "knn_k": 5, "map_epochs": 8, "map_batch_size": 256,
                    "guide_weight": 1.0, "min_param_knn": 0.78, "min_trustworthiness": 0.85, "max_minutes": 6.0},
        "full": {"n_train": 60_000, "n_test": 10_000, "n_study": 10_000, "seeds": [0, 1, 2, 3],
                 "perplexities": [5, 30, 100, 300], "umap_neighbors": [5, 15, 50, 200],
                 "umap_min_dists": [0.0, 0.1, 0.8], "trust_sample": 5_000, "trust_k": 10, "knn_k": 5,
                 "map_epochs": 20, "map_batch_size": 256, "guide_weight": 1.0, "min_param_knn": 0.80,
                 "min_trustworthiness": 0.9, "max_minutes": 60.0},
    },
}


def sizes_for(notebook: str, profile: str) -> Sizes:
    """Look up one notebook's sizes; unknown notebooks get a list of the known ones."""
    if notebook not in SIZES:
        raise KeyError(f"No sizes for notebook {notebook!r}; known: {', '.join(sorted(SIZES))}")
    table = SIZES[notebook]
    if profile not in table:
        raise KeyError(f"Notebook {notebook!r} has no {profile!r} profile; it has {', '.join(table)}")
    return Sizes(notebook, profile, table[profile])
