package conformance

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// hnswCreate is VSAG's hnsw block; conjugate adds the conjugate graph (empty in the suite, so
// its searches ask the graph for at least 20 results).
func hnswCreate(conjugate bool) func(string, int) string {
	return func(metric string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"hnsw":{"max_degree":16,"ef_construction":100,"use_conjugate_graph":%v}}`, metric, dim, conjugate)
	}
}

func init() {
	register(Case{Name: "hnsw/fp32", Index: "hnsw", Create: hnswCreate(false), Search: `{"hnsw":{"ef_search":100}}`, MinRecall: 0.95})
	register(Case{Name: "hnsw/conjugate", Index: "hnsw", Create: hnswCreate(true), Search: `{"hnsw":{"ef_search":100,"skip_ratio":0.2}}`, MinRecall: 0.95})
}

// TestFeedbackFlagIsTruthful: SUPPORT_FEEDBACK is set exactly when Feedback and Pretrain work,
// and a search after Feedback still honours the suite's rules (ascending, filters, removals).
func TestFeedbackFlagIsTruthful(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		flag := idx.CheckFeature(api.SupportFeedback)
		n, err := idx.Feedback(query(0), k, c.Search, core.GlobalOptimumUnknown)
		if !flag {
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err), "feedback without SUPPORT_FEEDBACK")
			_, err = idx.Pretrain(data.ids[:1], k, c.Search)
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err), "pretrain without SUPPORT_FEEDBACK")
			return
		}
		require.NoError(t, err)
		require.GreaterOrEqual(t, n, 0)
		_, err = idx.Pretrain(data.ids[:2], k, c.Search)
		require.NoError(t, err)
		for i := 0; i < nq; i++ {
			_, err := idx.Feedback(query(i), k, c.Search, core.GlobalOptimumUnknown)
			require.NoError(t, err)
		}
		// after feedback the queries find their exact neighbours
		checkRecall(t, c, idx)
		for i := 0; i < nq; i++ {
			res, err := idx.Search(query(i), k, c.Search, nil)
			require.NoError(t, err)
			want := oracle("l2", query(i), nil)
			hits := 0
			for _, r := range res {
				for _, w := range want[:k] {
					if r.ID == w.ID {
						hits++
					}
				}
			}
			require.Equal(t, k, hits, "query %d after its feedback", i)
		}
		// a filter and a removal still hold
		first, err := idx.Search(query(0), 1, c.Search, nil)
		require.NoError(t, err)
		top := first[0].ID
		res, err := idx.Search(query(0), k, c.Search, core.ExcludeFunc(func(l int64) bool { return l == top }))
		require.NoError(t, err)
		for _, r := range res {
			require.NotEqual(t, top, r.ID)
		}
		_, err = idx.Remove(top)
		require.NoError(t, err)
		res, err = idx.Search(query(0), k, c.Search, nil)
		require.NoError(t, err)
		for i, r := range res {
			require.NotEqual(t, top, r.ID)
			if i > 0 {
				require.LessOrEqual(t, res[i-1].Distance, r.Distance)
			}
		}
	})
}
