package eval

import (
	"io"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/internal/dataset"
)

// writeMultiVectorHDF5 writes a small multi-vector dataset without ground truth and returns its
// path (skipping the test without python3 and h5py).
func writeMultiVectorHDF5(t *testing.T) string {
	t.Helper()
	if err := exec.Command(dataset.Python(), "-c", "import h5py, numpy").Run(); err != nil {
		t.Skipf("python3 with h5py is not available: %v", err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	const dim = 8
	doc := func(n int) []float32 {
		v := make([]float32, n*dim)
		for i := 0; i < n; i++ {
			var s float64
			for j := 0; j < dim; j++ {
				v[i*dim+j] = float32(rng.NormFloat64())
				s += float64(v[i*dim+j] * v[i*dim+j])
			}
			for j := 0; j < dim; j++ {
				v[i*dim+j] /= float32(math.Sqrt(s))
			}
		}
		return v
	}
	s := &dataset.MultiVectorSet{Dim: dim, Metric: "ip"}
	for i := 0; i < 200; i++ {
		c := 1 + rng.IntN(6)
		s.Base = append(s.Base, doc(c)...)
		s.BaseCounts = append(s.BaseCounts, c)
	}
	for i := 0; i < 20; i++ {
		c := 1 + rng.IntN(4)
		s.Queries = append(s.Queries, doc(c)...)
		s.QueryCounts = append(s.QueryCounts, c)
	}
	p := filepath.Join(t.TempDir(), "mv.hdf5")
	require.NoError(t, dataset.WriteMultiVectorHDF5(p, s))
	return p
}

func TestMultiVectorHDF5RoundTripAndEval(t *testing.T) {
	p := writeMultiVectorHDF5(t)
	require.True(t, dataset.IsMultiVectorHDF5(p))
	s, err := dataset.ReadMultiVectorHDF5(p)
	require.NoError(t, err)
	require.Equal(t, 8, s.Dim)
	require.Equal(t, 200, s.NumBase())
	require.Equal(t, 20, s.NumQueries())
	require.Zero(t, s.GTK)

	r := NewRunner(io.Discard, false)
	// export: the same documents with exact MaxSim ground truth
	out := filepath.Join(t.TempDir(), "mv-gt.hdf5")
	require.NoError(t, r.ExportHDF5(p, out, ""))
	g, err := dataset.ReadMultiVectorHDF5(out)
	require.NoError(t, err)
	require.Equal(t, 100, g.GTK)
	require.Equal(t, s.BaseCounts, g.BaseCounts)

	for _, name := range []string{"warp", "simq"} {
		c := &Config{Name: name, DataPath: out, Type: "build,search", IndexName: name,
			CreateParams: `{"dtype":"float32","metric_type":"ip","dim":8}`, SearchParams: `{}`,
			SearchMode: "knn", TopK: 10, NumThreadsSearching: 1}
		if name == "simq" {
			c.SearchParams = `{"simq":{"coarse_k":64,"rerank_k":150}}`
		}
		res, err := r.Run(c)
		require.NoError(t, err, name)
		require.NotNil(t, res.RecallAvg)
		require.Equal(t, "file", res.GroundTruth)
		if name == "warp" {
			require.InDelta(t, 1.0, *res.RecallAvg, 1e-9)
		} else {
			require.Greater(t, *res.RecallAvg, 0.8)
		}
		require.Equal(t, 20, res.SearchCount)
		require.Equal(t, 200, res.DatasetInfo.BaseCount)
	}
	// a dense index is refused
	_, err = r.Run(&Config{Name: "bf", DataPath: out, Type: "build,search", IndexName: "brute_force",
		CreateParams: `{"dtype":"float32","metric_type":"ip","dim":8}`, SearchMode: "knn", TopK: 10})
	require.Error(t, err)
}
