"""The compiled single-query path of Index.knn_search (pyvsag/_fastpath.c) against the ctypes
path it replaces: the same results element for element, the same errors, the fallback for
input it does not take, threads, and a package without the module."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import threading
from typing import Any, Callable, Iterator, Tuple

import numpy as np
import pytest

from conftest import available, create_params, search_params

import pyvsag
from pyvsag import _index

PKG = os.path.dirname(os.path.abspath(pyvsag.__file__))
BUILT = glob.glob(os.path.join(PKG, "_fastpath*.so"))


def test_module_loaded_when_built() -> None:
    if not BUILT:
        # make test-python builds the module first and sets PYVSAG_REQUIRE_FASTPATH, so there
        # a missing module fails instead of skipping every test of this file.
        assert not os.environ.get("PYVSAG_REQUIRE_FASTPATH"), "pyvsag/_fastpath*.so is not built"
        pytest.skip("pyvsag/_fastpath*.so is not built (make pyvsag builds it)")
    if os.environ.get("PYVSAG_NO_FASTPATH"):
        pytest.skip("PYVSAG_NO_FASTPATH is set")
    assert _index._knn_fast is not None, "the built fast path did not load"


@pytest.fixture
def fast() -> Callable[..., Any]:
    if _index._knn_fast is None:
        pytest.skip("the fast path is not loaded")
    return _index._knn_fast


@pytest.fixture
def general(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Any]]:
    """general() returns a context in which knn_search takes the ctypes path."""
    saved = _index._knn_fast

    class Ctx:
        def __enter__(self) -> None:
            _index._knn_fast = None

        def __exit__(self, *exc: Any) -> None:
            _index._knn_fast = saved

    yield Ctx
    _index._knn_fast = saved


def both(index: pyvsag.Index, general: Any, *args: Any, **kw: Any) -> Tuple[Any, Any]:
    """both runs knn_search through the fast path and through ctypes."""
    a = index.knn_search(*args, **kw)
    with general():
        b = index.knn_search(*args, **kw)
    return a, b


def outcome(index: pyvsag.Index, general: Any, *args: Any) -> Tuple[Any, Any]:
    """outcome runs knn_search through both paths, each giving a result or (error type,
    message)."""

    def run() -> Any:
        try:
            return index.knn_search(*args)
        except (pyvsag.VsagError, TypeError, ValueError, OverflowError) as e:
            return type(e), str(e)

    a = run()
    with general():
        b = run()
    return a, b


def same_outcome(a: Any, b: Any) -> None:
    if isinstance(a[0], type) or isinstance(b[0], type):
        assert a == b
    else:
        same(a, b)


def same(a: Tuple[np.ndarray, np.ndarray], b: Tuple[np.ndarray, np.ndarray]) -> None:
    assert a[0].dtype == b[0].dtype == np.int64 and a[1].dtype == b[1].dtype == np.float32
    assert a[0].shape == b[0].shape and a[1].shape == b[1].shape
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def make_index(index_type: str, n: int = 500, dim: int = 24,
               dtype: str = "float32") -> Tuple[pyvsag.Index, np.ndarray]:
    if not available(index_type):
        pytest.skip(f"{index_type} is not registered")
    rng = np.random.default_rng(11)
    base = rng.random((n, dim), dtype=np.float32)
    quant = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16", "int8": "fp32"}[dtype]
    if dtype == "int8":
        base = rng.integers(-100, 100, size=(n, dim)).astype(np.int8)
    elif dtype == "float16":
        base = base.astype(np.float16)
    elif dtype == "bfloat16":
        base = pyvsag.float32_to_bfloat16(base)
    index = pyvsag.Index(index_type, create_params(index_type, dim, dtype=dtype,
                                                   quantization=quant))
    index.build(base, np.arange(n))
    return index, base


@pytest.mark.parametrize("index_type", ["brute_force", "hgraph"])
@pytest.mark.parametrize("k", [1, 10, 64, 65, 700, 1024])
def test_same_results(fast: Any, general: Any, index_type: str, k: int) -> None:
    index, base = make_index(index_type)
    p = search_params(index_type, ef=80)
    for q in (base[3], base[77] + 0.01, np.zeros(base.shape[1], np.float32)):
        a, b = both(index, general, np.ascontiguousarray(q), k, p)
        same(a, b)
        assert a[0].shape == (k,)
    # k beyond the live count: padded with -1 / +inf by both
    a, b = both(index, general, base[5], k, p)
    same(a, b)
    # a batch
    a, b = both(index, general, base[:7], k, p)
    same(a, b)
    assert a[0].shape == (7, k)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int8"])
def test_other_element_types(fast: Any, general: Any, dtype: str) -> None:
    index, base = make_index("brute_force", n=200, dim=16, dtype=dtype)
    a, b = both(index, general, base[9], 5, "")
    same(a, b)
    assert a[0][0] == 9
    same(*both(index, general, base[:4], 5, ""))


@pytest.mark.parametrize("params", [
    None, "", "{}", b"{}", {"hgraph": {"ef_search": 40}}, json.dumps({"hgraph": {"ef_search": 9}}),
    json.dumps({"hgraph": {"ef_search": 50}}).encode(),
])
def test_parameter_forms(fast: Any, general: Any, params: Any) -> None:
    index, base = make_index("hgraph")
    same_outcome(*outcome(index, general, base[4], 10, params))
    index, base = make_index("brute_force")
    same_outcome(*outcome(index, general, base[4], 10, params))


def test_dict_parameters_changed_in_place(fast: Any, general: Any) -> None:
    index, base = make_index("hgraph", n=2000)
    p = {"hgraph": {"ef_search": 10}}
    first = index.knn_search(base[8] + 0.05, 50, p)
    p["hgraph"]["ef_search"] = 400
    second = index.knn_search(base[8] + 0.05, 50, p)
    with general():
        want = index.knn_search(base[8] + 0.05, 50, p)
    same(second, want)
    assert first[0].shape == second[0].shape


@pytest.mark.parametrize("make_filter", [
    lambda n: np.arange(n) % 3 == 0,                       # exclusion mask
    lambda n: np.array([0, 1, 2, 3, 4, 5], np.int64),      # labels to exclude
    lambda n: (lambda label: label % 2 == 1),              # callable, True excludes
    lambda n: pyvsag.Filter(keep_ids=np.arange(0, n, 5)),
    lambda n: pyvsag.Filter(keep=lambda label: label < 100),
])
def test_filters(fast: Any, general: Any, make_filter: Callable[[int], Any]) -> None:
    index, base = make_index("hgraph")
    f = make_filter(len(base))
    a, b = both(index, general, base[3], 10, search_params("hgraph"), f)
    same(a, b)


def test_filter_callback_exception_propagates(fast: Any) -> None:
    index, base = make_index("brute_force")

    def boom(label: int) -> bool:
        raise KeyError("from the filter")

    with pytest.raises(KeyError, match="from the filter"):
        index.knn_search(base[0], 5, "", boom)


@pytest.mark.parametrize("query", [
    lambda b: b[3].astype(np.float64),                 # another dtype: converted
    lambda b: b[:, 3].copy()[: b.shape[1]],            # wrong length: errors
    lambda b: b[3].tolist(),                           # a list
    lambda b: np.asfortranarray(b[:4]),                # a Fortran-order batch
    lambda b: b[:8:2],                                 # strided rows
    lambda b: b[3].reshape(1, 1, -1),                  # 3-D: errors
    lambda b: b[3][::-1].copy().astype(">f4"),         # swapped byte order: converted
    lambda b: np.zeros((0, b.shape[1]), np.float32),   # an empty batch
    lambda b: np.zeros(0, np.float32),                 # an empty vector: errors
])
def test_fallback_matches(fast: Any, general: Any, query: Callable[[np.ndarray], Any]) -> None:
    index, base = make_index("brute_force")
    same_outcome(*outcome(index, general, query(base), 5, ""))


@pytest.mark.parametrize("k", [0, -1, 10**30, np.int64(5), 2.0, True])
def test_odd_k_matches(fast: Any, general: Any, k: Any) -> None:
    index, base = make_index("brute_force")
    same_outcome(*outcome(index, general, base[1], k, ""))


def test_library_errors_match(fast: Any, general: Any) -> None:
    index, base = make_index("hgraph")
    for args in [(base[1], 5, "{not json"), (base[1, :7].copy(), 5, ""),
                 (base[1], 5, {"hgraph": {"ef_search": -4}})]:
        with pytest.raises(pyvsag.VsagError) as e1:
            index.knn_search(*args)
        with general(), pytest.raises(pyvsag.VsagError) as e2:
            index.knn_search(*args)
        assert type(e1.value) is type(e2.value) and str(e1.value) == str(e2.value)


def test_closed_index(fast: Any) -> None:
    index, base = make_index("brute_force")
    index.close()
    with pytest.raises(pyvsag.InvalidArgumentError, match="closed"):
        index.knn_search(base[0], 3)


def test_rows_are_independent(fast: Any, general: Any) -> None:
    index, base = make_index("brute_force", n=300)
    kept = [index.knn_search(base[i % 300], 10, "") for i in range(1200)]  # several slabs
    with general():
        for i, got in enumerate(kept):
            same(got, index.knn_search(base[i % 300], 10, ""))
    ids, dists = kept[0]
    ids[:] = -5  # a row is the caller's: writing it changes no other result
    assert kept[1][0][0] == 1 and np.all(kept[2][0] != -5)


def test_threads(fast: Any, general: Any) -> None:
    index, base = make_index("hgraph", n=1000)
    p = search_params("hgraph", ef=60)
    with general():
        want = [index.knn_search(base[i], 10, p) for i in range(200)]
    errors = []

    def worker(off: int) -> None:
        try:
            for j in range(200):
                i = (j + off) % 200
                same(index.knn_search(base[i], 10, p), want[i])
                ids, _ = index.knn_search(base[i], 10, p, lambda label: label == i)
                assert i not in ids
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t * 37,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_gil_released(fast: Any) -> None:
    """A batch runs on the library's threads, and a Python filter there needs the GIL: held by
    the searching thread, the search would never finish. In a subprocess, with a timeout."""
    code = (
        "import numpy as np, pyvsag\n"
        "from pyvsag import _index\n"
        "assert _index._knn_fast is not None\n"
        "def no_ctypes(*a):\n"
        "    raise AssertionError('the ctypes path ran')\n"
        "_index.lib.vsag_index_knn_search_batch = no_ctypes\n"
        "base = np.random.default_rng(3).random((3000, 16), dtype=np.float32)\n"
        "ix = pyvsag.Index('brute_force', {'dtype': 'float32', 'metric_type': 'l2', 'dim': 16,"
        " 'index_param': {'base_quantization_type': 'fp32'}})\n"
        "ix.build(base, np.arange(3000))\n"
        "calls = []\n"
        "ids, _ = ix.knn_search(base[:64], 5, '', lambda l: calls.append(1) or l % 2 == 0)\n"
        "assert ids.shape == (64, 5) and (ids % 2 == 1).all() and calls\n"
        "print('ok')\n"
    )
    env = dict(os.environ, PYTHONPATH=os.path.dirname(PKG))
    env.pop("PYVSAG_NO_FASTPATH", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr


@pytest.mark.parametrize("mode", ["absent", "disabled"])
def test_package_without_fast_path(tmp_path: Any, mode: str) -> None:
    env = dict(os.environ)
    if mode == "absent":
        pkg = tmp_path / "pyvsag"
        shutil.copytree(PKG, pkg, ignore=shutil.ignore_patterns("_fastpath*.so", "__pycache__"))
        env["PYTHONPATH"] = str(tmp_path)
        env.pop("PYVSAG_NO_FASTPATH", None)
    else:
        env["PYTHONPATH"] = os.path.dirname(PKG)
        env["PYVSAG_NO_FASTPATH"] = "1"
    code = (
        "import numpy as np, pyvsag\n"
        "from pyvsag import _index\n"
        "assert _index._knn_fast is None\n"
        "ix = pyvsag.Index('brute_force', {'dtype': 'float32', 'metric_type': 'l2', 'dim': 4,"
        " 'index_param': {'base_quantization_type': 'fp32'}})\n"
        "b = np.arange(40, dtype=np.float32).reshape(10, 4)\n"
        "ix.build(b, np.arange(10))\n"
        "ids, d = ix.knn_search(b[6], 3)\n"
        "assert ids[0] == 6 and d[0] == 0, ids\n"
        "print('ok', pyvsag.__file__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout


def test_common_case_takes_the_fast_path(fast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The common calls never reach ctypes: the ctypes search function is replaced by one that
    fails the test."""
    index, base = make_index("hgraph")
    p = search_params("hgraph")

    def no_ctypes(*args: Any) -> int:
        raise AssertionError("the ctypes path ran")

    monkeypatch.setattr(_index, "_search_one", no_ctypes)
    monkeypatch.setattr(_index.lib, "vsag_index_knn_search_batch", no_ctypes)
    for q in (base[0], base[:3]):
        for params in (p, p.encode(), json.loads(p)):
            for k in (1, 10, 100):
                ids, _ = index.knn_search(q, k, params)
                assert ids.shape[-1] == k
    ids, _ = index.knn_search(base[2], 10, p, np.arange(len(base)) == 2)
    assert 2 not in ids
    r = fast(index._h, base[0].astype(np.float64), 10, p, index._dt, 0)
    assert r is None  # not the index's element type: the general path converts
