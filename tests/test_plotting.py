"""course_lib.plotting: every figure function returns a Figure with the expected panels; clear errors."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from course_lib import plotting


def test_plots_return_figures():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(30, 28, 28), dtype=np.uint8)
    labels = np.arange(30) % 10
    plotting.use_course_style()
    assert len(plotting.image_grid(images, labels=labels, ncols=10).axes) == 30
    assert len(plotting.examples_per_class(images, labels, list("0123456789"), per_class=3).axes) == 30
    fig = plotting.training_curves({"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]})
    assert len(fig.axes) == 1
    scatter = plotting.latent_scatter(rng.normal(size=(30, 2)), labels)
    assert len(scatter.axes[0].collections) == 10 and len(scatter.axes[0].get_legend().get_texts()) == 10
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


def test_latent_scatter_3d_draws_and_checks_shapes():
    import matplotlib

    matplotlib.use("Agg")
    from course_lib import plotting
    from course_lib.models import priors

    pts = priors.sample_swiss_roll(100)
    fig = plotting.latent_scatter_3d(pts, np.arange(100) % 10, title="roll")
    assert len(fig.axes) == 1 and len(fig.axes[0].collections) == 10
    with pytest.raises(ValueError, match="3\\) codes"):
        plotting.latent_scatter_3d(pts[:, :2], np.zeros(100))




def test_images_go_through_the_one_validator():
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    shown = plotting.image_grid(u8, ncols=3).axes[0].images[0].get_array()
    np.testing.assert_allclose(shown, u8[0] / 255.0, rtol=1e-6)  # uint8 is scaled, not drawn on a 0..255 scale
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        plotting.image_grid(u8.astype(np.float32))  # 0..255 floats: an error, not a white square


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
