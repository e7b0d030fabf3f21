import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from course_lib import metrics, plotting


def test_clustering_accuracy_is_invariant_to_renaming():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert metrics.clustering_accuracy(y, np.array([2, 2, 0, 0, 1, 1])) == 1.0
    assert metrics.clustering_accuracy(y, np.array([2, 2, 0, 0, 1, 0])) == pytest.approx(5 / 6)
    assert metrics.hungarian_match(y, np.array([2, 2, 0, 0, 1, 1])) == {2: 0, 0: 1, 1: 2}
    assert metrics.nmi(y, np.array([1, 1, 2, 2, 0, 0])) == pytest.approx(1.0)
    assert metrics.fowlkes_mallows(y, np.array([1, 1, 2, 2, 0, 0])) == pytest.approx(1.0)


def test_frechet_distance_of_known_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 2))
    b = rng.normal(size=(20000, 2)) * 2 + np.array([3.0, 0.0])
    # |mu|^2 = 9; Tr(I + 4I - 2*2I) = 2
    assert metrics.frechet_distance(a, b) == pytest.approx(11.0, rel=0.03)
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_refuses_a_complex_square_root_and_bad_shapes(monkeypatch):
    from scipy import linalg

    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    with pytest.raises(ValueError, match="same d"):
        metrics.frechet_distance(a, b[:, :2])
    with pytest.raises(ValueError, match="at least two samples"):
        metrics.frechet_distance(a[:1], b[:1])
    real = linalg.sqrtm
    monkeypatch.setattr(linalg, "sqrtm", lambda m: real(m) + 0.5j * np.eye(len(m)))
    with pytest.raises(ValueError, match="is complex"):
        metrics.frechet_distance(a, b)
    monkeypatch.setattr(linalg, "sqrtm", lambda m: real(m) + 1e-9j * np.eye(len(m)))  # rounding noise is fine
    assert np.isfinite(metrics.frechet_distance(a, b))


def test_class_entropy_and_knn():
    assert metrics.class_entropy(np.arange(10)) == pytest.approx(np.log(10))
    assert metrics.class_entropy(np.zeros(10, dtype=int)) == 0.0
    x = np.array([[0.0], [0.1], [5.0], [5.1]])
    assert metrics.knn_accuracy(x, np.array([0, 0, 1, 1]), np.array([[0.05], [5.05]]), np.array([0, 1]), k=1) == 1.0


def test_plots_return_figures():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(30, 28, 28), dtype=np.uint8)
    labels = np.arange(30) % 10
    plotting.use_course_style()
    assert len(plotting.image_grid(images, labels=labels, ncols=10).axes) == 30
    assert plotting.examples_per_class(images, labels, list("0123456789"), per_class=3) is not None
    fig = plotting.training_curves({"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]})
    assert len(fig.axes) == 1
    assert plotting.latent_scatter(rng.normal(size=(30, 2)), labels) is not None
    assert len(plotting.interpolation_strip(images[:7, :, :, None] / 255.0).axes) == 7
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plotting.latent_scatter(rng.normal(size=(30, 3)), labels)


def test_course_style_shows_figures_in_a_kernel_started_with_mplbackend_agg(monkeypatch):
    """Streamlit sets MPLBACKEND=Agg on import; a notebook kernel inheriting it must still show its figures."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from course_lib import plotting\nimport matplotlib.pyplot as plt\n"
                                          "plotting.use_course_style()\nplt.plot([0, 1], [1, 0]);")]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert any(o.output_type == "display_data" and "image/png" in o.get("data", {}) for o in nb.cells[0].outputs)


def test_strip_with_curves_ties_images_to_curve_positions():
    rng = np.random.default_rng(0)
    images = rng.random((5, 28, 28, 1))
    image_t = np.linspace(0, 1, 5)
    t = np.linspace(0, 1, 21)
    curves = {"p(a)": 1 - t, "p(b)": t}
    fig = plotting.strip_with_curves(images, image_t, t, curves, styles={"p(b)": {"ls": "--"}},
                                     captions=[f"img {i}" for i in range(5)], marks={"chosen": 0.4},
                                     shade=np.abs(t - 0.5) < 0.2, shade_label="muddled", title="path")
    assert len(fig.axes) == 6                                  # five images and one curve panel
    assert [ax.get_title() for ax in fig.axes[:5]] == [f"img {i}" for i in range(5)]
    curve_ax = fig.axes[-1]
    assert [line.get_label() for line in curve_ax.get_lines()][:2] == ["p(a)", "p(b)"]
    assert curve_ax.get_lines()[1].get_linestyle() == "--"
    assert np.allclose(curve_ax.get_xticks(), image_t)
    assert "muddled" in [text.get_text() for text in curve_ax.get_legend().get_texts()]
    with pytest.raises(ValueError, match="image positions"):
        plotting.strip_with_curves(images, image_t[:4], t, curves)
    with pytest.raises(ValueError, match=r"curve 'p\(a\)' has 3 values"):
        plotting.strip_with_curves(images, image_t, t, {"p(a)": [1, 2, 3]})
    with pytest.raises(ValueError, match="captions"):
        plotting.strip_with_curves(images, image_t, t, curves, captions=["x"])
