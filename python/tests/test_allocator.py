"""Allocators of the code stores' slabs: the library's counting allocator (C, Python-side
policy) and Python allocator objects called back per slab."""

from __future__ import annotations

import ctypes
import gc
import json
import threading
import time

import numpy as np
import pytest

import pyvsag

DIM = 32
HG = json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM,
                 "index_param": {"base_quantization_type": "fp32", "max_degree": 16,
                                 "ef_construction": 60}})
BF = json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM})
SEARCH = json.dumps({"hgraph": {"ef_search": 100}})

_libc = ctypes.CDLL(None)
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]
_libc.realloc.restype = ctypes.c_void_p
_libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.free.argtypes = [ctypes.c_void_p]


class MallocAllocator(pyvsag.Allocator):
    """A Python allocator over malloc that records the blocks it serves, from any thread."""

    name = "malloc-py"

    def __init__(self) -> None:
        self.mu = threading.Lock()
        self.blocks: dict = {}
        self.sizes: list = []
        self.threads: set = set()
        self.refuse = False

    def allocate(self, size: int) -> int:
        if self.refuse:
            return 0
        p = _libc.malloc(size)
        with self.mu:
            self.blocks[p] = size
            self.sizes.append(size)
            self.threads.add(threading.get_ident())
        return p

    def deallocate(self, address: int) -> None:
        with self.mu:
            self.blocks.pop(address)
        _libc.free(address)

    def reallocate(self, address: int, size: int) -> int:
        if self.refuse:
            return 0
        p = _libc.realloc(address, size)
        if p:
            with self.mu:
                self.blocks.pop(address)
                self.blocks[p] = size
                self.sizes.append(size)
        return p

    def live(self) -> int:
        with self.mu:
            return sum(self.blocks.values())


def data(n, seed=0):
    return np.random.default_rng(seed).random((n, DIM), dtype=np.float32)


def _self_hit(index, vecs, rows):
    for r in rows:
        ids, _ = index.knn_search(vecs[r], 1, SEARCH)
        assert ids[0] == r


def test_python_allocator_sees_slabs_and_index_works():
    a = MallocAllocator()
    index = pyvsag.Index("hgraph", HG)
    index.set_allocator(a)
    vecs = data(6000, 1)
    index.build(vecs[:2000], np.arange(2000))
    index.add(vecs[2000:], np.arange(2000, 6000))
    # the fp32 codes of 6000 vectors (768 000 bytes) live in the allocator's blocks
    assert a.live() >= 6000 * DIM * 4
    assert max(a.sizes) >= 6000 * DIM * 4
    _self_hit(index, vecs, [0, 1999, 2000, 4321, 5999])
    # the blocks are handed back once the index is gone and its memory reclaimed
    del index
    deadline = time.monotonic() + 20
    while a.live() and time.monotonic() < deadline:
        gc.collect()
        churn = pyvsag.Index("brute_force", BF)
        churn.build(data(2000, 2), np.arange(2000))
        del churn
    assert a.live() == 0


def test_python_allocator_refusal_is_no_enough_memory():
    a = MallocAllocator()
    index = pyvsag.Index("hgraph", HG)
    index.set_allocator(a)
    index.build(data(500, 3), np.arange(500))
    a.refuse = True
    with pytest.raises(pyvsag.NoEnoughMemoryError):
        index.add(data(5000, 4), np.arange(500, 5500))
    assert index.get_num_elements() == 500
    a.refuse = False
    index.add(data(5000, 4), np.arange(500, 5500))
    assert index.get_num_elements() == 5500


class Raising(pyvsag.Allocator):
    def allocate(self, size):
        raise RuntimeError("no")

    def deallocate(self, address):
        pass

    def reallocate(self, address, size):
        raise RuntimeError("no")


def test_python_allocator_exception_is_no_enough_memory(caplog):
    index = pyvsag.Index("brute_force", BF)
    index.set_allocator(Raising())
    with caplog.at_level("ERROR", logger="pyvsag"):
        with pytest.raises(pyvsag.NoEnoughMemoryError):
            index.build(data(100), np.arange(100))
    assert index.get_num_elements() == 0
    assert any("allocate" in r.getMessage() for r in caplog.records)
    index.set_allocator(None)
    index.build(data(100), np.arange(100))
    assert index.get_num_elements() == 100


def test_counting_allocator_limit_and_stats():
    a = pyvsag.CountingAllocator(name="tenant-a")
    assert a.limit == 0 and a.bytes_in_use == 0
    index = pyvsag.Index("hgraph", HG)
    index.set_allocator(a)
    vecs = data(4000, 5)
    index.build(vecs[:2000], np.arange(2000))
    s = a.stats()
    assert s["bytes_in_use"] >= 2000 * DIM * 4 and s["blocks"] > 0 and s["failures"] == 0
    a.limit = s["bytes_in_use"]  # Python-side policy: no more growth
    with pytest.raises(pyvsag.NoEnoughMemoryError):
        index.add(vecs[2000:], np.arange(2000, 4000))
    assert index.get_num_elements() == 2000
    assert a.stats()["failures"] > 0
    a.limit = 0
    index.add(vecs[2000:], np.arange(2000, 4000))
    assert a.peak_bytes >= a.bytes_in_use >= 4000 * DIM * 4
    _self_hit(index, vecs, [0, 3999])
    assert "tenant-a" in repr(a)


def test_counting_allocator_shared_by_indexes():
    a = pyvsag.CountingAllocator()
    x, y = pyvsag.Index("brute_force", BF), pyvsag.Index("brute_force", BF)
    x.set_allocator(a)
    y.set_allocator(a)
    x.build(data(1000, 6), np.arange(1000))
    one = a.bytes_in_use
    y.build(data(1000, 7), np.arange(1000))
    assert a.bytes_in_use >= 2 * 1000 * DIM * 4 and a.bytes_in_use > one


@pytest.mark.parametrize("bad", [object(), 5, "x"])
def test_set_allocator_bad_object(bad):
    index = pyvsag.Index("brute_force", BF)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.set_allocator(bad)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_counting_allocator_bad_limit(bad):
    with pytest.raises(pyvsag.InvalidArgumentError):
        pyvsag.CountingAllocator(limit=bad)
    a = pyvsag.CountingAllocator()
    with pytest.raises(pyvsag.InvalidArgumentError):
        a.limit = bad


def test_python_allocator_under_concurrent_writers():
    """Writers on several Python threads, each index allocating through Python callbacks from
    the library's threads, while the main thread keeps the GIL busy: every write completes."""
    allocs = [MallocAllocator() for _ in range(3)]
    indexes = []
    for a in allocs:
        index = pyvsag.Index("hgraph", HG)
        index.set_allocator(a)
        indexes.append(index)
    errors = []

    def write(i):
        try:
            for b in range(4):
                indexes[i].add(data(1500, 10 * i + b), np.arange(b * 1500, (b + 1) * 1500))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    spins = 0
    while any(t.is_alive() for t in threads):
        spins += sum(range(1000))  # pure Python work holding the GIL between switches
        for t in threads:
            t.join(0.001)
    assert not errors
    for index, a in zip(indexes, allocs):
        assert index.get_num_elements() == 6000
        assert a.live() >= 6000 * DIM * 4
