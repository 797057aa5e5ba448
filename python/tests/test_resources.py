"""Resource hooks: memory budgets, global options, logging through ``logging`` and progress."""

from __future__ import annotations

import io
import json
import logging
import threading

import numpy as np
import pytest

import pyvsag

DIM = 32
BF = json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM})
HG = json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM,
                 "index_param": {"base_quantization_type": "fp32", "max_degree": 16,
                                 "ef_construction": 60}})
SEARCH = {"brute_force": "", "hgraph": json.dumps({"hgraph": {"ef_search": 60}})}
PARAMS = {"brute_force": BF, "hgraph": HG}


def data(n, seed=0):
    return np.random.default_rng(seed).random((n, DIM), dtype=np.float32)


@pytest.mark.parametrize("index_type", ["brute_force", "hgraph"])
def test_budget_refuses_whole_batch(index_type):
    index = pyvsag.Index(index_type, PARAMS[index_type])
    budget = 400 << 10
    index.set_memory_budget(budget)
    assert index.get_memory_budget() == budget
    held = 0
    with pytest.raises(pyvsag.NoEnoughMemoryError):
        for b in range(100):
            ids = np.arange(b * 500, (b + 1) * 500)
            (index.build if b == 0 else index.add)(data(500, b), ids)
            held += 500
            assert index.get_budgeted_memory() <= budget
    assert index.get_num_elements() == held > 0
    ids, dists = index.knn_search(data(1, 99)[0], 10, SEARCH[index_type])
    assert len(ids) == 10
    index.set_memory_budget(0)
    index.add(data(500, 1000), np.arange(10**6, 10**6 + 500))
    assert index.get_num_elements() == held + 500


@pytest.mark.parametrize("bad", [-1, 1.5, True, "1"])
def test_budget_bad_values(bad):
    index = pyvsag.Index("brute_force", BF)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.set_memory_budget(bad)
    with pytest.raises(pyvsag.InvalidArgumentError):
        pyvsag.set_global_memory_budget(bad)


def test_global_budget():
    used = pyvsag.global_budgeted_memory()
    pyvsag.set_global_memory_budget(used + (64 << 10))
    try:
        assert pyvsag.get_global_memory_budget() == used + (64 << 10)
        index = pyvsag.Index("brute_force", BF)
        with pytest.raises(pyvsag.NoEnoughMemoryError):
            index.build(data(5000), np.arange(5000))
        assert index.get_num_elements() == 0
    finally:
        pyvsag.set_global_memory_budget(0)
    index.build(data(5000), np.arange(5000))
    assert index.get_num_elements() == 5000


@pytest.mark.parametrize("name,value,ok", [
    ("num_threads_building", 2, True),
    ("num_threads_building", 0, False),
    ("num_threads_io", 16, True),
    ("num_threads_io", 201, False),
    ("block_size_limit", 1 << 20, True),
    ("block_size_limit", 1000, False),
    ("concurrency_limit", 1, True),
    ("no_such_option", 1, False),
])
def test_options(name, value, ok):
    if not ok:
        with pytest.raises(pyvsag.InvalidArgumentError):
            pyvsag.set_option(name, value)
        return
    old = pyvsag.get_option(name)
    try:
        pyvsag.set_option(name, value)
        assert pyvsag.get_option(name) == value
    finally:
        pyvsag.set_option(name, old)


def test_logging_routes_to_pyvsag_logger(caplog):
    pyvsag.set_log_level(pyvsag.LogLevel.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="pyvsag"):
            index = pyvsag.Index("brute_force", BF)
            index.set_memory_budget(10 << 10)
            with pytest.raises(pyvsag.NoEnoughMemoryError):
                index.build(data(1000), np.arange(1000))
        records = [r for r in caplog.records if r.name == "pyvsag"]
        assert any(r.levelno == logging.WARNING and "NO_ENOUGH_MEMORY" in r.getMessage()
                   for r in records)
        assert any(r.levelno == logging.DEBUG for r in records)
    finally:
        pyvsag.set_log_level(pyvsag.LogLevel.INFO)


class Recorder:
    def __init__(self, cancel_at=None):
        self.calls = []
        self.cancel_at = cancel_at
        self.threads = set()
        self.lock = threading.Lock()

    def __call__(self, op, done, total):
        with self.lock:
            self.calls.append((op, done, total))
            self.threads.add(threading.get_ident())
        return self.cancel_at is None or done < self.cancel_at


@pytest.mark.parametrize("index_type", ["brute_force", "hgraph"])
def test_progress_build_add(index_type):
    index = pyvsag.Index(index_type, PARAMS[index_type])
    rec = Recorder()
    index.build(data(3000), np.arange(3000), progress=rec)
    done = [d for _, d, _ in rec.calls]
    assert rec.calls[0] == ("build", 0, 3000)
    assert rec.calls[-1] == ("build", 3000, 3000)
    assert done == sorted(done)
    assert 20 <= len(done) <= 103
    rec = Recorder()
    index.add(data(1000, 1), np.arange(3000, 4000), progress=rec)
    assert rec.calls[0][0] == "add" and rec.calls[-1][1:] == (1000, 1000)


def test_progress_cancel_and_exception():
    index = pyvsag.Index("hgraph", HG)
    with pytest.raises(pyvsag.VsagError, match="cancelled"):
        index.build(data(500), np.arange(500), progress=lambda op, d, t: False)
    assert index.get_num_elements() == 0

    def boom(op, done, total):
        raise KeyError("stop")

    with pytest.raises(KeyError):
        index.build(data(500), np.arange(500), progress=boom)
    assert index.get_num_elements() == 0
    index.build(data(2000), np.arange(2000))
    blob = index.serialize()

    dst = pyvsag.Index("hgraph", HG)
    with pytest.raises(pyvsag.VsagError, match="cancelled"):
        dst.deserialize(blob, progress=Recorder(cancel_at=len(blob) // 2))
    assert dst.get_num_elements() == 0
    rec = Recorder()
    dst.deserialize(blob, progress=rec)
    assert dst.get_num_elements() == 2000
    # a buffer is read as a stream: its size is not known in advance (total 0)
    assert rec.calls[0][0] == "load" and rec.calls[-1][1] > 2000 * DIM * 4


def test_progress_load_file_and_train(tmp_path):
    index = pyvsag.Index("hgraph", HG)
    index.build(data(1000), np.arange(1000))
    path = tmp_path / "x.vsag"
    index.save(str(path))
    dst = pyvsag.Index("hgraph", HG)
    rec = Recorder()
    dst.load(str(path), progress=rec)
    assert rec.calls[-1][1] == rec.calls[-1][2] > 1000 * DIM * 4
    ivf = pyvsag.Index("ivf", json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM,
                                          "index_param": {"buckets_count": 8,
                                                          "base_quantization_type": "fp32"}}))
    rec = Recorder()
    ivf.train(data(1000), progress=rec)
    assert rec.calls == [("train", 0, 1000), ("train", 1000, 1000)]


def test_progress_bar():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    bar = pyvsag.ProgressBar(out)
    for d in (0, 500, 1000):
        bar._last = -1.0
        assert bar("build", d, 1000)
    text = out.getvalue()
    assert "build: 100.0%" in text and text.endswith("\n")
    quiet = pyvsag.ProgressBar(io.StringIO())
    assert quiet("build", 1, 2) and not quiet.enabled
    # progress=True on a non-terminal stderr draws nothing and builds
    index = pyvsag.Index("brute_force", BF)
    index.build(data(100), np.arange(100), progress=True)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.add(data(1), [1000], progress=42)
