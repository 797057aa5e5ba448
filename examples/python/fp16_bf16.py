"""Half-precision indexes: float16 vectors, and bfloat16 vectors passed as raw uint16 bits.

    PYTHONPATH=python /usr/bin/python3 examples/python/fp16_bf16.py
"""

import json

import numpy as np
import pyvsag


def run(dtype: str, quantization: str, convert) -> None:
    rng = np.random.default_rng(3)
    dim, num_elements = 64, 3000
    data = rng.random((num_elements, dim), dtype=np.float32)
    queries = rng.random((50, dim), dtype=np.float32)
    params = json.dumps({"dtype": dtype, "metric_type": "l2", "dim": dim,
                         "index_param": {"base_quantization_type": quantization,
                                         "max_degree": 26, "ef_construction": 100}})
    index = pyvsag.Index("hgraph", params)
    half = num_elements // 2
    index.build(convert(data[:half]), np.arange(half), half, dim)          # 2-D input
    index.add(convert(data[half:]).reshape(-1), np.arange(half, num_elements),
              num_elements - half, dim)                                      # flat input
    search = json.dumps({"hgraph": {"ef_search": 100}})
    ids, dists = index.knn_search(convert(queries), 10, search)
    exact = np.argsort(((queries[:, None, :] - data[None]) ** 2).sum(-1), axis=1)[:, :10]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids.tolist(), exact.tolist())])
    r_ids, r_dists = index.range_search(convert(queries[0]), float(dists[0, 4]), search)
    print(f"[{dtype}] {index.get_num_elements()} vectors, recall@10 {recall:.3f}, "
          f"{len(r_ids)} within the 5th distance")
    assert recall >= 0.85 and len(r_ids) >= 4

    try:  # a float32 array is not silently narrowed: the dtype must match the index
        index.knn_search(queries[0], 10, search)
    except ValueError as err:
        print(f"[{dtype}] wrong dtype rejected: {err}")
    else:
        raise AssertionError("a float32 query was accepted by a half-precision index")


def main() -> None:
    run("float16", "fp16", lambda a: a.astype(np.float16))
    run("bfloat16", "bf16", pyvsag.float32_to_bfloat16)


if __name__ == "__main__":
    main()
