package hgraph

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
)

func newWith(t testing.TB, m string, d int, param string) *Index {
	t.Helper()
	c, err := params.ParseCreate(Name, fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{%s}}`, m, d, param))
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

func knn(t testing.TB, x *Index, q []float32, k int, block string) []api.Neighbor {
	t.Helper()
	got, err := x.KnnSearch(q, k, &api.SearchOptions{Block: []byte(block)})
	require.NoError(t, err)
	return got
}

// TestTwoStageBase builds on leanvec and lvq4x8 codes: the graph is searched on the dense
// primary codes and every candidate is reranked with the full codes, so the distances returned
// are the full codes' (as CalcDistanceByIDs gives them) and recall beats the traversal alone.
func TestTwoStageBase(t *testing.T) {
	const n, d, k = 2000, 48, 10
	for _, tc := range []struct {
		name, param string
		minRecall   float64
		packed      bool // traversal rows packed (leanvec's lvq8 primary codes), not prefixes
		prefixes    bool // with quant.PackedPrimaryOn off
	}{
		{"leanvec", `"base_quantization_type":"leanvec","leanvec_dims":24`, 0.85, true, false},
		{"leanvec prefix rows", `"base_quantization_type":"leanvec","leanvec_dims":24`, 0.85, false, true},
		{"leanvec fp32/fp32", `"base_quantization_type":"leanvec","leanvec_dims":24,"leanvec_primary":"fp32","leanvec_secondary":"fp32"`, 0.85, false, false},
		{"lvq4x8", `"base_quantization_type":"lvq4x8"`, 0.9, false, false},
		{"leanvec vamana", `"base_quantization_type":"leanvec","leanvec_dims":24,"graph_type":"vamana","alpha":1.2,"window_size":60`, 0.85, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prefixes {
				defer func(on bool) { quant.PackedPrimaryOn = on }(quant.PackedPrimaryOn)
				quant.PackedPrimaryOn = false
			}
			data := clustered(31, n, d, 10)
			queries := clustered(32, 30, d, 10)
			x := newWith(t, "l2", d, tc.param+`,"max_degree":16,"ef_construction":80,"build_thread_count":1`)
			require.NotNil(t, x.ts, "a two-stage base keeps a primary store")
			require.Equal(t, tc.packed, x.primCodes.pack != nil)
			if tc.packed {
				require.Equal(t, 8+32, x.primCodes.stride, "24 codes padded to 32 after an 8-byte header")
			} else {
				require.Equal(t, x.ts.PrimaryCodeSize(), x.primCodes.stride)
			}
			require.True(t, x.NeedsTraining())
			_, err := x.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			require.Equal(t, n, x.primCodes.n)
			with := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)
			var without float64
			for i := 0; i < 30; i++ {
				q := queries[i*d : (i+1)*d]
				got := knn(t, x, q, k, `{"ef_search":60}`)
				ids := make([]int64, len(got))
				for j, g := range got {
					ids[j] = g.ID
				}
				full := make([]float32, len(ids))
				require.NoError(t, x.CalcDistanceByIDs(q, ids, full))
				for j, g := range got {
					require.InDelta(t, full[j], g.Distance, 1e-4*(1+float64(full[j])), "returned distances are the full codes'")
				}
				without += recallOf(knn(t, x, q, k, `{"ef_search":60,"enable_reorder":false}`), oracle(metric.L2, data, d, q, k, nil)) / 30
			}
			t.Logf("recall@%d with rerank %.3f, traversal codes alone %.3f", k, with, without)
			require.GreaterOrEqual(t, with, tc.minRecall)
			require.GreaterOrEqual(t, with, without)

			// save/load gives identical results (the primary store is rebuilt from the codes)
			f := &serial.File{}
			require.NoError(t, x.Save(f))
			y := newWith(t, "l2", d, tc.param+`,"max_degree":16,"ef_construction":80,"build_thread_count":1`)
			require.NoError(t, y.Load(f))
			require.Equal(t, x.primCodes.rows(), y.primCodes.rows())
			for i := 0; i < 10; i++ {
				q := queries[i*d : (i+1)*d]
				require.Equal(t, knn(t, x, q, k, `{"ef_search":40}`), knn(t, y, q, k, `{"ef_search":40}`))
			}
			// an update re-encodes both stores
			v := queries[:d]
			require.NoError(t, x.UpdateVector(5, v, true))
			got := knn(t, x, v, 1, `{"ef_search":40}`)
			require.Equal(t, int64(5), got[0].ID)
		})
	}
}

// TestLeanVecOODTraining trains leanvec "ood" with sample queries through TrainWithQueries;
// indexes whose quantizers do not learn from queries refuse it.
func TestLeanVecOODTraining(t *testing.T) {
	const n, d, k = 1500, 32, 10
	data := clustered(41, n, d, 8)
	queries := clustered(42, 200, d, 8)
	x := newWith(t, "ip", d, `"base_quantization_type":"leanvec","leanvec_dims":12,"leanvec_training":"ood","max_degree":16,"ef_construction":80`)
	normalizeRows(data, d)
	normalizeRows(queries, d)
	require.NoError(t, x.TrainWithQueries(data, n, queries[:100*d], 100))
	require.True(t, x.base.Trained())
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	r := meanRecall(t, x, metric.IP, data, queries[100*d:], d, k, 60, nil)
	t.Logf("leanvec ood recall@%d %.3f", k, r)
	require.GreaterOrEqual(t, r, 0.85)
	require.Equal(t, api.WrongStatus, api.CodeOf(x.TrainWithQueries(data, n, queries, 1)))

	y := newWith(t, "l2", d, `"base_quantization_type":"fp32"`)
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(y.TrainWithQueries(data, n, queries, 1)))
}

func TestVamanaIndex(t *testing.T) {
	const n, d, k = 2500, 24, 10
	for _, mt := range []metric.Kind{metric.L2, metric.IP} {
		t.Run(mt.String(), func(t *testing.T) {
			data := clustered(51, n, d, 12)
			queries := clustered(52, 40, d, 12)
			alpha := "1.2"
			if mt == metric.IP {
				normalizeRows(data, d)
				normalizeRows(queries, d)
				alpha = "0.95"
			}
			param := `"base_quantization_type":"fp32","graph_type":"vamana","max_degree":24,"window_size":60,"build_thread_count":2,"alpha":` + alpha
			x := newWith(t, mt.String(), d, param)
			require.Equal(t, 20, x.p.PruneTo, "prune_to defaults to max_degree-4")
			require.Equal(t, 180, x.p.MaxCandidatePoolSize, "the pool defaults to 3 x window_size")
			// two batches: the first is built in two passes, the second added with one
			_, err := x.Build(data[:2000*d], seq(0, 2000), nil)
			require.NoError(t, err)
			_, err = x.Add(data[2000*d:], seq(2000, n-2000), nil)
			require.NoError(t, err)
			require.Equal(t, 0, x.g.Levels())
			// normalised clustered data is harder: the same test gives nsw 0.93 at ef 100
			ef, want := 60, 0.92 // a two-thread build is not deterministic: margin for the slow interleavings
			if mt == metric.IP {
				ef, want = 100, 0.85
			}
			r := meanRecall(t, x, mt, data, queries, d, k, ef, nil)
			split := 0.0
			for i := 0; i < 40; i++ {
				q := queries[i*d : (i+1)*d]
				got := knn(t, x, q, k, fmt.Sprintf(`{"search_window_size":%d,"search_buffer_capacity":%d}`, ef/2, 2*ef))
				split += recallOf(got, oracle(mt, data, d, q, k, nil)) / 40
			}
			t.Logf("vamana %s recall@%d at ef %d: %.3f, window %d / buffer %d: %.3f", mt, k, ef, r, ef/2, 2*ef, split)
			require.GreaterOrEqual(t, r, want)
			require.GreaterOrEqual(t, split, want-0.1)

			f := &serial.File{}
			require.NoError(t, x.Save(f))
			y := newWith(t, mt.String(), d, param)
			require.NoError(t, y.Load(f))
			for i := 0; i < 10; i++ {
				q := queries[i*d : (i+1)*d]
				require.Equal(t, knn(t, x, q, k, `{"ef_search":30}`), knn(t, y, q, k, `{"ef_search":30}`))
			}
			z := newWith(t, mt.String(), d, `"base_quantization_type":"fp32","max_degree":24`)
			require.Equal(t, api.InvalidArgument, api.CodeOf(z.Load(f)), "an nsw index refuses a vamana file")
		})
	}
}

func TestVamanaAndLeanVecParams(t *testing.T) {
	for _, tc := range []struct {
		metric, param string
		ok            bool
	}{
		{"l2", `"graph_type":"vamana"`, true},
		{"l2", `"graph_type":"vamana","alpha":0.95`, false},
		{"ip", `"graph_type":"vamana","alpha":0.95`, true},
		{"ip", `"alpha":0.95`, false},
		{"l2", `"graph_type":"odescent","prune_to":20`, false},
		{"l2", `"window_size":50`, false},
		{"l2", `"graph_type":"vamana","prune_to":70`, false},
		{"l2", `"graph_type":"vamana","max_candidate_pool_size":-1`, false},
		{"l2", `"leanvec_dims":8`, false},
		{"l2", `"base_quantization_type":"leanvec","leanvec_dims":8,"leanvec_primary":"lvq4","leanvec_secondary":"lvq8","leanvec_training":"ood"`, true},
		{"l2", `"base_quantization_type":"leanvec","leanvec_dims":40`, false},
		{"l2", `"base_quantization_type":"leanvec","leanvec_primary":"pq"`, false},
	} {
		c, err := params.ParseCreate(Name, fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":32,"index_param":{%s}}`, tc.metric, tc.param))
		require.NoError(t, err)
		_, err = New(c)
		if tc.ok {
			require.NoError(t, err, tc.param)
		} else {
			require.Equal(t, api.InvalidArgument, api.CodeOf(err), tc.param)
		}
	}
	for _, tc := range []struct {
		block string
		ok    bool
	}{
		{`{"search_window_size":30}`, true},
		{`{"search_window_size":30,"search_buffer_capacity":60}`, true},
		{`{"ef_search":30,"search_buffer_capacity":60}`, true},
		{`{"ef_search":30,"search_window_size":30}`, true},
		{`{"ef_search":30,"search_window_size":31}`, false},
		{`{"search_window_size":30,"search_buffer_capacity":20}`, false},
		{`{"search_buffer_capacity":60}`, false},
	} {
		_, err := parseSearch([]byte(tc.block))
		if tc.ok {
			require.NoError(t, err, tc.block)
		} else {
			require.Equal(t, api.InvalidArgument, api.CodeOf(err), tc.block)
		}
	}
}

func TestFastDecodeMatchesLeanVec(t *testing.T) {
	const d = 40
	data := clustered(61, 300, d, 4)
	for _, sec := range []string{"fp16", "fp32", "lvq8"} {
		x := newWith(t, "l2", d, `"base_quantization_type":"leanvec","leanvec_dims":9,"leanvec_secondary":"`+sec+`"`)
		require.NoError(t, x.Train(data, 300))
		f := withFastDecode(x.base)
		_, wrapped := f.(*fastDecoder)
		require.Equal(t, sec != "lvq8", wrapped)
		code := make([]byte, x.base.CodeSize())
		a, b := make([]float32, d), make([]float32, d)
		for i := 0; i < 20; i++ {
			x.base.Encode(code, data[i*d:(i+1)*d])
			x.base.Decode(a, code)
			f.Decode(b, code)
			require.Equal(t, a, b, sec)
		}
	}
}
