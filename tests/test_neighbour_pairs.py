"""course_lib.models.neighbour_pairs: exact neighbour mining, the pairs dataset and the pair unpacking."""

import numpy as np
import pytest

from course_lib.models import neighbour_pairs as npairs


def test_mine_neighbours_matches_brute_force_and_excludes_self():
    f = np.random.default_rng(1).standard_normal((50, 4)).astype("float32")
    g = npairs.mine_neighbours(f, k=3, chunk=16)
    d = ((f[:, None] - f[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert g.shape == (50, 3)
    assert (g != np.arange(50)[:, None]).all()
    np.testing.assert_array_equal(np.sort(g, 1), np.sort(np.argsort(d, 1)[:, :3], 1))


def test_mine_neighbours_rejects_bad_input():
    with pytest.raises(ValueError, match="need 1 <= k < N"):
        npairs.mine_neighbours(np.zeros((5, 2)), k=5)
    with pytest.raises(ValueError, match=r"finite \(N, d\)"):
        npairs.mine_neighbours(np.zeros(5), k=1)
    with pytest.raises(ValueError, match="finite"):
        npairs.mine_neighbours(np.full((5, 2), np.nan), k=1)


def test_mined_neighbours_are_the_nearest_other_points():
    points = np.array([[0.0], [0.1], [5.0], [5.2], [5.3], [10.0]], dtype=np.float32)
    nb = npairs.mine_neighbours(points, k=2)
    assert nb.shape == (6, 2)
    assert all(i not in row for i, row in enumerate(nb))
    assert set(nb[0]) == {1, 2} and set(nb[3]) == {2, 4} and nb[5, 0] == 4


def test_duplicates_do_not_make_a_point_its_own_neighbour():
    nb = npairs.mine_neighbours(np.zeros((5, 2), dtype=np.float32), k=3)
    assert all(i not in row for i, row in enumerate(nb))


def test_mining_refuses_bad_k():
    with pytest.raises(ValueError, match="k < N"):
        npairs.mine_neighbours(np.zeros((3, 2)), k=3)


def test_pairs_dataset_gives_each_row_one_of_its_neighbours():
    rows = np.random.default_rng(0).standard_normal((20, 4)).astype(np.float32)
    nb = npairs.mine_neighbours(rows, k=3)
    pairs = npairs.NeighbourPairs(rows, nb, batch_size=8, seed=0)
    assert len(pairs) == 3
    seen = []
    for i in range(len(pairs)):
        (batch, partners), = pairs[i]
        assert batch.shape == partners.shape
        for row, partner in zip(batch, partners):
            own = int(np.argmin(((rows - row) ** 2).sum(1)))
            assert any(np.array_equal(rows[j], partner) for j in nb[own])
            seen.append(own)
    assert sorted(seen) == list(range(20))  # every row once per epoch
    with pytest.raises(ValueError, match="neighbours must be"):
        npairs.NeighbourPairs(rows, nb[:5], batch_size=8)


def test_neighbour_agreement_counts_same_label_pairs():
    assert npairs.neighbour_agreement(np.array([0, 0, 1]), np.array([[1], [2], [0]])) == pytest.approx(1 / 3)


def test_unpack_pair_accepts_a_pairs_batch_and_names_the_model_otherwise():
    a, b = np.zeros((2, 3)), np.ones((2, 3))
    assert npairs.unpack_pair(((a, b),), "Head") == (a, b)
    assert npairs.unpack_pair((a, b), "Head") == (a, b)
    with pytest.raises(ValueError, match="Head trains on \\(rows, neighbour rows\\) pairs"):
        npairs.unpack_pair(a, "Head")
