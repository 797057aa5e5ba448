package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// TestExportModelAndMerge: an index type with SUPPORT_EXPORT_MODEL and SUPPORT_MERGE_INDEX
// ships its trained model empty; shards filled from copies of it merge back (one through an id
// map, with attributes) into an index that answers like the index built whole (the same
// answers for exact and bucketed types, nearly the same labels at the same distances for graphs);
// a shard of another model is refused and changes nothing. Types without the flags answer
// UNSUPPORTED_INDEX_OPERATION.
func TestExportModelAndMerge(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		full := built(t, c, "l2")
		if !full.CheckFeature(api.SupportExportModel) {
			_, err := full.ExportModel()
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
			require.False(t, full.CheckFeature(api.SupportMergeIndex))
			_, err = full.Merge(nil)
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
			return
		}
		require.True(t, full.CheckFeature(api.SupportMergeIndex))
		model, err := full.ExportModel()
		require.NoError(t, err)
		require.Zero(t, model.GetNumElements())

		half := nb / 2
		shardA, err := model.Clone()
		require.NoError(t, err)
		attrs := make([]map[string]any, half)
		for i := range attrs {
			attrs[i] = map[string]any{"shard": "a", "row": i}
		}
		_, err = shardA.Add(&core.Dataset{NumElements: half, Dim: dim, IDs: data.ids[:half], Float32: data.base[:half*dim], Attributes: attrs})
		require.NoError(t, err)
		shardB, err := model.Clone()
		require.NoError(t, err)
		const offset = 1 << 40
		shifted := make([]int64, nb-half)
		for i := range shifted {
			shifted[i] = data.ids[half+i] + offset
		}
		_, err = shardB.Add(&core.Dataset{NumElements: nb - half, Dim: dim, IDs: shifted, Float32: data.base[half*dim:]})
		require.NoError(t, err)
		_, err = shardB.Remove(shifted[0])
		require.NoError(t, err)

		merged, err := model.Clone()
		require.NoError(t, err)
		failed, err := merged.Merge([]core.MergeUnit{{Index: shardA}, {Index: shardB, IDMap: func(l int64) (int64, bool) { return l - offset, true }}})
		require.NoError(t, err)
		require.Empty(t, failed)
		require.EqualValues(t, nb-1, merged.GetNumElements())
		require.False(t, merged.CheckIDExist(data.ids[half]), "a removed source label is not merged")
		require.True(t, merged.CheckIDExist(data.ids[half+1]))
		got, err := merged.GetAttributesByIDs([]int64{data.ids[3]})
		require.NoError(t, err)
		require.Equal(t, "a", got[0]["shard"])

		_, err = full.Remove(data.ids[half])
		require.NoError(t, err)
		same, total := 0, 0
		for q := 0; q < nq; q++ {
			want, err := full.Search(query(q), k, c.Search, nil)
			require.NoError(t, err)
			have, err := merged.Search(query(q), k, c.Search, nil)
			require.NoError(t, err)
			require.Len(t, have, len(want))
			if c.Partial || c.Exact {
				// the same buckets or rows hold the same codes: the same answers
				for j := range want {
					require.InDelta(t, want[j].Distance, have[j].Distance, 1e-4, "query %d rank %d", q, j)
				}
				continue
			}
			// a graph merged from shards is another graph over the same codes: the labels both
			// find carry the same distances, and they find nearly the same labels
			dist := map[int64]float32{}
			for _, w := range want {
				dist[w.ID] = w.Distance
			}
			for _, h := range have {
				if d, ok := dist[h.ID]; ok {
					require.InDelta(t, d, h.Distance, 1e-4, "query %d label %d", q, h.ID)
					same++
				}
			}
			total += len(want)
		}
		if total > 0 {
			require.GreaterOrEqual(t, float64(same)/float64(total), 0.95, "merged and whole index agree on %d of %d", same, total)
		}

		// merging the same labels again fails label by label and adds nothing
		failed, err = merged.Merge([]core.MergeUnit{{Index: shardA}})
		require.NoError(t, err)
		require.Len(t, failed, half)
		require.EqualValues(t, nb-1, merged.GetNumElements())

		// a shard trained on other data holds another model; without trained state any index of
		// the same parameters holds the same one
		other := newIndex(t, c, "l2")
		_, err = other.Build(&core.Dataset{NumElements: half, Dim: dim, IDs: shifted[:half], Float32: data.base[half*dim : 2*half*dim]})
		require.NoError(t, err)
		if full.CheckFeature(api.NeedTrain) {
			_, err = merged.Merge([]core.MergeUnit{{Index: other}})
			require.Equal(t, api.InvalidArgument, core.CodeOf(err), "%v", err)
			require.EqualValues(t, nb-1, merged.GetNumElements())
		} else {
			fresh, err := model.Clone()
			require.NoError(t, err)
			failed, err := fresh.Merge([]core.MergeUnit{{Index: other}})
			require.NoError(t, err)
			require.Empty(t, failed)
			require.EqualValues(t, half, fresh.GetNumElements())
		}
		_, err = merged.Merge([]core.MergeUnit{{Index: merged}})
		require.Equal(t, api.InvalidArgument, core.CodeOf(err))
	})
}
