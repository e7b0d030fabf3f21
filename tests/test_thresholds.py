"""Every quality check in course_lib/profiles.py must be able to fail.

A ``min_*`` threshold at or below what a useless model scores (chance for a 10-class accuracy, no gain for a
difference, a collapsed generator for a class share) passes whatever the notebook does, and so does a
``max_*`` share of 1. This test walks every notebook and every profile, so a new vacuous threshold fails here
before it reaches CI. A key with no floor in ``FLOORS`` fails too: say what a useless model would score.
"""

from __future__ import annotations

import math

import pytest

from course_lib import profiles

#: ten-class accuracy of a guess
CHANCE_10 = 0.1
#: mean squared error of predicting the mean Fashion-MNIST image (per-pixel variance, test set, pixels in [0, 1])
MEAN_IMAGE_MSE_FASHION = 0.0866
#: negative log-likelihood in nats of a decoder that says 0.5 for every one of the 784 binary pixels
UNIFORM_BERNOULLI_NLL = 784 * math.log(2)

#: key -> (the score of a useless model, the margin "clearly" asks for, what the useless model is)
FLOORS: dict[str, tuple[float, float, str]] = {
    # accuracies and agreements over ten digits: chance is 0.1
    "min_test_accuracy": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_kannada_test_accuracy": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_cvae_agreement": (CHANCE_10, 0.05, "a decoder that ignores the label"),
    "min_cgan_agreement": (CHANCE_10, 0.05, "a generator that ignores the label"),
    "min_kannada": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_dig": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_vae_gan_head_kannada": (CHANCE_10, 0.05, "a latent classifier that guesses among ten digits"),
    "min_fixmatch_kannada": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_cnn_kannada": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_head_kannada": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_feature_accuracy": (CHANCE_10, 0.05, "a guess among ten classes"),
    "min_best_accuracy": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_best_median": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_reference_knn": (CHANCE_10, 0.05, "a guess among ten digits"),
    "min_param_knn": (CHANCE_10, 0.05, "a guess among ten classes"),
    "min_cnn_accuracy": (CHANCE_10, 0.05, "a guess among ten classes"),
    "min_code_accuracy": (CHANCE_10, 0.05, "a guess among ten classes"),
    "min_cluster_accuracy": (CHANCE_10, 0.05, "ten clusters matched to ten classes at random"),
    # shares and rates: a useless model scores 0
    "min_recognisable": (0.0, 0.05, "a generator no classifier is sure about"),
    "min_class_share": (0.0, 0.005, "a collapsed generator: some digit never appears"),
    "min_muddle_rate": (0.0, 0.01, "a method that returns clear digits (real test digits score about 0.003)"),
    # gains and differences: a useless model gains nothing
    "min_shift_gap": (0.0, 0.02, "no domain shift"),
    "min_pca_improvement": (0.0, 0.0, "no better than PCA (a strict '>' in the notebook would also do)"),
    "min_cluster_gain": (0.0, 0.0, "no better than the k-means baseline"),
    "min_cluster_gain_same_codes": (0.0, 0.0, "no better than k-means on the same codes"),
    "min_cnn_gain_over_knn": (0.0, 0.0, "a CNN no better than 4-NN on the pixels"),
    # ratios: codes that keep no class information score chance over the pixel k-NN's accuracy (about 0.1 / 0.9)
    "min_code_to_pixels_ratio": (0.12, 0.3, "codes with no class information (chance over pixel k-NN)"),
    # trustworthiness of a random 2-D map is about 0.5
    "min_trustworthiness": (0.5, 0.05, "a random embedding"),
}

#: max_* keys: (the value a useless model reaches, what that model is); a threshold must sit below it
CEILINGS: dict[str, tuple[float, str]] = {
    "max_class_share": (1.0, "a collapsed generator draws one digit only"),
    "max_nll": (UNIFORM_BERNOULLI_NLL, "a decoder that says 0.5 for every pixel"),
    "max_reference_mse": (MEAN_IMAGE_MSE_FASHION, "an autoencoder that outputs the mean image"),
    "max_largest_code_mse": (MEAN_IMAGE_MSE_FASHION, "an autoencoder that outputs the mean image"),
}

#: (notebook, profile, key) checks switched off with None, each with its reason; only the smoke profile may do so
OFF_IN_SMOKE: dict[tuple[str, str], str] = {
    ("09_kmnist_latent_priors", "min_cluster_gain"):
        "at 1,200 images the mined neighbours only tie k-means on pixels; smoke checks min_cluster_gain_same_codes",
}

#: (notebook, key) pairs exempt from the rule: (reason, temporary). Keep this list short. A temporary exception
#: may outlive its key (the key is being replaced); a permanent one must name a key that exists.
EXCEPTIONS: dict[tuple[str, str], tuple[str, bool]] = {
    ("02_conv_autoencoder_fashion", "max_time_ratio"):
        ("a cost ratio (our training time over the reference's), not a quality score: no chance level exists", False),
}


def _thresholds():
    for notebook, table in profiles.SIZES.items():
        for profile, values in table.items():
            for key, value in values.items():
                if key.startswith(("min_", "max_")) or key == "beat_pca_sizes":
                    yield notebook, profile, key, value


ALL = list(_thresholds())


def _values(value):
    """A threshold is a number or a dict of numbers per row (notebook 05: {"1%": 0.93})."""
    return list(value.values()) if isinstance(value, dict) else [value]


@pytest.mark.parametrize("notebook, profile, key, value", ALL, ids=[f"{n[:2]}-{p}-{k}" for n, p, k, _ in ALL])
def test_no_threshold_is_vacuous(notebook, profile, key, value):
    if (notebook, key) in EXCEPTIONS:
        return
    if value is None:
        assert profile == "smoke" and (notebook, key) in OFF_IN_SMOKE, (
            f"{notebook} [{profile}]: {key} is None, so nothing is checked; only smoke may switch a check off, "
            "with its reason in OFF_IN_SMOKE")
        return
    if key == "beat_pca_sizes":
        assert value, f"{notebook} [{profile}]: beat_pca_sizes is empty, so 'ours beats PCA' is never checked"
        return
    if key.startswith("min_"):
        assert key in FLOORS, f"{notebook}: {key} has no floor; add what a useless model scores to FLOORS"
        floor, margin, who = FLOORS[key]
        assert _values(value), f"{notebook} [{profile}]: {key} is empty, so nothing is checked"
        for v in _values(value):
            assert v > floor + margin - 1e-12 and v > floor, (
                f"{notebook} [{profile}]: {key} = {v} is not clearly above {floor} ({who})")
    else:
        assert key in CEILINGS, f"{notebook}: {key} has no ceiling; add what a useless model reaches to CEILINGS"
        ceiling, who = CEILINGS[key]
        for v in _values(value):
            assert v < ceiling, f"{notebook} [{profile}]: {key} = {v} is not below {ceiling} ({who})"


def test_the_rule_catches_vacuous_values(monkeypatch):
    """The test itself can fail: a share of 1, a chance-level accuracy and an empty row list are each caught."""
    for key, value in [("max_class_share", 1.0), ("min_cgan_agreement", 0.1), ("min_kannada", {"1%": 0.0}),
                       ("min_dig", {}), ("beat_pca_sizes", []), ("min_unknown_score", 0.9)]:
        with pytest.raises(AssertionError, match=r"^99_example"):
            test_no_threshold_is_vacuous("99_example", "smoke", key, value)


def test_exceptions_name_real_keys():
    keys = {(n, k) for n, _, k, _ in ALL}
    stale = [pair for pair, (_, temporary) in EXCEPTIONS.items() if pair not in keys and not temporary]
    assert not stale, f"exceptions for thresholds that no longer exist: {stale}"
