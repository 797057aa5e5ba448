"""Memory budgets over attributes and loads: a batch whose attributes do not fit, and a load
beyond the budget, raise NoEnoughMemoryError and change nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvsag

DIM = 32
PARAMS = {
    "brute_force": json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM}),
    "hgraph": json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM,
                          "index_param": {"base_quantization_type": "fp32", "max_degree": 16,
                                          "ef_construction": 60}}),
}


def data(n, seed=0):
    return np.random.default_rng(seed).random((n, DIM), dtype=np.float32)


def attrs(ids, note_len):
    return [{"tenant": int(i % 7), "note": "n" * note_len} for i in ids]


@pytest.mark.parametrize("index_type", ["brute_force", "hgraph"])
def test_budget_refuses_attributes(index_type):
    plain = pyvsag.Index(index_type, PARAMS[index_type])
    index = pyvsag.Index(index_type, PARAMS[index_type])
    ids = np.arange(500)
    plain.build(data(500), ids)
    index.build(data(500), ids, attributes=attrs(ids, 100))
    assert index.get_budgeted_memory() > plain.get_budgeted_memory() + 500 * 100
    nxt = np.arange(500, 550)
    before = plain.get_budgeted_memory()
    plain.add(data(50, 1), nxt)
    vectors = plain.get_budgeted_memory() - before
    index.set_memory_budget(index.get_budgeted_memory() + vectors + (64 << 10))
    used = index.get_budgeted_memory()
    with pytest.raises(pyvsag.NoEnoughMemoryError, match="attributes"):
        index.add(data(50, 1), nxt, attributes=attrs(nxt, 8000))
    assert index.get_num_elements() == 500
    assert index.get_budgeted_memory() == used
    assert index.get_attributes_by_ids([499])[0] == {"tenant": 499 % 7, "note": "n" * 100}
    index.add(data(50, 1), nxt)
    assert index.get_num_elements() == 550


@pytest.mark.parametrize("index_type", ["brute_force", "hgraph"])
def test_budget_refuses_load(index_type):
    src = pyvsag.Index(index_type, PARAMS[index_type])
    ids = np.arange(1500)
    src.build(data(1500, 3), ids, attributes=attrs(ids, 200))
    blob = src.serialize()
    want = src.get_budgeted_memory()
    dst = pyvsag.Index(index_type, PARAMS[index_type])
    empty = dst.get_budgeted_memory()
    dst.set_memory_budget(want * 3 // 4)
    with pytest.raises(pyvsag.NoEnoughMemoryError):
        dst.deserialize(blob)
    assert dst.get_num_elements() == 0
    assert dst.get_budgeted_memory() == empty
    dst.set_memory_budget(want * 2)
    dst.deserialize(blob)
    assert dst.get_num_elements() == 1500
    assert dst.get_budgeted_memory() > want * 4 // 5
    assert dst.get_attributes_by_ids([42])[0]["tenant"] == 0
