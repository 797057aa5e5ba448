package eval

import (
	"bytes"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/internal/dataset"
)

func randomSparse(n, vocab int, seed uint64) *dataset.Sparse {
	rng := rand.New(rand.NewPCG(seed, 3))
	s := &dataset.Sparse{Offsets: []int64{0}}
	for i := 0; i < n; i++ {
		seen := map[uint32]bool{}
		var ids []uint32
		for len(ids) < 2+rng.IntN(6) {
			if t := uint32(rng.IntN(vocab)); !seen[t] {
				seen[t] = true
				ids = append(ids, t)
			}
		}
		sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
		for _, t := range ids {
			s.IDs = append(s.IDs, t)
			s.Values = append(s.Values, 0.1+rng.Float32())
		}
		s.Offsets = append(s.Offsets, int64(len(s.IDs)))
	}
	return s
}

// TestRunSparse: a sindi case on a sparse set reaches recall 1 with exact settings, against
// computed ground truth and against the set's own neighbours.
func TestRunSparse(t *testing.T) {
	set := &dataset.SparseSet{Base: randomSparse(3000, 300, 1), Queries: randomSparse(50, 300, 2), Distance: "ip", Path: "mem"}
	var log bytes.Buffer
	r := NewRunner(&log, false)
	c := &Config{Name: "s", Type: "build,search", IndexName: "sindi", CreateParams: `{"index_param":{"window_size":10000}}`,
		SearchParams: `{"sindi":{"n_candidate":50}}`, SearchMode: "knn", TopK: 10}
	res, err := r.runSparseSet(c, set)
	require.NoError(t, err)
	require.Equal(t, "computed", res.GroundTruth)
	require.InDelta(t, 1.0, *res.RecallAvg, 1e-9)
	require.Equal(t, 50, res.SearchCount)
	require.Greater(t, *res.QPS, 0.0)

	set.Neighbors, set.Distances = dataset.SparseGroundTruth(set.Base, set.Queries, 10)
	set.GTK = 10
	res, err = r.runSparseSet(c, set)
	require.NoError(t, err)
	require.Empty(t, res.GroundTruth)
	require.InDelta(t, 1.0, *res.RecallAvg, 1e-9)

	c.SearchMode = "range"
	_, err = r.runSparseSet(c, set)
	require.Error(t, err)
}
