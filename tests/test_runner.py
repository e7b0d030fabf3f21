"""course_tools.runner: what RESULTS.md says about the machine."""

from course_lib import config
from course_tools import runner


def test_machine_note_names_the_cpu_and_its_vector_units(course_env):
    note = runner.machine_note(config.settings())
    assert runner.cpu_description() in note
    assert "AVX-512" in note and "CPU cores" in note
