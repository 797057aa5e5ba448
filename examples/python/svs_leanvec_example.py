"""SVS's LeanVec example, run through pyvsag.svs: code written for Intel SVS's `svs` module
works by changing its import to `import pyvsag.svs as svs`.

The flow is SVS's documented one (1 000 x 256 Gaussian vectors, 100 queries, maximum inner
product, LeanVec to 128 dimensions with LVQ-8 primary and float16 secondary codes, a Vamana
graph, search buffer 30/60, k = 10), for which SVS reports recall 0.86. The data set goes to a
temporary directory instead of "./example_data_vamana" so the example leaves nothing behind.
"""

# [imports]
import os
import tempfile

import pyvsag.svs as svs
# [imports]


def run(test_data_dir):
    # [generate-dataset]
    # Create a test dataset: data.fvecs, queries.fvecs and groundtruth.ivecs.
    svs.generate_test_dataset(
        1000,                       # Create 1000 vectors in the dataset.
        100,                        # Generate 100 query vectors.
        256,                        # Set the vector dimensionality to 256.
        test_data_dir,              # The directory where results will be generated.
        data_seed=1234,             # Random number seed for reproducibility.
        query_seed=5678,            # Random number seed for reproducibility.
        num_threads=4,              # Number of threads to use.
        distance=svs.DistanceType.MIP,   # The distance type to use.
    )
    # [generate-dataset]

    # [create-loader]
    # A loader for the uncompressed data...
    uncompressed_loader = svs.VectorDataLoader(
        os.path.join(test_data_dir, "data.fvecs"),
        svs.DataType.float32
    )

    # ...and a LeanVec loader over it: reduce to 128 dimensions, LVQ-8 for the reduced
    # (primary) vectors, float16 for the full (secondary) vectors.
    leanvec_loader = svs.LeanVecLoader(
        uncompressed_loader,
        128,                                       # The reduced number of dimensions.
        primary_kind=svs.LeanVecKind.lvq8,         # The encoding of the primary dataset.
        secondary_kind=svs.LeanVecKind.float16,    # The encoding of the secondary dataset.
    )
    # [create-loader]

    # [build-and-search-index]
    # Alpha below 1 since the distance is the inner product.
    parameters = svs.VamanaBuildParameters(
        alpha=0.95,
        graph_max_degree=64,
        prune_to=60,
        window_size=128,
    )

    index = svs.Vamana.build(
        parameters,
        leanvec_loader,
        svs.DistanceType.MIP,
        num_threads=4,
    )

    # Load queries and ground truth.
    queries = svs.read_vecs(os.path.join(test_data_dir, "queries.fvecs"))
    groundtruth = svs.read_vecs(os.path.join(test_data_dir, "groundtruth.ivecs"))

    # Set the search buffer (window 30, capacity 60) and search.
    p = index.search_parameters
    p.buffer_config = svs.SearchBufferConfig(30, 60)
    index.search_parameters = p
    I, D = index.search(queries, 10)

    # Compare with the ground truth.
    recall = svs.k_recall_at(groundtruth, I, 10, 10)
    print(f"Recall = {recall}")
    # [build-and-search-index]
    return recall


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        recall = run(os.path.join(d, "example_data_vamana"))
    # SVS reports 0.86 for this example.
    assert abs(recall - 0.86) <= 0.03, f"recall {recall} is not within 0.86 +- 0.03"
