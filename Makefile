# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make docs   build the site into _build/html
#   make test   run every test (doctests, CLI, engine, full build, HTML checks,
#               the site in headless Chromium) but the slow ones (make test-slow);
#               make test-fast: no real build, no browser
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Sphinx options shared by every build: -W turns warnings into errors,
# --keep-going reports all of them before failing.
SPHINXOPTS ?= -W --keep-going -q
# Tests run in two processes (pytest-xdist), each module's tests in one of
# them, so what a module's tests share is built once (tests/conftest.py).
# Measured on 2 cores: more workers only add CPU time.
PYTEST ?= $(BIN)/python -m pytest -n 2 --dist loadscope

.PHONY: all venv docs docs-en docs-zh translations test test-fast test-slow bench stress lock clean clean-cache serve

all: docs

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	# Kernels of this environment log errors only: no start-up chatter in build logs.
	mkdir -p $(VENV)/etc/ipython
	echo '{"IPKernelApp": {"log_level": "ERROR"}}' > $(VENV)/etc/ipython/ipython_kernel_config.json
	touch $@

# Both editions: English at the top of _build/html, Chinese in _build/html/zh_CN
# (translated from the English pages by the catalogs in locales/zh_CN/LC_MESSAGES;
# the build prints how much of each page they translate).
docs: $(STAMP)
	$(BIN)/python -m glossary_site.engine.build $(SPHINXOPTS)

docs-en: $(STAMP)
	GLOSSARY_EDITIONS=en $(BIN)/python -m glossary_site.engine.build $(SPHINXOPTS)

# The Chinese edition runs no code: it needs the English one's execution cache.
docs-zh: $(STAMP)
	GLOSSARY_EDITIONS=zh_CN $(BIN)/python -m glossary_site.engine.build $(SPHINXOPTS)

# Bring every catalog up to the English pages of the last build: new English
# untranslated, changed English fuzzy (then translate, and build again).
translations: $(STAMP)
	$(BIN)/python -m glossary_site.translations update

# Every test but the slow ones (tests/conftest.py explains the markers). The
# browser tests need the system's Chromium: found, installed (root on Debian),
# or a one-line stop saying what to install (tools/ensure_chromium.py).
test: $(STAMP)
	$(BIN)/python tools/ensure_chromium.py
	$(PYTEST) -m "not slow"

# The edit-test loop, under a minute: unit tests, doctests and builds of the
# fixture project; no TensorFlow, no interrupted builds (make test has them).
test-fast: $(STAMP)
	$(PYTEST) -m "(unit or engine) and not lifecycle"

# Minutes: a second cold build of every page, with a fresh kernel each (.ci/run).
test-slow: $(STAMP)
	$(PYTEST) -m slow

# Stock myst-nb against this project's build, in one run (not part of make test).
bench: $(STAMP)
	$(BIN)/python tools/bench.py

# Cold builds in a row, at the default reader count and at twice the cores:
# how often does a build fail at random? (not part of make test; ~30 min)
stress: $(STAMP)
	$(BIN)/python tools/stress.py

serve: docs
	$(BIN)/python -m http.server --directory _build/html 8000

# Re-resolve requirements.lock from pyproject.toml (needs the registry).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(BIN)/uv pip compile pyproject.toml --extra docs --extra test --universal \
	    --python-version 3.11 --generate-hashes -o requirements.lock

# Everything built, except the execution cache: the next build reads every
# page again but executes none whose code is unchanged. (_build/.lock stays:
# a build running meanwhile keeps it locked, so no second build starts.)
clean:
	if [ -d _build ]; then find _build -mindepth 1 -maxdepth 1 ! -name jupyter_cache ! -name .lock -exec rm -rf {} +; fi

# Everything built, the execution cache included: the next build is cold.
clean-cache:
	if [ -d _build ]; then find _build -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +; fi
