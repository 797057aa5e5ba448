package lazyhgraph

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
)

const dim = 16

func create(t *testing.T, block string) *Index {
	t.Helper()
	c, err := params.ParseCreate(Name, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"lazy_hgraph":%s}`, dim, block))
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

func randomRows(r *rand.Rand, n int) []float32 {
	v := make([]float32, n*dim)
	for i := range v {
		v[i] = r.Float32()
	}
	return v
}

func labels(lo, hi int) []int64 {
	ids := make([]int64, 0, hi-lo)
	for i := lo; i < hi; i++ {
		ids = append(ids, int64(i))
	}
	return ids
}

var search = &api.SearchOptions{Block: []byte(`{"ef_search":64}`), Parallelism: 1}

// exact returns the k labels nearest to q among rows (label i at row i, skipping removed).
func exact(rows []float32, q []float32, k int, skip map[int64]bool) []int64 {
	type cand struct {
		d  float32
		id int64
	}
	var cs []cand
	for i := 0; i < len(rows)/dim; i++ {
		if skip[int64(i)] {
			continue
		}
		var d float32
		for j := 0; j < dim; j++ {
			t := rows[i*dim+j] - q[j]
			d += t * t
		}
		cs = append(cs, cand{d, int64(i)})
	}
	sort.Slice(cs, func(a, b int) bool { return cs[a].d < cs[b].d })
	out := make([]int64, 0, k)
	for _, c := range cs[:min(k, len(cs))] {
		out = append(out, c.id)
	}
	return out
}

func ids(ns []api.Neighbor) []int64 {
	out := make([]int64, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func TestParams(t *testing.T) {
	tests := []struct {
		name, js string
		ok       bool
	}{
		{"defaults", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{}}`, true},
		{"index_param alias", `{"dtype":"float32","metric_type":"l2","dim":4,"index_param":{"transition_threshold":5}}`, true},
		{"hgraph block", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{"transition_threshold":5,"hgraph":{"base_quantization_type":"sq8","max_degree":8}}}`, true},
		{"float16", `{"dtype":"float16","metric_type":"l2","dim":4,"lazy_hgraph":{}}`, false},
		{"zero threshold", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{"transition_threshold":0}}`, false},
		{"negative threshold", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{"transition_threshold":-3}}`, false},
		{"string threshold", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{"transition_threshold":"9"}}`, false},
		{"flat key", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{"flat_quantization_type":"sq8"}}`, false},
		{"brute_force key", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{"brute_force":{}}}`, false},
		{"unknown key", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{"threshold":9}}`, false},
		{"bad hgraph", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{"hgraph":{"max_degree":-1}}}`, false},
		{"both blocks", `{"dtype":"float32","metric_type":"l2","dim":4,"lazy_hgraph":{},"index_param":{}}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := params.ParseCreate(Name, tc.js)
			if err == nil {
				_, err = New(c)
			}
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				require.Equal(t, api.InvalidArgument, api.CodeOf(err), err.Error())
			}
		})
	}
}

func TestFlatPhaseIsExactAndChecksHGraphParameters(t *testing.T) {
	x := create(t, `{"transition_threshold":1000}`)
	r := rand.New(rand.NewPCG(1, 2))
	rows := randomRows(r, 300)
	failed, err := x.Build(rows, labels(0, 300), nil)
	require.NoError(t, err)
	require.Empty(t, failed)
	require.False(t, x.Converted())
	for q := 0; q < 20; q++ {
		query := randomRows(r, 1)
		got, err := x.KnnSearch(query, 10, search)
		require.NoError(t, err)
		require.Equal(t, exact(rows, query, 10, nil), ids(got))
	}
	_, err = x.KnnSearch(rows[:dim], 10, &api.SearchOptions{Parallelism: 1})
	require.Error(t, err, "ef_search is required, as for hgraph")
	_, err = x.KnnSearch(rows[:dim], 10, &api.SearchOptions{Block: []byte(`{"ef_search":10,"nprobe":3}`), Parallelism: 1})
	require.Error(t, err)
	got, err := x.KnnSearch(rows[:dim], 5, &api.SearchOptions{Block: []byte(`{"ef_search":10,"parallelism":1,"timeout_ms":1000}`), Parallelism: 1})
	require.NoError(t, err)
	_, err = x.KnnSearch(rows[:dim], 5, &api.SearchOptions{Block: []byte(`{"ef_search":10,"parallelism":2}`), Parallelism: 1})
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(err), "as for hgraph, which searches one query on one thread")
	require.Equal(t, int64(0), got[0].ID)
	_, err = x.Build(rows, labels(0, 300), nil)
	require.Equal(t, api.BuildTwice, api.CodeOf(err))
}

func TestBuildAtThresholdMakesTheGraph(t *testing.T) {
	x := create(t, `{"transition_threshold":200}`)
	r := rand.New(rand.NewPCG(3, 4))
	_, err := x.Build(randomRows(r, 200), labels(0, 200), nil)
	require.NoError(t, err)
	require.True(t, x.Converted())
	require.Equal(t, int64(200), x.NumElements())
}

// recall returns the mean recall@10 of the index against an exact scan.
func recall(t *testing.T, x *Index, rows []float32, r *rand.Rand, skip map[int64]bool) float64 {
	t.Helper()
	hits := 0
	const nq = 40
	for q := 0; q < nq; q++ {
		query := randomRows(r, 1)
		got, err := x.KnnSearch(query, 10, search)
		require.NoError(t, err)
		want := map[int64]bool{}
		for _, id := range exact(rows, query, 10, skip) {
			want[id] = true
		}
		for _, id := range ids(got) {
			if want[id] {
				hits++
			}
		}
	}
	return float64(hits) / (nq * 10)
}

func TestAddsConvertInTheBackground(t *testing.T) {
	x := create(t, `{"transition_threshold":500}`)
	r := rand.New(rand.NewPCG(5, 6))
	rows := randomRows(r, 1200)
	for lo := 0; lo < 1200; lo += 100 {
		_, err := x.Add(rows[lo*dim:(lo+100)*dim], labels(lo, lo+100), nil)
		require.NoError(t, err)
	}
	require.NoError(t, x.WaitConversion())
	require.True(t, x.Converted())
	require.Equal(t, int64(1200), x.NumElements())
	require.Equal(t, labels(0, 1200), x.ExportIDs())
	require.GreaterOrEqual(t, recall(t, x, rows, r, nil), 0.95)
}

// TestWritesDuringConversionReachTheGraph holds a conversion while the flat phase takes adds,
// removes, relabels and vector updates, and checks the graph has them all once it takes over.
func TestWritesDuringConversionReachTheGraph(t *testing.T) {
	release := make(chan struct{})
	x := create(t, `{"transition_threshold":400}`)
	x.convertHook = func() { <-release }
	r := rand.New(rand.NewPCG(7, 8))
	rows := randomRows(r, 900)
	_, err := x.Add(rows[:400*dim], labels(0, 400), nil)
	require.NoError(t, err)
	require.False(t, x.Converted())

	// The flat phase answers exactly while the graph is built.
	q := randomRows(r, 1)
	got, err := x.KnnSearch(q, 10, search)
	require.NoError(t, err)
	require.Equal(t, exact(rows[:400*dim], q, 10, nil), ids(got))

	// Many small adds (longer than the quiet log) and one with a duplicate row.
	for lo := 400; lo < 800; lo += 4 {
		_, err := x.Add(rows[lo*dim:(lo+4)*dim], labels(lo, lo+4), nil)
		require.NoError(t, err)
	}
	dup := append(append([]float32{}, rows[800*dim:810*dim]...), rows[5*dim:6*dim]...)
	failed, err := x.Add(dup, append(labels(800, 810), 5), nil)
	require.NoError(t, err)
	require.Equal(t, []int64{5}, failed)
	n, err := x.Remove([]int64{1, 2, 3, 999})
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.NoError(t, x.UpdateID(4, 5000, nil))
	moved := randomRows(r, 1)
	require.NoError(t, x.UpdateVector(6, moved, true))
	// A removed label added again.
	_, err = x.Add(rows[1*dim:2*dim], []int64{1}, nil)
	require.NoError(t, err)

	close(release)
	require.NoError(t, x.WaitConversion())
	require.True(t, x.Converted())

	want := append(labels(0, 810), 5000)
	want = append(want[:2], want[4:]...) // drop 2 and 3
	want = append(want[:2], want[3:]...) // drop 4 (now 5000)
	sort.Slice(want, func(a, b int) bool { return want[a] < want[b] })
	require.Equal(t, want, x.ExportIDs())
	out := make([]float32, dim)
	require.NoError(t, x.GetVectors([]int64{6}, out))
	require.Equal(t, moved, out)
	require.NoError(t, x.GetVectors([]int64{5000}, out))
	require.Equal(t, rows[4*dim:5*dim], out)
	require.NoError(t, x.GetVectors([]int64{1}, out))
	require.Equal(t, rows[1*dim:2*dim], out)
}

func TestConcurrentSearchesAndAddsAcrossTheConversion(t *testing.T) {
	x := create(t, `{"transition_threshold":300}`)
	r := rand.New(rand.NewPCG(9, 10))
	rows := randomRows(r, 1000)
	queries := randomRows(r, 50)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				q := queries[(i%50)*dim : (i%50+1)*dim]
				got, err := x.KnnSearch(q, 10, search)
				if err != nil {
					errs <- err
					return
				}
				for j := 1; j < len(got); j++ {
					if got[j].Distance < got[j-1].Distance {
						errs <- fmt.Errorf("results out of order")
						return
					}
				}
			}
		}(w)
	}
	for lo := 0; lo < 1000; lo += 50 {
		_, err := x.Add(rows[lo*dim:(lo+50)*dim], labels(lo, lo+50), nil)
		require.NoError(t, err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, x.WaitConversion())
	require.True(t, x.Converted())
	require.Equal(t, int64(1000), x.NumElements())
}

// roundTrip saves x and reads the file back.
func roundTrip(t *testing.T, x *Index) *serial.File {
	t.Helper()
	var buf bytes.Buffer
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	require.NoError(t, serial.Write(&buf, f))
	g, err := serial.NewReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	return g
}

func saveLoad(t *testing.T, x *Index, block string, hook func()) *Index {
	t.Helper()
	g := roundTrip(t, x)
	y := create(t, block)
	y.convertHook = hook
	require.NoError(t, y.Load(g))
	// Load itself starts nothing: core resumes an engine once the whole file has loaded, so a
	// load refused later (an unknown critical section, a budget) leaves no conversion running
	y.mu.RLock()
	started := y.conv != nil
	y.mu.RUnlock()
	require.False(t, started, "Load started a conversion before Resume")
	y.Resume()
	return y
}

func TestSaveLoadBothPhases(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	rows := randomRows(r, 600)
	block := `{"transition_threshold":400}`

	flat := create(t, block)
	_, err := flat.Add(rows[:300*dim], labels(0, 300), nil)
	require.NoError(t, err)
	y := saveLoad(t, flat, block, nil)
	require.False(t, y.Converted())
	require.Equal(t, int64(300), y.NumElements())

	graph := create(t, block)
	_, err = graph.Build(rows, labels(0, 600), nil)
	require.NoError(t, err)
	y = saveLoad(t, graph, block, nil)
	require.True(t, y.Converted())
	require.GreaterOrEqual(t, recall(t, y, rows, r, nil), 0.95)

	// A flat phase saved while converting converts again once loaded.
	release := make(chan struct{})
	hold := func() { <-release }
	busy := create(t, block)
	busy.convertHook = hold
	_, err = busy.Add(rows, labels(0, 600), nil)
	require.NoError(t, err)
	y = saveLoad(t, busy, block, hold)
	require.False(t, y.Converted())
	close(release)
	require.NoError(t, busy.WaitConversion())
	require.NoError(t, y.WaitConversion())
	require.True(t, y.Converted())
	require.Equal(t, int64(600), y.NumElements())

	_, err = params.ParseCreate(Name, "{}")
	require.Error(t, err)
	other := create(t, `{"transition_threshold":401}`)
	require.Error(t, other.Load(roundTrip(t, flat)))
}

// A panic in the background conversion is its error, not the end of the process: the index
// stays in its flat phase, exact and writable.
func TestConversionPanicIsAnError(t *testing.T) {
	x := create(t, `{"transition_threshold":300}`)
	x.convertHook = func() { panic("boom") }
	r := rand.New(rand.NewPCG(7, 8))
	rows := randomRows(r, 400)
	_, err := x.Add(rows, labels(0, 400), nil)
	require.NoError(t, err)
	err = x.WaitConversion()
	require.Equal(t, api.InternalError, api.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), "boom")
	require.False(t, x.Converted())
	require.Equal(t, int64(400), x.NumElements())
	got, err := x.KnnSearch(rows[:dim], 1, &api.SearchOptions{Block: []byte(`{"ef_search":10}`), Parallelism: 1})
	require.NoError(t, err)
	require.Equal(t, int64(0), got[0].ID)
}
