"""pyvsag.svs: Intel SVS's Python interface over libvsag.so.

Code written for SVS's ``svs`` module runs by changing one import::

    import pyvsag.svs as svs

    svs.generate_test_dataset(1000, 100, 256, "data", data_seed=1234, query_seed=5678,
                              num_threads=4, distance=svs.DistanceType.MIP)
    loader = svs.LeanVecLoader(svs.VectorDataLoader("data/data.fvecs", svs.DataType.float32),
                               128, primary_kind=svs.LeanVecKind.lvq8,
                               secondary_kind=svs.LeanVecKind.float16)
    parameters = svs.VamanaBuildParameters(alpha=0.95, graph_max_degree=64, prune_to=60,
                                           window_size=128)
    index = svs.Vamana.build(parameters, loader, svs.DistanceType.MIP, num_threads=4)
    p = index.search_parameters
    p.buffer_config = svs.SearchBufferConfig(30, 60)
    index.search_parameters = p
    I, D = index.search(svs.read_vecs("data/queries.fvecs"), 10)

The indexes are VSAG's: :class:`Vamana` is hgraph with ``graph_type: "vamana"`` (the loaders
choose ``base_quantization_type``: fp32/fp16, the LVQ types or leanvec), :class:`Flat` is
brute_force. Results follow SVS's conventions: ids are uint64 row numbers of the data; for
MIP and Cosine the distances are similarities (larger is better).

LeanVec-OOD: ``B, A = svs.compute_leanvec_matrices(X, Q, d)`` learns the data and query
matrices from sample queries, and ``svs.LeanVecLoader(loader, d, data_matrix=B,
query_matrix=A)`` builds with them (saved with the index).

Not available: reloading data sets saved by SVS, and dynamic and IVF indexes.
"""

from ._common import (
    Cosine,
    DataType,
    DistanceType,
    L2,
    MIP,
    exact_neighbors,
    generate_test_dataset,
    k_recall_at,
    np_to_svs,
    random_dataset,
    read_npy,
    read_svs,
    read_vecs,
    write_vecs,
)
from ._loaders import (
    Auto,
    GraphLoader,
    LeanVecKind,
    LeanVecLoader,
    LVQ4,
    LVQ4x4,
    LVQ4x8,
    LVQ8,
    LVQ8x8,
    LVQLoader,
    LVQStrategy,
    Sequential,
    Turbo,
    VectorDataLoader,
)
from ._vamana import (
    Flat,
    SearchBufferConfig,
    Vamana,
    VamanaBuildParameters,
    VamanaSearchParameters,
)
from .leanvec import compute_leanvec_matrices

# SVS's data type enumerators are also module attributes (svs.float32, ...).
uint8 = DataType.uint8
uint16 = DataType.uint16
uint32 = DataType.uint32
uint64 = DataType.uint64
int8 = DataType.int8
int16 = DataType.int16
int32 = DataType.int32
int64 = DataType.int64
float16 = DataType.float16
float32 = DataType.float32
float64 = DataType.float64

__all__ = [
    "DistanceType", "DataType", "L2", "MIP", "Cosine",
    "VectorDataLoader", "GraphLoader", "LVQLoader", "LVQStrategy", "Auto", "Sequential",
    "Turbo", "LVQ4", "LVQ8", "LVQ4x4", "LVQ4x8", "LVQ8x8", "LeanVecKind", "LeanVecLoader",
    "VamanaBuildParameters", "VamanaSearchParameters", "SearchBufferConfig", "Vamana", "Flat",
    "compute_leanvec_matrices", "read_vecs", "write_vecs", "read_npy", "read_svs",
    "k_recall_at", "generate_test_dataset", "random_dataset", "exact_neighbors", "np_to_svs",
    "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float16",
    "float32", "float64",
]
