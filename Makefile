# The course pack's commands. Each target creates .venv from pyproject.toml on first use.
#   make lab                    start the course: JupyterLab on notebooks/
#   make test                   the whole test suite (unit tests + every notebook, via nbval), in
#                               TEST_JOBS=2 pytest-xdist workers; each file (one notebook) stays on one worker
#   make results PROFILE=...    run all notebooks headlessly, write reports/<profile>/RESULTS.md

PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= lecture
ONLY    ?=
JOBS    ?= 1
TEST_JOBS ?= 2
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.course-installed

.PHONY: setup lab test unit results clean-checkpoints

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[test]"
	@touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

test: $(STAMP)
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadfile --nbval-lax --nbval-current-env tests notebooks

unit: $(STAMP)
	$(PY) -m pytest tests

results: $(STAMP)
	$(PY) -m course_lib.runner --profile $(PROFILE) $(ONLY)

clean-checkpoints:
	rm -rf data/checkpoints

# Course delivery (issue 9): student notebooks, the rendered course site, the Colab/Binder badge cells.
#   make student                student/NN_slug.ipynb: solutions replaced by stubs (git-ignored, regenerate any time)
#   make site PROFILE=smoke     build/site/<profile>/index.html: every notebook executed in PROFILE (default lecture)
#   make badges                 add or refresh the Colab/Binder badge cell + Colab setup cell in every notebook
.PHONY: student site badges

student: $(STAMP)
	$(PY) -m course_lib.student $(ONLY)

site: $(STAMP)
	$(PY) -m course_lib.site --profile $(PROFILE) --jobs $(JOBS) $(ONLY)

badges: $(STAMP)
	$(PY) -m course_lib.badges notebooks/[0-9][0-9]_*.ipynb
