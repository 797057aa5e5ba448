package core

import (
	"bytes"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/internal/dataset"
)

const tuneDim = 16

func tunedIndex(t *testing.T, indexParam string) (*Index, []float32, []int64) {
	t.Helper()
	const n = 600
	idx, err := CreateIndex("hgraph", `{"dtype":"float32","metric_type":"l2","dim":16,"extra_info_size":2,"index_param":{`+indexParam+`,"max_degree":16,"ef_construction":80}}`)
	require.NoError(t, err)
	data := dataset.Clustered(n, tuneDim, 6, 41)
	ids := make([]int64, n)
	extra := make([]byte, 2*n)
	for i := range ids {
		ids[i] = int64(10 + i)
		extra[2*i], extra[2*i+1] = byte(i), byte(i>>8)
	}
	attrs := make([]map[string]any, n)
	for i := range attrs {
		attrs[i] = map[string]any{"row": i}
	}
	_, err = idx.Build(&Dataset{NumElements: n, Dim: tuneDim, IDs: ids, Float32: data, ExtraInfos: extra, Attributes: attrs})
	require.NoError(t, err)
	return idx, data, ids
}

func indexParamOf(t *testing.T, idx *Index) map[string]any {
	t.Helper()
	var top struct {
		IndexParam map[string]any `json:"index_param"`
	}
	require.NoError(t, json.Unmarshal([]byte(idx.CreateParams()), &top))
	return top.IndexParam
}

func TestTuneRecordsParametersAndPersists(t *testing.T) {
	idx, data, ids := tunedIndex(t, `"base_quantization_type":"sq4_uniform","store_raw_vector":true`)
	original := idx.CreateParams()
	require.True(t, idx.CheckFeature(api.SupportTune))
	require.NoError(t, idx.Tune(`{"index_param":{"base_quantization_type":"fp16","use_reorder":true,"precise_quantization_type":"fp32"}}`, false))
	ip := indexParamOf(t, idx)
	require.Equal(t, "fp16", ip["base_quantization_type"])
	require.Equal(t, true, ip["use_reorder"])
	require.Equal(t, true, ip["store_raw_vector"], "the raw vectors stay for later tuning")
	require.EqualValues(t, 16, ip["max_degree"])
	require.True(t, idx.CheckFeature(api.SupportTune))
	// extra info and attributes are untouched
	got, err := idx.GetExtraInfoByIDs([]int64{ids[300]})
	require.NoError(t, err)
	require.Equal(t, []byte{44, 1}, got)
	res, err := idx.Search(data[5*tuneDim:6*tuneDim], 1, `{"hgraph":{"ef_search":40}}`, nil)
	require.NoError(t, err)
	require.Equal(t, ids[5], res[0].ID)
	require.InDelta(t, 0, res[0].Distance, 1e-6, "distances come from the fp32 precise codes")

	// the tuned index saves, loads and clones as it is now
	var buf bytes.Buffer
	require.NoError(t, idx.Serialize(&buf))
	back, err := LoadBytes(buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, idx.CreateParams(), back.CreateParams())
	for _, other := range []*Index{back, mustClone(t, idx)} {
		r, err := other.Search(data[5*tuneDim:6*tuneDim], 3, `{"hgraph":{"ef_search":40}}`, nil)
		require.NoError(t, err)
		full, err := idx.Search(data[5*tuneDim:6*tuneDim], 3, `{"hgraph":{"ef_search":40}}`, nil)
		require.NoError(t, err)
		require.Equal(t, full, r)
	}
	into, err := CreateIndex("hgraph", idx.CreateParams())
	require.NoError(t, err)
	require.NoError(t, into.Deserialize(bytes.NewReader(buf.Bytes())))
	old, err := CreateIndex("hgraph", original)
	require.NoError(t, err)
	err = old.Deserialize(bytes.NewReader(buf.Bytes()))
	require.Equal(t, api.InvalidArgument, CodeOf(err), "the parameters it was created with no longer fit")

	// the exported model carries the tuned parameters, and shards of it merge back
	model, err := idx.ExportModel()
	require.NoError(t, err)
	require.Equal(t, idx.CreateParams(), model.CreateParams())
	shard, err := model.Clone()
	require.NoError(t, err)
	_, err = shard.Add(&Dataset{NumElements: 2, Dim: tuneDim, IDs: []int64{1, 2}, Float32: data[:2*tuneDim], ExtraInfos: []byte("abcd")})
	require.NoError(t, err)
	failed, err := idx.Merge([]MergeUnit{{Index: shard}})
	require.NoError(t, err)
	require.Empty(t, failed)
	got, err = idx.GetExtraInfoByIDs([]int64{2})
	require.NoError(t, err)
	require.Equal(t, "cd", string(got))

	// disable: the raw vectors go, tuning is over, and stays over after a reload
	require.NoError(t, idx.Tune(`{"index_param":{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp16"}}`, true))
	require.False(t, idx.CheckFeature(api.SupportTune))
	require.False(t, idx.CheckFeature(api.SupportGetRawVectorByIDs))
	require.NotContains(t, indexParamOf(t, idx), "store_raw_vector")
	err = idx.Tune(`{"index_param":{"base_quantization_type":"fp16"}}`, false)
	require.Equal(t, api.UnsupportedIndexOperation, CodeOf(err))
	buf.Reset()
	require.NoError(t, idx.Serialize(&buf))
	back, err = LoadBytes(buf.Bytes())
	require.NoError(t, err)
	require.False(t, back.CheckFeature(api.SupportTune))
	require.Equal(t, api.UnsupportedIndexOperation, CodeOf(back.Tune(`{"index_param":{"base_quantization_type":"fp16"}}`, false)))

	// Reset returns to the parameters the index was created with
	require.NoError(t, idx.Reset())
	require.Equal(t, original, idx.CreateParams())
	require.True(t, idx.CheckFeature(api.SupportTune))
}

func mustClone(t *testing.T, idx *Index) *Index {
	t.Helper()
	c, err := idx.Clone()
	require.NoError(t, err)
	return c
}

func TestTuneRefusals(t *testing.T) {
	idx, _, _ := tunedIndex(t, `"base_quantization_type":"fp32"`)
	for _, bad := range []string{
		``, `[]`, `{}`, `{"index_param":{},"dim":8}`, `{"index_param":{},"metric_type":"ip"}`,
		`{"index_param":{},"dtype":"int8"}`, `{"index_param":{},"extra_info_size":3}`, `{"index_param":{},"bogus":1}`,
		`{"index_param":{"max_degree":32}}`, `{"index_param":{"base_quantization_type":"none"}}`, `{"index_param":`,
	} {
		err := idx.Tune(bad, false)
		require.Equal(t, api.InvalidArgument, CodeOf(err), "%q: %v", bad, err)
	}
	require.Equal(t, "fp32", indexParamOf(t, idx)["base_quantization_type"])
	// the create parameters whole, with the index's values, are accepted
	require.NoError(t, idx.Tune(`{"dtype":"float32","metric_type":"l2","dim":16,"extra_info_size":2,"index_param":{"base_quantization_type":"sq8","max_degree":16}}`, false))
	// without a precise source: the flag is off and the call says why
	require.False(t, idx.CheckFeature(api.SupportTune))
	err := idx.Tune(`{"index_param":{"base_quantization_type":"fp16"}}`, false)
	require.Equal(t, api.UnsupportedIndexOperation, CodeOf(err))
	require.True(t, strings.Contains(err.Error(), "store_raw_vector"), err.Error())

	withRaw, _, _ := tunedIndex(t, `"base_quantization_type":"sq8","store_raw_vector":true`)
	require.NoError(t, withRaw.SetImmutable())
	require.False(t, withRaw.CheckFeature(api.SupportTune))
	require.Equal(t, api.WrongStatus, CodeOf(withRaw.Tune(`{"index_param":{"base_quantization_type":"fp16"}}`, false)))

	for _, name := range []string{"brute_force", "ivf"} {
		other, err := CreateIndex(name, `{"dtype":"float32","metric_type":"l2","dim":4}`)
		require.NoError(t, err)
		require.False(t, other.CheckFeature(api.SupportTune))
		require.Equal(t, api.UnsupportedIndexOperation, CodeOf(other.Tune(`{"index_param":{}}`, false)))
	}
}
