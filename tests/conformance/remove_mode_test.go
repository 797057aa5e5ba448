package conformance

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// withForceRemove returns the case's create JSON with index_param.support_force_remove true.
func withForceRemove(t *testing.T, c Case, m string) string {
	t.Helper()
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(c.Create(m, dim)), &p))
	ip, _ := p["index_param"].(map[string]any)
	if ip == nil {
		ip = map[string]any{}
		p["index_param"] = ip
	}
	ip["support_force_remove"] = true
	b, err := json.Marshal(p)
	require.NoError(t, err)
	return string(b)
}

// TestForceRemove runs FORCE_REMOVE on every configuration: index types without it refuse it
// (UNSUPPORTED_INDEX_OPERATION); hgraph, created with support_force_remove, takes the labels
// out, never returns them, keeps its recall and takes them back in the freed slots.
func TestForceRemove(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		if c.Index != "hgraph" {
			idx := built(t, c, "l2")
			_, err := idx.RemoveWithMode([]int64{data.ids[0]}, core.RemoveForce)
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
			return
		}
		idx, err := core.CreateIndex(c.Index, withForceRemove(t, c, "l2"))
		require.NoError(t, err)
		_, err = idx.Build(&core.Dataset{NumElements: nb, Dim: dim, IDs: data.ids, Float32: data.base})
		require.NoError(t, err)
		first, err := idx.Search(query(3), k, c.Search, nil)
		require.NoError(t, err)
		removed := map[int64]bool{}
		var drop []int64
		take := func(id int64) {
			if !removed[id] {
				removed[id] = true
				drop = append(drop, id)
			}
		}
		for _, r := range first[:3] {
			take(r.ID)
		}
		for i := 0; i < nb; i += 8 {
			take(data.ids[i])
		}
		n, err := idx.RemoveWithMode(drop, core.RemoveForce)
		require.NoError(t, err)
		require.Equal(t, len(removed), n)
		require.EqualValues(t, nb-len(removed), idx.GetNumElements())
		require.Zero(t, idx.GetNumberRemoved())
		hit := 0
		for i := 0; i < nq; i++ {
			res, err := idx.Search(query(i), k, c.Search, nil)
			require.NoError(t, err)
			truth := oracle("l2", query(i), removed)[:k]
			for _, r := range res {
				require.False(t, removed[r.ID], "label %d was force-removed", r.ID)
				for _, tr := range truth {
					if r.ID == tr.ID {
						hit++
						break
					}
				}
			}
		}
		require.GreaterOrEqual(t, float64(hit)/float64(nq*k), c.MinRecall-0.03, "recall@%d after force remove", k)
		// the labels come back with their vectors, into the freed slots
		vecs := make([]float32, 0, len(drop)*dim)
		for _, id := range drop {
			i := labelIndex(id)
			vecs = append(vecs, data.base[i*dim:(i+1)*dim]...)
		}
		failed, err := idx.Add(&core.Dataset{NumElements: len(drop), Dim: dim, IDs: drop, Float32: vecs})
		require.NoError(t, err)
		require.Empty(t, failed)
		require.EqualValues(t, nb, idx.GetNumElements())
		checkRecall(t, c, idx)
	})
}
