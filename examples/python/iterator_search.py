"""Iterator search: pull results page by page until an external check is satisfied.

A session keeps the state of one search between pages (hgraph keeps its visited nodes and
candidates, so later pages continue the walk instead of restarting it); every page holds the
next neighbours not returned before. Useful for post-filtering with a rule the library cannot
evaluate, or for pagination when the number of results needed is not known up front.

    PYTHONPATH=python /usr/bin/python3 examples/python/iterator_search.py
"""

import itertools
import json

import numpy as np
import pyvsag


def main() -> None:
    rng = np.random.default_rng(5)
    dim, num_elements = 32, 5000
    data = rng.random((num_elements, dim), dtype=np.float32)
    price = rng.integers(1, 100, num_elements)  # data the index does not hold
    query = rng.random(dim, dtype=np.float32)

    params = json.dumps({"dtype": "float32", "metric_type": "l2", "dim": dim,
                         "index_param": {"base_quantization_type": "fp32", "max_degree": 16,
                                         "ef_construction": 100}})
    index = pyvsag.Index("hgraph", params)
    index.build(data, np.arange(num_elements))
    assert index.check_feature(pyvsag.Feature.SUPPORT_KNN_ITERATOR_FILTER_SEARCH)

    # Keep pulling pages of 20 until 30 results cost under 10, skipping label 0 in the library.
    wanted, kept, pages = 30, [], 0
    with index.search_iterator(query, 20, {"hgraph": {"ef_search": 40}}, filter=[0]) as it:
        for ids, dists in it:
            pages += 1
            kept.extend(int(i) for i in ids if price[i] < 10)
            if len(kept) >= wanted:
                break
    kept = kept[:wanted]
    print(f"{len(kept)} cheap neighbours after {pages} pages: {kept[:8]} ...")

    # The same, one call per page of any size, with the optional final drain of the
    # candidates the session found but did not return yet.
    it = index.search_iterator(query, 10, {"hgraph": {"ef_search": 40}})
    first_ids, first_d = it.next_page(5)
    more_ids, more_d = it.next_page(15)
    tail_ids, _ = it.drain(100)
    assert not set(first_ids) & set(more_ids) and not set(tail_ids) & set(more_ids)
    print(f"pages of 5 and 15 (last distance {more_d[-1]:.3f}), then {tail_ids.size} drained")
    assert first_d[-1] <= more_d[-1]

    # brute_force sessions are exact: page after page the distances never decrease.
    flat = pyvsag.Index("brute_force", json.dumps({"dtype": "float32", "metric_type": "l2",
                                                   "dim": dim}))
    flat.build(data, np.arange(num_elements))
    exact_ids, _ = flat.knn_search(query, 40)
    with flat.search_iterator(query, 10) as pages_of_10:
        paged = np.concatenate([ids for ids, _ in itertools.islice(pages_of_10, 4)])
    assert np.array_equal(paged, exact_ids)
    print("brute_force: four pages of 10 equal the exact top 40")


if __name__ == "__main__":
    main()
