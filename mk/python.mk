# pyvsag (python/): the Python package over libvsag.so, its tests, examples and benchmark.
# Python packages come from Debian; $(PYTHON) is /usr/bin/python3, the interpreter that has them.
#
#   make pyvsag               copy build/lib/libvsag.so into python/pyvsag/ and compile the
#                             single-query fast path python/pyvsag/_fastpath.c next to it
#                             (part of `make build`); afterwards
#                             `PYTHONPATH=python /usr/bin/python3 -c 'import pyvsag'` works
#   make test-python          pytest, examples/python/*.py, and an offline `pip install ./python`
#                             into a temporary virtual environment (part of `make test`)
#   make bench-python         batch and single-query search through pyvsag vs the Go API; it runs
#                             over a copy of the package in build/pyvsag-bench holding the
#                             benchmark build of the library (make lib-bench), whose hook
#                             vsag_index_knn_search_timed times searches inside the library

PYTHON ?= /usr/bin/python3
PYVSAG_SO := python/pyvsag/libvsag.so
PYVSAG_TMP := build/pyvsag
PYVSAG_BENCH := build/pyvsag-bench
PYVSAG_FASTPATH := python/pyvsag/_fastpath$(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null || echo .so)
PYVSAG_FASTPATH_APT := python3-dev python3-numpy
PYVSAG_APT := python3-numpy python3-scipy python3-pytest python3-setuptools python3-wheel python3-pip python3-venv \
  python3-dask python3-distributed

BUILD_TARGETS += pyvsag
TEST_TARGETS += test-python
BENCH_TARGETS += bench-python

.PHONY: pyvsag pyvsag-deps test-python test-python-unit test-python-examples test-python-install bench-python

# The library is replaced by rename, so a running Python keeps the copy it mapped.
pyvsag: lib $(PYVSAG_FASTPATH)
	@cmp -s build/lib/libvsag.so $(PYVSAG_SO) || \
	  { cp build/lib/libvsag.so $(PYVSAG_SO).tmp && chmod 0755 $(PYVSAG_SO).tmp && mv -f $(PYVSAG_SO).tmp $(PYVSAG_SO); }

# The single-query fast path (python/pyvsag/_fastpath.c), a CPython extension for $(PYTHON)
# against Debian's headers (python3-dev, python3-numpy). It does not link libvsag.so: pyvsag
# hands it the library's search function at import. Without it pyvsag searches through ctypes.
$(PYVSAG_FASTPATH): python/pyvsag/_fastpath.c
	@$(MAKE) --no-print-directory deps-apt PKGS="$(PYVSAG_FASTPATH_APT)"
	$(CAPI_CC) -shared -fPIC -O2 -g -Wall -Wextra -Werror \
	  -I"$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" \
	  -I"$$($(PYTHON) -c 'import numpy; print(numpy.get_include())')" \
	  $< -o $@.tmp && mv -f $@.tmp $@

pyvsag-deps:
	@$(MAKE) --no-print-directory deps-apt PKGS="$(PYVSAG_APT)"

test-python: test-python-unit test-python-examples test-python-install

test-python-unit: pyvsag pyvsag-deps
	cd python && PYVSAG_REQUIRE_FASTPATH=1 $(PYTHON) -m pytest -q -p no:cacheprovider tests

test-python-examples: pyvsag pyvsag-deps
	@set -e; for f in examples/python/*.py; do \
	  echo "== $$f"; VSAG_EXAMPLE_ROWS=10000 PYTHONPATH=python $(PYTHON) $$f; \
	done

# Offline install (system setuptools, no index, no build isolation) into a fresh virtual
# environment, then an import from elsewhere that must find libvsag.so inside the install.
test-python-install: pyvsag pyvsag-deps
	@rm -rf $(PYVSAG_TMP) python/build python/pyvsag.egg-info
	$(PYTHON) -m venv --system-site-packages --without-pip $(PYVSAG_TMP)/venv
	$(PYVSAG_TMP)/venv/bin/python -m pip install --quiet --no-cache-dir --no-build-isolation --no-index ./python
	cd $(PYVSAG_TMP) && env -u PYTHONPATH -u VSAG_LIBRARY_PATH ./venv/bin/python ../../python/tests/installed_check.py
	@rm -rf $(PYVSAG_TMP) python/build python/pyvsag.egg-info

# Twice: a 20k x 128 hgraph (each search evicts much of the caches the Python side uses) and a
# small index where everything stays cached (the bare per-call cost).
# The benchmark imports a copy of the package whose libvsag.so is the benchmark build (pyvsag
# loads the library next to itself first, and the public build has no benchmark hooks).
bench-python: lib-bench pyvsag-deps
	$(GO) build -o build/pyvsag-gobaseline ./python/bench/gobaseline
	@rm -rf $(PYVSAG_BENCH) && mkdir -p $(PYVSAG_BENCH)
	cp -r python/pyvsag $(PYVSAG_BENCH)/pyvsag
	rm -rf $(PYVSAG_BENCH)/pyvsag/__pycache__ && cp $(CAPI_BENCH_LIB) $(PYVSAG_BENCH)/pyvsag/libvsag.so
	PYTHONPATH=$(PYVSAG_BENCH) $(PYTHON) python/bench/bench_search.py --go build/pyvsag-gobaseline $(BENCH_PYTHON_FLAGS)
	PYTHONPATH=$(PYVSAG_BENCH) $(PYTHON) python/bench/bench_search.py --go build/pyvsag-gobaseline --n 500 --dim 16 --ef 10 $(BENCH_PYTHON_FLAGS)
