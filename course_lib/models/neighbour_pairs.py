"""Mined neighbour pairs: the unsupervised signal shared by notebook 09's clustering prior and notebook 07's map.

Both models learn from "these two images are nearest neighbours" (in a feature space computed once): this module
mines the neighbours, serves (row, one of its neighbours) batches to ``fit()``, and holds the two small pieces of
``train_step`` plumbing both models need (unpacking the pair, updating the loss trackers).
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np


def mine_neighbours(features: np.ndarray, k: int = 10) -> np.ndarray:
    """Indices (N, k) of each row's k nearest other rows (Euclidean), the pairs the clusters must respect."""
    from sklearn.neighbors import NearestNeighbors

    features = np.asarray(features, dtype=np.float32)
    if features.ndim != 2 or not 1 <= k < len(features):
        raise ValueError(f"need features (N, d) with 1 <= k < N; got shape {features.shape} and k={k}")
    found = NearestNeighbors(n_neighbors=k + 1).fit(features).kneighbors(features, return_distance=False)
    # each point is usually its own first neighbour, but exact duplicates may come first: drop self wherever it is
    rows = [row[row != i][:k] for i, row in enumerate(found)]
    return np.stack(rows).astype(np.int64)


def neighbour_agreement(labels: np.ndarray, neighbours: np.ndarray) -> float:
    """Share of mined (i, j) pairs with the same label: how trustworthy the neighbours are (diagnosis only)."""
    labels = np.asarray(labels)
    return float(np.mean(labels[neighbours] == labels[:, None]))


class NeighbourPairs(keras.utils.PyDataset):
    """Batches of (rows, one mined neighbour of each row), reshuffled and re-drawn every epoch."""

    def __init__(self, features: np.ndarray, neighbours: np.ndarray, batch_size: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.features = np.asarray(features, dtype=np.float32)
        neighbours = np.asarray(neighbours)
        n = len(self.features)
        if neighbours.ndim != 2 or len(neighbours) != n or neighbours.min() < 0 or neighbours.max() >= n:
            raise ValueError(f"neighbours must be (N, k) indices into the {n} rows; got shape {neighbours.shape}")
        self.neighbours = neighbours
        self.batch_size = int(batch_size)
        self._rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self) -> int:
        return int(np.ceil(len(self.features) / self.batch_size))

    def on_epoch_end(self) -> None:
        n = len(self.features)
        self._order = self._rng.permutation(n)
        self._partner = self.neighbours[np.arange(n), self._rng.integers(0, self.neighbours.shape[1], n)]

    def __getitem__(self, index: int):
        rows = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        return (self.features[rows], self.features[self._partner[rows]]),



def unpack_pair(data, model_name: str) -> tuple:
    """The (rows, neighbour rows) pair that ``fit()`` hands to train_step from a :class:`NeighbourPairs` batch."""
    pair = data[0] if isinstance(data, (tuple, list)) and len(data) == 1 else data
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{model_name} trains on (rows, neighbour rows) pairs: fit it on a NeighbourPairs dataset")
    return pair


def update_trackers(trackers: dict, terms: dict) -> dict:
    """Feed each loss term to its Mean tracker; returns the running values (what train_step reports)."""
    for name, tracker in trackers.items():
        tracker.update_state(terms[name])
    return {name: tracker.result() for name, tracker in trackers.items()}
