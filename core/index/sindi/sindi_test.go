package sindi

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		js   string
		ok   bool
		want func(c config) bool
	}{
		{`{}`, true, func(c config) bool {
			return c.TermIDLimit == 1_000_000 && c.WindowSize == 50_000 && c.Value == valueFP32
		}},
		{`{"use_quantization":true}`, true, func(c config) bool { return c.Value == valueSQ8 }},
		{`{"use_quantization":"fp16"}`, true, func(c config) bool { return c.Value == valueFP16 }},
		{`{"use_quantization":"int4"}`, false, nil},
		{`{"use_quantization":3}`, false, nil},
		{`{"window_size":10000}`, true, func(c config) bool { return c.WindowSize == 10000 }},
		{`{"window_size":60001}`, false, nil},
		{`{"term_id_limit":0}`, false, nil},
		{`{"term_id_limit":50000000}`, true, func(c config) bool { return c.TermIDLimit == 50_000_000 }},
		{`{"doc_prune_ratio":0.99}`, true, func(c config) bool { return c.DocPruneRatio > 0.98 }},
		{`{"doc_prune_ratio":-0.1}`, false, nil},
		{`{"rerank_type":"dmq8"}`, false, nil},
		{`{"rerank_type":"dmq8","use_reorder":true,"dmq_shared_codebook_threshold":0}`, true, func(c config) bool { return c.RerankDMQ8 && c.DMQShared == 0 }},
		{`{"avg_doc_term_length":0}`, false, nil},
		{`{"unknown":1}`, false, nil},
	}
	for _, tc := range tests {
		c, err := parseConfig([]byte(tc.js))
		if !tc.ok {
			require.Error(t, err, tc.js)
			require.Equal(t, api.InvalidArgument, api.CodeOf(err), tc.js)
			continue
		}
		require.NoError(t, err, tc.js)
		require.True(t, tc.want(c), tc.js)
	}
}

func TestParseSearch(t *testing.T) {
	for js, ok := range map[string]bool{
		`{}`:                                  true,
		`{"n_candidate":100}`:                 true,
		`{"n_candidate":-1}`:                  false,
		`{"query_prune_ratio":0.999}`:         true,
		`{"query_prune_ratio":1}`:             false,
		`{"term_prune_ratio":-0.5}`:           false,
		`{"term_retain_threshold":-1}`:        false,
		`{"filter_callback_limit":5}`:         true,
		`{"use_term_lists_heap_insert":1}`:    false,
		`{"use_term_lists_heap_insert":true}`: true,
		`{"use_dynamic_pruning":true}`:        true,
		`{"use_dynamic_pruning":1}`:           false,
	} {
		_, err := parseSearch([]byte(js))
		require.Equal(t, ok, err == nil, js)
	}
}

func newTest(t *testing.T, block string) *Index {
	t.Helper()
	x, err := New(&params.Create{DType: params.Sparse, Metric: metric.IP, Dim: 8, IndexParam: []byte(block)})
	require.NoError(t, err)
	return x
}

func TestNewRefusesOtherMetricsAndDTypes(t *testing.T) {
	_, err := New(&params.Create{DType: params.Sparse, Metric: metric.L2, Dim: 8})
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	_, err = New(&params.Create{DType: params.Float32, Metric: metric.IP, Dim: 8})
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	x := newTest(t, `{"window_size":10000}`)
	_, err = x.Add([]float32{1}, []int64{1}, nil)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
}

// TestLoadRefusesDamagedData: every truncation of a saved index and a flipped state byte are
// load errors, never a panic or a half-loaded index.
func TestLoadRefusesDamagedData(t *testing.T) {
	x := newTest(t, `{"window_size":10000,"use_reorder":true,"use_quantization":"fp16"}`)
	rows := api.SparseBatch{Offsets: []int64{0, 2, 3, 5}, IDs: []uint32{1, 5, 2, 1, 7}, Values: []float32{1, 2, 3, 4, 5}}
	_, err := x.AddSparse(rows, []int64{10, 11, 12}, nil)
	require.NoError(t, err)
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	info, _, err := f.Lookup(secInfo)
	require.NoError(t, err)
	data, _, err := f.Lookup(secData)
	require.NoError(t, err)
	load := func(d []byte) error {
		g := &serial.File{}
		g.Add(secInfo, info)
		g.Add(secData, d)
		y := newTest(t, `{"window_size":10000,"use_reorder":true,"use_quantization":"fp16"}`)
		return y.Load(g)
	}
	require.NoError(t, load(data))
	for cut := 0; cut < len(data); cut += 3 {
		require.Error(t, load(data[:cut]), "cut %d", cut)
	}
	bad := append([]byte(nil), data...)
	bad[16] = 9 // the first document's state
	require.Error(t, load(bad))
	other := newTest(t, `{"window_size":20000}`)
	g := &serial.File{}
	g.Add(secInfo, info)
	g.Add(secData, data)
	require.Equal(t, api.InvalidArgument, api.CodeOf(other.Load(g)))
}
