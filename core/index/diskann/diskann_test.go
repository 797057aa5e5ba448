package diskann

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
)

func clustered(seed uint64, n, d, clusters int) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	centers := make([]float32, clusters*d)
	for i := range centers {
		centers[i] = float32(r.NormFloat64() * 3)
	}
	out := make([]float32, n*d)
	for i := 0; i < n; i++ {
		c := r.IntN(clusters)
		for j := 0; j < d; j++ {
			out[i*d+j] = centers[c*d+j] + float32(r.NormFloat64())
		}
	}
	return out
}

func newIndex(t testing.TB, d int, extra string) *Index {
	t.Helper()
	js := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"diskann":{"max_degree":24,"ef_construction":80,"pq_dims":%d,"pq_sample_rate":0.5%s}}`, d, d/2, extra)
	c, err := params.ParseCreate(Name, js)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

func seq(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i) * 3
	}
	return ids
}

func exact(data []float32, d int, q []float32, k int, skip func(int64) bool) []int64 {
	type p struct {
		d  float32
		id int64
	}
	var all []p
	for i := 0; i*d < len(data); i++ {
		if skip != nil && skip(int64(i)*3) {
			continue
		}
		all = append(all, p{metric.Reference(metric.L2, q, data[i*d:(i+1)*d]), int64(i) * 3})
	}
	sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d })
	out := []int64{}
	for _, x := range all[:min(k, len(all))] {
		out = append(out, x.id)
	}
	return out
}

func recall(t testing.TB, x *Index, data, queries []float32, d, k int, block string, filter api.Filter, skip func(int64) bool) (float64, float64) {
	t.Helper()
	nq := len(queries) / d
	var total, reads float64
	for i := 0; i < nq; i++ {
		q := queries[i*d : (i+1)*d]
		st := &api.SearchStats{}
		got, err := x.KnnSearch(q, k, &api.SearchOptions{Block: []byte(block), Filter: filter, Stats: st})
		require.NoError(t, err)
		want := exact(data, d, q, k, skip)
		set := map[int64]bool{}
		for _, w := range want {
			set[w] = true
		}
		for _, g := range got {
			if skip != nil {
				require.False(t, skip(g.ID))
			}
			if set[g.ID] {
				total++
			}
		}
		total -= float64(len(want) - k) // nothing when k are wanted
		reads += float64(st.IOReads)
	}
	return total / float64(nq*k), reads / float64(nq)
}

func TestSearchModes(t *testing.T) {
	const n, d, k = 3000, 32, 10
	data := clustered(1, n, d, 30)
	queries := clustered(2, 40, d, 30)
	for _, tc := range []struct {
		name, extra, block string
		min                float64
	}{
		{"beam", "", `{"ef_search":100,"beam_search":4,"io_limit":200}`, 0.95},
		{"async", "", `{"ef_search":100,"beam_search":8,"io_limit":200,"use_async_io":true}`, 0.95},
		{"pq_search", `,"use_pq_search":true`, `{"ef_search":100,"io_limit":50,"use_reorder":true}`, 0.9},
		{"partitioned", `,"build_memory_limit":150000`, `{"ef_search":100,"beam_search":4}`, 0.93},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newIndex(t, d, tc.extra)
			_, err := x.Build(data, seq(n), nil)
			require.NoError(t, err)
			r, reads := recall(t, x, data, queries, d, k, tc.block, nil, nil)
			t.Logf("recall %.3f, %.1f reads a query", r, reads)
			require.GreaterOrEqual(t, r, tc.min)
			if tc.extra == "" {
				require.Positive(t, reads)
				require.LessOrEqual(t, reads, 200.0)
			}
			// memory: PQ codes and labels (and the graph with use_pq_search), not the vectors
			if tc.name != "pq_search" {
				require.Less(t, x.MemoryUsage(), int64(n*d*4/2))
			}
		})
	}
}

func TestFilterRangeRemovePersist(t *testing.T) {
	const n, d, k = 2000, 16, 10
	data := clustered(3, n, d, 20)
	queries := clustered(4, 20, d, 20)
	x := newIndex(t, d, "")
	_, err := x.Build(data, seq(n), nil)
	require.NoError(t, err)
	_, err = x.Add(data[:d], []int64{-1}, nil)
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(err))
	block := `{"ef_search":120,"beam_search":4,"io_limit":300}`
	odd := api.KeepFunc(func(id int64) bool { return id%2 == 1 }, 0.5)
	r, _ := recall(t, x, data, queries, d, k, block, odd, func(id int64) bool { return id%2 == 0 })
	require.GreaterOrEqual(t, r, 0.9)
	// range search: exact distances within the radius
	q := queries[:d]
	top, err := x.KnnSearch(q, 5, &api.SearchOptions{Block: []byte(block)})
	require.NoError(t, err)
	radius := top[4].Distance
	got, err := x.RangeSearch(q, radius, 0, &api.SearchOptions{Block: []byte(block)})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(got), 5)
	for _, g := range got {
		require.LessOrEqual(t, g.Distance, radius)
	}
	got, err = x.RangeSearch(q, radius, 2, &api.SearchOptions{Block: []byte(block)})
	require.NoError(t, err)
	require.Len(t, got, 2)
	// distances and vectors come from the records
	out := make([]float32, 2)
	require.NoError(t, x.CalcDistanceByIDs(q, []int64{top[0].ID, 1}, out))
	require.InDelta(t, top[0].Distance, out[0], 1e-3)
	require.Equal(t, float32(-1), out[1])
	v := make([]float32, d)
	require.NoError(t, x.GetVectors([]int64{6}, v))
	require.Equal(t, data[2*d:3*d], v)
	// removal
	nrm, err := x.Remove([]int64{top[0].ID})
	require.NoError(t, err)
	require.Equal(t, 1, nrm)
	after, err := x.KnnSearch(q, 5, &api.SearchOptions{Block: []byte(block)})
	require.NoError(t, err)
	require.NotEqual(t, top[0].ID, after[0].ID)
	// persistence through a stream and through random access
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	var buf bytes.Buffer
	require.NoError(t, serial.Write(&buf, f))
	for _, open := range []func() (*serial.File, error){
		func() (*serial.File, error) { return serial.NewReader(bytes.NewReader(buf.Bytes())) },
		func() (*serial.File, error) { return serial.OpenAt(bytes.NewReader(buf.Bytes()), int64(buf.Len())) },
	} {
		rf, err := open()
		require.NoError(t, err)
		y := newIndex(t, d, "")
		require.NoError(t, y.Load(rf))
		require.Equal(t, x.NumElements(), y.NumElements())
		b, err := y.KnnSearch(q, 5, &api.SearchOptions{Block: []byte(block)})
		require.NoError(t, err)
		require.Equal(t, after, b)
	}
	// a stream cut in half is refused by the index's load (the stream's reader hands sections
	// out as they come), and nothing is loaded
	raw := append([]byte(nil), buf.Bytes()...)
	bad := newIndex(t, d, `,"use_pq_search":true`)
	half := raw[:len(raw)/2]
	rf, err := serial.NewReader(bytes.NewReader(half))
	require.NoError(t, err)
	require.Error(t, bad.Load(rf))
	require.Zero(t, bad.NumElements())
}

func TestParams(t *testing.T) {
	for _, ip := range []string{
		`{"ef_construction":80,"pq_dims":8,"pq_sample_rate":0.5}`,
		`{"max_degree":4,"ef_construction":80,"pq_dims":8,"pq_sample_rate":0.5}`,
		`{"max_degree":24,"ef_construction":10,"pq_dims":8,"pq_sample_rate":0.5}`,
		`{"max_degree":24,"ef_construction":80,"pq_dims":7,"pq_sample_rate":0.5}`,
		`{"max_degree":24,"ef_construction":80,"pq_dims":8,"pq_sample_rate":1.5}`,
		`{"max_degree":24,"ef_construction":80,"pq_dims":8,"pq_sample_rate":0.5,"graph_type":"odescent"}`,
		`{"max_degree":24,"ef_construction":80,"pq_dims":8,"pq_sample_rate":0.5,"use_opq":true}`,
		`{"max_degree":24,"ef_construction":80,"pq_dims":8,"pq_sample_rate":0.5,"unknown":1}`,
	} {
		c, err := params.ParseCreate(Name, `{"dtype":"float32","metric_type":"l2","dim":16,"diskann":`+ip+`}`)
		require.NoError(t, err)
		_, err = New(c)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), ip)
	}
	for _, sb := range []string{`{"ef_search":0}`, `{"beam_search":65}`, `{"io_limit":513}`, `{"x":1}`} {
		_, err := parseSearch([]byte(sb))
		require.Error(t, err, sb)
	}
	x := newIndex(t, 16, "")
	got, err := x.KnnSearch(make([]float32, 16), 3, &api.SearchOptions{})
	require.NoError(t, err)
	require.Empty(t, got)
}
