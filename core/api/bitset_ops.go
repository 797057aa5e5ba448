package api

import (
	"math/bits"
	"sort"
)

// This file holds the word-level operations on Bitset that compiled filters use (union,
// intersection and difference of label sets, ordered iteration, counts over a range), and
// KeptLister: the interface of filters whose kept labels an index can list instead of testing
// each of its own.

// OrWord sets the bits of mask in word w (the labels 64*w .. 64*w+63); w must be >= 0.
func (b *Bitset) OrWord(w int64, mask uint64) {
	if mask == 0 || w < 0 {
		return
	}
	if w < denseLimitWords {
		if int(w) >= len(b.words) {
			b.growWords(int(w) + 1)
		}
		b.words[w] |= mask
		return
	}
	if b.sparse == nil {
		b.sparse = map[int64]uint64{}
	}
	b.sparse[w] |= mask
}

// growWords makes the dense part hold at least n words (n <= denseLimitWords).
func (b *Bitset) growWords(n int) {
	if n <= len(b.words) {
		return
	}
	if n <= cap(b.words) {
		b.words = b.words[:n]
		return
	}
	c := max(n, 2*len(b.words))
	c = min(c, denseLimitWords)
	nw := make([]uint64, n, max(c, n))
	copy(nw, b.words)
	b.words = nw
}

// NewBitsetFor returns an empty bitset whose dense part is allocated up front for labels up to
// maxLabel, so setting them does not grow it step by step.
func NewBitsetFor(maxLabel int64) *Bitset {
	b := &Bitset{}
	if maxLabel >= 0 {
		b.words = make([]uint64, 0, min(maxLabel>>6+1, denseLimitWords))
	}
	return b
}

// word returns word w (0 when absent).
func (b *Bitset) word(w int64) uint64 {
	if w < 0 {
		return 0
	}
	if w < int64(len(b.words)) {
		return b.words[w]
	}
	return b.sparse[w]
}

// Or adds every label of o to b.
func (b *Bitset) Or(o *Bitset) {
	if o == nil {
		return
	}
	b.growWords(len(o.words))
	for i, w := range o.words {
		b.words[i] |= w
	}
	for k, w := range o.sparse {
		b.OrWord(k, w)
	}
}

// And keeps in b only the labels o holds too.
func (b *Bitset) And(o *Bitset) {
	if o == nil {
		b.Clear()
		return
	}
	for i := range b.words {
		if i < len(o.words) {
			b.words[i] &= o.words[i]
		} else {
			b.words[i] = 0
		}
	}
	for k, w := range b.sparse {
		if w &= o.sparse[k]; w == 0 {
			delete(b.sparse, k)
		} else {
			b.sparse[k] = w
		}
	}
}

// AndNot removes from b every label of o.
func (b *Bitset) AndNot(o *Bitset) {
	if o == nil {
		return
	}
	n := min(len(b.words), len(o.words))
	for i := 0; i < n; i++ {
		b.words[i] &^= o.words[i]
	}
	for k, w := range b.sparse {
		if w &^= o.sparse[k]; w == 0 {
			delete(b.sparse, k)
		} else {
			b.sparse[k] = w
		}
	}
}

// Clone returns a copy of b.
func (b *Bitset) Clone() *Bitset {
	c := &Bitset{}
	if b == nil {
		return c
	}
	c.words = append([]uint64(nil), b.words...)
	if len(b.sparse) > 0 {
		c.sparse = make(map[int64]uint64, len(b.sparse))
		for k, w := range b.sparse {
			c.sparse[k] = w
		}
	}
	return c
}

// sparseKeys returns the words of the sparse part in ascending order.
func (b *Bitset) sparseKeys() []int64 {
	if len(b.sparse) == 0 {
		return nil
	}
	ks := make([]int64, 0, len(b.sparse))
	for k := range b.sparse {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// ForEach calls fn with every label of b in ascending order until fn returns false; it
// reports whether it visited them all.
func (b *Bitset) ForEach(fn func(label int64) bool) bool {
	if b == nil {
		return true
	}
	for i, w := range b.words {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			if !fn(int64(i)<<6 | int64(t)) {
				return false
			}
			w &= w - 1
		}
	}
	for _, k := range b.sparseKeys() {
		w := b.sparse[k]
		for w != 0 {
			t := bits.TrailingZeros64(w)
			if !fn(k<<6 | int64(t)) {
				return false
			}
			w &= w - 1
		}
	}
	return true
}

// rangeMask returns the bits of word w that fall in [lo, hi] (lo <= hi, both >= 0).
func rangeMask(w, lo, hi int64) uint64 {
	m := ^uint64(0)
	if w == lo>>6 {
		m &= ^uint64(0) << uint(lo&63)
	}
	if w == hi>>6 {
		m &= ^uint64(0) >> uint(63-hi&63)
	}
	return m
}

// CountRange returns the number of labels of b in [lo, hi].
func (b *Bitset) CountRange(lo, hi int64) int {
	if b == nil || hi < 0 || lo > hi {
		return 0
	}
	lo = max(lo, 0)
	n := 0
	// dense part
	if len(b.words) > 0 {
		dhi := min(hi, int64(len(b.words))<<6-1)
		for w := lo >> 6; w <= dhi>>6 && lo <= dhi; w++ {
			n += bits.OnesCount64(b.words[w] & rangeMask(w, lo, dhi))
		}
	}
	for k, w := range b.sparse {
		if k < lo>>6 || k > hi>>6 {
			continue
		}
		n += bits.OnesCount64(w & rangeMask(k, lo, hi))
	}
	return n
}

// ForEachClear calls fn with every label in [lo, hi] that b does not hold, ascending, until fn
// returns false (negative labels are never held).
func (b *Bitset) ForEachClear(lo, hi int64, fn func(label int64) bool) {
	for l := lo; l < 0 && l <= hi; l++ {
		if !fn(l) {
			return
		}
	}
	if hi < 0 {
		return
	}
	lo = max(lo, 0)
	for w := lo >> 6; w <= hi>>6; w++ {
		m := ^b.word(w) & rangeMask(w, lo, hi)
		for m != 0 {
			t := bits.TrailingZeros64(m)
			if !fn(w<<6 | int64(t)) {
				return
			}
			m &= m - 1
		}
	}
}

// KeptLister is implemented by filters that can list the labels they keep. An index's exact
// path then measures only the listed labels instead of testing each label it holds, and knows
// before it starts how many there are.
type KeptLister interface {
	Filter
	// CountKept returns an upper bound of the number of labels in [lo, hi] the filter keeps
	// (exact unless part of the filter is judged label by label), and false when the filter
	// cannot list them cheaply (a complement over a wide range, a callback).
	CountKept(lo, hi int64) (int, bool)
	// ForEachKept calls fn with each label in [lo, hi] the filter keeps, ascending, until fn
	// returns false. Only call it after CountKept reported true for the same range.
	ForEachKept(lo, hi int64, fn func(label int64) bool)
}

// maxClearSpan is the widest label range a complement is listed over (4 Mi labels: 64 Ki
// words to count, a few microseconds).
const maxClearSpan = 1 << 22

// CountKept implements KeptLister: the labels of [lo, hi] whose bit is clear, when the range
// is at most a few million labels wide.
func (f bitsetFilter) CountKept(lo, hi int64) (int, bool) {
	if lo > hi {
		return 0, true
	}
	if uint64(hi-lo) >= maxClearSpan {
		return 0, false
	}
	return int(hi-lo+1) - f.b.CountRange(lo, hi), true
}

// ForEachKept implements KeptLister.
func (f bitsetFilter) ForEachKept(lo, hi int64, fn func(label int64) bool) {
	if lo <= hi {
		f.b.ForEachClear(lo, hi, fn)
	}
}

// CountKept implements KeptLister: a keep mask lists its set entries; an exclude mask its
// clear ones over a narrow range.
func (f *maskFilter) CountKept(lo, hi int64) (int, bool) {
	if lo > hi {
		return 0, true
	}
	if !f.keep && uint64(hi-lo) >= maxClearSpan {
		return 0, false
	}
	n := 0
	f.ForEachKept(lo, hi, func(int64) bool { n++; return true })
	return n, true
}

// ForEachKept implements KeptLister.
func (f *maskFilter) ForEachKept(lo, hi int64, fn func(label int64) bool) {
	if f.keep {
		lo, hi = max(lo, 0), min(hi, f.n-1)
	}
	for l := lo; l <= hi; l++ {
		if f.set(l) == f.keep && !fn(l) {
			return
		}
	}
}

// lister picks, of parts, the one that lists the fewest labels of [lo, hi].
func lister(parts []Filter, lo, hi int64) (KeptLister, int, bool) {
	var best KeptLister
	bestN, found := 0, false
	for _, p := range parts {
		kl, ok := p.(KeptLister)
		if !ok {
			continue
		}
		n, ok := kl.CountKept(lo, hi)
		if ok && (!found || n < bestN) {
			best, bestN, found = kl, n, true
		}
	}
	return best, bestN, found
}

// forEachOf lists the labels of the part that lists the fewest and keeps those every part
// keeps.
func forEachOf(all Filter, parts []Filter, lo, hi int64, fn func(label int64) bool) {
	kl, _, ok := lister(parts, lo, hi)
	if !ok {
		return
	}
	kl.ForEachKept(lo, hi, func(l int64) bool {
		if !all.CheckValid(l) {
			return true
		}
		return fn(l)
	})
}

// CountKept implements KeptLister: the count of the part that lists the fewest labels.
func (f allOf) CountKept(lo, hi int64) (int, bool) {
	_, n, ok := lister(f, lo, hi)
	return n, ok
}

// ForEachKept implements KeptLister.
func (f allOf) ForEachKept(lo, hi int64, fn func(label int64) bool) { forEachOf(f, f, lo, hi, fn) }

// specParts returns the listable parts of a spec filter.
func (f *specFilter) specParts() []Filter {
	var parts []Filter
	if f.bits != nil {
		parts = append(parts, bitsetFilter{b: f.bits})
	}
	if f.mask != nil {
		parts = append(parts, f.mask)
	}
	return parts
}

// CountKept implements KeptLister through its bitset or its mask.
func (f *specFilter) CountKept(lo, hi int64) (int, bool) {
	_, n, ok := lister(f.specParts(), lo, hi)
	return n, ok
}

// ForEachKept implements KeptLister.
func (f *specFilter) ForEachKept(lo, hi int64, fn func(label int64) bool) {
	forEachOf(f, f.specParts(), lo, hi, fn)
}
