package hgraph

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/serial"
)

// exported returns x's model as an *Index.
func exported(t *testing.T, x *Index) *Index {
	t.Helper()
	e, err := x.ExportModel()
	require.NoError(t, err)
	return e.(*Index)
}

// sources returns merge sources that keep their labels.
func sources(xs ...*Index) []api.MergeSource {
	out := make([]api.MergeSource, len(xs))
	for i, x := range xs {
		out[i] = api.MergeSource{Engine: x}
	}
	return out
}

func TestExportModelKeepsTrainedState(t *testing.T) {
	const n, d = 600, 16
	data := clustered(11, n, d, 6)
	x := newIndex(t, "l2", d, `,"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp16"`)
	empty := exported(t, x) // an untrained index exports an untrained model
	require.True(t, empty.untrained())
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	m := exported(t, x)
	require.Zero(t, m.NumElements())
	require.False(t, m.untrained())
	a, err := x.model()
	require.NoError(t, err)
	b, err := m.model()
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.Equal(t, x.mergeParams(), m.mergeParams())
	// the model encodes as the index does: the same codes for the same vector
	_, err = m.Add(data[:d], []int64{0}, nil)
	require.NoError(t, err)
	require.Equal(t, x.baseCodes.Code(0), m.baseCodes.Code(0))
	require.Equal(t, x.preciseCodes.Code(0), m.preciseCodes.Code(0))
}

func TestMergeHalves(t *testing.T) {
	const n, d, k = 2000, 24, 10
	data := clustered(12, n, d, 16)
	queries := clustered(13, 40, d, 16)
	for _, tc := range []struct{ name, extra string }{
		{"fp32", ""},
		{"sq8+reorder", `,"base_quantization_type":"sq8","use_reorder":true`},
		{"vamana", `,"graph_type":"vamana","alpha":1.2`},
		{"leanvec", `,"base_quantization_type":"leanvec","leanvec_dims":12`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full := newIndex(t, "l2", d, tc.extra)
			_, err := full.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			model := exported(t, full)
			half := n / 2
			a, b := exported(t, model), exported(t, model)
			_, err = a.Build(data[:half*d], seq(0, half), nil)
			require.NoError(t, err)
			_, err = b.Build(data[half*d:], seq(half, n-half), nil)
			require.NoError(t, err)
			merged := exported(t, model)
			var calls atomic.Int64
			failed, err := merged.Merge(sources(a, b), func(src int, from, to int64) {
				require.Equal(t, from, to)
				require.Equal(t, from >= int64(half), src == 1)
				calls.Add(1)
			})
			require.NoError(t, err)
			require.Empty(t, failed)
			require.EqualValues(t, n, calls.Load())
			require.EqualValues(t, n, merged.NumElements())
			require.Equal(t, full.ExportIDs(), merged.ExportIDs())
			// a source merged whole into an empty index brings its graph
			one := exported(t, model)
			_, err = one.Merge(sources(a), nil)
			require.NoError(t, err)
			for _, id := range []uint32{0, 5, uint32(half - 1)} {
				require.Equal(t, a.g.Neighbors(0, id, nil), one.g.Neighbors(0, id, nil))
			}
			rf := meanRecall(t, full, metric.L2, data, queries, d, k, 60, nil)
			rm := meanRecall(t, merged, metric.L2, data, queries, d, k, 60, nil)
			t.Logf("recall@%d whole %.4f merged %.4f", k, rf, rm)
			require.GreaterOrEqual(t, rm, rf-0.03)
			// sources are untouched
			require.EqualValues(t, half, a.NumElements())
			require.EqualValues(t, n-half, b.NumElements())
		})
	}
}

func TestMergeMapsRemovedAndDuplicates(t *testing.T) {
	const n, d = 800, 12
	data := clustered(14, n, d, 8)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data[:(n/2)*d], seq(0, n/2), nil)
	require.NoError(t, err)
	y := exported(t, x)
	_, err = y.Build(data[(n/2)*d:], seq(1000, n/2), nil)
	require.NoError(t, err)
	_, err = y.Remove([]int64{1000, 1001})
	require.NoError(t, err)
	// labels 1002..1009 go to 0..7 (taken), the rest keep theirs, 1010 is left out
	mapID := func(l int64) (int64, bool) {
		switch {
		case l == 1010:
			return 0, false
		case l < 1010:
			return l - 1002, true
		}
		return l, true
	}
	failed, err := x.Merge([]api.MergeSource{{Engine: y, Map: mapID}}, nil)
	require.NoError(t, err)
	require.ElementsMatch(t, seq(0, 8), failed)
	require.EqualValues(t, n/2+n/2-11, x.NumElements())
	require.False(t, x.Contains(1010))
	require.False(t, x.Contains(1000))
	require.True(t, x.Contains(1011))
	// every merged vector is found where it was
	for _, l := range []int64{1011, 1200, 1399} {
		r := int(l - 1000 + n/2)
		got, err := x.KnnSearch(data[r*d:(r+1)*d], 1, searchOpts(40))
		require.NoError(t, err)
		require.Equal(t, l, got[0].ID)
		require.InDelta(t, 0, got[0].Distance, 1e-5)
	}
	// merging again fails label by label, but for the labels that were not merged
	failed, err = x.Merge([]api.MergeSource{{Engine: y}}, nil)
	require.NoError(t, err)
	require.Len(t, failed, n/2-2-9)
	require.True(t, x.Contains(1002) && x.Contains(1010))
	// the merged index saves and loads
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	z := newIndex(t, "l2", d, "")
	require.NoError(t, z.Load(f))
	require.Equal(t, x.ExportIDs(), z.ExportIDs())
}

func TestMergeRefusals(t *testing.T) {
	const n, d = 300, 8
	data := clustered(15, n, d, 4)
	sq := func() *Index { return newIndex(t, "l2", d, `,"base_quantization_type":"sq8"`) }
	x := sq()
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	// other data trains another model
	other := sq()
	_, err = other.Build(data[:50*d], seq(5000, 50), nil)
	require.NoError(t, err)
	_, err = exported(t, x).Merge(sources(other), nil)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%v", err)
	// other parameters
	deg := newIndex(t, "l2", d, `,"base_quantization_type":"sq8","max_degree":8`)
	_, err = exported(t, x).Merge(sources(deg), nil)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	// an untrained target cannot take codes; an empty source is nothing to merge
	_, err = sq().Merge(sources(x), nil)
	require.Equal(t, api.WrongStatus, api.CodeOf(err))
	failed, err := sq().Merge(sources(sq()), nil)
	require.NoError(t, err)
	require.Empty(t, failed)
	// itself, or nothing hgraph
	_, err = x.Merge(sources(x), nil)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	_, err = x.Merge([]api.MergeSource{{Engine: nil}}, nil)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	require.EqualValues(t, n, x.NumElements())
	// build_thread_count and hgraph_init_capacity do not matter
	threads := newIndex(t, "l2", d, `,"build_thread_count":1,"hgraph_init_capacity":10`)
	plain := newIndex(t, "l2", d, "")
	_, err = threads.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	failed, err = plain.Merge(sources(threads), nil)
	require.NoError(t, err)
	require.Empty(t, failed)
	require.EqualValues(t, n, plain.NumElements())
}

func TestMergeConcurrentSearch(t *testing.T) {
	n := 3000
	if raceEnabled {
		n = 800
	}
	const d = 16
	data := clustered(16, n, d, 10)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data[:(n/2)*d], seq(0, n/2), nil)
	require.NoError(t, err)
	y := exported(t, x)
	_, err = y.Build(data[(n/2)*d:], seq(n/2, n-n/2), nil)
	require.NoError(t, err)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				r := (i*7 + g) % (n / 2)
				got, err := x.KnnSearch(data[r*d:(r+1)*d], 5, searchOpts(30))
				if err != nil || len(got) == 0 {
					t.Errorf("search during merge: %v, %d results", err, len(got))
					return
				}
			}
		}(g)
	}
	_, err = x.Merge(sources(y), nil)
	stop.Store(true)
	wg.Wait()
	require.NoError(t, err)
	require.EqualValues(t, n, x.NumElements())
	r := n - 1
	got, err := x.KnnSearch(data[r*d:(r+1)*d], 1, searchOpts(40))
	require.NoError(t, err)
	require.EqualValues(t, r, got[0].ID)
}
