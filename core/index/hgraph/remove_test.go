package hgraph

import (
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/serial"
)

const forceParam = `,"support_force_remove":true`

// checkDetached fails when a node of slots is still linked from any list on any level, is on a
// route layer, has a list of its own or is the entry point, or when the graph's lists hold
// any free slot.
func checkDetached(t *testing.T, x *Index, slots []uint32) {
	t.Helper()
	x.mu.RLock()
	defer x.mu.RUnlock()
	ep, _, ok := x.g.Entry()
	for _, s := range slots {
		require.True(t, x.slots.has(s), "slot %d is not free", s)
		require.Zero(t, x.g.NodeLevel(s), "slot %d is on a route layer", s)
		require.Empty(t, x.g.Neighbors(0, s, nil), "slot %d keeps a list", s)
		require.False(t, ok && ep == s, "slot %d is the entry point", s)
	}
	var nb []uint32
	for level := 0; level <= x.g.Levels(); level++ {
		nodes := x.g.LayerNodes(level)
		if level == 0 {
			nodes = nodes[:0]
			for u := 0; u < x.g.Len(); u++ {
				nodes = append(nodes, uint32(u))
			}
		}
		for _, u := range nodes {
			nb = x.g.Neighbors(level, u, nb[:0])
			for _, v := range nb {
				require.False(t, x.slots.has(v), "level %d: node %d links free slot %d", level, u, v)
			}
		}
	}
}

func slotsOf(t *testing.T, x *Index, labels []int64) []uint32 {
	t.Helper()
	out := make([]uint32, len(labels))
	for i, l := range labels {
		r, ok := x.labels.Lookup(l)
		require.True(t, ok, "label %d", l)
		out[i] = r
	}
	return out
}

func TestForceRemoveNeedsTheParameter(t *testing.T) {
	x := newIndex(t, "l2", 4, "")
	_, err := x.Build(clustered(1, 50, 4, 2), seq(0, 50), nil)
	require.NoError(t, err)
	_, err = x.ForceRemove([]int64{1}, nil)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	require.Contains(t, err.Error(), "support_force_remove")
	require.True(t, x.Contains(1))
}

func TestForceRemoveRepairsAndReusesSlots(t *testing.T) {
	const n, d, k = 2000, 16, 10
	for _, gt := range []string{"nsw", "vamana"} {
		t.Run(gt, func(t *testing.T) {
			data := clustered(31, n, d, 12)
			queries := clustered(32, 50, d, 12)
			// one build thread: the graph, and so the recall checked below, is the same on every
			// run (a parallel build on a loaded machine links a little worse)
			x := newIndex(t, "l2", d, forceParam+`,"build_thread_count":1,"graph_type":"`+gt+`"`)
			_, err := x.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			mem := x.MemoryUsage()
			// every 10th label, and the entry point and the members of the top route layer
			ep, _, _ := x.g.Entry()
			ids := []int64{x.labels.Label(ep)}
			for _, u := range x.g.LayerNodes(x.g.Levels()) {
				ids = append(ids, x.labels.Label(u))
			}
			for i := 0; i < n; i += 10 {
				ids = append(ids, int64(i))
			}
			gone := map[int]bool{}
			for _, id := range ids {
				gone[int(id)] = true
			}
			slots := slotsOf(t, x, dedup(ids))
			cnt, err := x.ForceRemove(ids, nil)
			require.NoError(t, err)
			require.Equal(t, len(gone), cnt)
			require.EqualValues(t, n-len(gone), x.NumElements())
			require.Zero(t, x.NumRemoved())
			checkDetached(t, x, slots)
			for id := range gone {
				require.False(t, x.Contains(int64(id)))
			}
			skip := func(i int) bool { return gone[i] }
			r := meanRecall(t, x, metric.L2, data, queries, d, k, 120, skip)
			t.Logf("%s: recall@%d after force-removing %d of %d: %.4f", gt, k, len(gone), n, r)
			require.GreaterOrEqual(t, r, 0.95)
			// adds take the free slots: nothing grows
			var vecs []float32
			var back []int64
			for _, id := range dedup(ids) { // in a fixed order, so the graph is the same on every run
				vecs = append(vecs, data[id*int64(d):(id+1)*int64(d)]...)
				back = append(back, id)
			}
			failed, err := x.Add(vecs, back, nil)
			require.NoError(t, err)
			require.Empty(t, failed)
			require.Equal(t, n, x.labels.Total())
			require.Zero(t, x.slots.len())
			require.EqualValues(t, n, x.NumElements())
			require.LessOrEqual(t, float64(x.MemoryUsage()), 1.01*float64(mem)) // the free list's own array stays
			r = meanRecall(t, x, metric.L2, data, queries, d, k, 120, nil)
			t.Logf("%s: recall@%d after re-adding them: %.4f", gt, k, r)
			require.GreaterOrEqual(t, r, 0.95)
		})
	}
}

func dedup(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func TestForceRemoveMarkedLabels(t *testing.T) {
	const n, d = 500, 8
	data := clustered(41, n, d, 5)
	x := newIndex(t, "l2", d, forceParam)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	// 3 marked; 4 marked and added again (a live slot and a marked one hold the label)
	_, err = x.Remove([]int64{3, 4})
	require.NoError(t, err)
	_, err = x.Add(data[4*d:5*d], []int64{4}, nil)
	require.NoError(t, err)
	require.EqualValues(t, 2, x.NumRemoved()) // the slot of 3 and the old slot of 4
	var hooked []int64
	cnt, err := x.ForceRemove([]int64{3, 4, 4, 999}, func(l int64) { hooked = append(hooked, l) })
	require.NoError(t, err)
	require.Equal(t, 2, cnt)
	require.ElementsMatch(t, []int64{3, 4}, hooked)
	require.Zero(t, x.NumRemoved())
	require.Equal(t, 3, x.slots.len())
	require.EqualValues(t, n-2, x.NumElements())
	// removing again finds nothing
	cnt, err = x.ForceRemove([]int64{3, 4}, nil)
	require.NoError(t, err)
	require.Zero(t, cnt)
	// mark remove of a force-removed label is a no-op
	cnt, err = x.Remove([]int64{3})
	require.NoError(t, err)
	require.Zero(t, cnt)
	// a duplicate in an add that reuses slots is reported, the rest stored
	failed, err := x.Add(append(append([]float32{}, data[3*d:4*d]...), data[5*d:6*d]...), []int64{3, 5}, nil)
	require.NoError(t, err)
	require.Equal(t, []int64{5}, failed)
	require.Equal(t, 2, x.slots.len())
	require.True(t, x.Contains(3))
}

func TestForceRemoveEverything(t *testing.T) {
	const n, d = 300, 8
	data := clustered(51, n, d, 4)
	x := newIndex(t, "ip", d, forceParam)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	cnt, err := x.ForceRemove(seq(0, n), nil)
	require.NoError(t, err)
	require.Equal(t, n, cnt)
	require.Zero(t, x.NumElements())
	_, _, ok := x.g.Entry()
	require.False(t, ok)
	require.Zero(t, x.g.Levels())
	got, err := x.KnnSearch(data[:d], 5, searchOpts(20))
	require.NoError(t, err)
	require.Empty(t, got)
	// an index whose every slot is free may be built again, into the same slots
	failed, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	require.Empty(t, failed)
	require.Equal(t, n, x.labels.Total())
	got, err = x.KnnSearch(data[7*d:8*d], 1, searchOpts(40))
	require.NoError(t, err)
	require.Len(t, got, 1)
	r := meanRecall(t, x, metric.IP, data, data[:40*d], d, 10, 60, nil)
	require.GreaterOrEqual(t, r, 0.9)
}

func TestForceRemoveReusesEveryStore(t *testing.T) {
	const n, d = 600, 16
	data := clustered(61, n, d, 6)
	x := newIndex(t, "l2", d, forceParam+`,"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","store_raw_vector":true`)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	_, err = x.ForceRemove([]int64{10, 20, 30}, nil)
	require.NoError(t, err)
	// new vectors under new labels land in the free slots
	fresh := clustered(62, 3, d, 1)
	_, err = x.Add(fresh, []int64{7000, 7001, 7002}, nil)
	require.NoError(t, err)
	require.Equal(t, n, x.labels.Total())
	out := make([]float32, 3*d)
	require.NoError(t, x.GetVectors([]int64{7000, 7001, 7002}, out))
	require.Equal(t, fresh, out)
	for i := 0; i < 3; i++ {
		got, err := x.KnnSearch(fresh[i*d:(i+1)*d], 1, searchOpts(50))
		require.NoError(t, err)
		require.Equal(t, int64(7000+i), got[0].ID)
		require.InDelta(t, 0, got[0].Distance, 1e-4)
	}
}

func TestForceRemoveSaveLoad(t *testing.T) {
	const n, d = 1500, 12
	data := clustered(71, n, d, 8)
	x := newIndex(t, "l2", d, forceParam)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	var ids []int64
	for i := 0; i < n; i += 7 {
		ids = append(ids, int64(i))
	}
	_, err = x.ForceRemove(ids, nil)
	require.NoError(t, err)
	_, err = x.Remove([]int64{1, 2}) // marked ones alongside the free slots
	require.NoError(t, err)
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	y := newIndex(t, "l2", d, forceParam)
	require.NoError(t, y.Load(f))
	require.Equal(t, x.slots.stack, y.slots.stack)
	require.Equal(t, x.NumElements(), y.NumElements())
	require.EqualValues(t, 2, y.NumRemoved())
	for i := 0; i < 40; i++ {
		q := data[i*d : (i+1)*d]
		a, err := x.KnnSearch(q, 10, searchOpts(50))
		require.NoError(t, err)
		b, err := y.KnnSearch(q, 10, searchOpts(50))
		require.NoError(t, err)
		require.Equal(t, a, b)
	}
	// the loaded index reuses the slots
	var vecs []float32
	for _, id := range ids {
		vecs = append(vecs, data[int(id)*d:int(id+1)*d]...)
	}
	_, err = y.Add(vecs, ids, nil)
	require.NoError(t, err)
	require.Equal(t, n, y.labels.Total())
	require.Zero(t, y.slots.len())

	// a free list that names a live slot, or names a slot twice, is refused
	for name, bad := range map[string][]byte{
		"live":  {5, 0, 0, 0},
		"twice": {0, 0, 0, 0, 0, 0, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			g := &serial.File{}
			require.NoError(t, x.Save(g))
			require.NoError(t, g.Materialize())
			for i := range g.Sections {
				switch g.Sections[i].Name {
				case secFreeSlots:
					g.Sections[i].Data = bad
				case secInfo:
					g.Sections[i].Data = []byte(replaceFreeCount(string(g.Sections[i].Data), len(bad)/4))
				}
			}
			z := newIndex(t, "l2", d, forceParam)
			require.Equal(t, api.InvalidBinary, api.CodeOf(z.Load(g)))
		})
	}
}

// replaceFreeCount rewrites the free_slots member of an info JSON.
func replaceFreeCount(js string, n int) string {
	return regexp.MustCompile(`"free_slots":[0-9]+`).ReplaceAllString(js, `"free_slots":`+strconv.Itoa(n))
}

// TestUpsertRoundsStayBounded is the small form of the upsert benchmark (bench/upsert): rounds
// of force-removing and re-adding 10% of the labels keep the memory and the recall of the
// first round.
func TestUpsertRoundsStayBounded(t *testing.T) {
	n, d, k, rounds := 2000, 24, 10, 5
	if raceEnabled {
		n, rounds = 1000, 3
	}
	data := clustered(81, n, d, 16)
	queries := clustered(82, 200, d, 16)
	x := newIndex(t, "l2", d, forceParam+`,"max_degree":32,"ef_construction":200`)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	r0 := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)
	m0 := x.MemoryUsage()
	t.Logf("built: memory %d, recall@%d %.4f", m0, k, r0)
	rng := rand.New(rand.NewPCG(83, 1))
	var firstMem int64
	var firstRecall float64
	for round := 1; round <= rounds; round++ {
		pick := rng.Perm(n)[:n/10]
		ids := make([]int64, len(pick))
		vecs := make([]float32, 0, len(pick)*d)
		for i, p := range pick {
			ids[i] = int64(p)
			vecs = append(vecs, data[p*d:(p+1)*d]...)
		}
		cnt, err := x.ForceRemove(ids, nil)
		require.NoError(t, err)
		require.Equal(t, len(ids), cnt)
		failed, err := x.Add(vecs, ids, nil)
		require.NoError(t, err)
		require.Empty(t, failed)
		mem := x.MemoryUsage()
		r := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)
		t.Logf("round %d: memory %d (%.3fx), recall@%d %.4f", round, mem, float64(mem)/float64(m0), k, r)
		if round == 1 {
			firstMem, firstRecall = mem, r
		}
		require.EqualValues(t, n, x.NumElements())
		require.Equal(t, n, x.labels.Total())
		require.LessOrEqual(t, float64(mem), 1.1*float64(firstMem))
		require.GreaterOrEqual(t, r, firstRecall-0.01)
		_ = r0
	}
}

// TestForceRemoveConcurrent runs force removes, adds and searches at once. Every label's
// vector is a function of the label, so a result whose distance is not its label's distance to
// the query would show a slot returned under a label it no longer holds; labels are never
// added twice, so a label force-removed before a search started must not be in its results.
func TestForceRemoveConcurrent(t *testing.T) {
	n, d, adds := 1500, 8, 600
	if raceEnabled {
		n, adds = 600, 200
	}
	vec := func(label int64) []float32 {
		r := rand.New(rand.NewPCG(uint64(label), 99))
		v := make([]float32, d)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	var base []float32
	for i := 0; i < n; i++ {
		base = append(base, vec(int64(i))...)
	}
	x := newIndex(t, "l2", d, forceParam+`,"build_thread_count":2`)
	_, err := x.Build(base, seq(0, n), nil)
	require.NoError(t, err)
	var removedBelow atomic.Int64 // labels below it have been force-removed
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // remover: labels 0.. in batches, in order
		defer wg.Done()
		for lo := 0; lo < n/2; lo += 25 {
			_, err := x.ForceRemove(seq(lo, 25), nil)
			assert.NoError(t, err)
			removedBelow.Store(int64(lo + 25))
		}
	}()
	wg.Add(1)
	go func() { // adder: new labels from n on, into free slots and new ones
		defer wg.Done()
		for i := 0; i < adds; i += 10 {
			var v []float32
			for j := 0; j < 10; j++ {
				v = append(v, vec(int64(n+i+j))...)
			}
			_, err := x.Add(v, seq(n+i, 10), nil)
			assert.NoError(t, err)
		}
	}()
	var searches atomic.Int64
	for s := 0; s < 2; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(s), 5))
			for {
				select {
				case <-stop:
					return
				default:
				}
				q := vec(int64(r.IntN(n + adds)))
				below := removedBelow.Load()
				got, err := x.KnnSearch(q, 10, searchOpts(40))
				if !assert.NoError(t, err) {
					return
				}
				for _, nb := range got {
					if !assert.GreaterOrEqual(t, nb.ID, below, "label %d was force-removed before the search", nb.ID) {
						return
					}
					want := metric.Reference(metric.L2, q, vec(nb.ID))
					if !assert.InDelta(t, want, nb.Distance, 1e-3*math.Max(1, float64(want)), "label %d", nb.ID) {
						return
					}
				}
				searches.Add(1)
			}
		}(s)
	}
	// stop the searches once the writers are done
	done := make(chan struct{})
	go func() {
		for removedBelow.Load() < int64(n/2) || x.NumElements() < int64(n/2+adds) {
			if t.Failed() {
				break
			}
			time.Sleep(time.Millisecond)
		}
		close(stop)
		close(done)
	}()
	<-done
	wg.Wait()
	require.EqualValues(t, n/2+adds, x.NumElements())
	require.Positive(t, searches.Load())
	r := 0.0
	for i := n / 2; i < n/2+50; i++ {
		got, err := x.KnnSearch(vec(int64(i)), 1, searchOpts(60))
		require.NoError(t, err)
		if len(got) > 0 && got[0].ID == int64(i) {
			r++
		}
	}
	require.GreaterOrEqual(t, r/50, 0.9)
}
