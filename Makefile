# A thin wrapper over the `course` command (course_tools/cli.py), which works without make (Windows: see the
# README). What make adds: it creates .venv on first use, installs the pinned versions of constraints.txt,
# and warms numba's cache, before running the command.
#   make lab                    start the course: JupyterLab on notebooks/        (course lab)
#   make test                   the whole suite, TEST_JOBS=2 pytest-xdist workers  (course test)
#   make unit                   the fast tier: no slow or browser tests            (course unit)
#   make results PROFILE=...    run all notebooks headlessly, write reports/<profile>/RESULTS.md
#   make student | site | badges   course delivery (see the README)
#   make grade SUBMISSIONS=dir  grade submitted notebooks (gradebook.csv, feedback)  (course grade)
#   make lock                   refresh constraints.txt for every supported Python (needs uv)

PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= lecture
ONLY    ?=
JOBS    ?= 1
TEST_JOBS ?= 2
SUBMISSIONS ?= submissions
GRADE_PROFILE ?= smoke
GRADE_TIMEOUT ?= 900
PY      := $(VENV)/bin/python
COURSE  := $(PY) -m course_tools.cli
STAMP   := $(VENV)/.course-installed
UV      ?= uv

.PHONY: setup lab test unit results student grade site badges warm lock clean-checkpoints

setup: $(STAMP)

# pycheck first: on an unsupported Python it stops in a second, before a venv or a download exists.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) course_tools/pycheck.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) course_tools/pycheck.py || (echo "$(VENV) was made with another Python: remove it (rm -rf $(VENV))" >&2; exit 1)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	$(COURSE) warm
	@touch $(STAMP)

lab: $(STAMP)
	$(COURSE) lab

test: $(STAMP)
	TEST_JOBS=$(TEST_JOBS) $(COURSE) test

unit: $(STAMP)
	$(COURSE) unit

results: $(STAMP)
	$(COURSE) results --profile $(PROFILE) $(ONLY)

student: $(STAMP)
	$(COURSE) student $(ONLY)

grade: $(STAMP)
	$(COURSE) grade $(SUBMISSIONS) --profile $(GRADE_PROFILE) --timeout $(GRADE_TIMEOUT)

site: $(STAMP)
	$(COURSE) site --profile $(PROFILE) --jobs $(JOBS) $(ONLY)

badges: $(STAMP)
	$(COURSE) badges

warm: $(STAMP)
	$(COURSE) warm

# The one command that refreshes the lock (once a term): every supported Python, every extra.
lock:
	$(UV) pip compile --universal --python-version 3.11 --all-extras --no-emit-package course-lib pyproject.toml -o constraints.txt

clean-checkpoints:
	rm -rf data/checkpoints
