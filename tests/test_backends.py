"""Every model family trains on every Keras backend: one short run each, in a fresh process per backend.

Keras reads KERAS_BACKEND once, at import, so each backend gets its own subprocess; a backend whose package is
not installed is skipped (.ci/run installs jax and torch before part 1).
Marked slow: a fresh interpreter per backend makes these integration tests; each family's
training path is also checked in-process by its own module's tests in the fast tier.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

# Prints {family: (first loss, last loss)} for a few epochs of each family on tiny generated data.
SCRIPT = r"""
import json, sys
import numpy as np
import keras
sys.path.insert(0, "tests")
from conftest import built, smooth_blobs
from test_translation import fake_digits
from course_lib.models import vae, gan, priors, cluster_prior as cp, translation as tr, parametric_map as pm
from course_lib.models import vae_gan as vg

x = smooth_blobs(256, seed=0)
out = {"backend": keras.backend.backend()}
keras.utils.set_random_seed(0)
h = vae.train_vae(built(vae.VAE(latent_dim=4)), x, epochs=4, batch_size=64, verbose=0).history["loss"]
out["vae"] = (h[0], h[-1])
m = built(priors.PriorAutoencoder("gaussian", 2, filters=(8, 16), pool_size=1000, batch_size=64))
h = priors.train_prior_autoencoder(m, x, epochs=4, batch_size=64, verbose=0).history["loss"]
out["prior"] = (h[0], h[-1])
rng = np.random.default_rng(0)
codes = np.concatenate([rng.normal(-3, 1, (100, 6)), rng.normal(3, 1, (100, 6))]).astype("float32")
head = cp.GMMPriorHead(code_dim=6, n_components=2, latent_dim=2, hidden=16, pool_size=1000)
h = cp.train_gmm_prior_head(head, codes, cp.mine_neighbours(codes, 5), epochs=6, batch_size=50)["loss"]
out["gmm_prior_head"] = (h[0], h[-1])
xk, yk = fake_digits(128, 0)
xm, ym = fake_digits(128, 1, shift=1)
t = built(tr.SharedLatentTranslator(style_dim=4, width=4, hidden=16))
h = tr.train_translator(t, tr.training_arrays(xk, yk, np.arange(20), xm, ym, length=128), epochs=3,
                        batch_size=32, points_per_epoch=1, verbose=0)["loss"]
out["translator"] = (h[0], h[-1])
v = built(vg.VAEGANTranslator(latent_dim=4, width=4, hidden=16))
h = vg.train_vae_gan(v, tr.training_arrays(xk, yk, np.arange(20), xm, ym, length=128), epochs=3, batch_size=32,
                     learning_rate=3e-3, points_per_epoch=1, verbose=0)["reconstruction"]
out["vae_gan"] = (h[0], h[-1])
g = built(gan.GAN(latent_dim=8, width=8, ema_decay=0.9))
h = gan.train_gan(g, x, epochs=3, batch_size=64, learning_rate=1e-3, verbose=0, steps_per_epoch=4).history
out["gan"] = (h["d_loss"][0], h["d_loss"][-1])   # D learns to tell real from fake first
flat = x.reshape(len(x), -1)
m = pm.build_parametric_map(hidden=(16,))
h = pm.train_parametric_map(m, flat, pm.mine_neighbours(flat, 5), epochs=4, batch_size=64, decoder_epochs=1)
out["parametric_map"] = (h["neighbour_loss"][0], h["neighbour_loss"][-1])
print("RESULT " + json.dumps(out))
"""

FAMILIES = ("vae", "prior", "gmm_prior_head", "translator", "vae_gan", "gan", "parametric_map")


def run_on(backend: str, script: str, extra_env: dict[str, str] | None = None, timeout: int = 900) -> dict:
    """Run ``script`` under KERAS_BACKEND=backend in a fresh interpreter; return its RESULT line as a dict."""
    if backend != "tensorflow" and importlib.util.find_spec(backend) is None:
        pytest.skip(f"the {backend} package is not installed: `pip install {backend}` into this venv runs this case "
                    "(.ci/run does, before part 1)")
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, f"{backend} run failed:\n{done.stderr[-4000:]}"
    return json.loads(lines[-1][len("RESULT "):])


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_every_family_trains_on_the_backend(backend):
    result = run_on(backend, SCRIPT)
    assert result["backend"] == backend
    for family in FAMILIES:
        first, last = result[family]
        assert last < first, f"{family} on {backend}: loss {first:.4f} -> {last:.4f}"
