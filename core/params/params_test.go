package params

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

func TestParseCreate(t *testing.T) {
	c, err := ParseCreate("hgraph", `{"dtype":"float16","metric_type":"cosine","dim":96,"index_param":{"max_degree":32}}`)
	require.NoError(t, err)
	require.Equal(t, Float16, c.DType)
	require.Equal(t, metric.Cosine, c.Metric)
	require.Equal(t, 96, c.Dim)
	require.JSONEq(t, `{"max_degree":32}`, string(c.IndexParam))

	c, err = ParseCreate("hnsw", `{"dim":8,"hnsw":{"max_degree":16}}`)
	require.NoError(t, err)
	require.Equal(t, Float32, c.DType)
	require.Equal(t, metric.L2, c.Metric)
	require.JSONEq(t, `{"max_degree":16}`, string(c.IndexParam))
}

func TestParseCreateErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		js, key string
		code    api.ErrorCode
	}{
		{`{"metric_type":"l2"}`, "dim", api.InvalidArgument},
		{`{"dim":-1}`, "dim", api.InvalidArgument},
		{`{"dim":"8"}`, "dim", api.InvalidArgument},
		{`{"dim":8,"dtype":"float64"}`, "dtype", api.InvalidArgument},
		{`{"dim":8,"metric_type":"jaccard"}`, "metric_type", api.InvalidArgument},
		{`{"dim":8,"extra_info_size":-2}`, "extra_info_size", api.InvalidArgument},
		{`{"dim":8,"surprise":true}`, "surprise", api.InvalidArgument},
		{`{"dim":8,"hnsw":{}}`, "hnsw", api.InvalidArgument},
		{`{"dim":8,"dtype":"sparse"}`, "sparse", api.UnsupportedIndex},
		{`not json`, "create parameters", api.InvalidArgument},
	}
	for _, tc := range tests {
		_, err := ParseCreate("brute_force", tc.js)
		require.Error(t, err, tc.js)
		require.Equal(t, tc.code, api.CodeOf(err), tc.js)
		require.Contains(t, err.Error(), tc.key, tc.js)
	}
}

func TestDecodeStrict(t *testing.T) {
	var v struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	require.NoError(t, DecodeStrict([]byte(`{"a":1,"b":"x"}`), &v, "block"))
	require.Equal(t, 1, v.A)
	require.NoError(t, DecodeStrict(nil, &v, "block"))
	err := DecodeStrict([]byte(`{"a":1,"c":2}`), &v, "block")
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	require.Contains(t, err.Error(), `"c"`)
	err = DecodeStrict([]byte(`{"a":"one"}`), &v, "block")
	require.Contains(t, err.Error(), "a")
	err = DecodeStrict([]byte(`[1]`), &v, "block")
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
}

func TestParseSearch(t *testing.T) {
	s, err := ParseSearch("hgraph", `{"hgraph":{"ef_search":100},"parallelism":2}`)
	require.NoError(t, err)
	require.Equal(t, 2, s.Parallelism)
	require.JSONEq(t, `{"ef_search":100}`, string(s.Block))
	s, err = ParseSearch("hgraph", "")
	require.NoError(t, err)
	require.Nil(t, s.Block)
	_, err = ParseSearch("hgraph", `{"hnsw":{"ef_search":100}}`)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	require.Contains(t, err.Error(), "hnsw")
	_, err = ParseSearch("hgraph", `{"parallelism":0}`)
	require.Contains(t, err.Error(), "parallelism")
}

func TestSingleThreaded(t *testing.T) {
	require.NoError(t, SearchCommon{Parallelism: 1}.SingleThreaded("hgraph"))
	require.NoError(t, SearchCommon{}.SingleThreaded("hgraph"))
	err := SearchCommon{Parallelism: 2}.SingleThreaded("hgraph")
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(err))
	require.Contains(t, err.Error(), "hgraph")
}
