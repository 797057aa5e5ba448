package core

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// mvStats parses an index's GetStats object.
func mvStats(t *testing.T, idx *Index) map[string]any {
	t.Helper()
	js, err := idx.GetStats()
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(js), &out))
	return out
}

// liveCounts returns the sub-vector counts of the documents of c not in removed.
func liveCounts(c mvCorpus, removed map[int64]bool) (counts []int, total int) {
	for i, n := range c.counts {
		if !removed[c.ids[i]] {
			counts = append(counts, n)
			total += n
		}
	}
	return counts, total
}

func TestMultiVectorGetStats(t *testing.T) {
	c := makeMVCorpus(11, 300, 16, 2, 9)
	all := 0
	for _, n := range c.counts {
		all += n
	}
	for _, tc := range []struct {
		name, create string
	}{
		{"warp", `{"dtype":"float32","metric_type":"l2","dim":16}`},
		{"simq", `{"dtype":"float32","metric_type":"ip","dim":16,"index_param":{"max_cluster_size":32,"split_start_idx":16}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := CreateIndex(tc.name, tc.create)
			require.NoError(t, err)
			require.True(t, idx.CheckFeature(api.SupportGetStats))
			require.False(t, idx.CheckFeature(api.SupportAnalyzeIndexBySearch))

			// empty: counts are zero, no representative graph yet
			st := mvStats(t, idx)
			require.EqualValues(t, 0, st["num_elements"])
			require.EqualValues(t, 0, st["sub_vector_count"])
			require.NotContains(t, st, "representative_graph")

			// build 200 documents, add 100, remove 3
			half := 0
			for _, n := range c.counts[:200] {
				half += n
			}
			first := &Dataset{NumElements: 200, Dim: 16, IDs: c.ids[:200], Float32: c.vecs[:half*16], VectorCounts: c.counts[:200]}
			second := &Dataset{NumElements: 100, Dim: 16, IDs: c.ids[200:], Float32: c.vecs[half*16:], VectorCounts: c.counts[200:]}
			_, err = idx.Build(first)
			require.NoError(t, err)
			_, err = idx.Add(second)
			require.NoError(t, err)
			removed := map[int64]bool{c.ids[0]: true, c.ids[150]: true, c.ids[299]: true}
			_, err = idx.Remove(c.ids[0], c.ids[150], c.ids[299])
			require.NoError(t, err)

			st = mvStats(t, idx)
			counts, live := liveCounts(c, removed)
			require.EqualValues(t, 297, st["num_elements"])
			require.EqualValues(t, 300, st["total_count"])
			require.EqualValues(t, 3, st["deleted_count"])
			require.EqualValues(t, 16, st["dim"])
			require.EqualValues(t, all, st["sub_vector_count"])
			require.EqualValues(t, live, st["live_sub_vector_count"])
			require.EqualValues(t, idx.GetMemoryUsage(), st["memory_usage"])
			require.Greater(t, st["sub_vector_bytes"].(float64), float64(all*16*4-1))
			dist := st["sub_vectors_per_document"].(map[string]any)
			require.EqualValues(t, 2, dist["min"])
			require.EqualValues(t, 9, dist["max"])
			require.InDelta(t, float64(live)/float64(len(counts)), dist["mean"].(float64), 1e-9)
			hist := st["sub_vector_count_histogram"].([]any)
			require.Len(t, hist, 10)
			byCount := make([]int, 10)
			for _, n := range counts {
				byCount[n]++
			}
			for n, h := range hist {
				require.EqualValues(t, byCount[n], h, "documents of %d sub-vectors", n)
			}

			if tc.name == "simq" {
				nc := int(st["cluster_count"].(float64))
				require.Greater(t, nc, 1)
				sizes := st["cluster_size"].(map[string]any)
				require.InDelta(t, float64(all), sizes["mean"].(float64)*float64(nc), 1e-6) // every token in one cluster
				require.LessOrEqual(t, sizes["max"].(float64), 32.0)
				require.EqualValues(t, sizes["max"], st["largest_cluster_size"])
				require.EqualValues(t, 0, st["oversized_cluster_count"])
				per := st["clusters_per_document"].(map[string]any)
				require.GreaterOrEqual(t, per["min"].(float64), 1.0)
				require.LessOrEqual(t, per["max"].(float64), 9.0)
				g := st["representative_graph"].(map[string]any)
				require.EqualValues(t, nc, g["num_elements"])
				require.Contains(t, g, "connect_components")
				require.Contains(t, g, "out_degree_distribution")
				require.Greater(t, g["memory_usage"].(float64), 0.0)
				require.EqualValues(t, 8, st["coarse_k"])
			} else {
				require.Equal(t, "l2", st["metric"])
				require.NotContains(t, st, "cluster_count")
			}

			// a loaded copy reports the same
			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			back, err := CreateIndex(tc.name, tc.create)
			require.NoError(t, err)
			require.NoError(t, back.Deserialize(&buf))
			again := mvStats(t, back)
			for _, key := range []string{"num_elements", "deleted_count", "sub_vector_count", "live_sub_vector_count",
				"sub_vectors_per_document", "sub_vector_count_histogram", "cluster_count", "cluster_size", "clusters_per_document"} {
				require.Equal(t, st[key], again[key], key)
			}
		})
	}
}

// TestWarpRefusesCosine: VSAG's multi-vector MaxSim computer scores ip and l2 only; warp
// refuses cosine with a message that says so and what to do instead.
func TestWarpRefusesCosine(t *testing.T) {
	_, err := CreateIndex("warp", `{"dtype":"float32","metric_type":"cosine","dim":4}`)
	require.Equal(t, api.InvalidArgument, CodeOf(err))
	require.ErrorContains(t, err, "not cosine")
	require.ErrorContains(t, err, "no cosine form")
	require.ErrorContains(t, err, "use ip")
}
