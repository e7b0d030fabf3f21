"""More devices, same code: every model family trains data-parallel over two devices.

JAX: ``keras.distribution.DataParallel`` over two host devices (XLA's host-device count, set before JAX starts,
so in a subprocess). TensorFlow: a ``MirroredStrategy`` over two logical CPUs, the models built in its scope.
Each run is :data:`tests.test_backends.SCRIPT`, unchanged, with the distribution switched on around it.
Marked slow (an interpreter per run, every family on two replicas): `make test` runs them (in CI with jax installed).
"""

from __future__ import annotations

import pytest
from test_backends import FAMILIES, SCRIPT, run_on

pytestmark = pytest.mark.slow

JAX_PREFIX = r"""
import keras
devices = keras.distribution.list_devices()
assert len(devices) == 2, devices
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
"""

TF_WRAPPER = r"""
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
assert strategy.num_replicas_in_sync == 2
with strategy.scope():
    exec(compile(BODY, "<families>", "exec"))
"""


def check(result: dict, backend: str) -> None:
    assert result["backend"] == backend
    for family in FAMILIES:
        first, last = result[family]
        assert last < first, f"{family} data-parallel on {backend}: loss {first:.4f} -> {last:.4f}"


#: Two host devices, and a larger pool of XLA's CPU threads. Each device's program runs on that pool (its size is
#: NPROC, else the number of cores: 2 threads on CI's machine, 8 with NPROC=8) and waits in every all-reduce for the
#: other device's program; with two threads, one busy elsewhere left the other device unscheduled, and XLA aborted
#: the process after 40 s. Seen once in a full `make test`, and in two of three runs beside four CPU hogs; with
#: NPROC=8, three runs beside the same hogs passed.
JAX_ENV = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2", "NPROC": "8"}


def test_every_family_trains_data_parallel_on_two_jax_devices():
    result = run_on("jax", JAX_PREFIX + SCRIPT, JAX_ENV)
    check(result, "jax")


def test_every_family_trains_under_a_tensorflow_mirrored_strategy_on_two_cpus():
    result = run_on("tensorflow", f"BODY = {SCRIPT!r}\n" + TF_WRAPPER)
    check(result, "tensorflow")
