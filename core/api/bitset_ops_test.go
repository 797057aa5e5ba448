package api

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// randomBits returns a bitset and its model: labels in a dense range, a few beyond the dense
// part, and negative ones (which a bitset ignores).
func randomBits(r *rand.Rand, n int) (*Bitset, map[int64]bool) {
	b, m := NewBitset(), map[int64]bool{}
	for i := 0; i < n; i++ {
		l := int64(r.IntN(5000))
		switch r.IntN(10) {
		case 0:
			l += denseLimitWords*64 + int64(r.IntN(300))
		case 1:
			l = -l - 1
		}
		b.Set(l, true)
		if l >= 0 {
			m[l] = true
		}
	}
	return b, m
}

func sortedKeys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for l, v := range m {
		if v {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func TestBitsetOps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		a, ma := randomBits(r, 400)
		b, mb := randomBits(r, 300)
		check := func(name string, got *Bitset, want map[int64]bool) {
			t.Helper()
			var listed []int64
			got.ForEach(func(l int64) bool { listed = append(listed, l); return true })
			w := sortedKeys(want)
			if len(listed) != len(w) {
				t.Fatalf("%s: %d labels, want %d", name, len(listed), len(w))
			}
			for i := range w {
				if listed[i] != w[i] || !got.Test(w[i]) {
					t.Fatalf("%s: label %d is %d", name, i, listed[i])
				}
			}
			if got.Count() != len(w) {
				t.Fatalf("%s: count %d, want %d", name, got.Count(), len(w))
			}
		}
		or, and, andNot := a.Clone(), a.Clone(), a.Clone()
		or.Or(b)
		and.And(b)
		andNot.AndNot(b)
		mor, mand, mnot := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
		for l := range ma {
			mor[l] = true
			if mb[l] {
				mand[l] = true
			} else {
				mnot[l] = true
			}
		}
		for l := range mb {
			mor[l] = true
		}
		check("or", or, mor)
		check("and", and, mand)
		check("and not", andNot, mnot)
		check("clone", a.Clone(), ma)
		for _, rg := range [][2]int64{{0, 4999}, {-10, 63}, {64, 64}, {100, 3000}, {denseLimitWords * 64, denseLimitWords*64 + 200}, {-100, 1 << 40}, {9, 8}} {
			lo, hi := rg[0], rg[1]
			want := 0
			for l := range ma {
				if l >= lo && l <= hi {
					want++
				}
			}
			if got := a.CountRange(lo, hi); got != want {
				t.Fatalf("count [%d, %d] = %d, want %d", lo, hi, got, want)
			}
			if hi-lo > 1<<16 {
				continue
			}
			clear := 0
			prev := lo - 1
			a.ForEachClear(lo, hi, func(l int64) bool {
				if l <= prev || l < lo || l > hi || a.Test(l) {
					t.Fatalf("clear [%d, %d] lists %d", lo, hi, l)
				}
				prev = l
				clear++
				return true
			})
			if hi >= lo && clear != int(hi-lo+1)-want {
				t.Fatalf("clear [%d, %d]: %d, want %d", lo, hi, clear, int(hi-lo+1)-want)
			}
		}
	}
	// OrWord and a presized bitset
	b := NewBitsetFor(200)
	b.OrWord(3, 0b101)
	b.OrWord(denseLimitWords+1, 1)
	if !b.Test(192) || !b.Test(194) || b.Test(193) || !b.Test((denseLimitWords+1)*64) || b.Count() != 3 {
		t.Fatal("OrWord")
	}
}

// listed returns what a KeptLister lists over [lo, hi], checking it against CheckValid.
func listed(t *testing.T, f Filter, lo, hi int64) (int, []int64, bool) {
	t.Helper()
	kl, ok := f.(KeptLister)
	if !ok {
		t.Fatalf("%T does not list its labels", f)
	}
	n, ok := kl.CountKept(lo, hi)
	if !ok {
		return 0, nil, false
	}
	var out []int64
	kl.ForEachKept(lo, hi, func(l int64) bool {
		if !f.CheckValid(l) || l < lo || l > hi {
			t.Fatalf("%T lists %d, which it does not keep or is out of [%d, %d]", f, l, lo, hi)
		}
		out = append(out, l)
		return true
	})
	return n, out, true
}

func TestKeptListers(t *testing.T) {
	const lo, hi = -3, 999
	excl := NewBitset()
	for l := int64(0); l < 1000; l += 3 {
		excl.Set(l, true)
	}
	mask := make([]byte, 125) // packed, 1000 labels: every fifth set
	for l := 0; l < 1000; l += 5 {
		mask[l>>3] |= 1 << (l & 7)
	}
	keepMask, _ := MaskFilter(mask, 1000, true, true, 1000)
	dropMask, _ := MaskFilter(mask, 1000, true, false, 1000)
	spec, err := (&FilterSpec{Bitset: excl, Mask: mask, MaskLen: 1000, MaskPacked: true, MaskKeep: true, ExcludeIDs: []int64{5, 10}}).Filter("t", 1000)
	if err != nil {
		t.Fatal(err)
	}
	filters := map[string]Filter{
		"bitset":    BitsetFilter(excl, 1000),
		"keep mask": keepMask,
		"drop mask": dropMask,
		"spec":      spec,
		"all of":    AllOf(BitsetFilter(excl, 1000), keepMask, KeepFunc(func(l int64) bool { return l%2 == 0 }, 0.5)),
	}
	for name, f := range filters {
		n, got, ok := listed(t, f, lo, hi)
		if !ok {
			t.Fatalf("%s: cannot list", name)
		}
		want := 0
		for l := int64(lo); l <= hi; l++ {
			if f.CheckValid(l) {
				want++
			}
		}
		if len(got) != want || n < want {
			t.Fatalf("%s: lists %d, counts %d, keeps %d", name, len(got), n, want)
		}
	}
	// a complement over a wide range is not listed
	if _, ok := BitsetFilter(excl, 1000).(KeptLister).CountKept(0, 1<<40); ok {
		t.Fatal("a complement over 2^40 labels is listed")
	}
	if _, ok := ExcludeFunc(func(int64) bool { return false }).(KeptLister); ok {
		t.Fatal("a callback lists its labels")
	}
}
