"""Persistence: save/load into a matching index (VSAG style), Index.load_file from the file
alone, bytes, pickle, and errors that raise.

    PYTHONPATH=python /usr/bin/python3 examples/python/save_load.py
"""

import json
import os
import pickle
import tempfile

import numpy as np
import pyvsag


def main() -> None:
    rng = np.random.default_rng(5)
    dim = 32
    data = rng.random((2000, dim), dtype=np.float32)
    queries = rng.random((20, dim), dtype=np.float32)
    params = json.dumps({"dtype": "float32", "metric_type": "ip", "dim": dim,
                         "index_param": {"base_quantization_type": "fp32", "max_degree": 16,
                                         "ef_construction": 100}})
    search = json.dumps({"hgraph": {"ef_search": 80}})

    index = pyvsag.Index("hgraph", params)
    index.build(data, np.arange(len(data)))
    want, _ = index.knn_search(queries, 10, search)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "hgraph.vsag")
        index.save(path)  # atomic: a temporary file renamed into place
        print(f"saved {os.path.getsize(path)} bytes")

        same = pyvsag.Index("hgraph", params)  # VSAG style: matching parameters
        same.load(path)
        assert (same.knn_search(queries, 10, search)[0] == want).all()

        loaded = pyvsag.Index.load_file(path)  # parameters come from the file
        print("load_file:", loaded, json.loads(loaded.parameters)["metric_type"])
        assert (loaded.knn_search(queries, 10, search)[0] == want).all()

        try:
            pyvsag.Index("hgraph", params).load(os.path.join(tmp, "missing.vsag"))
        except pyvsag.MissingFileError as err:
            print("missing file:", err)
        with open(path, "r+b") as f:  # damage the file
            f.seek(os.path.getsize(path) // 2)
            f.write(b"\xff" * 16)
        try:
            pyvsag.Index.load_file(path)
        except pyvsag.VsagError as err:
            print(f"damaged file: {err.code.name}")
        else:
            raise AssertionError("a damaged file loaded")

    blob = index.serialize()
    assert (pyvsag.Index.from_bytes(blob).knn_search(queries, 10, search)[0] == want).all()
    copy = pickle.loads(pickle.dumps(index))
    assert (copy.knn_search(queries, 10, search)[0] == want).all()
    print(f"bytes and pickle round trips: ok ({len(blob)} bytes)")


if __name__ == "__main__":
    main()
