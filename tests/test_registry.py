"""course_lib.data.registry: the four datasets, their splits and clear errors for unknown names."""

import pytest

from course_lib.data import registry


def test_registry_matches_shared_sources():
    assert set(registry.REGISTRY) == {"mnist", "fashion-mnist", "kannada-mnist", "kmnist"}
    assert set(registry.KANNADA_MNIST.splits) == {"train", "test", "dig"}
    for spec in registry.REGISTRY.values():
        for split in spec.splits.values():
            for f in (split.images, split.labels):
                assert len(f.sha256) == 64 and f.urls and f.size > 0
    with pytest.raises(KeyError, match="known: mnist"):
        registry.get_spec("cifar")
    with pytest.raises(KeyError, match="train, test, dig"):
        registry.KANNADA_MNIST.split("val")

