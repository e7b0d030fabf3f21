"""Semi-supervised classification with very few labels (notebook 06: MNIST with 10 labels).

The pieces, each small enough to read in one sitting:

* features: :func:`deskew` (undo the slant of handwritten digits, a classic cheap fix for k-NN),
* graphs: :func:`knn_graph` builds the symmetric, normalised k-nearest-neighbour affinity matrix
  ``S = D^-1/2 W D^-1/2`` that label spreading diffuses labels over,
* :func:`label_spreading` (Zhou et al. 2004): the fixed point of ``F <- alpha S F + (1 - alpha) Y``,
  solved to convergence; :func:`predicted_labels` marks points no label reached as :data:`UNREACHED`,
* :func:`spread_and_name`: label spreading that first checks that every cluster of the graph
  received a label, and re-homes an atypical label when one did not (see its docstring),
* :func:`cluster_then_name`: name unsupervised clusters with the labels by a one-to-one matching,
* :func:`self_training`: fit, pseudo-label the confident points, refit,
* :func:`kmeans_medoids`: spend the label budget on the most representative images instead of random ones,
* :func:`knn_vote` / :func:`neighbours`: k-NN prediction from precomputed neighbour lists, so that
  ten label draws reuse one neighbour search,
* :func:`evaluate_draws`: run a method over several random label draws and report mean +- std of
  accuracy and macro-F1 (one draw is noise: which ten images you label matters a lot).

Everything takes NumPy arrays; labels are integer class ids ``0..n_classes-1``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse


# --------------------------------------------------------------------------------------------------
# input checks: clear messages instead of deep tracebacks
# --------------------------------------------------------------------------------------------------
def _as_features(features: np.ndarray, name: str = "features") -> np.ndarray:
    features = np.asarray(features)
    if features.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got shape {features.shape}; "
                         f"flatten images first, e.g. x.reshape(len(x), -1)")
    if not np.issubdtype(features.dtype, np.number) or not np.all(np.isfinite(features)):
        raise ValueError(f"{name} must be finite numbers")
    return features


def _check_labelled(n: int, labelled_index: np.ndarray, labels: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    labelled_index = np.asarray(labelled_index, dtype=int)
    labels = np.asarray(labels, dtype=int)
    if labelled_index.ndim != 1 or labels.shape != labelled_index.shape:
        raise ValueError(f"labelled_index {labelled_index.shape} and labels {labels.shape} must be 1-D and of equal length")
    if len(labelled_index) == 0:
        raise ValueError("need at least one labelled example")
    if labelled_index.min() < 0 or labelled_index.max() >= n:
        raise ValueError(f"labelled_index must lie in [0, {n}), got {labelled_index.min()}..{labelled_index.max()}")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must lie in [0, {n_classes}), got {labels.min()}..{labels.max()}")
    return labelled_index, labels


# --------------------------------------------------------------------------------------------------
# features
# --------------------------------------------------------------------------------------------------
def deskew(images: np.ndarray) -> np.ndarray:
    """Shear each digit upright and centre its mass (LeCun et al.'s 'deskewing'), uint8 in, uint8 out.

    Why: much of the variation between two images of the same digit is slant. The image moments give
    the slant ``alpha = cov(row, col) / var(row)``; resampling at ``(r, c + alpha r)`` removes it.
    k-NN on deskewed MNIST makes about half the errors of k-NN on raw pixels, at the cost of one
    vectorised interpolation (seconds for 60,000 images).

    Args:
        images: (N, 28, 28) or (N, H, W) array of grey values (uint8 0..255 or floats).
    """
    from scipy import ndimage

    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"deskew expects a batch of grey images (N, H, W), got shape {images.shape}")
    im = images.astype(np.float32)
    n, h, w = im.shape
    r, c = np.mgrid[:h, :w].astype(np.float32)
    total = im.sum(axis=(1, 2)) + 1e-8
    mr = (im * r).sum(axis=(1, 2)) / total
    mc = (im * c).sum(axis=(1, 2)) / total
    dr = r[None] - mr[:, None, None]
    dc = c[None] - mc[:, None, None]
    var_r = (im * dr**2).sum(axis=(1, 2)) / total
    cov_rc = (im * dr * dc).sum(axis=(1, 2)) / total
    alpha = cov_rc / np.maximum(var_r, 1e-8)
    # output pixel (i, j) reads input (i + mr - h/2, j + alpha (i - h/2) + mc - w/2):
    # the centre of mass lands on the image centre and the shear is undone about it.
    src_r = r[None] + (mr - h / 2.0)[:, None, None]
    src_c = c[None] + alpha[:, None, None] * (r[None] - h / 2.0) + (mc - w / 2.0)[:, None, None]
    batch = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], src_r.shape)
    out = ndimage.map_coordinates(im, [batch, src_r, src_c], order=1, mode="constant", cval=0.0)
    if images.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out.astype(images.dtype)


# --------------------------------------------------------------------------------------------------
# neighbours and graphs
# --------------------------------------------------------------------------------------------------
def neighbours(reference: np.ndarray, query: np.ndarray | None = None, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances of the ``k`` nearest reference points of each query point.

    With ``query=None`` the reference set is queried against itself and each point's own entry is
    dropped. Computing this once and voting many times (:func:`knn_vote`) is what makes evaluating
    ten label draws cheap.
    """
    from sklearn.neighbors import NearestNeighbors

    reference = _as_features(reference, "reference")
    if k < 1 or k >= len(reference) + (query is not None):
        raise ValueError(f"k={k} must be at least 1 and smaller than the {len(reference)} reference points")
    model = NearestNeighbors(n_neighbors=k + (query is None)).fit(reference)
    if query is None:
        dist, idx = model.kneighbors(reference)
        # each point is usually its own first hit, but an exact duplicate may come first: drop self wherever it is
        keep = idx != np.arange(len(idx))[:, None]
        keep[keep.sum(axis=1) > k, -1] = False              # self was not among the k + 1: drop the farthest
        return idx[keep].reshape(-1, k), dist[keep].reshape(-1, k)
    query = _as_features(query, "query")
    if query.shape[1] != reference.shape[1]:
        raise ValueError(f"query has {query.shape[1]} features, reference {reference.shape[1]}")
    dist, idx = model.kneighbors(query)
    return idx, dist


def knn_vote(neighbour_index: np.ndarray, reference_labels: np.ndarray, n_classes: int = 10,
             k: int | None = None) -> np.ndarray:
    """Majority vote of the labels of each row's first ``k`` neighbours (ties: the nearer neighbour wins).

    Neighbours labelled :data:`UNREACHED` (or any negative label) abstain; a row whose neighbours all
    abstain gets :data:`UNREACHED` too, rather than a made-up class.
    """
    idx = np.asarray(neighbour_index)[:, :k]
    votes = np.zeros((len(idx), n_classes))
    ranks = idx.shape[1]
    # weights 1 + tiny rank bonus: a plain majority, with ties broken towards nearer neighbours
    weight = np.tile(1.0 + 1e-3 * (ranks - np.arange(ranks)) / ranks, len(idx))
    rows = np.repeat(np.arange(len(idx)), ranks)
    voted = np.asarray(reference_labels)[idx].ravel()
    keep = voted >= 0
    np.add.at(votes, (rows[keep], voted[keep]), weight[keep])
    out = votes.argmax(axis=1)
    out[votes.sum(axis=1) == 0] = UNREACHED
    return out


def knn_predict(train_features: np.ndarray, train_labels: np.ndarray, query_features: np.ndarray,
                k: int = 1) -> np.ndarray:
    """Plain k-NN classification (k is capped at the number of training points)."""
    train_features = _as_features(train_features, "train_features")
    k = min(k, len(train_features))
    idx, _ = neighbours(train_features, query_features, k=k)
    n_classes = int(np.max(train_labels)) + 1
    return knn_vote(idx, train_labels, n_classes=max(n_classes, 1))


def knn_graph(features: np.ndarray, k: int = 10) -> sparse.csr_matrix:
    """Symmetric normalised affinity ``S = D^-1/2 W D^-1/2`` of the k-NN graph (Gaussian weights).

    ``W_ij = exp(-(d_ij / sigma)^2)`` for j among the k nearest neighbours of i (or vice versa),
    with sigma the median distance to the k-th neighbour, so the kernel adapts to the feature scale.
    """
    features = _as_features(features)
    idx, dist = neighbours(features, k=k)
    sigma = float(np.median(dist[:, -1])) or 1.0
    n = len(features)
    weights = np.exp(-((dist / sigma) ** 2)).ravel()
    w = sparse.csr_matrix((weights, (np.repeat(np.arange(n), k), idx.ravel())), shape=(n, n))
    w = w.maximum(w.T)
    degree = np.asarray(w.sum(axis=1)).ravel()
    inv_sqrt = sparse.diags(1.0 / np.sqrt(np.maximum(degree, 1e-12)))
    return (inv_sqrt @ w @ inv_sqrt).tocsr()


# --------------------------------------------------------------------------------------------------
# label spreading and its cluster-aware variant
# --------------------------------------------------------------------------------------------------
UNREACHED = -1
"""Label of a point that no labelled point can reach (another connected component of the graph)."""


def label_spreading(graph: sparse.spmatrix, labelled_index: np.ndarray, labels: np.ndarray,
                    n_classes: int = 10, alpha: float = 0.99, tol: float = 1e-6, max_iter: int = 2000) -> np.ndarray:
    """Class scores ``F`` (n, n_classes): the fixed point of Zhou et al.'s ``F <- alpha S F + (1 - alpha) Y``.

    ``Y`` is one-hot on the labelled points and zero elsewhere. Each step of the iteration every point
    takes the weighted average of its neighbours' scores while the labelled points keep pulling towards
    their label; it converges to ``F* = (1 - alpha) (I - alpha S)^-1 Y``. Plain iteration needs about
    ``log(tol) / log(alpha)`` steps (1,400 at alpha 0.99), so we solve ``(I - alpha S) F = (1 - alpha) Y``
    by conjugate gradients instead (``I - alpha S`` is symmetric positive definite; about a hundred
    steps), until the residual is below ``tol`` relative to the right-hand side. Rows that no label can
    reach (other connected components) stay exactly zero: turn scores into labels with
    :func:`predicted_labels`, which marks them :data:`UNREACHED` instead of calling them class 0.

    Raises:
        RuntimeError: if the solve has not converged after ``max_iter`` steps.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    n = graph.shape[0]
    labelled_index, labels = _check_labelled(n, labelled_index, labels, n_classes)
    b = np.zeros((n, n_classes))
    b[labelled_index, labels] = 1.0 - alpha

    def apply(f: np.ndarray) -> np.ndarray:             # (I - alpha S) f, all classes at once
        return f - alpha * (graph @ f)

    # conjugate gradients, one independent solve per column, vectorised over the columns
    f = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    rr = (r * r).sum(axis=0)
    target = (tol ** 2) * np.maximum(rr, 1e-300)
    for _ in range(max_iter):
        if np.all(rr <= target):
            return f
        ap = apply(p)
        step = np.divide(rr, (p * ap).sum(axis=0), out=np.zeros_like(rr), where=rr > target)
        f += step * p
        r -= step * ap
        rr_new = (r * r).sum(axis=0)
        p = r + np.divide(rr_new, rr, out=np.zeros_like(rr), where=rr > 0) * p
        rr = rr_new
    if np.all(rr <= target):
        return f
    raise RuntimeError(f"label spreading did not converge in {max_iter} steps (relative residual "
                       f"{np.sqrt(np.max(rr / np.maximum((b * b).sum(axis=0), 1e-300))):.2e} > {tol}); "
                       f"raise max_iter or lower alpha")


def predicted_labels(scores: np.ndarray) -> np.ndarray:
    """The class with the highest score in each row, or :data:`UNREACHED` where a row is all zero.

    Why: ``scores.argmax(1)`` of an all-zero row is 0, which would silently call every point that no
    label reached a '0'. Marked as unreached, such points abstain in :func:`knn_vote` and count as
    errors in :func:`score`.
    """
    scores = np.asarray(scores)
    out = scores.argmax(axis=1)
    out[~(np.abs(scores).sum(axis=1) > 0)] = UNREACHED
    return out


@dataclass
class Spread:
    """Result of :func:`spread_and_name`: predicted labels, scores, and which labels were re-homed."""

    labels: np.ndarray
    scores: np.ndarray
    components: np.ndarray
    seeds: np.ndarray
    moved: list[tuple[int, int]] = field(default_factory=list)   # (label position, new component)


def spread_and_name(graph: sparse.spmatrix, features: np.ndarray, labelled_index: np.ndarray,
                    labels: np.ndarray, n_classes: int = 10, alpha: float = 0.99, tol: float = 1e-6,
                    min_component: float = 0.2, near: int = 10) -> Spread:
    """Label spreading in which every large cluster of the graph gets as many classes as its size asks for.

    Why: with one random label per class, now and then the labelled image is an atypical one (a '9'
    that looks like an '8') and sits inside another digit's cluster. Plain spreading then gives that
    cluster two names and the true cluster of the '9' too few, so a whole class (10 % of the data)
    is lost. The graph itself tells us when this happened: its large connected components hold about
    ``size / (n / n_classes)`` classes each (a component of twice the average class size holds two
    merged digits), and a component with fewer labelled classes than that is missing one.

    Steps:
      1. large components = connected components of ``graph`` holding at least
         ``min_component * n / n_classes`` points; component j gets ``q_j = round(size_j / (n /
         n_classes))`` class slots;
      2. cost[c, j] = distance (in ``features``, e.g. PCA of pixels, not the embedding that misplaced
         the label) from the labelled images of class c to component j: mean distance to its ``near``
         closest points, minimised over the class's labelled images;
      3. fill the slots with classes at the least extra cost: a Hungarian matching on the regret
         ``cost[c, j] - min_j cost[c, j]`` (a class that stays where its label is costs nothing);
         a labelled image whose component's slots went to other classes is *re-homed*: it is replaced,
         as a seed, by its nearest point of the component its class was matched to;
      4. spread from the seeds; points still unreached (tiny components) take the label of their
         nearest reached point in ``features``.
    """
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse.csgraph import connected_components
    from sklearn.neighbors import NearestNeighbors

    features = _as_features(features)
    n = graph.shape[0]
    if len(features) != n:
        raise ValueError(f"graph has {n} nodes but features has {len(features)} rows")
    labelled_index, labels = _check_labelled(n, labelled_index, labels, n_classes)
    _, comp = connected_components(graph, directed=False)
    sizes = np.bincount(comp)
    class_size = n / n_classes
    large = np.flatnonzero(sizes >= min_component * class_size)
    seeds = labelled_index.copy()
    moved: list[tuple[int, int]] = []
    home = comp[labelled_index]
    classes = np.unique(labels)
    slots = np.concatenate([np.full(int(round(sizes[c] / class_size)), j) for j, c in enumerate(large)] or [[]]).astype(int)
    if len(large) and len(slots):
        cost = np.empty((len(labelled_index), len(large)))
        nearest_in = np.empty((len(labelled_index), len(large)), dtype=int)
        for j, c in enumerate(large):
            members = np.flatnonzero(comp == c)
            model = NearestNeighbors(n_neighbors=min(near, len(members))).fit(features[members])
            dist, idx = model.kneighbors(features[labelled_index])
            cost[:, j] = dist.mean(axis=1)
            nearest_in[:, j] = members[idx[:, 0]]
        # a class's cost for a component: that of its labelled image closest to the component
        class_cost = np.array([cost[labels == k].min(axis=0) for k in classes])
        regret = class_cost - class_cost.min(axis=1, keepdims=True)
        rows, cols = linear_sum_assignment(regret[:, slots])
        assigned = {int(classes[r]): int(slots[c]) for r, c in zip(rows, cols)}
        slot_of = {int(c): j for j, c in enumerate(large)}
        for i, (k, h) in enumerate(zip(labels, home)):
            j_home = slot_of.get(int(h))
            if int(k) not in assigned or j_home is None or not np.any(slots == j_home):
                continue          # class left unmatched, or label outside the slotted components: keep it
            target = assigned[int(k)]
            if target != j_home:  # its component's slots went to other classes: an atypical image
                seeds[i] = nearest_in[i, target]
                moved.append((int(i), int(large[target])))
    scores = label_spreading(graph, seeds, labels, n_classes, alpha, tol)
    predicted = predicted_labels(scores)
    reached = predicted != UNREACHED
    if not reached.all():
        idx, _ = neighbours(features[reached], features[~reached], k=1)
        predicted[~reached] = predicted[reached][idx[:, 0]]
    return Spread(predicted, scores, comp, seeds, moved)


# --------------------------------------------------------------------------------------------------
# cluster then name, self-training, representative labels
# --------------------------------------------------------------------------------------------------
def cluster_then_name(cluster_posteriors: np.ndarray, labelled_index: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Name each cluster with a class by a one-to-one matching of labelled points to clusters.

    ``cluster_posteriors`` (n, K) are soft cluster memberships, e.g. ``GaussianMixture.predict_proba``.
    The matching maximises the summed log-membership of each labelled point in the cluster it names,
    so two labels that fall in the same cluster cannot both name it: the less typical one names the
    next most likely cluster. Clusters left unnamed (K larger than the number of labels) take the class
    of the labelled point with the highest membership in them.

    Returns the predicted class of every point (argmax cluster, renamed).
    """
    from scipy.optimize import linear_sum_assignment

    post = _as_features(cluster_posteriors, "cluster_posteriors")
    n, n_clusters = post.shape
    labelled_index, labels = _check_labelled(n, labelled_index, labels, int(np.max(labels)) + 1)
    log_post = np.log(post[labelled_index] + 1e-12)
    rows, cols = linear_sum_assignment(-log_post)
    names = np.full(n_clusters, -1)
    names[cols] = labels[rows]
    unnamed = np.flatnonzero(names < 0)
    if len(unnamed):
        names[unnamed] = labels[log_post[:, unnamed].argmax(axis=0)]
    return names[post.argmax(axis=1)]


def self_training(features: np.ndarray, labelled_index: np.ndarray, labels: np.ndarray,
                  threshold: float = 0.9, max_rounds: int = 10, make_classifier: Callable | None = None) -> np.ndarray:
    """Self-training (Yarowsky 1995; Lee 2013 'pseudo-label'): fit, adopt confident predictions, refit.

    Each round fits the classifier on the labelled points plus every pseudo-labelled point so far, then
    adopts the predictions whose probability exceeds ``threshold``. Uses scikit-learn's
    ``SelfTrainingClassifier``; the default classifier is a multinomial logistic regression, which
    is enough when the features already separate the classes (an embedding), and fast.

    Returns the predicted class of every row of ``features``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.semi_supervised import SelfTrainingClassifier

    features = _as_features(features)
    labelled_index, labels = _check_labelled(len(features), labelled_index, labels, int(np.max(labels)) + 1)
    target = np.full(len(features), -1)
    target[labelled_index] = labels
    if make_classifier is None:
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        base = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=200))
    else:
        base = make_classifier()
    model = SelfTrainingClassifier(base, threshold=threshold, max_iter=max_rounds).fit(features, target)
    return model.predict(features)


def kmeans_medoids(features: np.ndarray, n_clusters: int = 10, seed: int = 0) -> np.ndarray:
    """Indices of the point nearest each k-means centroid: the images worth spending labels on.

    A random image can be an odd one; the point closest to a cluster's centre is, by construction,
    typical of its cluster. Labelling these ``n_clusters`` points instead of random ones costs the same
    labelling effort (the annotator still labels exactly ``n_clusters`` images, whatever their class).
    """
    from sklearn.cluster import KMeans

    features = _as_features(features)
    if not 1 <= n_clusters <= len(features):
        raise ValueError(f"n_clusters={n_clusters} must be between 1 and {len(features)}")
    model = KMeans(n_clusters=n_clusters, n_init=1, random_state=seed).fit(features)
    return np.unique(model.transform(features).argmin(axis=0))


# --------------------------------------------------------------------------------------------------
# evaluation over label draws
# --------------------------------------------------------------------------------------------------
@dataclass
class DrawStats:
    """Accuracy and macro-F1 of one method over several label draws."""

    name: str
    accuracy: np.ndarray
    f1: np.ndarray

    @property
    def mean_accuracy(self) -> float:
        return float(np.mean(self.accuracy))

    @property
    def median_accuracy(self) -> float:
        """The typical draw: one failing draw in ten moves the mean by points, the median hardly."""
        return float(np.median(self.accuracy))

    @property
    def std_accuracy(self) -> float:
        return float(np.std(self.accuracy))

    @property
    def mean_f1(self) -> float:
        return float(np.mean(self.f1))

    @property
    def std_f1(self) -> float:
        return float(np.std(self.f1))

    def row(self) -> dict:
        """A table row in percent: 'accuracy' and 'F1' as mean +- std strings plus the raw numbers."""
        return {"method": self.name,
                "accuracy %": f"{100 * self.mean_accuracy:.1f} ± {100 * self.std_accuracy:.1f}",
                "macro-F1 %": f"{100 * self.mean_f1:.1f} ± {100 * self.std_f1:.1f}",
                "draws": len(self.accuracy)}


def score(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float]:
    """(accuracy, macro-F1) of a prediction; :data:`UNREACHED` predictions count as errors.

    Macro-F1 averages over the classes present in ``y_true`` only, so an 'unreached' prediction lowers
    recall without adding a class of its own.
    """
    from sklearn.metrics import f1_score

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} differ in shape")
    return float(np.mean(y_true == y_pred)), float(f1_score(y_true, y_pred, labels=np.unique(y_true), average="macro", zero_division=0))


def evaluate_draws(name: str, method: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   draws: Sequence[np.ndarray], train_labels: np.ndarray, test_labels: np.ndarray) -> DrawStats:
    """Run ``method(labelled_index, labels) -> test predictions`` once per draw and collect the scores.

    ``draws`` are arrays of indices into the training set (the images whose labels we may use);
    ``train_labels[draw]`` are the labels handed to the method, and the method must return one
    predicted class per test example. Hidden training labels are never passed to it.
    """
    if len(draws) == 0:
        raise ValueError("need at least one label draw")
    train_labels = np.asarray(train_labels)
    accs, f1s = [], []
    for draw in draws:
        draw = np.asarray(draw, dtype=int)
        pred = method(draw, train_labels[draw])
        acc, f1 = score(test_labels, pred)
        accs.append(acc)
        f1s.append(f1)
    return DrawStats(name, np.array(accs), np.array(f1s))


def random_draws(images: np.ndarray, labels: np.ndarray, n_labels: int, n_draws: int, seed: int = 0) -> list[np.ndarray]:
    """``n_draws`` class-balanced label draws (indices), via ``data.labelled_split`` with seeds seed, seed+1, ..."""
    from course_lib import data

    return [data.labelled_split(images, labels, n_labels, seed + d).labelled_index for d in range(n_draws)]


def record(report, key: str, stats: DrawStats, reference: tuple[float, float] | None = None,
           source: str | None = None) -> None:
    """Add ``<key>_acc_mean``, ``<key>_acc_std`` and ``<key>_f1_mean`` of ``stats`` to a course Report.

    ``reference`` is an optional (accuracy, macro-F1) pair, as fractions, with its ``source``.
    """
    ref_acc, ref_f1 = reference if reference is not None else (None, None)
    report.add(f"{key}_acc_mean", stats.mean_accuracy, reference=ref_acc, source=source if ref_acc is not None else None)
    report.add(f"{key}_acc_std", stats.std_accuracy, higher_is_better=False)
    report.add(f"{key}_f1_mean", stats.mean_f1, reference=ref_f1, source=source if ref_f1 is not None else None)
