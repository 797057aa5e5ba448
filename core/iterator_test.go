package core

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/internal/dataset"
)

const (
	itDim = 16
	itN   = 2000
	// itIVF and itIVFReorder are ivf index_param blocks for the iterator tests.
	itIVF        = `{"buckets_count":16,"base_quantization_type":"fp32"}`
	itIVFReorder = `{"buckets_count":16,"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32"}`
)

// indexType maps a test case name to its index type ("ivf_reorder" is ivf).
func indexType(name string) string {
	if name == "ivf_reorder" {
		return "ivf"
	}
	return name
}

var itData = dataset.Clustered(itN+20, itDim, 10, 3)

func itQuery(i int) []float32 { return itData[(itN+i)*itDim : (itN+i+1)*itDim] }

// itIndex builds an index of itN clustered vectors labelled 10*i.
func itIndex(t *testing.T, name, indexParam string) *Index {
	t.Helper()
	x, err := CreateIndex(name, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":%s}`, itDim, indexParam))
	require.NoError(t, err)
	ids := make([]int64, itN)
	for i := range ids {
		ids[i] = int64(10 * i)
	}
	_, err = x.Build(&Dataset{NumElements: itN, Dim: itDim, IDs: ids, Float32: itData[:itN*itDim]})
	require.NoError(t, err)
	return x
}

// itExact returns the exact neighbours of q among the labels keep accepts.
func itExact(q []float32, keep func(int64) bool) []Neighbor {
	var out []Neighbor
	for i := 0; i < itN; i++ {
		if keep != nil && !keep(int64(10*i)) {
			continue
		}
		out = append(out, Neighbor{ID: int64(10 * i), Distance: metric.Reference(metric.L2, q, itData[i*itDim:(i+1)*itDim])})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Distance < out[b].Distance })
	return out
}

// pages takes n pages of k and checks that they are disjoint and that each ascends.
func pages(t *testing.T, it *SearchIterator, n, k int) ([][]Neighbor, []Neighbor) {
	t.Helper()
	seen := map[int64]bool{}
	var ps [][]Neighbor
	var all []Neighbor
	for p := 0; p < n; p++ {
		page, err := it.Next(k)
		require.NoError(t, err)
		require.True(t, sort.SliceIsSorted(page, func(a, b int) bool { return page[a].Distance < page[b].Distance }), "page %d not ascending", p)
		for _, r := range page {
			require.False(t, seen[r.ID], "label %d returned twice (page %d)", r.ID, p)
			seen[r.ID] = true
		}
		ps = append(ps, page)
		all = append(all, page...)
	}
	return ps, all
}

func ids(ns []Neighbor) []int64 {
	out := make([]int64, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func TestIteratorFlags(t *testing.T) {
	for name, param := range map[string]string{
		"brute_force": `{}`,
		"hgraph":      `{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}`,
		"ivf":         itIVF,
	} {
		x := itIndex(t, name, param)
		require.True(t, x.CheckFeature(api.SupportKnnIteratorFilterSearch), name)
		require.True(t, x.CheckFeature(api.SupportContinueSearchSession), name)
	}
}

func TestIteratorBruteForceExact(t *testing.T) {
	x := itIndex(t, "brute_force", `{}`)
	q := itQuery(0)
	it, err := x.NewSearchIterator(q, `{"brute_force":{"parallelism":2}}`, nil)
	require.NoError(t, err)
	defer it.Close()
	ps, all := pages(t, it, 6, 25)
	truth := itExact(q, nil)[:150]
	require.Equal(t, ids(truth), ids(all), "the union of the pages is the exact top 150, in order")
	for p := 1; p < len(ps); p++ {
		require.LessOrEqual(t, ps[p-1][len(ps[p-1])-1].Distance, ps[p][0].Distance, "pages ascend one after the other")
	}
	require.Equal(t, 150, it.Returned())

	// the rest comes out to the end, then empty pages
	rest, err := it.Next(itN)
	require.NoError(t, err)
	require.Len(t, rest, itN-150)
	empty, err := it.Next(5)
	require.NoError(t, err)
	require.Empty(t, empty)
}

func TestIteratorFilterRemoveAdd(t *testing.T) {
	for _, c := range []struct{ name, param, search string }{
		{"brute_force", `{}`, `{}`},
		{"hgraph", `{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}`, `{"hgraph":{"ef_search":60}}`},
		{"ivf", itIVF, `{"ivf":{"scan_buckets_count":4}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := itIndex(t, c.name, c.param)
			q := itQuery(1)
			odd := func(l int64) bool { return (l/10)%2 == 1 }
			it, err := x.NewSearchIterator(q, c.search, KeepFunc(odd, 0.5))
			require.NoError(t, err)
			defer it.Close()
			first, err := it.Next(10)
			require.NoError(t, err)
			require.Len(t, first, 10)
			// remove the next few exact candidates, add a vector right at the query
			truth := itExact(q, odd)
			var gone []int64
			for _, n := range truth[10:20] {
				gone = append(gone, n.ID)
			}
			_, err = x.Remove(gone...)
			require.NoError(t, err)
			_, err = x.Add(&Dataset{NumElements: 1, Dim: itDim, IDs: []int64{10*itN + 1}, Float32: q})
			require.NoError(t, err)
			_, rest := pages(t, it, 8, 10)
			seen := map[int64]bool{}
			for _, n := range append(first, rest...) {
				require.True(t, odd(n.ID), "filter ignored for %d", n.ID)
				require.NotEqual(t, int64(10*itN+1), n.ID, "a label added after the session started")
				seen[n.ID] = true
			}
			for _, g := range gone {
				require.False(t, seen[g] && !containsID(first, g), "removed label %d returned", g)
			}
			// the union over the exact list minus the removed ones: the first 80 kept ones
			want := 0
			for _, n := range truth[:90] {
				if seen[n.ID] {
					want++
				}
			}
			require.GreaterOrEqual(t, want, 72, "recall of the union")
		})
	}
}

func containsID(ns []Neighbor, id int64) bool {
	for _, n := range ns {
		if n.ID == id {
			return true
		}
	}
	return false
}

func TestIteratorHGraph(t *testing.T) {
	for _, c := range []struct{ name, param, search string }{
		{"fp32", `{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}`, `{"hgraph":{"ef_search":40}}`},
		{"sq8_reorder", `{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":100}`, `{"hgraph":{"ef_search":40}}`},
		{"split_buffer", `{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":100}`, `{"hgraph":{"ef_search":30,"search_buffer_capacity":60}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := itIndex(t, "hgraph", c.param)
			hit, total, inversions := 0, 0, 0
			for qi := 0; qi < 10; qi++ {
				q := itQuery(qi)
				it, err := x.NewSearchIterator(q, c.search, nil)
				require.NoError(t, err)
				ps, all := pages(t, it, 10, 10)
				it.Close()
				require.Len(t, all, 100)
				truth := map[int64]bool{}
				for _, n := range itExact(q, nil)[:100] {
					truth[n.ID] = true
				}
				for _, n := range all {
					if truth[n.ID] {
						hit++
					}
				}
				total += 100
				for p := 1; p < len(ps); p++ {
					if ps[p][0].Distance < ps[p-1][len(ps[p-1])-1].Distance {
						inversions++
					}
				}
			}
			recall := float64(hit) / float64(total)
			t.Logf("recall of 10 pages of 10: %.3f, page-boundary inversions %d of 90", recall, inversions)
			require.GreaterOrEqual(t, recall, 0.9)
			require.LessOrEqual(t, inversions, 20)
		})
	}
}

// TestIteratorHGraphContinues checks that later pages continue the walk instead of restarting:
// ten pages of 10 cost about what one search of k=100 costs, not ten searches.
func TestIteratorHGraphContinues(t *testing.T) {
	x := itIndex(t, "hgraph", `{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}`)
	q := itQuery(3)
	const search = `{"hgraph":{"ef_search":20}}`
	var one SearchStats
	_, err := x.KnnSearchWithStats(&Dataset{NumElements: 1, Dim: itDim, Float32: q}, 100, search, nil, &one)
	require.NoError(t, err)
	it, err := x.NewSearchIterator(q, search, nil)
	require.NoError(t, err)
	defer it.Close()
	var sum SearchStats
	var first SearchStats
	for p := 0; p < 10; p++ {
		st := &sum
		if p == 0 {
			st = &first
		}
		page, err := it.NextWithStats(10, st)
		require.NoError(t, err)
		require.Len(t, page, 10)
	}
	sum.DistanceComputations += first.DistanceComputations
	t.Logf("one search k=100: %d distances; first page %d; ten pages %d", one.DistanceComputations, first.DistanceComputations, sum.DistanceComputations)
	require.Less(t, sum.DistanceComputations, 2*one.DistanceComputations)
	require.Less(t, sum.DistanceComputations, 10*first.DistanceComputations*7/10)
}

func TestIteratorHGraphExhaustsAndExactPath(t *testing.T) {
	x := itIndex(t, "hgraph", `{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}`)
	q := itQuery(4)
	// a selective filter with brute_force_threshold: the exact path
	few := func(l int64) bool { return l%70 == 0 }
	it, err := x.NewSearchIterator(q, `{"hgraph":{"ef_search":10,"brute_force_threshold":0.5}}`, KeepFunc(few, 0.05))
	require.NoError(t, err)
	ps, all := pages(t, it, 3, 7)
	truth := itExact(q, few)
	require.Equal(t, ids(truth[:21]), ids(all))
	for p := 1; p < len(ps); p++ {
		require.LessOrEqual(t, ps[p-1][len(ps[p-1])-1].Distance, ps[p][0].Distance)
	}
	it.Close()

	// the graph walk returns every label once before it ends
	it, err = x.NewSearchIterator(q, `{"hgraph":{"ef_search":16}}`, nil)
	require.NoError(t, err)
	defer it.Close()
	seen := map[int64]bool{}
	for {
		page, err := it.Next(97)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, n := range page {
			require.False(t, seen[n.ID])
			seen[n.ID] = true
		}
	}
	require.Len(t, seen, itN)
}

func TestIteratorDrainCloseErrors(t *testing.T) {
	for _, c := range []struct{ name, param, search string }{
		{"brute_force", `{}`, `{}`},
		{"hgraph", `{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}`, `{"hgraph":{"ef_search":50}}`},
		{"ivf", itIVF, `{"ivf":{"scan_buckets_count":4}}`},
		{"ivf_reorder", itIVFReorder, `{"ivf":{"scan_buckets_count":4,"factor":3}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := itIndex(t, indexType(c.name), c.param)
			q := itQuery(5)
			it, err := x.NewSearchIterator(q, c.search, nil)
			require.NoError(t, err)
			_, err = it.Next(0)
			require.Equal(t, api.InvalidArgument, CodeOf(err))
			page, err := it.Next(10)
			require.NoError(t, err)
			drained, err := it.Drain(1000)
			require.NoError(t, err)
			require.NotEmpty(t, drained, "the candidates found and not returned")
			require.True(t, sort.SliceIsSorted(drained, func(a, b int) bool { return drained[a].Distance < drained[b].Distance }))
			for _, n := range drained {
				require.False(t, containsID(page, n.ID))
			}
			require.True(t, it.Closed())
			_, err = it.Next(10)
			require.Equal(t, api.WrongStatus, CodeOf(err))
			_, err = it.Drain(10)
			require.Equal(t, api.WrongStatus, CodeOf(err))
			it.Close() // again: nothing

			// a reset index invalidates its sessions
			it, err = x.NewSearchIterator(q, c.search, nil)
			require.NoError(t, err)
			require.NoError(t, x.Reset())
			_, err = it.Next(3)
			require.Equal(t, api.WrongStatus, CodeOf(err))
			it.Close()

			// bad input
			_, err = x.NewSearchIterator(q[:3], c.search, nil)
			require.Equal(t, api.DimensionNotEqual, CodeOf(err))
			_, err = x.NewSearchIterator(q, `{"bogus":1}`, nil)
			require.Equal(t, api.InvalidArgument, CodeOf(err))
		})
	}
	// an index type without sessions: no flags, UNSUPPORTED_INDEX_OPERATION
	RegisterIndex("minimal_iter_test", func(c *params.Create) (api.Engine, error) { return &minimalEngine{dim: c.Dim}, nil })
	defer delete(factories, "minimal_iter_test")
	x, err := CreateIndex("minimal_iter_test", `{"dtype":"float32","metric_type":"l2","dim":2,"index_param":{}}`)
	require.NoError(t, err)
	require.False(t, x.CheckFeature(api.SupportKnnIteratorFilterSearch))
	require.False(t, x.CheckFeature(api.SupportContinueSearchSession))
	_, err = x.NewSearchIterator([]float32{0, 0}, `{}`, nil)
	require.Equal(t, api.UnsupportedIndexOperation, CodeOf(err))
}

// TestIteratorConcurrentWrites takes pages while other goroutines add and remove (run with
// -race): no label is returned twice, no removed label after its removal, no added label.
func TestIteratorConcurrentWrites(t *testing.T) {
	for _, c := range []struct{ name, param, search string }{
		{"brute_force", `{}`, `{}`},
		{"hgraph", `{"base_quantization_type":"fp32","max_degree":16,"ef_construction":60}`, `{"hgraph":{"ef_search":30}}`},
		{"ivf", itIVF, `{"ivf":{"scan_buckets_count":4}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := itIndex(t, c.name, c.param)
			var wg sync.WaitGroup
			stop := make(chan struct{})
			var mu sync.Mutex
			var added atomic.Int64 // adds completed
			removed := map[int64]bool{}
			wg.Add(2)
			go func() { // adds
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					_, err := x.Add(&Dataset{NumElements: 1, Dim: itDim, IDs: []int64{int64(10*itN + 1 + i)}, Float32: itQuery(i % 20)})
					if err != nil {
						t.Error(err)
						return
					}
					added.Store(int64(i + 1))
				}
			}()
			go func() { // removes
				defer wg.Done()
				for i := 1; i < itN; i += 7 {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := x.Remove(int64(10 * i)); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					removed[int64(10*i)] = true // recorded once the removal is done
					mu.Unlock()
				}
			}()
			seen := map[int64]bool{}
			for s := 0; s < 4; s++ {
				it, err := x.NewSearchIterator(itQuery(s), c.search, nil)
				require.NoError(t, err)
				// the add after the one counted here started after the session was created
				lateFrom := int64(10*itN+1) + added.Load() + 1
				for p := 0; p < 8; p++ {
					mu.Lock()
					before := make(map[int64]bool, len(removed))
					for k := range removed {
						before[k] = true
					}
					mu.Unlock()
					page, err := it.Next(15)
					require.NoError(t, err)
					for _, n := range page {
						require.Less(t, n.ID, lateFrom, "added after the session started")
						require.False(t, seen[n.ID], "returned twice")
						require.False(t, before[n.ID], "removed before the page: %d", n.ID)
						seen[n.ID] = true
					}
				}
				it.Close()
				seen = map[int64]bool{}
			}
			close(stop)
			wg.Wait()
		})
	}
}

// TestIteratorIVFScansInProportion checks ivf's scan policy: the first page is the knn search
// with the same probes, and each further page of the same size scans scan_buckets_count more
// buckets.
func TestIteratorIVFScansInProportion(t *testing.T) {
	x := itIndex(t, "ivf", itIVF)
	const search = `{"ivf":{"scan_buckets_count":2}}`
	for qi := 0; qi < 5; qi++ {
		q := itQuery(qi)
		want, err := x.Search(q, 10, search, nil)
		require.NoError(t, err)
		it, err := x.NewSearchIterator(q, search, nil)
		require.NoError(t, err)
		var st SearchStats
		first, err := it.NextWithStats(10, &st)
		require.NoError(t, err)
		require.Equal(t, ids(want), ids(first), "the first page is the knn search")
		require.EqualValues(t, 2, st.Hops, "buckets scanned by the first page")
		for p := 2; p <= 4; p++ {
			page, err := it.NextWithStats(10, &st)
			require.NoError(t, err)
			require.Len(t, page, 10)
			require.EqualValues(t, 2*p, st.Hops, "page %d", p)
		}
		it.Close()
	}
}

// TestIteratorFilterChangesBetweenPages checks that the filter is asked again when a page is
// cut: labels it starts excluding between pages are not returned afterwards, even those the
// session had already found.
func TestIteratorFilterChangesBetweenPages(t *testing.T) {
	for _, c := range []struct{ name, param, search string }{
		{"brute_force", `{}`, `{}`},
		{"hgraph", `{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}`, `{"hgraph":{"ef_search":60}}`},
		{"hgraph", `{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":100}`, `{"hgraph":{"ef_search":60}}`},
		{"ivf", itIVF, `{"ivf":{"scan_buckets_count":4}}`},
		{"ivf_reorder", itIVFReorder, `{"ivf":{"scan_buckets_count":4}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := itIndex(t, indexType(c.name), c.param)
			q := itQuery(6)
			var mu sync.Mutex
			excluded := map[int64]bool{}
			f := KeepFunc(func(l int64) bool { mu.Lock(); defer mu.Unlock(); return !excluded[l] }, 1)
			it, err := x.NewSearchIterator(q, c.search, f)
			require.NoError(t, err)
			defer it.Close()
			first, err := it.Next(10)
			require.NoError(t, err)
			mu.Lock()
			for _, n := range itExact(q, nil)[:40] {
				if !containsID(first, n.ID) {
					excluded[n.ID] = true
				}
			}
			mu.Unlock()
			for p := 0; p < 5; p++ {
				page, err := it.Next(10)
				require.NoError(t, err)
				for _, n := range page {
					require.False(t, excluded[n.ID], "label %d excluded before page %d", n.ID, p+2)
				}
			}
		})
	}
}
