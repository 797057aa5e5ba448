package simq

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

// timeout_ms bounds a search (a search past its deadline returns what it reranked and says
// it timed out), and parallelism spreads the rerank without changing the answer.
func TestSimqDeadlineAndParallelism(t *testing.T) {
	c, err := params.ParseCreate(Name, `{"dtype":"float32","metric_type":"ip","dim":8,"index_param":{"init_cluster_ratio":0.05,"max_cluster_size":32,"split_start_idx":8}}`)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	require.True(t, x.Features().Has(api.SupportSearchOneWithMultiThread))
	rng := rand.New(rand.NewPCG(5, 6))
	var vecs []float32
	var counts []int
	var ids []int64
	for i := 0; i < 600; i++ {
		cnt := 1 + rng.IntN(5)
		for s := 0; s < cnt*8; s++ {
			vecs = append(vecs, float32(rng.NormFloat64()))
		}
		counts = append(counts, cnt)
		ids = append(ids, int64(i))
	}
	_, err = x.AddMulti(vecs, counts, ids, true, nil)
	require.NoError(t, err)
	q := vecs[:3*8]
	search := func(block string, stats *api.SearchStats) []api.Neighbor {
		ns, err := x.KnnSearchMulti(q, 3, 10, &api.SearchOptions{Block: []byte(block), Parallelism: 1, Stats: stats})
		require.NoError(t, err)
		return ns
	}
	var used, chunks int
	rerankWorkers = func(w, c int) { used, chunks = w, c }
	defer func() { rerankWorkers = nil }()
	one := search(`{"rerank_k":500}`, nil)
	require.Len(t, one, 10)
	require.Equal(t, 1, used)
	require.Greater(t, chunks, 1)
	for _, p := range []int{2, 4, 16} {
		require.Equal(t, one, search(fmt.Sprintf(`{"rerank_k":500,"parallelism":%d}`, p), nil), "parallelism %d", p)
		require.Equal(t, min(p, runtime.GOMAXPROCS(0), chunks), used, "parallelism %d", p)
	}
	st := &api.SearchStats{}
	late := search(`{"rerank_k":500,"timeout_ms":1e-9}`, st)
	require.True(t, st.TimedOut)
	require.LessOrEqual(t, len(late), 10)
	// past the deadline, a rerank scores its first chunk and leaves the rest out
	cands := make([]uint32, 500)
	for i := range cands {
		cands[i] = uint32(i)
	}
	st = &api.SearchStats{}
	items, err := x.rerank(q, 3, cands, &api.SearchOptions{Parallelism: 1, Deadline: time.Now().Add(-time.Second), Stats: st})
	require.NoError(t, err)
	require.Len(t, items, rerankChunk)
	require.True(t, st.TimedOut)
	items, err = x.rerank(q, 3, cands, &api.SearchOptions{Parallelism: 3})
	require.NoError(t, err)
	require.Len(t, items, 500)
	st = &api.SearchStats{}
	search(`{"rerank_k":500}`, st)
	require.False(t, st.TimedOut)
}
