"""Digit muddle in the browser: slide a digit into another and watch the classifier hesitate.

Start it from the repository root (after running notebook 08 once in the same profile, so the trained
models are in the checkpoint cache; the app never trains anything itself):

    COURSE_DATA_DIR=../shared/datasets .venv/bin/streamlit run apps/muddle_app.py

The picture is the conditional VAE of notebook 08 drawing digit a's *style* with the soft label
(1 - t) * onehot(a) + t * onehot(b); the bars are the shared MNIST classifier's probabilities. An image is
"muddled" when the two largest probabilities are both >= 0.3 and add up to >= 0.9.
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
    """The CVAE, the classifier, the test digits and each digit's nearest class; None if not trained yet."""
    sizes = config.sizes(NOTEBOOK, profile)
    if not (muddle.models_cached(sizes, seed) and classifiers.is_cached()):
        return None
    x_train, y_train = muddle.training_data(sizes, seed)
    models = muddle.fit_or_load_models(sizes, x_train, y_train, seed, verbose=0)
    judge = classifiers.mnist_classifier(verbose=0)
    x_test_u8, y_test = data.load("mnist", "test")
    partner = muddle.nearest_other_class(muddle.class_centres(models.ae_encode(x_train), y_train))
    return {"cvae": models.cvae, "judge": judge, "x_test": data.to_float(x_test_u8), "y_test": y_test,
            "partner": partner}


def probabilities_chart(probs: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"probability": probs}, index=[str(d) for d in range(10)])


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
    cvae, judge, x_test, y_test = loaded["cvae"], loaded["judge"], loaded["x_test"], loaded["y_test"]

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
    probs = judge.predict_proba(image)[0]
    p1, p2, c1, c2 = (v[0] for v in muddle.top_two(probs[None]))

    col_a, col_out, col_bars = st.columns([1, 1, 2])
    col_a.image(x_test[index, ..., 0], caption=f"a: a real {digit}", width=120, clamp=True)
    col_out.image(image[0, ..., 0], caption=f"t = {t:.2f}", width=120, clamp=True)
    col_bars.bar_chart(probabilities_chart(probs), y="probability")
    verdict = "**muddled!**" if muddle.is_muddled(probs[None])[0] else "not muddled"
    st.markdown(f"top two: {c1} ({p1:.2f}) and {c2} ({p2:.2f}): {verdict}")

    if st.button("find the most ambiguous t", key="search"):
        def at(ts: np.ndarray) -> np.ndarray:
            return cvae.decode(np.repeat(style, len(ts), axis=0),
                               (1 - ts[:, None]) * onehot[digit] + ts[:, None] * onehot[partner])
        best_image, best_t = muddle.path_search(at, 1, judge.predict_proba, steps=21)
        best = judge.predict_proba(best_image)[0]
        q1, q2, d1, d2 = (v[0] for v in muddle.top_two(best[None]))
        st.image(best_image[0, ..., 0], caption=f"most ambiguous: t = {best_t[0]:.3f}", width=120, clamp=True)
        st.markdown(f"best t = {best_t[0]:.3f}: {d1} ({q1:.2f}) vs {d2} ({q2:.2f})")


main()
