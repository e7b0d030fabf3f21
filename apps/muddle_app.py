"""Digit muddle in the browser: slide a digit into another and watch the classifier hesitate.

Start it from the repository root (after running notebook 08 once in the same profile, so the trained
models are in the checkpoint cache; the app never trains anything itself):

    .venv/bin/streamlit run apps/muddle_app.py

The picture is the conditional VAE of notebook 08 drawing digit a's *style* with the soft label
(1 - t) * onehot(a) + t * onehot(b). Two MNIST classifiers read it: the *judge*, which the "find the most
ambiguous t" search uses to choose, and the independent *examiner*, which gives the verdict (a search that
optimises the judge's reading would make the judge's verdict meaningless). An image is "muddled" when the
examiner's two largest probabilities are both >= 0.3 and add up to >= 0.9.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import pandas as pd
import streamlit as st

from course_lib import config, data, muddle
from course_lib.models import classifiers

NOTEBOOK = "08_digit_muddle"


@st.cache_resource(show_spinner="loading the trained models from the checkpoint cache ...")
def load_models(profile: str, seed: int, checkpoint_dir: str):
    """The CVAE, both classifiers, the test digits and each digit's nearest class; None if not trained yet."""
    sizes = config.sizes(NOTEBOOK, profile)
    ready = muddle.models_cached(sizes, seed) and all(classifiers.is_cached(role) for role in classifiers.ROLES)
    if not ready:
        return None
    x_train, y_train = muddle.training_data(sizes, seed)
    models = muddle.fit_or_load_models(sizes, x_train, y_train, seed, verbose=0)
    x_test_u8, y_test = data.load("mnist", "test")
    partner = muddle.nearest_other_class(muddle.class_centres(models.ae_encode(x_train), y_train))
    return {"cvae": models.cvae, "judge": classifiers.mnist_judge(verbose=0),
            "examiner": classifiers.mnist_examiner(verbose=0), "x_test": data.to_float(x_test_u8),
            "y_test": y_test, "partner": partner}


def probabilities_chart(probs: np.ndarray) -> pd.DataFrame:
    """One row per digit: the examiner's probability."""
    return pd.DataFrame({"examiner's probability": probs}, index=[str(d) for d in range(10)])


def verdict(probs: np.ndarray) -> str:
    """'top two: 4 (0.52) and 9 (0.41) by the examiner: **muddled!**' for one image's examiner probabilities."""
    p1, p2, c1, c2 = (v[0] for v in muddle.top_two(probs[None]))
    word = "**muddled!**" if muddle.is_muddled(probs[None])[0] else "not muddled"
    return f"{c1} ({p1:.2f}) and {c2} ({p2:.2f}) by the examiner: {word}"


def main() -> None:
    st.set_page_config(page_title="Digit muddle", layout="centered")
    st.title("Digit muddle")
    cfg = config.settings()
    st.caption(f"profile `{cfg.profile}` · checkpoints in `{cfg.checkpoint_dir}`")
    loaded = load_models(cfg.profile, cfg.seed, str(cfg.checkpoint_dir))
    if loaded is None:
        st.warning(
            f"No trained models for profile '{cfg.profile}' in the checkpoint cache yet. Run notebook "
            "08_digit_muddle once in this profile (it trains and caches them), then reload this page."
        )
        return
    cvae, judge, examiner = loaded["cvae"], loaded["judge"], loaded["examiner"]
    x_test, y_test = loaded["x_test"], loaded["y_test"]

    left, right = st.columns(2)
    digit = left.selectbox("digit a", list(range(10)), index=4, key="digit")
    default_b = int(loaded["partner"][digit])
    partner = right.selectbox("digit b (default: nearest class)", list(range(10)), index=default_b,
                              key=f"partner_{digit}")
    example = st.slider("which test image of digit a (its style)", 0, 50, 0, key="example")
    t = st.slider("t: from a (0) to b (1)", 0.0, 1.0, 0.5, 0.05, key="t")

    index = np.flatnonzero(y_test == digit)[example]
    style = cvae.encode_mean(x_test[[index]], labels=[digit])
    onehot = np.eye(10, dtype="float32")
    image = cvae.decode(style, ((1 - t) * onehot[digit] + t * onehot[partner])[None])
    probs = examiner.predict_proba(image)[0]

    col_a, col_out, col_bars = st.columns([1, 1, 2])
    col_a.image(x_test[index, ..., 0], caption=f"a: a real {digit}", width=120, clamp=True)
    col_out.image(image[0, ..., 0], caption=f"t = {t:.2f}", width=120, clamp=True)
    col_bars.bar_chart(probabilities_chart(probs), y="examiner's probability")
    st.markdown(f"top two: {verdict(probs)}")

    if st.button("find the most ambiguous t", key="search"):
        def at(ts: np.ndarray) -> np.ndarray:
            return cvae.decode(np.repeat(style, len(ts), axis=0),
                               (1 - ts[:, None]) * onehot[digit] + ts[:, None] * onehot[partner])
        best_image, best_t = muddle.path_search(at, 1, judge.predict_proba, steps=21)  # the judge chooses
        st.image(best_image[0, ..., 0], caption=f"most ambiguous for the judge: t = {best_t[0]:.3f}", width=120,
                 clamp=True)
        st.markdown(f"best t = {best_t[0]:.3f}, chosen by the judge; {verdict(examiner.predict_proba(best_image)[0])}")


main()
