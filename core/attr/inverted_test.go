package attr

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
)

// invFixture is a set of labels with attributes of every kind (single, multi, mixed kinds of
// one field across labels, NaN, large integers, negative and wide labels) and its inverted
// index.
type invFixture struct {
	sets map[int64]Set
	ix   *Inverted
}

func newInvFixture(n int, seed uint64) *invFixture {
	r := rand.New(rand.NewPCG(seed, 7))
	f := &invFixture{sets: map[int64]Set{}, ix: NewInverted()}
	colors := []string{"red", "green", "blue", "", "x|y"}
	for i := 0; i < n; i++ {
		l := int64(i)
		switch i % 17 {
		case 3:
			l = -int64(i) - 1 // negative labels
		case 5:
			l = int64(i) + 1<<40 // beyond the dense part of a bitset
		case 7:
			l = int64(i) + 1<<20
		}
		s := Set{}
		if i%11 != 0 {
			s["tenant"] = Int(int64(r.IntN(7)))
		}
		switch i % 4 {
		case 0:
			s["price"] = Float(float64(r.IntN(20)) / 2)
		case 1:
			s["price"] = Int(int64(r.IntN(10)))
		case 2:
			s["price"] = Floats(float64(r.IntN(10)), 2.5)
		}
		if i%3 == 0 {
			s["color"] = String(colors[r.IntN(len(colors))])
		} else if i%3 == 1 {
			s["color"] = Strings(colors[r.IntN(len(colors))], colors[r.IntN(len(colors))])
		}
		if i%13 == 0 {
			s["big"] = Int(1<<53 + int64(r.IntN(3)))
		}
		if i%19 == 0 {
			s["price"] = Float(math.NaN())
		}
		if i%5 == 0 {
			s["id"] = Int(int64(i)) // a field of many distinct values
		}
		if len(s) == 0 {
			continue
		}
		f.sets[l] = s
		f.ix.Add(l, s)
	}
	return f
}

func (f *invFixture) lookup(l int64) Set { return f.sets[l] }

// probe returns the labels to test: every label with attributes and some without.
func (f *invFixture) probe() []int64 {
	ls := make([]int64, 0, len(f.sets)+4)
	for l := range f.sets {
		ls = append(ls, l)
	}
	ls = append(ls, 1<<30, -5_000_000, 999_999, 1<<41)
	sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
	return ls
}

// check compares the compiled match of src with evaluation label by label.
func (f *invFixture) check(t *testing.T, src string) {
	t.Helper()
	e, err := Compile(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	m := e.Match(f.ix, f.lookup)
	pass, fails := 0, 0
	for _, l := range f.probe() {
		want := e.Eval(f.sets[l])
		if got := m.Test(l); got != want {
			t.Fatalf("%s: label %d (%v): match %v, eval %v", src, l, f.sets[l], got, want)
		}
		if _, has := f.sets[l]; has {
			if want {
				pass++
			} else {
				fails++
			}
		}
	}
	if m.Count() != pass || m.Fails() != fails {
		t.Fatalf("%s: count %d fails %d, want %d and %d", src, m.Count(), m.Fails(), pass, fails)
	}
	if m.NilPass() != e.Eval(nil) {
		t.Fatalf("%s: nil pass %v", src, m.NilPass())
	}
	// listing over a range agrees with the test
	for _, rg := range [][2]int64{{-100, 500}, {1 << 20, 1<<20 + 3000}, {-1 << 40, 1 << 41}, {37, 36}} {
		lo, hi := rg[0], rg[1]
		n, ok := m.CountKept(lo, hi)
		if !ok {
			if !m.NilPass() {
				t.Fatalf("%s: cannot count [%d, %d]", src, lo, hi)
			}
			continue
		}
		var listed []int64
		m.ForEachKept(lo, hi, func(l int64) bool { listed = append(listed, l); return true })
		if len(listed) != n {
			t.Fatalf("%s: [%d, %d] counts %d, lists %d", src, lo, hi, n, len(listed))
		}
		for i, l := range listed {
			if l < lo || l > hi || !m.Test(l) || i > 0 && listed[i-1] >= l {
				t.Fatalf("%s: [%d, %d] lists %d out of order, range or set", src, lo, hi, l)
			}
		}
		if !m.NilPass() {
			want := 0
			for l := range f.sets {
				if l >= lo && l <= hi && m.Test(l) {
					want++
				}
			}
			if want != n {
				t.Fatalf("%s: [%d, %d] counts %d, want %d", src, lo, hi, n, want)
			}
		}
	}
}

var matchExprs = []string{
	"tenant = 3",
	"tenant != 3",
	"tenant = 3.0",
	"tenant = 3.5",
	"tenant IN [1, 2, 5]",
	"tenant IN [1, 2.0, 5.5]",
	"tenant NOT IN [0, 1]",
	"multi_in(tenant, \"1|4\")",
	"multi_notin(tenant, \"1|4\")",
	"IN(color, \"x|y|red\", \",\")",
	"tenant < 3",
	"tenant >= 4 AND price < 3",
	"price = 2.5",
	"price = 2",
	"price <= 4 OR color = \"red\"",
	"color = \"\"",
	"color IN [\"red\", \"blue\"]",
	"color > \"g\"",
	"NOT (tenant = 1 OR tenant = 2)",
	"!(color = 'green') && tenant IN (3, 4)",
	"big = 9007199254740992",
	"big = 9007199254740993.0",
	"big IN [9007199254740992.0, 1.5]",
	"big > 9007199254740992",
	"id = 35",
	"id < 100 AND tenant = 2",
	"tenant = 2 AND id < 100",
	"tenant = 2 AND id > 100 AND price > 1",
	"id >= 0 OR NOT tenant = 9",
	"true",
	"false",
	"NOT false AND tenant = 6",
	"missing = 1",
	"missing != 1",
	"tenant = \"3\"",
	"price > -1",
}

func TestMatchAgreesWithEval(t *testing.T) {
	f := newInvFixture(3000, 1)
	for _, src := range matchExprs {
		t.Run(src, func(t *testing.T) { f.check(t, src) })
	}
}

func TestMatchFollowsUpdates(t *testing.T) {
	f := newInvFixture(2000, 2)
	r := rand.New(rand.NewPCG(3, 4))
	labels := make([]int64, 0, len(f.sets))
	for l := range f.sets {
		labels = append(labels, l)
	}
	sort.Slice(labels, func(i, j int) bool { return labels[i] < labels[j] })
	// drop a third, change a third (remove the old set, add the new one), and compare again
	for i, l := range labels {
		switch i % 3 {
		case 0:
			f.ix.Remove(l, f.sets[l])
			delete(f.sets, l)
		case 1:
			f.ix.Remove(l, f.sets[l])
			s := Set{"tenant": Int(int64(r.IntN(3)) + 10), "color": String("new")}
			f.sets[l] = s
			f.ix.Add(l, s)
		}
	}
	for _, src := range matchExprs {
		f.check(t, src)
	}
	for _, src := range []string{"tenant = 11", "color = \"new\" AND tenant != 12"} {
		f.check(t, src)
	}
	// removing every label leaves the index empty
	for l, s := range f.sets {
		f.ix.Remove(l, s)
		delete(f.sets, l)
	}
	if f.ix.Len() != 0 || len(f.ix.fields) != 0 {
		t.Fatalf("empty index holds %d labels, %d fields", f.ix.Len(), len(f.ix.fields))
	}
	f.check(t, "tenant = 1")
	f.check(t, "NOT tenant = 1")
}

func TestLabelSetChunks(t *testing.T) {
	// enough labels in one chunk to turn it into a bitmap and back
	var s labelSet
	model := map[int64]bool{}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		l := int64(r.IntN(9000)) - 100
		if r.IntN(3) == 0 {
			if got := s.remove(l); got != model[l] {
				t.Fatalf("remove %d: %v, want %v", l, got, model[l])
			}
			delete(model, l)
		} else {
			if got := s.add(l); got == model[l] {
				t.Fatalf("add %d: %v", l, got)
			}
			model[l] = true
		}
		if i == 15000 {
			for l := range model {
				s.remove(l)
				delete(model, l)
			}
		}
	}
	if s.n != len(model) {
		t.Fatalf("n %d, want %d", s.n, len(model))
	}
	for l := range model {
		if l < 0 {
			continue
		}
		key, low := split(l)
		c := s.chunks[key]
		if c == nil {
			t.Fatalf("label %d lost", l)
		}
		if c.bm != nil && c.bm[low>>6]&(1<<(low&63)) == 0 {
			t.Fatalf("label %d lost from a bitmap", l)
		}
	}
	neg := s.negatives()
	wantNeg := 0
	for l := range model {
		if l < 0 {
			wantNeg++
		}
	}
	if len(neg) != wantNeg {
		t.Fatalf("negatives %d, want %d", len(neg), wantNeg)
	}
}

// FuzzMatch compiles arbitrary expressions against a fixed index and checks the compiled
// label set against evaluation label by label.
func FuzzMatch(f *testing.F) {
	for _, s := range matchExprs {
		f.Add(s)
	}
	fx := newInvFixture(600, 9)
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			return
		}
		m := e.Match(fx.ix, fx.lookup)
		for _, l := range fx.probe() {
			if got, want := m.Test(l), e.Eval(fx.sets[l]); got != want {
				t.Fatalf("%q: label %d: match %v, eval %v", src, l, got, want)
			}
		}
	})
}

func BenchmarkMatchEquality(b *testing.B) {
	ix := NewInverted()
	sets := map[int64]Set{}
	for i := 0; i < 60000; i++ {
		s := Set{"tenant": Int(int64(i % 600))}
		sets[int64(i)] = s
		ix.Add(int64(i), s)
	}
	for _, src := range []string{"tenant = 7", "tenant IN [1, 2, 3]", "tenant < 30", "NOT tenant = 7"} {
		e, _ := Compile(src)
		runtime.GC()
		b.Run(src, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				e.Match(ix, func(l int64) Set { return sets[l] })
			}
		})
	}
}
