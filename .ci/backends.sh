#!/usr/bin/env bash
# The JAX and PyTorch runs of CI (part 3 of .ci/run, which sets the smoke profile and the datasets, and has
# already installed both backends into the CI venv before part 1, so that part 1 ran tests/test_backends.py and
# tests/test_distribution.py on every backend). Run alone, this script installs them itself (torch==2.13.0 is
# the CPU wheel pip finds on this machine's disk; other versions pull multi-GB CUDA builds). Under each backend,
# one pytest session (two workers, as in `course test`, so the model tests fill the gaps between notebooks):
#   - the unit tests of the model modules (all of them on PyTorch; on JAX the GAN's and the VAE-GAN's, whose train
#     steps are their own, the parametric map's, which has backend-specific code, and the VAE's, for the
#     compute_loss route that the prior, translator and GMM-head models share);
#   - the smoke profile of the notebooks listed below. Every pytest session starts on an empty checkpoint cache of
#     its own (conftest.py), so every model is trained on that backend (the cache key does not name the backend:
#     with part 1's cache the notebooks would load TensorFlow's weights and test no training).
# Which notebooks and tests, and why. JAX compiles every new model with XLA, so its runs cost far more than
# PyTorch's on a CPU: on a quiet AVX-512 machine the ten model-test modules took 960 s under JAX (serial), where
# PyTorch needs about two minutes for them. CI's whole run has a 45-minute target, so JAX runs:
NOTEBOOKS_JAX="03 04 07"
NOTEBOOKS_TORCH="01 03 06 07"
JAX_MODEL_TESTS="tests/test_vae.py tests/test_gan.py tests/test_vae_gan.py tests/test_parametric_map.py"
#   Every family still trains on both backends in tests/test_backends.py (VAE, prior autoencoder, GMM prior head,
#   translator, VAE-GAN, GAN, parametric map). The notebooks: JAX covers the VAE and CVAE (03), the GAN and InfoGAN
#   (04) and the parametric map (07); PyTorch the data path (01), 03, the kNN pipeline (06) and 07.
#   Left out for time: 02 on both (plain conv autoencoders through Keras's own fit(), the heaviest smoke run);
#   05 and 08 on both (05's translator and VAE-GAN and 08's VAEs train in tests/test_backends.py, 08's plain
#   autoencoders in PyTorch's model tests; on PyTorch 05's two smoke VAE-GANs alone ran past nbval's 2,000 s
#   cell timeout on busy cores); 09 on both (its PriorAutoencoder and GMMPriorHead train in
#   tests/test_backends.py); 01 on JAX (PyTorch runs it; it trains no model); 06 on JAX (its autoencoders train
#   through Keras's own fit(), as 03's models do there; PyTorch runs it); 04 on PyTorch (it passed, 380 s on
#   busy cores).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export COURSE_PROFILE="${COURSE_PROFILE:-smoke}"
$PY -m pip install -q -c constraints.txt jax "torch==2.13.0" || exit 1  # nothing to do after .ci/run's part 1a
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

# One OpenMP thread per core and worker: PyTorch's threads spin while they wait, so two workers that each start
# one per core fight over the cores. Measured on 2 quiet cores, the PyTorch session: 507 s with the default threads,
# 145 s with one each (03's examiner panel alone 180 s -> 25 s). JAX (XLA's own thread pool) is unaffected.
threads=$(( $(nproc) / 2 )); [ "$threads" -lt 1 ] && threads=1
for backend in jax torch; do
    [ "$backend" = jax ] && tests=$JAX_MODEL_TESTS || tests=$MODEL_TESTS
    [ "$backend" = jax ] && numbers=$NOTEBOOKS_JAX || numbers=$NOTEBOOKS_TORCH
    run env KERAS_BACKEND=$backend TEST_JOBS=2 OMP_NUM_THREADS=$threads \
        $PY -m course_tools.cli test $(notebook_paths $numbers) $tests
done
exit $status
