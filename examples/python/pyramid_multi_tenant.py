"""pyramid: one index for many tenants. Every vector carries its tenant's path
("tenant/shop"); a query names its tenant's path and searches that tenant's own graph, so it
never sees another tenant's vectors and costs what a search of that tenant alone would. A
second hierarchy partitions the same vectors by category; a query can join both."""

import json

import numpy as np

import pyvsag

rng = np.random.default_rng(0)
dim, n, tenants = 32, 6000, 50
data = rng.random((n, dim), dtype=np.float32)
ids = np.arange(n, dtype=np.int64)
# skewed tenant sizes: tenant t holds about 1/(t+1) of the rows
weights = 1 / np.arange(1, tenants + 1)
tenant = rng.choice(tenants, size=n, p=weights / weights.sum())
shops = [f"tenant{t}/shop{i % 3}" for i, t in enumerate(tenant)]
categories = [f"cat{i % 4}" for i in range(n)]

index = pyvsag.Index("pyramid", json.dumps({
    "dtype": "float32", "metric_type": "l2", "dim": dim,
    "index_param": {"max_degree": 16, "ef_construction": 100, "index_min_size": 32,
                    "hierarchies": ["shop", "category"]}}))
index.build(data, ids, paths={"shop": shops, "category": categories})

query = data[7] + 0.01
params = {"pyramid": {"ef_search": 64}}
mine = f"tenant{tenant[7]}"
res = index.search(query, k=5, parameters=params, path={"shop": mine})
print(f"{mine} ({(tenant == tenant[7]).sum()} vectors):", res.ids.tolist())
assert all(tenant[i] == tenant[7] for i in res.ids), "a tenant sees only its own vectors"

# one shop of the tenant, and the tenant's vectors of one category
print("one shop:", index.search(query, k=5, parameters=params, path={"shop": shops[7]}).ids.tolist())
both = {"pyramid": {"ef_search": 64, "hierarchy_op": "intersection"}}
res = index.search(query, k=5, parameters=both, path={"shop": mine, "category": "cat3"})
print("tenant and cat3:", res.ids.tolist())
assert all(tenant[i] == tenant[7] and i % 4 == 3 for i in res.ids)

# new vectors go to their tenant's graph; the index saves and loads with its trees
index.add(data[:2] + 0.5, [n, n + 1], paths={"shop": ["tenant999/shop0"] * 2, "category": ["cat0"] * 2})
print("new tenant:", index.search(query, k=5, parameters=params, path={"shop": "tenant999"}).ids.tolist())
