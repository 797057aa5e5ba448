"""Attribute filtering: store attributes with the vectors, then search with a filter expression."""

import numpy as np

import pyvsag

dim, n = 32, 2000
rng = np.random.default_rng(0)
vectors = rng.random((n, dim), dtype=np.float32)
ids = np.arange(n)
colors = ["red", "green", "blue"]
attributes = [{"color": colors[i % 3], "price": int(i % 100), "tags": [f"t{i % 4}", "all"]}
              for i in range(n)]

index = pyvsag.Index("hgraph", {"dtype": "float32", "metric_type": "l2", "dim": dim,
                                "index_param": {"base_quantization_type": "fp32",
                                                "max_degree": 16, "ef_construction": 100}})
index.build(vectors, ids, attributes=attributes)

expr = 'color = "red" AND price < 30 AND tags IN ["t1", "t2"]'
labels, dists = index.knn_search(vectors[:3], 5, {"hgraph": {"ef_search": 100}}, filter_expr=expr)
for row in labels:
    for label in row:
        a = attributes[label]
        assert a["color"] == "red" and a["price"] < 30 and a["tags"][0] in ("t1", "t2"), a
print("filtered neighbours:", labels.tolist())
print("attributes of the first:", index.get_attributes_by_ids(labels[0][:1]))

# combined with an id filter: a label must pass both
labels2, _ = index.knn_search(vectors[0], 5, {"hgraph": {"ef_search": 100}},
                              filter=labels[0][:2], filter_expr=expr)
assert not set(labels2.tolist()) & set(labels[0][:2].tolist())
print("without the two best:", labels2.tolist())
