"""A brute_force index: exact search, range search, distances by id, cosine metric.

    PYTHONPATH=python /usr/bin/python3 examples/python/brute_force.py
"""

import json

import numpy as np
import pyvsag


def main() -> None:
    rng = np.random.default_rng(7)
    dim, num_elements = 32, 3000
    data = rng.standard_normal((num_elements, dim)).astype(np.float32)
    ids = np.arange(num_elements, dtype=np.int64) * 10  # labels need not be dense

    params = {"dtype": "float32", "metric_type": "l2", "dim": dim,
              "index_param": {"base_quantization_type": "fp32"}}
    with pyvsag.Index("brute_force", json.dumps(params)) as index:
        index.build(data, ids, num_elements, dim)
        query = rng.standard_normal(dim).astype(np.float32)

        result_ids, result_dists = index.knn_search(query, 5, "{}")
        exact = np.argsort(((data - query) ** 2).sum(1))[:5] * 10
        print("[knn] ", result_ids, result_dists)
        assert (result_ids == exact).all(), "brute force is exact"

        # Every vector within a radius (squared L2), at most 20 of them.
        radius = float(result_dists[-1]) * 1.5
        r_ids, r_dists = index.range_search(query, radius, "{}", limited_size=20)
        print(f"[range] {len(r_ids)} within {radius:.1f}")
        assert (r_dists <= radius).all() and set(result_ids) <= set(r_ids)

        # Distances to chosen labels; -1 marks a label that is not in the index.
        print("[by id]", index.calc_distances_by_id(query, [result_ids[0], 7]))

    # Cosine: vectors are normalised; the distance is 1 - cos.
    params["metric_type"] = "cosine"
    index = pyvsag.Index("brute_force", json.dumps(params))
    index.build(data, ids)
    ids_cos, d_cos = index.knn_search(data[3] * 5.0, 3, "{}")
    print("[cosine]", ids_cos, d_cos)
    assert ids_cos[0] == 30 and abs(d_cos[0]) < 1e-5


if __name__ == "__main__":
    main()
