package graph

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/govsag/vsag/core/api"
)

func TestConjugateAddEdge(t *testing.T) {
	c := NewConjugate()
	if c.AddEdge(1, 1) {
		t.Fatal("a self edge was added")
	}
	if !c.AddEdge(1, 2) || c.AddEdge(1, 2) {
		t.Fatal("an edge was not added once, or was added twice")
	}
	for i := int64(0); i < 2*ConjugateMaxDegree; i++ {
		c.AddEdge(7, 100+i)
	}
	if got := len(c.Neighbors(7, nil)); got != ConjugateMaxDegree {
		t.Fatalf("label 7 holds %d edges, want the cap %d", got, ConjugateMaxDegree)
	}
	if nodes, edges := c.Len(); nodes != 2 || edges != 1+ConjugateMaxDegree {
		t.Fatalf("Len = %d, %d", nodes, edges)
	}
}

func TestConjugateRelabel(t *testing.T) {
	c := NewConjugate()
	c.AddEdge(1, 2)
	c.AddEdge(3, 1)
	c.AddEdge(4, 1)
	c.AddEdge(4, 9)
	if !c.Relabel(1, 9) {
		t.Fatal("Relabel changed nothing")
	}
	if got := c.Neighbors(9, nil); !slices.Equal(got, []int64{2}) {
		t.Fatalf("edges of 9 = %v, want [2]", got)
	}
	if got := c.Neighbors(3, nil); !slices.Equal(got, []int64{9}) {
		t.Fatalf("edges of 3 = %v, want [9]", got)
	}
	// 4 had edges to 1 and 9: they are one edge now
	if got := c.Neighbors(4, nil); !slices.Equal(got, []int64{9}) {
		t.Fatalf("edges of 4 = %v, want [9]", got)
	}
	if len(c.Neighbors(1, nil)) != 0 {
		t.Fatal("label 1 kept edges")
	}
	if _, edges := c.Len(); edges != 3 {
		t.Fatalf("edges = %d, want 3", edges)
	}
	if c.Relabel(50, 51) {
		t.Fatal("relabelling an unknown label changed something")
	}
}

func TestConjugateEnhance(t *testing.T) {
	dists := map[int64]float32{1: 1, 2: 2, 3: 3, 4: 4, 10: 0.5, 11: 3.5, 12: 9, 13: 0.1}
	dist := func(labels []int64, out []float32) error {
		for i, l := range labels {
			d, ok := dists[l]
			if !ok {
				d = float32(math.NaN())
			}
			out[i] = d
		}
		return nil
	}
	results := func() []api.Neighbor {
		return []api.Neighbor{{ID: 1, Distance: 1}, {ID: 2, Distance: 2}, {ID: 3, Distance: 3}, {ID: 4, Distance: 4}}
	}
	c := NewConjugate()
	if got, n, _ := c.Enhance(results(), nil, dist); n != 0 || !slices.Equal(got, results()) {
		t.Fatal("an empty graph changed the results")
	}
	c.AddEdge(2, 10)  // closer than all: goes first, 4 drops out
	c.AddEdge(3, 11)  // beyond 3, the worst by then: ignored
	c.AddEdge(3, 12)  // farther than the worst: ignored
	c.AddEdge(1, 99)  // not live: ignored
	c.AddEdge(4, 13)  // filtered out below
	c.AddEdge(1, 3)   // already a result
	c.AddEdge(50, 10) // not a result: not followed
	keep := func(l int64) bool { return l != 13 }
	got, n, err := c.Enhance(results(), keep, dist)
	if err != nil {
		t.Fatal(err)
	}
	want := []api.Neighbor{{ID: 10, Distance: 0.5}, {ID: 1, Distance: 1}, {ID: 2, Distance: 2}, {ID: 3, Distance: 3}}
	if n != 1 || !slices.Equal(got, want) {
		t.Fatalf("Enhance = %v (%d replaced), want %v (1)", got, n, want)
	}
	wantErr := errors.New("boom")
	if _, _, err := c.Enhance(results(), nil, func([]int64, []float32) error { return wantErr }); !errors.Is(err, wantErr) {
		t.Fatalf("the distance error was not returned: %v", err)
	}
}

// TestConjugateEnhanceMatchesUnion checks Enhance against its definition: the best len(results)
// of the results and the targets of the edges of the first ConjugateLookAtK of them.
func TestConjugateEnhanceMatchesUnion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		c := NewConjugate()
		d := map[int64]float32{}
		for l := int64(0); l < 200; l++ {
			d[l] = float32(rng.IntN(1000)) + float32(l)/1000 // distinct
		}
		for e := 0; e < 300; e++ {
			c.AddEdge(int64(rng.IntN(200)), int64(rng.IntN(200)))
		}
		k := 1 + rng.IntN(40)
		perm := rng.Perm(200)[:k]
		var res []api.Neighbor
		for _, p := range perm {
			res = append(res, api.Neighbor{ID: int64(p), Distance: d[int64(p)]})
		}
		sort.Slice(res, func(i, j int) bool { return res[i].Distance < res[j].Distance })
		union := map[int64]bool{}
		for i, r := range res {
			union[r.ID] = true
			if i < ConjugateLookAtK {
				for _, t := range c.Neighbors(r.ID, nil) {
					union[t] = true
				}
			}
		}
		var want []api.Neighbor
		for l := range union {
			want = append(want, api.Neighbor{ID: l, Distance: d[l]})
		}
		sort.Slice(want, func(i, j int) bool { return want[i].Distance < want[j].Distance })
		want = want[:k]
		got, _, err := c.Enhance(res, nil, func(ls []int64, out []float32) error {
			for i, l := range ls {
				out[i] = d[l]
			}
			return nil
		})
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("trial %d: Enhance = %v, want %v (%v)", trial, got, want, err)
		}
	}
}

func TestConjugateSerialize(t *testing.T) {
	c := NewConjugate()
	empty, _ := c.MarshalBinary()
	c.AddEdge(-5, 3)
	c.AddEdge(-5, 4)
	c.AddEdge(1<<40, -5)
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	d := NewConjugate()
	if err := d.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if got := d.Neighbors(-5, nil); !slices.Equal(got, []int64{3, 4}) {
		t.Fatalf("edges of -5 = %v", got)
	}
	if nodes, edges := d.Len(); nodes != 2 || edges != 3 {
		t.Fatalf("Len = %d, %d", nodes, edges)
	}
	if err := d.UnmarshalBinary(empty); err != nil {
		t.Fatal(err)
	}
	if nodes, _ := d.Len(); nodes != 0 {
		t.Fatal("loading an empty graph kept edges")
	}
	// every truncation and a few corruptions are refused
	for i := 0; i < len(b); i++ {
		if err := NewConjugate().UnmarshalBinary(b[:i]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", i)
		}
	}
	corrupt := func(off int, v byte) []byte {
		x := slices.Clone(b)
		x[off] = v
		return x
	}
	for name, x := range map[string][]byte{
		"magic":      corrupt(0, 0),
		"huge count": corrupt(11, 0xff),
		"zero edges": corrupt(12+8, 0),
		"trailing":   append(slices.Clone(b), 0),
	} {
		if err := NewConjugate().UnmarshalBinary(x); !errors.Is(err, errConjugate) {
			t.Fatalf("%s: err = %v", name, err)
		}
	}
}

func FuzzConjugateUnmarshal(f *testing.F) {
	c := NewConjugate()
	c.AddEdge(1, 2)
	c.AddEdge(2, 3)
	b, _ := c.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		c := NewConjugate()
		if c.UnmarshalBinary(b) != nil {
			return
		}
		again, _ := c.MarshalBinary()
		d := NewConjugate()
		if err := d.UnmarshalBinary(again); err != nil {
			t.Fatalf("a graph read back does not load again: %v", err)
		}
	})
}

func TestConjugateConcurrent(t *testing.T) {
	c := NewConjugate()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				c.AddEdge(int64(i%50), int64(1e6+g*1000+i))
				c.Neighbors(int64(i%50), nil)
				if i%100 == 0 {
					c.Relabel(int64(i%50), int64(i%50))
					_, _ = c.MarshalBinary()
				}
			}
		}(g)
	}
	wg.Wait()
	if _, edges := c.Len(); edges != 50*min(4*10, ConjugateMaxDegree) {
		t.Fatalf("edges = %d", edges)
	}
}
