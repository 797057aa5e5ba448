package hgraph

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
)

func newQuantIndex(t *testing.T, base, extra string, d int) *Index {
	t.Helper()
	if !slices.Contains(quant.Names(), base) {
		t.Skipf("quantizer %s is not registered", base)
	}
	js := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":%q,"max_degree":16,"ef_construction":100%s}}`, d, base, extra)
	c, err := params.ParseCreate(Name, js)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

// TestReorderWithTrainedQuantizer builds on sq8_uniform codes from empty (the first Add trains
// the quantizer), re-ranks with fp32, and checks that re-ranking returns exact distances and
// recall at least as good as the codes alone.
func TestReorderWithTrainedQuantizer(t *testing.T) {
	const n, d, k = 2500, 32, 10
	x := newQuantIndex(t, "sq8_uniform", `,"use_reorder":true,"precise_quantization_type":"fp32"`, d)
	require.True(t, x.NeedsTraining())
	require.True(t, x.KeepsRawVectors(), "fp32 precise codes hold the raw vectors")
	data := clustered(91, n, d, 12)
	queries := clustered(92, 40, d, 12)
	_, err := x.Add(data[:1000*d], seq(0, 1000), nil)
	require.NoError(t, err)
	_, err = x.Add(data[1000*d:], seq(1000, n-1000), nil)
	require.NoError(t, err)
	with := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)
	var without float64
	for i := 0; i < 40; i++ {
		q := queries[i*d : (i+1)*d]
		got, err := x.KnnSearch(q, k, &api.SearchOptions{Block: []byte(`{"ef_search":60,"enable_reorder":false}`)})
		require.NoError(t, err)
		without += recallOf(got, oracle(metric.L2, data, d, q, k, nil)) / 40
		got, err = x.KnnSearch(q, k, searchOpts(60))
		require.NoError(t, err)
		for _, g := range got {
			require.InDelta(t, metric.Reference(metric.L2, q, data[int(g.ID)*d:int(g.ID+1)*d]), g.Distance, 1e-3)
		}
	}
	t.Logf("recall with reorder %.4f, without %.4f", with, without)
	require.GreaterOrEqual(t, with, 0.9)
	require.GreaterOrEqual(t, with, without)
	// the trained state survives save/load
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	y := newQuantIndex(t, "sq8_uniform", `,"use_reorder":true,"precise_quantization_type":"fp32"`, d)
	require.NoError(t, y.Load(f))
	a, err := x.KnnSearch(queries[:d], k, searchOpts(60))
	require.NoError(t, err)
	b, err := y.KnnSearch(queries[:d], k, searchOpts(60))
	require.NoError(t, err)
	require.Equal(t, a, b)
}

func TestRawVectorStore(t *testing.T) {
	const n, d = 500, 16
	x := newQuantIndex(t, "sq8", `,"store_raw_vector":true`, d)
	data := clustered(93, n, d, 5)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	require.True(t, x.KeepsRawVectors())
	out := make([]float32, 2*d)
	require.NoError(t, x.GetVectors([]int64{3, 499}, out))
	require.Equal(t, data[3*d:4*d], out[:d])
	require.Equal(t, data[499*d:], out[d:])
	y := newQuantIndex(t, "sq8", "", d)
	require.False(t, y.KeepsRawVectors())
}
