"""Checks an installed pyvsag (run by `make test-python-install` with the venv's python):
the package and its libvsag.so come from the installation, and a search works."""

import glob
import os
import sys

import numpy as np

import pyvsag

pkg = os.path.dirname(os.path.realpath(pyvsag.__file__))
assert os.path.realpath(pkg).startswith(os.path.realpath(sys.prefix)), (pkg, sys.prefix)
assert os.path.dirname(os.path.realpath(pyvsag.library_path)) == pkg, pyvsag.library_path
assert os.path.isfile(os.path.join(pkg, "py.typed"))
# The compiled single-query path travels with the package when the source tree has one.
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pyvsag")
if glob.glob(os.path.join(src, "_fastpath*.so")):
    from pyvsag import _index
    assert _index._knn_fast is not None, "the installed package lacks its _fastpath module"

rng = np.random.default_rng(1)
data = rng.random((200, 8), dtype=np.float32)
index = pyvsag.Index("brute_force", {"dtype": "float32", "metric_type": "l2", "dim": 8,
                                     "index_param": {"base_quantization_type": "fp32"}})
index.build(data, range(200))
ids, dists = index.knn_search(data[17], 3)
assert ids[0] == 17 and dists[0] == 0.0, (ids, dists)
print(f"installed pyvsag {pyvsag.__version__} at {pkg}, library {pyvsag.library_version()}: ok")
