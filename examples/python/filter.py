"""Filtered search: a boolean mask, labels to exclude, a callable, a Bitset, keep-filters.

Whatever is passed directly as ``filter=`` names what to EXCLUDE; pyvsag.Filter offers the keep
polarity. Masks, label arrays and bitsets are evaluated inside the library; a callable costs a
Python call per candidate and is much slower.

    PYTHONPATH=python /usr/bin/python3 examples/python/filter.py
"""

import json
import time

import numpy as np
import pyvsag


def main() -> None:
    rng = np.random.default_rng(11)
    dim, num_elements = 48, 4000
    data = rng.random((num_elements, dim), dtype=np.float32)
    queries = rng.random((30, dim), dtype=np.float32)
    category = rng.integers(0, 4, num_elements)  # e.g. a product category per label

    params = json.dumps({"dtype": "float32", "metric_type": "l2", "dim": dim,
                         "index_param": {"base_quantization_type": "fp32", "max_degree": 16,
                                         "ef_construction": 100}})
    index = pyvsag.Index("hgraph", params)
    index.build(data, np.arange(num_elements))
    search = {"hgraph": {"ef_search": 200}}

    def timed(name, f):
        start = time.perf_counter()
        ids, _ = index.knn_search(queries, 10, search, filter=f)
        ms = (time.perf_counter() - start) * 1e3
        valid = ids[ids >= 0]
        print(f"{name:<34} {ms:7.1f} ms   categories returned: {sorted(set(category[valid]))}")
        return ids

    # Exclude everything outside category 2, five ways; all give category-2 results only.
    not_two = category != 2
    a = timed("boolean mask (True excludes)", not_two)
    b = timed("labels to exclude", np.flatnonzero(not_two))
    c = timed("callable (True excludes; slow)", lambda label: category[label] != 2)
    d = timed("Bitset (set bit excludes)", pyvsag.Bitset(np.flatnonzero(not_two)))
    e = timed("Filter(keep_ids=...)",
              pyvsag.Filter(keep_ids=np.flatnonzero(~not_two), valid_ratio=0.25))
    for ids in (a, b, c, d, e):
        assert (category[ids] == 2).all()
    assert (a == b).all() and (a == d).all() and (a == e).all()

    # Parts of a Filter combine: keep category 2 and exclude a few labels as well.
    banned = a[:, 0]
    f = pyvsag.Filter(keep_mask=category == 2, exclude_ids=banned)
    ids, _ = index.knn_search(queries, 10, search, filter=f)
    assert (category[ids] == 2).all() and not np.isin(ids, banned).any()
    print("combined keep_mask + exclude_ids: ok")


if __name__ == "__main__":
    main()
