package conformance

import (
	"testing"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

func decodeStats(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), s)
	return m
}

// TestIndexAnalysis checks GetStats and AnalyzeIndexBySearch on every case that reports them:
// the JSON parses, its counts are the index's, a stored vector searched for finds itself on
// indexes that keep exact codes, and the recall on the query set matches the case's bar.
// Cases without the flags must refuse both with UNSUPPORTED_INDEX_OPERATION.
func TestIndexAnalysis(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		queries := &core.Dataset{NumElements: nq, Dim: dim, Float32: data.queries}
		if !idx.CheckFeature(api.SupportGetStats) {
			_, err := idx.GetStats()
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
			require.False(t, idx.CheckFeature(api.SupportAnalyzeIndexBySearch))
			_, err = idx.AnalyzeIndexBySearch(queries, k, c.Search)
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
			return
		}
		require.True(t, idx.CheckFeature(api.SupportAnalyzeIndexBySearch))
		if idx.CheckFeature(api.SupportDeleteByID) {
			n, err := idx.Remove(data.ids[0], data.ids[1], data.ids[2])
			require.NoError(t, err)
			require.Equal(t, 3, n)
		}
		s, err := idx.GetStats()
		require.NoError(t, err)
		m := decodeStats(t, s)
		live, removed := idx.GetNumElements(), idx.GetNumberRemoved()
		require.EqualValues(t, live, m["num_elements"])
		require.EqualValues(t, removed, m["deleted_count"])
		require.EqualValues(t, live+removed, m["total_count"])
		require.EqualValues(t, 0, m["duplicate_ratio"], "the fixture holds no duplicates")
		self := m["self_recall"].(float64)
		recallBase := m["recall_base"].(float64)
		require.True(t, self >= 0 && self <= 1 && recallBase >= 0 && recallBase <= 1, s)
		if c.Exact || (m["ground_truth_exact"] == true && m["base_codes"] == "fp32") {
			require.Equal(t, 1.0, self, "exact codes: every sampled vector finds itself\n%s", s)
		} else if m["ground_truth_exact"] == true {
			require.GreaterOrEqual(t, self, 0.9, s)
		}
		if comps, ok := m["connect_components"]; ok {
			require.GreaterOrEqual(t, comps, 1.0)
			require.LessOrEqual(t, m["maximal_component_size"], float64(live))
			require.EqualValues(t, 0, m["unreachable_from_entry"], "every live node can be reached")
		}
		if n, ok := m["bucket_num"]; ok {
			mean := n.(map[string]any)["mean"].(float64)
			want := float64(live) * m["buckets_per_data"].(float64) / m["bucket_count"].(float64)
			require.InDelta(t, want, mean, 1e-9*(1+mean), "buckets hold every live vector buckets_per_data times")
		}

		a, err := idx.AnalyzeIndexBySearch(queries, k, c.Search)
		require.NoError(t, err)
		am := decodeStats(t, a)
		require.EqualValues(t, nq, am["num_queries"])
		require.EqualValues(t, k, am["topk"])
		recall := am["recall_query"].(float64)
		if c.Exact {
			require.Equal(t, 1.0, recall, a)
		} else {
			require.GreaterOrEqual(t, recall, c.MinRecall-0.05, a)
		}
		if am["base_codes"] == "fp32" && am["ground_truth_exact"] == true {
			require.EqualValues(t, 0, am["quantization_bias_ratio_query"])
		}
	})
}
