package core

import (
	"fmt"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/internal/dataset"
)

const (
	anDim = 16
	anN   = 600
	anQ   = 20
)

// analyzed builds an index of anN clustered vectors (labels 10*i) of the given type.
func analyzed(t *testing.T, name, create string) (*Index, []float32) {
	t.Helper()
	all := dataset.Clustered(anN+anQ, anDim, 8, 3)
	idx, err := CreateIndex(name, create)
	require.NoError(t, err)
	ids := make([]int64, anN)
	for i := range ids {
		ids[i] = int64(10 * i)
	}
	failed, err := idx.Build(&Dataset{NumElements: anN, Dim: anDim, IDs: ids, Float32: all[:anN*anDim]})
	require.NoError(t, err)
	require.Empty(t, failed)
	return idx, all[anN*anDim:]
}

func parseStats(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), s)
	return m
}

func TestGetStatsHGraph(t *testing.T) {
	idx, _ := analyzed(t, "hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}}`, anDim))
	require.True(t, idx.CheckFeature(api.SupportGetStats))
	require.True(t, idx.CheckFeature(api.SupportAnalyzeIndexBySearch))
	removed, err := idx.Remove(0, 10, 20)
	require.NoError(t, err)
	require.Equal(t, 3, removed)

	s, err := idx.GetStats()
	require.NoError(t, err)
	m := parseStats(t, s)
	require.EqualValues(t, anN, m["total_count"])
	require.EqualValues(t, 3, m["deleted_count"])
	require.EqualValues(t, anN-3, m["num_elements"])
	require.EqualValues(t, 1, m["connect_components"], s)
	require.EqualValues(t, anN-3, m["maximal_component_size"])
	require.EqualValues(t, 0, m["unreachable_from_entry"])
	require.EqualValues(t, 0, m["duplicate_ratio"])
	require.EqualValues(t, DefaultStatsSampleSize, m["sample_size"])
	require.EqualValues(t, DefaultStatsTopK, m["topk"])
	require.Equal(t, `{"hgraph":{"ef_search":100}}`, m["search_params"])
	require.EqualValues(t, 1, m["self_recall"], "fp32 codes: every sampled vector finds itself")
	require.Greater(t, m["recall_base"], 0.9)
	require.EqualValues(t, 0, m["quantization_bias_ratio"], "fp32 base codes have no quantization error")
	require.Equal(t, true, m["ground_truth_exact"])
	pr := m["proximity_recall_neighbor"].(float64)
	require.True(t, pr > 0.2 && pr <= 1, "proximity recall %v", pr)

	// the histograms hold every live node once, with max_degree+1 slots
	for _, key := range []string{"in_degree_distribution", "out_degree_distribution"} {
		h := m[key].([]any)
		require.Len(t, h, 17, key)
		var sum float64
		for _, c := range h {
			sum += c.(float64)
		}
		require.EqualValues(t, anN-3, sum, key)
	}
	out := m["out_degree"].(map[string]any)
	require.LessOrEqual(t, out["max"], 16.0)
	require.Greater(t, out["min"], 0.0)
	require.InDelta(t, m["average_degree"], out["mean"], 1e-9)

	// the same seed samples the same vectors: the figures repeat
	again, err := idx.GetStats()
	require.NoError(t, err)
	m2 := parseStats(t, again)
	require.Equal(t, m["recall_base"], m2["recall_base"])
	require.Equal(t, m["avg_distance_base"], m2["avg_distance_base"])
}

func TestGetStatsDuplicatesAndQuantization(t *testing.T) {
	// 50 vectors stored twice under other labels; sq8 base codes with fp32 precise codes
	all := dataset.Clustered(200, anDim, 4, 9)
	v := append(append([]float32(nil), all...), all[:50*anDim]...)
	ids := make([]int64, 250)
	for i := range ids {
		ids[i] = int64(i)
	}
	idx, err := CreateIndex("hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":80}}`, anDim))
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: 250, Dim: anDim, IDs: ids, Float32: v})
	require.NoError(t, err)
	s, err := idx.GetStatsWithOptions(StatsOptions{SampleSize: 250, TopK: 5})
	require.NoError(t, err)
	m := parseStats(t, s)
	require.EqualValues(t, 50, m["duplicate_count"])
	require.InDelta(t, 0.2, m["duplicate_ratio"], 1e-9)
	require.EqualValues(t, 1, m["self_recall"], "a vector counts as found when an identical copy is")
	bias := m["quantization_bias_ratio"].(float64)
	require.True(t, bias > 0 && bias < 0.2, "sq8 bias %v", bias)
	inv := m["quantization_inversion_count_rate"].(float64)
	require.True(t, inv >= 0 && inv < 0.5, "inversions %v", inv)
	require.Equal(t, "sq8", m["base_codes"])
	require.Equal(t, "fp32 precise codes", m["ground_truth_codes"])

	// lossy base codes and nothing more precise: the quantization metrics are skipped
	lossy, err := CreateIndex("hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"sq8","max_degree":16,"ef_construction":80}}`, anDim))
	require.NoError(t, err)
	_, err = lossy.Build(&Dataset{NumElements: 200, Dim: anDim, IDs: ids[:200], Float32: all})
	require.NoError(t, err)
	s, err = lossy.GetStatsWithOptions(StatsOptions{SampleSize: 20, TopK: 10})
	require.NoError(t, err)
	m = parseStats(t, s)
	require.Contains(t, m["quantization_bias_ratio"], "skipped_reason")
	require.Equal(t, false, m["ground_truth_exact"])
}

func TestAnalyzeIndexBySearch(t *testing.T) {
	for _, tc := range []struct {
		name, create, search string
		minRecall            float64
	}{
		{"brute_force", fmt.Sprintf(`{"dtype":"float32","metric_type":"ip","dim":%d}`, anDim), `{"brute_force":{}}`, 1},
		{"hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"cosine","dim":%d,"index_param":{"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":100}}`, anDim), `{"hgraph":{"ef_search":80}}`, 0.9},
		{"ivf", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"buckets_count":8,"base_quantization_type":"sq8","use_reorder":true}}`, anDim), `{"ivf":{"scan_buckets_count":8}}`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idx, queries := analyzed(t, tc.name, tc.create)
			s, err := idx.AnalyzeIndexBySearch(&Dataset{NumElements: anQ, Dim: anDim, Float32: queries}, 10, tc.search)
			require.NoError(t, err)
			m := parseStats(t, s)
			require.EqualValues(t, anQ, m["num_queries"])
			require.EqualValues(t, 10, m["topk"])
			require.GreaterOrEqual(t, m["recall_query"], tc.minRecall, s)
			lat := m["latency_ms"].(map[string]any)
			require.Greater(t, lat["mean"], 0.0)
			require.LessOrEqual(t, lat["p50"], lat["p99"])
			require.LessOrEqual(t, lat["p99"], lat["max"])
			require.Equal(t, lat["mean"], m["time_cost_query"])
			require.Contains(t, m, "quantization_bias_ratio_query")
			require.Contains(t, m, "avg_distance_query")
			if tc.name == "ivf" {
				require.Equal(t, m["quantization_bias_ratio_query"], m["quantization_bias_ratio"])
				st, err := idx.GetStats()
				require.NoError(t, err)
				sm := parseStats(t, st)
				require.EqualValues(t, 8, sm["bucket_count"])
				require.EqualValues(t, float64(anN)/8, sm["bucket_num"].(map[string]any)["mean"])
			}
			via, err := idx.AnalyzeIndexBySearchRequest(&SearchRequest{Query: &Dataset{NumElements: anQ, Dim: anDim, Float32: queries}, TopK: 10, Params: tc.search})
			require.NoError(t, err)
			require.Equal(t, m["recall_query"], parseStats(t, via)["recall_query"])
		})
	}
}

func TestAnalyzeErrors(t *testing.T) {
	create := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"max_degree":16,"ef_construction":50}}`, anDim)
	empty, err := CreateIndex("hgraph", create)
	require.NoError(t, err)
	q := &Dataset{NumElements: 1, Dim: anDim, Float32: make([]float32, anDim)}
	_, err = empty.AnalyzeIndexBySearch(q, 10, `{"hgraph":{"ef_search":10}}`)
	require.Equal(t, api.IndexEmpty, CodeOf(err))
	s, err := empty.GetStats()
	require.NoError(t, err, "an empty index has statistics too")
	m := parseStats(t, s)
	require.EqualValues(t, 0, m["total_count"])
	require.EqualValues(t, 0, m["connect_components"])
	require.EqualValues(t, 0, m["sample_size"])

	idx, _ := analyzed(t, "hgraph", create)
	for name, call := range map[string]func() error{
		"k 0":         func() error { _, err := idx.AnalyzeIndexBySearch(q, 0, `{"hgraph":{"ef_search":10}}`); return err },
		"nil queries": func() error { _, err := idx.AnalyzeIndexBySearch(nil, 5, `{"hgraph":{"ef_search":10}}`); return err },
		"no rows": func() error {
			_, err := idx.AnalyzeIndexBySearch(&Dataset{Dim: anDim}, 5, `{"hgraph":{"ef_search":10}}`)
			return err
		},
		"wrong dim": func() error {
			_, err := idx.AnalyzeIndexBySearch(&Dataset{NumElements: 1, Dim: 3, Float32: []float32{1, 2, 3}}, 5, "")
			return err
		},
		"bad json":     func() error { _, err := idx.AnalyzeIndexBySearch(q, 5, `{"hgraph":`); return err },
		"no ef_search": func() error { _, err := idx.AnalyzeIndexBySearch(q, 5, `{"hgraph":{}}`); return err },
		"sample < 0":   func() error { _, err := idx.GetStatsWithOptions(StatsOptions{SampleSize: -1}); return err },
		"bad stats sp": func() error { _, err := idx.GetStatsWithOptions(StatsOptions{SearchParams: `{"ivf":{}}`}); return err },
		"filtered": func() error {
			_, err := idx.AnalyzeIndexBySearchRequest(&SearchRequest{Query: q, TopK: 5, FilterExpr: "a = 1"})
			return err
		},
		"nil request": func() error { _, err := idx.AnalyzeIndexBySearchRequest(nil); return err },
		"nan in query": func() error {
			_, err := idx.AnalyzeIndexBySearch(&Dataset{NumElements: 1, Dim: anDim, Float32: nanVec()}, 5, "")
			return err
		},
		"range request": func() error {
			_, err := idx.AnalyzeIndexBySearchRequest(&SearchRequest{Query: q, Mode: RangeSearchMode})
			return err
		},
	} {
		err := call()
		require.Error(t, err, name)
		code := CodeOf(err)
		require.True(t, code == api.InvalidArgument || code == api.DimensionNotEqual, "%s: %v", name, err)
	}
}

func nanVec() []float32 {
	v := make([]float32, anDim)
	v[3] = float32(nan())
	return v
}

func nan() float64 { var z float64; return z / z }

// TestGetStatsConcurrentWithWrites runs GetStats and AnalyzeIndexBySearch while other
// goroutines add, remove and search: every statistics object is a snapshot, its histograms
// covering exactly the live count it reports (run with -race too).
func TestGetStatsConcurrentWithWrites(t *testing.T) {
	idx, queries := analyzed(t, "hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":12,"ef_construction":40}}`, anDim))
	extra := dataset.Clustered(400, anDim, 8, 4)
	done := make(chan struct{})
	errs := make(chan error, 3)
	go func() { // writer: adds in small batches, removes every other batch's first label
		defer close(done)
		defer func() { errs <- nil }()
		for b := 0; b < 20; b++ {
			ids := make([]int64, 20)
			for i := range ids {
				ids[i] = int64(100000 + b*20 + i)
			}
			if _, err := idx.Add(&Dataset{NumElements: 20, Dim: anDim, IDs: ids, Float32: extra[b*20*anDim : (b+1)*20*anDim]}); err != nil {
				errs <- err
				return
			}
			if b%2 == 0 {
				if _, err := idx.Remove(ids[0]); err != nil {
					errs <- err
					return
				}
			}
		}
	}()
	go func() { // reader: searches keep running
		for {
			select {
			case <-done:
				errs <- nil
				return
			default:
			}
			if _, err := idx.Search(queries[:anDim], 5, `{"hgraph":{"ef_search":20}}`, nil); err != nil {
				errs <- err
				return
			}
		}
	}()
	for i := 0; ; i++ {
		s, err := idx.GetStatsWithOptions(StatsOptions{SampleSize: 10, TopK: 10})
		require.NoError(t, err)
		m := parseStats(t, s)
		var sum float64
		for _, c := range m["out_degree_distribution"].([]any) {
			sum += c.(float64)
		}
		require.EqualValues(t, m["num_elements"], sum, "a snapshot: histogram and count agree")
		require.EqualValues(t, m["total_count"], m["num_elements"].(float64)+m["deleted_count"].(float64))
		_, err = idx.AnalyzeIndexBySearch(&Dataset{NumElements: 2, Dim: anDim, Float32: queries[:2*anDim]}, 5, `{"hgraph":{"ef_search":20}}`)
		require.NoError(t, err)
		select {
		case <-done:
			require.NoError(t, <-errs)
			require.NoError(t, <-errs)
			return
		default:
		}
		require.Less(t, i, 10000)
	}
}
