package hgraph

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/serial"
)

// neighbourLists returns the bottom lists of the first n nodes.
func neighbourLists(x *Index, n int) [][]uint32 {
	out := make([][]uint32, n)
	for i := range out {
		out[i] = x.g.Neighbors(0, uint32(i), nil)
	}
	return out
}

func tuneBlockOf(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m := map[string]any{}
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestTuneFromFP32Base(t *testing.T) {
	const n, d, k = 1500, 24, 10
	data := clustered(21, n, d, 12)
	queries := clustered(22, 30, d, 12)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	require.True(t, x.CanTune())
	before := meanRecall(t, x, metric.L2, data, queries, d, k, 80, nil)
	lists := neighbourLists(x, 50)
	block, err := x.Tune([]byte(`{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp16"}`), false)
	require.NoError(t, err)
	m := tuneBlockOf(t, block)
	require.Equal(t, "sq8", m["base_quantization_type"])
	require.EqualValues(t, 16, m["max_degree"], "graph keys are kept in the block")
	require.EqualValues(t, 100, m["ef_construction"])
	require.Equal(t, "sq8", x.base.Name())
	require.Equal(t, "fp16", x.precise.Name())
	require.Equal(t, n, x.baseCodes.Len())
	require.Equal(t, n, x.preciseCodes.Len())
	require.Equal(t, lists, neighbourLists(x, 50), "the graph is not touched")
	after := meanRecall(t, x, metric.L2, data, queries, d, k, 80, nil)
	t.Logf("recall@%d fp32 %.4f, tuned to sq8 + fp16 reorder %.4f", k, before, after)
	require.GreaterOrEqual(t, after, before-0.02)
	// distances come from the fp16 precise codes now
	got, err := x.KnnSearch(data[:d], 1, searchOpts(40))
	require.NoError(t, err)
	require.EqualValues(t, 0, got[0].ID)
	require.Less(t, got[0].Distance, float32(1e-2))
	// nothing keeps the vectors any more: tuning again is refused, clearly
	require.False(t, x.CanTune())
	_, err = x.Tune([]byte(`{"base_quantization_type":"fp32"}`), false)
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(err))
	require.Contains(t, err.Error(), "store_raw_vector")
	// dropping the precise codes needs no vectors
	_, err = x.Tune([]byte(`{"base_quantization_type":"sq8"}`), false)
	require.NoError(t, err)
	require.Nil(t, x.precise)
	require.Nil(t, x.preciseCodes)
	got, err = x.KnnSearch(data[:d], 1, searchOpts(40))
	require.NoError(t, err)
	require.EqualValues(t, 0, got[0].ID)
}

func TestTuneWithRawVectors(t *testing.T) {
	const n, d, k = 1200, 16, 10
	data := clustered(23, n, d, 10)
	queries := clustered(24, 30, d, 10)
	x := newIndex(t, "l2", d, `,"base_quantization_type":"sq4_uniform","store_raw_vector":true`)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	r0 := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)
	// the block does not name store_raw_vector: the raw vectors stay, and the block says so
	block, err := x.Tune([]byte(`{"base_quantization_type":"fp16"}`), false)
	require.NoError(t, err)
	require.Equal(t, true, tuneBlockOf(t, block)["store_raw_vector"])
	require.NotNil(t, x.raw)
	r1 := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)
	t.Logf("recall@%d sq4_uniform %.4f, fp16 %.4f", k, r0, r1)
	require.Greater(t, r1, r0)
	// the tuned index saves and loads with the parameters in force
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	y := newIndex(t, "l2", d, `,"base_quantization_type":"fp16","store_raw_vector":true`)
	require.NoError(t, y.Load(f))
	require.Equal(t, "fp16", y.base.Name())
	// again, to pq with rerank from the raw vectors; then disable: the raw vectors go
	_, err = x.Tune([]byte(`{"base_quantization_type":"pq","base_pq_dim":8,"use_reorder":true,"precise_quantization_type":"sq8"}`), true)
	require.NoError(t, err)
	require.Nil(t, x.raw)
	require.Equal(t, "pq", x.base.Name())
	require.False(t, x.CanTune())
	_, err = x.Tune([]byte(`{"base_quantization_type":"pq","base_pq_dim":8}`), false)
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(err))
	require.Contains(t, err.Error(), "disable")
	r2 := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)
	t.Logf("recall@%d pq + sq8 reorder %.4f", k, r2)
	require.GreaterOrEqual(t, r2, 0.8)
	// the disabled state is saved
	f = &serial.File{}
	require.NoError(t, x.Save(f))
	z := newIndex(t, "l2", d, `,"base_quantization_type":"pq","base_pq_dim":8,"use_reorder":true,"precise_quantization_type":"sq8"`)
	require.NoError(t, z.Load(f))
	require.False(t, z.CanTune())
	require.Equal(t, x.ExportIDs(), z.ExportIDs())
}

func TestTuneKeepsRawWhenAsked(t *testing.T) {
	const n, d = 300, 8
	data := clustered(25, n, d, 4)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	// a raw copy is made from the fp32 base codes before they are replaced
	_, err = x.Tune([]byte(`{"base_quantization_type":"sq8","store_raw_vector":true}`), true)
	require.NoError(t, err)
	require.NotNil(t, x.raw)
	require.True(t, x.KeepsRawVectors())
	out := make([]float32, d)
	require.NoError(t, x.GetVectors([]int64{7}, out))
	require.Equal(t, data[7*d:8*d], out)
	require.False(t, x.CanTune(), "disabled, even with the raw vectors kept")
}

func TestTuneRefusals(t *testing.T) {
	const n, d = 200, 8
	data := clustered(26, n, d, 4)
	x := newIndex(t, "l2", d, `,"base_quantization_type":"sq8"`)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	require.False(t, x.CanTune())
	_, err = x.Tune([]byte(`{"base_quantization_type":"fp32"}`), false)
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(err))
	require.Contains(t, err.Error(), "sq8")
	// the same codes again is nothing to do
	_, err = x.Tune([]byte(`{"base_quantization_type":"sq8"}`), false)
	require.NoError(t, err)

	y := newIndex(t, "l2", d, "")
	_, err = y.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	for _, bad := range []string{
		`{"base_quantization_type":"fp32","max_degree":32}`,
		`{"graph_type":"vamana"}`,
		`{"ef_construction":200}`,
		`{"base_quantization_type":"nope"}`,
		`{"unknown_key":1}`,
		`[1]`,
		`{"base_quantization_type":`,
		`{"use_reorder":true,"precise_quantization_type":"bogus"}`,
	} {
		_, err := y.Tune([]byte(bad), false)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), bad)
	}
	require.Equal(t, "fp32", y.base.Name(), "a refused tune changes nothing")
	// the graph keys at the index's values are fine
	_, err = y.Tune([]byte(`{"base_quantization_type":"fp16","max_degree":16,"ef_construction":100,"build_thread_count":2}`), false)
	require.NoError(t, err)
	require.Equal(t, 2, y.p.BuildThreadCount)
	require.Contains(t, strings.ToLower(y.codesName()), "fp16")
}

func TestTuneEmptyThenBuild(t *testing.T) {
	const n, d = 400, 12
	data := clustered(27, n, d, 5)
	x := newIndex(t, "l2", d, `,"base_quantization_type":"sq8"`)
	require.True(t, x.CanTune(), "an empty index re-encodes nothing")
	_, err := x.Tune([]byte(`{"base_quantization_type":"sq8_uniform","use_reorder":true}`), false)
	require.NoError(t, err)
	require.True(t, x.NeedsTraining())
	_, err = x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	require.True(t, x.base.Trained())
	got, err := x.KnnSearch(data[3*d:4*d], 1, searchOpts(30))
	require.NoError(t, err)
	require.EqualValues(t, 3, got[0].ID)
}

func TestTuneLayouts(t *testing.T) {
	const n, d, k = 1000, 32, 10
	data := clustered(28, n, d, 8)
	queries := clustered(29, 20, d, 8)
	for _, tc := range []struct{ name, block string }{
		{"leanvec", `{"base_quantization_type":"leanvec","leanvec_dims":16}`},
		{"lvq4x8", `{"base_quantization_type":"lvq4x8"}`},
		{"rabitq-split", `{"base_quantization_type":"rabitq","rabitq_version":"split_1bit_7bit","use_reorder":true,"precise_quantization_type":"rabitq"}`},
		{"rabitq+fp32", `{"base_quantization_type":"rabitq","use_reorder":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newIndex(t, "l2", d, `,"store_raw_vector":true`)
			_, err := x.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			_, err = x.Tune([]byte(tc.block), false)
			require.NoError(t, err)
			// 1-bit rabitq codes of 32 dimensions guide the beam coarsely: a wide one
			r := meanRecall(t, x, metric.L2, data, queries, d, k, 200, nil)
			t.Logf("recall@%d %.4f", k, r)
			require.GreaterOrEqual(t, r, 0.9)
			// and back to fp32
			_, err = x.Tune([]byte(`{"base_quantization_type":"fp32"}`), false)
			require.NoError(t, err)
			require.Nil(t, x.primCodes)
			require.Nil(t, x.split)
			require.GreaterOrEqual(t, meanRecall(t, x, metric.L2, data, queries, d, k, 80, nil), 0.95)
		})
	}
}

func TestTuneConcurrentSearchAndAdd(t *testing.T) {
	n := 4000
	if raceEnabled {
		n = 1000
	}
	const d = 16
	data := clustered(30, n+400, d, 10)
	x := newIndex(t, "l2", d, `,"store_raw_vector":true`)
	_, err := x.Build(data[:n*d], seq(0, n), nil)
	require.NoError(t, err)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			r := i % n
			got, err := x.KnnSearch(data[r*d:(r+1)*d], 3, searchOpts(30))
			if err != nil || len(got) == 0 {
				t.Errorf("search during tune: %v", err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for b := 0; b < 4; b++ {
			lo := n + b*100
			if _, err := x.Add(data[lo*d:(lo+100)*d], seq(lo, 100), nil); err != nil {
				t.Errorf("add during tune: %v", err)
				return
			}
		}
	}()
	for _, qt := range []string{"sq8", "fp16", "sq8_uniform"} {
		_, err := x.Tune([]byte(`{"base_quantization_type":"`+qt+`"}`), false)
		require.NoError(t, err)
	}
	stop.Store(true)
	wg.Wait()
	require.Equal(t, x.labels.Total(), x.baseCodes.Len())
	require.Equal(t, x.labels.Total(), x.raw.Len())
	// every row, the ones added during the tunes included, holds its vector's code
	c := x.base.NewComputer()
	for _, r := range []int{0, n - 1, n, n + 399} {
		c.SetQuery(data[r*d : (r+1)*d])
		require.Less(t, c.Distance(x.baseCodes.Code(int(x.mustRow(int64(r))))), float32(0.5), "row %d", r)
	}
}

// mustRow returns the row of a label.
func (x *Index) mustRow(label int64) uint32 {
	r, ok := x.labels.Lookup(label)
	if !ok {
		panic("missing label")
	}
	return r
}
