package hgraph

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
)

// TestRaBitQSplit builds hgraph with the split layout (1-bit base records, 7-bit rest records)
// for each metric: recall after the rerank is high, the precise store holds fewer bytes per
// vector than 8-bit precise rabitq codes, CalcDistanceByIDs and range searches give the
// reranked distances, and save/load keeps the results; loading into a standard layout is
// INVALID_ARGUMENT.
func TestRaBitQSplit(t *testing.T) {
	const n, d, k, nq, ef = 1500, 64, 10, 20, 100
	const extra = `,"max_degree":16,"ef_construction":80,"build_thread_count":1`
	split := `"base_quantization_type":"rabitq","rabitq_version":"split_1bit_7bit","use_reorder":true,"precise_quantization_type":"rabitq"` + extra
	unsplit := `"base_quantization_type":"rabitq","use_reorder":true,"precise_quantization_type":"rabitq","rabitq_bits_per_dim_precise":8` + extra
	all := lowRank(71, n+nq, d, 16, 10)
	for _, ms := range []string{"l2", "ip", "cosine"} {
		t.Run(ms, func(t *testing.T) {
			m, err := metric.Parse(ms)
			require.NoError(t, err)
			all := append([]float32(nil), all...)
			if m == metric.Cosine {
				normalizeRows(all, d)
			}
			data, queries := all[:n*d], all[n*d:]
			x := newWith(t, ms, d, split)
			require.True(t, x.NeedsTraining())
			_, err = x.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			recall := meanRecall(t, x, m, data, queries, d, k, ef, nil)
			u := newWith(t, ms, d, unsplit)
			t.Logf("recall@%d %.3f at ef %d; precise bytes per vector: split %d, unsplit 8-bit %d; base %d",
				k, recall, ef, x.preciseCodes.Stride(), u.preciseCodes.Stride(), x.baseCodes.Stride())
			require.GreaterOrEqual(t, recall, 0.9)
			require.Less(t, x.preciseCodes.Stride(), u.preciseCodes.Stride())
			require.Less(t, x.codeBytesPerRow(), u.codeBytesPerRow())
			require.Less(t, x.EstimateMemory(n), u.EstimateMemory(n))
			require.Greater(t, x.MemoryUsage(), int64(n*(x.baseCodes.Stride()+x.preciseCodes.Stride())))

			// the returned distances are the split estimates, as CalcDistanceByIDs gives them
			q := queries[:d]
			got := knn(t, x, q, k, `{"ef_search":100}`)
			require.Len(t, got, k)
			ids := make([]int64, len(got)+1)
			for i, g := range got {
				ids[i] = g.ID
			}
			ids[len(got)] = 1 << 40 // absent
			dist := make([]float32, len(ids))
			require.NoError(t, x.CalcDistanceByIDs(q, ids, dist))
			for i, g := range got {
				require.InDelta(t, g.Distance, dist[i], float64(1e-4*(1+abs(g.Distance))))
				if m == metric.L2 {
					ref := metric.Reference(m, q, data[int(g.ID)*d:int(g.ID+1)*d])
					require.InDelta(t, ref, g.Distance, float64(0.05*ref+0.05), "the 8-bit estimate is close to the truth")
				}
			}
			require.Equal(t, float32(-1), dist[len(got)])
			// range search with reorder: within the radius, the distances of the knn
			radius := got[k-1].Distance
			rs, err := x.RangeSearch(q, radius, -1, &api.SearchOptions{Block: []byte(`{"ef_search":100}`)})
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(rs), k-1)
			for _, r := range rs {
				require.LessOrEqual(t, r.Distance, radius)
			}
			// save/load keeps the results
			f := &serial.File{}
			require.NoError(t, x.Save(f))
			y := newWith(t, ms, d, split)
			require.NoError(t, y.Load(f))
			for i := 0; i < 5; i++ {
				q := queries[i*d : (i+1)*d]
				require.Equal(t, knn(t, x, q, k, `{"ef_search":100}`), knn(t, y, q, k, `{"ef_search":100}`))
			}
			// the standard layout with 7-bit precise codes does not read the file
			z := newWith(t, ms, d, `"base_quantization_type":"rabitq","use_reorder":true,"precise_quantization_type":"rabitq","rabitq_bits_per_dim_precise":7`+extra)
			require.Equal(t, api.InvalidArgument, api.CodeOf(z.Load(f)))
			if ms != "l2" {
				return
			}
			// adds after the build, an update and a brute-force scan use the pairs too
			_, err = y.Add(all[:d], []int64{int64(n)}, nil)
			require.NoError(t, err)
			require.NoError(t, y.UpdateVector(3, data[4*d:5*d], true))
			res := knn(t, y, data[4*d:5*d], 2, `{"ef_search":100}`)
			require.ElementsMatch(t, []int64{3, 4}, []int64{res[0].ID, res[1].ID})
			_, isSplit := y.precise.(quant.SplitPrecise)
			require.True(t, isSplit)
		})
	}
}

// TestRaBitQSplitWider: 2-bit base records (the top planes of a 6-bit code) with 4-bit rest
// records and PCA, built by the base codes, with an update that checks the neighbourhood.
func TestRaBitQSplitWider(t *testing.T) {
	const n, d, k, nq = 800, 48, 10, 10
	all := lowRank(73, n+nq, d, 12, 8)
	data, queries := all[:n*d], all[n*d:]
	param := `"base_quantization_type":"rabitq","rabitq_version":"split","rabitq_bits_per_dim_base":2,"rabitq_bits_per_dim_precise":4,"rabitq_pca_dim":40,"use_reorder":true,"precise_quantization_type":"rabitq","max_degree":16,"ef_construction":60,"build_thread_count":2`
	for _, extra := range []string{"", `,"build_by_base":true`} {
		x := newWith(t, "l2", d, param+extra)
		_, err := x.Build(data, seq(0, n), nil)
		require.NoError(t, err)
		recall := meanRecall(t, x, metric.L2, data, queries, d, k, 100, nil)
		t.Logf("%s: recall@%d %.3f, precise bytes per vector %d", extra, k, recall, x.preciseCodes.Stride())
		require.GreaterOrEqual(t, recall, 0.85)
		// the builder's view of the precise store measures and decodes rows with their base records
		bq := x.buildQuant(x.buildStore())
		c := bq.NewComputer()
		c.SetQuery(queries[:d])
		one := make([]float32, 1)
		c.DistanceBatch(x.buildStore().Slab(), []uint32{5}, one)
		dist := c.Distance(x.buildStore().Code(5))
		require.False(t, math.IsInf(float64(dist), 0))
		require.InDelta(t, one[0], dist, 1e-3*(1+math.Abs(float64(dist))))
		if extra == "" {
			require.True(t, math.IsInf(float64(c.Distance(make([]byte, x.preciseCodes.Stride()))), 1), "not a row")
			dec := make([]float32, d)
			bq.Decode(dec, x.preciseCodes.Code(5))
			require.Less(t, float64(metric.Reference(metric.L2, dec, data[5*d:6*d])), 0.2*float64(metric.Reference(metric.L2, make([]float32, d), data[5*d:6*d])))
			bq.Decode(dec, make([]byte, x.preciseCodes.Stride()))
			require.Equal(t, make([]float32, d), dec)
		}
		v := append([]float32(nil), data[7*d:8*d]...)
		v[0] += 1e-3
		require.NoError(t, x.UpdateVector(7, v, false))
	}
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
