"""Shared data and helpers for the pyvsag tests.

The index types under test are brute_force and hgraph; tests of a type the loaded library does
not register (factory error UNSUPPORTED_INDEX) are skipped, and only for that reason.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import pyvsag  # noqa: E402

INDEX_TYPES = ["brute_force", "hgraph"]


def create_params(index_type: str, dim: int, metric: str = "l2", dtype: str = "float32",
                  quantization: str = "fp32") -> str:
    """create_params returns the create JSON of a small index of the given type."""
    index_param: Dict[str, object] = {"base_quantization_type": quantization}
    if index_type == "hgraph":
        index_param.update({"max_degree": 16, "ef_construction": 100})
    return json.dumps({"dtype": dtype, "metric_type": metric, "dim": dim,
                       "index_param": index_param})


def search_params(index_type: str, ef: int = 100) -> str:
    """search_params returns the search JSON for the type (ef_search for graphs)."""
    if index_type == "hgraph":
        return json.dumps({"hgraph": {"ef_search": ef}})
    return json.dumps({})


_available: Dict[str, bool] = {}


def available(index_type: str) -> bool:
    """available tells whether the loaded libvsag.so registers index_type."""
    if index_type not in _available:
        try:
            pyvsag.Index(index_type, create_params(index_type, 4)).close()
            _available[index_type] = True
        except pyvsag.UnsupportedIndexError:
            _available[index_type] = False
    return _available[index_type]


@pytest.fixture(params=INDEX_TYPES)
def index_type(request: pytest.FixtureRequest) -> str:
    """index_type runs a test once per index type (skipping unregistered ones)."""
    name = request.param
    if not available(name):
        pytest.skip(f"{name} is not registered in {pyvsag.library_path} (UNSUPPORTED_INDEX)")
    return name


@dataclass
class Data:
    """Data is a seeded clustered data set with exact ground truth."""

    base: np.ndarray
    queries: np.ndarray
    ids: np.ndarray
    dim: int

    @property
    def n(self) -> int:
        return len(self.base)

    def truth(self, k: int, queries: np.ndarray = None,
              exclude: np.ndarray = None) -> Tuple[np.ndarray, np.ndarray]:
        """truth returns the exact k nearest labels and squared-L2 distances per query."""
        q = self.queries if queries is None else queries
        d = ((q[:, None, :].astype(np.float64) - self.base[None, :, :]) ** 2).sum(-1)
        if exclude is not None:
            d[:, exclude] = np.inf
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
        return self.ids[order], np.take_along_axis(d, order, axis=1)


def make_data(n: int = 600, dim: int = 32, nq: int = 20, seed: int = 7,
              first_id: int = 0) -> Data:
    """make_data draws n base vectors and nq queries around 12 Gaussian centres."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, size=(12, dim))
    base = (centres[rng.integers(0, 12, n)] + rng.normal(0, 1, size=(n, dim))).astype(np.float32)
    queries = (centres[rng.integers(0, 12, nq)] + rng.normal(0, 1, size=(nq, dim))).astype(
        np.float32)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    return Data(base, queries, ids, dim)


@pytest.fixture
def data() -> Data:
    """data is the default data set: 600 x 32, 20 queries."""
    return make_data()


def build(index_type: str, d: Data, **kw: object) -> pyvsag.Index:
    """build creates an index of the type over d."""
    params = create_params(index_type, d.dim, **kw)  # type: ignore[arg-type]
    index = pyvsag.Index(index_type, params)
    failed = index.build(d.base, d.ids, d.n, d.dim)
    assert failed.size == 0
    return index


def recall(got: np.ndarray, truth: np.ndarray) -> float:
    """recall is the fraction of true neighbours found, averaged over rows."""
    hits: List[float] = []
    for g, t in zip(np.atleast_2d(got), np.atleast_2d(truth)):
        hits.append(len(set(g.tolist()) & set(t.tolist())) / len(t))
    return float(np.mean(hits))


def min_recall(index_type: str) -> float:
    """min_recall is what a test demands: exact for brute_force."""
    return 1.0 if index_type == "brute_force" else 0.9
