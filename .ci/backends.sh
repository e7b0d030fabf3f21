#!/usr/bin/env bash
# The JAX and PyTorch runs of CI (called by .ci/run when present): install both backends into the CI venv, then
# run the backend tests and the models' unit tests under each. torch==2.13.0 is the CPU wheel pip finds on this
# machine's disk (other versions pull multi-GB CUDA builds).
# Subset that fits CI's time (2 cores): the unit tests of the model modules plus tests/test_backends.py and
# tests/test_distribution.py; the notebooks' smoke profile runs on TensorFlow only (not yet measured on JAX/torch).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY -m pip install -q jax "torch==2.13.0"
MODEL_TESTS="tests/test_vae.py tests/test_gan.py tests/test_priors.py tests/test_cluster_prior.py
             tests/test_translation.py tests/test_parametric_map.py"
$PY -m pytest -q tests/test_backends.py tests/test_distribution.py
for backend in jax torch; do
    echo "== unit tests of the models under KERAS_BACKEND=$backend"
    KERAS_BACKEND=$backend $PY -m pytest -q $MODEL_TESTS
done
