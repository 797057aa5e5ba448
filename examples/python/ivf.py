"""IVF: train the buckets on generated data, search a few buckets or all of them, name the
buckets of one search, save and load, and merge shards filled from the exported model.

    PYTHONPATH=python /usr/bin/python3 examples/python/ivf.py
"""

import json
import os
import tempfile

import numpy as np
import pyvsag


def recall(got: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(g) & set(t)) / len(t) for g, t in zip(got, truth)]))


def main() -> None:
    rs = np.random.RandomState(7)
    n, dim, buckets = 5000, 32, 32
    centres = rs.normal(0, 4, size=(buckets, dim))
    data = (centres[rs.randint(0, buckets, n)] + rs.normal(0, 1, size=(n, dim))).astype(np.float32)
    queries = (centres[rs.randint(0, buckets, 50)] + rs.normal(0, 1, size=(50, dim))).astype(
        np.float32)
    ids = np.arange(n, dtype=np.int64)
    d = ((queries[:, None, :] - data[None, :, :]) ** 2).sum(-1)
    truth = np.argsort(d, axis=1)[:, :10]

    params = json.dumps({"dtype": "float32", "metric_type": "l2", "dim": dim,
                         "index_param": {"buckets_count": buckets,
                                         "base_quantization_type": "sq8",
                                         "use_reorder": True,
                                         "precise_quantization_type": "fp32"}})
    index = pyvsag.Index("ivf", params)
    index.train(data[:2000])  # k-means centroids and the sq8 ranges
    index.add(data, ids)
    for scan in (1, 4, buckets):
        got, _ = index.knn_search(queries, 10, {"ivf": {"scan_buckets_count": scan}})
        print(f"scan_buckets_count={scan:2d}: recall@10 {recall(got, truth):.3f}")

    # one search over named buckets only
    r = index.search(queries[0], k=5, parameters={"ivf": {"scan_buckets_count": 1}},
                     bucket_ids=[0, 1, 2])
    print("buckets 0-2:", r.ids.tolist())

    search = {"ivf": {"scan_buckets_count": 8}}
    want, _ = index.knn_search(queries, 10, search)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ivf.vsag")
        index.save(path)
        loaded = pyvsag.Index.load_file(path)
        assert (loaded.knn_search(queries, 10, search)[0] == want).all()
        print(f"saved and loaded {os.path.getsize(path)} bytes, {len(loaded)} vectors")

    # the trained model, empty: fill two copies, then merge them (the second one's labels
    # renamed through an id map)
    model = index.export_model()
    shard_a, shard_b = model.clone(), model.clone()
    shard_a.add(data[: n // 2], ids[: n // 2])
    shard_b.add(data[n // 2:], ids[n // 2:] + 1_000_000)
    merged = model.clone()
    failed = merged.merge([shard_a, (shard_b, (ids[n // 2:] + 1_000_000, ids[n // 2:]))])
    assert failed.size == 0 and len(merged) == n
    assert (merged.knn_search(queries, 10, search)[0] == want).all()
    print(f"merged two shards of the exported model: {len(merged)} vectors, same answers")


if __name__ == "__main__":
    main()
