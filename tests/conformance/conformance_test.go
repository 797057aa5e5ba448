package conformance

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/internal/dataset"
)

// Case is one index configuration under test.
type Case struct {
	// Name is the subtest name, such as "brute_force/fp32".
	Name string
	// Index is the index type passed to core.CreateIndex.
	Index string
	// Create returns the create JSON for a metric ("l2", "ip", "cosine") and dimension.
	Create func(metric string, dim int) string
	// Search is the search JSON used for knn and range searches.
	Search string
	// Exact says the index returns exact neighbours and distances (compared to an oracle).
	Exact bool
	// MinRecall is the recall@10 the index must reach on clustered data (1 when Exact).
	MinRecall float64
	// Quantizer, when set, names a quantizer the case needs; the case is skipped until it is registered.
	Quantizer string
	// Partial says a search scans part of the index (ivf probing some buckets), so a k above
	// the count returns the labels found in that part rather than all of them.
	Partial bool
}

var cases []Case

func register(c Case) { cases = append(cases, c) }

func bfCreate(qt string) func(string, int) string {
	return func(m string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":%q}}`, m, dim, qt)
	}
}

func init() {
	register(Case{Name: "brute_force/fp32", Index: "brute_force", Create: bfCreate("fp32"), Search: `{"brute_force":{"parallelism":2}}`, Exact: true, MinRecall: 1})
	register(Case{Name: "brute_force/fp16", Index: "brute_force", Create: bfCreate("fp16"), Search: "", MinRecall: 0.97, Quantizer: "fp16"})
	register(Case{Name: "brute_force/sq8", Index: "brute_force", Create: bfCreate("sq8"), Search: "", MinRecall: 0.9, Quantizer: "sq8"})
}

const (
	dim = 24
	nb  = 1200
	nq  = 40
	k   = 10
)

type fixture struct {
	base, queries []float32
	ids           []int64
}

var data = func() fixture {
	all := dataset.Clustered(nb+nq, dim, 12, 7)
	ids := make([]int64, nb)
	for i := range ids {
		ids[i] = int64(1000 + 3*i) // labels unlike inner ids
	}
	return fixture{base: all[:nb*dim], queries: all[nb*dim:], ids: ids}
}()

func forEach(t *testing.T, fn func(t *testing.T, c Case)) {
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if c.Quantizer != "" && !hasQuantizer(c.Quantizer) {
				t.Skipf("quantizer %s is not registered", c.Quantizer)
			}
			fn(t, c)
		})
	}
}

func hasQuantizer(name string) bool {
	for _, n := range quant.Names() {
		if n == name {
			return true
		}
	}
	return false
}

func newIndex(t *testing.T, c Case, m string) *core.Index {
	t.Helper()
	idx, err := core.CreateIndex(c.Index, c.Create(m, dim))
	require.NoError(t, err)
	return idx
}

func built(t *testing.T, c Case, m string) *core.Index {
	t.Helper()
	idx := newIndex(t, c, m)
	failed, err := idx.Build(&core.Dataset{NumElements: nb, Dim: dim, IDs: data.ids, Float32: data.base})
	require.NoError(t, err)
	require.Empty(t, failed)
	return idx
}

func query(i int) []float32 { return data.queries[i*dim : (i+1)*dim] }

func qds(i int) *core.Dataset { return &core.Dataset{NumElements: 1, Dim: dim, Float32: query(i)} }

func labelIndex(label int64) int { return int(label-1000) / 3 }

func requireAscending(t *testing.T, ds *core.Dataset) {
	t.Helper()
	require.True(t, sort.SliceIsSorted(ds.Distances, func(a, b int) bool { return ds.Distances[a] < ds.Distances[b] }), "distances not ascending: %v", ds.Distances)
}

func TestBuildThenCount(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		require.EqualValues(t, nb, idx.GetNumElements())
		require.EqualValues(t, 0, idx.GetNumberRemoved())
		lo, hi, err := idx.GetMinAndMaxID()
		require.NoError(t, err)
		require.EqualValues(t, 1000, lo)
		require.EqualValues(t, 1000+3*(nb-1), hi)
		require.True(t, idx.CheckIDExist(1003))
		require.False(t, idx.CheckIDExist(1001))
		ids := idx.ExportIDs()
		require.Len(t, ids, nb)
		require.Equal(t, data.ids, ids)
		_, err = idx.Build(&core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{1}, Float32: query(0)})
		require.Equal(t, api.BuildTwice, core.CodeOf(err))
	})
}

func TestAddToEmptyAndContinueAdd(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := newIndex(t, c, "l2")
		if !idx.CheckFeature(api.SupportAddFromEmpty) {
			t.Skip("index does not support add from empty")
		}
		half := nb / 2
		failed, err := idx.Add(&core.Dataset{NumElements: half, Dim: dim, IDs: data.ids[:half], Float32: data.base[:half*dim]})
		require.NoError(t, err)
		require.Empty(t, failed)
		require.EqualValues(t, half, idx.GetNumElements())
		if !idx.CheckFeature(api.SupportAddAfterBuild) {
			_, err = idx.Add(&core.Dataset{NumElements: nb - half, Dim: dim, IDs: data.ids[half:], Float32: data.base[half*dim:]})
			require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(err))
			return
		}
		failed, err = idx.Add(&core.Dataset{NumElements: nb - half, Dim: dim, IDs: data.ids[half:], Float32: data.base[half*dim:]})
		require.NoError(t, err)
		require.Empty(t, failed)
		require.EqualValues(t, nb, idx.GetNumElements())
		checkRecall(t, c, idx)
	})
}

func TestDuplicateLabelsFail(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		if !idx.CheckFeature(api.SupportAddAfterBuild) {
			t.Skip("built once (diskann)")
		}
		ids := []int64{data.ids[0], 5, 5, data.ids[7]}
		vecs := append([]float32(nil), data.base[:4*dim]...)
		failed, err := idx.Add(&core.Dataset{NumElements: 4, Dim: dim, IDs: ids, Float32: vecs})
		require.NoError(t, err)
		require.ElementsMatch(t, []int64{data.ids[0], 5, data.ids[7]}, failed)
		require.EqualValues(t, nb+1, idx.GetNumElements())
	})
}

// oracle returns exact (label, distance) pairs for query i under metric m.
func oracle(m string, q []float32, removed map[int64]bool) []core.Neighbor {
	kind, _ := metric.Parse(m)
	var out []core.Neighbor
	for i := 0; i < nb; i++ {
		if removed[data.ids[i]] {
			continue
		}
		out = append(out, core.Neighbor{ID: data.ids[i], Distance: metric.Reference(kind, q, data.base[i*dim:(i+1)*dim])})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Distance < out[b].Distance })
	return out
}

func checkRecall(t *testing.T, c Case, idx *core.Index) {
	t.Helper()
	hit := 0
	for i := 0; i < nq; i++ {
		res, err := idx.Search(query(i), k, c.Search, nil)
		require.NoError(t, err)
		truth := oracle("l2", query(i), nil)[:k]
		for _, r := range res {
			for _, tr := range truth {
				if r.ID == tr.ID {
					hit++
					break
				}
			}
		}
	}
	recall := float64(hit) / float64(nq*k)
	require.GreaterOrEqual(t, recall, c.MinRecall, "recall@%d", k)
}

func TestSearchResults(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		for _, m := range []string{"l2", "ip", "cosine"} {
			t.Run(m, func(t *testing.T) {
				idx := built(t, c, m)
				for i := 0; i < 5; i++ {
					res, err := idx.KnnSearch(qds(i), k, c.Search, nil)
					require.NoError(t, err)
					require.Equal(t, k, len(res.IDs))
					requireAscending(t, res)
					if c.Exact {
						truth := oracle(m, query(i), nil)
						for j := range res.IDs {
							require.InDelta(t, truth[j].Distance, res.Distances[j], 1e-3*(1+math.Abs(float64(truth[j].Distance))), "rank %d", j)
						}
					}
				}
			})
		}
		idx := built(t, c, "l2")
		checkRecall(t, c, idx)
		res, err := idx.KnnSearch(qds(0), nb+50, c.Search, nil)
		require.NoError(t, err)
		if c.Partial {
			require.NotEmpty(t, res.IDs)
			require.LessOrEqual(t, len(res.IDs), nb)
		} else {
			require.Len(t, res.IDs, nb, "k > count returns count")
		}
	})
}

func TestEmptyIndexReturnsNothing(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := newIndex(t, c, "l2")
		res, err := idx.KnnSearch(qds(0), k, c.Search, nil)
		require.NoError(t, err)
		require.Empty(t, res.IDs)
		require.EqualValues(t, 0, idx.GetNumElements())
		_, _, err = idx.GetMinAndMaxID()
		require.Equal(t, api.IndexEmpty, core.CodeOf(err))
		if idx.CheckFeature(api.SupportRangeSearch) {
			rr, err := idx.RangeSearch(qds(0), 10, c.Search, nil, -1)
			require.NoError(t, err)
			require.Empty(t, rr.IDs)
		}
	})
}

func TestRangeSearch(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		if !idx.CheckFeature(api.SupportRangeSearch) {
			_, err := idx.RangeSearch(qds(0), 1, c.Search, nil, -1)
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
			return
		}
		truth := oracle("l2", query(1), nil)
		radius := truth[30].Distance
		res, err := idx.RangeSearch(qds(1), radius, c.Search, nil, -1)
		require.NoError(t, err)
		requireAscending(t, res)
		for _, d := range res.Distances {
			require.LessOrEqual(t, d, radius)
		}
		if c.Exact {
			require.Len(t, res.IDs, 31)
		} else {
			require.GreaterOrEqual(t, len(res.IDs), 20)
		}
		lim, err := idx.RangeSearch(qds(1), radius, c.Search, nil, 5)
		require.NoError(t, err)
		require.Len(t, lim.IDs, 5)
		require.Equal(t, res.IDs[:5], lim.IDs)
		_, err = idx.RangeSearch(qds(1), radius, c.Search, nil, 0)
		require.Equal(t, api.InvalidArgument, core.CodeOf(err))
	})
}

func TestFilters(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		if !idx.CheckFeature(api.SupportKnnSearchWithIDFilter) {
			t.Skip("no id filter")
		}
		even := func(l int64) bool { return labelIndex(l)%2 == 0 }
		bs := core.NewBitset()
		for _, l := range data.ids {
			if even(l) {
				bs.Set(l, true)
			}
		}
		filters := map[string]core.Filter{
			"bitset excludes set bits":   core.BitsetFilter(bs),
			"exclude func true excludes": core.ExcludeFunc(even),
			"keep func true keeps":       core.KeepFunc(func(l int64) bool { return !even(l) }, 0.5),
		}
		for name, f := range filters {
			t.Run(name, func(t *testing.T) {
				for i := 0; i < 5; i++ {
					res, err := idx.KnnSearch(qds(i), k, c.Search, f)
					require.NoError(t, err)
					require.Len(t, res.IDs, k)
					for _, id := range res.IDs {
						require.False(t, even(id), "label %d should be filtered out", id)
					}
					if idx.CheckFeature(api.SupportRangeSearchWithIDFilter) {
						rr, err := idx.RangeSearch(qds(i), 1e9, c.Search, f, 20)
						require.NoError(t, err)
						for _, id := range rr.IDs {
							require.False(t, even(id))
						}
					}
				}
			})
		}
	})
}

func TestMarkRemove(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		if !idx.CheckFeature(api.SupportDeleteByID) {
			_, err := idx.Remove(data.ids[0])
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
			return
		}
		first, err := idx.Search(query(2), k, c.Search, nil)
		require.NoError(t, err)
		var drop []int64
		for _, r := range first[:5] {
			drop = append(drop, r.ID)
		}
		n, err := idx.Remove(drop...)
		require.NoError(t, err)
		require.Equal(t, 5, n)
		require.EqualValues(t, nb-5, idx.GetNumElements())
		require.EqualValues(t, 5, idx.GetNumberRemoved())
		n, err = idx.Remove(drop...)
		require.NoError(t, err)
		require.Equal(t, 0, n, "removing twice removes nothing")
		again, err := idx.Search(query(2), k, c.Search, nil)
		require.NoError(t, err)
		require.NotEmpty(t, again, "the search after the removal finds the other neighbours")
		for _, r := range again {
			require.NotContains(t, drop, r.ID)
			require.True(t, idx.CheckIDExist(r.ID))
		}
		for _, id := range drop {
			require.False(t, idx.CheckIDExist(id))
		}
		if !idx.CheckFeature(api.SupportAddAfterBuild) {
			return // built once (diskann)
		}
		// re-add the removed labels with their vectors
		vecs := make([]float32, 0, len(drop)*dim)
		for _, id := range drop {
			i := labelIndex(id)
			vecs = append(vecs, data.base[i*dim:(i+1)*dim]...)
		}
		failed, err := idx.Add(&core.Dataset{NumElements: len(drop), Dim: dim, IDs: drop, Float32: vecs})
		require.NoError(t, err)
		require.Empty(t, failed)
		require.EqualValues(t, nb, idx.GetNumElements())
		back, err := idx.Search(query(2), k, c.Search, nil)
		require.NoError(t, err)
		found := 0
		for _, r := range back {
			for _, id := range drop {
				if r.ID == id {
					found++
				}
			}
		}
		require.GreaterOrEqual(t, found, 4, "re-added labels are found again")
	})
}

func TestCalcDistanceByIDMatchesSearch(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		for _, m := range []string{"l2", "ip", "cosine"} {
			idx := built(t, c, m)
			if !idx.CheckFeature(api.SupportCalDistanceByID) {
				continue
			}
			res, err := idx.Search(query(3), k, c.Search, nil)
			require.NoError(t, err)
			ids := make([]int64, 0, len(res)+1)
			for _, r := range res {
				ids = append(ids, r.ID)
			}
			ids = append(ids, 1) // missing label
			ds, err := idx.CalcDistanceByIDs(query(3), ids)
			require.NoError(t, err)
			for j, r := range res {
				require.InDelta(t, r.Distance, ds[j], 1e-4*(1+math.Abs(float64(r.Distance))), "%s rank %d", m, j)
			}
			require.EqualValues(t, -1, ds[len(ds)-1])
			one, err := idx.CalcDistanceByID(query(3), ids[0])
			require.NoError(t, err)
			require.Equal(t, ds[0], one)
		}
	})
}

func TestRawVectors(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		if !idx.CheckFeature(api.SupportGetRawVectorByIDs) {
			_, err := idx.GetRawVectorByIDs(data.ids[:2])
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
			return
		}
		ds, err := idx.GetRawVectorByIDs([]int64{data.ids[4], data.ids[9]})
		require.NoError(t, err)
		require.Equal(t, data.base[4*dim:5*dim], ds.Float32[:dim])
		require.Equal(t, data.base[9*dim:10*dim], ds.Float32[dim:])
		_, err = idx.GetRawVectorByIDs([]int64{1})
		require.Equal(t, api.InvalidArgument, core.CodeOf(err))
	})
}

func sameResults(t *testing.T, c Case, a, b *core.Index) {
	t.Helper()
	for i := 0; i < nq; i++ {
		ra, err := a.Search(query(i), k, c.Search, nil)
		require.NoError(t, err)
		rb, err := b.Search(query(i), k, c.Search, nil)
		require.NoError(t, err)
		require.Equal(t, len(ra), len(rb))
		for j := range ra {
			require.Equal(t, ra[j].ID, rb[j].ID, "query %d rank %d", i, j)
			require.InDelta(t, ra[j].Distance, rb[j].Distance, 2e-6)
		}
	}
}

func TestSerializationRoutes(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		_, err := idx.Remove(data.ids[10], data.ids[20])
		require.NoError(t, err)
		fresh := func() *core.Index { return newIndex(t, c, "l2") }

		var buf bytes.Buffer
		require.NoError(t, idx.Serialize(&buf))
		a := fresh()
		require.NoError(t, a.Deserialize(bytes.NewReader(buf.Bytes())))
		sameResults(t, c, idx, a)
		require.Equal(t, idx.GetNumElements(), a.GetNumElements())
		require.Equal(t, idx.GetNumberRemoved(), a.GetNumberRemoved())

		path := filepath.Join(t.TempDir(), "idx.vsag")
		require.NoError(t, idx.SerializeFile(path))
		b := fresh()
		require.NoError(t, b.DeserializeFile(path))
		sameResults(t, c, idx, b)
		lf, err := core.LoadFile(path)
		require.NoError(t, err)
		require.Equal(t, c.Index, lf.Name())
		sameResults(t, c, idx, lf)

		var chunks bytes.Buffer
		require.NoError(t, idx.SerializeWriteFunc(func(off uint64, p []byte) error {
			require.EqualValues(t, chunks.Len(), off)
			chunks.Write(p)
			return nil
		}))
		blob := chunks.Bytes()
		cIdx := fresh()
		require.NoError(t, cIdx.DeserializeReadFunc(func(off uint64, dst []byte) error {
			copy(dst, blob[off:])
			return nil
		}, uint64(len(blob))))
		sameResults(t, c, idx, cIdx)

		set, err := idx.SerializeBinarySet()
		require.NoError(t, err)
		d := fresh()
		require.NoError(t, d.DeserializeBinarySet(set))
		sameResults(t, c, idx, d)
		ls, err := core.LoadBinarySet(set)
		require.NoError(t, err)
		sameResults(t, c, idx, ls)

		// loading into a non-empty index, a mismatching index, and broken files
		err = a.Deserialize(bytes.NewReader(buf.Bytes()))
		require.Equal(t, api.IndexNotEmpty, core.CodeOf(err))
		other, err := core.CreateIndex(c.Index, c.Create("l2", dim+1))
		require.NoError(t, err)
		err = other.Deserialize(bytes.NewReader(buf.Bytes()))
		require.Equal(t, api.InvalidArgument, core.CodeOf(err))
		require.Contains(t, err.Error(), "dim")
		for _, cut := range []int{0, 10, buf.Len() / 2, buf.Len() - 1} {
			err = fresh().Deserialize(bytes.NewReader(buf.Bytes()[:cut]))
			require.Equal(t, api.InvalidBinary, core.CodeOf(err), "truncated at %d", cut)
		}
		bad := append([]byte(nil), buf.Bytes()...)
		bad[len(bad)/2] ^= 0xff
		err = fresh().Deserialize(bytes.NewReader(bad))
		require.Equal(t, api.InvalidBinary, core.CodeOf(err))
		err = fresh().DeserializeFile(filepath.Join(t.TempDir(), "missing"))
		require.Equal(t, api.MissingFile, core.CodeOf(err))
		foreign := filepath.Join(t.TempDir(), "foreign")
		require.NoError(t, os.WriteFile(foreign, []byte("this is not an index file at all"), 0o644))
		_, err = core.LoadFile(foreign)
		require.Equal(t, api.InvalidBinary, core.CodeOf(err))
	})
}

func TestCloneAndImmutable(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		if !idx.CheckFeature(api.SupportClone) {
			t.Skip("no clone")
		}
		cl, err := idx.Clone()
		require.NoError(t, err)
		sameResults(t, c, idx, cl)
		_, err = cl.Remove(data.ids[0])
		require.NoError(t, err)
		require.True(t, idx.CheckIDExist(data.ids[0]), "clone is independent")
		require.NoError(t, idx.SetImmutable())
		_, err = idx.Add(&core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{1}, Float32: query(0)})
		require.Equal(t, api.WrongStatus, core.CodeOf(err))
		_, err = idx.Remove(data.ids[1])
		require.Equal(t, api.WrongStatus, core.CodeOf(err))
		_, err = idx.Search(query(0), k, c.Search, nil)
		require.NoError(t, err, "an immutable index still searches")
	})
}

func TestEstimateMemory(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		if !idx.CheckFeature(api.SupportEstimateMemory) {
			t.Skip("no estimate")
		}
		est := float64(idx.EstimateMemory(nb))
		real := float64(idx.GetMemoryUsage())
		require.Greater(t, real, 0.0)
		require.InDelta(t, 1.0, est/real, 0.2, "estimate %.0f vs usage %.0f", est, real)
	})
}

func TestBadInput(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		nan := append([]float32(nil), query(0)...)
		nan[3] = float32(math.NaN())
		inf := append([]float32(nil), query(0)...)
		inf[0] = float32(math.Inf(-1))
		cases := []struct {
			name string
			err  func() error
			code api.ErrorCode
		}{
			{"add NaN", func() error {
				_, err := idx.Add(&core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{7}, Float32: nan})
				return err
			}, api.InvalidArgument},
			{"add Inf", func() error {
				_, err := idx.Add(&core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{7}, Float32: inf})
				return err
			}, api.InvalidArgument},
			{"search NaN", func() error { _, err := idx.Search(nan, k, c.Search, nil); return err }, api.InvalidArgument},
			{"wrong dim add", func() error {
				_, err := idx.Add(&core.Dataset{NumElements: 1, Dim: dim - 1, IDs: []int64{7}, Float32: query(0)[:dim-1]})
				return err
			}, api.DimensionNotEqual},
			{"wrong dim search", func() error { _, err := idx.Search(query(0)[:dim-2], k, c.Search, nil); return err }, api.DimensionNotEqual},
			{"short vectors", func() error {
				_, err := idx.Add(&core.Dataset{NumElements: 2, Dim: dim, IDs: []int64{7, 8}, Float32: query(0)})
				return err
			}, api.InvalidArgument},
			{"missing ids", func() error {
				_, err := idx.Add(&core.Dataset{NumElements: 1, Dim: dim, Float32: query(0)})
				return err
			}, api.InvalidArgument},
			{"k zero", func() error { _, err := idx.Search(query(0), 0, c.Search, nil); return err }, api.InvalidArgument},
			{"k negative", func() error { _, err := idx.Search(query(0), -3, c.Search, nil); return err }, api.InvalidArgument},
			{"bad search json", func() error { _, err := idx.Search(query(0), k, `{"brute_force":`, nil); return err }, api.InvalidArgument},
			{"unknown search key", func() error { _, err := idx.Search(query(0), k, `{"nope":{}}`, nil); return err }, api.InvalidArgument},
			{"nil dataset", func() error { _, err := idx.Add(nil); return err }, api.InvalidArgument},
		}
		for _, tc := range cases {
			err := tc.err()
			require.Error(t, err, tc.name)
			require.Equal(t, tc.code, core.CodeOf(err), "%s: %v", tc.name, err)
		}
		require.EqualValues(t, nb, idx.GetNumElements(), "bad input lost nothing and added nothing")

		for _, js := range []string{`{`, `[]`, `{"dim":0}`, `{"dim":8,"metric_type":"hamming"}`, `{"dim":8,"dtype":"float64"}`, `{"dim":8,"bogus":1}`, `{"metric_type":"l2"}`} {
			_, err := core.CreateIndex(c.Index, js)
			require.Equal(t, api.InvalidArgument, core.CodeOf(err), js)
		}
		bad := c.Create("l2", dim)
		bad = bad[:len(bad)-2] + `,"no_such_key":1}}`
		_, err := core.CreateIndex(c.Index, bad)
		require.Equal(t, api.InvalidArgument, core.CodeOf(err), bad)
		require.Contains(t, err.Error(), "no_such_key")
		_, err = core.CreateIndex("no_such_index", c.Create("l2", dim))
		require.Equal(t, api.UnsupportedIndex, core.CodeOf(err))
	})
}

func TestBatchSearchEqualsSingle(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		res, err := idx.BatchKnnSearch(&core.Dataset{NumElements: nq, Dim: dim, Float32: data.queries}, k, c.Search, nil)
		require.NoError(t, err)
		require.Equal(t, nq, res.NumElements)
		for i := 0; i < nq; i++ {
			one, err := idx.Search(query(i), k, c.Search, nil)
			require.NoError(t, err)
			for j, r := range one {
				require.Equal(t, r.ID, res.IDs[i*k+j])
			}
		}
		// k above the count: the rows hold the count (k never sizes the result beyond it)
		small := newIndex(t, c, "l2")
		_, err = small.Build(&core.Dataset{NumElements: 3, Dim: dim, IDs: data.ids[:3], Float32: data.base[:3*dim]})
		require.NoError(t, err)
		res, err = small.BatchKnnSearch(&core.Dataset{NumElements: 2, Dim: dim, Float32: data.queries[:2*dim]}, 5, c.Search, nil)
		require.NoError(t, err)
		require.Equal(t, 3, res.Dim)
		require.Len(t, res.IDs, 6)
		// the zero-copy form keeps the caller's stride and pads
		ids, dists := make([]int64, 10), make([]float32, 10)
		require.NoError(t, small.BatchSearchInto(data.queries[:2*dim], 2, 5, c.Search, nil, ids, dists))
		require.EqualValues(t, -1, ids[3])
		require.EqualValues(t, -1, ids[9])
		require.True(t, math.IsInf(float64(dists[9]), 1))
		require.NotEqualValues(t, -1, ids[7])
		// a hostile k is capped before anything is allocated
		res, err = small.BatchKnnSearch(&core.Dataset{NumElements: 2, Dim: dim, Float32: data.queries[:2*dim]}, 1<<43, c.Search, nil)
		require.NoError(t, err)
		require.Equal(t, 3, res.Dim)
		one, err := small.Search(query(0), 1<<43, c.Search, nil)
		require.NoError(t, err)
		require.Len(t, one, 3)
	})
}

func TestDetailInfos(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		infos := idx.GetIndexDetailInfos()
		require.NotEmpty(t, infos)
		d, err := idx.GetDetailDataByName("num_elements")
		require.NoError(t, err)
		require.EqualValues(t, nb, d.Scalar64)
		d, err = idx.GetDetailDataByName("data_type")
		require.NoError(t, err)
		require.Equal(t, "float32", d.String)
		d, err = idx.GetDetailDataByName("label_table")
		require.NoError(t, err)
		require.Len(t, d.ArrayInt64, nb)
		_, err = idx.GetDetailDataByName("nope")
		require.Equal(t, api.InvalidArgument, core.CodeOf(err))
	})
}

// TestConcurrentAddSearchRemove runs adds, searches and removes on one index at once; run it
// with -race.
func TestConcurrentAddSearchRemove(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := newIndex(t, c, "l2")
		if !idx.CheckFeature(api.SupportAddSearchDeleteConcurrent) {
			t.Skip("not concurrent")
		}
		half := nb / 2
		_, err := idx.Build(&core.Dataset{NumElements: half, Dim: dim, IDs: data.ids[:half], Float32: data.base[:half*dim]})
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		wg.Add(3)
		go func() {
			defer wg.Done()
			for i := half; i < nb; i += 20 {
				e := min(i+20, nb)
				if _, err := idx.Add(&core.Dataset{NumElements: e - i, Dim: dim, IDs: data.ids[i:e], Float32: data.base[i*dim : e*dim]}); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for r := 0; r < 3; r++ {
				for i := 0; i < nq; i++ {
					if _, err := idx.Search(query(i), k, c.Search, nil); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < half; i += 10 {
				if _, err := idx.Remove(data.ids[i]); err != nil {
					errs <- err
					return
				}
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.EqualValues(t, nb-half/10, idx.GetNumElements())
	})
}

func TestReset(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		require.True(t, newIndex(t, c, "l2").CheckFeature(api.SupportReset))
		idx := built(t, c, "l2")
		require.NoError(t, idx.Reset())
		require.Zero(t, idx.GetNumElements())
		require.Zero(t, idx.GetNumberRemoved())
		res, err := idx.Search(query(0), k, c.Search, nil)
		require.NoError(t, err)
		require.Empty(t, res)
		// built again from scratch, it answers as a fresh index does
		_, err = idx.Build(&core.Dataset{NumElements: nb, Dim: dim, IDs: data.ids, Float32: data.base})
		require.NoError(t, err)
		fresh := built(t, c, "l2")
		for i := 0; i < 5; i++ {
			a, err := idx.Search(query(i), k, c.Search, nil)
			require.NoError(t, err)
			b, err := fresh.Search(query(i), k, c.Search, nil)
			require.NoError(t, err)
			require.Equal(t, b, a)
		}
		require.NoError(t, idx.SetImmutable())
		require.Equal(t, api.WrongStatus, core.CodeOf(idx.Reset()))
	})
}

func TestFeatureFlagsAreTruthful(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := newIndex(t, c, "l2")
		require.True(t, idx.CheckFeature(api.SupportKnnSearch))
		require.False(t, idx.CheckFeature(0))
		require.False(t, idx.CheckFeature(api.MaxFeature+1))
		// flags no engine implements must be off (merge is checked by TestExportModelAndMerge,
		// feedback by TestFeedbackFlagIsTruthful, tune by TestTune)
		for _, f := range []api.Feature{api.SupportGetExtraInfoByID, api.SupportUpdateExtraInfoConcurrent} {
			require.False(t, idx.CheckFeature(f), "feature %d", f)
		}
	})
}

// TestConcurrentAddKeepsFullResults checks that searches running while vectors are added still
// return k results: a node being inserted must never strand a search (run with -race too).
func TestConcurrentAddKeepsFullResults(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := newIndex(t, c, "l2")
		if !idx.CheckFeature(api.SupportAddSearchConcurrent) {
			t.Skip("not concurrent")
		}
		half := nb / 2
		_, err := idx.Build(&core.Dataset{NumElements: half, Dim: dim, IDs: data.ids[:half], Float32: data.base[:half*dim]})
		require.NoError(t, err)
		done := make(chan struct{})
		short := make(chan int, 64)
		var wg sync.WaitGroup
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := g; ; i = (i + 1) % nq {
					select {
					case <-done:
						return
					default:
					}
					res, err := idx.Search(query(i), k, c.Search, nil)
					if err != nil || len(res) < k {
						select {
						case short <- len(res):
						default:
						}
					}
				}
			}(g)
		}
		for i := half; i < nb; i += 10 {
			e := min(i+10, nb)
			_, err := idx.Add(&core.Dataset{NumElements: e - i, Dim: dim, IDs: data.ids[i:e], Float32: data.base[i*dim : e*dim]})
			require.NoError(t, err)
		}
		close(done)
		wg.Wait()
		close(short)
		for n := range short {
			t.Errorf("a search during adds returned %d results, want %d", n, k)
		}
	})
}
