"""Index.search: one request with a knn or range search, filters ANDed, and the fate of labels
you expected to see (found, filtered, beyond_k, not_reached, absent)."""

import json

import numpy as np

import pyvsag

rng = np.random.default_rng(0)
dim, n = 32, 5000
data = rng.random((n, dim), dtype=np.float32)
ids = np.arange(n, dtype=np.int64)
attributes = [{"shop": int(i % 10), "price": float(i % 97)} for i in range(n)]

index = pyvsag.Index("hgraph", json.dumps({
    "dtype": "float32", "metric_type": "l2", "dim": dim,
    "index_param": {"base_quantization_type": "fp32", "max_degree": 16, "ef_construction": 100}}))
index.build(data, ids, attributes=attributes)

query = data[42] + 0.01
# the exact ten nearest labels that pass the expression, to ask the search about them
exact = np.argsort(((data - query) ** 2).sum(-1))
wanted = [int(i) for i in exact if i % 10 < 5][:10]

res = index.search(query, k=10, parameters={"hgraph": {"ef_search": 20}},
                   filter_expr="shop < 5", filter=[wanted[0]], expected_labels=wanted)
print("ids:", res.ids.tolist())
for e in res.expected:
    print(f"  label {e.label}: {e.reason} (distance {e.distance:.4f})")
assert res.expected[0].reason == pyvsag.Reason.FILTERED  # we excluded it ourselves

# a range search returns every result, however many (the buffers grow as needed)
within = index.search(query, radius=float(((data[exact[49]] - query) ** 2).sum()),
                      parameters={"hgraph": {"ef_search": 200}})
print(f"range: {within.ids.size} results within the 50th distance")
