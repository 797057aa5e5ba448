"""Tests of pyvsag.svs, the SVS-style interface: *vecs files, loaders, recall, test data,
Vamana and Flat (result conventions, search settings, persistence) and LeanVec matrices."""

from __future__ import annotations

import importlib.util
import os
import struct

import numpy as np
import pytest

import pyvsag.svs as svs

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# ---- *vecs files ---------------------------------------------------------------------------

@pytest.mark.parametrize("ext,dtype", [(".fvecs", np.float32), (".ivecs", np.uint32),
                                       (".bvecs", np.uint8), (".hvecs", np.float16)])
def test_vecs_round_trip(tmp_path, ext, dtype):
    rng = np.random.default_rng(3)
    x = (rng.normal(size=(7, 5)) * 50).astype(dtype) if np.dtype(dtype).kind == "f" else \
        rng.integers(0, 200, size=(7, 5)).astype(dtype)
    path = str(tmp_path / ("a" + ext))
    svs.write_vecs(x, path)
    raw = open(path, "rb").read()
    itemsize = np.dtype(dtype).itemsize
    assert len(raw) == 7 * (4 + 5 * itemsize)
    # Each row: little-endian int32 dimension, then the elements.
    assert struct.unpack_from("<i", raw, 0)[0] == 5
    assert struct.unpack_from("<i", raw, 4 + 5 * itemsize)[0] == 5
    assert raw[4:4 + 5 * itemsize] == x[0].astype(np.dtype(dtype).newbyteorder("<")).tobytes()
    y = svs.read_vecs(path)
    assert y.dtype == dtype and y.shape == (7, 5) and y.flags.c_contiguous
    np.testing.assert_array_equal(x, y)


def test_write_vecs_checks_extension(tmp_path):
    x = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(RuntimeError, match=".fvecs"):
        svs.write_vecs(x, str(tmp_path / "a.ivecs"))
    with pytest.raises(RuntimeError, match="unsupported"):
        svs.write_vecs(x.astype(np.float64), str(tmp_path / "a.fvecs"))
    with pytest.raises(ValueError):
        svs.write_vecs(np.zeros(3, np.float32), str(tmp_path / "a.fvecs"))
    # skip_check writes the array's own elements whatever the name.
    svs.write_vecs(np.arange(6, dtype=np.uint32).reshape(2, 3), str(tmp_path / "b.fvecs"),
                   skip_check=True)
    np.testing.assert_array_equal(svs.read_vecs(str(tmp_path / "b.fvecs")).view(np.uint32),
                                  np.arange(6).reshape(2, 3))


def test_read_vecs_rejects_bad_files(tmp_path):
    with pytest.raises(ValueError, match="fvecs"):
        svs.read_vecs(str(tmp_path / "a.txt"))
    bad = tmp_path / "t.fvecs"
    bad.write_bytes(struct.pack("<i", 3) + b"\0" * 10)  # 14 bytes: not whole rows of 16
    with pytest.raises(ValueError, match="whole number"):
        svs.read_vecs(str(bad))
    mixed = tmp_path / "m.fvecs"
    mixed.write_bytes(struct.pack("<i", 1) + b"\0" * 4 + struct.pack("<i", 2) + b"\0" * 4 * 2
                      + struct.pack("<i", 1))  # 24 bytes = 3 rows of 8 under dim 1, but dim 2
    with pytest.raises(ValueError):
        svs.read_vecs(str(mixed))
    empty = tmp_path / "e.ivecs"
    empty.write_bytes(b"")
    assert svs.read_vecs(str(empty)).shape == (0, 0)


# ---- loaders -------------------------------------------------------------------------------

def test_vector_data_loader(tmp_path):
    x = np.random.default_rng(1).normal(size=(10, 4)).astype(np.float32)
    svs.write_vecs(x, str(tmp_path / "d.fvecs"))
    loader = svs.VectorDataLoader(str(tmp_path / "d.fvecs"), svs.DataType.float32)
    np.testing.assert_array_equal(loader.load(), x)
    assert loader.filepath.endswith("d.fvecs") and loader.data_type is svs.DataType.float32
    with pytest.raises(ValueError, match="float16"):
        svs.VectorDataLoader(str(tmp_path / "d.fvecs"), svs.DataType.float16).load()
    with pytest.raises(ValueError, match="expected 5"):
        svs.VectorDataLoader(str(tmp_path / "d.fvecs"), svs.DataType.float32, dims=5).load()
    # The .bin layout: uint32 rows, uint32 dimension, then the rows.
    with open(tmp_path / "d.bin", "wb") as f:
        f.write(struct.pack("<II", 10, 4) + x.tobytes())
    np.testing.assert_array_equal(
        svs.VectorDataLoader(str(tmp_path / "d.bin"), svs.DataType.float32).load(), x)
    with pytest.raises(ValueError, match="data_type"):
        svs.VectorDataLoader(str(tmp_path / "d.bin")).load()
    with pytest.raises(NotImplementedError):
        svs.VectorDataLoader(str(tmp_path), svs.DataType.float32).load()


def test_lvq_and_leanvec_loaders(tmp_path):
    src = svs.VectorDataLoader(str(tmp_path / "d.fvecs"), svs.DataType.float32)
    cases = [((8, 0), "lvq8"), ((4, 0), "lvq4"), ((4, 4), "lvq4x4"), ((4, 8), "lvq4x8"),
             ((8, 8), "lvq8x8")]
    for (p, r), name in cases:
        lvq = svs.LVQLoader(src, p, r)
        assert (lvq.primary_bits, lvq.residual_bits) == (p, r)
        assert lvq.index_param(np.dtype(np.float32)) == {"base_quantization_type": name}
    assert svs.LVQ4x8(src).quantization == "lvq4x8"
    assert isinstance(svs.LVQ8(src, 32), svs.LVQLoader)
    with pytest.raises(ValueError, match="8 primary and 4 residual"):
        svs.LVQLoader(src, 8, 4)
    with pytest.raises(TypeError):
        svs.LVQLoader(np.zeros((2, 2), np.float32), 8)

    lv = svs.LeanVecLoader(src, 64, primary_kind=svs.LeanVecKind.lvq4,
                           secondary_kind=svs.LeanVecKind.float16)
    assert lv.index_param(np.dtype(np.float32)) == {
        "base_quantization_type": "leanvec", "leanvec_dims": 64, "leanvec_primary": "lvq4",
        "leanvec_secondary": "fp16", "leanvec_training": "pca"}
    assert svs.LeanVecLoader(src, 8).secondary_kind is svs.LeanVecKind.lvq8  # SVS's default
    with pytest.raises(NotImplementedError, match="secondary_kind lvq4"):
        svs.LeanVecLoader(src, 8, secondary_kind=svs.LeanVecKind.lvq4)
    m = np.eye(16, 8, dtype=np.float32)
    with pytest.raises(ValueError, match="without data_matrix"):
        svs.LeanVecLoader(src, 8, query_matrix=m)
    # one matrix (or two equal ones) is LeanVec-ID, different ones LeanVec-OOD
    for qm in (None, m.copy()):
        one = svs.LeanVecLoader(src, 8, data_matrix=m, query_matrix=qm)
        assert not one.ood and one.index_param(np.dtype(np.float32))["leanvec_training"] == "pca"
    two = svs.LeanVecLoader(src, 8, data_matrix=m, query_matrix=2 * m)
    assert two.ood and two.index_param(np.dtype(np.float32))["leanvec_training"] == "ood"
    for bad in (m.T, np.zeros((4, 8), np.float32), m[:, :4]):
        with pytest.raises(ValueError, match="shape"):
            svs.LeanVecLoader(src, 8, data_matrix=bad)
    with pytest.raises(ValueError, match="shape"):
        svs.LeanVecLoader(src, 8, data_matrix=m, query_matrix=np.eye(20, 8))
    with pytest.raises(ValueError, match="NaN"):
        svs.LeanVecLoader(src, 8, data_matrix=np.full((16, 8), np.nan, np.float32))
    with pytest.raises(ValueError):
        svs.LeanVecLoader(src, 0)


# ---- recall --------------------------------------------------------------------------------

def test_k_recall_at():
    gt = np.array([[0, 1, 2], [3, 4, 5]], dtype=np.uint32)
    res = np.array([[2, 9, 0, 1], [5, 6, 7, 8]], dtype=np.uint64)
    assert svs.k_recall_at(gt, res, 3, 3) == pytest.approx(3 / 6)  # {0,2} and {5}
    assert svs.k_recall_at(gt, res, 3, 4) == pytest.approx(4 / 6)  # 1 found at position 4
    assert svs.k_recall_at(gt, res, 1, 3) == pytest.approx(1 / 2)  # 0 found, 3 not
    assert svs.k_recall_at(gt, gt, 3, 3) == 1.0
    with pytest.raises(ValueError, match="higher"):
        svs.k_recall_at(gt, res, 4, 3)
    with pytest.raises(ValueError, match="ground truth"):
        svs.k_recall_at(gt, res, 4, 4)
    with pytest.raises(ValueError, match="approximate"):
        svs.k_recall_at(gt, res[:, :2], 2, 3)
    # Missing results (the largest uint64) never count as hits.
    pad = np.full((2, 3), np.iinfo(np.uint64).max, dtype=np.uint64)
    assert svs.k_recall_at(gt, pad, 3, 3) == 0.0


# ---- test data -----------------------------------------------------------------------------

@pytest.mark.parametrize("distance", [svs.DistanceType.L2, svs.DistanceType.MIP])
def test_generate_test_dataset(tmp_path, distance):
    d = str(tmp_path / "gen")
    svs.generate_test_dataset(300, 20, 16, d, data_seed=11, query_seed=12, num_threads=2,
                              num_neighbors=10, distance=distance)
    x = svs.read_vecs(os.path.join(d, "data.fvecs"))
    q = svs.read_vecs(os.path.join(d, "queries.fvecs"))
    gt = svs.read_vecs(os.path.join(d, "groundtruth.ivecs"))
    assert x.shape == (300, 16) and q.shape == (20, 16) and gt.shape == (20, 10)
    np.testing.assert_array_equal(
        x, np.random.RandomState(11).standard_normal((300, 16)).astype(np.float32))
    np.testing.assert_array_equal(
        q, np.random.RandomState(12).standard_normal((20, 16)).astype(np.float32))
    # The ground truth agrees with the library's exact index.
    I, _ = svs.Flat(x, distance).search(q, 10)
    assert svs.k_recall_at(gt, I, 10, 10) == 1.0


# ---- indexes -------------------------------------------------------------------------------

def _data(n=400, dim=24, nq=30, seed=5):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, dim)).astype(np.float32),
            rng.normal(size=(nq, dim)).astype(np.float32))


def _small_params(**kw):
    p = dict(graph_max_degree=16, window_size=40, max_candidate_pool_size=80)
    p.update(kw)
    return svs.VamanaBuildParameters(**p)


@pytest.mark.parametrize("kind", ["flat", "vamana"])
def test_distance_conventions(kind):
    x, q = _data()
    for distance in (svs.DistanceType.L2, svs.DistanceType.MIP, svs.DistanceType.Cosine):
        if kind == "flat":
            index = svs.Flat(x, distance)
        else:
            index = svs.Vamana.build(_small_params(), x, distance, num_threads=2)
            index.search_window_size = 40
        I, D = index.search(q, 5)
        assert I.dtype == np.uint64 and D.dtype == np.float32 and I.shape == D.shape == (30, 5)
        rows = x[I.astype(np.int64)]
        if distance is svs.DistanceType.L2:
            want = ((rows - q[:, None, :]) ** 2).sum(-1)
            assert np.all(np.diff(D, axis=1) >= -1e-4)  # ascending
        elif distance is svs.DistanceType.MIP:
            want = (rows * q[:, None, :]).sum(-1)  # raw inner products, larger is better
            assert np.all(np.diff(D, axis=1) <= 1e-4)
        else:
            want = (rows * q[:, None, :]).sum(-1) / (
                np.linalg.norm(rows, axis=-1) * np.linalg.norm(q, axis=-1)[:, None])
            assert np.all(np.diff(D, axis=1) <= 1e-4)
        np.testing.assert_allclose(D, want, rtol=1e-4, atol=1e-3)
        gt = svs.exact_neighbors(x, q, 5, distance)
        assert svs.k_recall_at(gt, I, 5, 5) >= (1.0 if kind == "flat" else 0.9)


def test_missing_results_are_padded():
    x, q = _data(n=3, dim=8, nq=2)
    I, D = svs.Flat(x, svs.DistanceType.MIP).search(q, 5)
    assert np.all(I[:, 3:] == np.iinfo(np.uint64).max)
    assert np.all(np.isneginf(D[:, 3:]))
    assert sorted(I[0, :3].tolist()) == [0, 1, 2]


def test_search_parameters_round_trip():
    x, q = _data()
    index = svs.Vamana.build(_small_params(), x, svs.DistanceType.L2)
    assert index.search_window_size == 10  # SVS's default window
    p = index.search_parameters
    p.buffer_config = svs.SearchBufferConfig(30, 60)
    assert index.search_parameters.buffer_config == svs.SearchBufferConfig(10, 10)  # a copy
    index.search_parameters = p
    bc = index.search_parameters.buffer_config
    assert (bc.search_window_size, bc.search_buffer_capacity) == (30, 60)
    assert index.search_window_size == 30
    index.search_window_size = 20
    bc = index.search_parameters.buffer_config
    assert (bc.search_window_size, bc.search_buffer_capacity) == (20, 20)
    with pytest.raises(ValueError, match="capacity"):
        svs.SearchBufferConfig(30, 20)
    with pytest.raises(TypeError):
        index.search_parameters = svs.SearchBufferConfig(30)
    # A wider window finds at least as many true neighbours on this data.
    gt = svs.exact_neighbors(x, q, 10)
    index.search_window_size = 10
    narrow = svs.k_recall_at(gt, index.search(q, 10)[0], 10, 10)
    index.search_window_size = 80
    wide = svs.k_recall_at(gt, index.search(q, 10)[0], 10, 10)
    assert wide >= narrow and wide >= 0.95
    # k larger than the window and the capacity still gives k results.
    index.search_parameters = svs.VamanaSearchParameters(svs.SearchBufferConfig(5, 8))
    I, _ = index.search(q, 20)
    assert I.shape == (30, 20) and np.all(I < len(x))


def test_build_inputs_and_errors(tmp_path):
    x, q = _data()
    svs.write_vecs(x, str(tmp_path / "x.fvecs"))
    gt = svs.exact_neighbors(x, q, 10)
    for data in (svs.VectorDataLoader(str(tmp_path / "x.fvecs"), svs.DataType.float32),
                 x.astype(np.float16),
                 svs.LVQLoader(svs.VectorDataLoader(str(tmp_path / "x.fvecs")), 8),
                 svs.LVQLoader(svs.VectorDataLoader(str(tmp_path / "x.fvecs")), 4, 8)):
        index = svs.Vamana.build(_small_params(alpha=1.2), data, svs.DistanceType.L2)
        assert (index.size, index.dimensions) == (400, 24)
        index.search_window_size = 60
        assert svs.k_recall_at(gt, index.search(q, 10)[0], 10, 10) >= 0.9, data
    # 8-bit integers are held exactly (as float16 codes).
    u8 = (np.abs(x) * 40).astype(np.uint8)
    index = svs.Vamana.build(_small_params(), u8, svs.DistanceType.L2)
    index.search_window_size = 40
    I, D = index.search(u8[:5], 1)
    np.testing.assert_array_equal(I[:, 0], np.arange(5))
    np.testing.assert_array_equal(D[:, 0], 0)
    index = svs.Vamana.build(_small_params(), x, svs.DistanceType.L2)
    np.testing.assert_array_equal(index.reconstruct([3, 7]), x[[3, 7]])
    assert index.reconstruct([[1, 2], [3, 4]]).shape == (2, 2, 24)
    with pytest.raises(TypeError):
        svs.Vamana.build(_small_params(), x.astype(np.int64), svs.DistanceType.L2)
    with pytest.raises(ValueError):
        index.search(q[:, :10], 5)
    with pytest.raises(NotImplementedError):
        svs.Vamana.build(_small_params(use_full_search_history=False), x,
                         svs.DistanceType.L2)
    # SVS's keyword names.
    index = svs.Vamana.build(build_parameters=_small_params(), data_loader=x,
                             distance_type=svs.DistanceType.L2, num_threads=1)
    assert index.size == 400
    with pytest.raises(TypeError):
        svs.Vamana.build(_small_params(), x, svs.DistanceType.L2, data_loader=x)


def test_save_and_reload(tmp_path):
    x, q = _data()
    index = svs.Vamana.build(_small_params(), x, svs.DistanceType.MIP)
    index.search_parameters = svs.VamanaSearchParameters(svs.SearchBufferConfig(25, 50))
    I, D = index.search(q, 10)
    dirs = [str(tmp_path / n) for n in ("config", "graph", "data")]
    index.save(*dirs)
    loaded = svs.Vamana(dirs[0], svs.GraphLoader(dirs[1]),
                        svs.VectorDataLoader(dirs[2], svs.DataType.float32),
                        svs.DistanceType.MIP, num_threads=2)
    assert loaded.search_parameters.buffer_config == svs.SearchBufferConfig(25, 50)
    assert (loaded.alpha, loaded.construction_window_size) == (0.95, 40)
    I2, D2 = loaded.search(q, 10)
    np.testing.assert_array_equal(I, I2)
    np.testing.assert_allclose(D, D2)
    with pytest.raises(ValueError, match="MIP"):
        svs.Vamana(dirs[0], None, None, svs.DistanceType.L2)


# ---- LeanVec -------------------------------------------------------------------------------

def test_compute_leanvec_matrices():
    # Data vary most in the first 16 of 32 dimensions; queries live in the last 16, so the
    # data's principal directions are the wrong ones for inner products with the queries.
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2000, 32)) * np.r_[np.full(16, 3.0), np.linspace(0.2, 1.5, 16)]
    qs = np.zeros((500, 32))
    qs[:, 16:] = rng.normal(size=(500, 16)) * np.linspace(0.2, 2.0, 16)
    x, qs = x.astype(np.float32), qs.astype(np.float32)
    B, A = svs.compute_leanvec_matrices(x, qs, 8)
    assert B.shape == A.shape == (32, 8) and B.dtype == A.dtype == np.float32
    for m in (A, B):
        assert np.linalg.norm(m, 2) <= 1 + 1e-4  # inside the spectral-norm ball
    _, vecs = np.linalg.eigh(x.T.astype(np.float64) @ x)
    pca = vecs[:, ::-1][:, :8]
    loss_pca = svs.leanvec.leanvec_loss(x, qs, pca, pca)
    loss_ood = svs.leanvec.leanvec_loss(x, qs, B, A)
    assert loss_ood < 0.5 * loss_pca, (loss_ood, loss_pca)
    with pytest.raises(ValueError):
        svs.compute_leanvec_matrices(x, qs, 33)
    with pytest.raises(ValueError):
        svs.compute_leanvec_matrices(x, qs[:, :16], 4)


def test_svs_leanvec_example(tmp_path):
    """SVS's LeanVec example with only the import changed: SVS reports recall 0.86."""
    path = os.path.join(REPO, "examples", "python", "svs_leanvec_example.py")
    spec = importlib.util.spec_from_file_location("svs_leanvec_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    recall = example.run(str(tmp_path / "example_data_vamana"))
    print(f"SVS LeanVec example: recall@10 = {recall}")
    assert abs(recall - 0.86) <= 0.03


def test_leanvec_loader_matrices(tmp_path):
    """LeanVecLoader with the matrices of compute_leanvec_matrices builds a LeanVec-OOD index:
    on queries outside the data's principal directions it finds what LeanVec-ID misses, and
    save/reload keeps the matrices."""
    rng = np.random.default_rng(9)
    x = (rng.normal(size=(1000, 32)) * np.r_[np.full(16, 3.0), np.linspace(0.2, 1.5, 16)])
    q = np.zeros((250, 32))
    q[:, 16:] = rng.normal(size=(250, 16)) * np.linspace(0.2, 2.0, 16)
    x, q = x.astype(np.float32), q.astype(np.float32)
    path = str(tmp_path / "x.fvecs")
    svs.write_vecs(x, path)
    src = svs.VectorDataLoader(path, svs.DataType.float32)
    gt = np.argsort(-(q[200:] @ x.T), axis=1)[:, :10].astype(np.uint32)
    B, A = svs.compute_leanvec_matrices(x, q[:200], 8)

    def build(loader):
        index = svs.Vamana.build(_small_params(), loader, svs.DistanceType.MIP)
        # a buffer of 10: the rerank sees only what the reduced vectors find
        index.search_parameters = svs.VamanaSearchParameters(svs.SearchBufferConfig(10, 10))
        return index

    ood = build(svs.LeanVecLoader(src, 8, svs.LeanVecKind.float32, svs.LeanVecKind.float32,
                                  data_matrix=B, query_matrix=A))
    pca = build(svs.LeanVecLoader(src, 8, svs.LeanVecKind.float32, svs.LeanVecKind.float32))
    I, D = ood.search(q[200:], 10)
    r_ood = svs.k_recall_at(gt, I, 10, 10)
    r_pca = svs.k_recall_at(gt, pca.search(q[200:], 10)[0], 10, 10)
    print(f"recall@10 with a buffer of 10: LeanVec-OOD matrices {r_ood:.3f}, LeanVec-ID "
          f"{r_pca:.3f}")
    assert r_ood >= 0.5 and r_pca < 0.3

    dirs = [str(tmp_path / n) for n in ("config", "graph", "data")]
    ood.save(*dirs)
    loaded = svs.Vamana(dirs[0], svs.GraphLoader(dirs[1]),
                        svs.VectorDataLoader(dirs[2], svs.DataType.float32),
                        svs.DistanceType.MIP)
    loaded.search_parameters = svs.VamanaSearchParameters(svs.SearchBufferConfig(10, 10))
    I2, D2 = loaded.search(q[200:], 10)
    np.testing.assert_array_equal(I, I2)
    np.testing.assert_allclose(D, D2)

    with pytest.raises(ValueError, match="rows"):
        build(svs.LeanVecLoader(src, 8, data_matrix=np.eye(20, 8, dtype=np.float32)))
