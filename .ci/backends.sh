#!/usr/bin/env bash
# The JAX and PyTorch runs of CI (part 3 of .ci/run, which sets the smoke profile and the datasets). It installs
# both backends into the CI venv (torch==2.13.0 is the CPU wheel pip finds on this machine's disk; other versions
# pull multi-GB CUDA builds), then, under each backend:
#   - tests/test_backends.py and tests/test_distribution.py on JAX and PyTorch (their TensorFlow cases ran in part 1);
#   - the unit tests of the model modules;
#   - the smoke profile of the notebooks listed below, two workers as in `course test`, each backend with an empty checkpoint
#     cache of its own, so every model is trained on that backend (the cache key does not name the backend: with
#     part 1's cache the notebooks would load TensorFlow's weights and test no training).
# Which notebooks, and why (smoke, 2 cores, measured one at a time under load):
NOTEBOOKS_JAX="01 03 04 05 06 07 08"
NOTEBOOKS_TORCH="01 03 06 07"
#   JAX's list covers every custom training path in a notebook (VAE 03, GAN 04, the translator, the FixMatch-only
#   classifier and the VAE-GAN 05, the parametric map 07, the muddle's models 08, the kNN pipeline 06); PyTorch's
#   the data path (01), the VAE (03), the kNN pipeline (06) and the parametric map (07). Timed in a
#   CI-like run (fresh clone, quiet 2 cores, examiner panel, larger 08 smoke models): this whole script 1479 s, of
#   which the notebooks 504 s under JAX and 203 s under PyTorch, the JAX model tests 497 s (the run before: 1172 s,
#   384 s, 171 s, 402 s; before 05 joined: 1047 s, JAX notebooks 240 s).
#   Earlier, one at a time on 2 busy cores (load 8-15), all passed: JAX 01 105 s, 02 746 s,
#   03 636 s, 04 396 s, 06 191 s, 07 223 s, 08 159 s, 09 488 s; PyTorch 01 113 s, 02 1454 s, 03 924 s, 06 175 s, 07 171 s.
#   05 (load 13-18, empty cache, so the shared MNIST judge and examiner train too): TensorFlow 980 s wall, 228 CPU s;
#   JAX 1635 s wall, 358 CPU s. Its smoke translator trains in batches of 32 (twice the steps of 64 over the same
#   images): with 64 its decoders barely followed the class code in the short run and JAX missed the 1 % floor
#   (0.185 < 0.20 under the examiner); now 1 % reads 0.525 on TensorFlow and 0.43 on JAX (Dig-MNIST 0.345, 0.323;
#   floor 0.15), with COURSE_SEED=7 0.438 on JAX (Dig-MNIST 0.352). On PyTorch 05 is left out for time: its two smoke VAE-GANs alone ran past nbval's 2,000 s cell
#   timeout (load 13-20; 605 CPU s for the whole run up to there), the translator not yet reached.
#   Left out for time: 02 on both (plain conv autoencoders through Keras's own fit(), the heaviest smoke run)
#   and 09 on JAX (its PriorAutoencoder and GMMPriorHead train on every backend in tests/test_backends.py);
#   on PyTorch 04 passed (380 s) but is left out for time; 08's smoke check used to fail on some random numbers
#   (its smoke VAEs were too small: TensorFlow COURSE_SEED 7 read 0.000); with larger smoke models it reads 0.17-0.24
#   under the examiner at seeds 7, 42 and 1234 on TensorFlow (floor 0.08), but it has not been timed on PyTorch yet,
#   nor has 09.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export COURSE_PROFILE="${COURSE_PROFILE:-smoke}"
$PY -m pip install -q jax "torch==2.13.0" || exit 1
MODEL_TESTS="tests/test_vae.py tests/test_gan.py tests/test_priors.py tests/test_cluster_prior.py
             tests/test_translation.py tests/test_vae_gan.py tests/test_parametric_map.py
             tests/test_autoencoders.py tests/test_losses.py tests/test_classifiers.py"

status=0
run() {  # run COMMAND...: remember a failure, keep going (both backends always run)
    echo "== $*"
    "$@" || status=1
}
notebook_paths() {  # notebook_paths NN...: the notebook files with those numbers
    local nn
    for nn in "$@"; do ls notebooks/"${nn}"_*.ipynb; done
}

run $PY -m pytest -q -k "not tensorflow" tests/test_backends.py tests/test_distribution.py
for backend in jax torch; do
    run env KERAS_BACKEND=$backend $PY -m pytest -q $MODEL_TESTS
    [ "$backend" = jax ] && numbers=$NOTEBOOKS_JAX || numbers=$NOTEBOOKS_TORCH
    cache="$(mktemp -d)"
    run env KERAS_BACKEND=$backend COURSE_CHECKPOINT_DIR="$cache" TEST_JOBS=2 \
        $PY -m course_tools.cli test $(notebook_paths $numbers)
    rm -rf "$cache"
done
exit $status
