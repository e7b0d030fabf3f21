#!/usr/bin/env bash
# The JAX and PyTorch runs of CI (part 3 of .ci/run, which sets the smoke profile and the datasets). It installs
# both backends into the CI venv (torch==2.13.0 is the CPU wheel pip finds on this machine's disk; other versions
# pull multi-GB CUDA builds), then, under each backend:
#   - tests/test_backends.py and tests/test_distribution.py on JAX and PyTorch (their TensorFlow cases ran in part 1);
#   - the unit tests of the model modules (all of them on PyTorch; on JAX the GAN's and the VAE-GAN's, whose train
#     steps are their own, the parametric map's, which has backend-specific code, and the VAE's, for the
#     compute_loss route that the prior, translator and GMM-head models share);
#   - the smoke profile of the notebooks listed below, two workers as in `course test`, each backend with an empty checkpoint
#     cache of its own, so every model is trained on that backend (the cache key does not name the backend: with
#     part 1's cache the notebooks would load TensorFlow's weights and test no training).
# Which notebooks and tests, and why. JAX compiles every new model with XLA, so its runs cost far more than
# PyTorch's on a CPU: on a quiet AVX-512 machine the ten model-test modules took 960 s under JAX (serial), where
# a CI run on a slower machine spent 92 s on them under PyTorch. That run's part 3 took 2893 s
# (JAX: every model test and seven notebooks) and the whole .ci/run 5183 s of its 5400, so JAX now runs:
NOTEBOOKS_JAX="03 04 06 07"
NOTEBOOKS_TORCH="01 03 06 07"
JAX_MODEL_TESTS="tests/test_vae.py tests/test_gan.py tests/test_vae_gan.py tests/test_parametric_map.py"
#   Every family still trains on both backends in tests/test_backends.py (VAE, prior autoencoder, GMM prior head,
#   translator, VAE-GAN, GAN, parametric map). The notebooks: JAX covers the VAE and CVAE (03), the GAN and InfoGAN
#   (04), the kNN pipeline (06) and the parametric map (07); PyTorch the data path (01), 03, 06 and 07.
#   Left out for time: 02 on both (plain conv autoencoders through Keras's own fit(), the heaviest smoke run);
#   05 and 08 on both (05's translator and VAE-GAN and 08's VAEs train in tests/test_backends.py, 08's plain
#   autoencoders in PyTorch's model tests; on PyTorch 05's two
#   smoke VAE-GANs alone ran past nbval's 2,000 s cell timeout on busy cores); 09 on both (its PriorAutoencoder and
#   GMMPriorHead train in tests/test_backends.py); 01 on JAX (PyTorch runs it; it trains no model); 04 on PyTorch
#   (it passed, 380 s on busy cores).
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

# Two workers, as in `course test`: one test's Python and XLA compilation overlaps the other's arithmetic.
run $PY -m pytest -q -n 2 -k "not tensorflow" tests/test_backends.py tests/test_distribution.py
for backend in jax torch; do
    [ "$backend" = jax ] && tests=$JAX_MODEL_TESTS || tests=$MODEL_TESTS
    run env KERAS_BACKEND=$backend $PY -m pytest -q -n 2 $tests
    [ "$backend" = jax ] && numbers=$NOTEBOOKS_JAX || numbers=$NOTEBOOKS_TORCH
    cache="$(mktemp -d)"
    run env KERAS_BACKEND=$backend COURSE_CHECKPOINT_DIR="$cache" TEST_JOBS=2 \
        $PY -m course_tools.cli test $(notebook_paths $numbers)
    rm -rf "$cache"
done
exit $status
