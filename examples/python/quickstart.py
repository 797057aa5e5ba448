"""The Python quick start of the VSAG documentation, unchanged, then a check of its answers.

Run from the repository root after `make build`:
    PYTHONPATH=python /usr/bin/python3 examples/python/quickstart.py
"""

import os
import tempfile

os.chdir(tempfile.mkdtemp(prefix="pyvsag-quickstart-"))  # index.bin is written here

# ---- the documentation's "Quick Start", unchanged ----------------------------------------------
import json
import numpy as np
import pyvsag

dim = 128
num_elements = 10_000

data = np.random.random((num_elements, dim)).astype(np.float32)
ids = np.arange(num_elements, dtype=np.int64)

index_params = json.dumps({
    "dtype": "float32",
    "metric_type": "l2",
    "dim": dim,
    "index_param": {
        "base_quantization_type": "fp32",
        "max_degree": 32,
        "ef_construction": 300,
    },
})

index = pyvsag.Index("hgraph", index_params)
index.build(vectors=data, ids=ids, num_elements=num_elements, dim=dim)

query = np.random.random(dim).astype(np.float32)
search_params = json.dumps({"hgraph": {"ef_search": 60}})
result_ids, result_dists = index.knn_search(
    vector=query, k=10, parameters=search_params,
)
print(result_ids, result_dists)

# ---- the documentation's "Saving & Loading", unchanged -----------------------------------------
index.save("index.bin")

new_index = pyvsag.Index("hgraph", index_params)
new_index.load("index.bin")

# ---- check: the neighbours are the right ones, before and after loading ------------------------
# Uniform random 128-d data is the hardest case for a graph index: at ef_search 60 the exact
# top 10 is only partly found (hnswlib finds less), but every answer must be a true near
# neighbour with its true distance, and more ef_search must find the exact top 10.
order = np.argsort(((data - query) ** 2).sum(axis=1))
assert set(result_ids.tolist()) <= set(order[:100].tolist()), "answers outside the exact top 1%"
np.testing.assert_allclose(result_dists, ((data[result_ids] - query) ** 2).sum(axis=1), rtol=1e-4)
assert (np.diff(result_dists) >= 0).all()
found = len(set(result_ids.tolist()) & set(order[:10].tolist()))
print(f"recall@10 of this query at ef_search 60: {found / 10:.1f}")

queries = np.random.random((200, dim)).astype(np.float32)
exact = np.argsort((queries ** 2).sum(1)[:, None] - 2 * queries @ data.T
                   + (data ** 2).sum(1)[None, :], axis=1)[:, :10]
for ef, floor in ((60, 0.6), (400, 0.97)):
    got, _ = index.knn_search(queries, 10, json.dumps({"hgraph": {"ef_search": ef}}))
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got.tolist(), exact.tolist())])
    print(f"mean recall@10 over 200 queries at ef_search {ef}: {recall:.3f}")
    assert recall >= floor

loaded_ids, loaded_dists = new_index.knn_search(vector=query, k=10, parameters=search_params)
assert (loaded_ids == result_ids).all() and (loaded_dists == result_dists).all()
print("the loaded index returns the same neighbours")
