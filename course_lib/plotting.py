"""Figures in one consistent style: image grids, training curves, latent scatters, interpolation strips.

Every function returns the matplotlib Figure (so tests and notebooks can save or inspect it) and
draws grey-scale digits the same way everywhere: white ink on black, no axes, labels underneath.
Class colours come from one ten-colour palette, so class 3 is the same colour in every notebook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from course_lib.validation import as_images

CLASS_PALETTE = "tab10"


def _inline_figures_in_jupyter() -> None:
    """In a Jupyter kernel, make sure figures appear in the notebook.

    A kernel inherits MPLBACKEND from the process that started it, and some libraries set it: importing
    Streamlit sets ``MPLBACKEND=Agg``, so a kernel started from such a process (a test run, a tool) draws
    every figure off screen and the notebook silently shows none.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and type(shell).__module__.startswith("ipykernel") and "inline" not in matplotlib.get_backend():
        shell.run_line_magic("matplotlib", "inline")


def use_course_style() -> None:
    """Seaborn's clean white grid, readable fonts, compact figures; call once in a setup cell."""
    import seaborn as sns

    _inline_figures_in_jupyter()
    sns.set_theme(style="whitegrid", context="notebook", palette=CLASS_PALETTE)
    plt.rcParams.update({"figure.dpi": 90, "axes.titlesize": 11, "image.cmap": "gray"})


def class_colors(n: int = 10) -> list:
    """The RGB colour of each class index, shared by every scatter and histogram."""
    cmap = plt.get_cmap(CLASS_PALETTE)
    return [cmap(i % cmap.N) for i in range(n)]


def _as_images(images: np.ndarray) -> np.ndarray:
    """(N, H, W) floats in [0, 1] for imshow, from anything :func:`course_lib.validation.as_images` accepts."""
    return as_images(images, size=None, channel=False)


def image_grid(
    images: np.ndarray,
    labels: Sequence | None = None,
    ncols: int = 10,
    title: str | None = None,
    size: float = 1.0,
    row_titles: Sequence[str] | None = None,
):
    """Show images in a grid, optionally with a caption under each and a title per row."""
    images = _as_images(images)
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * (1.25 if labels is not None else 1)),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k < n:
            ax.imshow(images[k], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            if labels is not None:
                ax.set_title(str(labels[k]), fontsize=8, pad=2)
    if row_titles is not None:
        for r, text in enumerate(row_titles[:nrows]):
            axes[r, 0].text(-0.15, 0.5, text, transform=axes[r, 0].transAxes, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def examples_per_class(images: np.ndarray, labels: np.ndarray, class_names: Sequence[str], per_class: int = 8,
                       seed: int = 0, title: str | None = None):
    """One row per class with ``per_class`` random examples: the first look at any dataset."""
    rng = np.random.default_rng(seed)
    rows = [rng.choice(np.flatnonzero(labels == c), size=per_class, replace=False) for c in range(len(class_names))]
    picked = np.concatenate(rows)
    return image_grid(images[picked], ncols=per_class, title=title, size=0.8, row_titles=list(class_names))


def training_curves(history: Mapping[str, Sequence[float]], keys: Sequence[str] | None = None,
                    title: str | None = None, logy: bool = False):
    """Plot metrics per epoch; ``loss`` and ``val_loss`` share an axis, each other metric gets its own."""
    keys = list(keys or [k for k in history if not k.startswith("val_")])
    fig, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        epochs = np.arange(1, len(history[key]) + 1)
        ax.plot(epochs, history[key], marker="o", label="train")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], marker="o", label="validation")
            ax.legend()
        ax.set_xlabel("epoch")
        ax.set_title(key)
        if logy:
            ax.set_yscale("log")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def latent_scatter(codes: np.ndarray, labels: np.ndarray, class_names: Sequence[str] | None = None,
                   title: str | None = None, ax=None, s: float = 2.0, legend: bool = True):
    """2-D codes coloured by class with the shared palette; a legend with class names."""
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"latent_scatter needs (N, 2) codes, got {codes.shape}; project first (PCA, t-SNE, UMAP)")
    names = list(class_names) if class_names is not None else [str(c) for c in range(int(labels.max()) + 1)]
    colors = class_colors(len(names))
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 5))
    for c, name in enumerate(names):
        mask = labels == c
        ax.scatter(codes[mask, 0], codes[mask, 1], s=s, color=colors[c], label=name, alpha=0.7, linewidths=0)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(markerscale=4 / max(s, 0.5) * 2, fontsize=8, loc="best", frameon=True)
    return fig if fig is not None else ax.figure


def interpolation_strip(images: np.ndarray, captions: Sequence[str] | None = None, title: str | None = None):
    """A single row of images, e.g. decoded points along a path in latent space."""
    images = _as_images(images)
    return image_grid(images, labels=captions, ncols=len(images), title=title, size=1.0)


def latent_scatter_3d(codes: np.ndarray, labels: np.ndarray, class_names: Sequence[str] | None = None,
                      title: str | None = None, ax=None, s: float = 2.0, legend: bool = False,
                      view: tuple[float, float] = (20.0, -60.0)):
    """3-D codes coloured by class (shared palette), e.g. on a swiss-roll or mixture prior.

    ``view`` = (elevation, azimuth) in degrees; pass ``ax`` (a 3-D axes) to draw into a subplot.
    """
    codes = np.asarray(codes)
    labels = np.asarray(labels).astype(int)
    if codes.ndim != 2 or codes.shape[1] != 3:
        raise ValueError(f"latent_scatter_3d needs (N, 3) codes, got {codes.shape}; project first (e.g. PCA)")
    if len(labels) != len(codes):
        raise ValueError(f"{len(codes)} codes but {len(labels)} labels")
    names = list(class_names) if class_names is not None else [str(c) for c in range(int(labels.max()) + 1)]
    colors = class_colors(len(names))
    fig = None
    if ax is None:
        fig = plt.figure(figsize=(5.5, 5))
        ax = fig.add_subplot(projection="3d")
    for c, name in enumerate(names):
        mask = labels == c
        ax.scatter(codes[mask, 0], codes[mask, 1], codes[mask, 2], s=s, color=colors[c], label=name, alpha=0.7,
                   linewidths=0)
    ax.view_init(*view)
    ax.set_xticklabels([])
    ax.set_yticklabels([])
    ax.set_zticklabels([])
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(markerscale=4, fontsize=7, loc="upper left")
    return fig if fig is not None else ax.figure


def strip_with_curves(images: np.ndarray, image_t: Sequence[float], t: Sequence[float],
                      curves: Mapping[str, Sequence[float]], styles: Mapping[str, Mapping] | None = None,
                      captions: Sequence[str] | None = None, marks: Mapping[str, float] | None = None,
                      shade: Sequence[bool] | None = None, shade_label: str | None = None,
                      ylabel: str = "probability", title: str | None = None):
    """Images along a path (top row) above curves over the same path position ``t`` (bottom panel).

    Why: a strip alone shows *what* changes along an interpolation; curves such as class probabilities
    show *where* it changes (where two of them cross). Drawing both over one t axis ties each image to
    its point on the curves.

    Args:
        images: (K, H, W) or (K, H, W, 1), decoded at the positions ``image_t`` (K values in [t[0], t[-1]]).
        t: (T,) positions of the curves; every curve in ``curves`` has T values.
        styles: matplotlib keyword arguments per curve name (colour, line style), optional.
        captions: K texts, one under each image.
        marks: label -> position, drawn as a vertical line (e.g. the point a method chose).
        shade: (T,) booleans; the stretches of t where it is True are shaded, labelled ``shade_label``.
    """
    images = _as_images(images)
    image_t = np.asarray(image_t, dtype=float)
    t = np.asarray(t, dtype=float)
    if len(image_t) != len(images):
        raise ValueError(f"{len(images)} images but {len(image_t)} image positions: they must pair up")
    if captions is not None and len(captions) != len(images):
        raise ValueError(f"{len(images)} images but {len(captions)} captions")
    for name, values in curves.items():
        if len(values) != len(t):
            raise ValueError(f"curve {name!r} has {len(values)} values but t has {len(t)}")
    if shade is not None and len(shade) != len(t):
        raise ValueError(f"shade has {len(shade)} values but t has {len(t)}")
    k = len(images)
    fig = plt.figure(figsize=(max(8.0, 1.2 * k), 4.6))
    grid = fig.add_gridspec(2, k, height_ratios=[1.0, 2.2], hspace=0.3, wspace=0.05)
    vmax = 255 if images.dtype == np.uint8 else 1.0
    for i in range(k):
        ax = fig.add_subplot(grid[0, i])
        ax.imshow(images[i], cmap="gray", vmin=0, vmax=vmax, interpolation="nearest")
        ax.set_axis_off()
        ax.set_title(captions[i] if captions is not None else f"t = {image_t[i]:.2f}", fontsize=7, pad=2)
    ax = fig.add_subplot(grid[1, :])
    for name, values in curves.items():
        ax.plot(t, values, label=name, **dict((styles or {}).get(name, {})))
    if shade is not None:
        ax.fill_between(t, 0, 1, where=np.asarray(shade, dtype=bool), transform=ax.get_xaxis_transform(),
                        color="grey", alpha=0.2, step="mid", label=shade_label)
    for label, position in (marks or {}).items():
        ax.axvline(position, color="k", lw=1, ls=":", label=label)
    # half an image spacing of room at both ends puts evenly spaced image positions under the image centres
    pad = (image_t[-1] - image_t[0]) / (2 * (k - 1)) if k > 1 else 0.0
    ax.set_xlim(min(t[0], image_t[0] - pad), max(t[-1], image_t[-1] + pad))
    ax.set_xticks(image_t)
    ax.set_xticklabels([f"{v:.2f}" for v in image_t], fontsize=8)
    ax.set_xlabel("position t along the path (the images above sit at these ticks)")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title:
        fig.suptitle(title)
    return fig
