package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNPYRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		a    *Array
	}{
		{"f4 2-d", Float32Array([]float32{1, -2.5, 3, 4, 5, 6}, 2, 3)},
		{"i8 1-d", Int64Array([]int64{7, -8, 1 << 40}, 3)},
		{"i1 2-d", Int8Array([]int8{-128, 0, 127, 5}, 2, 2)},
		{"empty", Float32Array(nil, 0, 4)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteNPY(&b, c.a))
			require.Zero(t, (b.Len()-len(c.a.Data))%64, "header padded to 64 bytes")
			got, err := ReadNPY(&b)
			require.NoError(t, err)
			require.Equal(t, c.a.Shape, got.Shape)
			require.Equal(t, c.a.DType, got.DType)
			require.Equal(t, len(c.a.Data), len(got.Data))
			require.True(t, bytes.Equal(c.a.Data, got.Data))
		})
	}
	v, err := Float32Array([]float32{1, 2}, 1, 2).Int64()
	require.Error(t, err, "floats are not integers")
	require.Nil(t, v)
	f, err := Int8Array([]int8{-3, 4}, 1, 2).Float32()
	require.NoError(t, err)
	require.Equal(t, []float32{-3, 4}, f)
}

func npyBytes(header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestNPYVariants(t *testing.T) {
	// Fortran-ordered 2x3 int32: columns stored first
	data := make([]byte, 0, 24)
	for _, v := range []int32{1, 4, 2, 5, 3, 6} {
		data = binary.LittleEndian.AppendUint32(data, uint32(v))
	}
	a, err := ReadNPY(bytes.NewReader(npyBytes("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }\n", data)))
	require.NoError(t, err)
	v, err := a.Int64()
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2, 3, 4, 5, 6}, v)

	// float64 and float16
	d8 := binary.LittleEndian.AppendUint64(nil, math.Float64bits(-1.25))
	a, err = ReadNPY(bytes.NewReader(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", d8)))
	require.NoError(t, err)
	f, _ := a.Float32()
	require.Equal(t, []float32{-1.25}, f)
	a, err = ReadNPY(bytes.NewReader(npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }\n", []byte{0x00, 0x3c, 0x00, 0xc0})))
	require.NoError(t, err)
	f, _ = a.Float32()
	require.Equal(t, []float32{1, -2}, f)

	bad := [][]byte{
		[]byte("NOTNUMPY"),
		npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", []byte{0, 0, 0, 0}),
		npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", []byte{0}),
		npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", []byte{0, 0, 0, 0}), // truncated
		npyBytes("{'descr': '<f4', 'fortran_order': False}\n", nil),
	}
	for i, b := range bad {
		_, err := ReadNPY(bytes.NewReader(b))
		require.Error(t, err, "case %d", i)
	}
}

// havePython reports whether python3 with h5py is usable; VSAG_REQUIRE_PY=1 (set by the make
// target that installs it) turns its absence into a failure instead of a skip.
func havePython(t *testing.T, modules ...string) {
	t.Helper()
	args := []string{"-c", "import " + join(modules)}
	if err := exec.Command(Python(), args...).Run(); err != nil {
		if os.Getenv("VSAG_REQUIRE_PY") == "1" {
			t.Fatalf("%s cannot import %v: %v", Python(), modules, err)
		}
		t.Skipf("%s cannot import %v: %v", Python(), modules, err)
	}
}

func join(m []string) string {
	s := ""
	for i, x := range m {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

func TestHDF5RoundTrip(t *testing.T) {
	havePython(t, "h5py", "numpy")
	s := Generated(300, 20, 8, 7)
	s.Metric = "l2"
	truth := ComputeTruth(s.Base, s.Queries, s.Dim, TruthSpec{Metric: "l2", K: 5})
	s.Neighbors, s.Distances, s.GTK = truth.IDs, truth.Dists, 5
	s.BaseLabels = make([]int64, 300)
	s.QueryLabels = make([]int64, 20)
	for i := range s.BaseLabels {
		s.BaseLabels[i] = int64(i % 3)
	}
	p := filepath.Join(t.TempDir(), "gen.hdf5")
	require.NoError(t, WriteHDF5(p, s))

	got, err := ReadHDF5(p)
	require.NoError(t, err)
	require.Equal(t, s.Dim, got.Dim)
	require.Equal(t, "l2", got.Metric)
	require.Equal(t, "float32", got.DType)
	require.Equal(t, s.Base, got.Base)
	require.Equal(t, s.Queries, got.Queries)
	require.Equal(t, s.Neighbors, got.Neighbors)
	require.Equal(t, 5, got.GTK)
	require.InDeltaSlice(t, s.Distances, got.Distances, 1e-2, "squared distances survive the sqrt in the file")
	require.Equal(t, s.BaseLabels, got.BaseLabels)
	require.Equal(t, s.QueryLabels, got.QueryLabels)

	// the stored distances are Euclidean, as ann-benchmarks writes them
	arrays, attrs, err := ReadHDF5Arrays(p, "distances", "absent")
	require.NoError(t, err)
	require.Equal(t, "euclidean", attrs["distance"])
	require.Equal(t, "dense", attrs["type"])
	require.NotContains(t, arrays, "absent")
	d, _ := arrays["distances"].Float32()
	require.InDelta(t, math.Sqrt(float64(s.Distances[0])), float64(d[0]), 1e-4)
}

// TestHDF5FromH5py reads a file written by h5py itself in the way ann-benchmarks does (int8
// vectors, int32 neighbours, variable-length string attributes, chunked and compressed).
func TestHDF5FromH5py(t *testing.T) {
	havePython(t, "h5py", "numpy")
	p := filepath.Join(t.TempDir(), "ab.hdf5")
	script := `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["type"] = "dense"
    f.attrs["distance"] = "angular"
    f.create_dataset("train", data=np.arange(24, dtype=np.int8).reshape(6, 4) - 12, chunks=(2, 4), compression="gzip")
    f.create_dataset("test", data=np.array([[1, 2, 3, 4], [-1, 0, 1, 0]], dtype=np.int8))
    f.create_dataset("neighbors", data=np.array([[5, 4], [3, 2]], dtype=np.int32))
    f.create_dataset("distances", data=np.array([[0.1, 0.2], [0.3, 0.4]], dtype=np.float32))
`
	out, err := exec.Command(Python(), "-c", script, p).CombinedOutput()
	require.NoError(t, err, string(out))
	s, err := ReadHDF5(p)
	require.NoError(t, err)
	require.Equal(t, "int8", s.DType)
	require.Equal(t, "cosine", s.Metric)
	require.Equal(t, 4, s.Dim)
	require.Equal(t, 6, s.NumBase())
	require.Equal(t, float32(-12), s.Base[0])
	require.Equal(t, float32(11), s.Base[23])
	require.Equal(t, []int32{5, 4, 3, 2}, s.Neighbors)
	require.InDeltaSlice(t, []float32{0.1, 0.2, 0.3, 0.4}, s.Distances, 1e-6, "angular distances are kept as they are")

	// a file without the distance attribute is refused with a clear message
	bad := filepath.Join(t.TempDir(), "bad.hdf5")
	out, err = exec.Command(Python(), "-c", `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("train", data=np.zeros((2, 2), dtype=np.float32))
    f.create_dataset("test", data=np.zeros((1, 2), dtype=np.float32))
`, bad).CombinedOutput()
	require.NoError(t, err, string(out))
	_, err = ReadHDF5(bad)
	require.ErrorContains(t, err, "distance")
	_, err = ReadHDF5(filepath.Join(t.TempDir(), "missing.hdf5"))
	require.Error(t, err)
}

func writeIDX(t *testing.T, path string, dims []uint32, data []byte) {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	gz.Write([]byte{0, 0, 8, byte(len(dims))})
	binary.Write(gz, binary.BigEndian, dims)
	gz.Write(data)
	require.NoError(t, gz.Close())
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

func TestLoadLayouts(t *testing.T) {
	dir := t.TempDir()
	base := Clustered(50, 4, 3, 1)
	q := Clustered(5, 4, 3, 2)

	// TEXMEX folder
	tex := filepath.Join(dir, "tex")
	require.NoError(t, os.Mkdir(tex, 0o755))
	require.NoError(t, WriteFvecs(filepath.Join(tex, "x_base.fvecs"), base, 4))
	require.NoError(t, WriteFvecs(filepath.Join(tex, "x_query.fvecs"), q, 4))
	gt := GroundTruth(base, q, 4, 3, "l2")
	gtv := make([]float32, len(gt))
	for i, v := range gt {
		gtv[i] = float32(v)
	}
	writeIvecs(t, filepath.Join(tex, "x_groundtruth.ivecs"), gt, 3)
	s, err := Load(tex, LoadOptions{})
	require.NoError(t, err)
	require.Equal(t, base, s.Base)
	require.Equal(t, q, s.Queries)
	require.Equal(t, gt, s.Neighbors)
	require.Equal(t, 3, s.GTK)
	require.Equal(t, "tex", s.Name)

	// numpy folder
	np := filepath.Join(dir, "np")
	require.NoError(t, os.Mkdir(np, 0o755))
	require.NoError(t, WriteNPYFile(filepath.Join(np, "train.npy"), Float32Array(base, 50, 4)))
	require.NoError(t, WriteNPYFile(filepath.Join(np, "test.npy"), Float32Array(q, 5, 4)))
	s, err = Load(np, LoadOptions{})
	require.NoError(t, err)
	require.Equal(t, base, s.Base)
	require.Nil(t, s.Neighbors)

	// base,queries pair of different formats
	s, err = Load(filepath.Join(np, "train.npy")+","+filepath.Join(tex, "x_query.fvecs"), LoadOptions{})
	require.NoError(t, err)
	require.Equal(t, q, s.Queries)

	// one matrix: the last rows are held out as queries
	s, err = Load(filepath.Join(np, "train.npy"), LoadOptions{HoldOut: 7})
	require.NoError(t, err)
	require.Equal(t, 43, s.NumBase())
	require.Equal(t, base[43*4:], s.Queries)
	s, err = Load(filepath.Join(tex, "x_base.fvecs"), LoadOptions{})
	require.NoError(t, err)
	require.Equal(t, 45, s.NumBase(), "default hold-out is a tenth")

	// IDX folder with labels (Fashion-MNIST names)
	idx := filepath.Join(dir, "idx")
	require.NoError(t, os.Mkdir(idx, 0o755))
	writeIDX(t, filepath.Join(idx, "train-images-idx3-ubyte.gz"), []uint32{3, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	writeIDX(t, filepath.Join(idx, "t10k-images-idx3-ubyte.gz"), []uint32{1, 2, 2}, []byte{0, 0, 0, 255})
	writeIDX(t, filepath.Join(idx, "train-labels-idx1-ubyte.gz"), []uint32{3}, []byte{0, 9, 0})
	writeIDX(t, filepath.Join(idx, "t10k-labels-idx1-ubyte.gz"), []uint32{1}, []byte{9})
	s, err = Load(idx, LoadOptions{})
	require.NoError(t, err)
	require.Equal(t, 4, s.Dim)
	require.Equal(t, []float32{0, 0, 0, 255}, s.Queries)
	require.Equal(t, []int64{0, 9, 0}, s.BaseLabels)
	require.Equal(t, []int64{9}, s.QueryLabels)
	require.Equal(t, "l2", s.Metric)

	s, err = Load("generated:100,10,8", LoadOptions{})
	require.NoError(t, err)
	require.Equal(t, 100, s.NumBase())
	require.Equal(t, 10, s.NumQueries())

	for _, bad := range []string{filepath.Join(dir, "nope.fvecs"), "generated:1,x", dir + "/tex/x_base.fvecs,", filepath.Join(dir)} {
		_, err := Load(bad, LoadOptions{})
		require.Error(t, err, bad)
	}
}

func writeIvecs(t *testing.T, path string, v []int32, dim int) {
	var b bytes.Buffer
	for i := 0; i < len(v); i += dim {
		binary.Write(&b, binary.LittleEndian, int32(dim))
		binary.Write(&b, binary.LittleEndian, v[i:i+dim])
	}
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

// naiveTruth is the obvious O(nq*nb) answer, sorted by (distance, id).
func naiveTruth(base, queries []float32, dim int, spec TruthSpec) ([][]int32, [][]float32) {
	nb, nq := len(base)/dim, len(queries)/dim
	ids := make([][]int32, nq)
	ds := make([][]float32, nq)
	for qi := 0; qi < nq; qi++ {
		q := queries[qi*dim : (qi+1)*dim]
		type c struct {
			d  float32
			id int32
		}
		var cs []c
		for b := 0; b < nb; b++ {
			if spec.BaseLabels != nil && spec.BaseLabels[b] != spec.QueryLabels[qi] {
				continue
			}
			d := Distance(spec.Metric, q, base[b*dim:(b+1)*dim])
			if spec.Range && d > spec.Radius {
				continue
			}
			cs = append(cs, c{d, int32(b)})
		}
		sort.Slice(cs, func(i, j int) bool {
			if cs[i].d != cs[j].d {
				return cs[i].d < cs[j].d
			}
			return cs[i].id < cs[j].id
		})
		if !spec.Range && len(cs) > spec.K {
			cs = cs[:spec.K]
		}
		for _, x := range cs {
			ids[qi] = append(ids[qi], x.id)
			ds[qi] = append(ds[qi], x.d)
		}
	}
	return ids, ds
}

func TestComputeTruthMatchesNaive(t *testing.T) {
	const dim = 24
	base := Clustered(700, dim, 6, 3)
	queries := Clustered(37, dim, 6, 4)
	rng := rand.New(rand.NewSource(1))
	bl := make([]int64, 700)
	for i := range bl {
		bl[i] = int64(rng.Intn(4))
	}
	ql := make([]int64, 37)
	for i := range ql {
		ql[i] = int64(rng.Intn(5)) // label 4 matches nothing
	}
	specs := map[string]TruthSpec{
		"l2":        {Metric: "l2", K: 10},
		"ip":        {Metric: "ip", K: 7},
		"cosine":    {Metric: "cosine", K: 5},
		"k>n":       {Metric: "l2", K: 1000},
		"filter":    {Metric: "l2", K: 10, BaseLabels: bl, QueryLabels: ql},
		"range":     {Metric: "l2", Range: true, Radius: 40},
		"range+flt": {Metric: "l2", Range: true, Radius: 60, BaseLabels: bl, QueryLabels: ql},
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			got := ComputeTruth(base, queries, dim, spec)
			wantIDs, wantD := naiveTruth(base, queries, dim, spec)
			require.Equal(t, 37, got.NumQueries())
			for qi := range wantIDs {
				ids, ds := got.Row(qi)
				require.Len(t, ids, len(wantIDs[qi]), "query %d", qi)
				require.InDeltaSlice(t, wantD[qi], ds, 1e-3, "query %d", qi)
				// ids may differ only where distances tie within rounding
				for j := range ids {
					if ids[j] != wantIDs[qi][j] {
						require.InDelta(t, wantD[qi][j], ds[j], 1e-3)
					}
				}
			}
		})
	}
}

func TestCachedTruth(t *testing.T) {
	dir := t.TempDir()
	base := Clustered(200, 8, 4, 5)
	q := Clustered(10, 8, 4, 6)
	spec := TruthSpec{Metric: "l2", K: 4}
	a, hit, err := CachedTruth(dir, base, q, 8, spec)
	require.NoError(t, err)
	require.False(t, hit)
	b, hit, err := CachedTruth(dir, base, q, 8, spec)
	require.NoError(t, err)
	require.True(t, hit)
	require.Equal(t, a, b)

	// another k is another entry
	_, hit, err = CachedTruth(dir, base, q, 8, TruthSpec{Metric: "l2", K: 5})
	require.NoError(t, err)
	require.False(t, hit)

	// a corrupted entry is recomputed, not trusted
	files, _ := filepath.Glob(filepath.Join(dir, "truth-*.bin"))
	require.Len(t, files, 2)
	for _, f := range files {
		data, _ := os.ReadFile(f)
		data[len(data)/2] ^= 0xff
		require.NoError(t, os.WriteFile(f, data, 0o644))
	}
	c, hit, err := CachedTruth(dir, base, q, 8, spec)
	require.NoError(t, err)
	require.False(t, hit)
	require.Equal(t, a, c)

	// changed data misses the cache
	base[0] += 1
	_, hit, err = CachedTruth(dir, base, q, 8, spec)
	require.NoError(t, err)
	require.False(t, hit)
}
