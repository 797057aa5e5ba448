"""An hgraph index: build, single and batch search, recall against exact search, add, remove.

    PYTHONPATH=python /usr/bin/python3 examples/python/hgraph.py
"""

import json
import time

import numpy as np
import pyvsag


def main() -> None:
    rng = np.random.default_rng(42)
    dim, num_elements, num_queries, k = 64, 5000, 200, 10
    data = rng.random((num_elements, dim), dtype=np.float32)
    queries = rng.random((num_queries, dim), dtype=np.float32)

    index_params = json.dumps({
        "dtype": "float32",
        "metric_type": "l2",
        "dim": dim,
        "index_param": {"base_quantization_type": "fp32", "max_degree": 24,
                        "ef_construction": 200},
    })
    index = pyvsag.Index("hgraph", index_params)
    start = time.perf_counter()
    index.build(vectors=data, ids=range(num_elements), num_elements=num_elements, dim=dim)
    print(f"[build] {index} in {time.perf_counter() - start:.2f} s")

    search_params = {"hgraph": {"ef_search": 100}}
    ids, dists = index.knn_search(vector=queries[0], k=k, parameters=json.dumps(search_params))
    print("[search] one query:", ids)

    # A 2-D array is a batch: one call, all cores, (num_queries, k) results.
    start = time.perf_counter()
    batch_ids, batch_dists = index.knn_search(queries, k, search_params)
    elapsed = time.perf_counter() - start
    print(f"[search] {num_queries} queries in {elapsed * 1e3:.1f} ms "
          f"({num_queries / elapsed:.0f} QPS)")
    assert (batch_ids[0] == ids).all()

    d2 = (queries ** 2).sum(1)[:, None] - 2 * queries @ data.T + (data ** 2).sum(1)[None, :]
    exact = np.argsort(d2, axis=1)[:, :k]
    recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(batch_ids.tolist(),
                                                                  exact.tolist())])
    print(f"[search] recall@{k} = {recall:.3f}")
    assert recall >= 0.9

    # Incremental add and remove.
    extra = rng.random((100, dim), dtype=np.float32)
    failed = index.add(extra, np.arange(num_elements, num_elements + 100))
    assert failed.size == 0
    removed = index.remove(np.array([0, 1, 2], dtype=np.int64))
    print(f"[update] added 100, removed {removed}: {index.get_num_elements()} elements, "
          f"ids {index.get_min_max_id()}, {index.get_memory_usage() / 1e6:.1f} MB")
    assert removed == 3 and not index.check_id_exist(1) and index.check_id_exist(num_elements)
    ids, _ = index.knn_search(extra[7], 1, search_params)
    assert ids[0] == num_elements + 7


if __name__ == "__main__":
    main()
